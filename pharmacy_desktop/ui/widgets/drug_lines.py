"""A table cell of a few lines, one of which names a drug, that never loses the drug's strength.

:class:`DrugLinesDelegate` draws a cell such as ``"Moore, Charles\\n[C-II] Hydrocodone Bitartrate and
Acetaminophen 10 mg/325 mg tablet"`` in the width its column has:

- the whole text when every line fits;
- else each line that names a drug without its form noun ("… 10 mg/325 mg": the form is the part a
  pharmacist can spare, :func:`~pharmacy_desktop.ui.widgets.column_fit.through_strength`);
- and when even that does not fit, the line wraps at its spaces (the row grows: the view's rows
  must be sized to their contents, :func:`fit_rows_to_lines` does it) instead of eliding the name
  before its strength.

The model's tooltip keeps the whole text. :func:`shown_text` says what the delegate shows (the
layout check in ``ui/fit_check`` reads it).
"""

from __future__ import annotations

import re

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from pharmacy_desktop.ui.widgets.column_fit import through_strength

TEXT_MARGIN = 10  # px the style leaves around a cell's text (both sides together), and a little air
_SENTINEL = " \u00b7"
LINE_SEPARATOR = "\u2028"
CACHE_SIZE = 4096  # sizes / fitted texts a delegate keeps (then it starts again)
WORD_JOINER = "\u2060"  # no line break here: "50 mg/mL" stays on one line
_MORE_STRENGTH = re.compile(r"(?:\s*/\s*[\d.,]+\s*(?:mg|mcg|g|mL|L|mEq|mmol|units?|IU|%))+", re.IGNORECASE)
_NUMBER_UNIT = re.compile(r"(\d) (?=[A-Za-z%])")


def has_strength(line: str) -> bool:
    """True when ``line`` names a drug with a strength ("Lorazepam 1 mg tablet")."""
    return through_strength(line + _SENTINEL) != line + _SENTINEL


def kept_part(line: str) -> str:
    """What must stay whole of a drug line: :func:`through_strength`, with every further strength
    of a combination ("Hydrocodone … 10 mg/325 mg": through_strength alone stops at "10 mg")."""
    kept = through_strength(line)
    more = _MORE_STRENGTH.match(line, len(kept))
    return kept + more.group(0) if more else kept


def short_line(line: str) -> str:
    """A drug line without its form noun: '[C-IV] Lorazepam 1 mg tablet' -> '[C-IV] Lorazepam 1 mg';
    a suffix like ' (+1 more)' stays. Any other line as it is."""
    if not has_strength(line):
        return line
    kept = kept_part(line)
    rest = line[len(kept) :]
    more = rest[rest.rfind(" (+") :] if " (+" in rest and rest.endswith(")") else ""
    return kept + more


def cell_lines(text: str) -> list[str]:
    """A cell's lines (Qt's item views turn "\\n" into U+2028, the line separator)."""
    return text.replace(LINE_SEPARATOR, "\n").replace(WORD_JOINER, "").split("\n")


def fitted_text(text: str, metrics: QFontMetrics, width: int) -> str:
    """``text`` as it reads best in ``width`` px: whole when it fits, else its drug lines short
    (the number and unit of a strength held together: "40 mg" never breaks over two lines)."""
    lines = cell_lines(text)
    room = width - TEXT_MARGIN
    if all(metrics.horizontalAdvance(line) <= room for line in lines):
        return text
    shown = [line if metrics.horizontalAdvance(line) <= room else _held(short_line(line)) for line in lines]
    return LINE_SEPARATOR.join(shown)


def _held(line: str) -> str:
    return _NUMBER_UNIT.sub("\\1\u00a0", line).replace("/", "/" + WORD_JOINER)


class DrugLinesDelegate(QStyledItemDelegate):
    """Shows a cell's drug lines whole through their strength (see the module's docstring).

    ``min_lines``: the row's height in lines at the least (a queue's rows keep their air).

    A view sized to its contents asks every row's size at each layout: the size is kept per what it
    depends on (the text, the column's width, the fonts, an icon beside the words), so a row is worked
    out once until one of those changes, and the fitted text per (text, width, font) for painting."""

    def __init__(self, parent: QWidget | None = None, *, min_lines: int = 2) -> None:
        super().__init__(parent)
        self.min_lines = min_lines
        self._sizes: dict[tuple[str, int, str, str, bool], QSize] = {}
        self._fitted: dict[tuple[str, int, str], str] = {}

    def forget_sizes(self) -> None:
        """Work every size out again (a style whose margins differ: the fonts are in the keys already)."""
        self._sizes.clear()
        self._fitted.clear()

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:  # noqa: N802
        super().initStyleOption(option, index)
        if option.text:
            width = option.rect.width()
            if option.features & QStyleOptionViewItem.ViewItemFeature.HasDecoration:  # an icon beside the words
                width -= option.decorationSize.width() + 8
            key = (option.text, width, option.font.key())
            fitted = self._fitted.get(key)
            if fitted is None:
                if len(self._fitted) >= CACHE_SIZE:
                    self._fitted.clear()
                fitted = self._fitted[key] = fitted_text(option.text, QFontMetrics(option.font), width)
            option.text = fitted
            option.features |= QStyleOptionViewItem.ViewItemFeature.WrapText

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:  # noqa: N802
        view = self.parent()
        width = option.rect.width() if option.rect.isValid() else -1
        if width < 0 and isinstance(view, QTableView):  # the view wraps no other column
            width = view.columnWidth(index.column())
        text = index.data(Qt.ItemDataRole.DisplayRole)
        font = index.data(Qt.ItemDataRole.FontRole)  # a cell's own font (bold) over the view's
        key = (
            "" if text is None else str(text),
            width,
            option.font.key(),
            font.key() if isinstance(font, QFont) else "",
            index.data(Qt.ItemDataRole.DecorationRole) is not None,
        )
        size = self._sizes.get(key)
        if size is None:
            if not option.rect.isValid() and isinstance(view, QTableView):
                option = QStyleOptionViewItem(option)
                option.rect = QRect(0, 0, width, 100_000)
            hint = super().sizeHint(option, index)
            metrics = QFontMetrics(option.font)
            floor = int(metrics.lineSpacing() * (self.min_lines + 0.9))
            size = QSize(hint.width(), max(hint.height() + 8, floor))
            if len(self._sizes) >= CACHE_SIZE:
                self._sizes.clear()
            self._sizes[key] = size
        return QSize(size)


def fit_rows_to_lines(view: QTableView, column: int, *, min_lines: int = 2) -> DrugLinesDelegate:
    """``view``'s ``column`` drawn by a :class:`DrugLinesDelegate`, its rows as tall as their text."""
    delegate = DrugLinesDelegate(view, min_lines=min_lines)
    view.setItemDelegateForColumn(column, delegate)  # it wraps its own column; the others elide as before
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    timer = QTimer(view)  # a column's new width (a window resized, a column fit): the rows' heights again
    timer.setSingleShot(True)
    timer.setInterval(0)
    timer.timeout.connect(view.resizeRowsToContents)
    view.horizontalHeader().sectionResized.connect(
        lambda logical, _old, _new: timer.start() if logical == column else None
    )
    return delegate


def shown_text(view: QAbstractItemView, index: QModelIndex) -> str:
    """The text the view's delegate draws in the cell ``index`` (before any eliding)."""
    delegate = view.itemDelegateForIndex(index)
    text = index.data(Qt.ItemDataRole.DisplayRole)
    if not isinstance(delegate, QStyledItemDelegate):
        return "" if text is None else str(text)
    option = QStyleOptionViewItem()
    option.initFrom(view)
    option.font = view.font()
    option.rect = view.visualRect(index)
    delegate.initStyleOption(option, index)
    return str(option.text)
