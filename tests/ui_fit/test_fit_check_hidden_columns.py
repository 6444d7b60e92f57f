"""The clipping finder sees a column pushed past the right edge of a table whose sideways scroll bar is off."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QTableView

from pharmacy_desktop.ui.fit_check import find_clipping

pytestmark = pytest.mark.ui

ROW = ("Oxycodone Hydrochloride and Acetaminophen 10 mg/325 mg tablet", "C-II", "0406-0523-01", "100 tablet")


def _model() -> QStandardItemModel:
    model = QStandardItemModel(0, 4)
    model.setHorizontalHeaderLabels(["Drug", "Sched.", "NDC", "Package"])
    for _ in range(3):
        items = [QStandardItem(text) for text in ROW]
        for item in items:
            item.setToolTip(item.text())
        model.appendRow(items)
    return model


def test_a_column_beyond_the_view_without_a_scroll_bar_is_clipped(qtbot):
    view = QTableView()
    qtbot.addWidget(view)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setModel(_model())
    for column, width in enumerate((260, 60, 120, 100)):
        view.setColumnWidth(column, width)
    view.resize(420, 200)
    view.show()
    qtbot.waitExposed(view)
    clips = find_clipping(view)
    assert "Package" in [c.text for c in clips if c.kind == "header"]
