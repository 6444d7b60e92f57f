"""The patient profile form: details, allergies, conditions, insurance, preferred prescribers.

Lists are editable tables: arrows move, typing edits the cell, Enter commits, Insert adds a row,
Ctrl+Delete removes the row; Tab leaves the table. Errors from the service appear next to the
field (or, for table cells, under the table).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.domain.body_weight import WeightError, kg_to_lb, parse_weight_kg
from pharmacy_desktop.domain.dates import parse_date
from pharmacy_desktop.services import patients
from pharmacy_desktop.services.patient_forms import (
    AllergyEntry,
    ConditionEntry,
    InsuranceEntry,
    PatientForm,
    PrescriberEntry,
)
from pharmacy_desktop.ui.style import ERROR_STYLE
from pharmacy_desktop.ui.widgets.column_fit import fit_columns
from pharmacy_desktop.ui.widgets.status_label import StatusLabel

PREGNANCY_TEXTS = {"unknown": "Unknown / not asked", "pregnant": "Pregnant", "not_pregnant": "Not pregnant"}


def _date_text(value: dt.date | None) -> str:
    return f"{value:%m/%d/%Y}" if value else ""


Column = tuple[str, str, Callable[[Any], str], Callable[[str], Any]]  # header, field, to text, from text


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _item_text(item: QTableWidgetItem | None) -> str:
    return item.text() if item else ""


def _opt(text: str) -> str | None:
    return text.strip() or None


def _bool_text(value: bool) -> str:
    return "yes" if value else "no"


def _bool(text: str) -> bool:
    return text.strip().lower() in ("y", "yes", "true", "1", "x", "primary")


class EntryTable(QTableWidget):
    def __init__(
        self,
        name: str,
        columns: Sequence[Column],
        factory: Callable[..., Any],
        parent: QWidget | None = None,
        *,
        stretch: int = 0,
    ):
        super().__init__(0, len(columns), parent)
        self.setObjectName(name)
        self.columns = list(columns)
        self.factory = factory
        # a title's "(what to type)" goes to its tooltip: the header stays short enough to read whole
        for index, column in enumerate(columns):
            title, _, values = column[0].partition(" (")
            item = QTableWidgetItem(title)
            if values:
                item.setToolTip(f"{title}: {values.rstrip(')').replace('/', ', ')}")
            self.setHorizontalHeaderItem(index, item)
        # each column as wide as what is typed in it, the main one (the allergen, the plan, ...) takes
        # the rest; a cell too narrow elides and its tooltip holds the whole text
        others = tuple(c for c in reversed(range(len(columns))) if c != stretch)
        fit_columns(self, stretch=stretch, keep=lambda text: text, shrink=others, floor_chars=8)
        self.itemChanged.connect(self._keep_tooltip)
        self.verticalHeader().setDefaultSectionSize(30)
        self.setTabKeyNavigation(False)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
        )
        self.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if obj is self and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() == Qt.Key.Key_Insert:
                self.add_row()
                return True
            if event.key() == Qt.Key.Key_Delete and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                if self.currentRow() >= 0:
                    self.removeRow(self.currentRow())
                return True
        return False

    def _keep_tooltip(self, item: QTableWidgetItem) -> None:
        if item.toolTip() != item.text():
            item.setToolTip(item.text())

    def add_row(self, values: Sequence[str] | None = None) -> None:
        row = self.rowCount()
        self.insertRow(row)
        for col, text in enumerate(values or [""] * len(self.columns)):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            self.setItem(row, col, item)
        self.setCurrentCell(row, 0)

    def set_entries(self, entries: Sequence[Any]) -> None:
        self.setRowCount(0)
        for entry in entries:
            self.add_row([to_text(getattr(entry, field)) for _, field, to_text, _ in self.columns])
        self.setCurrentCell(-1, -1)

    def entries(self) -> tuple[Any, ...]:
        result = []
        for row in range(self.rowCount()):
            texts = [_item_text(self.item(row, col)) for col in range(len(self.columns))]
            if not any(t.strip() for t in texts):
                continue
            values = {field: from_text(text) for (_, field, _, from_text), text in zip(self.columns, texts)}
            result.append(self.factory(**values))
        return tuple(result)


class PatientFormWidget(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.errors: dict[str, StatusLabel] = {}
        self.fields: dict[str, QLineEdit | QComboBox] = {}
        self.tabs = QTabWidget()
        self.tabs.setObjectName("patientTabs")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

        details = QWidget()
        grid = QGridLayout(details)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(2)
        spec: list[tuple[str, str, QLineEdit | QComboBox, int, int]] = [
            ("first_name", "&First name", QLineEdit(), 0, 0),
            ("middle_name", "Middle", QLineEdit(), 0, 2),
            ("last_name", "Las&t name", QLineEdit(), 2, 0),
            ("date_of_birth", "Date of &birth", QLineEdit(), 2, 2),
            ("gender", "Gender", self._combo(["", "female", "male", "other", "unknown"]), 4, 0),
            ("phone_primary", "P&hone", QLineEdit(), 4, 2),
            ("phone_secondary", "Second phone", QLineEdit(), 6, 0),
            ("email", "E-&mail", QLineEdit(), 6, 2),
            ("address_line1", "&Address", QLineEdit(), 8, 0),
            ("address_line2", "Address 2", QLineEdit(), 8, 2),
            ("city", "&City", QLineEdit(), 10, 0),
            ("state", "State", QLineEdit(), 10, 2),
            ("zip_code", "&ZIP", QLineEdit(), 12, 0),
            ("language_preference", "Language", self._combo(["en", "es", "zh", "vi", "ko", "ru", "ar", "fr"]), 12, 2),
            ("communication_preference", "Contact &via", self._combo(list(patients.COMMUNICATION_CHOICES)), 14, 0),
        ]
        for key, text, widget, row, col in spec:
            widget.setObjectName(f"field:{key}")
            if isinstance(widget, QLineEdit) and key == "date_of_birth":
                widget.setPlaceholderText("MM/DD/YYYY")
            label = QLabel(text)
            label.setBuddy(widget)
            grid.addWidget(label, row, col)
            grid.addWidget(widget, row, col + 1)
            grid.addWidget(self._error(key), row + 1, col + 1)
            self.fields[key] = widget
        self.generic = QCheckBox("Generic substitution allowed")
        self.generic.setObjectName("field:allow_generic_substitution")
        grid.addWidget(self.generic, 14, 3)
        self._build_clinical(grid, 16)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        grid.setRowStretch(19, 1)
        self.tabs.addTab(details, "&1 Details")

        self.allergies = EntryTable(
            "allergiesTable",
            [
                ("Allergen", "allergen_name", _text, str.strip),
                ("Type (drug/food/environmental)", "allergen_type", _text, lambda t: t.strip().lower() or "drug"),
                ("Reaction", "reaction", _text, _opt),
                ("Severity (mild/moderate/severe)", "severity", _text, lambda t: _opt(t.lower())),
            ],
            AllergyEntry,
        )
        self.conditions = EntryTable(
            "conditionsTable",
            [
                ("Condition", "condition_name", _text, str.strip),
                ("ICD-10", "icd_10_code", _text, _opt),
                ("Active (yes/no)", "is_active", _bool_text, lambda t: not t.strip() or _bool(t)),
            ],
            ConditionEntry,
        )
        self.insurance = EntryTable(
            "insuranceTable",
            [
                ("Coverage (primary/secondary)", "insurance_type", _text, lambda t: t.strip().lower() or "primary"),
                ("Plan", "insurance_provider", _text, str.strip),
                ("BIN", "bin_number", _text, _opt),
                ("PCN", "pcn_number", _text, _opt),
                ("Group", "group_number", _text, _opt),
                ("Member ID", "member_id", _text, str.strip),
            ],
            InsuranceEntry,
            stretch=1,
        )
        self.prescribers = EntryTable(
            "prescribersTable",
            [
                ("Name", "name", _text, str.strip),
                ("NPI", "npi", _text, str.strip),
                ("DEA", "dea", _text, _opt),
                ("Specialty", "specialty", _text, _opt),
                ("Phone", "phone", _text, _opt),
                ("Primary (yes/no)", "is_primary", _bool_text, _bool),
            ],
            PrescriberEntry,
        )
        for title, table, key in (
            ("&2 Allergies", self.allergies, "allergies"),
            ("&3 Conditions", self.conditions, "conditions"),
            ("&4 Insurance", self.insurance, "insurance"),
            ("&5 Prescribers", self.prescribers, "prescribers"),
        ):
            page = QWidget()
            page_layout = QVBoxLayout(page)
            hint = QLabel("Insert adds a row · type to edit a cell · Enter keeps it · Ctrl+Delete removes the row")
            hint.setObjectName("tableHint")
            hint.setWordWrap(True)
            page_layout.addWidget(hint)
            page_layout.addWidget(table, 1)
            page_layout.addWidget(self._error(key))
            self.tabs.addTab(page, title)

    def _build_clinical(self, grid: QGridLayout, row: int) -> None:
        """Weight (kg, or pounds with 'lb'), pregnancy, breastfeeding: what the DUR's dose, pregnancy and
        lactation checks read. Saving a change re-runs the checks of the patient's waiting prescriptions."""
        self.weight = QLineEdit()
        self.weight.setObjectName("field:weight_kg")
        self.weight.setAccessibleName("Weight")
        self.weight.setPlaceholderText("kg or lb")
        self.weight.setToolTip("Weight in kg or lb: 70 kg, or pounds: 154 lb")
        self.weight.setMinimumWidth(self.weight.fontMetrics().horizontalAdvance("000.0 lb") + 24)
        self.weight_hint = QLabel("")
        self.weight_hint.setObjectName("weightHint")
        self.weight.textChanged.connect(self._weight_edited)
        weight_row = QWidget()
        weight_layout = QHBoxLayout(weight_row)
        weight_layout.setContentsMargins(0, 0, 0, 0)
        weight_layout.addWidget(self.weight, 1)
        weight_layout.addWidget(self.weight_hint, 1)
        weight_row.setFocusProxy(self.weight)
        self.pregnancy = QComboBox()
        self.pregnancy.setObjectName("field:pregnancy_status")
        for value, text in PREGNANCY_TEXTS.items():
            self.pregnancy.addItem(text, value)
        self.breastfeeding = QCheckBox("Br&eastfeeding")
        self.breastfeeding.setObjectName("field:breastfeeding")
        for text, widget, key, col in (
            ("&Weight", weight_row, "weight_kg", 0),
            ("Pre&gnancy", self.pregnancy, "pregnancy_status", 2),
        ):
            label = QLabel(text)
            label.setBuddy(widget.focusProxy() or widget)
            grid.addWidget(label, row, col)
            grid.addWidget(widget, row, col + 1)
            grid.addWidget(self._error(key), row + 1, col + 1)
        grid.addWidget(self.breastfeeding, row + 2, 3)

    def _weight_edited(self, text: str) -> None:
        try:
            kg = parse_weight_kg(text)
        except WeightError:
            self.weight_hint.setText("kg, or pounds with 'lb'")
            return
        if kg is None:
            self.weight_hint.setText("")
        elif text.strip().replace(" ", "").lower().rstrip("s").endswith(("lb", "pound", "#")):
            self.weight_hint.setText(f"= {kg} kg")
        else:
            self.weight_hint.setText(f"= {kg_to_lb(kg)} lb")

    @staticmethod
    def _combo(values: list[str]) -> QComboBox:
        combo = QComboBox()
        combo.addItems(values)
        return combo

    def _error(self, key: str) -> StatusLabel:
        label = StatusLabel()  # the stop icon beside the problems' words
        label.setStyleSheet(ERROR_STYLE)
        label.setWordWrap(True)
        label.setVisible(False)
        self.errors[key] = label
        return label

    # -- values ------------------------------------------------------------------------------

    def set_form(self, form: PatientForm | None) -> None:
        form = form or PatientForm("", "", None, "", "", "", "IL", "")
        for key, widget in self.fields.items():
            value = getattr(form, key)
            if isinstance(widget, QComboBox):
                widget.setCurrentText(value or "")
            elif key == "date_of_birth":
                widget.setText(_date_text(value))
            else:
                widget.setText(value or "")
        self.generic.setChecked(form.allow_generic_substitution)
        self.weight.setText("" if form.weight_kg is None else str(form.weight_kg))
        index = self.pregnancy.findData(form.pregnancy_status or "unknown")
        self.pregnancy.setCurrentIndex(max(index, 0))
        self.breastfeeding.setChecked(form.breastfeeding)
        self.allergies.set_entries(form.allergies)
        self.conditions.set_entries(form.conditions)
        self.insurance.set_entries(form.insurance)
        self.prescribers.set_entries(form.prescribers)
        self.show_errors({})

    def form(self) -> PatientForm:
        values: dict[str, Any] = {}
        for key, widget in self.fields.items():
            if isinstance(widget, QComboBox):
                values[key] = widget.currentText() or None
            elif key == "date_of_birth":
                values[key] = parse_date(widget.text())
            else:
                values[key] = widget.text()
        values["language_preference"] = values["language_preference"] or "en"
        values["communication_preference"] = values["communication_preference"] or "sms"
        try:  # a weight that is not one goes to the service as typed: it names what to fix
            weight: Decimal | str | None = parse_weight_kg(self.weight.text())
        except WeightError:
            weight = self.weight.text()
        return PatientForm(
            **values,
            allow_generic_substitution=self.generic.isChecked(),
            weight_kg=weight,
            pregnancy_status=str(self.pregnancy.currentData() or "unknown"),
            breastfeeding=self.breastfeeding.isChecked(),
            allergies=self.allergies.entries(),
            conditions=self.conditions.entries(),
            insurance=self.insurance.entries(),
            prescribers=self.prescribers.entries(),
        )

    def show_errors(self, field_errors: dict[str, str]) -> None:
        grouped: dict[str, list[str]] = {}
        for key, text in field_errors.items():
            base = key.split("[", 1)[0]
            if base != key:
                row = key.split("[", 1)[1].split("]", 1)[0]
                text = f"Row {int(row) + 1}: {text}"
            grouped.setdefault(base, []).append(text)
        for key, label in self.errors.items():
            texts = grouped.get(key, [])
            label.say("stop", "\n".join(texts))
            label.setVisible(bool(texts))
        first = next(iter(field_errors), None)
        if first:
            base = first.split("[", 1)[0]
            clinical = {"weight_kg": self.weight, "pregnancy_status": self.pregnancy}
            if base in self.fields or base in clinical:
                self.tabs.setCurrentIndex(0)
                (self.fields.get(base) or clinical[base]).setFocus()
            else:
                index = {"allergies": 1, "conditions": 2, "insurance": 3, "prescribers": 4}.get(base, 0)
                self.tabs.setCurrentIndex(index)

    def apply_mine_over(self, theirs: PatientForm, original: PatientForm) -> None:
        """Theirs, with the fields this user changed (since ``original``) put back on top."""
        mine = self.form()
        changed = patients.diff_forms(original, mine)
        merged = dataclasses.replace(theirs, **{name: new for name, (_, new) in changed.items()})
        self.set_form(merged)
