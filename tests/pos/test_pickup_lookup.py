"""Finding the bag and reading what waits (services/pickup.py) against the real PostgreSQL: by label scan,
name and bin; counseling needs; the date-of-birth check; household members."""

from __future__ import annotations

import pytest

from pharmacy_desktop.db.models.prescriptions import Medication
from pharmacy_desktop.errors import NotFound, PermissionDenied, ValidationFailed
from pharmacy_desktop.services import fill, pickup, verify
from tests.fill import factories as f
from tests.pos.conftest import add_patient, allow_pickup, ready_rx


def refill_of(uow_factory, actors, pos, previous: f.Drug, now: f.Drug = f.LISINOPRIL_20_100):
    """The world's prescription filled once before with ``previous``, now filled with ``now`` and ready."""
    with uow_factory() as uow:
        rx = uow.prescriptions.get_with_items(pos.world.rx_id)
        f.add_previous_fill(uow, rx, uow.session.get(Medication, pos.meds[previous.package_ndc]))
        uow.commit()
    fill.fill(uow_factory, actors["technician"], pos.world.rx_id, now.upc)
    verify.approve(
        uow_factory,
        actors["pharmacist"],
        pos.world.rx_id,
        label_scan=f.label_scan(uow_factory, pos.world.rx_id),
        bottle_scans=[now.upc],
    )
    [line] = pickup.open_pickup(uow_factory, actors["technician"], pos.patient_id).prescriptions
    return line


def test_label_scan_name_and_bin_find_the_bag(uow_factory, actors, pos):
    tech = actors["technician"]
    rx_id, refill_id, number = ready_rx(uow_factory, actors, pos)
    view = pickup.find_by_scan(uow_factory, tech, f"]C0{number}")
    assert view.patient_id == pos.patient_id and view.patient_name == "Gonzalez, Maria"
    [line] = view.prescriptions
    assert (line.prescription_id, line.refill_id, line.rx_number) == (rx_id, refill_id, number)
    assert line.drug == "Lisinopril 20 mg tablet" and line.quantity == "30 tablets" and line.bin_code == "A"
    assert not line.is_controlled and line.schedule is None and line.refill_number == 0
    [match] = pickup.find_by_name(uow_factory, tech, "gonz, mar")
    assert (match.patient_id, match.ready_count, match.bins) == (pos.patient_id, 1, ("A",))
    assert [m.patient_id for m in pickup.find_by_bin(uow_factory, tech, "a")] == [pos.patient_id]
    assert pickup.find_by_bin(uow_factory, tech, "B") == []
    assert pickup.find_by_name(uow_factory, tech, "nobody") == []


def test_scans_that_find_no_bag_say_why(uow_factory, actors, pos):
    tech = actors["technician"]
    with pytest.raises(ValidationFailed, match="not an Rx label"):
        pickup.find_by_scan(uow_factory, tech, "hello")
    with pytest.raises(NotFound, match="No prescription has the number 9999999"):
        pickup.find_by_scan(uow_factory, tech, "]C09999999")
    with pytest.raises(ValidationFailed, match="not waiting in will-call: it is 'validated'"):
        pickup.find_by_scan(uow_factory, tech, f"]C0{pos.world.rx_number}")
    with pytest.raises(PermissionDenied):
        pickup.find_by_name(uow_factory, actors["manager"], "gonz")


def test_controlled_prescriptions_are_marked(uow_factory, actors, pos):
    ready_rx(uow_factory, actors, pos, f.OXYCODONE_5, refills=0, quantity=20)
    view = pickup.open_pickup(uow_factory, actors["technician"], pos.patient_id)
    [line] = view.prescriptions
    assert line.is_controlled and line.schedule == "C-II" and view.has_controlled


@pytest.mark.parametrize(
    "previous, reason",
    [
        (f.LISINOPRIL_20_100, ""),
        (f.LISINOPRIL_20_OTHER, "different product (manufacturer) than last time"),
        (f.LISINOPRIL_10, "different strength than last time"),
        (f.METFORMIN_500, "different drug than last time"),
    ],
)
def test_counseling_is_needed_for_a_changed_product(uow_factory, actors, pos, previous, reason):
    line = refill_of(uow_factory, actors, pos, previous)
    assert line.refill_number == 1
    assert (line.counseling_required, line.counseling_reason) == (bool(reason), reason)


@pytest.mark.parametrize("typed", ["04/12/1958", "4/12/1958", "04121958", "1958-04-12", " 04-12-1958 "])
def test_birth_date_in_any_usual_form(uow_factory, actors, pos, typed):
    check = pickup.confirm_birth_date(uow_factory, actors["technician"], pos.patient_id, typed)
    assert check.ok


def test_a_wrong_birth_date_never_shows_the_real_one(uow_factory, actors, pos):
    check = pickup.confirm_birth_date(uow_factory, actors["technician"], pos.patient_id, "12/04/1958")
    assert not check.ok and "does not match" in check.message
    assert "1958" not in check.message and "04" not in check.message
    for typed in ("", "yesterday", "13/45/1958", "1958"):
        with pytest.raises(ValidationFailed, match="MM/DD/YYYY") as refused:
            pickup.confirm_birth_date(uow_factory, actors["technician"], pos.patient_id, typed)
        assert "1958-04-12" not in refused.value.message


def test_household_members_who_allow_this_patient_are_included(uow_factory, actors, pos):
    tech = actors["technician"]
    son = add_patient(uow_factory, "Mateo", "Gonzalez")
    stranger = add_patient(uow_factory, "Ann", "Lee")
    allow_pickup(uow_factory, son, pos.patient_id, relationship="parent")  # Mateo lets his mother collect
    allow_pickup(uow_factory, pos.patient_id, name="Rosa Diaz", relationship="caregiver")
    older = ready_rx(uow_factory, actors, pos, patient_id=son)
    newer = ready_rx(uow_factory, actors, pos)
    ready_rx(uow_factory, actors, pos, patient_id=stranger)
    view = pickup.open_pickup(uow_factory, tech, pos.patient_id)
    assert [line.prescription_id for line in view.prescriptions] == [older[0], newer[0]]  # oldest first
    assert [line.patient_name for line in view.prescriptions] == ["Gonzalez, Mateo", "Gonzalez, Maria"]
    assert view.household == ((son, "Gonzalez, Mateo"),)
    assert [(p.name, p.relationship, p.patient_id) for p in view.pickers] == [
        ("Maria Gonzalez", "self", pos.patient_id),
        ("Rosa Diaz", "caregiver", None),
    ]
    # the son's own pickup does not show his mother's bag
    assert [line.prescription_id for line in pickup.open_pickup(uow_factory, tech, son).prescriptions] == [older[0]]
