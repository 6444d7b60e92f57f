"""Final verification and will-call against a real PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import update

from pharmacy_desktop.db.models.prescriptions import Prescription
from pharmacy_desktop.errors import ConcurrentUpdate, PermissionDenied, ValidationFailed
from pharmacy_desktop.services import fill, verify, will_call
from tests.fill import factories as f
from tests.fill.factories import TODAY
from tests.fill.test_fill_service import rx_state, stock_of


@pytest.fixture
def filled(uow_factory, actors, rx_world):
    fill.fill(uow_factory, actors["technician"], rx_world.rx_id, f.LISINOPRIL_20_100.upc)
    return rx_world


def approve(uow_factory, actor, rx_id, bottle_scans=(f.LISINOPRIL_20_100.upc,), **how):
    """``verify.approve`` with the scan of the Rx's printed vial label and of the bottles (the
    prescribed one unless told); ``how``: its other keyword arguments."""
    return verify.approve(
        uow_factory, actor, rx_id, label_scan=f.label_scan(uow_factory, rx_id), bottle_scans=list(bottle_scans), **how
    )


def test_label_scan_opens_prescribed_vs_filled(uow_factory, actors, filled):
    view = verify.open_by_label_scan(uow_factory, actors["pharmacist"], f"]C0{filled.rx_number}")
    assert view.rx_number == filled.rx_number and view.status == "in_progress"
    [line] = view.lines
    assert line.prescribed.name == line.filled.name == "Lisinopril 20 mg tablet"
    assert line.filled.ndc == "64725-1020-1" and line.lot == "L100" and line.filled_quantity == 30
    assert line.match == "exact"
    assert line.label_lines[0] == "Maria Gonzalez" and "Take 1 tablet by mouth once a day" in line.label_lines


def test_bottle_check_matches_and_stops_on_wrong_bottle(uow_factory, actors, filled):
    ok = verify.check_bottle(uow_factory, actors["pharmacist"], filled.rx_id, f.LISINOPRIL_20_100.upc)
    assert ok.ok
    bad = verify.check_bottle(uow_factory, actors["pharmacist"], filled.rx_id, f.LISINOPRIL_10.upc)
    assert not bad.ok and "Wrong bottle: scanned Lisinopril 10 mg" in bad.message and "Lisinopril 20 mg" in bad.message


def test_approve_makes_it_ready_in_a_bin_with_the_pharmacist_recorded(uow_factory, actors, filled):
    pharmacist = actors["pharmacist"]
    result = approve(uow_factory, pharmacist, filled.rx_id)
    assert result.bin_code == "A" and result.verified_by == pharmacist.display_name
    rx, [refill], _ = rx_state(uow_factory, filled.rx_id)
    assert rx.status == "ready" and rx.verified_by == pharmacist.user_id and rx.ready_at is not None
    assert refill.status == "verified" and refill.verified_by == pharmacist.user_id
    # the same patient's next prescription joins the same bag
    with uow_factory() as uow:
        p = uow.session.get(f.Patient, filled.patient_id)
        other = f.add_patient(uow, "Ann", "Lee")
        med = uow.session.get(f.Medication, filled.meds[f.LISINOPRIL_20_100.package_ndc])
        second = f.add_prescription(uow, p, med)
        third = f.add_prescription(uow, other, med)
        uow.commit()
        second_id, third_id = second.id, third.id
    for rx_id in (second_id, third_id):
        fill.fill(uow_factory, actors["technician"], rx_id, f.LISINOPRIL_20_100.upc)
    assert approve(uow_factory, pharmacist, second_id).bin_code == "A"
    assert approve(uow_factory, pharmacist, third_id).bin_code == "B"


def test_a_technician_cannot_approve(uow_factory, actors, filled):
    with pytest.raises(PermissionDenied):
        approve(uow_factory, actors["technician"], filled.rx_id)
    assert rx_state(uow_factory, filled.rx_id)[0].status == "in_progress"


def test_a_forged_actor_cannot_approve(uow_factory, actors, filled):
    """An Actor object claiming the permission does not help: the role is read from the database."""
    tech = actors["technician"]
    forged = dataclasses.replace(tech, permissions=tech.permissions | {"prescription.final_verify"})
    with pytest.raises(PermissionDenied):
        approve(uow_factory, forged, filled.rx_id)
    assert rx_state(uow_factory, filled.rx_id)[0].status == "in_progress"


def test_approval_needs_the_bottle_scan(uow_factory, actors, filled):
    with pytest.raises(ValidationFailed):
        approve(uow_factory, actors["pharmacist"], filled.rx_id, [])
    with pytest.raises(verify.BottleMismatch):
        approve(uow_factory, actors["pharmacist"], filled.rx_id, [f.METFORMIN_500.upc])
    assert rx_state(uow_factory, filled.rx_id)[0].status == "in_progress"


def test_approval_of_a_changed_prescription_is_refused(uow_factory, actors, filled):
    view = verify.open_for_verify(uow_factory, actors["pharmacist"], filled.rx_id)
    with uow_factory() as uow:
        uow.session.get(Prescription, filled.rx_id).notes = "patient called"
        uow.commit()
    with pytest.raises(ConcurrentUpdate):
        approve(uow_factory, actors["pharmacist"], filled.rx_id, expected_version=view.version)


def test_return_to_fill_reverses_every_stock_movement(uow_factory, actors):
    world = f.world(
        uow_factory, lots=[("EARLY", TODAY + dt.timedelta(days=60), 20), ("LATE", TODAY + dt.timedelta(days=300), 100)]
    )
    with uow_factory() as uow:
        rx = uow.prescriptions.get_with_items(world.rx_id)
        f.add_previous_fill(uow, rx, uow.session.get(f.Medication, world.meds[f.LISINOPRIL_20_100.package_ndc]))
        uow.commit()
    fill.fill(uow_factory, actors["technician"], world.rx_id, f.LISINOPRIL_20_100.upc, lot=fill.ANY_LOT)
    assert rx_state(uow_factory, world.rx_id)[2].refills_remaining == 1

    with pytest.raises(ValidationFailed):
        verify.return_to_fill(uow_factory, actors["pharmacist"], world.rx_id, "   ")
    result = verify.return_to_fill(uow_factory, actors["pharmacist"], world.rx_id, "wrong count")
    assert sorted(result.returned) == [("EARLY", 20), ("LATE", 10)]

    on_hand, batches, moves = stock_of(uow_factory, world.item_id)
    assert on_hand == 120 and batches == {"EARLY": 20, "LATE": 100}
    kinds = sorted((m.transaction_type, m.quantity_change) for m in moves)
    assert kinds == [("dispensed", -20), ("dispensed", -10), ("return", 10), ("return", 20)]
    assert sum(m.quantity_change for m in moves) == 0
    rx, refills, item = rx_state(uow_factory, world.rx_id)
    assert rx.status == "validated" and "wrong count" in rx.returned_note
    assert [r.status for r in refills if r.refill_number == 1] == ["returned"]
    assert item.refills_remaining == 2 and item.dispensed_ndc is None

    # and it can be filled again, as the same refill number
    again = fill.fill(uow_factory, actors["technician"], world.rx_id, f.LISINOPRIL_20_100.upc, lot=fill.ANY_LOT)
    assert again.refill_number == 1 and stock_of(uow_factory, world.item_id)[0] == 90


def test_returned_prescription_shows_its_note_in_the_fill_queue(uow_factory, actors, filled):
    verify.return_to_fill(uow_factory, actors["pharmacist"], filled.rx_id, "label smudged")
    [row] = fill.fill_queue(uow_factory, actors["technician"])
    assert row.rx_number == filled.rx_number and "label smudged" in row.returned_note


def test_verify_queue_lists_filled_prescriptions(uow_factory, actors, filled):
    rows = verify.verify_queue(uow_factory, actors["pharmacist"])
    assert [r.rx_number for r in rows] == [filled.rx_number]
    with pytest.raises(PermissionDenied):
        verify.verify_queue(uow_factory, actors["technician"])


# -- will-call ---------------------------------------------------------------------------------


def make_ready(uow_factory, actors, rx_id):
    fill.fill(uow_factory, actors["technician"], rx_id, f.LISINOPRIL_20_100.upc)
    return approve(uow_factory, actors["pharmacist"], rx_id)


def test_will_call_bins_contents_and_searches(uow_factory, actors, rx_world):
    make_ready(uow_factory, actors, rx_world.rx_id)
    with uow_factory() as uow:
        med = uow.session.get(f.Medication, rx_world.meds[f.LISINOPRIL_20_100.package_ndc])
        lee = f.add_patient(uow, "Ann", "Lee")
        old = f.add_prescription(uow, lee, med)
        uow.commit()
        old_id, old_number = old.id, old.prescription_number
    make_ready(uow_factory, actors, old_id)
    with uow_factory() as uow:
        uow.session.execute(
            update(Prescription)
            .where(Prescription.id == old_id)
            .values(ready_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=9))
        )
        uow.commit()

    tech = actors["technician"]
    bins = {b.code: b for b in will_call.list_bins(uow_factory, tech)}
    assert len(bins) == 8 and bins["A"].count == 1 and bins["B"].count == 1 and bins["C"].count == 0
    [in_a] = will_call.bin_contents(uow_factory, tech, "a")
    assert (
        in_a.patient_name == "Gonzalez, Maria"
        and in_a.drug == "Lisinopril 20 mg tablet"
        and in_a.quantity == "30 tablets"
    )
    [by_scan] = will_call.find_by_label_scan(uow_factory, tech, old_number)
    assert by_scan.patient_name == "Lee, Ann" and by_scan.bin_code == "B"
    assert [r.rx_number for r in will_call.find_by_patient_name(uow_factory, tech, "gonz, mar")] == [rx_world.rx_number]
    [stale] = will_call.waiting_longer_than(uow_factory, tech, 7)
    assert stale.rx_number == old_number and stale.waiting_days == 9 and stale.waiting == "9 days"
    assert will_call.waiting_longer_than(uow_factory, tech, 10) == []


def test_label_scan_of_a_prescription_not_in_will_call_says_so(uow_factory, actors, rx_world):
    with pytest.raises(ValidationFailed) as caught:
        will_call.find_by_label_scan(uow_factory, actors["technician"], rx_world.rx_number)
    assert "not in will-call" in caught.value.message


def test_chosen_bin_must_exist(uow_factory, actors, filled):
    with pytest.raises(ValidationFailed):
        approve(uow_factory, actors["pharmacist"], filled.rx_id, bin_code="Q9")


def test_return_to_fill_cancels_the_label_still_waiting_for_its_printer(uow_factory, actors, filled):
    from pharmacy_desktop.db.models.notifications import PrintJob

    with uow_factory() as uow:
        [job] = uow.session.query(PrintJob).filter(PrintJob.rx_number == filled.rx_number).all()
        assert job.status == "queued"
        job_id = job.id
    verify.return_to_fill(uow_factory, actors["pharmacist"], filled.rx_id, "wrong count")
    with uow_factory() as uow:
        assert uow.session.get(PrintJob, job_id).status == "cancelled"
