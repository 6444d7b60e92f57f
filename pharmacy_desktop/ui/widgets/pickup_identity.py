"""Who picks up: the date of birth the patient says (typed every time), the picker (the patient or
a person the patient allows), and, for Schedule II-V, the picker's government ID.

The panel only collects; the service checks the date of birth and the ID again at completion.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from PySide6.QtCore import QRegularExpression, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from pharmacy_desktop.domain.dates import parse_date
from pharmacy_desktop.ui.style import ERROR, HINT, PASSED

ID_TYPES = (
    ("drivers_license", "Driver's license"),
    ("state_id", "State ID"),
    ("passport", "Passport"),
    ("military_id", "Military ID"),
    ("other", "Other government ID"),
)


@dataclass(frozen=True)
class Picker:
    """A person who may pick up: the patient (relationship 'self') or someone the patient listed."""

    name: str
    relationship: str  # 'self', 'spouse', 'parent', ...
    patient_id: object | None = None  # the picker's own patient record, when they have one

    def label(self) -> str:
        return f"{self.name} (patient)" if self.relationship == "self" else f"{self.name} — {self.relationship}"


@dataclass(frozen=True)
class PickerId:
    id_type: str
    number: str
    state: str
    expiry: dt.date | None


class IdentityPanel(QGroupBox):
    """``dob_entered(date)`` when a whole date is typed (Enter); ``changed`` on any edit."""

    dob_entered = Signal(object)
    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Identity", parent)
        self.setObjectName("identityPanel")
        self.dob_ok = False
        self.controlled = False
        self.pickers: list[Picker] = []

        self.dob = QLineEdit()
        self.dob.setObjectName("dobConfirm")
        self.dob.setPlaceholderText("mm/dd/yyyy, Enter")
        self.dob.setAccessibleName("Date of birth as the patient says it")
        self.dob.returnPressed.connect(self._dob_typed)
        self.dob.textEdited.connect(self._dob_edited)
        self.dob_status = QLabel("")
        self.dob_status.setObjectName("dobStatus")
        self.dob_status.setWordWrap(True)

        self.picker = QComboBox()
        self.picker.setObjectName("pickerChoice")
        self.picker.currentIndexChanged.connect(lambda _i: self.changed.emit())

        self.id_box = QGroupBox("Picker's ID — controlled substance")
        self.id_box.setObjectName("pickerIdBox")
        self.id_type = QComboBox()
        self.id_type.setObjectName("idType")
        for value, text in ID_TYPES:
            self.id_type.addItem(text, value)
        self.id_number = QLineEdit()
        self.id_number.setObjectName("idNumber")
        self.id_number.setMaxLength(40)
        self.id_state = QLineEdit()
        self.id_state.setObjectName("idState")
        self.id_state.setMaxLength(2)
        self.id_state.setPlaceholderText("e.g. NY")
        self.id_state.setValidator(QRegularExpressionValidator(QRegularExpression("[A-Za-z]{0,2}"), self.id_state))
        self.id_state.textEdited.connect(lambda t: self.id_state.setText(t.upper()))
        self.id_expiry = QLineEdit()
        self.id_expiry.setObjectName("idExpiry")
        self.id_expiry.setPlaceholderText("mm/dd/yyyy")
        for field in (self.id_number, self.id_state, self.id_expiry):
            field.textEdited.connect(lambda _t: self.changed.emit())
        self.id_type.currentIndexChanged.connect(lambda _i: self.changed.emit())
        id_form = QFormLayout(self.id_box)
        id_form.setContentsMargins(6, 4, 6, 4)
        # only the first field has a key (Alt+Y); Tab goes on through number, state and expiry
        id_form.addRow("ID t&ype", self.id_type)
        id_form.addRow("Number", self.id_number)
        id_form.addRow("Issuing state", self.id_state)
        id_form.addRow("Expires", self.id_expiry)
        self.id_hint = QLabel("No controlled substance in this pickup: no ID needed.")
        self.id_hint.setObjectName("idHint")
        self.id_hint.setWordWrap(True)
        self.id_hint.setStyleSheet(f"color: {HINT};")

        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        dob_label = QLabel("&DOB (ask)")
        dob_label.setToolTip("Ask the patient for their date of birth and type what they say; never read it to them")
        form.addRow(dob_label, self.dob)
        dob_label.setBuddy(self.dob)
        form.addRow("", self.dob_status)
        form.addRow("&Picked up by", self.picker)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(4)
        layout.addLayout(form)
        layout.addWidget(self.id_box)
        layout.addWidget(self.id_hint)
        layout.addStretch(1)
        self.set_controlled(False)

    # -- set by the screen --------------------------------------------------------------------------

    def reset(self, pickers: list[Picker]) -> None:
        self.pickers = list(pickers)
        self.picker.blockSignals(True)
        self.picker.clear()
        for p in self.pickers:
            self.picker.addItem(p.label())
        self.picker.blockSignals(False)
        self.dob.clear()
        self.set_dob_result(None)
        for field in (self.id_number, self.id_state, self.id_expiry):
            field.clear()
        self.id_type.setCurrentIndex(0)
        self.changed.emit()

    def set_controlled(self, controlled: bool, schedules: str = "") -> None:
        self.controlled = controlled
        self.id_box.setVisible(controlled)
        self.id_box.setTitle(f"Picker's ID — required for {schedules}" if schedules else "Picker's ID — required")
        self.id_hint.setVisible(not controlled)
        self.changed.emit()

    def set_dob_result(self, ok: bool | None, message: str = "") -> None:
        """None: not checked yet; True: matches; False: does not (``message`` says what to do)."""
        self.dob_ok = bool(ok)
        if ok is None:
            self.dob_status.setText(message)
            self.dob_status.setStyleSheet(f"color: {HINT};")
        elif ok:
            self.dob_status.setText(message or "✔ Date of birth confirmed")
            self.dob_status.setStyleSheet(f"color: {PASSED}; font-weight: bold;")
        else:
            self.dob_status.setText(f"✖ {message}")
            self.dob_status.setStyleSheet(f"color: {ERROR}; font-weight: bold;")
        self.changed.emit()

    # -- read by the screen -------------------------------------------------------------------------

    def typed_dob(self) -> dt.date | None:
        return parse_date(self.dob.text())

    def chosen_picker(self) -> Picker | None:
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
        if not self.dob_ok:
            needed.append("date of birth confirmed")
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

    def _dob_edited(self, _text: str) -> None:
        if self.dob_ok or self.dob_status.text():
            self.set_dob_result(None)

    def _dob_typed(self) -> None:
        day = self.typed_dob()
        if day is None:
            self.set_dob_result(False, "Type the date as mm/dd/yyyy, then Enter.")
            return
        self.dob_entered.emit(day)
