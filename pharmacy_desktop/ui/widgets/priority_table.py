"""A table that never scrolls sideways: the columns that fit are shown whole, by importance, and one
column (the longest text: a name, the details) takes the rest of the width, eliding with its tooltip
(``RowsModel`` gives every cell its whole text as a tooltip). A column that does not fit beside the
more important ones is hidden until the window is wide enough (users: the license number and the
quick-switch column go first at 1024x768; the form beside the table shows them for the selected row).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QAbstractItemModel, Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHeaderView, QTableView, QWidget

CELL_MARGIN = 14  # px: the cell's padding and the focus frame


class PriorityTable(QTableView):
    def __init__(self, stretch: int, priority: Sequence[int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stretch = stretch
        self.priority = tuple(c for c in priority if c != stretch)
        self._pending = False
        self._widths: dict[int, int] = {}  # the columns' wanted widths, measured once per change of rows
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setTextElideMode(Qt.TextElideMode.ElideRight)
        header.setResizeContentsPrecision(200)  # the first 200 rows decide a column's width (no stall)

    def setModel(self, model: QAbstractItemModel | None) -> None:  # noqa: N802 - Qt API
        super().setModel(model)
        if model is not None:
            for signal in (model.modelReset, model.layoutChanged, model.rowsInserted, model.rowsRemoved):
                signal.connect(self.schedule_fit)
        self.schedule_fit()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self.fit()

    def schedule_fit(self, *_args: object) -> None:
        if not self._pending:
            self._pending = True
            QTimer.singleShot(0, self._fit_now)

    def _fit_now(self) -> None:
        self._pending = False
        self._widths.clear()
        self.fit()

    def _wanted(self, column: int) -> int:
        """The column's title and its widest cell (measured while shown: a hidden one measures nothing)."""
        header = self.horizontalHeader()
        title = str(self.model().headerData(column, Qt.Orientation.Horizontal) or "")
        title_width = header.fontMetrics().horizontalAdvance(title) + 2 * CELL_MARGIN
        return max(header.sectionSizeHint(column), title_width, self.sizeHintForColumn(column) + CELL_MARGIN)

    def fit(self) -> None:
        model = self.model()
        if model is None or model.columnCount() == 0:
            return
        room = self.viewport().width()
        if len(self._widths) != model.columnCount():
            for column in range(model.columnCount()):
                self.setColumnHidden(column, False)
            self._widths = {c: self._wanted(c) for c in range(model.columnCount())}
        wanted = self._widths
        header_floor = self.horizontalHeader().sectionSizeHint(self.stretch)
        used = max(header_floor, min(wanted[self.stretch], room // 4))
        shown = {self.stretch}
        for column in self.priority:
            if used + wanted[column] <= room:
                shown.add(column)
                used += wanted[column]
        others = 0
        for column in range(model.columnCount()):
            self.setColumnHidden(column, column not in shown)
            if column in shown and column != self.stretch:
                self.setColumnWidth(column, wanted[column])
                others += wanted[column]
        self.setColumnWidth(self.stretch, max(header_floor, room - others))
