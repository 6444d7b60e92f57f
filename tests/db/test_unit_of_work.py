"""The unit of work against a real PostgreSQL: one transaction per user action, domain events and
change notices inside it, audit columns from the actor, optimistic locking between sessions."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal

import psycopg
import pytest
from sqlalchemy import text

from pharmacy_desktop.config import libpq_url
from pharmacy_desktop.db.models import InventoryBatch, InventoryItem, Patient
from pharmacy_desktop.db.unit_of_work import CHANGE_CHANNEL
from pharmacy_desktop.errors import ConcurrentUpdate


def new_patient(number: str = "P000001", **overrides) -> Patient:
    fields = dict(
        patient_number=number,
        first_name="John",
        last_name="Smith",
        date_of_birth=dt.date(1980, 3, 4),
        phone_primary="(555) 123-4567",
        address_line1="1 Main St",
        city="Springfield",
        state="IL",
        zip_code="62701",
    )
    return Patient(**{**fields, **overrides})


def count(engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


@pytest.fixture
def listener(database_url):
    """A separate connection listening on the change channel, as another workstation would."""
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        conn.execute(f"LISTEN {CHANGE_CHANNEL}")
        yield conn


def received(conn: psycopg.Connection, timeout: float = 0.3, stop_after: int | None = None) -> list[dict]:
    notices = conn.notifies(timeout=timeout, stop_after=stop_after)
    return [json.loads(n.payload) for n in notices if n.channel == CHANGE_CHANNEL]


@pytest.fixture
def saved_patient(uow_factory) -> uuid.UUID:
    with uow_factory() as uow:
        patient = uow.patients.add(new_patient())
        uow.commit()
    return patient.id


def test_commit_persists(uow_factory, engine):
    with uow_factory() as uow:
        uow.patients.add(new_patient())
        uow.commit()
        assert uow.committed
    assert count(engine, "patient_schema.patients") == 1


def test_leaving_without_commit_keeps_nothing(uow_factory, engine):
    with uow_factory() as uow:
        uow.patients.add(new_patient())
        uow.record("PatientCreated", "patient", uuid.uuid4())
    assert count(engine, "patient_schema.patients") == 0
    assert count(engine, "audit_schema.domain_events") == 0


def test_a_unit_of_work_that_raises_leaves_nothing_behind(uow_factory, engine, listener):
    with pytest.raises(RuntimeError, match="label printer on fire"):
        with uow_factory(actor_id=uuid.uuid4()) as uow:
            patient = uow.patients.add(new_patient())
            uow.record("PatientCreated", "patient", patient.id, {"number": patient.patient_number})
            uow.log_access("create", "patient", patient.id)
            uow.notify("patients", patient.id)
            uow.flush()
            raise RuntimeError("label printer on fire")
    for table in ("patient_schema.patients", "audit_schema.domain_events", "audit_schema.access_logs"):
        assert count(engine, table) == 0, table
    assert received(listener) == []
    assert uow.session is None  # closed


def test_failed_commit_leaves_nothing_behind(uow_factory, engine, listener, saved_patient):
    with pytest.raises(Exception, match="patients_patient_number_key"):
        with uow_factory() as uow:
            uow.record("PatientCreated", "patient", uuid.uuid4())
            uow.notify("patients")
            uow.session.add(new_patient())  # the same patient number again
            uow.commit()
    assert count(engine, "audit_schema.domain_events") == 0
    assert received(listener) == []


def test_record_writes_the_event_in_the_same_transaction(uow_factory, engine):
    actor = uuid.uuid4()
    with uow_factory(actor_id=actor) as uow:
        patient = uow.patients.add(new_patient())
        event = uow.record(
            "PatientCreated", "patient", patient.id, {"dob": patient.date_of_birth, "fee": Decimal("1.50")}
        )
        uow.flush()
        # written, not yet visible to anyone else: it commits or vanishes with the patient
        assert count(engine, "audit_schema.domain_events") == 0
        uow.commit()
    assert count(engine, "audit_schema.domain_events") == 1
    with uow_factory() as uow:
        [stored] = uow.audit.events_for("patient", patient.id)
        assert stored.id == event.id
        assert (stored.event_type, stored.user_id) == ("PatientCreated", actor)
        assert stored.event_data == {"dob": "1980-03-04", "fee": "1.50", "workstation": "test-ws"}
        assert stored.occurred_at is not None and stored.sequence_number > 0


def test_created_by_and_updated_by_come_from_the_actor(uow_factory, engine):
    clerk, pharmacist = uuid.uuid4(), uuid.uuid4()
    with uow_factory(actor_id=clerk) as uow:
        patient = uow.patients.add(new_patient())
        uow.commit()
    assert (patient.created_by, patient.updated_by) == (clerk, clerk)

    with uow_factory(actor_id=pharmacist) as uow:
        uow.patients.update(patient.id, email="john@example.test")
        uow.commit()
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT created_by, updated_by FROM patient_schema.patients WHERE id = :id"), {"id": patient.id}
        ).one()
    assert tuple(row) == (clerk, pharmacist)

    with uow_factory() as uow:  # no actor (e.g. a system job): existing values are kept
        uow.patients.update(patient.id, email="j@example.test")
        uow.commit()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT updated_by FROM patient_schema.patients")).scalar_one() == pharmacist


def test_second_of_two_concurrent_updates_gets_concurrent_update(uow_factory, engine, saved_patient):
    with uow_factory() as first, uow_factory() as second:
        mine = first.patients.get(saved_patient)
        theirs = second.patients.get(saved_patient)
        assert mine.version == theirs.version == 1

        mine.first_name = "Jonathan"
        first.commit()

        with pytest.raises(ConcurrentUpdate) as caught:
            second.patients.update(saved_patient, last_name="Smythe")
    assert "This patient was changed on another workstation" in caught.value.message
    with engine.connect() as conn:
        row = conn.execute(text("SELECT first_name, last_name, version FROM patient_schema.patients")).one()
    assert tuple(row) == ("Jonathan", "Smith", 2)  # the first change intact, the second not applied


def test_concurrent_update_detected_at_commit_names_the_record(uow_factory, engine, saved_patient):
    with uow_factory() as first, uow_factory() as second:
        first.patients.get(saved_patient).phone_primary = "(555) 999-0000"
        second.patients.get(saved_patient).email = "late@example.test"
        first.commit()
        with pytest.raises(ConcurrentUpdate, match="This patient was changed on another workstation"):
            second.commit()
        assert not second.committed
    with engine.connect() as conn:
        row = conn.execute(text("SELECT phone_primary, email, version FROM patient_schema.patients")).one()
    assert tuple(row) == ("(555) 999-0000", None, 2)


def test_concurrent_stock_batch_update_names_the_batch(uow_factory, engine):
    with uow_factory() as uow:
        item = InventoryItem(
            medication_id=uuid.uuid4(),
            ndc_code="00591040810",
            quantity_unit="tablets",
            reorder_point=Decimal("10"),
            reorder_quantity=Decimal("100"),
        )
        item.batches.append(
            InventoryBatch(
                batch_number="L1",
                expiration_date=dt.date(2030, 1, 1),
                quantity_received=Decimal("100"),
                quantity_remaining=Decimal("100"),
                received_date=dt.date(2026, 1, 1),
            )
        )
        uow.session.add(item)
        uow.commit()
    batch_id = item.batches[0].id

    with uow_factory() as first, uow_factory() as second:
        first.inventory.get_batch(batch_id).quantity_remaining -= 30
        second.inventory.get_batch(batch_id).quantity_remaining -= 40
        first.commit()
        with pytest.raises(ConcurrentUpdate, match="This stock batch was changed"):
            second.commit()
    with engine.connect() as conn:
        row = conn.execute(text("SELECT quantity_remaining, version FROM inventory_schema.inventory_batches")).one()
    assert tuple(row) == (Decimal("70.00"), 2)  # never oversold, never lost


def test_update_with_a_stale_expected_version_refuses(uow_factory, engine, saved_patient):
    with uow_factory() as uow:
        uow.patients.update(saved_patient, expected_version=1, city="Shelbyville")
        uow.commit()
    with uow_factory() as uow:
        with pytest.raises(ConcurrentUpdate) as caught:
            uow.patients.update(saved_patient, expected_version=1, city="Capital City")
        uow.commit()
    assert "patient was changed on another workstation (version 2, you edited version 1)" in caught.value.message
    with engine.connect() as conn:
        assert conn.execute(text("SELECT city FROM patient_schema.patients")).scalar_one() == "Shelbyville"


def test_notify_is_delivered_only_after_commit(uow_factory, listener, saved_patient):
    with uow_factory() as uow:
        uow.patients.update(saved_patient, city="Ogdenville")
        uow.notify("patients", saved_patient, change="address")
        uow.notify("patients", saved_patient, change="address")  # repeated notices collapse
        uow.flush()
        assert received(listener) == []
        uow.commit()
        assert received(listener, timeout=5, stop_after=1) == [
            {"topic": "patients", "id": str(saved_patient), "change": "address"}
        ]
    assert received(listener) == []
