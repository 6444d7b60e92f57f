"""Table models over lists of DTOs (frozen dataclasses): columns are (header, getter) pairs."""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from pharmacy_desktop.ui.icons import icon

T = TypeVar("T")
Getter = Callable[[Any], Any]


@dataclass(frozen=True)
class Marked:
    """A cell's words with the icon of their status beside them (``ui/icons``: "stop", "warning",
    "passed" ...): a getter returns it, the model gives the words and the icon (DecorationRole),
    never the icon alone."""

    kind: str
    text: str

    def __str__(self) -> str:
        return self.text


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        return value.astimezone().strftime("%m/%d/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%m/%d/%Y")
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return str(value)


class RowsModel(QAbstractTableModel, Generic[T]):
    def __init__(self, columns: Sequence[tuple[str, str | Getter]], parent: QObject | None = None):
        super().__init__(parent)
        self._columns: list[tuple[str, Getter]] = [
            (h, operator.attrgetter(g) if isinstance(g, str) else g) for h, g in columns
        ]
        self._rows: list[T] = []

    def set_rows(self, rows: Sequence[T]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row(self, index: int) -> T:
        return self._rows[index]

    @property
    def rows(self) -> list[T]:
        return list(self._rows)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        value = self._columns[index.column()][1](self._rows[index.row()])
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return _display(value)
        if role == Qt.ItemDataRole.DecorationRole and isinstance(value, Marked):
            # in the current theme's colour (asked each time it is shown); on a selected row in the
            # highlighted text's colour, or it would vanish into the highlight
            return icon(value.kind, selectable=True)
        if (
            role == Qt.ItemDataRole.TextAlignmentRole
            and isinstance(value, (int, float, Decimal))
            and not isinstance(value, bool)
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._columns[section][0]
        return None
