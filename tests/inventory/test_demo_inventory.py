"""The demo's year of inventory history (demo/inventory_history.py), loaded once into the suite's
PostgreSQL: the inventory and billing invariants hold (strict opening: every unit came in through a
receipt), the controlled-substance log ends at on hand for every controlled item, the ledger's dates
follow its order, and the inventory screen has its data (pending adjustments, a recalled lot with
its patients, an open purchase order, a draft from the suggestions)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from pharmacy_desktop.db.engine import make_engine
from pharmacy_desktop.demo import DEMO_PASSWORDS
from pharmacy_desktop.services import auth, purchasing, quarantine, quarantine_disposal
from pharmacy_desktop.services.adjustment_views import pending_adjustments
from pharmacy_desktop.services.inventory_reports import controlled_log
from tests.conftest import DEMO_TODAY
from tests.inventory.invariants import assert_inventory_invariants
from tests.pos.invariants import assert_billing_invariants

TODAY = DEMO_TODAY


@pytest.fixture(scope="module")
def demo(demo_template, demo_module_url):
    """The demo pharmacy in a database of its own (a copy of the worker's demo template)."""
    engine = make_engine(demo_module_url)
    yield demo_template.summary, engine
    engine.dispose()


def test_invariants_and_the_ledger_in_date_order(demo):
    summary, engine = demo
    history = summary.inventory_history
    assert history is not None and history.ledger_rows >= 3000, history  # a year of a busy counter
    assert history.fills > 2500 and history.deliveries >= 12 and history.adjustments >= 8
    assert_inventory_invariants(engine)  # strict: no stock without its receipt
    assert_billing_invariants(engine)
    with engine.connect() as conn:
        kinds = dict(
            conn.execute(
                text("SELECT transaction_type, count(*) FROM inventory_schema.inventory_transactions GROUP BY 1")
            ).all()
        )
        # seq order and dates agree: no row dated before an earlier row of the same item
        backwards = conn.scalar(
            text(
                "SELECT count(*) FROM (SELECT transaction_date < lag(transaction_date) OVER "
                "(PARTITION BY inventory_item_id ORDER BY seq) AS back FROM inventory_schema.inventory_transactions) t "
                "WHERE back"
            )
        )
        # per available lot, its ledger rows add up to what it holds (receipt - dispensed - adjusted)
        lots_off = conn.scalar(
            text(
                "SELECT count(*) FROM inventory_schema.inventory_batches b WHERE b.status = 'active' "
                "AND b.quantity_remaining <> (SELECT coalesce(sum(t.quantity_change), 0) "
                "FROM inventory_schema.inventory_transactions t WHERE t.batch_id = b.id)"
            )
        )
        first = conn.scalar(text("SELECT min(transaction_date) FROM inventory_schema.inventory_transactions"))
        orders = dict(
            conn.execute(text("SELECT status, count(*) FROM inventory_schema.purchase_orders GROUP BY 1")).all()
        )
        scans = conn.scalar(
            text("SELECT count(*) FROM inventory_schema.received_packages WHERE serial_number IS NOT NULL")
        )
    assert {"receipt", "dispensed", "adjustment", "expired", "damaged"} <= set(kinds), kinds
    assert sum(kinds.values()) >= history.ledger_rows >= 3000  # (today's fills come after the year)
    assert backwards == 0 and lots_off == 0
    assert first.date() <= TODAY - dt.timedelta(days=360)  # a year of history
    assert (
        orders.get("received", 0) >= 12 and orders.get("partially_received", 0) >= 1 and orders.get("pending", 0) >= 1
    )
    assert scans >= kinds["receipt"]  # every receipt came from scanned packages


def test_controlled_log_ends_at_on_hand(demo):
    log = controlled_log(_factory(demo), None)
    assert len(log.items) >= 2  # hydrocodone (C-II), lorazepam (C-IV) ...
    for item in log.items:
        assert item.entries, item.drug
        assert item.closing == item.on_hand, item.drug


def test_the_inventory_screen_has_its_data(demo):
    uow_factory = _factory(demo)
    manager = auth.sign_in(uow_factory, "manager", DEMO_PASSWORDS["manager"], "test-ws")
    pending = pending_adjustments(uow_factory, manager)
    assert len(pending) >= 2 and any(a.is_controlled for a in pending)
    lots = quarantine_disposal.quarantined_lots(uow_factory, manager)
    recalled = [lot for lot in lots if lot.status == "recalled"]
    assert recalled and any(lot.status == "expired" for lot in lots)
    again = quarantine.recall_lot(uow_factory, manager, recalled[0].ndc, recalled[0].lot, reason="check")
    assert again.already_recorded and again.recipients  # the patients who received the lot
    statuses = {o.status for o in purchasing.list_orders(uow_factory, manager)}
    assert {"partially_received", "pending", "received"} <= statuses


def _factory(demo):
    from pharmacy_desktop.db.engine import make_session_factory
    from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory

    return UnitOfWorkFactory(make_session_factory(demo[1]), workstation="test-ws")
