"""Will-call's Patient column at 1024x768, 1280x800 and 1920x1080 with the demo pharmacy: every name
whole (the person at the counter is found by it; issue 18 "names people read"), the drug through its
strength, nothing clipped on the screen. The Rx number and the quantity step aside before a name is cut."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFontMetrics

from pharmacy_desktop.config import Config
from pharmacy_desktop.services import auth
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.fit_check import find_clipping
from pharmacy_desktop.ui.screens.pickup import PickupScreen
from pharmacy_desktop.ui.screenshots import settle
from pharmacy_desktop.ui.widgets.column_fit import through_strength
from tests.shell.windows import SharedShells

pytestmark = [pytest.mark.ui, pytest.mark.db]

SIZES = ((1024, 768), (1280, 800), (1920, 1080))
WORKSTATION = "fit-ws"
WAIT = 15_000
PATIENT, DRUG = 1, 3
MARGIN = 8  # the delegate's margins around a cell's text (as ui/fit_check measures a cell)


@pytest.fixture(scope="module")
def context(qapp, demo_module_url) -> AppContext:
    from pharmacy_desktop.db.engine import make_engine, make_session_factory
    from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory

    engine = make_engine(demo_module_url)
    factory = UnitOfWorkFactory(make_session_factory(engine), workstation=WORKSTATION)
    yield AppContext(
        uow_factory=factory,
        config=Config(workstation_name=WORKSTATION),
        workstation=WORKSTATION,
        database_url=demo_module_url,
    )
    engine.dispose()


@pytest.fixture(scope="module")
def shells(module_look, context):
    with SharedShells(context) as shells:
        yield shells


def cut_names(table) -> list[str]:
    """The patients' names the column does not show whole (with the room each had and needed)."""
    metrics = QFontMetrics(table.font())
    width = table.columnWidth(PATIENT)
    return [
        f"{text!r}: {width} px, needs {metrics.horizontalAdvance(text) + MARGIN}"
        for row in range(table.rowCount())
        if (text := table.item(row, PATIENT).text()) and metrics.horizontalAdvance(text) + MARGIN > width
    ]


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_patient_name_is_whole_at_will_call(qtbot, shells, size):
    from pharmacy_desktop.cli.screenshots import active_accounts

    factory = shells.context.uow_factory
    actor = auth.actor_for(factory, active_accounts(factory)["pharmacist"], WORKSTATION)
    window = shells.get(qtbot, actor, size)
    screen = window.screen_of(PickupScreen)
    assert window.show_screen(screen)
    finder = screen.finder
    finder.show_all()
    qtbot.waitUntil(lambda: finder.mode == "all" and finder.table.rowCount() >= 5, timeout=WAIT)
    settle(minimum=0.1)
    table = finder.table
    assert not table.isColumnHidden(PATIENT) and not table.isColumnHidden(DRUG)
    assert cut_names(table) == [], f"names cut at {size}"
    metrics = QFontMetrics(table.font())
    for row in range(table.rowCount()):  # the drug keeps its strength beside the whole names
        drug = table.item(row, DRUG).text()
        assert table.columnWidth(DRUG) >= metrics.horizontalAdvance(through_strength(drug)) + MARGIN, drug
    assert find_clipping(screen) == []
