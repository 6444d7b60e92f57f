"""Pieces shared by the fill, verification and will-call screens: queue table, hard stop, prompts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TypeVar

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFocusEvent, QFont, QFontDatabase, QFontMetrics, QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.domain.schedules import parse_schedule
from pharmacy_desktop.services.stock_allocation import LotChoice
from pharmacy_desktop.ui.icons import icon, pixmap
from pharmacy_desktop.ui.screens.base import shortcut as shortcut  # the queue screens import it from here
from pharmacy_desktop.ui.style import AMBER, ERROR, FRAME, INFO, PASSED, STOP_BACKGROUND, STOP_BORDER
from pharmacy_desktop.ui.table_models import Marked
from pharmacy_desktop.ui.theme import repolish
from pharmacy_desktop.ui.widgets.status_label import StatusLabel

RED = ERROR
GREEN = PASSED


W = TypeVar("W", bound=QWidget)


def scaled(label: W, delta: float, bold: bool = True) -> W:
    """``label`` (any widget with text) with its font ``delta`` points larger, bold by default."""
    font = QFont(label.font())
    font.setPointSizeF(max(6.0, font.pointSizeF() + delta))
    font.setBold(bold)
    label.setFont(font)
    return label


def big(text: str = "", delta: float = 6, *, bold: bool = True, wrap: bool = True, name: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(wrap)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if name:
        label.setObjectName(name)
    return scaled(label, delta, bold)


def drug_text(name: str, schedule: str | None) -> str:
    """The drug as shown everywhere: the schedule in brackets for controlled substances."""
    return f"{name}  [{schedule}]" if schedule else name


def drug_cell(name: str, schedule: str | None) -> str:
    """In narrow table cells the schedule goes first, so eliding a long name never hides it; it reads
    the same everywhere ('[C-II]', also when the catalog gives FDA's 'CII')."""
    return f"[{schedule_mark(schedule)}] {name}" if schedule else name


def schedule_mark(schedule: str) -> str:
    """'CII', 'C-II', '2' -> 'C-II'; a text that names no schedule is shown as it is."""
    try:
        parsed = parse_schedule(schedule)
    except ValueError:
        return schedule
    return parsed.display if parsed.roman else schedule


def minutes_text(minutes: int) -> str:
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60:02d} min"
    return f"{minutes // 1440} days"


def local_time(value: dt.datetime | None) -> str:
    """'14:30' today, '11/27 09:00' another day."""
    if value is None:
        return ""
    local = value.astimezone()
    return local.strftime("%H:%M") if local.date() == dt.date.today() else local.strftime("%m/%d %H:%M")


class RowsTable(QTableWidget):
    """A read-only table of rows of text, whole-row selection, generous row height."""

    activated_row = Signal(int)

    def __init__(self, headers: Sequence[str], parent: QWidget | None = None, *, stretch: int = 2, lines: int = 1):
        super().__init__(0, len(headers), parent)
        self.setHorizontalHeaderLabels(list(headers))
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setTabKeyNavigation(False)  # Tab leaves the table (arrows move between rows)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(max(34, int(self.fontMetrics().height() * (lines + 0.9))))
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        self.setWordWrap(lines > 1)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.doubleClicked.connect(lambda index: self.activated_row.emit(index.row()))

    def set_rows(self, rows: Sequence[Sequence[str | Marked]], *, marks: Sequence[str | None] = ()) -> None:
        """The cells' texts; a ``Marked`` cell shows its words with its status icon beside them."""
        current = self.currentRow()
        self.setRowCount(len(rows))
        for r, values in enumerate(rows):
            colour = marks[r] if r < len(marks) else None
            for c, value in enumerate(values):
                item = QTableWidgetItem(str(value))
                item.setToolTip(str(value))
                if isinstance(value, Marked):
                    item.setIcon(icon(value.kind))
                item.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
                if colour and c == 0:
                    item.setForeground(Qt.GlobalColor.white)
                    item.setBackground(Qt.GlobalColor.darkRed if colour == "stat" else Qt.GlobalColor.darkYellow)
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.setItem(r, c, item)
        if rows:
            self.selectRow(min(max(current, 0), len(rows) - 1))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentRow() >= 0:
            self.activated_row.emit(self.currentRow())
            event.accept()
            return
        super().keyPressEvent(event)


class ScanPrompt(QFrame):
    """The big "scan the stock bottle" call to action.

    It takes the keyboard focus while the screen waits for a scan, and then shows it: a solid frame
    and "waiting for the scan" under the text, so the user sees where keystrokes go.

    Its look is one style sheet set once (``SHEET``), keyed on two dynamic properties, ``state`` and
    ``focused``; the words take the state's colour through their palette. A focus change sets a
    property and re-polishes the prompt alone: setting a new style sheet on every focus change
    re-parsed it and re-polished the tree under it (bench/gui_stall.py, issue 18).
    """

    FOCUS_HINT = "⌨  Waiting for the scan: the scanner (or the keyboard) types here"
    COLOURS = {"waiting": INFO, "done": GREEN, "problem": RED}
    SHEET = (
        f"#scanPrompt {{ border-width: 4px; border-style: dashed; border-color: {INFO}; border-radius: 10px;"
        " background: rgba(13,71,161,18); }"
        '#scanPrompt[focused="true"] { border-width: 6px; border-style: solid; background: rgba(13,71,161,40); }'
        f'#scanPrompt[state="done"] {{ border-color: {GREEN}; }}'
        f'#scanPrompt[state="problem"] {{ border-color: {RED}; }}'
    )

    def __init__(self, text: str, parent: QWidget | None = None, *, delta: float = 12):
        super().__init__(parent)
        self.setObjectName("scanPrompt")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.label = big(text, delta, name="scanPromptText")
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.focus_hint = big(self.FOCUS_HINT, 0, bold=False, name="scanPromptFocus")
        self.focus_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.focus_hint.setAccessibleName("Waiting for the scan")
        self.focus_hint.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 14, 12, 14)
        layout.addWidget(self.label)
        layout.addWidget(self.focus_hint)
        self.state = ""
        self.setProperty("focused", False)
        self.setStyleSheet(self.SHEET)
        self.set_state("waiting")

    def set_text(self, text: str, state: str = "waiting") -> None:
        self.label.setText(text)
        self.set_state(state)

    def set_state(self, state: str) -> None:
        """``waiting``, ``done`` or ``problem``: the frame's and the words' colour (unchanged: nothing done)."""
        if state == self.state:
            return
        self.state = state
        colour = self.COLOURS.get(state, INFO)
        for label in (self.label, self.focus_hint):
            tinted(label, colour)
        self.setProperty("state", state)
        repolish(self)

    def _show_focus(self, focused: bool) -> None:
        self.focus_hint.setVisible(focused)
        if self.property("focused") != focused:
            self.setProperty("focused", focused)
            repolish(self)

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt API
        super().focusInEvent(event)
        self._show_focus(True)

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt API
        super().focusOutEvent(event)
        self._show_focus(False)


class ResultBanner(QFrame):
    """A verdict with an icon, a word and the message (never colour alone)."""

    WORDS = {"ok": "MATCH", "warning": "CHECK", "problem": "NOT FILLED", "info": ""}

    def __init__(self, parent: QWidget | None = None, *, problem_word: str = "NOT FILLED"):
        super().__init__(parent)
        self.WORDS = {**ResultBanner.WORDS, "problem": problem_word}  # the verify screen: "NOT APPROVED"
        self.setObjectName("resultBanner")
        self.icon = QLabel()
        self.icon.setFixedSize(40, 40)
        self.text = big("", 2, name="resultText")
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        words = QVBoxLayout()
        words.setContentsMargins(0, 0, 0, 0)
        words.addWidget(self.text)
        self.detail_box = words  # the message's warnings under it, each a line with the warning icon
        self.details: list[StatusLabel] = []
        layout.addLayout(words, 1)
        self.state = "none"
        self.icon_kind: str | None = None  # the icon shown beside the words (ui/icons)
        self.hide()

    def show_result(self, state: str, message: str, details: Sequence[str] = ()) -> None:
        self.state = state
        self.icon_kind = {"ok": "passed", "warning": "warning", "problem": "stop", "info": "info"}[state]
        colour = {"ok": GREEN, "warning": AMBER, "problem": RED, "info": INFO}[state]
        word = self.WORDS[state]
        self.text.setText(f"{word}: {message}" if word else message)
        self._show_details(details)
        self.icon.setPixmap(pixmap(self.icon_kind, 36))  # ui/icons: the same set as every status
        self.setStyleSheet(
            f"#resultBanner {{ border: 3px solid {colour}; border-radius: 6px; }}"
            f" #resultText, #resultDetail {{ color: {colour}; }}"
        )
        self.show()

    def _show_details(self, details: Sequence[str]) -> None:
        """One line per warning, its icon beside the words (the colour is the banner's)."""
        while len(self.details) < len(details):
            line = StatusLabel()
            line.setObjectName("resultDetail")
            line.setWordWrap(True)
            line.setTextFormat(Qt.TextFormat.PlainText)
            scaled(line, 2, True)
            self.detail_box.addWidget(line)
            self.details.append(line)
        for line, detail in zip(self.details, [*details, *[""] * len(self.details)], strict=False):
            line.say("warning", detail)
            line.setVisible(bool(detail))

    def detail_text(self) -> str:
        """The warnings shown under the message, one a line."""
        return "\n".join(line.text() for line in self.details if line.text())

    def clear(self) -> None:
        self.state = "none"
        self.text.clear()
        self._show_details(())
        self.hide()


class HardStop(QFrame):
    """Fills the work area; only an explicit acknowledgement (Enter or the button) removes it."""

    acknowledged = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("hardStop")
        self.setStyleSheet(
            f"#hardStop {{ background: {STOP_BACKGROUND}; border: 6px solid {RED}; border-radius: 8px; }}"
            f"#hardStop QLabel {{ color: {RED}; }}"
        )
        icon = QLabel()
        icon.setPixmap(pixmap("stop", 72))
        self.title = big("STOP", 18, name="hardStopTitle")
        self.message = big("", 6, name="hardStopMessage")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.next_step = big("", 2, name="hardStopNext")
        self.button = QPushButton("I have put the bottle back (Enter)")
        self.button.setObjectName("hardStopAcknowledge")
        scaled(self.button, 4)
        self.button.setMinimumHeight(56)
        self.button.clicked.connect(self._acknowledge)
        top = QHBoxLayout()
        top.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.title, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(18)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(self.next_step)
        layout.addStretch(1)
        layout.addWidget(self.button)

    def _acknowledge(self) -> None:
        self.acknowledged.emit()

    def show_stop(self, title: str, message: str, next_step: str = "", button: str | None = None) -> None:
        self.title.setText(title)
        self.message.setText(message)
        self.next_step.setText(next_step)
        self.next_step.setVisible(bool(next_step))
        if button:
            self.button.setText(button)
        self.button.setFocus()


class LotPicker(QListWidget):
    """Which lot is the bottle in the hand? Shown when a scan carried no lot and several lots are on
    record (issue 15 item 7): ↑/↓ and Enter pick (the screen's Enter calls ``current_lot``); lots
    that must not be dispensed are listed in red, and picking one is refused by the service."""

    ANY_TEXT = "Several bottles: first expiry first"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("lotPicker")
        scaled(self, 4, bold=False)
        self.setAccessibleName("Lots on record: pick the lot printed on the bottle in your hand")
        self.hide()

    def show_choices(self, choices: Sequence[LotChoice], *, any_lot: str | None) -> None:
        """``any_lot``: the value offered last for several bottles (first expiry first), or None."""
        self.clear()
        for c in choices:
            text = f"Lot {c.lot}   ·   exp {c.expiry.strftime('%m/%d/%Y')}   ·   {c.remaining.normalize():f} on record"
            if c.problem:
                text += f"   ·   {'EXPIRED' if c.status == 'active' else c.status.upper()}: do not dispense"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, c.lot)
            if c.problem:
                item.setForeground(QColor(STOP_BORDER))
            self.addItem(item)
        if any_lot is not None:
            item = QListWidgetItem(self.ANY_TEXT)
            item.setData(Qt.ItemDataRole.UserRole, any_lot)
            self.addItem(item)
        self.setCurrentRow(0)
        rows = self.count()
        self.setFixedHeight(min(rows, 6) * (self.sizeHintForRow(0) + 2) + 2 * self.frameWidth() + 4)
        self.show()
        self.setFocus()

    def current_lot(self) -> str | None:
        item = self.currentItem()
        return None if item is None or not self.isVisible() else str(item.data(Qt.ItemDataRole.UserRole))

    def dismiss(self) -> None:
        self.clear()
        self.hide()


class VialLabelText(QLabel):
    """The vial label's text as printed: black on white in the fixed-pitch font, lines wrapped no
    narrower than ``chars`` characters (the compare's cells and the queue give way first). The width
    follows the font: a zoom (Ctrl+=) that scales it later widens the floor with it."""

    FRAME = 24  # px around the text: padding 8 and border 2 a side, and air

    def __init__(self, chars: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.chars = chars
        self.setObjectName("labelText")
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(max(9.0, QFont().pointSizeF() - 2))
        self.setFont(mono)  # a font of its own: the app's zoom scales it (theme.apply_look)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.setStyleSheet(
            f"#labelText {{ background: white; color: black; border: 2px solid {FRAME}; border-radius: 4px; padding: 8px; }}"
        )
        self._fit_width()

    def _fit_width(self) -> None:
        self.setMinimumWidth(QFontMetrics(self.font()).horizontalAdvance("0" * self.chars) + self.FRAME)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_width()


def tinted(label: QLabel, colour: str) -> QLabel:
    """``label``'s words in ``colour`` through its palette (a style sheet per label re-polishes it)."""
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, QColor(colour))
    label.setPalette(palette)
    return label


class VerticalScroll(QScrollArea):
    """A frameless area that scrolls up and down only, around a widget of its own (``widget()``): it
    asks for the inner widget's whole minimum width (never a sideways bar, never text cut at the
    right) but only a few lines of height, so a short window (1024x768 zoomed) scrolls it instead of
    squeezing its labels."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)  # no more than it shows
        self.inner = QWidget()
        self.inner.setObjectName("scrollInner")
        self.setWidget(self.inner)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        # the inner widget's layout changed (new text, a zoom): the sizes asked of the screen change too
        # (a scroll area does not pass its widget's layout requests on by itself)
        if watched is self.inner and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()
        return super().eventFilter(watched, event)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        inner = self.inner.minimumSizeHint()
        bar = self.verticalScrollBar().sizeHint().width()
        return QSize(inner.width() + bar + 2 * self.frameWidth(), min(inner.height(), 6 * self.fontMetrics().height()))

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        inner = self.inner.sizeHint()
        bar = self.verticalScrollBar().sizeHint().width()
        return QSize(inner.width() + bar + 2 * self.frameWidth(), inner.height())
