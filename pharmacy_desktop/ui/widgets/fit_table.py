"""A table view whose columns always fit its width: no sideways scrolling, the main column gets the room.

Every column is as wide as its contents (and header title); the ``stretch`` column (the drug, the
patient) takes what is left. When the room runs out, the ``shrink`` columns give way first (down to
``floor`` px), then the stretch column (never below ``floor``, nor below what ``keep`` says must stay
whole: a drug's name through its strength); with still no room, the ``shrink`` columns are hidden until
there is (what they show must be elsewhere too: the details). What is cut elides, and the model's
ToolTipRole carries the whole text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHeaderView, QStyle, QTableView, QWidget

MARGIN = 12  # px around a cell's text (the delegate's margins and a little air)
_STRENGTH = re.compile(
    r"^.*?\d[\d.,]*\s*(?:mg|mcg|g|mL|L|mEq|mmol|units?|IU|%)(?:\s*/\s*[\d.,]*\s*(?:mg|mL|L|g|hr|h|actuation))?"
    r"(?:\s+(?:ER|XR|XL|SR|CR|DR|ODT|LA|CD|XT|EC|SA)\b)?",
    re.IGNORECASE,
)


def through_strength(text: str) -> str:
    """What of a drug text must stay whole: the name through its strength (and ER/XL ...):
    '[C-II] Oxycodone Hydrochloride 5 mg capsule' -> '[C-II] Oxycodone Hydrochloride 5 mg'."""
    first = text.split("\n", 1)[0]
    match = _STRENGTH.match(first)
    return match.group(0) if match else first


class FitTableView(QTableView):
    def __init__(
        self,
        stretch: int = 0,
        shrink: Sequence[int] = (),
        floor: int = 60,
        keep: Callable[[str], str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.stretch = stretch
        self.shrink = tuple(shrink)
        self.floor = floor
        self._dropped: set[int] = set()  # shrink columns hidden for want of room (shown again when there is)
        self.keep = keep  # the part of the stretch column's texts that must stay whole (e.g. through_strength)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.setInterval(0)
        self._pending.timeout.connect(self.fit_columns)

    def setModel(self, model: QAbstractItemModel | None) -> None:  # noqa: N802 - Qt's name
        super().setModel(model)
        if model is not None:
            for signal in (model.modelReset, model.layoutChanged, model.rowsInserted, model.dataChanged):
                signal.connect(self._pending.start)
        self._pending.start()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self.fit_columns()

    def title_width(self, column: int) -> int:
        model = self.model()
        header = self.horizontalHeader()
        title = model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) if model else None
        margin = 2 * self.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
        return header.fontMetrics().horizontalAdvance(str(title or "")) + margin + MARGIN

    def wanted_width(self, column: int) -> int:
        """What ``column`` needs whole: its widest visible cell or its header title."""
        return max(self.title_width(column), self.sizeHintForColumn(column) + MARGIN // 2)

    def fit_columns(self) -> None:
        model = self.model()
        if model is None:
            return
        columns = [
            c for c in range(model.columnCount(QModelIndex())) if c in self._dropped or not self.isColumnHidden(c)
        ]
        if not columns:
            return
        room = self.viewport().width()
        widths = {c: self.wanted_width(c) for c in columns}
        floor = max(self.floor, self.kept_width())
        dropped: set[int] = set()

        def over() -> int:
            return sum(w for c, w in widths.items() if c != self.stretch and c not in dropped) + floor - room

        for column in self.shrink:  # the columns that elide first, down to their title
            if over() <= 0:
                break
            if column in widths and column != self.stretch:
                widths[column] -= min(over(), max(widths[column] - max(self.floor, self.title_width(column)), 0))
        for column in reversed(self.shrink):  # still no room: they go (their text is in the details)
            if over() <= 0:
                break
            if column in widths and column != self.stretch:
                dropped.add(column)
        for column in columns:
            self.setColumnHidden(column, column in dropped)
        self._dropped = dropped
        others = [c for c in columns if c != self.stretch and c not in dropped]
        header = self.horizontalHeader()
        for column in others:
            header.resizeSection(column, widths[column])
        if self.stretch in widths:
            header.resizeSection(self.stretch, max(room - sum(widths[c] for c in others), self.floor))

    def kept_width(self) -> int:
        """The widest text of the stretch column that must stay whole (its ``keep`` part)."""
        model = self.model()
        if model is None or self.keep is None:
            return 0
        metrics = self.fontMetrics()
        texts = (model.index(row, self.stretch).data() for row in range(min(model.rowCount(), 200)))
        return max((metrics.horizontalAdvance(self.keep(str(t))) + MARGIN for t in texts if t), default=0)
