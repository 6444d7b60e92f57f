"""The shell's status bar parts: the busy indicator, the scanner, database and printer states in words
with an icon, and who is working where (user, role, workstation)."""

from __future__ import annotations

from urllib.parse import urlsplit

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QSizeGrip, QSizePolicy, QStatusBar, QWidget

from pharmacy_desktop.ui.icons import pixmap
from pharmacy_desktop.ui.widgets.elided_label import ElidedLabel

CHANGE_TOPICS = ("prescriptions", "patients", "inventory", "will_call", "print_jobs")  # what uow.notify sends


class BusyStatus(QWidget):
    """Status-bar busy indicator; overlapping operations are counted."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._count = 0
        self._refitted = False  # a long message made the status bar shorten the pills' words
        # elided (whole in the tooltip) when the bar has no room for it: a long message with an
        # administrator's backup age at 1024 px made the bar ask for more than the window's width, and the
        # window grew past the display to give it
        self.label = ElidedLabel()
        self.label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setMaximumWidth(80)
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
        bar = shell_bar(self)
        if bar is not None and not bar.busy_fits():  # longer than the room kept for it: the pills say less
            self._refitted = True
            bar.fit()

    def stop(self) -> None:
        self._count = max(0, self._count - 1)
        if self._count == 0:
            self.setVisible(False)
            bar = shell_bar(self)
            if bar is not None and self._refitted:  # the pills' words back
                self._refitted = False
                bar.fit()


def shell_bar(widget: QWidget) -> ShellStatusBar | None:
    """The shell's status bar ``widget`` sits in (None while it is not in one yet)."""
    bar = widget.parentWidget()
    while bar is not None and not isinstance(bar, ShellStatusBar):
        bar = bar.parentWidget()
    return bar


def shorter(detail: str) -> str:
    """A state's words without their explanation: "connected (this computer)" -> "connected",
    "Label not printing — 2 jobs waiting (F10)" -> "Label not printing" (the whole in the tooltip)."""
    cut = min((i for i in (detail.find(sep) for sep in SEPARATORS) if i > 0), default=len(detail))
    return detail[:cut].rstrip(" ,;")


SEPARATORS = (" (", " — ", "; ")
GAP = 5  # px between a pill's icon and its words


class StatusPill(QWidget):
    """A state in words with an icon beside it (ui/icons.py), so it never relies on colour alone.
    ``text()`` is the whole words ("Database: connected (this computer)"), also the tooltip and the
    accessible name; a narrow window shows shorter words (``ShellStatusBar`` picks), never elided ones."""

    yields = 5  # the order in which pills shorten their words when the bar is narrow (lowest first)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.icon = QLabel()
        self.words = ElidedLabel()  # below 1024 px wide the words shorten (…); the tooltip holds them whole
        self.words.setTextFormat(Qt.TextFormat.PlainText)
        self.words.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 8, 0)
        layout.setSpacing(GAP)
        layout.addWidget(self.icon)
        layout.addWidget(self.words)
        self._kind = "unknown"
        self._texts: tuple[str, ...] = ("",)  # the words, longest first
        self._level = 0  # which of them is shown

    def text(self) -> str:
        return self._texts[0]

    def shown_text(self) -> str:
        """The words on show (shorter than ``text()`` in a narrow window)."""
        return self.words.text()

    def set_state(self, name: str, ok: bool | None, detail: str, *short: str) -> None:
        """``name: detail``; ``short``: shorter details, longest first (default: the detail without its
        explanation in brackets or after a dash)."""
        details = [d for d in (detail, *(short or (shorter(detail),))) if d]
        self.show_words({True: "passed", False: "stop", None: "unknown"}[ok], *(f"{name}: {d}" for d in details))

    def show_words(self, kind: str, text: str, *short: str) -> None:
        """The state's icon and words; ``short``: shorter words for a narrow window, longest first."""
        self._kind = kind
        texts = [text]
        for words in short:
            if words and words != texts[-1]:
                texts.append(words)
        self._texts = tuple(texts)
        self.setToolTip(text)
        self.setAccessibleName(text)
        self.show_level(min(self._level, len(self._texts) - 1))
        self.refresh_icon()
        bar = shell_bar(self)
        if bar is not None:
            bar.fit()

    def levels(self) -> int:
        """How many wordings the pill has (the whole words and the shorter ones)."""
        return len(self._texts)

    @property
    def level(self) -> int:
        return self._level

    def show_level(self, level: int) -> None:
        """Show the words of ``level`` (0: the whole words; ``ShellStatusBar.fit`` picks)."""
        self._level = level
        self.words.setText(self._texts[level])
        self.words.setToolTip(self._texts[0])  # the whole words, whichever are shown

    def width_at(self, level: int) -> int:
        """The width the pill asks for with the words of ``level``."""
        margins = self.layout().contentsMargins()  # type: ignore[union-attr]  # set in __init__
        words = self.words.fontMetrics().horizontalAdvance(self._texts[min(level, len(self._texts) - 1)])
        return margins.left() + margins.right() + self.icon.width() + GAP + words + 2 * self.words.margin() + 2

    def refresh_icon(self) -> None:
        """The icon in the theme's colour at the font's height (again after a theme or zoom change)."""
        size = max(14, self.words.fontMetrics().height() - 2)
        self.icon.setPixmap(pixmap(self._kind, size))
        self.icon.setFixedSize(size, size)


class ShellStatusBar(QStatusBar):
    """The shell's status bar: its pills show their whole words when they fit and shorter words when
    they do not (1024x768: "Database: connected", the host in the tooltip), never elided words. Room is
    kept for the busy indicator, so the words do not change each time something loads."""

    BUSY_ROOM = 28  # characters of a busy message ("Opening the prescription…") kept free beside the bar

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setSizeGripEnabled(False)
        self.busy: BusyStatus | None = None

    def pills(self) -> list[StatusPill]:
        return [p for p in self.findChildren(StatusPill) if not p.isHidden()]

    def fit(self) -> None:
        """Shorten the pills' words a level at a time (the database's host first, who is signed in last: the
        header names them too) until every pill fits the bar's width."""
        pills = self.pills()
        if not pills or not self.isVisible():
            return  # fitted when shown (showEvent): not once per pill while the shell is being built
        levels = {id(p): 0 for p in pills}
        spacing = 8  # the bar's gap and frame around each of its widgets
        room = self.width() - 2 * spacing - self._busy_room() - self._others_room(spacing)

        def need() -> int:
            return sum(p.width_at(levels[id(p)]) + spacing for p in pills)

        while need() > room:
            can = [p for p in pills if levels[id(p)] + 1 < p.levels()]
            if not can:
                break
            first = min(can, key=lambda p: (levels[id(p)], p.yields))  # each a level shorter, then the next
            levels[id(first)] += 1
        for pill in pills:
            if pill.level != levels[id(pill)]:
                pill.show_level(levels[id(pill)])

    def _others_room(self, spacing: int) -> int:
        """The width of the bar's other widgets on show (an administrator's backup age ...)."""
        others = self.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
        return sum(
            w.sizeHint().width() + spacing
            for w in others
            if not isinstance(w, (StatusPill, BusyStatus, QSizeGrip)) and not w.isHidden() and w.isWidgetType()
        )

    def _kept_for_busy(self, busy: BusyStatus) -> int:
        return busy.bar.maximumWidth() + busy.label.fontMetrics().averageCharWidth() * self.BUSY_ROOM

    def busy_fits(self) -> bool:
        """Whether the busy indicator's message fits the room kept for it (no refit each time something loads)."""
        busy = self.busy
        return busy is None or busy.sizeHint().width() <= self._kept_for_busy(busy)

    def _busy_room(self) -> int:
        busy = self.busy
        if busy is None:
            return 0
        return max(self._kept_for_busy(busy), busy.sizeHint().width() if busy.isVisible() else 0) + 8

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self.fit()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        self.fit()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.fit()


class DatabaseStatus(StatusPill):
    """The database state from two witnesses: the change listener (its connection broke) and the
    database watch (no answer in time). "Reconnecting" while either says the database is away;
    ``reconnected`` is emitted when both are back (before the pill says "connected")."""

    reconnected = Signal()
    yields = 1

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
            self.set_state("Database", False, "reconnecting… (connection lost; saved work is safe)", "reconnecting…")
        elif self.answers_ok is False:
            self.set_state(
                "Database", False, "reconnecting… (the database is not answering; saved work is safe)", "reconnecting…"
            )
        elif self.listener_ok or self.answers_ok:
            self.set_state("Database", True, f"connected ({self.host})" if self.host else "connected", "connected")


def printers_pill(configured: list[str]) -> StatusPill:
    """The printers' state before the first check: which roles are configured."""
    pill = StatusPill()
    pill.yields = 2
    if configured:
        pill.set_state(
            "Printers", None, f"{', '.join(configured)} configured, not checked yet", "not checked yet", "not checked"
        )
    else:
        pill.set_state("Printers", None, "none configured (Settings)", "none configured")
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

    yields = 3
    READY = "Scanner: ready to scan"
    SHORT = "Scanner: ready"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.show_words("scanner", self.READY, self.SHORT)

    def set_scan_screen(self, takes_scans: bool) -> None:
        self.setVisible(takes_scans)
        bar = shell_bar(self)
        if bar is not None:
            bar.fit()  # the other pills' words take the room it leaves, or give it back


class IdentityStatus(StatusPill):
    """Who is signed in, as what, at which workstation: "Priya Raman (Pharmacist) at counter-1"."""

    yields = 4

    def set_identity(self, display_name: str, role_title: str, workstation: str) -> None:
        # the header names who and as what too: a narrow window keeps the workstation here (its icon
        # beside it), the whole in the tooltip
        self.show_words(
            "user", f"{display_name} ({role_title}) at {workstation}", f"{display_name} at {workstation}", workstation
        )

    def show_level(self, level: int) -> None:
        super().show_level(level)
        kind = "workstation" if level and level == self.levels() - 1 else "user"
        if kind != self._kind:
            self._kind = kind
            self.refresh_icon()
