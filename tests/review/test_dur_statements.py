"""The DUR run's statements (issue 15, bench/dur.py's p99 target): the validation rows of a run are
written by ONE insert, the prescription's own last fills are read with the active medications' and
not once per item, and the pharmacy's ``drug_interactions`` rows are found by the same rule as
before the rewrite (an active pair whose generic, lower case, contains any key as plain text).

Statement counts, not times: what makes the run slow or fast under load is the number of round
trips, and a count cannot flake.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import event, func, or_, select, update
from sqlalchemy.orm import aliased

from pharmacy_desktop.db.models.patients import Patient, PatientAllergy, PatientCondition
from pharmacy_desktop.db.models.prescriptions import (
    DrugInteraction,
    Medication,
    Prescription,
    PrescriptionRefill,
    PrescriptionValidation,
)
from pharmacy_desktop.db.repositories.clinical import LEGACY_SOURCE, legacy_interactions
from pharmacy_desktop.domain import dur
from pharmacy_desktop.services import dur_review, intake, review
from pharmacy_desktop.services.patients import AllergyEntry

from .conftest import rx_form

pytestmark = pytest.mark.db


def reference_pairs(session, keys):
    """The query as it was written before (OR of LIKE '%key%' over a double join), as the oracle."""
    if not keys:
        return set()
    m1, m2 = aliased(Medication), aliased(Medication)
    g1 = func.lower(func.coalesce(m1.generic_name, m1.drug_name))
    g2 = func.lower(func.coalesce(m2.generic_name, m2.drug_name))
    rows = session.execute(
        select(g1, g2, DrugInteraction.severity, DrugInteraction.description, DrugInteraction.management_recommendation)
        .join(m1, m1.id == DrugInteraction.medication_1_id)
        .join(m2, m2.id == DrugInteraction.medication_2_id)
        .where(
            DrugInteraction.is_active.is_not(False),
            or_(*(g.contains(k, autoescape=True) for k in keys for g in (g1, g2))),
        )
    )
    return {(a, b, s, d, m or "") for a, b, s, d, m in rows}


KEY_SETS = (
    ["warfarin"],
    ["aspir"],  # a part of a word: plain substring, as before
    ["warfarin sodium", "alprazolam"],
    ["oxycodone", "nothing like it"],
    ["%"],  # a LIKE wildcard is a plain character, never "everything"
    ["_"],
    ["sodium"],  # the salt word of the stored generic
    ["lisinopril"],  # a drug with no pair
    [],
)


def test_interaction_pairs_find_what_the_old_query_found(uow_factory, meds):
    with uow_factory() as uow:
        for keys in KEY_SETS:
            assert uow.dur.interaction_pairs(keys) == reference_pairs(uow.session, keys), keys
        assert {(a, b) for a, b, *_ in uow.dur.interaction_pairs(["warfarin"])} <= {
            ("warfarin sodium", "aspirin"),
            ("aspirin", "warfarin sodium"),
        }
        assert len(uow.dur.interaction_pairs(["warfarin", "alprazolam"])) == 2
        uow.session.execute(
            update(DrugInteraction).values(is_active=False).where(DrugInteraction.severity == "serious")
        )
        assert uow.dur.interaction_pairs(["warfarin", "alprazolam"]) == set()  # inactive pairs never count
        assert reference_pairs(uow.session, ["warfarin"]) == set()


def test_a_run_writes_its_rows_in_one_insert_and_returns_them_in_order(uow_factory, engine, actors, make_patient, meds):
    patient = make_patient()
    intake.submit_prescription(uow_factory, actors["technician"], rx_form(patient.patient_id, meds["warfarin"]))
    rx = intake.submit_prescription(
        uow_factory, actors["technician"], rx_form(patient.patient_id, meds["aspirin"], sig="1 T PO QD")
    )
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        statements.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with uow_factory(actors["pharmacist"].user_id) as uow:
            rows = dur_review.run_dur(uow, rx.prescription_id)
            uow.commit()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    inserts = [s for s in statements if s.startswith("INSERT INTO prescription_schema.prescription_validations")]
    assert len(inserts) == 1
    refills = [s for s in statements if "FROM prescription_schema.prescription_refills" in s]
    assert len(refills) == 1  # the active medications' and this prescription's last fills together
    assert len(rows) >= 12 and all(r.is_current and r.performed_at is not None for r in rows)
    assert any(r.validation_type == dur.Check.INTERACTION and r.validation_status != "passed" for r in rows)
    with uow_factory() as uow:  # what the database holds (read before this unit of work rolls back)
        stored = {
            r.id: (r.validation_type, r.validation_status, r.message, r.details)
            for r in uow.session.scalars(
                select(PrescriptionValidation).where(
                    PrescriptionValidation.prescription_id == rx.prescription_id, PrescriptionValidation.is_current
                )
            )
        }
    assert set(stored) == {r.id for r in rows}
    assert [stored[r.id] for r in rows] == [
        (r.validation_type, r.validation_status, r.message, r.details) for r in rows
    ]


def run_statements(engine, uow_factory, actor, rx_id):
    """The statements one ``run_dur`` sends (the unit of work's own begin and end left out), and its rows."""
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        statements.append(" ".join(statement.split()))

    with uow_factory(actor.user_id) as uow:
        uow.session.execute(select(1))  # the transaction begun before counting
        event.listen(engine, "before_cursor_execute", seen)
        try:
            rows = dur_review.run_dur(uow, rx_id)
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        uow.commit()
    return statements, rows


def test_a_run_is_four_statements_however_many_drugs_the_patient_takes(uow_factory, engine, actors, make_patient, meds):
    """Start (supersede + the patient, this and the other active items in one statement), the
    knowledge with the pharmacy's own pairs, the rows, the event: four round trips, not one per
    table or per item (19 before; bench/dur.py)."""
    patient = make_patient(allergies=(AllergyEntry("Penicillin", "drug", "Hives", "moderate"),))
    for med in ("warfarin", "alprazolam", "lisinopril", "oxycodone"):
        intake.submit_prescription(uow_factory, actors["technician"], rx_form(patient.patient_id, meds[med]))
    rx = intake.submit_prescription(
        uow_factory, actors["technician"], rx_form(patient.patient_id, meds["aspirin"], sig="1 T PO QD")
    )
    statements, rows = run_statements(engine, uow_factory, actors["pharmacist"], rx.prescription_id)
    starts = (
        "WITH replaced AS ( UPDATE prescription_schema.prescription_validations",
        "WITH RECURSIVE legacy_active AS",
        "INSERT INTO prescription_schema.prescription_validations",
        "SELECT audit_schema.record_event(",
    )
    assert len(statements) == len(starts) and all(map(str.startswith, statements, starts)), statements
    # the pharmacy's own pair (warfarin + aspirin, drug_interactions) was read in the knowledge's round trip
    hits = [r for r in rows if r.validation_type == dur.Check.INTERACTION and r.validation_status != "passed"]
    assert any("warfarin" in r.message.lower() for r in hits)
    again, _ = run_statements(engine, uow_factory, actors["pharmacist"], rx.prescription_id)
    assert len(again) == 4  # a re-run too (it supersedes in the first statement)


def test_the_pharmacys_own_pairs_come_with_the_knowledge_as_they_come_alone(uow_factory, meds):
    with uow_factory() as uow:
        for keys in (["warfarin", "aspirin"], ["oxycodone"], ["lisinopril"], ["%"], []):
            alone = legacy_interactions(uow.dur.interaction_pairs(keys))
            knowledge = uow.clinical.knowledge_for(keys, legacy_keys=keys)
            plain = uow.clinical.knowledge_for(keys)
            assert knowledge.interactions == (*plain.interactions, *alone), keys
            assert [r.source for r in alone] == [LEGACY_SOURCE] * len(alone)
        assert legacy_interactions(uow.dur.interaction_pairs(["warfarin"]))  # the fixture's pair is there


def test_start_run_reads_what_the_orm_reads(uow_factory, actors, make_patient, meds):
    """The one statement's facts against the ORM's: the profile (version, active conditions by
    name, active allergies), this prescription's items first, the other active ones (not an
    expired, cancelled or another patient's one), each with its latest fill that was not returned."""
    patient = make_patient(gender="F", allergies=(AllergyEntry("Penicillin", "drug", "Hives", "moderate"),))
    other_patient = make_patient("Ann", "Other", dt.date(1970, 1, 1))
    submit = intake.submit_prescription
    tech = actors["technician"]
    warfarin = submit(uow_factory, tech, rx_form(patient.patient_id, meds["warfarin"]))
    expired = submit(uow_factory, tech, rx_form(patient.patient_id, meds["alprazolam"]))
    cancelled = submit(uow_factory, tech, rx_form(patient.patient_id, meds["oxycodone"]))
    submit(uow_factory, tech, rx_form(other_patient.patient_id, meds["lisinopril"]))
    rx = submit(uow_factory, tech, rx_form(patient.patient_id, meds["aspirin"], sig="1 T PO QD"))
    today = dt.date.today()
    with uow_factory() as uow:
        uow.session.execute(
            update(Prescription)
            .where(Prescription.id == expired.prescription_id)
            .values(expiration_date=today - dt.timedelta(days=1))
        )
        uow.session.execute(
            update(Prescription).where(Prescription.id == cancelled.prescription_id).values(status="cancelled")
        )
        [item] = uow.prescriptions.get_with_items(warfarin.prescription_id).items
        for number, days_ago, status in ((0, 20, "dispensed"), (1, 3, "returned"), (2, 10, "dispensed")):
            uow.session.add(
                PrescriptionRefill(
                    prescription_id=warfarin.prescription_id,
                    prescription_item_id=item.id,
                    refill_number=number,
                    ndc_code="00000000000",
                    quantity_dispensed=Decimal(30),
                    days_supply=30 + number,
                    filled_date=today - dt.timedelta(days=days_ago),
                    status=status,
                )
            )
        uow.session.add_all(
            [
                PatientCondition(patient_id=patient.patient_id, condition_name="Hypertension", icd_10_code="I10"),
                PatientCondition(patient_id=patient.patient_id, condition_name="Asthma", icd_10_code="J45.909"),
                PatientCondition(patient_id=patient.patient_id, condition_name="Gout", is_active=False),
                PatientAllergy(
                    patient_id=patient.patient_id, allergen_type="drug", allergen_name="Sulfa", is_active=False
                ),
            ]
        )
        uow.commit()
    with uow_factory() as uow:
        start = uow.dur.start_run(rx.prescription_id, as_of=today)
        assert start is not None
        stored = uow.session.get(Patient, patient.patient_id)
        subject = start.subject
        assert (subject.patient_id, subject.profile_version, subject.gender) == (
            patient.patient_id,
            stored.clinical_profile_version,
            stored.gender,
        )
        assert subject.conditions == (("Asthma", "J45.909"), ("Hypertension", "I10"))
        assert subject.allergies == (("Penicillin", "drug", "moderate", "Hives"),)
        assert [(i.own, i.prescription_number) for i in start.items] == [
            (True, rx.rx_number),
            (False, warfarin.rx_number),
        ]
        own, other = start.items
        assert own.medication is not None and own.medication.id == meds["aspirin"] and own.last_fill is None
        assert other.last_fill == (today - dt.timedelta(days=10), 32)  # the latest not returned
        orm_items = uow.prescriptions.active_medications(patient.patient_id, excluding=rx.prescription_id, as_of=today)
        assert [i.id for i in orm_items] == [other.id]
        assert uow.dur.start_run(uuid.uuid4(), as_of=today) is None


def test_a_rerun_carries_an_acknowledged_warning_to_the_millisecond_and_decides_a_hard_stop_again(
    uow_factory, actors, make_patient, meds
):
    rph = actors["pharmacist"]
    patient = make_patient(gender="M", allergies=(AllergyEntry("Penicillin", "drug", "Hives", "moderate"),))
    kw = dict(sig="1 T PO QD", quantity="30", days=30)
    intake.submit_prescription(uow_factory, actors["technician"], rx_form(patient.patient_id, meds["lisinopril"], **kw))
    rx = intake.submit_prescription(
        uow_factory, actors["technician"], rx_form(patient.patient_id, meds["enalapril"], **kw)
    )
    [warning] = review.open_review(uow_factory, rph, rx.prescription_id).open_alerts
    assert warning.status == "warning"
    review.acknowledge_alert(uow_factory, rph, warning.validation_id)
    with uow_factory() as uow:
        before = uow.session.get(PrescriptionValidation, warning.validation_id)
        acknowledged = (before.acknowledged_by, before.acknowledged_at)
    review.rerun_dur(uow_factory, rph, rx.prescription_id)
    with uow_factory() as uow:
        current = dur_review.current_validations(uow, rx.prescription_id)
        [carried] = [r for r in current if r.validation_status == "warning"]
        assert carried.id != warning.validation_id
        assert (carried.acknowledged_by, carried.acknowledged_at) == acknowledged
        assert carried.details["carried_from"] == str(warning.validation_id)
        assert not uow.session.get(PrescriptionValidation, warning.validation_id).is_current

    amoxicillin = intake.submit_prescription(
        uow_factory, actors["technician"], rx_form(patient.patient_id, meds["amoxicillin"])
    )
    [stop] = [
        a for a in review.open_review(uow_factory, rph, amoxicillin.prescription_id).open_alerts if a.needs_override
    ]
    review.override_alert(
        uow_factory,
        rph,
        stop.validation_id,
        "Prescriber consulted, benefit outweighs risk",
        professional_code="M0",
        result_code="1G",
    )
    review.rerun_dur(uow_factory, rph, amoxicillin.prescription_id)
    with uow_factory() as uow:
        [again] = [
            r
            for r in dur_review.current_validations(uow, amoxicillin.prescription_id)
            if r.validation_type == stop.check
        ]
        assert again.validation_status == "failed" and again.acknowledged_at is None and again.override_reason is None
