"""The DUR orchestration (services/dur_review.py) on an in-memory unit of work, no PostgreSQL:
which rows are written, which are superseded, what blocks, and that nothing is decided silently."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from pharmacy_desktop.domain import dur
from pharmacy_desktop.errors import NotFound
from pharmacy_desktop.services import dur_review
from tests.domain.dur_knowledge import KB
from tests.fakes.dur_uow import (
    FakeAllergy,
    FakeDurStore,
    FakeDurUnitOfWork,
    FakeFill,
    FakeInteraction,
    FakeItem,
    FakeMedication,
    FakePrescription,
)

TODAY = dt.date(2026, 12, 2)
RPH = uuid.uuid4()

AMOXICILLIN = FakeMedication("Amoxicillin 500 mg capsule", "AMOXICILLIN", strength="500 mg", dosage_form="CAPSULE")
WARFARIN = FakeMedication("Warfarin 5 mg tablet", "Warfarin", strength="5 mg")
IBUPROFEN = FakeMedication("Ibuprofen 400 mg tablet", "Ibuprofen", strength="400 mg")
LISINOPRIL = FakeMedication("Lisinopril 10 mg tablet", "Lisinopril", strength="10 mg")


def new_rx(
    store: FakeDurStore, patient: uuid.UUID, med: FakeMedication, number: str, **item: object
) -> FakePrescription:
    return store.add(FakePrescription(patient, number, [FakeItem(med, med.drug_name, **item)]))  # type: ignore[arg-type]


def run(store: FakeDurStore, rx: FakePrescription) -> list:
    with FakeDurUnitOfWork(store, actor_id=RPH) as uow:
        rows = dur_review.run_dur(uow, rx.id, today=TODAY)
        uow.commit()
    return rows


def current(store: FakeDurStore, rx: FakePrescription) -> list:
    with FakeDurUnitOfWork(store) as uow:
        return dur_review.current_validations(uow, rx.id)


def by_check(rows: list) -> dict[str, set[str]]:
    result: dict[str, set[str]] = {}
    for r in rows:
        result.setdefault(r.validation_type, set()).add(r.validation_status)
    return result


def test_an_allergy_is_a_hard_stop_written_for_the_pharmacist_and_counted():
    store, patient = FakeDurStore(knowledge=KB), uuid.uuid4()  # penicillin -> amoxicillin: clinical knowledge
    store.allergies.append(FakeAllergy(patient, "Penicillin", reaction="hives"))
    rx = new_rx(store, patient, AMOXICILLIN, "RX100")
    rows = run(store, rx)
    allergy = [r for r in rows if r.validation_type == dur.Check.ALLERGY and r.validation_status == "failed"]
    assert len(allergy) == 1
    assert "Penicillin" in allergy[0].message and "amoxicillin" in allergy[0].message.lower()
    assert allergy[0].is_current and allergy[0].acknowledged_at is None and allergy[0].performed_by == RPH
    assert allergy[0].details["drug"] == AMOXICILLIN.drug_name
    with FakeDurUnitOfWork(store) as uow:
        assert dur_review.open_alert_counts(uow, [rx.id])[rx.id][0] >= 1
        assert dur_review.has_current(uow, rx.id)
    assert current(store, rx)[0].validation_status == "failed"  # the hard stop first
    [(event, kind, aggregate, data)] = store.events
    assert (event, kind, aggregate) == ("DurChecked", "prescription", rx.id)
    assert data["rx_number"] == "RX100" and data["failed"] == sum(r.validation_status == "failed" for r in rows)


def test_nothing_is_decided_silently_every_check_leaves_a_row():
    store, patient = FakeDurStore(), uuid.uuid4()
    rx = new_rx(store, patient, LISINOPRIL, "RX101")
    rows = run(store, rx)
    checks = by_check(rows)
    assert set(checks) == {
        dur.Check.ALLERGY,
        dur.Check.INTERACTION,
        dur.Check.DUPLICATION,
        dur.Check.DOSE,
        dur.Check.DRUG_DISEASE,
        dur.Check.PREGNANCY,
        dur.Check.LACTATION,
        dur.Check.AGE,
        dur.Check.SEX,
        dur.Check.EARLY_REFILL,
        dur.Check.CONTROLLED,
        dur.Check.PRESCRIBER,
    }
    assert all(r.is_current and r.acknowledged_at is None for r in rows)
    assert "failed" not in {s for statuses in checks.values() for s in statuses}
    with FakeDurUnitOfWork(store) as uow:
        assert dur_review.open_alert_counts(uow, [rx.id]).get(rx.id, (0, 0))[0] == 0


def test_an_interaction_with_an_active_medication_names_both_drugs():
    store, patient = FakeDurStore(knowledge=KB), uuid.uuid4()
    store.interactions.append(FakeInteraction("Warfarin", "Ibuprofen", "serious", "Bleeding risk rises.", "Avoid."))
    warfarin = new_rx(store, patient, WARFARIN, "RX200")
    store.fills.append(FakeFill(warfarin.items[0].id, TODAY - dt.timedelta(days=3), 30))
    rx = new_rx(store, patient, IBUPROFEN, "RX201")
    rows = run(store, rx)
    [hit] = [r for r in rows if r.validation_type == dur.Check.INTERACTION and r.validation_status != "passed"]
    assert hit.validation_status == "failed"
    assert "warfarin" in hit.message.lower() and "ibuprofen" in hit.message.lower()
    # another patient's warfarin is none of this patient's business
    other = new_rx(store, uuid.uuid4(), IBUPROFEN, "RX202")
    assert {r.validation_status for r in run(store, other) if r.validation_type == dur.Check.INTERACTION} == {"passed"}


def test_a_rerun_supersedes_the_earlier_rows_and_keeps_them_on_record():
    store, patient = FakeDurStore(), uuid.uuid4()
    store.allergies.append(FakeAllergy(patient, "Penicillin"))
    rx = new_rx(store, patient, AMOXICILLIN, "RX300")
    first = run(store, rx)
    store.allergies[0].is_active = False  # the allergy was entered in error
    second = run(store, rx)
    assert not any(r.is_current for r in first)
    assert all(r.is_current for r in second)
    assert len(store.validations) == len(first) + len(second)
    assert {r.id for r in current(store, rx)} == {r.id for r in second}
    assert by_check(second)[dur.Check.ALLERGY] == {"passed"}
    assert [e[0] for e in store.events] == ["DurChecked", "DurChecked"]


def test_a_run_that_is_not_committed_leaves_the_earlier_alerts_current():
    store, patient = FakeDurStore(), uuid.uuid4()
    rx = new_rx(store, patient, LISINOPRIL, "RX400")
    first = run(store, rx)
    with FakeDurUnitOfWork(store, actor_id=RPH) as uow:
        dur_review.run_dur(uow, rx.id, today=TODAY)  # no commit
    assert {r.id for r in current(store, rx)} == {r.id for r in first}
    assert len(store.events) == 1


def test_a_missing_prescription_is_not_found_and_writes_nothing():
    store = FakeDurStore()
    with FakeDurUnitOfWork(store) as uow, pytest.raises(NotFound):
        dur_review.run_dur(uow, uuid.uuid4(), today=TODAY)
    assert store.validations == [] and store.events == []


def test_an_early_refill_comes_from_the_last_fill_not_a_returned_one():
    store, patient = FakeDurStore(), uuid.uuid4()
    rx = new_rx(store, patient, LISINOPRIL, "RX500")
    store.fills.append(FakeFill(rx.items[0].id, TODAY - dt.timedelta(days=5), 30))
    assert "passed" not in by_check(run(store, rx))[dur.Check.EARLY_REFILL]
    store.fills[0] = FakeFill(rx.items[0].id, TODAY - dt.timedelta(days=5), 30, status="returned")
    assert by_check(run(store, rx))[dur.Check.EARLY_REFILL] == {"passed"}
