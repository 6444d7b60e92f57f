"""Issue 15: weight (kg, or pounds typed with 'lb'), pregnancy status and breastfeeding on the
patient form; saving a change bumps the clinical profile version (the DUR staleness key)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from pharmacy_desktop.db.models.patients import Patient
from pharmacy_desktop.errors import ValidationFailed
from pharmacy_desktop.services.patients import create_patient, update_patient

from .conftest import patient_form

pytestmark = pytest.mark.db


def stored(uow_factory, patient_id):
    with uow_factory() as uow:
        p = uow.session.get(Patient, patient_id)
        return p.weight_kg, p.weight_recorded_at, p.pregnancy_status, p.breastfeeding, p.clinical_profile_version


def test_weight_in_pounds_is_stored_in_kg_with_the_date(uow_factory, actors):
    profile = create_patient(uow_factory, actors["technician"], patient_form("Ana", "Ruiz", weight_kg="154 lb"))
    assert profile.form.weight_kg == Decimal("69.85")
    weight, recorded, pregnancy, breastfeeding, _ = stored(uow_factory, profile.patient_id)
    assert (weight, recorded, pregnancy, breastfeeding) == (Decimal("69.85"), dt.date.today(), "unknown", False)


def test_pregnancy_breastfeeding_and_weight_changes_bump_the_profile_version(uow_factory, actors):
    tech = actors["technician"]
    profile = create_patient(uow_factory, tech, patient_form("Eva", "Lind", dt.date(1994, 2, 3)))
    before = stored(uow_factory, profile.patient_id)[4]
    profile = update_patient(
        uow_factory, tech, profile, dataclasses.replace(profile.form, pregnancy_status="pregnant", breastfeeding=True)
    )
    assert (profile.form.pregnancy_status, profile.form.breastfeeding) == ("pregnant", True)
    after_pregnancy = stored(uow_factory, profile.patient_id)[4]
    assert after_pregnancy > before
    profile = update_patient(uow_factory, tech, profile, dataclasses.replace(profile.form, weight_kg=Decimal("61.2")))
    weight, recorded, _, _, version = stored(uow_factory, profile.patient_id)
    assert (weight, recorded) == (Decimal("61.20"), dt.date.today()) and version > after_pregnancy
    # an unrelated change does not touch the clinical profile
    profile = update_patient(uow_factory, tech, profile, dataclasses.replace(profile.form, email="eva@example.com"))
    assert stored(uow_factory, profile.patient_id)[4] == version


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"weight_kg": "seventy"}, "weight_kg"),
        ({"weight_kg": "900 kg"}, "weight_kg"),
        ({"weight_kg": Decimal("0")}, "weight_kg"),
        ({"pregnancy_status": "maybe"}, "pregnancy_status"),
    ],
)
def test_wrong_clinical_values_are_named(uow_factory, actors, changes, field):
    with pytest.raises(ValidationFailed) as caught:
        create_patient(uow_factory, actors["technician"], patient_form("Bo", "Kim", **changes))
    assert field in caught.value.field_errors
