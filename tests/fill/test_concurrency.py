"""Two workstations racing for the last units: separate threads, sessions and connections."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from pharmacy_desktop.db.engine import make_engine, make_session_factory
from pharmacy_desktop.db.models.inventory import InventoryBatch, InventoryItem, InventoryTransaction
from pharmacy_desktop.db.models.prescriptions import Prescription, PrescriptionRefill
from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
from pharmacy_desktop.services import fill
from tests.fill import factories as f
from tests.fill.factories import TODAY


def _two_rx_for_the_last_30(uow_factory):
    world = f.world(uow_factory, lots=[("LAST", TODAY + dt.timedelta(days=100), 30)])
    with uow_factory() as uow:
        uow.session.get(f.Patient, world.patient_id)
        med = uow.session.get(f.Medication, world.meds[f.LISINOPRIL_20_100.package_ndc])
        other = f.add_prescription(uow, f.add_patient(uow, "Ann", "Lee"), med)
        uow.commit()
        return world, [world.rx_id, other.id]


def race(database_url, actor, rx_ids, scan):
    """Each thread its own engine (as two workstations); both start filling at the same instant."""
    barrier = threading.Barrier(len(rx_ids))
    outcomes: dict[int, object] = {}

    def run(i, rx_id):
        engine = make_engine(database_url, pool_size=1, max_overflow=0)
        try:
            factory = UnitOfWorkFactory(make_session_factory(engine), workstation=f"ws{i}")
            barrier.wait()
            try:
                # several bottles, first expiry first: the race is about units, not which lot
                outcomes[i] = fill.fill(factory, actor, rx_id, scan, lot=fill.ANY_LOT)
            except Exception as exc:  # noqa: BLE001 - the outcome is what the test looks at
                outcomes[i] = exc
        finally:
            engine.dispose()

    threads = [threading.Thread(target=run, args=(i, rx)) for i, rx in enumerate(rx_ids)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return [outcomes[i] for i in range(len(rx_ids))]


def test_two_workstations_race_for_the_last_units(uow_factory, database_url, actors):
    world, rx_ids = _two_rx_for_the_last_30(uow_factory)
    outcomes = race(database_url, actors["technician"], rx_ids, f.LISINOPRIL_20_100.upc)

    wins = [o for o in outcomes if isinstance(o, fill.FillResult)]
    losses = [o for o in outcomes if isinstance(o, fill.InsufficientStock)]
    assert len(wins) == 1 and len(losses) == 1, outcomes
    assert "0 tablets on hand" in losses[0].message
    with uow_factory() as uow:
        s = uow.session
        assert s.get(InventoryItem, world.item_id).quantity_on_hand == 0
        assert s.scalar(select(InventoryBatch.quantity_remaining).where(InventoryBatch.batch_number == "LAST")) == 0
        assert s.scalar(select(func.sum(InventoryTransaction.quantity_change))) == Decimal(-30)
        assert s.scalar(select(func.count()).select_from(PrescriptionRefill)) == 1
        statuses = sorted(s.scalars(select(Prescription.status).where(Prescription.id.in_(rx_ids))))
        assert statuses == ["in_progress", "validated"]


def test_two_workstations_filling_the_same_prescription_fill_it_once(uow_factory, database_url, actors):
    world = f.world(uow_factory)
    outcomes = race(database_url, actors["technician"], [world.rx_id, world.rx_id], f.LISINOPRIL_20_100.upc)
    assert sum(isinstance(o, fill.FillResult) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, fill.FillRefused) for o in outcomes) == 1, outcomes
    with uow_factory() as uow:
        assert uow.session.get(InventoryItem, world.item_id).quantity_on_hand == 470
        assert uow.session.scalar(select(func.count()).select_from(InventoryTransaction)) == 1


def test_many_concurrent_fills_never_oversell(uow_factory, database_url, actors):
    """Six workstations, six prescriptions of 30, 100 units: three full fills, the rest refused."""
    world = f.world(
        uow_factory, lots=[("A", TODAY + dt.timedelta(days=50), 40), ("B", TODAY + dt.timedelta(days=90), 60)]
    )
    with uow_factory() as uow:
        med = uow.session.get(f.Medication, world.meds[f.LISINOPRIL_20_100.package_ndc])
        ids = [world.rx_id] + [f.add_prescription(uow, f.add_patient(uow, "P", f"N{i}"), med).id for i in range(5)]
        uow.commit()
    outcomes = race(database_url, actors["technician"], ids, f.LISINOPRIL_20_100.upc)
    wins = [o for o in outcomes if isinstance(o, fill.FillResult)]
    assert len(wins) == 3 and all(isinstance(o, fill.InsufficientStock) for o in outcomes if o not in wins), outcomes
    with uow_factory() as uow:
        s = uow.session
        assert s.get(InventoryItem, world.item_id).quantity_on_hand == 10
        remaining = dict(
            s.execute(
                select(InventoryBatch.batch_number, InventoryBatch.quantity_remaining)
                .join(InventoryItem, InventoryItem.id == InventoryBatch.inventory_item_id)
                .where(InventoryItem.id == world.item_id)
            ).all()
        )
        assert remaining == {"A": 0, "B": 10}
        assert s.scalar(
            select(func.sum(InventoryTransaction.quantity_change)).where(
                InventoryTransaction.inventory_item_id == world.item_id
            )
        ) == Decimal(-90)


def _interfere(monkeypatch, database_url, item_id, take: int, lot: str = "A"):
    """Another workstation takes ``take`` units after this fill planned its lots, before it locks them."""
    import psycopg

    from pharmacy_desktop.config import libpq_url

    original = fill._deduct
    calls = []

    def deduct(uow, actor, ev, refill_id, day):
        if not calls:
            calls.append(1)
            with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
                conn.execute(
                    "UPDATE inventory_schema.inventory_items SET quantity_on_hand = quantity_on_hand - %s,"
                    " version = version + 1 WHERE id = %s",
                    (take, item_id),
                )
                conn.execute(
                    "UPDATE inventory_schema.inventory_batches SET quantity_remaining = quantity_remaining - %s,"
                    " version = version + 1 WHERE inventory_item_id = %s AND batch_number = %s",
                    (take, item_id, lot),
                )
        return original(uow, actor, ev, refill_id, day)

    monkeypatch.setattr(fill, "_deduct", deduct)
    return calls


def test_units_taken_after_planning_are_planned_again(uow_factory, database_url, actors, monkeypatch):
    """Planned: 30 from lot A. Another fill takes 5 of A meanwhile: re-planned as 25 of A + 5 of B."""
    world = f.world(
        uow_factory, lots=[("A", TODAY + dt.timedelta(days=100), 30), ("B", TODAY + dt.timedelta(days=300), 100)]
    )
    _interfere(monkeypatch, database_url, world.item_id, 5)
    result = fill.fill(uow_factory, actors["technician"], world.rx_id, f.LISINOPRIL_20_100.upc, lot=fill.ANY_LOT)
    assert result.attempts == 2 and [(l.lot, l.quantity) for l in result.lines] == [("A", 25), ("B", 5)]
    with uow_factory() as uow:
        s = uow.session
        assert s.get(InventoryItem, world.item_id).quantity_on_hand == 130 - 5 - 30
        assert dict(
            s.execute(
                select(InventoryBatch.batch_number, InventoryBatch.quantity_remaining).where(
                    InventoryBatch.inventory_item_id == world.item_id
                )
            ).all()
        ) == {"A": 0, "B": 95}
        assert s.scalar(select(func.count()).select_from(PrescriptionRefill)) == 1


def test_units_taken_after_planning_that_leave_enough_need_no_retry(uow_factory, database_url, actors, monkeypatch):
    world = f.world(uow_factory, lots=[("A", TODAY + dt.timedelta(days=100), 40)])
    _interfere(monkeypatch, database_url, world.item_id, 5)
    result = fill.fill(uow_factory, actors["technician"], world.rx_id, f.LISINOPRIL_20_100.upc)
    assert result.attempts == 1
    with uow_factory() as uow:
        assert uow.session.get(InventoryItem, world.item_id).quantity_on_hand == 5


def test_units_gone_after_planning_end_as_insufficient_with_nothing_left_behind(
    uow_factory, database_url, actors, monkeypatch
):
    world = f.world(uow_factory, lots=[("A", TODAY + dt.timedelta(days=100), 40)])
    _interfere(monkeypatch, database_url, world.item_id, 20)
    with pytest.raises(fill.InsufficientStock) as caught:
        fill.fill(uow_factory, actors["technician"], world.rx_id, f.LISINOPRIL_20_100.upc)
    assert caught.value.check.available == 20 and "20 tablets on hand" in caught.value.message
    with uow_factory() as uow:
        s = uow.session
        assert s.get(InventoryItem, world.item_id).quantity_on_hand == 20
        assert s.scalar(select(func.count()).select_from(PrescriptionRefill)) == 0
        assert s.scalar(select(func.count()).select_from(InventoryTransaction)) == 0
        assert s.get(Prescription, world.rx_id).status == "validated"
