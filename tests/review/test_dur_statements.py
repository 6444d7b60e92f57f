"""The DUR run's statements (issue 15, bench/dur.py's p99 target): the validation rows of a run are
written by ONE insert, the prescription's own last fills are read with the active medications' and
not once per item, and the pharmacy's ``drug_interactions`` rows are found by the same rule as
before the rewrite (an active pair whose generic, lower case, contains any key as plain text).

Statement counts, not times: what makes the run slow or fast under load is the number of round
trips, and a count cannot flake.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, or_, select, update
from sqlalchemy.orm import aliased

from pharmacy_desktop.db.models.prescriptions import DrugInteraction, Medication, PrescriptionValidation
from pharmacy_desktop.domain import dur
from pharmacy_desktop.services import dur_review, intake

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
