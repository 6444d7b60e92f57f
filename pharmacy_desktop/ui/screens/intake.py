"""F2 Intake: a new prescription from the keyboard (and the scanner for the drug).

Reading order is tab order: patient, prescriber, prescription (source, written, STAT, promised
time, notes), drug, quantity, unit, days supply, refills, SIG (live expansion), DAW. Picking a
patient fills in their preferred prescriber and moves on to the drug. Enter anywhere saves (except
in the patient and drug search, where Enter picks); errors appear under their field and focus
jumps to the first one. Prescriptions the pharmacist sent back are listed at the top with their
note; Enter on one loads it to correct. The promised time takes "4pm", "16:30", "+2h" (Alt+T).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.domain.dates import PromisedTimeError, parse_date, parse_promised, promised_text
from pharmacy_desktop.domain.daw import DAW_CODES, DAW_SHORT
from pharmacy_desktop.domain.places import Place
from pharmacy_desktop.errors import ValidationFailed
from pharmacy_desktop.services import intake, patients
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.intake import DrugChoice, ItemInput, PrescriberInput, PrescriptionInput
from pharmacy_desktop.services.patients import PatientHit, PatientProfile
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.keys import key_for
from pharmacy_desktop.ui.ops import run_in_background, show_error, user_message
from pharmacy_desktop.ui.screens.base import Screen, heading, shortcut
from pharmacy_desktop.ui.style import ERROR, ERROR_STYLE, HINT_STYLE, PASSED, PASSED_STYLE, TEXT, WARNING_STYLE
from pharmacy_desktop.ui.widgets.drug_picker import DrugPicker
from pharmacy_desktop.ui.widgets.patient_banner import PatientBanner
from pharmacy_desktop.ui.widgets.patient_search import PatientSearch
from pharmacy_desktop.ui.widgets.shrinkable_combo import ShrinkableCombo
from pharmacy_desktop.ui.widgets.sig_field import SigField


class IntakeScreen(Screen):
    key = key_for(Place.INTAKE)
    title = "Intake — new prescription"
    permission = "prescription.enter"
    help_keys = (
        ("Enter", "in the patient or drug search: pick the highlighted one; elsewhere: save to review"),
        ("Down / Up", "move through search results"),
        ("Tab / Shift+Tab", "next / previous field"),
        ("Alt+P", "patient search"),
        ("Alt+D", "drug"),
        ("Alt+G", "SIG"),
        ("Alt+N", "clear the form for a new prescription"),
        ("Alt+T", "promised time: 4pm, 16:30, tomorrow 9am, +2h (read back under the field)"),
        ("Scan", "a stock bottle fills the drug"),
    )

    def __init__(self, context: AppContext, actor: Actor, parent: QWidget | None = None):
        super().__init__(context, actor, parent)
        self.profile: PatientProfile | None = None
        self.correcting: tuple[Any, int, str] | None = None  # (rx id, version, rx number)
        self.returned: list[intake.ReturnedPrescription] = []
        self.errors: dict[str, QLabel] = {}
        self.saving = False
        self.last_saved: intake.SavedPrescription | None = None
        self._loaded_promised: tuple[str, dt.datetime] | None = None  # (read-back text, time) when correcting
        uow_factory = context.uow_factory

        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 8, 12, 8)
        outer.setSpacing(6)
        top = QHBoxLayout()
        top.addWidget(heading("New prescription", 4), 1)
        self.mode = QLabel("")
        self.mode.setObjectName("intakeMode")
        top.addWidget(self.mode)
        outer.addLayout(top)

        self.returned_box = QGroupBox("Sent back by the pharmacist — Enter on one to correct it")
        self.returned_list = QListWidget()
        self.returned_list.setObjectName("returnedList")
        self.returned_list.setMaximumHeight(70)
        self.returned_list.itemActivated.connect(lambda item: self._load_returned(self.returned_list.row(item)))
        QVBoxLayout(self.returned_box).addWidget(self.returned_list)
        self.returned_box.setVisible(False)
        outer.addWidget(self.returned_box)

        columns = QHBoxLayout()
        columns.setSpacing(12)
        outer.addLayout(columns, 1)
        left, right = QVBoxLayout(), QVBoxLayout()
        columns.addLayout(left, 5)
        columns.addLayout(right, 6)

        # -- patient -------------------------------------------------------------------------
        patient_box = QGroupBox("1  Patient  (Alt+P)")
        patient_layout = QVBoxLayout(patient_box)
        self.patient_search = PatientSearch(lambda text: patients.search_patients(uow_factory, self.actor, text))
        self.patient_search.chosen.connect(self._patient_chosen)
        self.patient_search.edit.textEdited.connect(self._patient_search_edited)
        self.banner = PatientBanner()
        patient_layout.addWidget(self.patient_search)
        patient_layout.addWidget(self._error_label("patient"))
        patient_layout.addWidget(self.banner)
        left.addWidget(patient_box)

        # -- prescriber ----------------------------------------------------------------------
        prescriber_box = QGroupBox("2  Prescriber")
        grid = QGridLayout(prescriber_box)
        self.preferred = ShrinkableCombo(18)
        self.preferred.setObjectName("preferredPrescriber")
        self.preferred.addItem("(type the prescriber below)")
        self.preferred.activated.connect(self._preferred_chosen)
        self.prescriber_name = self._line("prescriberName", "Dr. First Last")
        self.prescriber_npi = self._line("prescriberNpi", "10 digits")
        self.prescriber_npi.setMaxLength(10)
        self.prescriber_dea = self._line("prescriberDea", "e.g. AB1234563 (controlled drugs)")
        self.prescriber_phone = self._line("prescriberPhone", "(217) 555-0190")
        self._row(grid, 0, "Pre&ferred", self.preferred, None)
        self._row(grid, 1, "Na&me", self.prescriber_name, "prescriber_name")
        self._row(grid, 3, "NP&I", self.prescriber_npi, "prescriber_npi")
        self._row(grid, 5, "D&EA", self.prescriber_dea, "prescriber_dea")
        self._row(grid, 7, "P&hone", self.prescriber_phone, "prescriber_phone")
        left.addWidget(prescriber_box)
        left.addStretch(1)

        # -- prescription --------------------------------------------------------------------
        rx_box = QGroupBox("3  Prescription")
        grid = QGridLayout(rx_box)
        self.source = ShrinkableCombo(8)
        self.source.setObjectName("source")
        for source in intake.SOURCES:
            self.source.addItem(source.capitalize(), source)
        self.written = self._line("writtenDate", "MM/DD/YYYY")
        self.written.setText(f"{dt.date.today():%m/%d/%Y}")
        self.stat = QCheckBox("STAT (patient waiting)")
        self.stat.setObjectName("stat")
        self.notes = self._line("notes", "Notes for the pharmacist (optional)")
        self.promised = self._line("promisedAt", "4pm, 16:30, +2h")
        self.promised.setAccessibleName("Promised time")
        self.promised.setToolTip(
            "When the patient was told it will be ready: 4pm, 4:30 pm, 16:30, +2h, +45m. Empty: no promised time."
        )
        self.promised_hint = QLabel("")
        self.promised_hint.setObjectName("promisedHint")
        self.promised_hint.setWordWrap(True)
        self.promised_hint.setVisible(False)
        self.promised.textChanged.connect(self._promised_edited)
        self._row(grid, 0, "&Source", self.source, "source")
        self._row(grid, 0, "&Written", self.written, "written_date", column=2)
        grid.addWidget(self.stat, 2, 1)
        self._row(grid, 2, "Promised &time", self.promised, None, column=2)
        grid.addWidget(self.promised_hint, 3, 2, 1, 2, Qt.AlignmentFlag.AlignRight)  # "→ today 4:00 PM"
        self._row(grid, 4, "N&otes", self.notes, "notes", span=3)
        right.addWidget(rx_box)

        # -- item -----------------------------------------------------------------------------
        item_box = QGroupBox("4  Drug and directions")
        grid = QGridLayout(item_box)
        self.drug = DrugPicker(lambda text: intake.find_drugs(uow_factory, text))
        self.drug.chosen.connect(self._drug_chosen)
        self.quantity = self._line("quantity", "e.g. 30")
        self.unit = QComboBox()
        self.unit.setObjectName("quantityUnit")
        self.unit.addItems(list(intake.QUANTITY_UNITS))
        self.days = self._line("daysSupply", "1-365")
        self.sig = SigField()
        self.refills = self._line("refills", "0")
        self.refills.setText("0")
        self.daw = ShrinkableCombo(24)
        self.daw.setObjectName("daw")
        for code, text in DAW_CODES.items():
            self.daw.add_item(f"{code} — {text}", code, short=f"{code} — {DAW_SHORT.get(code, text)}")
        self._row(grid, 0, "&Drug", self.drug, "items[0].drug", span=3)
        self._row(grid, 2, "&Quantity", self.quantity, "items[0].quantity")
        self._row(grid, 2, "&Unit", self.unit, "items[0].quantity_unit", column=2)
        self._row(grid, 4, "Da&ys supply", self.days, "items[0].days_supply")
        self._row(grid, 4, "&Refills", self.refills, "items[0].refills", column=2)
        self._row(grid, 6, "SI&G", self.sig, "items[0].sig", span=3)
        self._row(grid, 8, "D&AW", self.daw, "items[0].daw_code", span=3)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        right.addWidget(item_box)
        right.addStretch(1)

        # -- actions --------------------------------------------------------------------------
        bar = QHBoxLayout()
        self.message = QLabel("")
        self.message.setObjectName("intakeMessage")
        self.message.setWordWrap(True)
        self.clear_button = QPushButton("New (Alt+N)")
        self.clear_button.setObjectName("clearButton")
        self.clear_button.clicked.connect(self.clear_form)
        self.save_button = QPushButton("Save to review queue (Enter)")
        self.save_button.setObjectName("saveButton")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        bar.addWidget(self.message, 1)
        bar.addWidget(self.clear_button)
        bar.addWidget(self.save_button)
        outer.addLayout(bar)

        order = [
            self.returned_list,
            self.patient_search.edit,
            self.patient_search.results,
            self.preferred,
            self.prescriber_name,
            self.prescriber_npi,
            self.prescriber_dea,
            self.prescriber_phone,
            self.source,
            self.written,
            self.stat,
            self.promised,
            self.notes,
            self.drug.edit,
            self.drug.results,
            self.quantity,
            self.unit,
            self.days,
            self.refills,
            self.sig.edit,
            self.daw,
            self.save_button,
            self.clear_button,
        ]
        for first, second in zip(order, order[1:]):
            QWidget.setTabOrder(first, second)
        # Alt+D (drug) and Alt+G (SIG) come from the field labels' mnemonics
        search = self.patient_search.edit
        shortcut(self, "Alt+P", lambda: (search.setFocus(), search.selectAll()))
        shortcut(self, "Alt+N", self.clear_form)

    # -- building ---------------------------------------------------------------------------------

    def _line(self, name: str, placeholder: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(name)
        edit.setPlaceholderText(placeholder)
        return edit

    def _error_label(self, key: str) -> QLabel:
        label = QLabel("")
        label.setObjectName(f"error:{key}")
        label.setStyleSheet(ERROR_STYLE)
        label.setWordWrap(True)
        label.setVisible(False)
        self.errors[key] = label
        return label

    def _row(
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
        label = QLabel(text)
        label.setBuddy(widget.focusProxy() or widget)
        grid.addWidget(label, row, column, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(widget, row, column + 1, 1, span)
        if key:
            grid.addWidget(self._error_label(key), row + 1, column + 1, 1, span)

    # -- screen hooks --------------------------------------------------------------------------

    def activate(self) -> None:
        self.refresh_returned()
        if self.profile is None:
            self.patient_search.edit.setFocus()

    def on_change(self, notice: dict[str, Any]) -> None:
        if notice.get("topic") == "prescriptions" and self.isVisible():
            self.refresh_returned()

    def queue_count(self) -> int | None:
        return len(self.returned) or None

    def handle_scan(self, text: str) -> bool:
        factory = self.context.uow_factory
        run_in_background(
            self,
            lambda: intake.drug_from_scan(factory, text),
            lambda result: self.drug.show_choices(*result),
            busy_message="Looking up the bottle…",
        )
        return True

    def clear_sensitive(self) -> None:
        self.clear_form()
        self.returned = []
        self.returned_list.clear()
        self.returned_box.setVisible(False)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if (
            event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        ):
            self.save()
            return
        super().keyPressEvent(event)

    # -- returned prescriptions ----------------------------------------------------------------

    def refresh_returned(self) -> None:
        factory, actor = self.context.uow_factory, self.actor
        run_in_background(
            self, lambda: intake.returned_to_intake(factory, actor), self._show_returned, lambda exc: None
        )

    def _show_returned(self, rows: list[intake.ReturnedPrescription]) -> None:
        self.returned = rows
        self.returned_list.clear()
        for r in rows:
            self.returned_list.addItem(f"↩ Rx {r.rx_number} · {r.patient_name} · {r.drug} — “{r.note}”")
        self.returned_box.setVisible(bool(rows))

    def _load_returned(self, row: int) -> None:
        if not 0 <= row < len(self.returned):
            return
        returned = self.returned[row]
        factory, actor = self.context.uow_factory, self.actor
        form = returned.form

        def load() -> tuple[PatientProfile, DrugChoice | None]:
            profile = patients.open_patient(factory, actor, form.patient_id)
            item = form.items[0] if form.items else None
            drug = intake.drug_choice(factory, item.medication_id) if item and item.medication_id else None
            return profile, drug

        def loaded(result: tuple[PatientProfile, DrugChoice | None]) -> None:
            profile, drug = result
            self.clear_form()
            self.correcting = (returned.prescription_id, returned.version, returned.rx_number)
            self.mode.setText(f"Correcting Rx {returned.rx_number}: “{returned.note}”")
            self.mode.setStyleSheet(WARNING_STYLE)
            self._set_profile(profile, prefill=False)
            p = form.prescriber
            self.prescriber_name.setText(p.name)
            self.prescriber_npi.setText(p.npi)
            self.prescriber_dea.setText(p.dea or "")
            self.prescriber_phone.setText(p.phone or "")
            self.source.setCurrentIndex(max(0, self.source.findData(form.source)))
            if form.written_date:
                self.written.setText(f"{form.written_date:%m/%d/%Y}")
            self.stat.setChecked(form.is_stat)
            if form.promised_at:
                self._loaded_promised = (promised_text(form.promised_at), form.promised_at)
                self.promised.setText(self._loaded_promised[0])
            self.notes.setText(form.notes or "")
            if form.items:
                item = form.items[0]
                self.drug.set_choice(drug)
                self.quantity.setText(f"{item.quantity}")
                self.unit.setCurrentText(item.quantity_unit or "")
                self.days.setText(str(item.days_supply))
                self.sig.setText(item.sig)
                self.refills.setText(str(item.refills))
                self.daw.setCurrentIndex(max(0, self.daw.findData(item.daw_code)))
            self.prescriber_name.setFocus()

        run_in_background(self, load, loaded, busy_message="Opening the prescription…")

    # -- patient and prescriber ----------------------------------------------------------------

    def _patient_search_edited(self, _text: str) -> None:
        # a new search un-chooses the patient: the banner always shows who the Rx is for
        if self.profile is not None:
            self.profile = None
            self.banner.show_profile(None)

    def _patient_chosen(self, hit: PatientHit) -> None:
        factory, actor = self.context.uow_factory, self.actor
        self.patient_search.edit.setText(hit.display_name)
        run_in_background(
            self,
            lambda: patients.open_patient(factory, actor, hit.patient_id),
            lambda profile: self._set_profile(profile, prefill=True),
            busy_message="Opening patient…",
        )

    def _set_profile(self, profile: PatientProfile, *, prefill: bool) -> None:
        self.profile = profile
        self.banner.show_profile(profile)
        self.patient_search.edit.setText(profile.display_name)
        self._set_error("patient", None)
        self.preferred.clear()
        self.preferred.addItem("(type the prescriber below)", None)
        for p in profile.form.prescribers:
            # the NPI is in its own field right below: the closed box names the prescriber
            self.preferred.add_item(
                f"{p.name} · NPI {p.npi}" + (f" · {p.specialty}" if p.specialty else ""),
                p,
                short=f"{p.name}" + (f" · {p.specialty}" if p.specialty else ""),
            )
        if prefill and profile.form.prescribers and not self.prescriber_name.text().strip():
            self.preferred.setCurrentIndex(1)
            self._preferred_chosen(1)
        if prefill:
            # with the prescriber filled in, the next thing to type is the drug
            (self.drug.edit if self.prescriber_name.text().strip() else self.prescriber_name).setFocus()

    def _preferred_chosen(self, index: int) -> None:
        p = self.preferred.itemData(index)
        if isinstance(p, patients.PrescriberEntry):
            self.prescriber_name.setText(p.name)
            self.prescriber_npi.setText(p.npi)
            self.prescriber_dea.setText(p.dea or "")
            self.prescriber_phone.setText(p.phone or "")

    def _promised_edited(self, text: str) -> None:
        """Reads the promised time back as it is typed ("→ today 4:00 PM"), or says what to type."""
        try:
            when = self.promised_at()
        except PromisedTimeError as exc:
            self.promised_hint.setText(f"✖ {exc}" if len(text.strip()) > 1 else "e.g. 4pm, 16:30, +2h")
            self.promised_hint.setStyleSheet(ERROR_STYLE if len(text.strip()) > 1 else HINT_STYLE)
        else:
            self.promised_hint.setText(f"→ {promised_text(when)}" if when else "")
            self.promised_hint.setStyleSheet(PASSED_STYLE)
        self.promised_hint.setVisible(bool(self.promised_hint.text()))

    def promised_at(self) -> dt.datetime | None:
        """The promised time typed, or None; raises ``PromisedTimeError`` when it is not a time."""
        loaded = self._loaded_promised
        if loaded is not None and self.promised.text() == loaded[0]:
            return loaded[1]  # a corrected prescription keeps its promised time unless it is retyped
        return parse_promised(self.promised.text())

    def _drug_chosen(self, choice: DrugChoice | None) -> None:
        if choice is None:
            return
        self.unit.setCurrentText(choice.default_unit)
        self._set_error("items[0].drug", None)
        self.quantity.setFocus()

    # -- saving --------------------------------------------------------------------------------

    def form(self, promised_at: dt.datetime | None = None) -> PrescriptionInput:
        return PrescriptionInput(
            patient_id=self.profile.patient_id if self.profile else None,
            prescriber=PrescriberInput(
                self.prescriber_name.text(),
                self.prescriber_npi.text(),
                self.prescriber_dea.text() or None,
                self.prescriber_phone.text() or None,
            ),
            items=(
                ItemInput(
                    self.drug.choice.medication_id if self.drug.choice else None,
                    self.quantity.text(),
                    self.days.text(),
                    self.sig.text(),
                    self.refills.text(),
                    self.unit.currentText(),
                    self.daw.currentData(),
                ),
            ),
            written_date=parse_date(self.written.text()),
            source=self.source.currentData(),
            is_stat=self.stat.isChecked(),
            notes=self.notes.text() or None,
            promised_at=promised_at,
        )

    def save(self) -> None:
        if self.saving:
            return
        try:
            promised_at = self.promised_at()
        except PromisedTimeError as exc:
            self._promised_edited(self.promised.text())
            self._say(f"✖ Promised time: {exc}", ERROR)
            self.promised.setFocus()
            self.promised.selectAll()
            return
        form = self.form(promised_at)
        factory, actor = self.context.uow_factory, self.actor
        correcting = self.correcting
        if correcting:
            rx_id, version, _ = correcting
            work = lambda: intake.correct_prescription(factory, actor, rx_id, version, form)  # noqa: E731
        else:
            work = lambda: intake.submit_prescription(factory, actor, form)  # noqa: E731
        self.saving = True
        self.save_button.setEnabled(False)
        self._say("Saving…", TEXT)
        run_in_background(self, work, self._saved, self._failed, busy_message="Saving the prescription…")

    def _saved(self, saved: intake.SavedPrescription) -> None:
        self.saving = False
        self.save_button.setEnabled(True)
        self.last_saved = saved
        name = self.profile.display_name if self.profile else ""
        alerts = ""
        if saved.blocking_alerts or saved.warnings:
            alerts = f" DUR: {saved.blocking_alerts} hard stop(s), {saved.warnings} warning(s) for the pharmacist."
        self.clear_form()
        self._say(
            f"✓ Rx {saved.rx_number} saved for {name}: in the review queue.{alerts} "
            "Next prescription: type the patient.",
            PASSED,
        )
        self.refresh_returned()

    def _failed(self, exc: Exception) -> None:
        self.saving = False
        self.save_button.setEnabled(True)
        if isinstance(exc, ValidationFailed):
            self._show_errors(exc.field_errors)
            self._say(f"✖ {exc.message}", ERROR)
            return
        self._say(f"✖ {user_message(exc)}", ERROR)
        show_error(self, exc)

    def _show_errors(self, field_errors: dict[str, str]) -> None:
        for key in self.errors:
            self._set_error(key, field_errors.get(key))
        focus = {
            "patient": self.patient_search.edit,
            "prescriber_name": self.prescriber_name,
            "prescriber_npi": self.prescriber_npi,
            "prescriber_dea": self.prescriber_dea,
            "prescriber_phone": self.prescriber_phone,
            "source": self.source,
            "notes": self.notes,
            "written_date": self.written,
            "items[0].drug": self.drug.edit,
            "items[0].quantity": self.quantity,
            "items[0].quantity_unit": self.unit,
            "items[0].days_supply": self.days,
            "items[0].refills": self.refills,
            "items[0].sig": self.sig.edit,
            "items[0].daw_code": self.daw,
        }
        for key, widget in focus.items():
            if key in field_errors:
                widget.setFocus()
                break

    def _set_error(self, key: str, text: str | None) -> None:
        label = self.errors.get(key)
        if label is not None:
            label.setText(f"✖ {text}" if text else "")
            label.setVisible(bool(text))

    def _say(self, text: str, colour: str) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {colour}; font-weight: bold;")

    def clear_form(self) -> None:
        self.profile = None
        self.correcting = None
        self.mode.setText("")
        self.patient_search.clear()
        self.banner.show_profile(None)
        self.preferred.clear()
        self.preferred.addItem("(type the prescriber below)", None)
        for edit in (
            self.prescriber_name,
            self.prescriber_npi,
            self.prescriber_dea,
            self.prescriber_phone,
            self.notes,
            self.quantity,
            self.days,
        ):
            edit.clear()
        self.refills.setText("0")
        self.sig.setText("")
        self.drug.clear()
        self.source.setCurrentIndex(0)
        self.written.setText(f"{dt.date.today():%m/%d/%Y}")
        self.stat.setChecked(False)
        self._loaded_promised = None
        self.promised.clear()
        self.daw.setCurrentIndex(0)
        for key in self.errors:
            self._set_error(key, None)
        self.message.setText("")
        self.patient_search.edit.setFocus()
