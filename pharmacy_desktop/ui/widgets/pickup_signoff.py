"""The pharmacist's sign-off for counseling at pickup: a PIN or a badge scan in a small dialog.

The technician stays signed in: the credential only names the pharmacist who counseled (the
service checks it and returns who it was); it never switches the workstation's user.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.ui.ops import run_in_background, user_message
from pharmacy_desktop.ui.style import ERROR_STYLE

# (credential, "pin" | "badge") -> the pharmacist (a service DTO), run off the GUI thread
SignOffCheck = Callable[[str, str], Any]


class PharmacistSignOff(QDialog):
    """Opened with ``open()`` (never ``exec()``: no nested event loop); ``result_value`` holds what
    the check returned once the dialog is accepted."""

    def __init__(self, what: str, check: SignOffCheck, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("pharmacistSignOff")
        self.setWindowTitle("Pharmacist sign-off")
        self.setModal(True)
        self._check = check
        self.result_value: Any = None
        self.busy = False

        intro = QLabel(
            f"<b>Counseling accepted</b>: {what}<br>"
            "The pharmacist who counsels types their PIN or scans their badge. "
            "You stay signed in."
        )
        intro.setTextFormat(Qt.TextFormat.RichText)
        intro.setWordWrap(True)
        self.pin = QLineEdit()
        self.pin.setObjectName("signOffPin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setPlaceholderText("pharmacist PIN (or scan the badge)")
        self.pin.setAccessibleName("Pharmacist PIN")
        self.pin.returnPressed.connect(self.submit)
        self.error = QLabel("")
        self.error.setObjectName("signOffError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Sign off (Enter)")
        ok.setAutoDefault(False)
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Cancel (Esc)")
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow("&PIN", self.pin)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setMinimumWidth(440)
        self.pin.setFocus()

    def submit(self) -> None:
        credential = self.pin.text()
        self.pin.clear()
        if credential:
            self._run(credential, "pin")

    def handle_scan(self, text: str) -> bool:
        """A badge scan while the dialog is open signs off with the badge."""
        self._run(text.strip(), "badge")
        return True

    def _run(self, credential: str, method: str) -> None:
        if self.busy:
            return
        self.busy = True
        self.error.hide()
        check = self._check
        run_in_background(self, lambda: check(credential, method), self._done, self._failed, busy_message="Checking…")

    def _done(self, value: Any) -> None:
        self.busy = False
        self.result_value = value
        self.accept()

    def _failed(self, exc: Exception) -> None:
        self.busy = False
        self.error.setText(user_message(exc))
        self.error.show()
        self.pin.setFocus()
