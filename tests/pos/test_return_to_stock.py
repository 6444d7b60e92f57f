"""Return to stock (issue 13 item 12) against the real PostgreSQL: a bag in will-call too long goes
back into the lots it came from, its fill returned, its refill restored, its claim reversed, the
prescription on hold until it is reactivated."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select, text, update

from pharmacy_desktop.adapters.adjudication import SimulatedAdjudicator
from pharmacy_desktop.db.models.audit import DomainEvent
from pharmacy_desktop.db.models.billing import InsuranceClaim
from pharmacy_desktop.db.models.inventory import InventoryTransaction
from pharmacy_desktop.db.models.patients import PatientInsurance
from pharmacy_desktop.db.models.prescriptions import Prescription
from pharmacy_desktop.errors import NotFound, PermissionDenied, ValidationFailed
from pharmacy_desktop.services import claims, fill, return_to_stock, verify
from tests.fill import factories as f
from tests.fill.factories import TODAY
from tests.fill.test_fill_service import rx_state, stock_of
from tests.pos.invariants import assert_billing_invariants

LOTS = [("EARLY", TODAY + dt.timedelta(days=60), 20), ("LATE", TODAY + dt.timedelta(days=300), 100)]


@dataclasses.dataclass
class Bag:
    world: f.World
    refill_id: object
    adjudicator: SimulatedAdjudicator


def insure(uow_factory, patient_id, *, awp_item_ids=(), fee="2.50") -> None:
    """A commercial plan (the simulator's BCBS BIN), AWP on the stock items, a dispensing fee."""
    with uow_factory() as uow:
        uow.session.add(
            PatientInsurance(
                patient_id=patient_id,
                insurance_provider="Blue Cross Blue Shield of Illinois",
                insurance_type="primary",
                policy_number="XOF123456789",
                group_number="GRP100",
                bin_number="610014",
                pcn_number="ILBCBS",
                relationship_to_cardholder="self",
                effective_date=TODAY - dt.timedelta(days=365),
            )
        )
        for item_id in awp_item_ids:
            uow.inventory.require(item_id).average_wholesale_price = Decimal("1.2000")
        uow.users.pharmacy_profile_for_saving().dispensing_fee = Decimal(fee)
        uow.commit()


def make_ready_bag(uow_factory, actors, world, adjudicator, *, previous_fill=True):
    """Fill (refill 1 when a previous fill exists), bill the plan, verify: the bag waits in will-call."""
    if previous_fill:
        with uow_factory() as uow:
            rx = uow.prescriptions.get_with_items(world.rx_id)
            f.add_previous_fill(uow, rx, uow.session.get(f.Medication, world.meds[f.LISINOPRIL_20_100.package_ndc]))
            uow.commit()
    filled = fill.fill(uow_factory, actors["technician"], world.rx_id, f.LISINOPRIL_20_100.upc, lot=fill.ANY_LOT)
    outcome = claims.adjudicate_fill(uow_factory, actors["technician"], adjudicator, filled.refill_id)
    verify.approve(
        uow_factory,
        actors["pharmacist"],
        world.rx_id,
        label_scan=f.label_scan(uow_factory, world.rx_id),
        bottle_scans=[f.LISINOPRIL_20_100.upc],
    )
    return filled.refill_id, outcome


def age(uow_factory, rx_id, days: int) -> None:
    with uow_factory() as uow:
        uow.session.execute(
            update(Prescription)
            .where(Prescription.id == rx_id)
            .values(ready_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=days))
        )
        uow.commit()


def assert_stock_balanced(engine) -> None:
    """Every stock item: on hand = the sum of its lots (items with lots), and = the ledger's last level."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT i.ndc_code, i.quantity_on_hand, sum(b.quantity_remaining) FROM inventory_schema.inventory_items i "
                "JOIN inventory_schema.inventory_batches b ON b.inventory_item_id = i.id "
                "GROUP BY i.id, i.ndc_code, i.quantity_on_hand HAVING i.quantity_on_hand <> sum(b.quantity_remaining)"
            )
        ).all()
    assert rows == []


def invariants(engine) -> None:
    assert_stock_balanced(engine)
    assert_billing_invariants(engine)


@pytest.fixture
def bag(uow_factory, actors):
    world = f.world(uow_factory, lots=LOTS)
    insure(uow_factory, world.patient_id, awp_item_ids=[world.item_id])
    adjudicator = SimulatedAdjudicator()
    refill_id, outcome = make_ready_bag(uow_factory, actors, world, adjudicator)
    return Bag(world, refill_id, adjudicator)


def claims_of(uow_factory, refill_id):
    with uow_factory() as uow:
        rows = uow.session.scalars(select(InsuranceClaim).where(InsuranceClaim.prescription_refill_id == refill_id))
        return [(c.status, c.external_claim_id, c.reversed_at, c.reversal_reason) for c in rows]


def test_candidates_are_bags_ready_longer_than_the_pharmacy_setting_oldest_first(uow_factory, actors, bag):
    tech = actors["technician"]
    assert return_to_stock.return_days(uow_factory, tech) == 10  # the column's default
    assert return_to_stock.return_candidates(uow_factory, tech) == []
    age(uow_factory, bag.world.rx_id, 11)
    with uow_factory() as uow:
        med = uow.session.get(f.Medication, bag.world.meds[f.LISINOPRIL_20_100.package_ndc])
        other = f.add_prescription(uow, f.add_patient(uow, "Ann", "Lee"), med)
        uow.commit()
        other_id, other_number = other.id, other.prescription_number
    fill.fill(uow_factory, tech, other_id, f.LISINOPRIL_20_100.upc, lot=fill.ANY_LOT)
    verify.approve(
        uow_factory,
        actors["pharmacist"],
        other_id,
        label_scan=f.label_scan(uow_factory, other_id),
        bottle_scans=[f.LISINOPRIL_20_100.upc],
    )
    age(uow_factory, other_id, 30)
    assert [r.rx_number for r in return_to_stock.return_candidates(uow_factory, tech)] == [
        other_number,
        bag.world.rx_number,
    ]
    with uow_factory() as uow:
        uow.users.pharmacy_profile_for_saving().will_call_return_days = 20
        uow.commit()
    assert [r.rx_number for r in return_to_stock.return_candidates(uow_factory, tech)] == [other_number]
    with pytest.raises(PermissionDenied):
        return_to_stock.return_candidates(uow_factory, actors["manager"])  # no prescription.dispense


def test_one_scan_returns_the_bag_into_the_same_lots_and_reverses_the_claim(uow_factory, actors, engine, bag):
    world = bag.world
    [(status, external_id, _, _)] = claims_of(uow_factory, bag.refill_id)
    assert status == "approved" and external_id
    on_hand_before, lots_before, _ = stock_of(uow_factory, world.item_id)
    assert on_hand_before == 90 and lots_before == {"EARLY": 0, "LATE": 90}
    assert rx_state(uow_factory, world.rx_id)[2].refills_remaining == 1
    age(uow_factory, world.rx_id, 12)

    result = return_to_stock.return_to_stock(
        uow_factory, actors["technician"], bag.adjudicator, f"]C0{world.rx_number}"
    )

    assert not result.already_returned and result.refill_ids == (bag.refill_id,)
    assert sorted(result.returned) == [("EARLY", 20), ("LATE", 10)]
    on_hand, lots, moves = stock_of(uow_factory, world.item_id)
    assert on_hand == 120 and lots == {"EARLY": 20, "LATE": 100}
    back = [m for m in moves if m.transaction_type == "return"]
    assert sorted(m.quantity_change for m in back) == [10, 20]
    assert {m.reference_type for m in back} == {"prescription_refill"}
    assert {m.reference_id for m in back} == {bag.refill_id}
    with uow_factory() as uow:  # each return names the lot it went into, the one it was taken from
        lot_moves = uow.session.scalars(
            select(InventoryTransaction).where(InventoryTransaction.reference_id == bag.refill_id)
        ).all()
        by_type = {(m.transaction_type, m.batch_id, abs(m.quantity_change)) for m in lot_moves}
    assert {(b, q) for t, b, q in by_type if t == "dispensed"} == {(b, q) for t, b, q in by_type if t != "dispensed"}

    rx, refills, item = rx_state(uow_factory, world.rx_id)
    assert rx.status == "on_hold" and rx.will_call_bin_id is None
    [returned] = [r for r in refills if r.id == bag.refill_id]
    assert returned.status == "returned" and returned.returned_reason.startswith("returned to stock")
    assert item.refills_remaining == 2 and item.dispensed_ndc is None

    [(status, _, reversed_at, reversal_reason)] = claims_of(uow_factory, bag.refill_id)
    assert status == "reversed" and reversed_at is not None and "returned to stock" in reversal_reason
    assert bag.adjudicator.is_reversed(external_id)
    assert result.claims_reversed and not result.claim_problems and "reversed" in result.message
    with uow_factory() as uow:
        events = uow.session.scalars(
            select(DomainEvent.event_type).where(DomainEvent.aggregate_id == world.rx_id)
        ).all()
    assert "PrescriptionReturnedToStock" in events
    invariants(engine)


def test_a_second_scan_of_the_same_bag_says_it_was_already_returned(uow_factory, actors, engine, bag):
    tech = actors["technician"]
    return_to_stock.return_to_stock(uow_factory, tech, bag.adjudicator, bag.world.rx_number)
    after_first = stock_of(uow_factory, bag.world.item_id)
    again = return_to_stock.return_to_stock(uow_factory, tech, bag.adjudicator, bag.world.rx_number)
    assert again.already_returned and "already returned to stock" in again.message
    assert again.returned == () and again.claims_reversed == ()
    assert stock_of(uow_factory, bag.world.item_id) == after_first
    invariants(engine)


def test_reactivate_puts_it_back_in_the_fill_queue_and_it_fills_again(uow_factory, actors, engine, bag):
    world = bag.world
    return_to_stock.return_to_stock(uow_factory, actors["technician"], bag.adjudicator, world.rx_number)
    assert [r.rx_number for r in fill.fill_queue(uow_factory, actors["technician"])] == []
    result = return_to_stock.reactivate(uow_factory, actors["technician"], world.rx_id)
    assert result.status == "validated"
    [row] = fill.fill_queue(uow_factory, actors["technician"])
    assert row.rx_number == world.rx_number and "Returned to stock" in row.returned_note
    again = fill.fill(uow_factory, actors["technician"], world.rx_id, f.LISINOPRIL_20_100.upc, lot=fill.ANY_LOT)
    assert again.refill_number == 1 and stock_of(uow_factory, world.item_id)[0] == 90
    with pytest.raises(ValidationFailed, match="not on hold"):
        return_to_stock.reactivate(uow_factory, actors["technician"], world.rx_id)
    # billed again after the reversal: a new paid claim, the reversed one stays on record
    claims.adjudicate_fill(uow_factory, actors["technician"], bag.adjudicator, again.refill_id)
    assert [c[0] for c in claims_of(uow_factory, again.refill_id)] == ["approved"]
    assert [c[0] for c in claims_of(uow_factory, bag.refill_id)] == ["reversed"]
    invariants(engine)


def test_only_a_bag_in_will_call_goes_back_and_only_with_the_permission(uow_factory, actors, engine, bag):
    with pytest.raises(PermissionDenied):
        return_to_stock.return_to_stock(uow_factory, actors["manager"], bag.adjudicator, bag.world.rx_number)
    with pytest.raises(ValidationFailed, match="not an Rx label"):
        return_to_stock.return_to_stock(uow_factory, actors["technician"], bag.adjudicator, "hello")
    with pytest.raises(NotFound):
        return_to_stock.return_to_stock(uow_factory, actors["technician"], bag.adjudicator, "9999999")
    with uow_factory() as uow:
        med = uow.session.get(f.Medication, bag.world.meds[f.LISINOPRIL_20_100.package_ndc])
        waiting = f.add_prescription(uow, uow.prescriptions.patient(bag.world.patient_id), med)
        uow.commit()
        number = waiting.prescription_number
    with pytest.raises(ValidationFailed, match="not waiting in will-call"):
        return_to_stock.return_to_stock(uow_factory, actors["technician"], bag.adjudicator, number)
    assert rx_state(uow_factory, bag.world.rx_id)[0].status == "ready"
    assert stock_of(uow_factory, bag.world.item_id)[0] == 90
    with pytest.raises(ValidationFailed, match="not on hold"):
        return_to_stock.reactivate(uow_factory, actors["technician"], bag.world.rx_id)
    invariants(engine)


def test_an_unanswered_reversal_leaves_the_claim_paid_and_says_so(uow_factory, actors, engine, bag):
    bag.adjudicator.fail_next(1)
    result = return_to_stock.return_to_stock(uow_factory, actors["technician"], bag.adjudicator, bag.world.rx_number)
    assert result.claims_reversed == () and len(result.claim_problems) == 1
    assert "not reversed" in result.message
    assert stock_of(uow_factory, bag.world.item_id)[0] == 120  # the stock is back regardless
    assert [c[0] for c in claims_of(uow_factory, bag.refill_id)] == ["approved"]
    # calling the claims service again reverses it (the returned fill's paid claims)
    [outcome] = claims.reverse_returned_claims(
        uow_factory, actors["technician"], bag.adjudicator, bag.world.rx_id, "returned to stock"
    )
    assert outcome.ok and [c[0] for c in claims_of(uow_factory, bag.refill_id)] == ["reversed"]
    invariants(engine)


def test_a_cash_patient_without_claims_returns_too(uow_factory, actors, engine):
    world = f.world(uow_factory, lots=LOTS)
    adjudicator = SimulatedAdjudicator()
    fill.fill(uow_factory, actors["technician"], world.rx_id, f.LISINOPRIL_20_100.upc, lot=fill.ANY_LOT)
    verify.approve(
        uow_factory,
        actors["pharmacist"],
        world.rx_id,
        label_scan=f.label_scan(uow_factory, world.rx_id),
        bottle_scans=[f.LISINOPRIL_20_100.upc],
    )
    result = return_to_stock.return_to_stock(uow_factory, actors["pharmacist"], adjudicator, world.rx_number)
    assert result.returned == (("EARLY", 20), ("LATE", 10)) or sorted(result.returned) == [("EARLY", 20), ("LATE", 10)]
    assert result.claims_reversed == () and result.claim_problems == ()
    assert rx_state(uow_factory, world.rx_id)[2].refills_remaining == 2  # an original fill uses no refill
    invariants(engine)
