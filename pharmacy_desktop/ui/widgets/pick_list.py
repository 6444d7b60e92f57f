"""A list to pick one row from (a table over a `RowsModel`) and the framed detail under it.

The queue-like screens (patient messages, the print queue) show rows the user moves through with
Up/Down, one at a time, read-only, and the chosen row's detail in a framed label below; after a
reload the row chosen before stays chosen (by its id), else the first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QFrame, QLabel, QTableView

from pharmacy_desktop.ui.table_models import RowsModel

T = TypeVar("T")


def pick_table(model: RowsModel[Any], name: str, accessible: str, *, row_height: int) -> QTableView:
    """A read-only table over ``model`` choosing one whole row; Tab leaves it (arrows move between rows)."""
    table = QTableView()
    table.setObjectName(name)
    table.setAccessibleName(accessible)
    table.setTabKeyNavigation(False)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(row_height)
    table.setAlternatingRowColors(True)
    return table


def detail_label(name: str, *, min_height: int) -> QLabel:
    """The framed, wrapping, selectable label that shows the chosen row's detail (top-left)."""
    detail = QLabel()
    detail.setObjectName(name)
    detail.setWordWrap(True)
    detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    detail.setFrameShape(QFrame.Shape.StyledPanel)
    detail.setMinimumHeight(min_height)
    detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    detail.setContentsMargins(8, 6, 8, 6)
    return detail


def chosen_row(table: QTableView, model: RowsModel[T]) -> T | None:
    """The row the table's current index is on, or None."""
    index = table.selectionModel().currentIndex()
    if not index.isValid() or index.row() >= model.rowCount():
        return None
    return model.row(index.row())


def choose_again(table: QTableView, rows: Sequence[T], keep: object, key: Callable[[T], object]) -> None:
    """After new ``rows``: select the one whose ``key`` is ``keep`` (the one chosen before), else the first."""
    target = next((i for i, r in enumerate(rows) if key(r) == keep), 0 if rows else -1)
    if target >= 0:
        table.selectRow(target)
