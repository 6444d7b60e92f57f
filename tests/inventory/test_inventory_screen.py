"""The inventory screen (F8) driven the way the counter drives it: a wedge scanner and the keyboard,
against the real PostgreSQL, the inventory invariants checked after each scenario."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from pharmacy_desktop.services import inventory_view
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.screens.inventory import InventoryScreen
from pharmacy_desktop.ui.widgets.inventory_stock import StockPage
from tests.fill import factories as f
from tests.fill.ui_helpers import Counter, context_for
from tests.inventory.adjust_world import dispense
from tests.inventory.invariants import assert_inventory_invariants
from tests.inventory.view_world import stock_shelf
from tests.shell.windows import DISPLAY, open_shell, settle

pytestmark = pytest.mark.ui

D = Decimal
WAIT = 10_000
DOCS = Path(__file__).resolve().parents[2] / "docs"
ALT = Qt.KeyboardModifier.AltModifier


@pytest.fixture
def shelf(uow_factory, actors):
    return stock_shelf(uow_factory, actors)


@pytest.fixture
def inventory(qtbot, uow_factory, actors, shelf):
    """The F8 screen for a technician, 1280x800, active, with a scanner and a keyboard on it."""
    screen = InventoryScreen(context_for(uow_factory), actors["technician"])
    qtbot.addWidget(screen)
    screen.resize(*DISPLAY)
    with qtbot.waitActive(screen):
        screen.show()
        screen.activateWindow()
    screen.activate()
    counter = Counter(screen)
    yield screen, counter
    counter.close()


def listed(page: StockPage) -> list[str]:
    return [page.items.item(r, 0).text() for r in range(page.items.rowCount())]


def wait_listed(qtbot, page: StockPage, expected: list[str]) -> None:
    qtbot.waitUntil(lambda: listed(page) == expected, timeout=WAIT)


ALL = ["Lisinopril 10 mg TABLET", "Lisinopril 20 mg TABLET", "Metformin Hydrochloride 500 mg TABLET"]
OXY = "[CII] Oxycodone Hydrochloride 5 mg TABLET"


def test_stock_search_as_you_type_filters_by_keys_and_lots_of_the_item(qtbot, inventory, engine):
    screen, counter = inventory
    page = screen.page(StockPage)
    wait_listed(qtbot, page, [*ALL, OXY])
    assert QApplication.focusWidget() is page.search  # the screen opens ready to type

    counter.type("metf")
    wait_listed(qtbot, page, ["Metformin Hydrochloride 500 mg TABLET"])
    row = [page.items.item(0, c).text() for c in range(page.items.columnCount())]
    assert row[1:3] == ["64725-0102-01", "30 tablet  ▼ LOW"] and row[3:5] == ["50", "500"]
    assert row[5].endswith("(in 20 d)") and row[6] == "A-13"

    counter.press(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    counter.press(Qt.Key.Key_Backspace)
    counter.press(Qt.Key.Key_Return)
    wait_listed(qtbot, page, [*ALL, OXY])
    counter.press(Qt.Key.Key_N, ALT)  # controlled only
    wait_listed(qtbot, page, [OXY])
    counter.press(Qt.Key.Key_N, ALT)
    counter.press(Qt.Key.Key_Q, ALT)  # quarantined only
    wait_listed(qtbot, page, ["Lisinopril 10 mg TABLET"])
    assert "80 set aside" in page.items.item(0, 7).text()
    counter.press(Qt.Key.Key_Q, ALT)
    counter.press(Qt.Key.Key_B, ALT)  # below the reorder point
    wait_listed(qtbot, page, ["Metformin Hydrochloride 500 mg TABLET"])
    counter.press(Qt.Key.Key_B, ALT)
    counter.press(Qt.Key.Key_X, ALT)  # expiring within: 30 days
    counter.press(Qt.Key.Key_Down)
    wait_listed(qtbot, page, ["Metformin Hydrochloride 500 mg TABLET"])
    assert page.expiring.currentData() == 30
    counter.press(Qt.Key.Key_Up)
    wait_listed(qtbot, page, [*ALL, OXY])

    # into the list; the lots of the selected item, read live
    counter.press(Qt.Key.Key_F, ALT)
    counter.press(Qt.Key.Key_Down)
    assert QApplication.focusWidget() is page.items
    assert page.items.currentRow() == 2  # the item selected before (metformin) stays selected
    counter.press(Qt.Key.Key_Up)
    counter.press(Qt.Key.Key_Up)
    assert page.items.currentRow() == 0
    qtbot.waitUntil(lambda: page.lots.rowCount() == 2, timeout=WAIT)
    lots = [[page.lots.item(r, c).text() for c in (0, 4, 5)] for r in range(2)]
    assert lots == [
        ["L10-B", "100 tablet", "on the shelf"],
        ["L10-A", "80 tablet", "RECALLED — set aside: Dissolution failure"],
    ]
    assert "on hand now <b>100 tablet</b>" in page.item_line.text()
    counter.press(Qt.Key.Key_Return)
    assert QApplication.focusWidget() is page.lots
    counter.press(Qt.Key.Key_Escape)
    assert QApplication.focusWidget() is page.items
    assert_inventory_invariants(engine)


def test_a_scan_on_the_stock_page_finds_the_item_and_says_what_is_not_stocked(qtbot, inventory):
    screen, counter = inventory
    page = screen.page(StockPage)
    wait_listed(qtbot, page, [*ALL, OXY])
    counter.scan(f.OXYCODONE_5.datamatrix("O-1", dt.date.today().replace(year=dt.date.today().year + 1), "S1"))
    wait_listed(qtbot, page, [OXY])
    assert page.search.text() == "00406-0552-01" and "Scanned: Oxycodone" in page.message.text()
    qtbot.waitUntil(lambda: page.lots.rowCount() == 1, timeout=WAIT)
    assert page.lots.item(0, 0).text() == "O-1"

    counter.scan(f.ZESTRIL_20.upc)
    qtbot.waitUntil(lambda: "not stocked here" in page.message.text(), timeout=WAIT)
    assert page.message.kind == "problem" and "Zestril" in page.message.text()
    assert listed(page) == [OXY]  # what was listed stays


def test_a_stock_change_elsewhere_refreshes_the_list_in_the_background(qtbot, inventory, uow_factory, actors, shelf):
    screen, counter = inventory
    page = screen.page(StockPage)
    page.refresher.timer.setInterval(50)
    wait_listed(qtbot, page, [*ALL, OXY])
    metformin = listed(page).index("Metformin Hydrochloride 500 mg TABLET")
    assert page.items.item(metformin, 2).text() == "30 tablet  ▼ LOW"
    dispense(uow_factory, actors["pharmacist"].user_id, shelf["metformin"], "M-1", 12)  # a fill at another counter
    screen.on_change({"topic": "inventory", "id": str(shelf["metformin"])})
    qtbot.waitUntil(lambda: page.items.item(metformin, 2).text() == "18 tablet  ▼ LOW", timeout=WAIT)


def test_the_screen_is_f8_and_its_pages_have_alt_keys(qtbot, uow_factory, actors, shelf):
    context = context_for(uow_factory)
    window, screen = open_shell(qtbot, context, actors["manager"], InventoryScreen)
    assert screen.key == "F8" and window.current_screen() is screen
    labels = [screen.tabs.tabText(i) for i in range(screen.tabs.count())]
    assert labels[0] == "S&tock"
    keys = {label.split("&")[1][0].upper() for label in labels}
    assert len(keys) == len(labels) and not keys & {"H", "U", "A", "S"}  # none silences a shell key


def test_screenshot_of_the_stock_page(qtbot, uow_factory, actors, shelf, tmp_path):
    """docs/inventory.png (with PHARMACY_SCREENSHOTS=1; a temporary file otherwise)."""
    context = AppContext(uow_factory=uow_factory, config=context_for(uow_factory).config, workstation="test-ws")
    window, screen = open_shell(qtbot, context, actors["pharmacist"], InventoryScreen)
    page = screen.page(StockPage)
    wait_listed(qtbot, page, [*ALL, OXY])
    page.items.setFocus()
    page.items.selectRow(0)
    qtbot.waitUntil(lambda: page.lots.rowCount() == 2, timeout=WAIT)
    settle()
    assert window.size().width() == DISPLAY[0] and window.size().height() == DISPLAY[1]
    out = DOCS if os.environ.get("PHARMACY_SCREENSHOTS") == "1" else tmp_path
    assert window.grab().save(str(out / "inventory.png"))
    assert inventory_view.EXPIRY_WINDOWS == (30, 60, 90)
