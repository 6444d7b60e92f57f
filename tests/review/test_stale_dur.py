"""DUR cannot go stale (issue 15 item 3): the profile version each run saw, re-runs, refused approvals.

Real PostgreSQL: the clinical profile version is bumped by the revision 0013 triggers, never by the
services, so these tests change the profile the ways a workstation does (the patient service) and
the ways that bypass it (a row written directly), and look at what the pharmacist can approve.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import select, update

from pharmacy_desktop.db.models.patients import Patient, PatientCondition
from pharmacy_desktop.db.models.prescriptions import PrescriptionValidation
from pharmacy_desktop.errors import ValidationFailed
from pharmacy_desktop.services import dur_review, intake, patients, review
from pharmacy_desktop.services.patients import AllergyEntry

from .conftest import rx_form

pytestmark = pytest.mark.db


def submit(uow_factory, actors, patient, med_id, **kw):
    kw.setdefault("sig", "1 C PO TID X10D")
    return intake.submit_prescription(uow_factory, actors["technician"], rx_form(patient.patient_id, med_id, **kw))


def clear_alerts(uow_factory, actors, rx_id) -> review.ReviewDetail:
    """The pharmacist handles every open alert (acknowledges warnings, overrides hard stops with codes)."""
    rph = actors["pharmacist"]
    detail = review.open_review(uow_factory, rph, rx_id)
    for alert in detail.open_alerts:
        if alert.needs_override:
            review.override_alert(
                uow_factory,
                rph,
                alert.validation_id,
                "Prescriber consulted by phone, benefit outweighs risk",
                professional_code="M0",
                result_code="1G",
            )
        else:
            review.acknowledge_alert(uow_factory, rph, alert.validation_id)
    return review.open_review(uow_factory, rph, rx_id)


def versions(uow_factory, rx_id, patient_id) -> tuple[set[int | None], int]:
    with uow_factory() as uow:
        seen = set(
            uow.session.scalars(
                select(PrescriptionValidation.profile_version).where(
                    PrescriptionValidation.prescription_id == rx_id, PrescriptionValidation.is_current.is_(True)
                )
            )
        )
        version = uow.session.scalar(select(Patient.clinical_profile_version).where(Patient.id == patient_id))
    return seen, version


def add_penicillin_allergy(uow_factory, actors, patient_id, reaction="Anaphylaxis", severity="severe"):
    """What another workstation does: the patient service saves the allergy."""
    profile = patients.open_patient(uow_factory, actors["technician"], patient_id)
    return patients.update_patient(
        uow_factory,
        actors["technician"],
        profile,
        dataclasses.replace(
            profile.form, allergies=(*profile.form.allergies, AllergyEntry("Penicillin", "drug", reaction, severity))
        ),
    )


def test_every_row_records_the_profile_version_the_run_read(uow_factory, actors, meds, make_patient):
    patient = make_patient()
    saved = submit(uow_factory, actors, patient, meds["amoxicillin"])
    seen, version = versions(uow_factory, saved.prescription_id, patient.patient_id)
    # entering the prescription changed the active medications (a trigger bumped the version) before DUR read it
    assert seen == {version} and version > 1
    with uow_factory() as uow:
        assert not dur_review.is_stale(uow, saved.prescription_id)


def test_a_change_that_bypasses_the_services_makes_dur_stale_and_opening_runs_it_again(
    uow_factory, actors, meds, make_patient
):
    patient = make_patient()
    saved = submit(uow_factory, actors, patient, meds["amoxicillin"])
    with uow_factory() as uow:  # weight written by some other path: only the trigger notices
        uow.session.execute(update(Patient).where(Patient.id == patient.patient_id).values(weight_kg=71))
        uow.commit()
    with uow_factory() as uow:
        assert dur_review.is_stale(uow, saved.prescription_id)
    old, version = versions(uow_factory, saved.prescription_id, patient.patient_id)
    assert version not in old

    review.open_review(uow_factory, actors["pharmacist"], saved.prescription_id)
    seen, now = versions(uow_factory, saved.prescription_id, patient.patient_id)
    assert seen == {now} == {version}
    with uow_factory() as uow:
        assert not dur_review.is_stale(uow, saved.prescription_id)
        flags = uow.session.scalars(
            select(PrescriptionValidation.is_current).where(
                PrescriptionValidation.prescription_id == saved.prescription_id
            )
        ).all()
    assert False in flags, "the earlier run stays on record"


def test_an_allergy_saved_on_another_workstation_reruns_the_waiting_prescription_at_once(
    uow_factory, actors, meds, make_patient
):
    patient = make_patient()
    waiting = submit(uow_factory, actors, patient, meds["amoxicillin"])
    other = submit(uow_factory, actors, patient, meds["lisinopril"], sig="1 T PO QD", days=30)
    clear_alerts(uow_factory, actors, other.prescription_id)
    review.approve(uow_factory, actors["pharmacist"], other.prescription_id)  # validated: not waiting any more
    before_other, _ = versions(uow_factory, other.prescription_id, patient.patient_id)

    add_penicillin_allergy(uow_factory, actors, patient.patient_id)

    seen, version = versions(uow_factory, waiting.prescription_id, patient.patient_id)
    assert seen == {version}, "re-run in the unit of work that saved the allergy"
    with uow_factory() as uow:
        current = [
            (r.validation_status, r.validation_type, r.message)
            for r in dur_review.current_validations(uow, waiting.prescription_id)
        ]
        assert not dur_review.is_stale(uow, waiting.prescription_id)
    stops = [m for status, check, m in current if status == "failed" and check == "allergy_check"]
    assert len(stops) == 1 and "enicillin" in stops[0]
    # a validated prescription is not re-run by a profile change (it is past review)
    assert versions(uow_factory, other.prescription_id, patient.patient_id)[0] == before_other


def test_a_phone_number_change_does_not_rerun_anything(uow_factory, actors, meds, make_patient):
    patient = make_patient()
    saved = submit(uow_factory, actors, patient, meds["amoxicillin"])
    with uow_factory() as uow:
        ids = {r.id for r in dur_review.current_validations(uow, saved.prescription_id)}
    profile = patients.open_patient(uow_factory, actors["technician"], patient.patient_id)
    patients.update_patient(
        uow_factory, actors["technician"], profile, dataclasses.replace(profile.form, phone_primary="(217) 555-0199")
    )
    with uow_factory() as uow:
        assert {r.id for r in dur_review.current_validations(uow, saved.prescription_id)} == ids


def test_approval_of_stale_results_is_refused_and_the_checks_run_again(uow_factory, actors, meds, make_patient):
    patient = make_patient()
    saved = submit(uow_factory, actors, patient, meds["amoxicillin"])
    detail = clear_alerts(uow_factory, actors, saved.prescription_id)
    assert detail.can_approve
    with uow_factory() as uow:  # a condition recorded by a path that does not re-run DUR
        uow.session.add(PatientCondition(patient_id=patient.patient_id, condition_name="Asthma", icd_10_code="J45.909"))
        uow.commit()

    with pytest.raises(review.ProfileChangedSinceDur) as refused:
        review.approve(uow_factory, actors["pharmacist"], saved.prescription_id, expected_version=detail.version)
    assert refused.value.message == (
        "The patient's profile changed since these checks ran (allergy, condition, weight, pregnancy or "
        "medication). The checks were run again: review the new alerts before approving."
    )
    assert isinstance(refused.value, ValidationFailed)
    with uow_factory() as uow:
        assert uow.prescriptions.get(saved.prescription_id).status == "received"
        assert not dur_review.is_stale(uow, saved.prescription_id), "the re-run was committed"
        kinds = [e.event_type for e in uow.audit.events_for("prescription", saved.prescription_id)]
    assert kinds[-2:] == ["DurChecked", "ApprovalRefusedStaleDur"]

    detail = clear_alerts(uow_factory, actors, saved.prescription_id)  # the new results, handled
    review.approve(uow_factory, actors["pharmacist"], saved.prescription_id, seen_alerts=detail.alert_ids)
    with uow_factory() as uow:
        assert uow.prescriptions.get(saved.prescription_id).status == "validated"


def test_approval_of_what_was_seen_only(uow_factory, actors, meds, make_patient):
    """The checks re-ran (another workstation saved an allergy) after the pharmacist opened the
    prescription: approving what they saw is refused though the results are current."""
    patient = make_patient()
    saved = submit(uow_factory, actors, patient, meds["amoxicillin"])
    seen = clear_alerts(uow_factory, actors, saved.prescription_id)
    add_penicillin_allergy(uow_factory, actors, patient.patient_id)

    with pytest.raises(review.ProfileChangedSinceDur):
        review.approve(
            uow_factory,
            actors["pharmacist"],
            saved.prescription_id,
            expected_version=seen.version,
            seen_alerts=seen.alert_ids,
        )
    detail = review.open_review(uow_factory, actors["pharmacist"], saved.prescription_id)
    [stop] = [a for a in detail.open_alerts if a.needs_override]
    assert stop.check == "allergy_check" and "enicillin" in stop.message
    with pytest.raises(ValidationFailed, match="hard stop"):  # without seen_alerts: the open hard stop refuses
        review.approve(uow_factory, actors["pharmacist"], saved.prescription_id)


def test_a_new_prescription_reruns_the_patients_waiting_ones(uow_factory, actors, meds, make_patient):
    patient = make_patient()
    warfarin = submit(uow_factory, actors, patient, meds["warfarin"], sig="1 T PO QD", days=30)
    with uow_factory() as uow:
        assert not [
            r
            for r in dur_review.current_validations(uow, warfarin.prescription_id)
            if r.validation_type == "drug_interaction" and r.validation_status != "passed"
        ]
    submit(uow_factory, actors, patient, meds["aspirin"], sig="1 T PO QD", days=30)
    with uow_factory() as uow:
        assert not dur_review.is_stale(uow, warfarin.prescription_id)
        interactions = [
            r.message
            for r in dur_review.current_validations(uow, warfarin.prescription_id)
            if r.validation_type == "drug_interaction" and r.validation_status != "passed"
        ]
    assert interactions and "spirin" in interactions[0]


def test_rerun_waiting_skips_results_that_are_current(uow_factory, actors, meds, make_patient):
    patient = make_patient()
    saved = submit(uow_factory, actors, patient, meds["amoxicillin"])
    with uow_factory() as uow:
        assert dur_review.rerun_waiting(uow, patient.patient_id) == 0
        uow.session.execute(
            update(Patient).where(Patient.id == patient.patient_id).values(pregnancy_status="not_pregnant")
        )
        assert dur_review.rerun_waiting(uow, patient.patient_id, today=dt.date.today()) == 1
        assert not dur_review.is_stale(uow, saved.prescription_id)
        uow.commit()


def test_while_an_approval_holds_the_profile_an_allergy_cannot_be_written(uow_factory, actors, meds, make_patient):
    """approve takes the patient's profile row FOR SHARE before its staleness check: a profile change
    (the allergy's trigger updates that row) waits for the decision to commit. Shown with a lock
    timeout on the writer, so nothing here depends on timing."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from pharmacy_desktop.db.models.patients import PatientAllergy

    patient = make_patient()
    submit(uow_factory, actors, patient, meds["amoxicillin"])
    with uow_factory(actors["pharmacist"].user_id) as deciding:
        deciding.dur.profile_version(patient.patient_id, lock="share")  # what approve does first
        with uow_factory(actors["technician"].user_id) as writer:
            writer.session.execute(text("SET LOCAL lock_timeout = '200ms'"))
            writer.session.add(
                PatientAllergy(patient_id=patient.patient_id, allergen_type="drug", allergen_name="Penicillin")
            )
            with pytest.raises(OperationalError) as waited:
                writer.session.flush()
            assert getattr(waited.value.orig, "sqlstate", None) == "55P03"  # lock not available
    with uow_factory() as uow:  # nothing held: the same write goes through
        uow.session.add(PatientAllergy(patient_id=patient.patient_id, allergen_type="drug", allergen_name="Penicillin"))
        uow.commit()


def test_rejecting_one_prescription_reruns_the_patients_other_waiting_ones(uow_factory, actors, meds, make_patient):
    patient = make_patient()
    warfarin = submit(uow_factory, actors, patient, meds["warfarin"], sig="1 T PO QD", days=30)
    aspirin = submit(uow_factory, actors, patient, meds["aspirin"], sig="1 T PO QD", days=30)

    def interaction_on_warfarin() -> bool:
        with uow_factory() as uow:
            return any(
                r.validation_type == "drug_interaction" and r.validation_status != "passed"
                for r in dur_review.current_validations(uow, warfarin.prescription_id)
            )

    assert interaction_on_warfarin()
    review.reject(uow_factory, actors["pharmacist"], aspirin.prescription_id, "Patient stopped taking aspirin")
    with uow_factory() as uow:
        assert not dur_review.is_stale(uow, warfarin.prescription_id)
    assert not interaction_on_warfarin(), "the rejected aspirin is no longer an active medication"
