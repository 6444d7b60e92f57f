"""Will-call's first showing does not build the sale page (issue 18, the GUI never stalls): the page is
built a part per idle turn after will-call shows, or whole the first time anything needs it, and a
bag opened at any point of that build opens on the whole, wired page."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from pharmacy_desktop.config import Config
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.screens.pickup import PickupScreen
from pharmacy_desktop.ui.widgets.pickup_sale import SalePage
from tests.fill import factories as f
from tests.pos.conftest import pos, ready_rx  # noqa: F401 - pos is a fixture

pytestmark = pytest.mark.ui

WAIT = 10_000
SALE_KEYS = ("Alt+E", "Alt+G", "Alt+I", "Alt+O", "Alt+T", "Alt+M", "Alt+R", "Alt+K", "Ctrl+K", "Ctrl+D", "Escape")


@pytest.fixture
def screen(qtbot, uow_factory, actors):
    context = AppContext(uow_factory=uow_factory, config=Config(workstation_name="test-ws"), workstation="test-ws")
    screen = PickupScreen(context, actors["technician"])
    qtbot.addWidget(screen)
    screen.resize(1280, 800)
    with qtbot.waitActive(screen):
        screen.show()
        screen.activateWindow()
    return screen


def sale_pages(screen: PickupScreen) -> list[SalePage]:
    return screen.findChildren(SalePage)


def test_will_call_shows_without_the_sale_page_and_its_keys_do_not_build_it(qtbot, screen):
    assert sale_pages(screen) == [] and screen.built_sale() is None
    screen.set_actor(screen.actor)  # the shell's hooks on a new user and on sign-out
    screen.clear_sensitive()
    screen.finder.search.setFocus()
    for keys in SALE_KEYS:
        QTest.keySequence(screen.finder.search, keys)
    screen.close_sale()
    screen.counsel_accepted()
    screen.counsel_declined()
    screen.complete()
    assert sale_pages(screen) == [] and screen.built_sale() is None
    assert screen.pages.currentWidget() is screen.finder


def test_the_sale_page_is_built_in_idle_turns_once_will_call_shows(qtbot, screen):
    screen.activate()  # as the shell does when it shows the screen
    assert sale_pages(screen) == [], "the sale page was built in will-call's first turn"
    qtbot.waitUntil(lambda: screen.built_sale() is not None, timeout=WAIT)
    [page] = sale_pages(screen)
    assert page.built and screen.sale is page and screen.pages.currentWidget() is screen.finder
    assert page.tender.gate is not None  # the controlled-substance gate on tenders is wired


def test_a_bag_opened_half_way_through_the_build_opens_on_the_whole_page(qtbot, uow_factory, actors, pos, screen):  # noqa: F811
    _rx_id, _refill_id, number = ready_rx(uow_factory, actors, pos, f.LISINOPRIL_20_100)
    screen.sale_later.step()  # two parts of the page, as two idle turns would
    screen.sale_later.step()
    [page] = sale_pages(screen)
    assert not page.built and screen.built_sale() is None
    screen.handle_scan(number)
    qtbot.waitUntil(lambda: screen.cart is not None and screen.cart.quote is not None, timeout=WAIT)
    assert page.built and screen.built_sale() is page and screen.pages.currentWidget() is page
    assert page.patient.text() == "Gonzalez, Maria" and len(page.items.rows) == 1
    screen.sale_later.step()  # the idle turns' timer fires after all: nothing more is built or wired
    assert sale_pages(screen) == [page]
    # the page's signals reach the screen once each: Space leaves the line, a new quote is asked for
    page.items.setFocus()
    page.items.selectRow(0)
    QTest.keyClick(page.items, Qt.Key.Key_Space)
    assert screen.cart is not None and screen.cart.taken() == []
    assert "something to sell" in page.missing.text()


def test_will_calls_tables_come_in_the_turns_after_its_first(qtbot, screen):
    from pharmacy_desktop.ui.widgets.fill_common import RowsTable
    from pharmacy_desktop.ui.widgets.pickup_find import FindPanel

    panel = FindPanel(screen.context, screen.actor)
    qtbot.addWidget(panel)
    assert panel.findChildren(RowsTable) == [], "will-call's first turn built its tables"
    qtbot.waitUntil(lambda: len(panel.findChildren(RowsTable)) == 2, timeout=WAIT)
    assert panel.bin_table.objectName() == "binTable" and panel.table.objectName() == "willCallTable"
    other = FindPanel(screen.context, screen.actor)  # a list that comes in first builds its table at once
    qtbot.addWidget(other)
    other.show_rows([], "Everything in will-call")
    assert other.table.rowCount() == 0 and other.findChildren(RowsTable) == [other.table]
    assert other.caption.text().startswith("No prescriptions ready")
