"""stock_ledger.HistoryLedger: the bulk path of imported history writes the same ledger as post,
in one INSERT, against the real PostgreSQL; invariants after each."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import text

from pharmacy_desktop.domain import clock
from pharmacy_desktop.errors import ValidationFailed
from pharmacy_desktop.services import stock_ledger
from tests.fill import factories
from tests.inventory.invariants import assert_inventory_invariants
from tests.inventory.ledger_world import new_batch, new_item


@pytest.fixture
def item_id(uow_factory, actors):
    with uow_factory(actor_id=actors["pharmacist"].user_id) as uow:
        med = factories.add_medication(uow, factories.LISINOPRIL_20_100)
        item = new_item(uow, med)
        uow.commit()
        return item.id


def _ledger(uow_factory, item_id):
    with uow_factory() as uow:
        return [
            (r.transaction_type, r.quantity_before, r.quantity_change, r.quantity_after, r.reason)
            for r in reversed(stock_ledger.transactions_for(uow, item_id))
        ]


def test_bulk_rows_chain_in_call_order_and_move_item_and_lots_once(uow_factory, engine, actors, item_id):
    user = actors["pharmacist"].user_id
    with uow_factory(actor_id=user) as uow:
        item = uow.inventory.lock_item(item_id)
        a, b = new_batch(uow, item, "LOT-A"), new_batch(uow, item, "LOT-B")
        stock_ledger.post(uow, item, change=Decimal(100), kind=stock_ledger.RECEIPT, batch=a)  # the one-row path
        ledger = stock_ledger.HistoryLedger(uow)
        moment = dt.datetime(2026, 3, 2, 15, 30, tzinfo=dt.UTC)
        token = clock.set_at(moment)
        try:
            ledger.post(item, change=Decimal(50), kind=stock_ledger.RECEIPT, batch=b, reason="r1")
            for n in range(3):
                ledger.post(item, change=Decimal(-20), kind=stock_ledger.DISPENSED, batch=a, reason=f"d{n}")
            ledger.post(item, change=Decimal(-5), kind=stock_ledger.DISPENSED, batch=b, reason="d3")
        finally:
            clock.reset(token)
        assert item.quantity_on_hand == 85 and a.quantity_remaining == 40  # moved in memory already
        assert ledger.write() == 5 and ledger.write() == 0  # written once
        uow.commit()
    assert_inventory_invariants(engine)
    assert _ledger(uow_factory, item_id) == [
        ("receipt", 0, 100, 100, None),
        ("receipt", 100, 50, 150, "r1"),
        ("dispensed", 150, -20, 130, "d0"),
        ("dispensed", 130, -20, 110, "d1"),
        ("dispensed", 110, -20, 90, "d2"),
        ("dispensed", 90, -5, 85, "d3"),
    ]
    with engine.connect() as conn:
        dated = conn.execute(
            text(
                "SELECT DISTINCT transaction_date, created_at, performed_by FROM inventory_schema.inventory_transactions "
                "WHERE reason IS NOT NULL"
            )
        ).all()
        lots = dict(
            conn.execute(text("SELECT batch_number, quantity_remaining FROM inventory_schema.inventory_batches")).all()
        )
    assert dated == [(moment, moment, user)]  # the held clock's moment, the acting user
    assert lots == {"LOT-A": 40, "LOT-B": 45}


def test_bulk_refuses_what_post_refuses_before_keeping_anything(uow_factory, engine, actors, item_id):
    with uow_factory(actor_id=actors["pharmacist"].user_id) as uow:
        item = uow.inventory.lock_item(item_id)
        a = new_batch(uow, item, "LOT-A")
        ledger = stock_ledger.HistoryLedger(uow)
        ledger.post(item, change=Decimal(30), kind=stock_ledger.RECEIPT, batch=a)
        with pytest.raises(ValidationFailed, match="below zero"):
            ledger.post(item, change=Decimal(-31), kind=stock_ledger.DISPENSED)
        other = new_batch(uow, item, "LOT-B")
        with pytest.raises(ValidationFailed, match="has only 0 left"):
            ledger.post(item, change=Decimal(-1), kind=stock_ledger.DISPENSED, batch=other)
        with pytest.raises(ValueError, match="unknown ledger kind"):
            ledger.post(item, change=Decimal(1), kind="receive")
        with pytest.raises(ValueError, match="must change"):
            ledger.post(item, change=Decimal(0), kind=stock_ledger.ADJUSTMENT)
        assert item.quantity_on_hand == 30 and other.quantity_remaining == 0  # refusals moved nothing
        assert ledger.write() == 1
        uow.commit()
    assert_inventory_invariants(engine)
    assert _ledger(uow_factory, item_id) == [("receipt", 0, 30, 30, None)]
