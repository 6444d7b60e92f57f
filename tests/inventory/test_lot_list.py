"""Inventory > Stock > Lots as a technician reads it (issue 18 item 3), against the real PostgreSQL:
the lots with stock first in the order they are used (earliest expiry first), then the quarantined,
then the used-up ones, which read 'used up' (not 'on the shelf') and are listed only when asked.
And the recall/expire commands print a lot's quantity in its dispensing unit ('12 tablets', '120 mL')."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import text

from pharmacy_desktop.cli import inventory as inventory_cli
from pharmacy_desktop.services import inventory_view, quarantine
from pharmacy_desktop.ui.widgets.inventory_stock import lot_cells, shown_lots
from tests.fill import factories
from tests.inventory.adjust_world import TODAY, dispense, set_thresholds, stocked_item
from tests.inventory.invariants import assert_inventory_invariants

D = Decimal
LOTS = [("OLD", 10, 30), ("GONE", 20, 20), ("REC", 30, 25), ("NEW", 100, 50), ("MID", 50, 40)]
AMOXICILLIN = factories.Drug(
    "0093-4155-73",
    "Amoxicillin",
    "Amoxicillin",
    "400 mg/5 mL",
    dosage_form="POWDER, FOR SUSPENSION",
    package_description="100 mL in 1 BOTTLE",
)


@pytest.fixture
def lisinopril(uow_factory, actors):
    """Lisinopril 10 mg: OLD and GONE used up by fills, REC recalled, MID and NEW on the shelf."""
    set_thresholds(uow_factory, 50, 100)
    item = stocked_item(uow_factory, actors["manager"].user_id, factories.LISINOPRIL_10, LOTS)
    for lot, units in (("OLD", 30), ("GONE", 20)):
        dispense(uow_factory, actors["pharmacist"].user_id, item, lot, units)
    quarantine.recall_lot(
        uow_factory, actors["pharmacist"], factories.LISINOPRIL_10.package_ndc, "REC", reason="Mislabeled"
    )
    return item


@pytest.mark.db
def test_stocked_lots_first_in_fefo_order_then_quarantined_then_used_up(uow_factory, actors, lisinopril, engine):
    stock = inventory_view.item_stock(uow_factory, actors["technician"], lisinopril)
    assert [(lot.lot, lot.status, lot.remaining, lot.used_up) for lot in stock.lots] == [
        ("MID", "active", D(40), False),  # expires in 50 days: the next one used
        ("NEW", "active", D(50), False),
        ("REC", "recalled", D(25), False),
        ("OLD", "active", D(0), True),  # used up: after everything with units in it
        ("GONE", "active", D(0), True),
    ]
    assert stock.item.on_hand == D(90) and stock.item.nearest_expiry == TODAY + dt.timedelta(days=50)
    assert_inventory_invariants(engine)


@pytest.mark.db
def test_a_used_up_lot_reads_used_up_and_is_listed_only_when_asked(uow_factory, actors, lisinopril):
    stock = inventory_view.item_stock(uow_factory, actors["technician"], lisinopril)
    shown = [lot_cells(lot, stock.item, TODAY) for lot in shown_lots(stock.lots, show_used_up=False)]
    assert [(row[0], row[4], row[5]) for row in shown] == [
        ("MID", "40 tablets", "on the shelf"),
        ("NEW", "50 tablets", "on the shelf"),
        ("REC", "25 tablets", "RECALLED — set aside: Mislabeled"),
    ]
    assert shown[0][1].endswith("(in 50 d)")  # a stocked lot counts the days to its expiry
    every = [lot_cells(lot, stock.item, TODAY) for lot in shown_lots(stock.lots, show_used_up=True)]
    assert [(row[0], row[1], row[4], row[5]) for row in every[3:]] == [
        ("OLD", (TODAY + dt.timedelta(days=10)).isoformat(), "0 tablets", "used up"),  # no countdown: nothing left
        ("GONE", (TODAY + dt.timedelta(days=20)).isoformat(), "0 tablets", "used up"),
    ]


@pytest.mark.ui
@pytest.mark.db
def test_the_lots_pane_hides_used_up_lots_behind_its_box(qtbot, uow_factory, actors, lisinopril):
    from pharmacy_desktop.ui.widgets.inventory_stock import StockPage
    from tests.counter_driver import context_for

    inventory_view.refresh_summary(uow_factory)
    page = StockPage(context_for(uow_factory), actors["technician"])
    qtbot.addWidget(page)
    page.resize(1024, 700)
    page.show()
    page.reload()
    qtbot.waitUntil(lambda: page.items.rowCount() == 1, timeout=20_000)
    page.items.selectRow(0)
    qtbot.waitUntil(lambda: page.lots.rowCount() == 3, timeout=20_000)
    assert [page.lots.item(r, 0).text() for r in range(3)] == ["MID", "NEW", "REC"]
    assert page.show_used_up.text() == "Sho&w used-up lots (2)" and page.show_used_up.isEnabled()
    page.show_used_up.setChecked(True)
    assert [page.lots.item(r, 0).text() for r in range(5)] == ["MID", "NEW", "REC", "OLD", "GONE"]
    assert page.lots.item(3, 5).text() == "used up"
    qtbot.wait(100)  # the columns refit in the next turn
    page.grab().save("/tmp/h5-lots.png")
    page.show_used_up.setChecked(False)
    assert page.lots.rowCount() == 3


def cli_run(handler, monkeypatch, uow_factory, capsys, **args) -> str:
    """A command as the console runs it, on the tests' database (cli.options.database opens the app's)."""

    @contextlib.contextmanager
    def database(_args):
        yield argparse.Namespace(uow_factory=uow_factory)

    monkeypatch.setattr(inventory_cli, "database", database)
    assert handler(argparse.Namespace(json=False, database_url=None, **args)) == 0
    return capsys.readouterr().out


@pytest.mark.db
def test_recall_and_expire_print_the_lots_quantity_in_its_dispensing_unit(
    uow_factory, actors, monkeypatch, capsys, engine
):
    set_thresholds(uow_factory, 50, 100)
    user = actors["manager"].user_id
    stocked_item(uow_factory, user, factories.METFORMIN_500, [("M-9", 40, 12)])
    amox = stocked_item(uow_factory, user, AMOXICILLIN, [("AMX-1", 3, 120)])
    with uow_factory() as uow:  # the catalog's billing unit: 'EA', what one is follows from the form
        uow.session.execute(
            text("UPDATE inventory_schema.inventory_items SET quantity_unit = 'EA' WHERE id = :id"), {"id": amox}
        )
        uow.commit()
    out = cli_run(
        inventory_cli.cmd_recall,
        monkeypatch,
        uow_factory,
        capsys,
        ndc=factories.METFORMIN_500.package_ndc,
        lot="M-9",
        reason="Dissolution",
        recall_class=None,
    )
    assert "lot M-9, 12 tablets from stock" in out and " units" not in out
    out = cli_run(
        inventory_cli.cmd_expire, monkeypatch, uow_factory, capsys, date=(TODAY + dt.timedelta(days=5)).isoformat()
    )
    assert "1 lot(s) quarantined" in out and "lot AMX-1" in out
    assert out.rstrip().endswith(": 120 mL") and " units" not in out
    assert_inventory_invariants(engine)
