"""The intake screen's four numbered boxes (patient, prescriber, prescription, drug and directions),
each with its fields, the error line under each field, and how its fields fill in, read out and clear."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.domain.dates import PromisedTimeError, parse_date, parse_promised, promised_text
from pharmacy_desktop.domain.daw import DAW_CODES, DAW_SHORT
from pharmacy_desktop.domain.identifiers import DEA_SCHEDULE_CODES, split_prescriber_name
from pharmacy_desktop.services import intake
from pharmacy_desktop.services.patient_forms import PatientHit, PrescriberEntry
from pharmacy_desktop.services.prescription_form import DrugChoice, ItemInput, PrescriberInput, PrescriptionInput
from pharmacy_desktop.ui.style import ERROR_STYLE, HINT_STYLE, PASSED_STYLE
from pharmacy_desktop.ui.widgets.drug_picker import DrugPicker
from pharmacy_desktop.ui.widgets.patient_banner import PatientBanner
from pharmacy_desktop.ui.widgets.patient_search import PatientSearch
from pharmacy_desktop.ui.widgets.shrinkable_combo import ShrinkableCombo
from pharmacy_desktop.ui.widgets.sig_field import SigField
from pharmacy_desktop.ui.widgets.status_label import StatusLabel

NO_PREFERRED = "(type the prescriber below)"


def line(name: str, placeholder: str, parent: QWidget | None = None) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setObjectName(name)
    edit.setPlaceholderText(placeholder)
    edit.setToolTip(placeholder)  # the whole hint when a narrow window cuts the placeholder
    return edit


class ErrorLabels(Mapping[str, StatusLabel]):
    """The error line of each field key, made the first time it is asked for (``FieldErrors``)."""

    def __init__(self, errors: FieldErrors) -> None:
        self._errors = errors

    def __getitem__(self, key: str) -> StatusLabel:
        return self._errors.label_of(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._errors.keys())

    def __len__(self) -> int:
        return len(self._errors.keys())


class FieldErrors:
    """The error line under each field, by the service's field key ("items[0].sig"), in form order.

    A line is made the first time its field has an error (or someone asks for it): an empty form shows
    none, and building seventeen hidden labels, each with its own style sheet, was a third of the intake
    screen's first showing (bench/gui_stall.py)."""

    def __init__(self) -> None:
        self._places: dict[str, Callable[[StatusLabel], None]] = {}  # key -> puts its label in place
        self._made: dict[str, StatusLabel] = {}
        self._parents: dict[str, QWidget | None] = {}  # key -> the box its line goes in
        self.labels: Mapping[str, StatusLabel] = ErrorLabels(self)

    def keys(self) -> list[str]:
        return list(self._places)

    def place(self, key: str, put: Callable[[StatusLabel], None], parent: QWidget | None = None) -> None:
        """Where the line of ``key`` goes when it is made: ``put(label)`` adds it to a layout (of ``parent``,
        the box the line is made in)."""
        self._places[key] = put
        self._parents[key] = parent

    def label_of(self, key: str) -> StatusLabel:
        label = self._made.get(key)
        if label is None:
            put = self._places[key]  # KeyError: not a field of this form
            label = StatusLabel(parent=self._parents.get(key))  # the stop icon beside the problem's words
            label.setObjectName(f"error:{key}")
            label.setStyleSheet(ERROR_STYLE)
            label.setWordWrap(True)
            label.setVisible(False)
            put(label)
            self._made[key] = label
        return label

    def set(self, key: str, text: str | None) -> None:
        if key not in self._places or (not text and key not in self._made):
            return  # no error and no line yet: nothing to hide
        label = self.label_of(key)
        label.say("stop", text or "")
        label.setVisible(bool(text))

    def row(
        self,
        grid: QGridLayout,
        row: int,
        text: str,
        widget: QWidget,
        key: str | None,
        *,
        column: int = 0,
        span: int = 1,
    ) -> None:
        label = QLabel(text, grid.parentWidget())  # made in the box: styled once
        label.setBuddy(widget.focusProxy() or widget)
        grid.addWidget(label, row, column, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(widget, row, column + 1, 1, span)
        if key:
            self.place(key, lambda line: grid.addWidget(line, row + 1, column + 1, 1, span), grid.parentWidget())


class PatientBox(QGroupBox):
    def __init__(
        self, errors: FieldErrors, search: Callable[[str], list[PatientHit]], parent: QWidget | None = None
    ) -> None:
        super().__init__("1  Patient  (Alt+P)", parent)
        patient_layout = QVBoxLayout(self)
        self.patient_search = PatientSearch(search, self)
        self.banner = PatientBanner(self)
        patient_layout.addWidget(self.patient_search)
        patient_layout.addWidget(self.banner)
        errors.place("patient", lambda line: patient_layout.insertWidget(1, line), self)  # under the search

    def tab_order(self) -> list[QWidget]:
        return self.patient_search.tab_stops()  # its result list follows it when made (SearchAsYouType.results)

    def focus_for(self) -> dict[str, QWidget]:
        """The field to put the focus in when the service names the key."""
        return {"patient": self.patient_search.edit}


class PrescriberBox(QGroupBox):
    """First and last name apart (a surname of several words, "de la Cruz", is one field), NPI,
    DEA number and the DEA schedules the prescriber holds (none ticked: not recorded)."""

    def __init__(self, errors: FieldErrors, parent: QWidget | None = None) -> None:
        super().__init__("2  Prescriber", parent)
        grid = QGridLayout(self)
        self.preferred = ShrinkableCombo(18, self)
        self.preferred.setObjectName("preferredPrescriber")
        self.preferred.addItem(NO_PREFERRED)
        names = QWidget(self)
        self.prescriber_name = line("prescriberFirstName", "First", names)  # the first field of the name
        self.prescriber_last = line("prescriberLastName", "Last name", names)
        self.prescriber_name.setAccessibleName("Prescriber first name")
        self.prescriber_last.setAccessibleName("Prescriber last name")
        name_row = QHBoxLayout(names)
        name_row.setContentsMargins(0, 0, 0, 0)
        name_row.addWidget(self.prescriber_name, 2)
        name_row.addWidget(self.prescriber_last, 3)
        names.setFocusProxy(self.prescriber_name)
        self.prescriber_npi = line("prescriberNpi", "10 digits", self)
        self.prescriber_npi.setMaxLength(10)
        self.prescriber_dea = line("prescriberDea", "e.g. AB1234563", self)
        self.prescriber_dea.setToolTip("e.g. AB1234563: the prescriber's DEA number, needed for controlled drugs")
        self.schedule_boxes: dict[str, QCheckBox] = {}
        schedules = QWidget(self)
        schedules.setObjectName("prescriberSchedules")
        schedule_row = QHBoxLayout(schedules)
        schedule_row.setContentsMargins(0, 0, 0, 0)
        for code in DEA_SCHEDULE_CODES:
            box = QCheckBox(code, schedules)
            box.setObjectName(f"schedule{code}")
            box.setToolTip(
                f"The prescriber's DEA registration covers schedule {code}"
                + (" (non-narcotic)" if code.endswith("N") else "")
            )
            self.schedule_boxes[code] = box
            schedule_row.addWidget(box)
        schedule_row.addStretch(1)
        schedules.setFocusProxy(self.schedule_boxes[DEA_SCHEDULE_CODES[0]])
        self.prescriber_phone = line("prescriberPhone", "(217) 555-0190", self)
        errors.row(grid, 0, "Pre&ferred", self.preferred, None)
        errors.row(grid, 1, "Na&me", names, "prescriber_name")
        errors.place("prescriber_last_name", lambda line: grid.addWidget(line, 3, 1), self)
        errors.row(grid, 4, "NP&I", self.prescriber_npi, "prescriber_npi")
        errors.row(grid, 6, "D&EA", self.prescriber_dea, "prescriber_dea")
        errors.row(grid, 8, "S&chedules", schedules, "prescriber_dea_schedules")
        errors.row(grid, 10, "P&hone", self.prescriber_phone, "prescriber_phone")

    def tab_order(self) -> list[QWidget]:
        return [
            self.preferred,
            self.prescriber_name,
            self.prescriber_last,
            self.prescriber_npi,
            self.prescriber_dea,
            *self.schedule_boxes.values(),
            self.prescriber_phone,
        ]

    def focus_for(self) -> dict[str, QWidget]:
        return {
            "prescriber_name": self.prescriber_name,
            "prescriber_last_name": self.prescriber_last,
            "prescriber_npi": self.prescriber_npi,
            "prescriber_dea": self.prescriber_dea,
            "prescriber_dea_schedules": self.schedule_boxes[DEA_SCHEDULE_CODES[0]],
            "prescriber_phone": self.prescriber_phone,
        }

    def set_choices(self, prescribers: tuple[PrescriberEntry, ...] | list[PrescriberEntry]) -> None:
        """The patient's preferred prescribers (none: only the line that says to type one)."""
        self.preferred.clear()
        self.preferred.addItem(NO_PREFERRED, None)
        for p in prescribers:
            # the NPI is in its own field right below: the closed box names the prescriber
            self.preferred.add_item(
                f"{p.name} · NPI {p.npi}" + (f" · {p.specialty}" if p.specialty else ""),
                p,
                short=f"{p.name}" + (f" · {p.specialty}" if p.specialty else ""),
            )

    def set_prescriber(self, p: PrescriberEntry | PrescriberInput) -> None:
        if isinstance(p, PrescriberInput):
            first, last = p.name_parts
            held = set(p.dea_schedules or ())
        else:
            first, last = split_prescriber_name(p.name)
            held = set()
        self.prescriber_name.setText(first or "")
        self.prescriber_last.setText(last or "")
        self.prescriber_npi.setText(p.npi)
        self.prescriber_dea.setText(p.dea or "")
        for code, box in self.schedule_boxes.items():
            box.setChecked(code in held)
        self.prescriber_phone.setText(p.phone or "")

    def has_name(self) -> bool:
        return bool(self.prescriber_name.text().strip() or self.prescriber_last.text().strip())

    def clear(self) -> None:
        for edit in (self.prescriber_name, self.prescriber_last, self.prescriber_npi, self.prescriber_dea):
            edit.clear()
        for box in self.schedule_boxes.values():
            box.setChecked(False)
        self.prescriber_phone.clear()

    def prescriber(self) -> PrescriberInput:
        first, last = self.prescriber_name.text().strip(), self.prescriber_last.text().strip()
        held = tuple(code for code, box in self.schedule_boxes.items() if box.isChecked())
        return PrescriberInput(
            " ".join(part for part in (first, last) if part),
            self.prescriber_npi.text(),
            self.prescriber_dea.text() or None,
            self.prescriber_phone.text() or None,
            first_name=first or None,
            last_name=last or None,
            dea_schedules=held or None,
        )


class PrescriptionBox(QGroupBox):
    def __init__(self, errors: FieldErrors, parent: QWidget | None = None) -> None:
        super().__init__("3  Prescription", parent)
        self.loaded_promised: tuple[str, dt.datetime] | None = None  # (read-back text, time) when correcting
        grid = QGridLayout(self)
        self.source = ShrinkableCombo(8, self)
        self.source.setObjectName("source")
        for source in intake.SOURCES:
            self.source.addItem(source.capitalize(), source)
        self.written = line("writtenDate", "MM/DD/YYYY", self)
        self.written.setText(f"{dt.date.today():%m/%d/%Y}")
        self.stat = QCheckBox("STAT (patient waiting)", self)
        self.stat.setObjectName("stat")
        self.notes = line("notes", "Notes for the pharmacist (optional)", self)
        self.promised = line("promisedAt", "4pm, +2h", self)
        self.promised.setAccessibleName("Promised time")
        self.promised.setToolTip(
            "4pm, +2h: when the patient was told it will be ready (4pm, 4:30 pm, 16:30, +2h, +45m). "
            "Empty: no promised time."
        )
        self.promised_hint = StatusLabel(parent=self)
        self.promised_hint.setObjectName("promisedHint")
        self.promised_hint.setWordWrap(True)
        self.promised_hint.setVisible(False)
        self.promised.textChanged.connect(self.promised_edited)
        errors.row(grid, 0, "&Source", self.source, "source")
        errors.row(grid, 0, "&Written", self.written, "written_date", column=2)
        grid.addWidget(self.stat, 2, 1)
        errors.row(grid, 2, "Promised &time", self.promised, None, column=2)
        grid.addWidget(self.promised_hint, 3, 2, 1, 2, Qt.AlignmentFlag.AlignRight)  # "→ today 4:00 PM"
        errors.row(grid, 4, "N&otes", self.notes, "notes", span=3)

    def tab_order(self) -> list[QWidget]:
        return [self.source, self.written, self.stat, self.promised, self.notes]

    def focus_for(self) -> dict[str, QWidget]:
        return {"source": self.source, "notes": self.notes, "written_date": self.written}

    def promised_edited(self, text: str) -> None:
        """Reads the promised time back as it is typed ("→ today 4:00 PM"), or says what to type."""
        try:
            when = self.promised_at()
        except PromisedTimeError as exc:
            self.promised_hint.say(*(("stop", str(exc)) if len(text.strip()) > 1 else (None, "e.g. 4pm, 16:30, +2h")))
            self.promised_hint.setStyleSheet(ERROR_STYLE if len(text.strip()) > 1 else HINT_STYLE)
        else:
            self.promised_hint.setText(f"→ {promised_text(when)}" if when else "")
            self.promised_hint.setStyleSheet(PASSED_STYLE)
        self.promised_hint.setVisible(bool(self.promised_hint.text()))

    def promised_at(self) -> dt.datetime | None:
        """The promised time typed, or None; raises ``PromisedTimeError`` when it is not a time."""
        loaded = self.loaded_promised
        if loaded is not None and self.promised.text() == loaded[0]:
            return loaded[1]  # a corrected prescription keeps its promised time unless it is retyped
        return parse_promised(self.promised.text())

    def load(self, form: PrescriptionInput) -> None:
        self.source.setCurrentIndex(max(0, self.source.findData(form.source)))
        if form.written_date:
            self.written.setText(f"{form.written_date:%m/%d/%Y}")
        self.stat.setChecked(form.is_stat)
        if form.promised_at:
            self.loaded_promised = (promised_text(form.promised_at), form.promised_at)
            self.promised.setText(self.loaded_promised[0])
        self.notes.setText(form.notes or "")

    def written_date(self) -> dt.date | None:
        return parse_date(self.written.text())

    def clear(self) -> None:
        self.notes.clear()
        self.source.setCurrentIndex(0)
        self.written.setText(f"{dt.date.today():%m/%d/%Y}")
        self.stat.setChecked(False)
        self.loaded_promised = None
        self.promised.clear()


class ItemBox(QGroupBox):
    def __init__(
        self, errors: FieldErrors, find_drugs: Callable[[str], list[DrugChoice]], parent: QWidget | None = None
    ) -> None:
        super().__init__("4  Drug and directions", parent)
        grid = QGridLayout(self)
        self.drug = DrugPicker(find_drugs, self)
        self.quantity = line("quantity", "e.g. 30", self)
        self.unit = QComboBox(self)
        self.unit.setObjectName("quantityUnit")
        self.unit.addItems(list(intake.QUANTITY_UNITS))
        self.days = line("daysSupply", "1-365", self)
        self.sig = SigField(self)
        self.refills = line("refills", "0", self)
        self.refills.setText("0")
        self.daw = ShrinkableCombo(24, self)
        self.daw.setObjectName("daw")
        for code, text in DAW_CODES.items():
            self.daw.add_item(f"{code} — {text}", code, short=f"{code} — {DAW_SHORT.get(code, text)}")
        errors.row(grid, 0, "&Drug", self.drug, "items[0].drug", span=3)
        errors.row(grid, 2, "&Quantity", self.quantity, "items[0].quantity")
        errors.row(grid, 2, "&Unit", self.unit, "items[0].quantity_unit", column=2)
        errors.row(grid, 4, "Da&ys supply", self.days, "items[0].days_supply")
        errors.row(grid, 4, "&Refills", self.refills, "items[0].refills", column=2)
        errors.row(grid, 6, "SI&G", self.sig, "items[0].sig", span=3)
        errors.row(grid, 8, "D&AW", self.daw, "items[0].daw_code", span=3)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)

    def tab_order(self) -> list[QWidget]:
        return [
            *self.drug.tab_stops(),  # its result list follows it when made
            self.quantity,
            self.unit,
            self.days,
            self.refills,
            self.sig.edit,
            self.sig.directions,
            self.daw,
        ]

    def focus_for(self) -> dict[str, QWidget]:
        return {
            "items[0].drug": self.drug.edit,
            "items[0].quantity": self.quantity,
            "items[0].quantity_unit": self.unit,
            "items[0].days_supply": self.days,
            "items[0].refills": self.refills,
            "items[0].sig": self.sig.edit,
            "items[0].daw_code": self.daw,
        }

    def offer_units(self, default_unit: str | None, current: str | None = None) -> None:
        """The drug's own unit first and chosen (or ``current``, a loaded prescription's unit, kept even
        when not a usual choice: a combo box cannot show a unit it does not list)."""
        self.unit.clear()
        self.unit.addItems(list(intake.unit_choices(default_unit, current)))
        self.unit.setCurrentText((current or default_unit or "").strip())

    def load(self, item: ItemInput, drug: DrugChoice | None) -> None:
        self.drug.set_choice(drug)
        self.quantity.setText(f"{item.quantity}")
        self.offer_units(drug.default_unit if drug else None, item.quantity_unit)
        self.days.setText(str(item.days_supply))
        self.sig.setText(item.sig)
        self.sig.set_typed_directions(item.directions)
        self.refills.setText(str(item.refills))
        self.daw.setCurrentIndex(max(0, self.daw.findData(item.daw_code)))

    def item(self) -> ItemInput:
        return ItemInput(
            self.drug.choice.medication_id if self.drug.choice else None,
            self.quantity.text(),
            self.days.text(),
            self.sig.text(),
            self.refills.text(),
            self.unit.currentText(),
            self.daw.currentData(),
            self.sig.typed_directions(),
        )

    def clear(self) -> None:
        self.quantity.clear()
        self.days.clear()
        self.refills.setText("0")
        self.sig.setText("")
        self.sig.set_typed_directions(None)
        self.drug.clear()
        self.daw.setCurrentIndex(0)
