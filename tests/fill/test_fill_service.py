"""The fill service against a real PostgreSQL: matching, lots, FEFO, partial fills, refills, queue."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import func, inspect, select

from pharmacy_desktop.db.models.audit import DomainEvent
from pharmacy_desktop.db.models.inventory import InventoryBatch, InventoryItem, InventoryTransaction
from pharmacy_desktop.db.models.notifications import PrintJob
from pharmacy_desktop.db.models.prescriptions import Prescription, PrescriptionItem, PrescriptionRefill
from pharmacy_desktop.errors import PermissionDenied
from pharmacy_desktop.services import fill as svc
from tests.fill import factories as f
from tests.fill.factories import TODAY

D = Decimal


def snapshot(uow_factory, world):
    """Everything a fill may change, to prove a refused fill changed nothing."""
    with uow_factory() as uow:
        s = uow.session
        return dict(
            on_hand=sorted((i.ndc_code, i.quantity_on_hand, i.version) for i in s.scalars(select(InventoryItem))),
            batches=sorted(
                (b.batch_number, b.quantity_remaining, b.version) for b in s.scalars(select(InventoryBatch))
            ),
            transactions=s.scalar(select(func.count()).select_from(InventoryTransaction)),
            refills=s.scalar(select(func.count()).select_from(PrescriptionRefill)),
            jobs=s.scalar(select(func.count()).select_from(PrintJob)),
            rx=s.get(Prescription, world.rx_id).status,
        )


def plain(obj):
    """A detached copy of a row's columns (the session's rollback would expire the object)."""
    return SimpleNamespace(**{c.key: getattr(obj, c.key) for c in inspect(obj).mapper.column_attrs})


def rx_state(uow_factory, rx_id):
    with uow_factory() as uow:
        rx = uow.session.get(Prescription, rx_id)
        refills = list(
            uow.session.scalars(
                select(PrescriptionRefill)
                .where(PrescriptionRefill.prescription_id == rx_id)
                .order_by(PrescriptionRefill.created_at)
            )
        )
        item = uow.session.scalars(select(PrescriptionItem).where(PrescriptionItem.prescription_id == rx_id)).one()
        return plain(rx), [plain(r) for r in refills], plain(item)


def stock_of(uow_factory, item_id):
    with uow_factory() as uow:
        item = uow.session.get(InventoryItem, item_id)
        batches = {
            b.batch_number: b.quantity_remaining
            for b in uow.session.scalars(select(InventoryBatch).where(InventoryBatch.inventory_item_id == item_id))
        }
        moves = list(
            uow.session.scalars(
                select(InventoryTransaction)
                .where(InventoryTransaction.inventory_item_id == item_id)
                .order_by(InventoryTransaction.quantity_before.desc())
            )
        )
        return item.quantity_on_hand, batches, [plain(m) for m in moves]


# -- matching ------------------------------------------------------------------------------------


def test_exact_bottle_fills_deducts_stock_records_refill_and_queues_label(uow_factory, actors, rx_world):
    tech = actors["technician"]
    result = svc.fill(uow_factory, tech, rx_world.rx_id, f.LISINOPRIL_20_100.upc)

    assert result.quantity == 30 and not result.is_partial and result.status == "in_progress"
    rx, refills, item = rx_state(uow_factory, rx_world.rx_id)
    assert rx.status == "in_progress" and rx.filled_by == tech.user_id
    [refill] = refills
    assert (refill.refill_number, refill.status, refill.quantity_dispensed) == (0, "filled", 30)
    assert refill.ndc_code == f.LISINOPRIL_20_100.ndc11 and refill.lot_number == "L100"
    assert refill.label_job_id == result.label_job_id is not None
    assert item.dispensed_ndc == f.LISINOPRIL_20_100.ndc11 and item.refills_remaining == 2
    on_hand, batches, moves = stock_of(uow_factory, rx_world.item_id)
    assert on_hand == 470 and batches == {"L100": 470}
    [move] = moves
    assert (move.transaction_type, move.quantity_change, move.quantity_before, move.quantity_after) == (
        "dispensed",
        -30,
        500,
        470,
    )
    assert move.reference_id == refill.id
    with uow_factory() as uow:
        job = uow.session.get(PrintJob, result.label_job_id)
        assert job.job_type == "label" and job.rx_number == rx_world.rx_number


def test_allowed_generic_from_another_labeler_fills(uow_factory, actors, rx_world):
    check = svc.check_scan(uow_factory, actors["technician"], rx_world.rx_id, "68180-514-01")
    assert check.ok and check.match == "equivalent"
    result = svc.fill(uow_factory, actors["technician"], rx_world.rx_id, "68180-514-01")
    _, [refill], _ = rx_state(uow_factory, rx_world.rx_id)
    assert refill.ndc_code == f.LISINOPRIL_20_OTHER.ndc11 and result.quantity == 30


def test_daw_1_forbids_the_generic(uow_factory, actors):
    world = f.world(uow_factory, prescribed=f.ZESTRIL_20, rx_kwargs={"daw": "1"})
    before = snapshot(uow_factory, world)
    with pytest.raises(svc.WrongProduct) as caught:
        svc.fill(uow_factory, actors["technician"], world.rx_id, f.LISINOPRIL_20_100.upc)
    assert "DAW 1" in caught.value.message and "Zestril" in caught.value.message
    assert caught.value.check.status == svc.HARD_STOP
    assert snapshot(uow_factory, world) == before
    # the brand itself is fine
    assert svc.fill(uow_factory, actors["technician"], world.rx_id, f.ZESTRIL_20.upc).quantity == 30


def test_wrong_strength_is_a_hard_stop_and_changes_nothing(uow_factory, actors, rx_world):
    before = snapshot(uow_factory, rx_world)
    with pytest.raises(svc.WrongProduct) as caught:
        svc.fill(uow_factory, actors["technician"], rx_world.rx_id, f.LISINOPRIL_10.upc)
    message = caught.value.message
    assert message.startswith("Wrong strength: scanned Lisinopril 10 mg") and "prescribed Lisinopril 20 mg" in message
    assert snapshot(uow_factory, rx_world) == before


def test_wrong_drug_is_a_hard_stop_recorded_as_an_event(uow_factory, actors, rx_world):
    check = svc.check_scan(uow_factory, actors["technician"], rx_world.rx_id, f.METFORMIN_500.upc)
    assert check.status == svc.HARD_STOP
    assert "Wrong drug: scanned Metformin Hydrochloride 500 mg" in check.message
    assert "prescribed Lisinopril 20 mg" in check.message
    with uow_factory() as uow:
        events = [
            e.aggregate_id
            for e in uow.session.scalars(select(DomainEvent).where(DomainEvent.event_type == "FillHardStop"))
        ]
    assert events == [rx_world.rx_id]


def test_other_package_size_warns_but_fills(uow_factory, actors, rx_world):
    check = svc.check_scan(uow_factory, actors["technician"], rx_world.rx_id, f.LISINOPRIL_20_1000.upc)
    assert check.ok and check.match == "same_product"
    assert any("Different package size" in w and "1000 tablet per bottle" in w for w in check.warnings)
    result = svc.fill(uow_factory, actors["technician"], rx_world.rx_id, f.LISINOPRIL_20_1000.upc)
    assert result.warnings == check.warnings


def test_unknown_and_bad_barcodes_say_so(uow_factory, actors, rx_world):
    assert svc.check_scan(uow_factory, actors["technician"], rx_world.rx_id, "00000-0000-00").status == svc.INVALID
    bad = svc.check_scan(uow_factory, actors["technician"], rx_world.rx_id, f.LISINOPRIL_20_100.upc[:-1] + "0")
    assert bad.status == svc.INVALID and "check digit" in bad.message


# -- lots and expiry ---------------------------------------------------------------------------


def test_datamatrix_records_lot_expiry_and_serial(uow_factory, actors):
    expiry = TODAY + dt.timedelta(days=200)
    world = f.world(uow_factory, lots=[("AB123", expiry, 100), ("ZZ999", TODAY + dt.timedelta(days=20), 100)])
    scan = f.LISINOPRIL_20_100.datamatrix("AB123", expiry, serial="SN0001")
    svc.fill(uow_factory, actors["technician"], world.rx_id, scan)
    _, [refill], _ = rx_state(uow_factory, world.rx_id)
    assert (refill.lot_number, refill.expiration_date, refill.serial_number) == ("AB123", expiry, "SN0001")
    _, batches, _ = stock_of(uow_factory, world.item_id)
    assert batches == {"AB123": 70, "ZZ999": 100}  # the scanned lot, not the first-expiring one


def test_expired_lot_is_refused(uow_factory, actors):
    old = TODAY - dt.timedelta(days=3)
    world = f.world(uow_factory, lots=[("OLD1", old, 100), ("NEW1", TODAY + dt.timedelta(days=300), 100)])
    before = snapshot(uow_factory, world)
    with pytest.raises(svc.StockRefused) as caught:
        svc.fill(uow_factory, actors["technician"], world.rx_id, f.LISINOPRIL_20_100.datamatrix("OLD1", old))
    assert "EXPIRED" in caught.value.message and "OLD1" in caught.value.message
    assert snapshot(uow_factory, world) == before


def test_recalled_lot_is_refused(uow_factory, actors):
    expiry = TODAY + dt.timedelta(days=300)
    world = f.world(uow_factory, lots=[("RC1", expiry, 100), ("OK1", expiry, 100)], statuses={"RC1": "recalled"})
    with pytest.raises(svc.StockRefused) as caught:
        svc.fill(uow_factory, actors["technician"], world.rx_id, f.LISINOPRIL_20_100.datamatrix("RC1", expiry))
    assert "RECALLED" in caught.value.message


def test_unrecorded_lot_is_refused_with_the_lots_on_record(uow_factory, actors, rx_world):
    scan = f.LISINOPRIL_20_100.datamatrix("NOPE9", TODAY + dt.timedelta(days=300))
    check = svc.check_scan(uow_factory, actors["technician"], rx_world.rx_id, scan)
    assert check.status == svc.REFUSED and "NOPE9" in check.message and "L100" in check.message


def test_fefo_across_lots_skips_expired_and_recalled(uow_factory, actors):
    world = f.world(
        uow_factory,
        lots=[
            ("LATE", TODAY + dt.timedelta(days=300), 500),
            ("EARLY", TODAY + dt.timedelta(days=60), 20),
            ("GONE", TODAY - dt.timedelta(days=5), 50),
            ("RCL", TODAY + dt.timedelta(days=10), 50),
        ],
        statuses={"RCL": "recalled"},
    )
    # a scan without a lot: an expired and a recalled lot are on hand, so the filler says which lot
    # is in the hand (issue 15 item 7); "several bottles, first expiry first" is refused meanwhile
    check = svc.check_scan(uow_factory, actors["technician"], world.rx_id, f.LISINOPRIL_20_100.upc)
    assert [c.lot for c in check.lot_choices if c.problem is None] == ["EARLY", "LATE"]
    with pytest.raises(svc.StockRefused):
        svc.fill(uow_factory, actors["technician"], world.rx_id, f.LISINOPRIL_20_100.upc, lot=svc.ANY_LOT)
    with uow_factory() as uow:  # the held lots leave the shelf (returned to the supplier)
        for batch in uow.session.scalars(
            select(InventoryBatch).where(InventoryBatch.batch_number.in_(["GONE", "RCL"]))
        ):
            batch.status = "returned"
        uow.commit()
    result = svc.fill(uow_factory, actors["technician"], world.rx_id, f.LISINOPRIL_20_100.upc, lot=svc.ANY_LOT)
    assert [(l.lot, l.quantity) for l in result.lines] == [("EARLY", 20), ("LATE", 10)]
    on_hand, batches, moves = stock_of(uow_factory, world.item_id)
    assert batches == {"LATE": 490, "EARLY": 0, "GONE": 50, "RCL": 50}
    assert on_hand == 620 - 30
    assert [(m.quantity_change, m.quantity_before, m.quantity_after) for m in moves] == [
        (-20, 620, 600),
        (-10, 600, 590),
    ]
    _, [refill], _ = rx_state(uow_factory, world.rx_id)
    assert refill.lot_number == "EARLY" and refill.expiration_date == TODAY + dt.timedelta(days=60)


# -- quantity ----------------------------------------------------------------------------------


def test_insufficient_stock_says_on_hand_then_partial_fill(uow_factory, actors):
    world = f.world(
        uow_factory, lots=[("LOW", TODAY + dt.timedelta(days=300), 12), ("EXP", TODAY - dt.timedelta(days=1), 8)]
    )
    with pytest.raises(svc.StockRefused) as asked:  # two lots on hand, one expired: which is in the hand?
        svc.fill(uow_factory, actors["technician"], world.rx_id, f.LISINOPRIL_20_100.upc)
    assert [c.lot for c in asked.value.check.lot_choices] == ["LOW", "EXP"]
    with pytest.raises(svc.InsufficientStock) as caught:
        svc.fill(uow_factory, actors["technician"], world.rx_id, f.LISINOPRIL_20_100.upc, lot="LOW")
    check = caught.value.check
    assert check.on_hand == 20 and check.available == 12 and check.partial_possible
    assert "20 tablets on hand" in check.message and "partial fill" in check.message
    result = svc.fill(uow_factory, actors["technician"], world.rx_id, f.LISINOPRIL_20_100.upc, partial=True, lot="LOW")
    assert result.quantity == 12 and result.is_partial
    _, [refill], _ = rx_state(uow_factory, world.rx_id)
    assert refill.is_partial and refill.quantity_dispensed == 12 and refill.days_supply == 12
    on_hand, batches, _ = stock_of(uow_factory, world.item_id)
    assert on_hand == 8 and batches == {"LOW": 0, "EXP": 8}


def test_no_stock_at_all_offers_nothing(uow_factory, actors):
    world = f.world(uow_factory, lots=[("E", TODAY + dt.timedelta(days=30), 0)])
    check = svc.check_scan(uow_factory, actors["technician"], world.rx_id, f.LISINOPRIL_20_100.upc, partial=True)
    assert check.status == svc.INSUFFICIENT and not check.partial_possible and "order more" in check.message


# -- refills, states, permissions --------------------------------------------------------------


def test_refill_gets_the_next_number_and_decrements_refills_remaining(uow_factory, actors, rx_world):
    with uow_factory() as uow:
        rx = uow.prescriptions.get_with_items(rx_world.rx_id)
        f.add_previous_fill(uow, rx, uow.session.get(f.Medication, rx_world.meds[f.LISINOPRIL_20_100.package_ndc]))
        uow.commit()
    result = svc.fill(uow_factory, actors["technician"], rx_world.rx_id, f.LISINOPRIL_20_100.upc)
    assert result.refill_number == 1
    _, _, item = rx_state(uow_factory, rx_world.rx_id)
    assert item.refills_remaining == 1


def test_no_refills_left_is_refused(uow_factory, actors):
    world = f.world(uow_factory, rx_kwargs={"refills": 0})
    with uow_factory() as uow:
        rx = uow.prescriptions.get_with_items(world.rx_id)
        f.add_previous_fill(uow, rx, uow.session.get(f.Medication, world.meds[f.LISINOPRIL_20_100.package_ndc]))
        uow.commit()
    with pytest.raises(svc.StockRefused) as caught:
        svc.fill(uow_factory, actors["technician"], world.rx_id, f.LISINOPRIL_20_100.upc)
    assert "No refills left" in caught.value.message


def test_a_filled_prescription_cannot_be_filled_twice(uow_factory, actors, rx_world):
    svc.fill(uow_factory, actors["technician"], rx_world.rx_id, f.LISINOPRIL_20_100.upc)
    with pytest.raises(svc.FillRefused) as caught:
        svc.fill(uow_factory, actors["technician"], rx_world.rx_id, f.LISINOPRIL_20_100.upc)
    assert "not waiting to be filled" in caught.value.message
    on_hand, _, moves = stock_of(uow_factory, rx_world.item_id)
    assert on_hand == 470 and len(moves) == 1


def test_fill_needs_the_fill_permission(uow_factory, actors, rx_world):
    with pytest.raises(PermissionDenied):
        svc.fill(uow_factory, actors["manager"], rx_world.rx_id, f.LISINOPRIL_20_100.upc)
    assert stock_of(uow_factory, rx_world.item_id)[0] == 500


def test_queue_is_stat_first_then_promised_then_oldest(uow_factory, actors):
    now = dt.datetime.now(dt.UTC)
    with uow_factory() as uow:
        f.add_pharmacy(uow)
        med = f.add_medication(uow, f.LISINOPRIL_20_100)
        oxy = f.add_medication(uow, f.OXYCODONE_5)
        p = f.add_patient(uow)
        old = f.add_prescription(uow, p, med, received_ago=dt.timedelta(hours=5))
        new = f.add_prescription(uow, p, med, received_ago=dt.timedelta(minutes=5))
        promised = f.add_prescription(
            uow, p, med, received_ago=dt.timedelta(minutes=1), promised_at=now + dt.timedelta(minutes=30)
        )
        stat = f.add_prescription(uow, p, oxy, received_ago=dt.timedelta(minutes=2), stat=True, refills=0)
        f.add_prescription(uow, p, med, status="received")
        uow.commit()
        expected = [
            stat.prescription_number,
            promised.prescription_number,
            old.prescription_number,
            new.prescription_number,
        ]
    rows = svc.fill_queue(uow_factory, actors["technician"])
    assert [r.rx_number for r in rows] == expected
    assert rows[0].is_stat and rows[0].schedule == "C-II" and rows[2].waiting_minutes >= 299


def test_open_for_fill_shows_the_prescription_and_logs_access(uow_factory, actors, rx_world):
    view = svc.open_for_fill(uow_factory, actors["technician"], rx_world.rx_id)
    assert view.patient_name == "Gonzalez, Maria" and view.rx_number == rx_world.rx_number
    item = view.current_item
    assert item.drug.name == "Lisinopril 20 mg tablet" and item.quantity == 30 and item.on_hand == 500
    assert item.next_fill_number == 0 and item.directions == "Take 1 tablet by mouth once a day"
