"""Prescription entry against a real PostgreSQL: field errors, Rx numbers, expiration, DUR rows."""

from __future__ import annotations

import dataclasses
import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from sqlalchemy import select

from pharmacy_desktop.db.models.prescriptions import Prescription, PrescriptionValidation
from pharmacy_desktop.errors import PermissionDenied, ValidationFailed
from pharmacy_desktop.services import intake
from tests.dur_checks import EVERY_DUR_CHECK

from .conftest import PRESCRIBER, rx_form

pytestmark = pytest.mark.db


def test_sig_preview():
    assert intake.preview_sig("1 T PO BID").directions == "Take 1 tablet by mouth 2 times a day"
    assert intake.preview_sig("1 T PO BLAH").unknown == ("BLAH",)


def test_submit_saves_received_with_directions_expiration_and_event(uow_factory, actors, meds, make_patient):
    patient = make_patient()
    written = dt.date.today() - dt.timedelta(days=2)
    saved = intake.submit_prescription(
        uow_factory,
        actors["technician"],
        rx_form(
            patient.patient_id, meds["lisinopril"], sig="1 T PO QD", quantity="30", days=30, refills=5, written=written
        ),
    )
    assert saved.status == "received" and saved.rx_number.isdigit()
    assert saved.expiration_date == written.replace(year=written.year + 1)
    assert saved.blocking_alerts == 0
    with uow_factory() as uow:
        rx = uow.prescriptions.get_with_items(saved.prescription_id)
        item = rx.items[0]
        assert (item.directions, item.quantity_unit, item.refills_remaining) == (
            "Take 1 tablet by mouth once a day",
            "tablet",
            5,
        )
        assert item.written_medication_name == "Lisinopril (Zestril) 10 mg tablet"
        assert rx.received_by == actors["technician"].user_id
        events = [(e.event_type, e.user_id) for e in uow.audit.events_for("prescription", rx.id)]
        checks = {v.validation_type for v in uow.prescriptions.validations_for(rx.id)}
    assert events == [
        ("PrescriptionReceived", actors["technician"].user_id),
        ("DurChecked", actors["technician"].user_id),
    ]
    assert checks == EVERY_DUR_CHECK


@pytest.mark.parametrize(
    ("drug", "refills", "expected"),
    [
        ("oxycodone", 0, dt.timedelta(days=90)),  # C-II: 90 days (module default)
        ("alprazolam", 5, None),  # C-IV: 6 months
    ],
)
def test_expiration_by_schedule(uow_factory, actors, meds, make_patient, drug, refills, expected):
    patient = make_patient()
    written = dt.date(dt.date.today().year, 1, 31) if dt.date.today().month > 1 else dt.date.today()
    saved = intake.submit_prescription(
        uow_factory,
        actors["technician"],
        rx_form(
            patient.patient_id,
            meds[drug],
            sig="1 T PO Q6H PRN PAIN",
            quantity="20",
            days=5,
            refills=refills,
            written=written,
        ),
    )
    if expected is not None:
        assert saved.expiration_date == written + expected
    else:
        from pharmacy_desktop.domain.schedules import add_months

        assert saved.expiration_date == add_months(written, 6)


def test_field_errors_next_to_each_field(uow_factory, actors, meds, make_patient):
    make_patient()
    form = intake.PrescriptionInput(
        patient_id=None,
        prescriber=intake.PrescriberInput("", "1234567890", None),
        items=(
            intake.ItemInput(meds["oxycodone"], "0", "400", "1 T PO ZZZ", "2", daw_code="6"),
            intake.ItemInput(None, "abc", None, "", None),
        ),
        written_date=dt.date.today() + dt.timedelta(days=1),
        source="carrier pigeon",
    )
    with pytest.raises(ValidationFailed) as err:
        intake.submit_prescription(uow_factory, actors["technician"], form)
    errors = err.value.field_errors
    assert set(errors) == {
        "patient",
        "prescriber_name",
        "prescriber_npi",
        "prescriber_dea",
        "source",
        "written_date",
        "items[0].quantity",
        "items[0].days_supply",
        "items[0].sig",
        "items[0].refills",
        "items[0].daw_code",
        "items[1].drug",
        "items[1].quantity",
        "items[1].days_supply",
        "items[1].sig",
        "items[1].refills",
    }
    assert "Luhn" in errors["prescriber_npi"]
    assert "C-II" in errors["prescriber_dea"] and "cannot have refills" in errors["items[0].refills"]
    assert "ZZZ" in errors["items[0].sig"]
    with uow_factory() as uow:
        assert uow.session.scalar(select(Prescription.id)) is None


def test_bad_dea_checksum_and_ciii_v_refill_limit(uow_factory, actors, meds, make_patient):
    patient = make_patient()
    form = rx_form(
        patient.patient_id, meds["alprazolam"], refills=6, prescriber=dataclasses.replace(PRESCRIBER, dea="BC1234564")
    )
    with pytest.raises(ValidationFailed) as err:
        intake.submit_prescription(uow_factory, actors["technician"], form)
    assert "checksum" in err.value.field_errors["prescriber_dea"]
    assert "at most 5 refills" in err.value.field_errors["items[0].refills"]


def test_rx_numbers_unique_across_workstations(uow_factory, actors, meds, make_patient):
    patient = make_patient()
    form = rx_form(patient.patient_id, meds["lisinopril"], sig="1 T PO QD", days=30)
    with ThreadPoolExecutor(4) as pool:
        saved = list(pool.map(lambda _: intake.submit_prescription(uow_factory, actors["technician"], form), range(8)))
    numbers = [s.rx_number for s in saved]
    assert len(set(numbers)) == 8


def test_only_staff_who_enter_prescriptions(uow_factory, actors, meds, make_patient):
    patient = make_patient()
    with pytest.raises(PermissionDenied):
        intake.submit_prescription(uow_factory, actors["manager"], rx_form(patient.patient_id, meds["lisinopril"]))


def test_penicillin_allergy_blocks_at_intake_dur(uow_factory, actors, meds, penicillin_patient):
    saved = intake.submit_prescription(
        uow_factory, actors["technician"], rx_form(penicillin_patient.patient_id, meds["amoxicillin"])
    )
    assert saved.blocking_alerts == 1
    with uow_factory() as uow:
        failed = uow.session.scalars(
            select(PrescriptionValidation).where(
                PrescriptionValidation.prescription_id == saved.prescription_id,
                PrescriptionValidation.validation_status == "failed",
            )
        ).all()
        assert [(v.validation_type, v.severity, v.is_current) for v in failed] == [("allergy_check", "serious", True)]
        assert "Penicillin" in failed[0].message


def test_drug_search_and_scan(uow_factory, meds):
    choices = intake.find_drugs(uow_factory, "oxycod")
    assert [c.text for c in choices] == ["Oxycodone Hydrochloride 5 mg tablet [C-II]"]
    scanned, message = intake.drug_from_scan(uow_factory, "00406-0552-62")
    assert [c.medication_id for c in scanned] == [meds["oxycodone"]], message


def test_correct_after_back_to_intake(uow_factory, actors, meds, make_patient):
    from pharmacy_desktop.services import review

    patient = make_patient()
    saved = intake.submit_prescription(
        uow_factory,
        actors["technician"],
        rx_form(patient.patient_id, meds["lisinopril"], sig="1 T PO QD", quantity="30", days=30),
    )
    review.send_back_to_intake(
        uow_factory, actors["pharmacist"], saved.prescription_id, "Quantity should be 90 for 90 days"
    )
    assert [r.prescription_id for r in review.review_queue(uow_factory, actors["pharmacist"])] == []
    returned = intake.returned_to_intake(uow_factory, actors["technician"])
    assert [(r.rx_number, r.note) for r in returned] == [(saved.rx_number, "Quantity should be 90 for 90 days")]
    form = returned[0].form
    fixed = dataclasses.replace(form, items=(dataclasses.replace(form.items[0], quantity=Decimal(90), days_supply=90),))
    again = intake.correct_prescription(
        uow_factory, actors["technician"], saved.prescription_id, returned[0].version, fixed
    )
    assert again.rx_number == saved.rx_number
    assert [r.rx_number for r in review.review_queue(uow_factory, actors["pharmacist"])] == [saved.rx_number]
    with uow_factory() as uow:
        rx = uow.prescriptions.get_with_items(saved.prescription_id)
        assert rx.returned_note is None and rx.items[0].quantity == 90
        assert [e.event_type for e in uow.audit.events_for("prescription", rx.id)][-2:] == [
            "PrescriptionCorrected",
            "DurChecked",
        ]
        # the first DUR run is kept, no longer current
        rows = uow.prescriptions.validations_for(rx.id)
        assert {r.is_current for r in rows} == {True, False}
