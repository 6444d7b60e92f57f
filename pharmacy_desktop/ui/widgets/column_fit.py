"""Column widths that give room to what matters, at any window width, with no sideways scrolling:
the one column-fitting widget of every table (queues, will-call, pickup, inventory, messages, print
queue, patient form, users, audit trail, drug lookup).

:class:`ColumnFit` sizes the columns of a table view whenever its viewport or its rows change:

- every column gets the width of its contents (numbers, dates, codes: never cut);
- one column (the drug, the message, the name) stretches over the room that is left;
- when the room runs out, the columns named ``shrink`` (a patient's name, a note, an address) give
  way first, down to a floor, so that the stretch column keeps what its ``keep`` function says
  must stay readable (a drug's name through its strength: the form elides first; a person's name
  whole); ``stretch_share`` keeps it at least that share of the width too (the audit trail's
  details: a quarter), when its text wants it;
- still short, the ``optional`` columns step aside, least important first (hidden until there is
  room; what they say is shown elsewhere, e.g. in the selected row's detail): a narrow one may
  come back when a wider, more important one stepped aside; then the stretch column elides below
  its ``keep`` text (a code or a date cut short is worth nothing; the drug's tooltip, and the detail
  beside the table, have it whole), and last every other column narrows toward its header's
  width: no column is ever pushed out of sight;
- the model must give a ToolTipRole for what may elide (RowsTable, RowsModel and the screens'
  models do).

It sets the widths itself (sections are Fixed); the header stays the view's own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import shiboken6
from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, QTimer
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QStyle, QTableView

CELL_MARGIN = 12  # px around a cell's text (the delegate's margins, and a little air)
_STRENGTH = re.compile(
    r"^.*?\d[\d.,]*\s*(?:mg|mcg|g|kg|mL|L|mEq|mmol|units?|IU|%)(?:\s*/\s*[\d.,]*\s*(?:mg|mcg|mL|L|g|hr|h|actuation|spray))?"
    r"(?:\s+(?:ER|XR|XL|SR|CR|DR|ODT|LA|CD|XT|EC|SA)\b)?",
    re.IGNORECASE,
)


def through_strength(text: str) -> str:
    """The part of a drug text a person must read whole: its name through the strength (and a
    release marker like ER). '[C-IV] Lorazepam 1 mg tablet' -> '[C-IV] Lorazepam 1 mg'. A text
    without a strength is kept whole up to its first line."""
    first = text.split("\n", 1)[0]
    match = _STRENGTH.match(first)
    return match.group(0) if match else first


class ColumnFit(QObject):
    """Keeps the columns of ``view`` sized (see the module's docstring).

    ``stretch``: the column that takes the room left; ``shrink``: the columns that elide first
    (in the order given); ``keep``: the text of the stretch column that must stay whole (default:
    :func:`through_strength`); ``floor_chars``: how narrow a shrinking column may get, in characters;
    ``optional``: columns hidden while there is no room for them, the least important first (what
    they say is shown elsewhere, e.g. in the selected row's detail), shown again when the window
    grows; ``stretch_share``: the share of the width (0 to 1) the stretch column keeps before an
    optional column is shown, when its text wants it.
    """

    def __init__(
        self,
        view: QTableView,
        *,
        stretch: int,
        shrink: Sequence[int] = (),
        keep: Callable[[str], str] | None = through_strength,
        floor_chars: int = 10,
        optional: Sequence[int] = (),
        stretch_share: float = 0.0,
    ):
        super().__init__(view)
        self.view = view
        self.stretch = stretch
        self.shrink = tuple(shrink)
        self.optional = tuple(c for c in optional if c != stretch)
        self.stretch_share = stretch_share
        self._dropped: set[int] = set()
        self.keep = keep
        self.floor_chars = floor_chars
        self._pending = False
        header = view.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setTextElideMode(Qt.TextElideMode.ElideRight)
        view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self._viewport = view.viewport()
        self._viewport.installEventFilter(self)
        self._watch(view.model())

    def _watch(self, model: object) -> None:
        if model is None:
            return
        for signal in ("modelReset", "rowsInserted", "rowsRemoved", "dataChanged", "layoutChanged"):
            getattr(model, signal).connect(self.schedule)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        # never raise here: an exception inside a Qt virtual override takes the process down, and
        # this filter can see the viewport's last events while the table is being destroyed
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Show) and watched is self._viewport:
            if shiboken6.isValid(self.view):
                try:
                    self.fit()
                except RuntimeError:  # the table's C++ side went away under us
                    pass
        return False

    def schedule(self, *_args: object) -> None:
        """Fit once the current batch of model changes is done (a table filled cell by cell)."""
        if not self._pending:
            self._pending = True
            QTimer.singleShot(0, self._fit_now)

    def _fit_now(self) -> None:
        self._pending = False
        if shiboken6.isValid(self.view):  # the view may be gone by the time the timer fires
            try:
                self.fit()
            except RuntimeError:
                pass

    # -- the widths ---------------------------------------------------------------------------------

    def _text_width(self, text: str) -> int:
        return self.view.fontMetrics().horizontalAdvance(text) + CELL_MARGIN

    def _title(self, column: int) -> int:
        """The header's title whole, and never below the header's least section size (what
        sectionSizeHint says of a shown column; it says 0 while a column is hidden: an optional one)."""
        header = self.view.horizontalHeader()
        return max(header.sectionSizeFromContents(column).width(), header.minimumSectionSize())

    def _wanted(self, column: int) -> int:
        """The column's contents: its header's size hint or its widest cell (first lines)."""
        view = self.view
        model = view.model()
        width = self._title(column)
        for row in range(min(model.rowCount(QModelIndex()), 200)):
            if view.isRowHidden(row):
                continue
            index = model.index(row, column)
            if view.indexWidget(index) is not None:
                width = max(width, view.indexWidget(index).sizeHint().width())
                continue
            text = model.data(index, Qt.ItemDataRole.DisplayRole)
            if text is None:
                continue
            lines = str(text).split("\n")
            width = max(width, max(self._text_width(line) for line in lines) + self._icon_room(index))
        return width

    def _icon_room(self, index: QModelIndex) -> int:
        decoration = index.data(Qt.ItemDataRole.DecorationRole)
        check = index.data(Qt.ItemDataRole.CheckStateRole)
        room = 0
        if decoration is not None:
            room += self.view.iconSize().width() + 4 if self.view.iconSize().width() > 0 else 20
        if check is not None:
            room += self.view.style().pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth) + 6
        return room

    def contents_width(self) -> int:
        """The width of every shown column at its contents' width (a pane sized to its table)."""
        model = self.view.model()
        if model is None:
            return 0
        return sum(self._wanted(c) for c in range(model.columnCount(QModelIndex())) if not self.view.isColumnHidden(c))

    def _kept(self) -> int:
        """How narrow the stretch column may get: its header, and each row's part that must stay whole."""
        view = self.view
        model = view.model()
        width = self._title(self.stretch)
        if self.keep is None:
            return width
        for row in range(min(model.rowCount(QModelIndex()), 200)):
            text = model.data(model.index(row, self.stretch), Qt.ItemDataRole.DisplayRole)
            if text:
                lines = [self.keep(line) for line in str(text).split("\n")]
                width = max(width, max(self._text_width(line) for line in lines))
        return width

    def fit(self) -> None:
        view = self.view
        model = view.model()
        if model is None:
            return
        header = view.horizontalHeader()
        columns = [
            c for c in range(model.columnCount(QModelIndex())) if not view.isColumnHidden(c) or c in self._dropped
        ]
        available = view.viewport().width()
        if not columns or available <= 0:
            return
        widths = {c: self._wanted(c) for c in columns}
        wanted = dict(widths)  # what each column asks for, before any gives way
        stretch_wanted = widths.get(self.stretch, 0)
        kept = min(self._kept(), stretch_wanted) if self.stretch in widths else 0
        if self.stretch in widths and self.stretch_share > 0:
            kept = max(kept, min(stretch_wanted, int(available * self.stretch_share)))
        others = sum(w for c, w in widths.items() if c != self.stretch)
        short = others + kept - available
        floor = view.fontMetrics().averageCharWidth() * self.floor_chars
        for column in self.shrink:  # the columns that give way, in order, down to their floor
            if short <= 0:
                break
            if column in widths:
                least = max(min(widths[column], floor), self._title(column))
                give = min(short, widths[column] - least)
                if give > 0:
                    widths[column] -= give
                    short -= give
        dropped: list[int] = []
        for column in self.optional:  # then the columns whose facts are shown elsewhere step aside
            if short <= 0:
                break
            if column in widths:
                short -= widths.pop(column)
                dropped.append(column)
        for column in reversed(dropped[:-1]):  # a narrow one comes back in the room a wide one left
            if wanted[column] <= -short:
                widths[column] = wanted[column]
                short += wanted[column]
                dropped.remove(column)
        for column in reversed(self.shrink):  # a column stepped aside: the room it left goes back first
            if short >= 0:
                break
            if column in widths:
                back = min(-short, wanted[column] - widths[column])
                widths[column] += back
                short += back
        if short > 0 and self.stretch in widths:  # the stretch column elides too (its tooltip has it)
            short -= kept - self._title(self.stretch)
        for column in reversed(columns):  # still too narrow: every other column toward its header's width
            if short <= 0:
                break
            if column in widths and column != self.stretch:
                give = min(short, widths[column] - self._title(column))
                if give > 0:
                    widths[column] -= give
                    short -= give
        for column in self.optional:
            if column in columns and view.isColumnHidden(column) != (column in dropped):
                view.setColumnHidden(column, column in dropped)
        self._dropped = set(dropped)
        if self.stretch in widths:
            rest = available - sum(w for c, w in widths.items() if c != self.stretch)
            widths[self.stretch] = max(rest, self._title(self.stretch))
        for column, width in widths.items():
            if header.sectionSize(column) != width:
                header.resizeSection(column, width)


def fit_columns(
    view: QTableView,
    *,
    stretch: int,
    shrink: Sequence[int] = (),
    keep: Callable[[str], str] | None = through_strength,
    floor_chars: int = 10,
    optional: Sequence[int] = (),
    stretch_share: float = 0.0,
) -> ColumnFit:
    """Install a :class:`ColumnFit` on ``view`` (kept alive as the view's child) and fit once.
    The view's model is set first (the fitter follows its changes)."""
    fitter = ColumnFit(
        view,
        stretch=stretch,
        shrink=shrink,
        keep=keep,
        floor_chars=floor_chars,
        optional=optional,
        stretch_share=stretch_share,
    )
    fitter.fit()
    return fitter
