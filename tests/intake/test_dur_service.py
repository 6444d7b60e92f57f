"""DUR facts gathered from the database: interactions at generic level, refills, the log rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pharmacy_desktop.db.models.prescriptions import Medication, PrescriptionRefill
from pharmacy_desktop.services import dur_review, intake
from tests.dur_checks import EVERY_DUR_CHECK

from .conftest import rx_form

pytestmark = pytest.mark.db


def current(uow_factory, rx_id):
    with uow_factory() as uow:
        return {(r.validation_type, r.validation_status) for r in dur_review.current_validations(uow, rx_id)}


def test_interaction_matches_other_packages_of_the_same_generic(uow_factory, actors, meds, make_patient):
    patient = make_patient()
    with uow_factory() as uow:  # a second aspirin package, not the one the interaction row names
        other = Medication(
            ndc_code="00904200960",
            drug_name="Aspirin 325 mg tablet",
            generic_name="Aspirin",
            strength="325 mg",
            dosage_form="TABLET",
        )
        uow.session.add(other)
        uow.commit()
    tech = actors["technician"]
    intake.submit_prescription(
        uow_factory, tech, rx_form(patient.patient_id, meds["warfarin"], sig="1 T PO QD", days=30)
    )
    saved = intake.submit_prescription(
        uow_factory, tech, rx_form(patient.patient_id, other.id, sig="1 T PO QD", days=30)
    )
    assert ("drug_interaction", "failed") in current(uow_factory, saved.prescription_id)


def test_two_items_of_one_prescription_are_checked_against_each_other(uow_factory, actors, meds, make_patient):
    patient = make_patient()
    form = rx_form(patient.patient_id, meds["oxycodone"], sig="1 T PO Q6H PRN PAIN", quantity="20", days=5)
    form = intake.PrescriptionInput(
        **{
            **form.__dict__,
            "items": (form.items[0], intake.ItemInput(meds["alprazolam"], Decimal(30), 30, "1 T PO QD", 0)),
        }
    )
    saved = intake.submit_prescription(uow_factory, actors["technician"], form)
    with uow_factory() as uow:
        rows = dur_review.current_validations(uow, saved.prescription_id)
        interactions = [r for r in rows if r.validation_type == "drug_interaction" and r.validation_status == "failed"]
        assert len(interactions) == 2  # one row per item, each naming the other
        assert {r.prescription_item_id for r in interactions} == {
            i.id for i in uow.prescriptions.get_with_items(saved.prescription_id).items
        }


def test_early_refill_from_the_last_fill(uow_factory, actors, meds, make_patient):
    patient = make_patient()
    tech = actors["technician"]
    first = intake.submit_prescription(
        uow_factory, tech, rx_form(patient.patient_id, meds["lisinopril"], sig="1 T PO QD", days=30)
    )
    with uow_factory() as uow:
        item = uow.prescriptions.get_with_items(first.prescription_id).items[0]
        uow.session.add(
            PrescriptionRefill(
                prescription_id=first.prescription_id,
                prescription_item_id=item.id,
                refill_number=0,
                medication_id=meds["lisinopril"],
                ndc_code="00591040810",
                quantity_dispensed=Decimal(30),
                days_supply=30,
                filled_date=dt.date.today() - dt.timedelta(days=5),
                status="dispensed",
            )
        )
        uow.commit()
    second = intake.submit_prescription(
        uow_factory, tech, rx_form(patient.patient_id, meds["lisinopril"], sig="1 T PO QD", days=30)
    )
    found = current(uow_factory, second.prescription_id)
    assert ("early_refill", "warning") in found and ("therapeutic_duplication", "warning") in found


def test_dose_warning_and_every_check_logged(uow_factory, actors, meds, make_patient):
    patient = make_patient()
    saved = intake.submit_prescription(
        uow_factory,
        actors["technician"],
        rx_form(patient.patient_id, meds["lisinopril"], sig="1 T PO BID", quantity="30", days=90),
    )
    found = current(uow_factory, saved.prescription_id)
    assert ("dose_check", "warning") in found
    assert {check for check, _ in found} == EVERY_DUR_CHECK


def test_controlled_substance_row(uow_factory, actors, meds, make_patient):
    patient = make_patient()
    saved = intake.submit_prescription(
        uow_factory,
        actors["technician"],
        rx_form(patient.patient_id, meds["oxycodone"], sig="1 T PO Q6H PRN PAIN", quantity="20", days=5),
    )
    with uow_factory() as uow:
        row = next(
            r
            for r in dur_review.current_validations(uow, saved.prescription_id)
            if r.validation_type == "controlled_substance"
        )
        assert (row.validation_status, row.details["schedule"]) == ("passed", "C-II")
