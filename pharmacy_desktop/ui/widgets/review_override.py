"""The override dialog of clinical review: the alert, the three NCPDP DUR codes chosen from lists, a note.

Reason for service (439-E4) starts on the code of the alert's check; professional service (440-E5)
and result of service (441-E6) start unchosen, so a hard stop cannot be overridden by pressing
Enter. Each list shows the code and its meaning ("M0 — Prescriber consulted"); typing the code's
first character jumps to it. Enter in the note records the override, Esc cancels. The dialog stays
open while the service decides; a refusal (a code missing, a note that says nothing) is shown in it
with the service's words, and the dialog closes only when the override is recorded.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
from pharmacy_desktop.domain import ncpdp_dur
from pharmacy_desktop.errors import PermissionDenied, ValidationFailed
from pharmacy_desktop.services import review
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.review import MIN_REASON, Alert
from pharmacy_desktop.ui.ops import run_in_background, user_message
from pharmacy_desktop.ui.style import ERROR_STYLE, HINT_STYLE, STOP_TEXT, WARNING_TEXT
from pharmacy_desktop.ui.widgets.status_label import StatusLabel

# (reason, professional, result, note) -> nothing; the screen runs the service and answers with
# ``done()`` or ``refused(message)``
Submit = Callable[[str, str, str, str], None]
CHOOSE = "— choose —"


def code_combo(name: str, table: Mapping[str, str], chosen: str | None, accessible: str) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    combo.setAccessibleName(accessible)
    if chosen is None:
        combo.addItem(CHOOSE, "")
    for code, meaning in table.items():
        combo.addItem(f"{code} — {meaning}", code)
    if chosen is not None:
        combo.setCurrentIndex(max(combo.findData(chosen), 0))
    combo.setMaxVisibleItems(20)
    return combo


class OverrideDialog(QDialog):
    """Opened with ``open()`` (window-modal, the GUI never waits)."""

    def __init__(self, alert: Alert, submit: Submit, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("overrideDialog")
        self.setWindowTitle(f"Override: {alert.check_label}")
        self.setModal(True)
        self.alert = alert
        self._submit = submit
        self.busy = False
        hard = alert.needs_override
        colour = STOP_TEXT if hard else WARNING_TEXT
        kind = "HARD STOP" if hard else "WARNING"
        self.intro = QLabel(
            f"<b style='color:{colour}'>{kind} — {_esc(alert.check_label)}</b><br>{_esc(alert.message)}"
        )
        self.intro.setObjectName("overrideAlert")
        self.intro.setTextFormat(Qt.TextFormat.RichText)
        self.intro.setWordWrap(True)
        self.reason_code = code_combo(
            "ncpdpReason", ncpdp_dur.REASON_FOR_SERVICE, ncpdp_dur.reason_for(alert.check), "Reason for service"
        )
        self.professional_code = code_combo(
            "ncpdpProfessional", ncpdp_dur.PROFESSIONAL_SERVICE, None, "Professional service"
        )
        # "not filled" results (2x) are no override: the pharmacist rejects instead (Alt+R)
        filled = {code: meaning for code, meaning in ncpdp_dur.RESULT_OF_SERVICE.items() if not code.startswith("2")}
        self.result_code = code_combo("ncpdpResult", filled, None, "Result of service")
        self.note = QLineEdit()
        self.note.setObjectName("overrideNote")
        self.note.setAccessibleName("Override note")
        self.note.setPlaceholderText("Why it is safe to fill, e.g. 'Dr. Chen confirmed: rash 20 years ago, tolerated'")
        self.note.setToolTip(self.note.placeholderText())  # a narrow dialog cuts the example: the tooltip has it all
        self.note.returnPressed.connect(self.submit)
        needed = (
            f"All three codes and a note of at least {ncpdp_dur.MIN_NOTE_LENGTH} characters that says why."
            if hard
            else f"A note of a few words ({MIN_REASON}+ characters); the codes are recorded with it."
        )
        self.hint = QLabel(needed)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet(HINT_STYLE)
        self.error = StatusLabel()  # the refusal's words, the stop icon beside them
        self.error.setObjectName("overrideError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Record override (Enter)")
        self.ok_button.setAutoDefault(False)
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Cancel (Esc)")
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow("&Reason for service (439-E4)", self.reason_code)
        form.addRow("&Professional service (440-E5)", self.professional_code)
        form.addRow("Re&sult of service (441-E6)", self.result_code)
        form.addRow("&Note", self.note)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(form)
        layout.addWidget(self.hint)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setMinimumWidth(620)
        self.professional_code.setFocus()

    def codes(self) -> tuple[str, str, str]:
        return (
            str(self.reason_code.currentData() or ""),
            str(self.professional_code.currentData() or ""),
            str(self.result_code.currentData() or ""),
        )

    def submit(self) -> None:
        if self.busy:
            return
        note = " ".join(self.note.text().split())
        if len(note) < MIN_REASON:
            self.refused("Type the note: why it is safe to fill despite this alert.")
            self.note.setFocus()
            return
        self.busy = True
        self.error.hide()
        self.ok_button.setEnabled(False)
        reason, professional, result = self.codes()
        self._submit(reason, professional, result, note)

    def refused(self, message: str) -> None:
        """The service said no: its words in the dialog, which stays open to correct."""
        self.busy = False
        self.ok_button.setEnabled(True)
        self.error.say("stop", message)
        self.error.show()
        first_missing = next((c for c in (self.professional_code, self.result_code) if not c.currentData()), None)
        (first_missing or self.note).setFocus()

    def done_ok(self) -> None:
        self.busy = False
        self.accept()


def open_override(
    parent: QWidget,
    factory: UnitOfWorkFactory,
    actor: Actor,
    alert: Alert,
    recorded: Callable[[], None],
    closed: Callable[[], None],
) -> OverrideDialog:
    """Open the dialog for ``alert``; it runs ``review.override_alert`` off the GUI thread, shows a
    refusal in itself, and on success closes and calls ``recorded``; ``closed`` when it is gone."""
    validation_id: uuid.UUID = alert.validation_id

    def submit(reason: str, professional: str, result: str, note: str) -> None:
        def done(_: object) -> None:
            dialog.done_ok()
            recorded()

        def failed(exc: Exception) -> None:
            known = isinstance(exc, (ValidationFailed, PermissionDenied))
            dialog.refused(
                exc.message if isinstance(exc, (ValidationFailed, PermissionDenied)) and known else user_message(exc)
            )

        run_in_background(
            parent,
            lambda: review.override_alert(
                factory,
                actor,
                validation_id,
                note,
                reason_code=reason,
                professional_code=professional,
                result_code=result,
            ),
            done,
            failed,
            busy_message="Recording the override…",
        )

    dialog = OverrideDialog(alert, submit, parent)

    def finished() -> None:
        dialog.deleteLater()
        closed()

    dialog.finished.connect(lambda _: finished())
    dialog.open()  # not exec(): the GUI never waits
    return dialog


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
