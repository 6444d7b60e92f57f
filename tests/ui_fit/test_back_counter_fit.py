"""The back of the counter fits 1024x768, 1280x800 and 1920x1080 with the demo pharmacy on screen:
pickup / will-call (the find page, a bin, a search, return to stock, a controlled and a plain sale),
every inventory page, a patient on every tab, patient messages and the print queue.

Each state is shown in the shell and :func:`find_clipping` must find nothing on the screen (the
shell's own bars are the shell's tests). The screens also stay narrow enough for the navigation
beside them on a 1024 px display, the bins take only the room they need, and the drug of a bag is
never cut before its strength.

The tests of one size share one pharmacist's shell (tests/shell/windows.SharedShells; each test looks
at screens the others do not touch): ``size`` is a module-scoped parameter, so pytest runs the tests
size by size, and under xdist a size's tests stay on one worker.
"""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QTableWidget

from pharmacy_desktop.config import Config
from pharmacy_desktop.services import auth, patients
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.fit_check import find_clipping
from pharmacy_desktop.ui.screens.inventory import InventoryScreen
from pharmacy_desktop.ui.screens.messages import MessagesScreen
from pharmacy_desktop.ui.screens.patients import PatientsScreen
from pharmacy_desktop.ui.screens.pickup import PickupScreen
from pharmacy_desktop.ui.screens.print_queue import PrintQueueScreen
from pharmacy_desktop.ui.screenshots import settle
from pharmacy_desktop.ui.widgets.column_fit import CELL_MARGIN, through_strength
from pharmacy_desktop.ui.widgets.pickup_find import NOTHING_READY
from tests.shell.windows import SharedShells
from tests.ui_fit.states import demo_factory, size_params

pytestmark = [pytest.mark.ui, pytest.mark.db]

SIZES = ((1024, 768), (1280, 800), (1920, 1080))
WORKSTATION = "fit-ws"
WAIT = 15_000
SCREEN_ROOM = 800  # px a screen may need: 1024 less the navigation (~200) and the margins


@pytest.fixture(scope="module")
def demo(demo_module_url):
    with demo_factory(demo_module_url, WORKSTATION) as demo:
        yield demo


@pytest.fixture(scope="module")
def context(qapp, demo) -> AppContext:
    factory, url = demo
    return AppContext(
        uow_factory=factory, config=Config(workstation_name=WORKSTATION), workstation=WORKSTATION, database_url=url
    )


@pytest.fixture(scope="module")
def shells(module_look, context):
    with SharedShells(context) as shells:
        yield shells


@pytest.fixture(scope="module", params=size_params(SIZES, "back-counter"))
def size(request) -> tuple[int, int]:
    return request.param


def actor_for(context: AppContext, role: str):
    from pharmacy_desktop.cli.screenshots import active_accounts

    return auth.actor_for(context.uow_factory, active_accounts(context.uow_factory)[role], WORKSTATION)


def open_at(qtbot, shells, cls, size, role="pharmacist"):
    window = shells.get(qtbot, actor_for(shells.context, role), size)
    screen = window.screen_of(cls)
    assert window.show_screen(screen)
    settle(minimum=0.1)
    return window, screen


def assert_readable(screen, what: str) -> None:
    settle(minimum=0.1)
    clips = find_clipping(screen)
    assert clips == [], f"{what}: " + "; ".join(str(c) for c in clips)
    assert screen.minimumSizeHint().width() <= SCREEN_ROOM, f"{what} needs {screen.minimumSizeHint().width()} px"


def drug_room(table: QTableWidget, column: int) -> None:
    """Every drug in the column is readable through its strength (the form may elide)."""
    metrics = QFontMetrics(table.font())
    for row in range(table.rowCount()):
        text = table.item(row, column).text()
        needed = metrics.horizontalAdvance(through_strength(text)) + CELL_MARGIN
        assert table.columnWidth(column) >= needed - 2, f"{text!r} cut before its strength"


# -- pickup / will-call ------------------------------------------------------------------------------


def test_will_call_and_the_sale_fit(qtbot, shells, size):
    window, screen = open_at(qtbot, shells, PickupScreen, size)
    finder = screen.finder
    qtbot.waitUntil(lambda: finder.table.rowCount() >= 5 and finder.bin_table.rowCount() >= 8, timeout=WAIT)
    assert_readable(screen, "will-call")
    drug_room(finder.table, 3)
    # the bins take only the room they need: the empty ones hidden (one check box shows them)
    occupied = [row for row, b in enumerate(finder.bins) if b.count]
    shown = [row for row in range(finder.bin_table.rowCount()) if not finder.bin_table.isRowHidden(row)]
    assert shown == occupied and len(occupied) < len(finder.bins)
    assert finder.left.width() <= 0.25 * screen.width(), "the bins take more than a quarter of the screen"
    finder.show_empty.setChecked(True)
    settle(minimum=0.1)
    assert not any(finder.bin_table.isRowHidden(row) for row in range(finder.bin_table.rowCount()))
    assert_readable(screen, "will-call with the empty bins")
    finder.show_empty.setChecked(False)

    finder.open_bin(occupied[0])
    qtbot.waitUntil(lambda: finder.mode == "bin" and finder.table.rowCount() >= 1, timeout=WAIT)
    assert_readable(screen, "a bin")
    finder.show_stale()
    qtbot.waitUntil(lambda: finder.headline.text().startswith("Waiting more than"), timeout=WAIT)
    assert_readable(screen, "return to stock")

    for name in ("Hill", "Thompson"):  # a C-IV (the picker's ID) and a plain bag
        finder.show_all()
        qtbot.waitUntil(lambda: finder.mode == "all" and finder.table.rowCount() >= 5, timeout=WAIT)
        row = next(r for r in finder.rows if r.patient_name.startswith(name))
        screen.open_patient(row.patient_id)
        qtbot.waitUntil(lambda: screen.cart is not None and screen.cart.quote is not None, timeout=WAIT)
        assert_readable(screen, f"the sale of {name}'s bag")
        assert screen.sale.identity.id_box.isVisible() == (name == "Hill")
        screen.close_sale()


def test_an_empty_will_call_says_what_to_do_next(qtbot, app_look, context):
    screen = PickupScreen(context, actor_for(context, "technician"))
    qtbot.addWidget(screen)
    finder = screen.finder
    finder.set_mode("all")
    finder.show_rows([], "Everything in will-call")
    assert finder.caption.text() == NOTHING_READY
    finder.set_mode("search")
    finder.show_rows([], "Patients matching 'zz'")
    assert "scan the bag" in finder.caption.text()
    finder.show_bins([])
    assert finder.bin_table.rowCount() == 0


# -- inventory ---------------------------------------------------------------------------------------


def test_every_inventory_page_fits(qtbot, shells, size):
    window, screen = open_at(qtbot, shells, InventoryScreen, size)
    stock = screen.pages[0]
    qtbot.waitUntil(lambda: stock.items.rowCount() >= 10, timeout=WAIT)
    assert_readable(screen, "inventory stock")
    if size[0] >= 1280:  # at 1024 the demo's longest combination (two strengths) elides; its tooltip has it
        drug_room(stock.items, 0)
    for index in range(1, screen.tabs.count()):
        if not screen.tabs.isTabVisible(index):
            continue
        screen.tabs.setCurrentIndex(index)
        assert_readable(screen, f"inventory {screen.tabs.tabText(index).replace('&', '')}")


# -- patients, messages, print queue -----------------------------------------------------------------


def test_a_patient_on_every_tab_fits(qtbot, shells, size):
    window, screen = open_at(qtbot, shells, PatientsScreen, size)
    assert screen.search_hint.isVisible()  # the empty page says what to do
    assert_readable(screen, "patients, nobody chosen")
    hit = patients.search_patients(shells.context.uow_factory, screen.actor, "Hill")[0]
    screen.open_patient(hit.patient_id)
    qtbot.waitUntil(lambda: hit.display_name.split(",")[0] in screen.banner.name.text(), timeout=WAIT)
    tabs = screen.form.tabs
    for index in range(tabs.count()):
        tabs.setCurrentIndex(index)
        assert_readable(screen, f"patient tab {tabs.tabText(index).replace('&', '')}")


def test_messages_and_print_queue_fit(qtbot, shells, size):
    window, screen = open_at(qtbot, shells, MessagesScreen, size)
    qtbot.waitUntil(lambda: screen.model.rowCount() >= 3, timeout=WAIT)
    assert_readable(screen, "patient messages")
    queue = window.screen_of(PrintQueueScreen)
    assert window.show_screen(queue)
    assert_readable(queue, "print queue")
