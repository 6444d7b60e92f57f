"""Patient search, profile, create with duplicate flag, concurrent edits (real PostgreSQL)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from pharmacy_desktop.errors import PermissionDenied, ValidationFailed
from pharmacy_desktop.services import patients as svc
from pharmacy_desktop.services.patients import AllergyEntry, InsuranceEntry, PossibleDuplicate

from .conftest import patient_form

pytestmark = pytest.mark.db


@pytest.fixture
def people(make_patient):
    return {
        "john": make_patient("John", "Smith", dt.date(1980, 3, 4), phone="(217) 555-0101"),
        "jane": make_patient(
            "Jane",
            "Smithers",
            dt.date(1975, 12, 1),
            phone="217.555.2233",
            allergies=(AllergyEntry("Penicillin", "drug", "Hives", "moderate"),),
        ),
        "maria": make_patient("Maria", "Garcia", dt.date(1961, 5, 17), phone="(217) 555-7788"),
    }


def names(hits):
    return [h.display_name for h in hits]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("smi", ["Smith, John", "Smithers, Jane"]),  # last-name prefix
        ("smith, ja", ["Smithers, Jane"]),  # last, first prefixes
        ("john", ["Smith, John"]),  # a fragment anywhere in the name
        ("maria garcia", ["Garcia, Maria"]),  # first name first
        ("arci", ["Garcia, Maria"]),  # inside a word
        ("05/17/1961", ["Garcia, Maria"]),  # date of birth
        ("1961-05-17", ["Garcia, Maria"]),
        ("555-7788", ["Garcia, Maria"]),  # phone (end digits)
        ("2175552233", ["Smithers, Jane"]),  # phone (all digits)
        ("nobody", []),
        ("", []),
    ],
)
def test_search_as_you_type(uow_factory, actors, people, typed, expected):
    assert names(svc.search_patients(uow_factory, actors["technician"], typed)) == expected


def test_search_by_patient_number_and_allergies_in_hits(uow_factory, actors, people):
    number = people["jane"].patient_number
    hits = svc.search_patients(uow_factory, actors["technician"], number.lower())
    assert names(hits) == ["Smithers, Jane"]
    assert hits[0].allergies == ("Penicillin",)


def test_open_patient_writes_access_log(uow_factory, actors, people):
    profile = svc.open_patient(uow_factory, actors["pharmacist"], people["jane"].patient_id)
    assert profile.display_name == "Smithers, Jane"
    assert [a.allergen_name for a in profile.allergies] == ["Penicillin"]
    assert profile.form.prescribers[0].npi == "1234567893"
    with uow_factory() as uow:
        logs = [
            (log.action, log.resource_type, log.user_id)
            for log in uow.audit.access_logs(resource_id=profile.patient_id)
        ]
    assert logs == [("view", "patient", actors["pharmacist"].user_id)]


def test_manager_cannot_edit_and_denial_is_recorded(uow_factory, actors):
    with pytest.raises(PermissionDenied):
        svc.create_patient(uow_factory, actors["admin"], patient_form())
    with uow_factory() as uow:
        events = [
            e.event_data
            for e in uow.audit.recent_events(event_type="PermissionDenied", user_id=actors["admin"].user_id)
        ]
    assert events and events[0]["permission"] == "patient.edit"


def test_create_checks_fields(uow_factory, actors):
    bad = dataclasses.replace(
        patient_form(),
        first_name=" ",
        date_of_birth=dt.date.today() + dt.timedelta(days=1),
        phone_primary="555",
        state="Illinois",
        zip_code="6270",
        insurance=(InsuranceEntry("BCBS", "", bin_number="12"),),
    )
    with pytest.raises(ValidationFailed) as err:
        svc.create_patient(uow_factory, actors["technician"], bad)
    assert set(err.value.field_errors) == {
        "first_name",
        "date_of_birth",
        "phone_primary",
        "state",
        "zip_code",
        "insurance[0].member_id",
        "insurance[0].bin_number",
    }


def test_create_with_full_profile_and_event(uow_factory, actors):
    form = patient_form(
        "Ana",
        "Lopez",
        dt.date(1990, 1, 2),
        email="ana@example.com",
        communication_preference="email",
        allergies=(AllergyEntry("Sulfa drugs", "drug", "Rash", "mild"), AllergyEntry("Peanuts", "food")),
        insurance=(
            InsuranceEntry("BCBS of Illinois", "XOF123456", "primary", "610014", "BCBSIL", "GRP1"),
            InsuranceEntry("AARP Supplement", "AARP1", "secondary", "610279"),
        ),
    )
    profile = svc.create_patient(uow_factory, actors["technician"], form)
    assert profile.patient_number.startswith("P") and profile.version == 1
    assert [i.insurance_type for i in profile.form.insurance] == ["primary", "secondary"]
    assert profile.form.insurance[0].bin_number == "610014"
    assert [a.allergen_name for a in profile.drug_allergies] == ["Sulfa drugs"]
    assert profile.form.communication_preference == "email"
    with uow_factory() as uow:
        events = [(e.event_type, e.user_id) for e in uow.audit.events_for("patient", profile.patient_id)]
    assert events == [("PatientCreated", actors["technician"].user_id)]


def test_possible_duplicate_flagged_until_confirmed(uow_factory, actors, people):
    form = patient_form("john", "SMITH", dt.date(1980, 3, 4), phone="(217) 555-9999")
    with pytest.raises(PossibleDuplicate) as err:
        svc.create_patient(uow_factory, actors["technician"], form)
    assert [m.patient_id for m in err.value.matches] == [people["john"].patient_id]
    assert people["john"].patient_number in err.value.message
    created = svc.create_patient(uow_factory, actors["technician"], form, confirmed_not_duplicate=True)
    with uow_factory() as uow:
        event = uow.audit.events_for("patient", created.patient_id)[0].event_data
    assert event["possible_duplicate_of"] == [str(people["john"].patient_id)]


def test_update_and_children(uow_factory, actors, people):
    original = svc.open_patient(uow_factory, actors["technician"], people["john"].patient_id)
    edited = dataclasses.replace(
        original.form, phone_primary="(217) 555-4444", allergies=(AllergyEntry("Codeine", "drug", "Nausea", "mild"),)
    )
    saved = svc.update_patient(uow_factory, actors["technician"], original, edited)
    assert saved.version == original.version + 1
    assert saved.form.phone_primary == "(217) 555-4444"
    assert [a.allergen_name for a in saved.allergies] == ["Codeine"]
    # an allergy change alone also moves the version (another workstation must notice it)
    again = svc.update_patient(uow_factory, actors["technician"], saved, dataclasses.replace(saved.form, allergies=()))
    assert again.version == saved.version + 1 and again.allergies == ()


def test_concurrent_edit_second_save_told_what_changed(uow_factory, actors, people):
    tech, rph = actors["technician"], actors["pharmacist"]
    at_counter = svc.open_patient(uow_factory, tech, people["maria"].patient_id)
    at_drive_thru = svc.open_patient(uow_factory, rph, people["maria"].patient_id)

    svc.update_patient(
        uow_factory,
        rph,
        at_drive_thru,
        dataclasses.replace(
            at_drive_thru.form, phone_primary="(217) 555-0000", allergies=(AllergyEntry("Latex", "environmental"),)
        ),
    )

    mine = dataclasses.replace(at_counter.form, phone_primary="(217) 555-1111", city="Chatham")
    with pytest.raises(svc.PatientChanged) as err:
        svc.update_patient(uow_factory, tech, at_counter, mine)
    changes = {c.field: c for c in err.value.changes}
    assert set(changes) == {"phone_primary", "allergies"}
    assert changes["phone_primary"].theirs == "(217) 555-0000"
    assert changes["phone_primary"].yours == "(217) 555-1111" and changes["phone_primary"].conflict
    assert changes["allergies"].yours is None
    assert "Phone" in err.value.message and "Allergies" in err.value.message
    # nothing of the second save was written
    current = svc.open_patient(uow_factory, tech, people["maria"].patient_id)
    assert current.form.phone_primary == "(217) 555-0000" and current.form.city == "Springfield"
    # saving again from the fresh profile works
    svc.update_patient(
        uow_factory, tech, err.value.current, dataclasses.replace(err.value.current.form, city="Chatham")
    )
