"""Issue 18: a drug's name is never elided before its strength (the form, the package go first).

The check itself (:func:`find_lost_strength`) on plain tables, the delegate that keeps a drug line
whole through its strength (``ui/widgets/drug_lines``), and the queues of clinical review, fill and
final verification and inventory's stock with the demo pharmacy at the three sizes.
"""

from __future__ import annotations

import pytest
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QApplication, QTableView

from pharmacy_desktop.config import Config
from pharmacy_desktop.services import auth
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.fit_check import find_clipping, find_lost_strength
from pharmacy_desktop.ui.screens.fill import FillScreen
from pharmacy_desktop.ui.screens.inventory import InventoryScreen
from pharmacy_desktop.ui.screens.registry import screen_classes
from pharmacy_desktop.ui.screens.review import ReviewScreen
from pharmacy_desktop.ui.screens.verify import VerifyScreen
from pharmacy_desktop.ui.screenshots import settle
from pharmacy_desktop.ui.widgets.drug_lines import cell_lines, fit_rows_to_lines, short_line, shown_text

pytestmark = pytest.mark.ui
SIZES = ((1024, 768), (1280, 800), (1920, 1080))
WORKSTATION = "strength-ws"


@pytest.fixture(scope="module")
def demo_shell_context(demo_module_url):
    """An AppContext over the module's copy of the demo pharmacy, and the demo's account ids by role."""
    from pharmacy_desktop.cli.screenshots import active_accounts
    from pharmacy_desktop.db.engine import make_engine, make_session_factory
    from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory

    engine = make_engine(demo_module_url)
    factory = UnitOfWorkFactory(make_session_factory(engine), workstation=WORKSTATION)
    context = AppContext(
        uow_factory=factory,
        config=Config(workstation_name=WORKSTATION),
        workstation=WORKSTATION,
        database_url=demo_module_url,
    )
    yield context, active_accounts(factory)
    engine.dispose()


def _shell(qtbot, context, actor, size):
    from pharmacy_desktop.ui.main_window import MainWindow

    window = MainWindow(context, actor, screen_classes())
    qtbot.addWidget(window)
    window.set_database_connected(True)
    window.resize(*size)
    window.show()
    return window


LONG = "Moore, Charles\n[C-II] Hydrocodone Bitartrate and Acetaminophen 10 mg/325 mg tablet"


def _table(qtbot, texts: list[str], width: int) -> QTableView:
    model = QStandardItemModel(len(texts), 1)
    for row, text in enumerate(texts):
        item = QStandardItem(text)
        item.setToolTip(text)
        model.setItem(row, 0, item)
    view = QTableView()
    view.setModel(model)
    view.horizontalHeader().setStretchLastSection(True)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().lineSpacing() * 2 + 12)
    qtbot.addWidget(view)
    view.resize(width, 400)
    view.show()
    QApplication.processEvents()
    return view


def test_short_line_drops_the_form_and_keeps_the_schedule_and_a_count():
    assert short_line("[C-IV] Lorazepam 1 mg tablet") == "[C-IV] Lorazepam 1 mg"
    assert short_line("Metformin Hydrochloride 500 mg ER tablet") == "Metformin Hydrochloride 500 mg ER"
    assert short_line("Amoxicillin 500 mg capsule (+1 more)") == "Amoxicillin 500 mg (+1 more)"
    assert short_line("Moore, Charles") == "Moore, Charles"


def test_a_drug_cell_elided_before_its_strength_is_found_even_with_a_tooltip(qtbot):
    view = _table(qtbot, [LONG, "Garcia, Maria\nAmoxicillin 250 mg capsule"], 260)
    lost = find_lost_strength(view)
    assert [c.text for c in lost] == ["[C-II] Hydrocodone Bitartrate and Acetaminophen 10 mg/325 mg"]
    assert lost[0].kind == "strength"
    assert find_clipping(view) == lost  # elided with the tooltip: only the strength check finds it


def test_the_drug_lines_delegate_shows_the_strength_dropping_the_form_then_wrapping(qtbot):
    view = _table(qtbot, [LONG, "Garcia, Maria\nAmoxicillin 250 mg capsule"], 260)
    fit_rows_to_lines(view, 0)
    QApplication.processEvents()
    assert find_lost_strength(view) == []
    shown = "\n".join(cell_lines(shown_text(view, view.model().index(0, 0)))).replace("\u00a0", " ")
    assert shown.endswith("10 mg/325 mg") and "tablet" not in shown  # the form went first
    assert view.rowHeight(0) > view.rowHeight(1)  # the long name wrapped: its row grew
    wide = _table(qtbot, [LONG], 900)
    fit_rows_to_lines(wide, 0)
    QApplication.processEvents()
    assert shown_text(wide, wide.model().index(0, 0)).replace("\u2028", "\n") == LONG  # room: whole


@pytest.mark.db
@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
@pytest.mark.parametrize(
    "cls", [ReviewScreen, FillScreen, VerifyScreen, InventoryScreen], ids=lambda cls: cls.screenshot_name()
)
def test_the_queues_show_every_drug_through_its_strength(qtbot, app_look, demo_shell_context, cls, size):
    context, ids = demo_shell_context
    window = _shell(qtbot, context, auth.actor_for(context.uow_factory, ids["pharmacist"], WORKSTATION), size)
    screen = next(s for s in window.screens if type(s) is cls)
    assert window.show_screen(screen)
    settle()
    screen.prepare_screenshot()
    settle(minimum=0.1)
    tables = [v for v in screen.findChildren(QTableView) if v.isVisible() and v.model() is not None]
    assert any(v.model().rowCount() > 0 for v in tables)  # the demo's queue (or stock) is on screen
    lost = find_lost_strength(screen)
    assert not lost, f"{cls.__name__} at {size[0]}x{size[1]}:\n" + "\n".join(str(c) for c in lost)
    assert not find_clipping(window)
    window.close()
    QApplication.processEvents()
