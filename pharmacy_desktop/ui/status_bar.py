"""The shell's status bar parts: the busy indicator, the scanner, database and printer states in words
with an icon, and who is working where (user, role, workstation)."""

from __future__ import annotations

from urllib.parse import urlsplit

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QSizePolicy, QWidget

from pharmacy_desktop.ui.icons import pixmap
from pharmacy_desktop.ui.widgets.elided_label import ElidedLabel

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


class StatusPill(QWidget):
    """A state in words with an icon beside it (ui/icons.py), so it never relies on colour alone.
    ``text()`` is the words ("Database: connected"), also the tooltip and the accessible name."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.icon = QLabel()
        self.words = ElidedLabel()  # a narrow window shortens the words (…); the tooltip holds them whole
        self.words.setTextFormat(Qt.TextFormat.PlainText)
        self.words.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 10, 0)
        layout.setSpacing(6)
        layout.addWidget(self.icon)
        layout.addWidget(self.words)
        self._kind = "unknown"

    def text(self) -> str:
        return self.words.text()

    def set_state(self, name: str, ok: bool | None, detail: str) -> None:
        self.show_words({True: "passed", False: "stop", None: "unknown"}[ok], f"{name}: {detail}")

    def show_words(self, kind: str, text: str) -> None:
        self._kind = kind
        self.words.setText(text)
        self.setToolTip(text)
        self.setAccessibleName(text)
        self.refresh_icon()

    def refresh_icon(self) -> None:
        """The icon in the theme's colour at the font's height (again after a theme or zoom change)."""
        size = max(14, self.words.fontMetrics().height() - 2)
        self.icon.setPixmap(pixmap(self._kind, size))
        self.icon.setFixedSize(size, size)


class DatabaseStatus(StatusPill):
    """The database state from two witnesses: the change listener (its connection broke) and the
    database watch (no answer in time). "Reconnecting" while either says the database is away;
    ``reconnected`` is emitted when both are back (before the pill says "connected")."""

    reconnected = Signal()

    def __init__(self, parent: QWidget | None = None, *, host: str = ""):
        super().__init__(parent)
        self.host = host  # "this computer" / "db.example.lan": where the database is
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
            self.set_state("Database", True, f"connected ({self.host})" if self.host else "connected")


def printers_pill(configured: list[str]) -> StatusPill:
    """The printers' state before the first check: which roles are configured."""
    pill = StatusPill()
    detail = f"{', '.join(configured)} configured, not checked yet" if configured else "none configured (Settings)"
    pill.set_state("Printers", None, detail)
    return pill


def database_host(url: str) -> str:
    """Where the database is, for a person: "this computer" or its host name (never a user or password)."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    if not url:
        return ""
    if host in ("", "localhost", "127.0.0.1", "::1") or host.startswith("/"):
        return "this computer"
    return host


class ScannerStatus(StatusPill):
    """Whether a scan means something here: "Ready to scan" on a screen that takes scans, nothing elsewhere."""

    READY = "Scanner: ready to scan"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._kind = "scanner"
        self.show_words("scanner", self.READY)

    def refresh_icon(self) -> None:
        size = max(14, self.words.fontMetrics().height() - 2)
        self.icon.setPixmap(pixmap("scanner", size))
        self.icon.setFixedSize(size, size)

    def set_scan_screen(self, takes_scans: bool) -> None:
        self.setVisible(takes_scans)


class IdentityStatus(StatusPill):
    """Who is signed in, as what, at which workstation: "Priya Raman (Pharmacist) at counter-1"."""

    def set_identity(self, display_name: str, role_title: str, workstation: str) -> None:
        self.show_words("user", f"{display_name} ({role_title}) at {workstation}")
