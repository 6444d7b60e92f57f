"""Clinical review against a real PostgreSQL: queue order, alerts, overrides, decisions, permissions."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from pharmacy_desktop.db.models.prescriptions import Prescription
from pharmacy_desktop.demo.approvals import approve_as_demo
from pharmacy_desktop.errors import ConcurrentUpdate, PermissionDenied, ValidationFailed
from pharmacy_desktop.services import intake, review

from .conftest import rx_form

pytestmark = pytest.mark.db


def submit(uow_factory, actors, patient, med, **kwargs):
    return intake.submit_prescription(uow_factory, actors["technician"], rx_form(patient.patient_id, med, **kwargs))


def events(uow_factory, rx_id):
    with uow_factory() as uow:
        return [(e.event_type, e.user_id, e.event_data) for e in uow.audit.events_for("prescription", rx_id)]


def test_queue_stat_first_then_oldest(uow_factory, actors, meds, make_patient):
    patient = make_patient()
    kw = dict(sig="1 T PO QD", quantity="30", days=30)
    old = submit(uow_factory, actors, patient, meds["lisinopril"], **kw)
    new = submit(uow_factory, actors, patient, meds["warfarin"], **kw)
    stat = submit(uow_factory, actors, patient, meds["enalapril"], stat=True, **kw)
    with uow_factory() as uow:
        base = dt.datetime.now(dt.UTC)
        for rx_id, minutes in ((old.prescription_id, 50), (new.prescription_id, 10), (stat.prescription_id, 5)):
            uow.session.execute(
                update(Prescription)
                .where(Prescription.id == rx_id)
                .values(received_at=base - dt.timedelta(minutes=minutes))
            )
        uow.commit()
    rows = review.review_queue(uow_factory, actors["pharmacist"])
    assert [r.rx_number for r in rows] == [stat.rx_number, old.rx_number, new.rx_number]
    assert rows[0].stat_marker == "STAT" and rows[0].patient_name == "Smith, John"
    assert rows[1].waiting().endswith("min")
    # warfarin + aspirin? no: lisinopril and enalapril are both ACE inhibitors -> duplication warnings
    assert rows[0].warnings >= 1 and rows[0].blocking == 0


def test_technician_gets_permission_denied_and_it_is_recorded(uow_factory, actors, meds, make_patient):
    patient = make_patient()
    saved = submit(uow_factory, actors, patient, meds["lisinopril"], sig="1 T PO QD", quantity="30", days=30)
    tech = actors["technician"]
    for call in (
        lambda: review.review_queue(uow_factory, tech),
        lambda: review.open_review(uow_factory, tech, saved.prescription_id),
        lambda: review.approve(uow_factory, tech, saved.prescription_id),
        lambda: review.reject(uow_factory, tech, saved.prescription_id, "not allowed"),
        lambda: review.send_back_to_intake(uow_factory, tech, saved.prescription_id, "not allowed"),
    ):
        with pytest.raises(PermissionDenied) as err:
            call()
        assert "prescription.review" in err.value.message
    with uow_factory() as uow:
        denials = [
            (e.event_type, e.aggregate_id, e.event_data["permission"])
            for e in uow.audit.recent_events(event_type="PermissionDenied", user_id=tech.user_id)
        ]
        status = uow.prescriptions.get(saved.prescription_id).status
    assert denials == [("PermissionDenied", tech.user_id, "prescription.review")] * 5
    assert status == "received"


def test_clean_prescription_approved_to_validated(uow_factory, actors, meds, make_patient):
    # a man: an ACE inhibitor's pregnancy risk does not apply (for a patient of unrecorded sex it
    # is a warning, never a silent pass)
    patient = make_patient(gender="M")
    saved = submit(uow_factory, actors, patient, meds["lisinopril"], sig="1 T PO QD", quantity="30", days=30)
    rph = actors["pharmacist"]
    detail = review.open_review(uow_factory, rph, saved.prescription_id)
    assert detail.can_approve and not detail.open_alerts, [a.message for a in detail.open_alerts]
    assert {a.status for a in detail.alerts} == {"passed"} and len(detail.alerts) == 12
    assert detail.patient.display_name == "Smith, John"
    result = review.approve(uow_factory, rph, saved.prescription_id, expected_version=detail.version)
    assert result.status == "validated"
    with uow_factory() as uow:
        rx = uow.prescriptions.get(saved.prescription_id)
        assert (rx.validated_by, rx.validated_at is not None) == (rph.user_id, True)
        logs = [(l.user_id, l.resource_id) for l in uow.audit.access_logs(resource_type="patient")]
    assert (rph.user_id, patient.patient_id) in logs
    assert events(uow_factory, saved.prescription_id)[-1][:2] == ("PrescriptionValidated", rph.user_id)
    assert review.review_queue(uow_factory, rph) == []


def test_allergy_alert_blocks_until_overridden_with_reason(uow_factory, actors, meds, penicillin_patient):
    saved = submit(uow_factory, actors, penicillin_patient, meds["amoxicillin"])
    rph = actors["pharmacist"]
    detail = review.open_review(uow_factory, rph, saved.prescription_id)
    [stop] = detail.open_alerts
    assert stop.check_label == "Drug allergy" and stop.needs_override and "Penicillin" in stop.message
    assert not detail.can_approve

    with pytest.raises(ValidationFailed) as err:
        review.approve(uow_factory, rph, saved.prescription_id)
    assert "hard stop" in err.value.message
    with pytest.raises(ValidationFailed):
        review.acknowledge_alert(uow_factory, rph, stop.validation_id)  # a hard stop needs a reason
    with pytest.raises(ValidationFailed) as err:
        review.override_alert(uow_factory, rph, stop.validation_id, "  ")
    assert "reason" in err.value.field_errors
    with pytest.raises(PermissionDenied):
        review.override_alert(uow_factory, actors["technician"], stop.validation_id, "Patient tolerated it")

    review.override_alert(
        uow_factory,
        rph,
        stop.validation_id,
        "Prescriber contacted: rash only, benefit outweighs",
        professional_code="M0",
        result_code="1G",
    )
    detail = review.open_review(uow_factory, rph, saved.prescription_id)
    resolved = next(a for a in detail.alerts if a.validation_id == stop.validation_id)
    assert resolved.resolved and resolved.acknowledged_by == rph.display_name
    assert resolved.state_text.startswith("Overridden by")
    assert review.approve(uow_factory, rph, saved.prescription_id).status == "validated"
    kinds = [(kind, user) for kind, user, _ in events(uow_factory, saved.prescription_id)]
    assert kinds[-2:] == [("DurAlertOverridden", rph.user_id), ("PrescriptionValidated", rph.user_id)]
    assert events(uow_factory, saved.prescription_id)[-1][2]["overrides"][0]["check"] == "allergy_check"


def test_warning_needs_acknowledgement(uow_factory, actors, meds, make_patient):
    patient = make_patient(gender="M")
    kw = dict(sig="1 T PO QD", quantity="30", days=30)
    submit(uow_factory, actors, patient, meds["warfarin"], **kw)
    saved = submit(uow_factory, actors, patient, meds["aspirin"], **kw)
    rph = actors["pharmacist"]
    detail = review.open_review(uow_factory, rph, saved.prescription_id)
    by_check = {a.check: a for a in detail.open_alerts}
    interaction = by_check["drug_interaction"]
    # serious: hard stop (the curated rule's management; the pharmacy's own row says "Monitor INR.")
    assert interaction.needs_override and "INR" in interaction.management
    review.override_alert(
        uow_factory,
        rph,
        interaction.validation_id,
        "Cardiology wants both; INR monitored",
        professional_code="M0",
        result_code="1G",
    )
    assert review.approve(uow_factory, rph, saved.prescription_id).status == "validated"


def test_duplicate_class_warning_acknowledged(uow_factory, actors, meds, make_patient):
    patient = make_patient(gender="M")
    kw = dict(sig="1 T PO QD", quantity="30", days=30)
    submit(uow_factory, actors, patient, meds["lisinopril"], **kw)
    saved = submit(uow_factory, actors, patient, meds["enalapril"], **kw)
    rph = actors["pharmacist"]
    [warning] = review.open_review(uow_factory, rph, saved.prescription_id).open_alerts
    assert warning.status == "warning" and warning.check_label == "Therapeutic duplication"
    with pytest.raises(ValidationFailed) as err:
        review.approve(uow_factory, rph, saved.prescription_id)
    assert "acknowledg" in err.value.message
    review.acknowledge_alert(uow_factory, rph, warning.validation_id)
    assert review.approve(uow_factory, rph, saved.prescription_id).status == "validated"


def test_reject_with_reason(uow_factory, actors, meds, make_patient):
    patient = make_patient()
    saved = submit(uow_factory, actors, patient, meds["lisinopril"], sig="1 T PO QD", quantity="30", days=30)
    rph = actors["pharmacist"]
    with pytest.raises(ValidationFailed):
        review.reject(uow_factory, rph, saved.prescription_id, "")
    review.reject(uow_factory, rph, saved.prescription_id, "Duplicate of Rx already on file")
    with uow_factory() as uow:
        rx = uow.prescriptions.get(saved.prescription_id)
        assert (rx.status, rx.rejection_reason) == ("rejected", "Duplicate of Rx already on file")
    kind, user, data = events(uow_factory, saved.prescription_id)[-1]
    assert (kind, user, data["reason"]) == ("PrescriptionRejected", rph.user_id, "Duplicate of Rx already on file")
    with pytest.raises(ValidationFailed):
        review.approve(uow_factory, rph, saved.prescription_id)


def test_stale_version_is_refused(uow_factory, actors, meds, make_patient):
    patient = make_patient()
    saved = submit(uow_factory, actors, patient, meds["lisinopril"], sig="1 T PO QD", quantity="30", days=30)
    rph = actors["pharmacist"]
    detail = review.open_review(uow_factory, rph, saved.prescription_id)
    review.send_back_to_intake(uow_factory, rph, saved.prescription_id, "Check the prescriber phone")
    with pytest.raises(ConcurrentUpdate):
        review.approve(uow_factory, rph, saved.prescription_id, expected_version=detail.version)


def test_prescription_without_dur_rows_gets_checked_on_open(uow_factory, actors, meds, penicillin_patient):
    saved = submit(uow_factory, actors, penicillin_patient, meds["amoxicillin"])
    with uow_factory() as uow:
        from pharmacy_desktop.db.models.prescriptions import PrescriptionValidation

        uow.session.query(PrescriptionValidation).delete()
        uow.commit()
    detail = review.open_review(uow_factory, actors["pharmacist"], saved.prescription_id)
    assert [a.check for a in detail.open_alerts] == ["allergy_check"]
    approve_as_demo(uow_factory, actors["pharmacist"], saved.prescription_id)
    with uow_factory() as uow:
        assert uow.prescriptions.get(saved.prescription_id).status == "validated"


def test_permission_denial_names_the_prescription(uow_factory, actors, meds, penicillin_patient):
    saved = submit(uow_factory, actors, penicillin_patient, meds["amoxicillin"])
    rx_id = saved.prescription_id
    [stop] = review.open_review(uow_factory, actors["pharmacist"], rx_id).open_alerts
    tech = actors["technician"]
    calls = (
        lambda: review.open_review(uow_factory, tech, rx_id),
        lambda: review.rerun_dur(uow_factory, tech, rx_id),
        lambda: review.acknowledge_alert(uow_factory, tech, stop.validation_id),
        lambda: review.override_alert(uow_factory, tech, stop.validation_id, "Patient tolerated it"),
        lambda: review.approve(uow_factory, tech, rx_id),
        lambda: review.reject(uow_factory, tech, rx_id, "not allowed"),
        lambda: review.send_back_to_intake(uow_factory, tech, rx_id, "not allowed"),
    )
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    review.review_queue(uow_factory, actors["pharmacist"])  # allowed: no denial
    with pytest.raises(PermissionDenied):
        review.review_queue(uow_factory, tech)  # the queue is about no one prescription
    with uow_factory() as uow:
        denials = [e.event_data for e in uow.audit.recent_events(event_type="PermissionDenied", user_id=tech.user_id)]
    queue_denial, *rx_denials = denials  # newest first
    assert "subject_type" not in queue_denial and "subject_id" not in queue_denial
    assert [(d["subject_type"], d["subject_id"]) for d in rx_denials] == [("prescription", str(rx_id))] * len(calls)
    assert {d["permission"] for d in rx_denials} == {"prescription.review", "prescription.override_dur"}
