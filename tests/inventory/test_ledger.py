"""stock_ledger.post: the one ledger writer, against the real PostgreSQL; invariants after each."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import text

from pharmacy_desktop.errors import ValidationFailed
from pharmacy_desktop.services import stock_ledger
from tests.fill import factories
from tests.inventory.invariants import assert_inventory_invariants, inventory_problems
from tests.inventory.ledger_world import new_batch, new_item

TODAY = dt.date.today()


@pytest.fixture
def item_id(uow_factory, actors):
    with uow_factory(actor_id=actors["pharmacist"].user_id) as uow:
        med = factories.add_medication(uow, factories.LISINOPRIL_20_100)
        item = new_item(uow, med)
        uow.commit()
        return item.id


def test_receipts_quarantine_and_order(uow_factory, engine, actors, item_id):
    user = actors["pharmacist"].user_id
    with uow_factory(actor_id=user) as uow:
        item = uow.inventory.lock_item(item_id)
        a = new_batch(uow, item, "LOT-A")
        b = new_batch(uow, item, "LOT-B")
        # several rows in one transaction share transaction_date: seq alone orders them
        stock_ledger.post(uow, item, change=Decimal(100), kind=stock_ledger.RECEIPT, batch=a, reason="PO 1")
        stock_ledger.post(uow, item, change=Decimal(60), kind=stock_ledger.RECEIPT, batch=b)
        stock_ledger.post(uow, item, change=Decimal(-10), kind=stock_ledger.DISPENSED, batch=a)
        uow.commit()
    assert_inventory_invariants(engine)
    with uow_factory(actor_id=user) as uow:
        item = uow.inventory.lock_item(item_id)
        (b,) = [
            x
            for x in uow.inventory.lock_batches([x.id for x in uow.inventory.batches_of(item_id)])
            if x.batch_number == "LOT-B"
        ]
        b.status = "recalled"  # quarantine: status first, then the row; the lot keeps its count
        row = stock_ledger.post(
            uow, item, change=-b.quantity_remaining, kind=stock_ledger.ADJUSTMENT, batch=b, reference_type="recall"
        )
        uow.commit()
        assert (row.quantity_before, row.quantity_after, row.performed_by) == (150, 90, user)
    with uow_factory() as uow:
        rows = stock_ledger.transactions_for(uow, item_id)
        assert [(r.transaction_type, r.quantity_change, r.quantity_after) for r in rows] == [
            ("adjustment", -60, 90),
            ("dispensed", -10, 150),
            ("receipt", 60, 160),
            ("receipt", 100, 100),
        ]
        assert [r.seq for r in rows] == sorted((r.seq for r in rows), reverse=True)
        batches = {x.batch_number: (x.status, x.quantity_remaining) for x in uow.inventory.batches_of(item_id)}
        assert batches == {"LOT-A": ("active", 90), "LOT-B": ("recalled", 60)}
        assert uow.inventory.require(item_id).quantity_on_hand == 90
    assert_inventory_invariants(engine)


def test_below_zero_refused_and_nothing_written(uow_factory, engine, actors, item_id):
    with uow_factory(actor_id=actors["pharmacist"].user_id) as uow:
        item = uow.inventory.lock_item(item_id)
        a = new_batch(uow, item, "LOT-A")
        stock_ledger.post(uow, item, change=Decimal(5), kind=stock_ledger.RECEIPT, batch=a)
        b = new_batch(uow, item, "LOT-B")
        stock_ledger.post(uow, item, change=Decimal(5), kind=stock_ledger.RECEIPT, batch=b)
        with pytest.raises(ValidationFailed, match="below zero"):
            stock_ledger.post(uow, item, change=Decimal(-11), kind=stock_ledger.ADJUSTMENT)
        with pytest.raises(ValidationFailed, match="LOT-A of NDC .* has only 5 left"):
            stock_ledger.post(uow, item, change=Decimal(-6), kind=stock_ledger.DAMAGED, batch=a)
        with pytest.raises(ValueError):
            stock_ledger.post(uow, item, change=Decimal(1), kind="receive")
        with pytest.raises(ValueError):
            stock_ledger.post(uow, item, change=Decimal(0), kind=stock_ledger.ADJUSTMENT)
        uow.commit()
    with uow_factory() as uow:
        assert uow.inventory.require(item_id).quantity_on_hand == 10
        assert len(stock_ledger.transactions_for(uow, item_id)) == 2
    assert_inventory_invariants(engine)


def test_invariants_catch_each_break(uow_factory, engine, actors, item_id):
    with uow_factory(actor_id=actors["pharmacist"].user_id) as uow:
        item = uow.inventory.lock_item(item_id)
        a = new_batch(uow, item, "LOT-A")
        stock_ledger.post(uow, item, change=Decimal(20), kind=stock_ledger.RECEIPT, batch=a)
        stock_ledger.post(uow, item, change=Decimal(-5), kind=stock_ledger.DISPENSED, batch=a)
        uow.commit()
    assert inventory_problems(engine) == []
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE inventory_schema.inventory_items SET quantity_on_hand = 16 WHERE id = :i"), {"i": item_id}
        )
    problems = inventory_problems(engine)
    assert any(p.startswith("ledger does not end at on hand") for p in problems)
    assert any(p.startswith("on hand <> available batches") for p in problems)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE inventory_schema.inventory_items SET quantity_on_hand = 15 WHERE id = :i"), {"i": item_id}
        )
        # a row whose before is not the previous after (the arithmetic CHECK still holds)
        conn.execute(
            text(
                "UPDATE inventory_schema.inventory_transactions SET quantity_before = 21, quantity_after = 16"
                " WHERE inventory_item_id = :i AND transaction_type = 'dispensed'"
            ),
            {"i": item_id},
        )
    problems = inventory_problems(engine)
    assert any(p.startswith("ledger chain broken") for p in problems), problems
    with pytest.raises(AssertionError):
        assert_inventory_invariants(engine)


def test_stock_without_a_ledger_row_is_flagged_unless_allowed(uow_factory, engine):
    with uow_factory() as uow:
        factories.add_stock(uow, factories.add_medication(uow, factories.METFORMIN_500))
        uow.commit()
    assert any(p.startswith("stock without a ledger row") for p in inventory_problems(engine))
    assert inventory_problems(engine, allow_unledgered_opening=True) == []


def test_fill_and_return_to_fill_keep_the_chain_and_quarantine(uow_factory, engine, actors):
    """stock_allocation's writers (fill, return to fill) chain from the locked item; units of a lot
    recalled after the fill go back into quarantine, not onto the shelf."""
    from pharmacy_desktop.services import fill, quarantine, verify
    from tests.inventory.ledger_world import TODAY, receive

    world = factories.world(uow_factory, stock_for=())
    drug = factories.LISINOPRIL_20_100
    with uow_factory() as uow:
        med = uow.session.get(factories.Medication, world.meds[drug.package_ndc])
        item_id = new_item(uow, med).id
        other = factories.add_prescription(uow, factories.add_patient(uow, "Ann", "Lee"), med)
        uow.commit()
    expiry = TODAY + dt.timedelta(days=300)
    receive(uow_factory, item_id, "R1", 100, expiry=expiry)
    receive(uow_factory, item_id, "G1", 100, expiry=expiry + dt.timedelta(days=30))
    tech, rph = actors["technician"], actors["pharmacist"]
    fill.fill(uow_factory, tech, other.id, drug.datamatrix("G1", expiry + dt.timedelta(days=30)))
    verify.return_to_fill(uow_factory, rph, other.id, "wrong count")
    assert_inventory_invariants(engine)
    fill.fill(uow_factory, tech, world.rx_id, drug.datamatrix("R1", expiry))
    quarantine.recall_lot(uow_factory, rph, drug.package_ndc, "R1", reason="Dissolution")
    assert_inventory_invariants(engine)
    verify.return_to_fill(uow_factory, rph, world.rx_id, "recalled lot")
    with uow_factory() as uow:
        rows = stock_ledger.transactions_for(uow, item_id)
        assert [(r.transaction_type, r.reference_type, r.quantity_change, r.quantity_after) for r in rows[:3]] == [
            ("adjustment", "recall", -30, 100),
            ("return", "prescription_refill", 30, 130),
            ("adjustment", "recall", -70, 100),
        ]
        lots = {b.batch_number: (b.status, b.quantity_remaining) for b in uow.inventory.batches_of(item_id)}
        assert lots == {"R1": ("recalled", 100), "G1": ("active", 100)}
        assert uow.inventory.require(item_id).quantity_on_hand == 100
    assert_inventory_invariants(engine)
