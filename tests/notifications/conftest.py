"""Fixtures of the notification tests: the fill world, a patient who consented to e-mail, no quiet hours."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import pytest

from pharmacy_desktop.db.models.notifications import Notification
from pharmacy_desktop.db.models.users import PharmacyProfile
from pharmacy_desktop.services import fill, verify
from tests.fill import factories as f


@dataclass
class Ready:
    world: f.World
    rx_ids: list[uuid.UUID]


def set_patient(uow_factory, patient_id, **values) -> None:
    with uow_factory() as uow:
        patient = uow.session.get(f.Patient, patient_id)
        for key, value in values.items():
            setattr(patient, key, value)
        uow.commit()


def set_profile(uow_factory, **values) -> None:
    with uow_factory() as uow:
        profile = uow.session.get(PharmacyProfile, 1)
        for key, value in values.items():
            setattr(profile, key, value)
        uow.commit()


def add_rx(uow_factory, world: f.World, drug: f.Drug = f.LISINOPRIL_20_100) -> uuid.UUID:
    with uow_factory() as uow:
        patient = uow.session.get(f.Patient, world.patient_id)
        med = uow.session.get(f.Medication, world.meds[drug.package_ndc])
        rx = f.add_prescription(uow, patient, med)
        uow.commit()
        return rx.id


def fill_and_verify(uow_factory, actors, rx_id, drug: f.Drug = f.LISINOPRIL_20_100) -> None:
    fill.fill(uow_factory, actors["technician"], rx_id, drug.upc)
    verify.approve(
        uow_factory, actors["pharmacist"], rx_id, label_scan=f.label_scan(uow_factory, rx_id), bottle_scans=[drug.upc]
    )


def notifications(uow_factory, patient_id=None) -> list[Notification]:
    with uow_factory() as uow:
        rows = uow.notifications.for_patient(patient_id) if patient_id else uow.notifications.pending(500)
        uow.session.expunge_all()
        return sorted(rows, key=lambda n: (n.created_at, n.event_key or ""))


@pytest.fixture
def world(uow_factory):
    w = f.world(uow_factory)
    # no quiet hours unless a test sets them: the tests run at any time of day
    set_profile(uow_factory, quiet_hours_start=dt.time(0), quiet_hours_end=dt.time(0))
    set_patient(
        uow_factory,
        w.patient_id,
        email="maria.gonzalez@example.org",
        communication_preference="email",
        contact_consent_at=dt.datetime.now(dt.UTC),
    )
    return w
