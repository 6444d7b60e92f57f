"""One printer role's row on the settings screen (address, model, test page button, result), and
what a test page came to. Split from ui/screens/settings.py to keep the screen under ~400 lines."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QPushButton, QWidget

from pharmacy_desktop.printing.profiles import profile_names
from pharmacy_desktop.ui.widgets.status_label import StatusLabel

ROLE_USE = {
    "label": "vial labels at fill",
    "receipt": "receipts and the cash drawer",
    "report": "reports and label sheets",
}
TEST_KEYS = {"label": "Ctrl+1", "receipt": "Ctrl+2", "report": "Ctrl+3"}


@dataclass(frozen=True)
class TestOutcome:
    ok: bool
    message: str


class PrinterRow:
    """The widgets of one printer role."""

    def __init__(self, role: str, parent: QWidget) -> None:
        self.role = role
        self.uri = QLineEdit(parent)
        self.uri.setObjectName(f"{role}Uri")
        self.uri.setPlaceholderText("e.g. tcp://10.0.0.5:9100")  # the other forms in the tooltip: fits 1024x768
        self.uri.setToolTip(
            "The printer's address: tcp://10.0.0.5:9100 (network), file:/dev/usb/lp0, usb:04b8:0202 (vendor:product)"
            " or serial:/dev/ttyS0"
        )
        self.uri.setMinimumWidth(170)
        self.profile = QComboBox(parent)
        self.profile.setObjectName(f"{role}Profile")
        self.profile.addItems(profile_names())
        self.profile.setMinimumWidth(110)
        self.test = QPushButton(f"Test page ({TEST_KEYS[role]})", parent)
        self.test.setToolTip("Print a test page on this printer")
        self.test.setObjectName(f"{role}Test")
        self.result = StatusLabel(parent=parent)  # the outcome's icon beside its words
        self.result.setObjectName(f"{role}Result")
        self.result.setWordWrap(True)
        self.result.setTextFormat(Qt.TextFormat.PlainText)
