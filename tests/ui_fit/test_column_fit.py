"""ColumnFit, the one column-fitting widget: numbers at their width, the drug takes the room left
and is never cut before its strength, the names give way first, optional columns step aside least
important first (a narrow one comes back in the room a wide one left), the stretch column keeps its
share of the width, and no sideways scroll bar at any width (table widgets and views on a model)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QApplication, QTableView, QTableWidget, QTableWidgetItem

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
        ("[C-II] Oxycodone and Acetaminophen 10 mg/325 mg tablet", "[C-II] Oxycodone and Acetaminophen 10 mg/325 mg"),
        ("Fentanyl 25 mcg/hr patch", "Fentanyl 25 mcg/hr"),
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


# -- on a view with a model: drug lookup, users, audit trail ---------------------------------------

LOOKUP = ("Oxycodone Hydrochloride and Acetaminophen 10 mg/325 mg tablet", "C-II", "0406-0523-01", "100 tablet")


def model_view(qtbot, headers, rows) -> QTableView:
    model = QStandardItemModel(0, len(headers))
    model.setHorizontalHeaderLabels(headers)
    for values in rows:
        items = [QStandardItem(text) for text in values]
        for item in items:
            item.setToolTip(item.text())
        model.appendRow(items)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.model_ = model  # kept alive with the view
    return view


def shown(view) -> list[int]:
    return [c for c in range(view.model().columnCount()) if not view.isColumnHidden(c)]


def test_the_drug_gets_the_room_the_package_elides_then_steps_aside(qtbot):
    view = model_view(qtbot, ["Drug", "Sched.", "NDC", "Package"], [LOOKUP] * 3)
    view.setWordWrap(False)  # as drug lookup's: wrapped into a one-line row, the strength would be cut below
    fitter = fit_columns(view, stretch=0, shrink=(3,), optional=(3,))
    view.resize(420, 200)
    view.show()
    qtbot.waitExposed(view)
    fitter.fit()
    header = view.horizontalHeader()
    assert sum(header.sectionSize(c) for c in shown(view)) <= view.viewport().width()
    assert header.sectionSize(0) > max(header.sectionSize(c) for c in (1, 2, 3))  # the drug has the room
    # what elides has its tooltip; nothing runs off the edge (at 420 px not even the drug through its
    # strength fits one line: drug lookup wraps it with ui/widgets/drug_lines, find_clipping's "strength")
    assert [c for c in find_clipping(view) if c.kind != "strength"] == []
    view.resize(1000, 200)
    QApplication.processEvents()
    assert shown(view) == [0, 1, 2, 3]
    assert header.sectionSize(0) >= view.fontMetrics().horizontalAdvance(LOOKUP[0])  # whole when there is room


USERS = [
    ("Alexandria Vanderbilt-Montgomery", "avandermont", "Pharmacist", "RPH-0012345-IL", "Active", "PIN, badge",
     "2026-12-01 08:02"),
    ("Al Lee", "alee", "Technician", "", "Locked until 14:05", "—", "2026-11-30 17:45"),
]  # fmt: skip
USER_HEADERS = ["Name", "Username", "Role", "License", "Status", "Quick switch", "Last sign-in"]
LEAST_FIRST = (3, 5, 6, 1, 4, 2)  # license, quick switch, last sign-in, username, status, role


@pytest.mark.parametrize("width", [360, 520, 700, 1400])
def test_optional_columns_step_aside_least_important_first_and_the_name_stays_whole(qtbot, width):
    view = model_view(qtbot, USER_HEADERS, USERS)
    fit_columns(view, stretch=0, optional=LEAST_FIRST)
    view.resize(width, 200)
    view.show()
    qtbot.waitExposed(view)
    QApplication.processEvents()
    metrics = view.fontMetrics()
    visible = shown(view)
    assert sum(view.columnWidth(c) for c in visible) <= view.viewport().width()
    assert [c for c in find_clipping(view) if c.kind in ("scrollbar", "header")] == []
    hidden = [c for c in LEAST_FIRST if c not in visible]
    # what steps aside goes least important first (a narrow one may stay after a wide one left)
    assert all(LEAST_FIRST.index(h) <= max(LEAST_FIRST.index(c) for c in hidden) for h in hidden)
    if width >= 520:  # the name stays whole; every shown column whole
        for c in visible:
            for row in USERS:
                assert view.columnWidth(c) >= metrics.horizontalAdvance(row[c]) + CELL_MARGIN - 2, (c, row[c])
    if width == 1400:
        assert visible == list(range(7)) and sum(view.columnWidth(c) for c in visible) == view.viewport().width()
    if width == 360:
        assert 3 not in visible and 5 not in visible  # license and quick switch first


def test_a_narrow_column_comes_back_in_the_room_a_wide_one_left(qtbot):
    rows = [("Lisinopril 10 mg tablet", "x" * 60, "B2", "Some rather long details here")]
    view = model_view(qtbot, ["Drug", "Wide", "Bin", "More"], rows)
    fit_columns(view, stretch=0, optional=(2, 1, 3))
    metrics = view.fontMetrics()
    need = (
        max(metrics.horizontalAdvance(rows[0][0]), view.horizontalHeader().sectionSizeHint(0))
        + max(metrics.horizontalAdvance(rows[0][2]), view.horizontalHeader().sectionSizeHint(2))
        + 2 * CELL_MARGIN
    )
    view.resize(need + 120, 200)  # room for the drug and the bin, not the wide column
    view.show()
    qtbot.waitExposed(view)
    QApplication.processEvents()
    assert view.isColumnHidden(1)  # the wide one stepped aside ...
    assert not view.isColumnHidden(2)  # ... and the bin, dropped before it, came back


def test_the_stretch_column_keeps_its_share(qtbot):
    rows = [("2026-12-01 08:02", "Signed in", "Al Lee (alee)", "front-1", "Session", "x " * 80)]
    view = model_view(qtbot, ["When", "Event", "By", "Workstation", "About", "Details"], rows)
    fit_columns(view, stretch=5, keep=None, optional=(3, 4, 2, 1, 0), stretch_share=0.25)
    view.resize(560, 200)
    view.show()
    qtbot.waitExposed(view)
    QApplication.processEvents()
    assert view.columnWidth(5) >= view.viewport().width() // 4
    assert view.isColumnHidden(3)  # the workstation stepped aside for the details' quarter
    assert not view.isColumnHidden(0)
