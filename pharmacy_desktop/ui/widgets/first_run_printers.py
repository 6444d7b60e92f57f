"""The first-run wizard's last step: printers found on the counters' network, handed to the settings
screen (where the test page is printed and the scanner tested), shown once after the first sign-in."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.services.printer_discovery import discover
from pharmacy_desktop.ui.icons import icon
from pharmacy_desktop.ui.ops import run_in_background, user_message
from pharmacy_desktop.ui.screens.base import heading
from pharmacy_desktop.ui.signin import ErrorLine

ROLES = (("label", "Labels"), ("receipt", "Receipts"), ("report", "Reports"))


class PrinterFinder(QDialog):
    """Search the network's port 9100; each printer found can become the label, receipt or report printer."""

    def __init__(self, network: str, use: Callable[[str, str], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Pharmacy — printers and scanner")
        self.setObjectName("printerFinder")
        self.use = use
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Printers and scanner", 6))
        intro = QLabel(
            "Search the counters' network for printers (they listen on port 9100), choose what each prints, then "
            "print a test page, try the barcode scanner and save (Ctrl+S) on the settings screen behind this window."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        row = QHBoxLayout()
        self.network = QLineEdit(network)
        self.network.setPlaceholderText("192.168.1.0/24")
        self.search = QPushButton("&Search for printers")
        self.search.setDefault(True)
        caption = QLabel("&Network")
        caption.setBuddy(self.network)
        row.addWidget(caption)
        row.addWidget(self.network, 1)
        row.addWidget(self.search)
        layout.addLayout(row)
        self.status = QLabel()
        self.status.setObjectName("printerSearchStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.error = ErrorLine()
        layout.addWidget(self.error)
        self.found_box = QWidget()
        self.grid = QGridLayout(self.found_box)
        layout.addWidget(self.found_box)
        layout.addStretch(1)
        done = QPushButton("Done: to the settings")
        done.clicked.connect(self.accept)
        layout.addWidget(done, alignment=Qt.AlignmentFlag.AlignRight)
        self.search.clicked.connect(self.run_search)
        self.found: tuple[str, ...] = ()
        self.resize(640, 420)

    def run_search(self) -> None:
        network = self.network.text().strip()
        self.search.setEnabled(False)
        self.error.show_message("")
        self.status.setText(f"Searching {network} for printers…")
        run_in_background(self, lambda: discover(network), self._show, self._failed)

    def _show(self, found: tuple[str, ...]) -> None:
        self.search.setEnabled(True)
        self.found = found
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        if not found:
            self.status.setText(
                "No printer answered on port 9100. Check that the printers are on and on this network, or type "
                "their addresses on the settings screen (e.g. tcp://192.168.1.50:9100, or a USB device)."
            )
            return
        self.status.setText(f"{len(found)} printer(s) found. Choose what each prints:")
        for i, uri in enumerate(found):
            self.grid.addWidget(QLabel(uri), i, 0)
            for column, (role, title) in enumerate(ROLES, start=1):
                button = QPushButton(title)
                button.setObjectName(f"use_{role}_{i}")
                button.clicked.connect(lambda _=False, r=role, u=uri, b=button: self._use(r, u, b))
                self.grid.addWidget(button, i, column)

    def _use(self, role: str, uri: str, button: QPushButton) -> None:
        self.use(role, uri)
        button.setText(f"{dict(ROLES)[role]}: chosen")  # the words, and the passed icon beside them
        button.setIcon(icon("passed"))

    def _failed(self, exc: Exception) -> None:
        self.search.setEnabled(True)
        self.status.setText("")
        self.error.show_message(user_message(exc))
