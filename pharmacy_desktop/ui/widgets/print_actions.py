"""The print queue screen's pieces: the cells of a job row, and the inline form of an action on a job
(reprint / redirect / cancel)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.printing.profiles import profile_names
from pharmacy_desktop.services.print_queue import PrintJobRow
from pharmacy_desktop.ui.screens.base import shortcut
from pharmacy_desktop.ui.table_models import Marked


def job_age(row: PrintJobRow) -> str:
    """When the job was queued, local time: '06/14 09:12'."""
    if row.created_at is None:
        return ""
    return row.created_at.astimezone().strftime("%m/%d %H:%M")


def job_status_text(row: PrintJobRow) -> Marked:
    """The status in words with the icon a glance can read (ui/icons); a warning when the printer did
    not confirm."""
    kind = {"printed": "passed", "cancelled": "unknown", "sending": "info", "queued": "info"}.get(row.status, "stop")
    if row.confirmed is False:
        kind = "warning"
    return Marked(kind, row.status_text)


class ActionPanel(QGroupBox):
    """The form of the chosen action (reprint / redirect / cancel), inline: Enter confirms, Esc backs out."""

    confirmed = Signal()
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("printActionPanel")
        self.mode = ""
        self.explain = QLabel()
        self.explain.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setObjectName("reason")
        self.printer = QLineEdit()
        self.printer.setObjectName("printerUri")
        self.printer.setPlaceholderText("tcp://10.0.0.6:9100, file:/dev/usb/lp0, usb:04b8:0202, serial:/dev/ttyS0")
        self.profile = QComboBox()
        self.profile.setObjectName("printerProfile")
        self.profile.addItems(profile_names())
        self.profile.setCurrentText("default")
        self.ok = QPushButton()
        self.ok.setObjectName("confirmAction")
        self.ok.setDefault(True)
        self.back = QPushButton("Back (Esc)")
        self.form = QFormLayout()
        self.form.addRow("&Reason", self.reason)
        self.form.addRow("Printer a&ddress", self.printer)
        self.form.addRow("Printer &model", self.profile)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.back)
        buttons.addWidget(self.ok)
        layout = QVBoxLayout(self)
        layout.addWidget(self.explain)
        layout.addLayout(self.form)
        layout.addLayout(buttons)
        self.ok.clicked.connect(self.confirmed)
        self.back.clicked.connect(self.dismissed)
        for field in (self.reason, self.printer):
            field.returnPressed.connect(self.confirmed)
        shortcut(self, "Esc", self.dismissed.emit)
        self.hide()

    def open_for(self, mode: str, row: PrintJobRow) -> None:
        self.mode = mode
        what = f"{row.kind.lower()}{f' of Rx {row.rx_number}' if row.rx_number else ''}"
        show_reason = mode in ("reprint", "cancel")
        show_printer = mode in ("reprint", "redirect")
        self.form.setRowVisible(self.reason, show_reason)
        self.form.setRowVisible(self.printer, show_printer)
        self.form.setRowVisible(self.profile, show_printer)
        self.reason.clear()
        self.printer.clear()
        self.profile.setCurrentText(row.printer_profile or "default")
        if mode == "reprint":
            self.setTitle("Reprint")
            self.explain.setText(
                f"Print the {what} again. It is marked REPRINT and logged with your name and the reason. "
                "Leave the printer address empty for this workstation's printer."
            )
            self.reason.setPlaceholderText("required, e.g. label smudged, vial replaced")
            self.ok.setText("Reprint (Enter)")
        elif mode == "redirect":
            self.setTitle("Redirect to another printer")
            self.explain.setText(f"Send the waiting {what} to another printer now.")
            self.ok.setText("Redirect (Enter)")
        else:
            self.setTitle("Cancel job")
            self.explain.setText(
                f"Take the {what} out of the queue; it will not print. It stays on record as cancelled."
            )
            self.reason.setPlaceholderText("optional, e.g. printed by hand")
            self.ok.setText("Cancel job (Enter)")
        self.show()
        (self.printer if mode == "redirect" else self.reason).setFocus()

    def close_panel(self) -> None:
        self.mode = ""
        self.hide()
