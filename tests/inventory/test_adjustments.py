"""Stock adjustments with approval (issue 14 item 3), against the real PostgreSQL; the inventory
invariants after each scenario."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from pharmacy_desktop.errors import PermissionDenied, ValidationFailed
from pharmacy_desktop.services import adjustments, stock_ledger
from tests.fill import factories
from tests.inventory.adjust_world import batch_id, dispense, set_thresholds, stock_of, stocked_item
from tests.inventory.invariants import assert_inventory_invariants

D = Decimal


@pytest.fixture
def world(uow_factory, actors):
    """Thresholds 50 units / $100; lisinopril at $5.00 a tablet in two lots, metformin at 10 cents."""
    set_thresholds(uow_factory, 50, 100)
    user = actors["manager"].user_id
    lisinopril = stocked_item(
        uow_factory, user, factories.LISINOPRIL_20_100, [("LIS-OLD", 100, 40), ("LIS-NEW", 400, 60)], unit_cost=D("5")
    )
    metformin = stocked_item(uow_factory, user, factories.METFORMIN_500, [("MET-1", 300, 200)], unit_cost=D("0.10"))
    oxycodone = stocked_item(uow_factory, user, factories.OXYCODONE_5, [("OXY-1", 300, 100)], unit_cost=D("0.50"))
    return {"lisinopril": lisinopril, "metformin": metformin, "oxycodone": oxycodone}


def test_approval_gating_requester_cannot_approve_stock_unchanged_until_approval(uow_factory, engine, actors, world):
    item = world["lisinopril"]
    before = stock_of(uow_factory, item)
    pharmacist, tech, manager = actors["pharmacist"], actors["technician"], actors["manager"]
    # 30 tablets at $5.00 = $150: above the $100 threshold, so it waits
    requested = adjustments.request_adjustment(
        uow_factory,
        pharmacist,
        item_id=item,
        adjustment_type="damage",
        change=D(-30),
        reason="bottle dropped",
        batch_id=batch_id(uow_factory, item, "LIS-NEW"),
    )
    assert (requested.status, requested.requires_approval, requested.value) == ("pending", True, D("-150.00"))
    assert requested.transaction_id is None
    assert stock_of(uow_factory, item) == before  # no stock change, no ledger row
    assert [a.id for a in adjustments.pending_adjustments(uow_factory, manager)] == [requested.id]

    with pytest.raises(PermissionDenied, match="You requested this adjustment"):
        adjustments.approve_adjustment(uow_factory, pharmacist, requested.id)
    with pytest.raises(PermissionDenied, match="inventory.approve_adjustment"):
        adjustments.approve_adjustment(uow_factory, tech, requested.id)
    with pytest.raises(PermissionDenied, match="You requested"):
        adjustments.reject_adjustment(uow_factory, pharmacist, requested.id, note="my mistake")
    assert stock_of(uow_factory, item) == before
    assert adjustments.get_adjustment(uow_factory, manager, requested.id).status == "pending"
    # the database backs the rule: an approval by the requester breaks the four-eyes CHECK
    with pytest.raises(IntegrityError, match="ck_stock_adjustments_four_eyes"), engine.begin() as conn:
        conn.execute(
            text("UPDATE inventory_schema.stock_adjustments SET approved_by = performed_by WHERE id = :i"),
            {"i": requested.id},
        )

    approved = adjustments.approve_adjustment(uow_factory, manager, requested.id, note="seen the broken bottle")
    assert (approved.status, approved.decided_by, approved.decided_by_name) == (
        "approved",
        manager.user_id,
        "Manager Manager1",
    )
    on_hand, lots, rows = stock_of(uow_factory, item)
    assert (on_hand, lots, rows) == (D(70), {"LIS-OLD": D(40), "LIS-NEW": D(30)}, before[2] + 1)
    with uow_factory() as uow:
        (row,) = uow.inventory.movements_for(adjustments.REFERENCE, [requested.id], "damaged")
        assert (row.id, row.quantity_change, row.quantity_before, row.performed_by) == (
            approved.transaction_id,
            D(-30),
            D(100),
            manager.user_id,
        )
        events = (
            uow.session.execute(
                text("SELECT event_type FROM audit_schema.domain_events WHERE aggregate_id = :i ORDER BY occurred_at"),
                {"i": requested.id},
            )
            .scalars()
            .all()
        )
        assert events[0] == "StockAdjustmentRequested" and events[-1] == "StockAdjustmentApproved"
    with pytest.raises(ValidationFailed, match="already approved"):
        adjustments.approve_adjustment(uow_factory, manager, requested.id)
    assert_inventory_invariants(engine)


def test_small_non_controlled_adjustment_is_approved_at_once(uow_factory, engine, actors, world):
    item = world["metformin"]
    made = adjustments.request_adjustment(
        uow_factory,
        actors["technician"],
        item_id=item,
        adjustment_type="physical_count",
        counted=D(195),
        reason="shelf count",
    )
    assert (made.status, made.decided_by, made.requires_approval, made.change) == ("approved", None, False, D(-5))
    assert "Approved at once" in made.decision_note and made.transaction_id is not None
    assert stock_of(uow_factory, item)[:2] == (D(195), {"MET-1": D(195)})
    assert_inventory_invariants(engine)


@pytest.mark.parametrize(
    ("change", "unit_cost", "pending"),
    [
        (D(-50), D("0.10"), False),  # exactly the units threshold: not above it
        (D(-51), D("0.10"), True),  # above the units threshold
        (D(20), D("5.00"), False),  # $100.00: exactly the value threshold
        (D(21), D("5.00"), True),  # $105.00: above it, few units
        (D(-1), None, True),  # no unit cost: the value cannot be shown to be small
    ],
)
def test_thresholds_units_or_value(uow_factory, engine, actors, change, unit_cost, pending):
    set_thresholds(uow_factory, 50, 100)
    item = stocked_item(
        uow_factory, actors["manager"].user_id, factories.LISINOPRIL_10, [("L10", 300, 100)], unit_cost=unit_cost
    )
    made = adjustments.request_adjustment(
        uow_factory,
        actors["technician"],
        item_id=item,
        adjustment_type="system_error",
        change=change,
        reason="keyed wrong at receiving",
    )
    assert made.status == ("pending" if pending else "approved")
    assert stock_of(uow_factory, item)[0] == (D(100) if pending else D(100) + change)
    assert_inventory_invariants(engine)


def test_thresholds_come_from_the_pharmacy_profile(uow_factory, engine, actors, world):
    set_thresholds(uow_factory, 3, 1000)
    made = adjustments.request_adjustment(
        uow_factory,
        actors["technician"],
        item_id=world["metformin"],
        adjustment_type="loss",
        change=D(-4),
        reason="missing after delivery",
    )
    assert made.status == "pending"
    assert_inventory_invariants(engine)


def test_controlled_always_needs_approval_and_a_loss_gives_form_106(uow_factory, engine, actors, world):
    item = world["oxycodone"]
    pharmacist, manager = actors["pharmacist"], actors["manager"]
    made = adjustments.request_adjustment(
        uow_factory, manager, item_id=item, adjustment_type="theft", change=D(-2), reason="missing at shift count"
    )
    # 2 tablets, $1.00: small, but controlled
    assert (made.status, made.is_controlled, made.dea_form) == ("pending", True, "106")
    assert stock_of(uow_factory, item)[0] == D(100)
    form = adjustments.form_106(uow_factory, pharmacist, made.id)
    assert (form.registrant_name, form.registrant_dea, form.type_of_loss) == (
        "Main Street Pharmacy",
        "BM1234563",
        "theft",
    )
    assert (form.drug_name, form.ndc, form.strength, form.dosage_form, form.schedule) == (
        "Oxycodone Hydrochloride",
        "0406-0552-01",
        "5 mg",
        "TABLET",
        "CII",
    )
    assert (form.quantity, form.quantity_unit, form.lot_number, form.date_of_loss) == (
        D(2),
        "tablet",
        None,
        made.requested_at.astimezone().date(),
    )
    assert "12 Main Street" in form.registrant_address and form.description == "missing at shift count"
    adjustments.approve_adjustment(uow_factory, pharmacist, made.id)
    assert adjustments.form_106(uow_factory, pharmacist, made.id).lot_number == "OXY-1"  # the lot the units left
    assert stock_of(uow_factory, item)[:2] == (D(98), {"OXY-1": D(98)})
    with uow_factory() as uow:
        data = uow.session.execute(
            text(
                "SELECT event_data FROM audit_schema.domain_events WHERE aggregate_id = :i "
                "AND event_type = 'StockAdjustmentRequested'"
            ),
            {"i": made.id},
        ).scalar_one()
        assert data["form_106"]["ndc"] == "0406-0552-01" and data["form_106"]["quantity"] == "2"
    # an increase of a controlled item (a count found one more) waits too; no form for it
    found = adjustments.request_adjustment(
        uow_factory, pharmacist, item_id=item, adjustment_type="physical_count", change=D(1), reason="found in tray"
    )
    assert (found.status, found.dea_form) == ("pending", None)
    with pytest.raises(ValidationFailed, match="no DEA Form 106"):
        adjustments.form_106(uow_factory, pharmacist, found.id)
    assert_inventory_invariants(engine)


def test_stock_moved_since_the_request_applies_the_difference_or_is_refused(uow_factory, engine, actors, world):
    item, manager, pharmacist = world["lisinopril"], actors["manager"], actors["pharmacist"]
    counted = adjustments.request_adjustment(
        uow_factory, pharmacist, item_id=item, adjustment_type="physical_count", counted=D(70), reason="shelf count"
    )
    assert (counted.quantity_expected, counted.change) == (D(100), D(-30))
    dispense(uow_factory, manager.user_id, item, "LIS-OLD", 10)  # a fill after the count
    adjustments.approve_adjustment(uow_factory, manager, counted.id)
    # the shelf had 70, 10 left by the fill: 60, not the 70 counted
    assert stock_of(uow_factory, item)[:2] == (D(60), {"LIS-OLD": D(0), "LIS-NEW": D(60)})
    assert_inventory_invariants(engine)

    too_big = adjustments.request_adjustment(
        uow_factory, pharmacist, item_id=item, adjustment_type="loss", change=D(-55), reason="not found"
    )
    dispense(uow_factory, manager.user_id, item, "LIS-NEW", 10)
    before = stock_of(uow_factory, item)
    with pytest.raises(ValidationFailed, match="went down to 50.*Count the shelf again"):
        adjustments.approve_adjustment(uow_factory, manager, too_big.id)
    assert stock_of(uow_factory, item) == before
    assert adjustments.get_adjustment(uow_factory, manager, too_big.id).status == "pending"
    rejected = adjustments.reject_adjustment(uow_factory, manager, too_big.id, note="count again")
    assert (rejected.status, rejected.decision_note, rejected.transaction_id) == ("rejected", "count again", None)
    assert stock_of(uow_factory, item) == before
    assert_inventory_invariants(engine)


def test_where_the_units_go_without_a_lot(uow_factory, engine, actors, world):
    item, manager, pharmacist = world["lisinopril"], actors["manager"], actors["pharmacist"]
    lost = adjustments.request_adjustment(
        uow_factory, pharmacist, item_id=item, adjustment_type="loss", change=D(-45), reason="box missing"
    )
    adjustments.approve_adjustment(uow_factory, manager, lost.id)
    # soonest expiry first: all 40 of LIS-OLD, then 5 of LIS-NEW, one row per lot
    assert stock_of(uow_factory, item)[:2] == (D(55), {"LIS-OLD": D(0), "LIS-NEW": D(55)})
    with uow_factory() as uow:
        rows = uow.inventory.movements_for(adjustments.REFERENCE, [lost.id], "adjustment")
        assert sorted(r.quantity_change for r in rows) == [D(-40), D(-5)]
    found = adjustments.request_adjustment(
        uow_factory,
        pharmacist,
        item_id=item,
        adjustment_type="system_error",
        change=D(25),
        reason="receipt keyed short",
    )
    adjustments.approve_adjustment(uow_factory, manager, found.id)
    assert stock_of(uow_factory, item)[:2] == (D(80), {"LIS-OLD": D(0), "LIS-NEW": D(80)})  # the newest lot
    assert_inventory_invariants(engine)


def test_requests_a_person_gets_wrong_are_refused_with_what_to_do(uow_factory, engine, actors, world):
    tech, item = actors["technician"], world["lisinopril"]
    before = stock_of(uow_factory, item)

    def request(**kwargs):
        args = dict(item_id=item, adjustment_type="damage", change=D(-1), reason="crushed")
        return adjustments.request_adjustment(uow_factory, tech, **{**args, **kwargs})

    with pytest.raises(ValidationFailed, match="Type the reason"):
        request(reason="   ")
    with pytest.raises(ValidationFailed, match="can only take stock away"):
        request(change=D(3))
    with pytest.raises(ValidationFailed, match="not an adjustment type"):
        request(adjustment_type="destruction")
    with pytest.raises(ValidationFailed, match="nothing to adjust"):
        request(adjustment_type="physical_count", change=None, counted=D(100))
    with pytest.raises(ValidationFailed, match="Only 40 tablet are on record"):
        request(change=D(-41), batch_id=batch_id(uow_factory, item, "LIS-OLD"))
    with pytest.raises(PermissionDenied):
        adjustments.request_adjustment(
            uow_factory, actors["admin"], item_id=item, adjustment_type="damage", change=D(-1), reason="x"
        )
    pending = request(change=D(-30))
    with pytest.raises(ValidationFailed, match="Type why"):
        adjustments.reject_adjustment(uow_factory, actors["manager"], pending.id, note=" ")
    with uow_factory(actor_id=actors["manager"].user_id) as uow:  # the lot goes to quarantine meanwhile
        lot = uow.inventory.get_batch(batch_id(uow_factory, item, "LIS-OLD"), for_update=True)
        stock_item = uow.inventory.lock_item(item)
        lot.status = "recalled"
        stock_ledger.post(uow, stock_item, change=-lot.quantity_remaining, kind="adjustment", batch=lot)
        uow.commit()
    with pytest.raises(ValidationFailed, match="LIS-OLD is recalled"):
        request(batch_id=batch_id(uow_factory, item, "LIS-OLD"))
    assert stock_of(uow_factory, item)[0] == before[0] - 40
    assert_inventory_invariants(engine)


def test_two_approvers_at_once_and_fills_meanwhile_apply_it_once(uow_factory, engine, actors, world):
    item, tech = world["lisinopril"], actors["technician"]
    approvers = [actors["pharmacist"], actors["manager"]]
    for _ in range(3):
        made = adjustments.request_adjustment(
            uow_factory, tech, item_id=item, adjustment_type="loss", change=D(-25), reason="not on the shelf"
        )
        assert made.status == "pending"  # $125
        before = stock_of(uow_factory, item)[0]
        start = threading.Barrier(3)
        outcomes: list[object] = []

        def approve(actor):
            start.wait()
            try:
                outcomes.append(adjustments.approve_adjustment(uow_factory, actor, made.id).status)
            except ValidationFailed as exc:
                outcomes.append(exc.message)

        def fill():
            start.wait()
            dispense(uow_factory, actors["manager"].user_id, item, "LIS-NEW", 1)

        threads = [threading.Thread(target=approve, args=(a,)) for a in approvers] + [threading.Thread(target=fill)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert len(outcomes) == 2 and outcomes.count("approved") == 1, outcomes
        assert any("already approved" in str(o) for o in outcomes), outcomes
        assert stock_of(uow_factory, item)[0] == before - 25 - 1
        with uow_factory() as uow:
            rows = uow.inventory.movements_for(adjustments.REFERENCE, [made.id], "adjustment")
            assert sum(r.quantity_change for r in rows) == D(-25)  # once (a row per lot it took from)
        assert_inventory_invariants(engine)
