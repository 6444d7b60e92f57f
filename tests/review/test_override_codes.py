"""Overrides carry NCPDP DUR codes (issue 15 item 4): a hard stop needs all three and a real note."""

from __future__ import annotations

import datetime as dt

import pytest

from pharmacy_desktop.errors import ValidationFailed
from pharmacy_desktop.services import intake, review
from pharmacy_desktop.services.patients import AllergyEntry

from .conftest import rx_form

pytestmark = pytest.mark.db
NOTE = "Prescriber consulted: rash twenty years ago, tolerated cephalexin since"


@pytest.fixture
def stop(uow_factory, actors, meds, make_patient) -> review.Alert:
    patient = make_patient(
        "Maria", "Garcia", dt.date(1961, 5, 17), allergies=(AllergyEntry("Penicillin", "drug", "Hives", "moderate"),)
    )
    saved = intake.submit_prescription(
        uow_factory, actors["technician"], rx_form(patient.patient_id, meds["amoxicillin"])
    )
    detail = review.open_review(uow_factory, actors["pharmacist"], saved.prescription_id)
    [alert] = [a for a in detail.open_alerts if a.check == "allergy_check"]
    assert alert.needs_override
    return alert


def detail_of(uow_factory, actors, alert: review.Alert) -> review.Alert:
    with uow_factory() as uow:
        rx_id = uow.dur.prescription_of(alert.validation_id)
    detail = review.open_review(uow_factory, actors["pharmacist"], rx_id)
    return next(a for a in detail.alerts if a.validation_id == alert.validation_id)


@pytest.mark.parametrize(
    ("codes", "note", "refusal"),
    [
        ({}, NOTE, "Choose the NCPDP professional service code"),
        ({"professional_code": "M0"}, NOTE, "Choose the NCPDP result of service code"),
        ({"professional_code": "M0", "result_code": "1G"}, "ok ok ok ok ok ok", "at least 3 different words"),
        ({"professional_code": "M0", "result_code": "1G"}, "........", "15 characters"),
        ({"professional_code": "M0", "result_code": "1G"}, "asdfasdf asdfasdf", "at least 3 different words"),
        ({"professional_code": "ZZ", "result_code": "1G"}, NOTE, "'ZZ' is not an NCPDP professional service code"),
        ({"professional_code": "M0", "result_code": "2A"}, NOTE, "reject the prescription instead"),
    ],
)
def test_a_hard_stop_override_is_refused_without_codes_or_a_real_note(uow_factory, actors, stop, codes, note, refusal):
    with pytest.raises(ValidationFailed) as refused:
        review.override_alert(uow_factory, actors["pharmacist"], stop.validation_id, note, **codes)
    assert refusal in refused.value.message
    assert not detail_of(uow_factory, actors, stop).resolved


def test_a_hard_stop_override_records_the_three_codes_and_the_note(uow_factory, actors, stop):
    review.override_alert(
        uow_factory,
        actors["pharmacist"],
        stop.validation_id,
        NOTE,
        professional_code="m0",  # codes are taken in either case
        result_code="1G",
    )
    alert = detail_of(uow_factory, actors, stop)
    assert alert.resolved and alert.override_reason == NOTE
    assert (alert.ncpdp_reason, alert.ncpdp_professional, alert.ncpdp_result) == ("DA", "M0", "1G")
    assert alert.state_text.startswith("Overridden by") and "[DA/M0/1G]" in alert.state_text
    with uow_factory() as uow:
        rx_id = uow.dur.prescription_of(stop.validation_id)
        [data] = [
            e.event_data for e in uow.audit.events_for("prescription", rx_id) if e.event_type == "DurAlertOverridden"
        ]
    assert data["ncpdp"] == {"reason": "DA", "professional": "M0", "result": "1G"}


def test_the_reason_for_service_can_be_chosen(uow_factory, actors, stop):
    review.override_alert(
        uow_factory,
        actors["pharmacist"],
        stop.validation_id,
        NOTE,
        reason_code="DA",
        professional_code="R0",
        result_code="1B",
    )
    alert = detail_of(uow_factory, actors, stop)
    assert alert.ncpdp_codes == "DA/R0/1B"


def test_a_technician_cannot_override_even_with_codes(uow_factory, actors, stop):
    from pharmacy_desktop.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        review.override_alert(
            uow_factory, actors["technician"], stop.validation_id, NOTE, professional_code="M0", result_code="1G"
        )
