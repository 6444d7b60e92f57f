"""ColumnFit: numbers at their width, the drug takes the room left and is never cut before its
strength, the names give way first, and no sideways scroll bar at any width."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QTableWidget, QTableWidgetItem

from pharmacy_desktop.ui.fit_check import find_clipping
from pharmacy_desktop.ui.widgets.column_fit import CELL_MARGIN, fit_columns, through_strength

pytestmark = pytest.mark.ui


@pytest.mark.parametrize(
    "text, kept",
    [
        ("[C-IV] Lorazepam 1 mg tablet", "[C-IV] Lorazepam 1 mg"),
        ("Sertraline Hydrochloride 25 mg tablet", "Sertraline Hydrochloride 25 mg"),
        ("Metformin HCl 500 mg ER tablet", "Metformin HCl 500 mg ER"),
        ("Amoxicillin 250 mg/5 mL suspension", "Amoxicillin 250 mg/5 mL"),
        ("Insulin Glargine 100 units/mL pen", "Insulin Glargine 100 units/mL"),
        ("Hydrocortisone 1% cream", "Hydrocortisone 1%"),
        ("Onglyza 2.5 mg tablet\n30 tablets · waiting 2 min", "Onglyza 2.5 mg"),
        ("Blood glucose test strips", "Blood glucose test strips"),
    ],
)
def test_through_strength_keeps_the_name_and_strength(text, kept):
    assert through_strength(text) == kept


def table(rows):
    view = QTableWidget(len(rows), 4)
    view.setHorizontalHeaderLabels(["Bin", "Patient", "Drug", "Qty"])
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            item = QTableWidgetItem(value)
            item.setToolTip(value)
            view.setItem(r, c, item)
    return view


ROWS = [
    ["A1", "Vanderbilt-Montgomery, Alexandria", "Sertraline Hydrochloride 25 mg tablet", "30 tablets"],
    ["C4", "Lee, Al", "[C-II] Oxycodone and Acetaminophen 5 mg/325 mg tablet", "120 tablets"],
]


@pytest.mark.parametrize("width", [420, 560, 900, 1600])
def test_the_drug_keeps_its_strength_the_name_gives_way(qtbot, width):
    view = table(ROWS)
    qtbot.addWidget(view)
    fit_columns(view, stretch=2, shrink=(1,))
    view.resize(width, 200)
    view.show()
    qtbot.waitExposed(view)
    QApplication.processEvents()
    metrics = view.fontMetrics()
    total = sum(view.columnWidth(c) for c in range(4))
    assert total <= view.viewport().width()  # no column out of sight
    assert [c for c in find_clipping(view) if c.kind in ("scrollbar", "header")] == []
    if width < 500:  # too narrow for all: the drug elides (its tooltip has it), then every column narrows
        return
    for column in (0, 3):  # codes and quantities: whole
        for row in range(view.rowCount()):
            assert view.columnWidth(column) >= metrics.horizontalAdvance(view.item(row, column).text()) + 8
    for row in range(view.rowCount()):
        kept = through_strength(view.item(row, 2).text())
        assert view.columnWidth(2) >= metrics.horizontalAdvance(kept) + CELL_MARGIN - 2
    if width >= 900:  # room for all: nothing elides, the drug takes the rest
        assert view.columnWidth(1) >= metrics.horizontalAdvance(ROWS[0][1]) + 8
        assert total == view.viewport().width()
    if width == 560:  # tight: the patient's name gave way, not the drug
        assert view.columnWidth(1) < metrics.horizontalAdvance(ROWS[0][1])


def test_new_rows_are_fitted(qtbot):
    view = table([["A1", "Lee, Al", "Lisinopril 10 mg tablet", "30 tablets"]])
    qtbot.addWidget(view)
    fit_columns(view, stretch=2, shrink=(1,))
    view.resize(900, 200)
    view.show()
    qtbot.waitExposed(view)
    view.setRowCount(2)
    for c, value in enumerate(["B2", "Montgomery-Vanderbilt, Alexandria", "Aspirin 81 mg tablet", "1,000 tablets"]):
        view.setItem(1, c, QTableWidgetItem(value))
    qtbot.waitUntil(lambda: view.columnWidth(3) >= view.fontMetrics().horizontalAdvance("1,000 tablets") + 8)


def test_an_optional_column_steps_aside_while_narrow_and_comes_back(qtbot):
    view = table(ROWS)
    qtbot.addWidget(view)
    fit_columns(view, stretch=2, shrink=(1,), optional=(3,))
    view.resize(440, 200)
    view.show()
    qtbot.waitExposed(view)
    QApplication.processEvents()
    assert view.isColumnHidden(3)  # the quantity stepped aside so the drug keeps its strength
    kept = through_strength(ROWS[1][2])
    assert view.columnWidth(2) >= view.fontMetrics().horizontalAdvance(kept) + CELL_MARGIN - 2
    view.resize(1400, 200)
    QApplication.processEvents()
    assert not view.isColumnHidden(3)
    assert sum(view.columnWidth(c) for c in range(4)) == view.viewport().width()
