"""The shell's status bar parts: the busy indicator and the database and printer states in words."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

from pharmacy_desktop.ui.style import MUTED, OK_STATUS, STOP_BORDER

CHANGE_TOPICS = ("prescriptions", "patients", "inventory", "will_call", "print_jobs")  # what uow.notify sends


class BusyStatus(QWidget):
    """Status-bar busy indicator; overlapping operations are counted."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._count = 0
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setMaximumWidth(120)
        self.bar.setTextVisible(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        self.setVisible(False)

    def start(self, message: str) -> None:
        self._count += 1
        self.label.setText(message)
        self.setVisible(True)

    def stop(self) -> None:
        self._count = max(0, self._count - 1)
        if self._count == 0:
            self.setVisible(False)


class StatusPill(QLabel):
    """A state in words with a symbol, so it never relies on colour alone."""

    def set_state(self, name: str, ok: bool | None, detail: str) -> None:
        symbol = {True: "●", False: "✖", None: "○"}[ok]
        colour = {True: OK_STATUS, False: STOP_BORDER, None: MUTED}[ok]
        self.setText(f"<span style='color:{colour}'>{symbol}</span> {name}: {detail}")
        self.setToolTip(f"{name}: {detail}")


class DatabaseStatus(StatusPill):
    """The database state from two witnesses: the change listener (its connection broke) and the
    database watch (no answer in time). "Reconnecting" while either says the database is away;
    ``reconnected`` is emitted when both are back (before the pill says "connected")."""

    reconnected = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.listener_ok: bool | None = None
        self.answers_ok: bool | None = None
        self.lost = False
        self.set_state("Database", None, "connecting")

    def set_listener_ok(self, ok: bool) -> None:
        self.listener_ok = ok
        self._show()

    def set_answers_ok(self, ok: bool) -> None:
        self.answers_ok = ok
        self._show()

    def _show(self) -> None:
        was_lost = self.lost
        self.lost = self.listener_ok is False or self.answers_ok is False
        if was_lost and not self.lost:
            self.reconnected.emit()
        if self.listener_ok is False:
            self.set_state("Database", False, "reconnecting… (connection lost; saved work is safe)")
        elif self.answers_ok is False:
            self.set_state("Database", False, "reconnecting… (the database is not answering; saved work is safe)")
        elif self.listener_ok or self.answers_ok:
            self.set_state("Database", True, "connected")


def printers_pill(configured: list[str]) -> StatusPill:
    """The printers' state before the first check: which roles are configured."""
    pill = StatusPill()
    detail = f"{', '.join(configured)} configured, not checked yet" if configured else "none configured (Settings)"
    pill.set_state("Printers", None, detail)
    return pill
