"""Who picks up: the date of birth of every patient whose bag is taken (typed every time, as the
person at the counter says it), the picker (the patient or a person the patient allows), and, for
Schedule II-V, the picker's government ID.

The panel only collects; the service checks each date of birth as it is typed (the screen asks it)
and everything again at completion.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QRegularExpression, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.domain.dates import parse_date
from pharmacy_desktop.ui.style import ERROR, HINT, PASSED
from pharmacy_desktop.ui.widgets.pickup_style import as_hint, restyle
from pharmacy_desktop.ui.widgets.status_label import StatusLabel

ID_TYPES = (
    ("drivers_license", "Driver's license"),
    ("state_id", "State ID"),
    ("passport", "Passport"),
    ("military_id", "Military ID"),
    ("other", "Other government ID"),
)


@dataclass(frozen=True)
class PickerChoice:
    """A person who may pick up: the patient (relationship 'self') or someone the patient listed."""

    name: str
    relationship: str  # 'self', 'spouse', 'parent', ...
    patient_id: uuid.UUID | None = None  # the picker's own patient record, when they have one

    def label(self) -> str:
        return f"{self.name} (self)" if self.relationship == "self" else f"{self.name} ({self.relationship})"


@dataclass(frozen=True)
class PickerId:
    id_type: str
    number: str
    state: str
    expiry: dt.date | None


class BirthDateField(QWidget):
    """One patient's date of birth as typed, and whether the service found it matches."""

    def __init__(self, patient_id: object, name: str, main: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.patient_id = patient_id
        self.name = name
        self.ok = False
        self.edit = QLineEdit()
        self.edit.setObjectName("dobConfirm" if main else "dobConfirmHousehold")
        self.edit.setPlaceholderText("mm/dd/yyyy")
        self.edit.setToolTip(f"{name}'s date of birth as the person at the counter says it (mm/dd/yyyy), then Enter")
        self.edit.setAccessibleName(f"Date of birth of {name}, as the person at the counter says it")
        self.status = StatusLabel()  # confirmed / does not match: the icon beside the words
        self.status.setObjectName("dobStatus")
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        layout.addWidget(self.edit)
        layout.addWidget(self.status)
        self.set_result(None)

    def set_result(self, ok: bool | None, message: str = "") -> None:
        """None: not checked yet; True: matches; False: does not (``message`` says what to do)."""
        self.ok = bool(ok)
        if ok is None:
            self.status.setText(message)
            restyle(self.status, f"color: {HINT};")
        elif ok:
            self.status.say("passed", "confirmed")
            self.status.setToolTip(message)
            restyle(self.status, f"color: {PASSED}; font-weight: bold;")
        else:
            self.status.say("stop", message)
            restyle(self.status, f"color: {ERROR}; font-weight: bold;")
        self.status.setVisible(bool(self.status.text()))


class IdentityPanel(QGroupBox):
    """``dob_entered(patient_id, text)`` on Enter in a date of birth; ``changed`` on any edit."""

    dob_entered = Signal(object, str)
    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Identity", parent)
        self.setObjectName("identityPanel")
        self.controlled = False
        self.pickers: list[PickerChoice] = []
        self.dobs: list[BirthDateField] = []
        self.dob_form = QFormLayout()
        self.dob_form.setContentsMargins(0, 0, 0, 0)
        self.dob_form.setVerticalSpacing(2)

        self.picker = QComboBox()
        self.picker.setObjectName("pickerChoice")
        self.picker.currentIndexChanged.connect(lambda _i: self.changed.emit())
        # a narrow panel elides the closed box; its tooltip (and the open list) has the whole name
        self.picker.currentTextChanged.connect(self.picker.setToolTip)

        self.id_box = QGroupBox("Picker's ID — controlled substance")
        self.id_box.setObjectName("pickerIdBox")
        self.id_type = QComboBox()
        self.id_type.setObjectName("idType")
        for value, text in ID_TYPES:
            self.id_type.addItem(text, value)
        # narrow boxes (their open lists and tooltips show the whole text): the panel fits 1024 px
        for combo in (self.id_type, self.picker):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(6)
        self.id_type.setToolTip(self.id_type.currentText())
        self.id_type.currentTextChanged.connect(self.id_type.setToolTip)
        self.id_number = QLineEdit()
        self.id_number.setObjectName("idNumber")
        self.id_number.setMaxLength(40)
        self.id_state = QLineEdit()
        self.id_state.setObjectName("idState")
        self.id_state.setMaxLength(2)
        self.id_state.setPlaceholderText("NY")
        self.id_state.setToolTip("The state that issued the ID: two letters, e.g. NY")
        self.id_state.setValidator(QRegularExpressionValidator(QRegularExpression("[A-Za-z]{0,2}"), self.id_state))
        self.id_state.textEdited.connect(lambda t: self.id_state.setText(t.upper()))
        self.id_expiry = QLineEdit()
        self.id_expiry.setObjectName("idExpiry")
        self.id_expiry.setPlaceholderText("mm/dd/yyyy")
        self.id_expiry.setAccessibleName("ID expiry date")
        self.id_expiry.setMinimumWidth(self.id_expiry.fontMetrics().horizontalAdvance("00/00/00000") + 12)
        self.id_state.setAccessibleName("ID issuing state")
        self.id_number.setAccessibleName("ID number")
        for field in (self.id_number, self.id_state, self.id_expiry):
            field.textEdited.connect(lambda _t: self.changed.emit())
        self.id_type.currentIndexChanged.connect(lambda _i: self.changed.emit())
        # only the first field has a key (Alt+Y); Tab goes on through number, state and expiry
        id_type_label = QLabel("ID t&ype")
        id_type_label.setBuddy(self.id_type)
        self.id_state.setMaximumWidth(self.id_state.fontMetrics().horizontalAdvance("MMMM") + 24)
        id_grid = QGridLayout(self.id_box)
        id_grid.setContentsMargins(6, 4, 6, 4)
        id_grid.setVerticalSpacing(3)
        # one field a row: the panel fits beside the signature and the payment on a 1024 px display
        id_grid.addWidget(id_type_label, 0, 0)
        id_grid.addWidget(self.id_type, 0, 1, 1, 2)
        id_grid.addWidget(QLabel("Number"), 1, 0)
        id_grid.addWidget(self.id_number, 1, 1, 1, 2)
        id_grid.addWidget(QLabel("State"), 2, 0)
        id_grid.addWidget(self.id_state, 2, 1)
        id_grid.addWidget(QLabel("Expires"), 3, 0)
        id_grid.addWidget(self.id_expiry, 3, 1, 1, 2)
        id_grid.setColumnStretch(2, 1)
        self.id_hint = QLabel("No controlled substance in this pickup: no ID needed.")
        self.id_hint.setObjectName("idHint")
        self.id_hint.setWordWrap(True)
        as_hint(self.id_hint)

        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("&Picked up by", self.picker)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(4)
        layout.addLayout(self.dob_form)
        layout.addLayout(form)
        layout.addWidget(self.id_box)
        layout.addWidget(self.id_hint)
        layout.addStretch(1)
        self.set_controlled(False)

    # -- set by the screen --------------------------------------------------------------------------

    def reset(self, pickers: list[PickerChoice]) -> None:
        self.pickers = list(pickers)
        self.picker.blockSignals(True)
        self.picker.clear()
        for p in self.pickers:
            self.picker.addItem(p.label())
        self.picker.setToolTip(self.picker.currentText())
        self.picker.blockSignals(False)
        self.set_patients([])
        for field in (self.id_number, self.id_state, self.id_expiry):
            field.clear()
        self.id_type.setCurrentIndex(0)
        self.changed.emit()

    def set_controlled(self, controlled: bool, schedules: str = "") -> None:
        self.controlled = controlled
        self.id_box.setVisible(controlled)
        # short enough for the narrow panel; the box's tooltip says it in full
        self.id_box.setTitle(f"ID required ({schedules})" if schedules else "ID required")
        self.id_box.setToolTip(
            f"The picker's ID is required for {schedules or 'a controlled substance'}: type, number, state, expiry"
        )
        self.id_hint.setVisible(not controlled)
        self.changed.emit()

    def set_patients(self, patients: Sequence[tuple[object, str]]) -> None:
        """The patients whose bags are taken, the one at the counter first: one date of birth each.
        A patient already listed keeps what was typed and checked."""
        kept = {f.patient_id: f for f in self.dobs}
        while self.dob_form.rowCount():
            row = self.dob_form.takeRow(0)  # its field is kept or deleted below; its label goes
            label_widget = row.labelItem.widget() if row.labelItem is not None else None
            if label_widget is not None:
                label_widget.deleteLater()
        self.dobs = []
        for n, (patient_id, name) in enumerate(patients):
            field = kept.pop(patient_id, None) or self._new_field(patient_id, name, main=n == 0)
            label = QLabel("&DOB (ask)" if n == 0 else f"DOB {name.split(',')[0]}")
            label.setToolTip(f"Ask for {name}'s date of birth and type what you hear; never read it out")
            label.setBuddy(field.edit)
            self.dob_form.addRow(label, field)
            self.dobs.append(field)
        for field in kept.values():
            field.deleteLater()
        self.changed.emit()

    def _new_field(self, patient_id: object, name: str, *, main: bool) -> BirthDateField:
        field = BirthDateField(patient_id, name, main)
        field.edit.returnPressed.connect(lambda: self._dob_typed(field))
        field.edit.textEdited.connect(lambda _t: self._dob_edited(field))
        return field

    def set_dob_result(self, patient_id: object, ok: bool | None, message: str = "") -> None:
        for field in self.dobs:
            if field.patient_id == patient_id:
                field.set_result(ok, message)
        self.changed.emit()

    def typed_dob(self, patient_id: object) -> str:
        return next((f.edit.text().strip() for f in self.dobs if f.patient_id == patient_id), "")

    def dob_confirmed(self, patient_id: object) -> bool:
        return any(f.ok for f in self.dobs if f.patient_id == patient_id)

    def first_unconfirmed(self) -> QLineEdit | None:
        return next((f.edit for f in self.dobs if not f.ok), None)

    # -- read by the screen -------------------------------------------------------------------------

    def chosen_picker(self) -> PickerChoice | None:
        i = self.picker.currentIndex()
        return self.pickers[i] if 0 <= i < len(self.pickers) else None

    def picker_id(self) -> PickerId | None:
        if not self.controlled:
            return None
        value = self.id_type.currentData()
        return PickerId(
            id_type=str(value),
            number=self.id_number.text().strip(),
            state=self.id_state.text().strip().upper(),
            expiry=parse_date(self.id_expiry.text()),
        )

    def missing(self, today: dt.date | None = None) -> list[str]:
        """What is still needed, in words for the "missing" line under Complete."""
        needed = []
        for n, field in enumerate(self.dobs):
            if not field.ok:
                needed.append("date of birth confirmed" if n == 0 else f"{field.name}'s date of birth confirmed")
        if self.chosen_picker() is None:
            needed.append("who picks up")
        if self.controlled:
            pid = self.picker_id()
            assert pid is not None
            if not pid.number:
                needed.append("ID number")
            if len(pid.state) != 2:
                needed.append("ID issuing state")
            if pid.expiry is None:
                needed.append("ID expiry date")
            elif pid.expiry < (today or dt.date.today()):
                needed.append("an unexpired ID")
        return needed

    # -- internals ------------------------------------------------------------------------------------

    def _dob_edited(self, field: BirthDateField) -> None:
        if field.ok or field.status.text():
            field.set_result(None)
            self.changed.emit()

    def _dob_typed(self, field: BirthDateField) -> None:
        text = field.edit.text().strip()
        if parse_date(text) is None:
            field.set_result(False, "Type the date as mm/dd/yyyy, then Enter.")
            self.changed.emit()
            return
        self.dob_entered.emit(field.patient_id, text)
