"""Hostile text through every service that stores what a person types (item 4 of issue 11).

NUL characters, 10,000-character values, escape sequences, direction overrides and broken
surrogates are refused with a field error before the database sees them (whose own error would
repeat the row, patient details included, as SQL parameters), and nothing is written. Limits come
from the columns: a value exactly as long as the real database's column is accepted, one more is not.
"""

from __future__ import annotations

import dataclasses
import logging

import pytest
from sqlalchemy import text

from pharmacy_desktop.domain.text_fields import TEXT_LIMIT, text_problem
from pharmacy_desktop.errors import ValidationFailed
from pharmacy_desktop.services import auth, intake, pharmacy, review
from pharmacy_desktop.services import patients as svc
from pharmacy_desktop.services.patients import AllergyEntry, ConditionEntry, InsuranceEntry
from tests.intake.conftest import PRESCRIBER, patient_form, rx_form

pytestmark = pytest.mark.db

NUL = "Garcia\x00Lopez"
LONG = "A" * 10_000
ESCAPE = "Garcia\x1b[2J"
BELL = "Main\x07 St"
BIDI = "Maria\u202eaicraG"
SURROGATE = "Mar\ud800ia"
HOSTILE = {
    "NUL": NUL,
    "10,000 characters": LONG,
    "escape sequence": ESCAPE,
    "bell": BELL,
    "direction override": BIDI,
    "broken surrogate": SURROGATE,
}
TABLES = (
    "patient_schema.patients",
    "patient_schema.patient_allergies",
    "patient_schema.patient_conditions",
    "patient_schema.patient_insurance",
    "patient_schema.patient_prescribers",
    "prescription_schema.prescriptions",
    "prescription_schema.prescription_items",
    "user_schema.users",
    "user_schema.pharmacy_profile",
    "audit_schema.domain_events",
)


def snapshot(uow_factory) -> dict[str, object]:
    """Row counts of every table a refused save could have touched, and the profile/user rows' text."""
    with uow_factory() as uow:
        counts = {t: uow.session.scalar(text(f"SELECT count(*) FROM {t}")) for t in TABLES}
        counts["patients"] = uow.session.execute(
            text("SELECT id, version, first_name, last_name, phone_primary FROM patient_schema.patients ORDER BY id")
        ).all()
        counts["users"] = uow.session.execute(
            text("SELECT id, first_name, last_name, phone, license_number FROM user_schema.users ORDER BY id")
        ).all()
        counts["rx"] = uow.session.execute(
            text(
                "SELECT id, status, rejection_reason, returned_note FROM prescription_schema.prescriptions ORDER BY id"
            )
        ).all()
    return counts


def refused(call, key: str, uow_factory, caplog) -> ValidationFailed:
    """``call()`` raises ValidationFailed naming ``key``; nothing changed; nothing logged the value."""
    before = snapshot(uow_factory)
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(ValidationFailed) as caught:
            call()
    assert key in caught.value.field_errors, caught.value.field_errors
    assert snapshot(uow_factory) == before
    for value in HOSTILE.values():
        assert value[:12] not in caplog.text
    return caught.value


# -- the domain rule ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", HOSTILE)
def test_every_hostile_kind_has_a_message_saying_what_to_do(kind):
    problem = text_problem(HOSTILE[kind], 255)
    assert problem and ("retype" in problem or "shorten" in problem)


def test_tabs_and_line_breaks_only_where_the_field_is_multi_line():
    assert text_problem("first line\nsecond\tline", None, multiline=True) is None
    assert "one line" in text_problem("first line\nsecond", 100)
    assert text_problem("x" * TEXT_LIMIT, None) is None and text_problem("x" * (TEXT_LIMIT + 1), None)
    assert text_problem("José Ñúñez-O'Brien 李", 100) is None  # names are not ASCII


# -- patients -------------------------------------------------------------------------------------

PATIENT_FIELDS = [
    ("first_name", lambda v: patient_form(first=v), "NUL"),
    ("last_name", lambda v: patient_form(last=v), "10,000 characters"),
    ("middle_name", lambda v: patient_form(middle_name=v), "broken surrogate"),
    ("address_line1", lambda v: dataclasses.replace(patient_form(), address_line1=v), "bell"),
    ("city", lambda v: dataclasses.replace(patient_form(), city=v), "direction override"),
    ("email", lambda v: patient_form(email=v + "@x.example"), "10,000 characters"),
    ("phone_primary", lambda v: patient_form(phone="(217) 555-0101\x00"), "NUL"),
    ("allergies[0].allergen_name", lambda v: patient_form(allergies=(AllergyEntry(v),)), "10,000 characters"),
    ("allergies[0].notes", lambda v: patient_form(allergies=(AllergyEntry("Penicillin", notes=v),)), "NUL"),
    (
        "allergies[0].reaction",
        lambda v: patient_form(allergies=(AllergyEntry("Penicillin", reaction=v),)),
        "escape sequence",
    ),
    ("conditions[0].condition_name", lambda v: patient_form(conditions=(ConditionEntry(v),)), "escape sequence"),
    (
        "insurance[0].member_id",
        lambda v: patient_form(insurance=(InsuranceEntry("Acme Health", v),)),
        "10,000 characters",
    ),
    (
        "insurance[0].cardholder_name",
        lambda v: patient_form(insurance=(InsuranceEntry("Acme", "M1", cardholder_name=v),)),
        "NUL",
    ),
]


@pytest.mark.parametrize(("key", "make", "kind"), PATIENT_FIELDS, ids=[f[0] for f in PATIENT_FIELDS])
def test_create_patient_refuses_hostile_text(key, make, kind, uow_factory, actors, caplog):
    error = refused(
        lambda: svc.create_patient(
            uow_factory, actors["technician"], make(HOSTILE[kind]), confirmed_not_duplicate=True
        ),
        key,
        uow_factory,
        caplog,
    )
    assert "retype" in error.field_errors[key] or "shorten" in error.field_errors[key]


@pytest.mark.parametrize("kind", HOSTILE)
def test_update_patient_refuses_each_kind_and_keeps_the_record(kind, uow_factory, actors, make_patient, caplog):
    maria = make_patient("Maria", "Garcia")
    changed = dataclasses.replace(maria.form, last_name=HOSTILE[kind])
    refused(
        lambda: svc.update_patient(uow_factory, actors["technician"], maria, changed), "last_name", uow_factory, caplog
    )
    assert svc.open_patient(uow_factory, actors["technician"], maria.patient_id).version == maria.version


def _column_max(uow_factory, schema: str, table: str, column: str) -> int:
    with uow_factory() as uow:
        return uow.session.scalar(
            text(
                "SELECT character_maximum_length FROM information_schema.columns "
                "WHERE table_schema = :s AND table_name = :t AND column_name = :c"
            ),
            {"s": schema, "t": table, "c": column},
        )


def test_the_limit_is_the_real_columns(uow_factory, actors):
    first_max = _column_max(uow_factory, "patient_schema", "patients", "first_name")
    city_max = _column_max(uow_factory, "patient_schema", "patients", "city")
    fits = dataclasses.replace(patient_form(first="F" * first_max), city="C" * city_max)
    saved = svc.create_patient(uow_factory, actors["technician"], fits, confirmed_not_duplicate=True)
    assert len(saved.form.first_name) == first_max
    with pytest.raises(ValidationFailed) as caught:
        svc.create_patient(
            uow_factory, actors["technician"], patient_form(first="F" * (first_max + 1)), confirmed_not_duplicate=True
        )
    assert f"at most {first_max}" in caught.value.field_errors["first_name"]


def test_multi_line_notes_are_kept(uow_factory, actors):
    saved = svc.create_patient(
        uow_factory,
        actors["technician"],
        patient_form(allergies=(AllergyEntry("Penicillin", notes="Hives 2019\nER visit"),)),
        confirmed_not_duplicate=True,
    )
    assert saved.allergies[0].notes == "Hives 2019\nER visit"


@pytest.mark.parametrize("kind", ["NUL", "escape sequence", "10,000 characters"])
def test_patient_search_drops_control_characters_instead_of_failing(kind, uow_factory, actors, make_patient):
    make_patient("Maria", "Garcia")
    typed = {"NUL": "garc\x00", "escape sequence": "\x1bgarc", "10,000 characters": "garc" + " " * 10_000}[kind]
    assert [h.display_name for h in svc.search_patients(uow_factory, actors["technician"], typed)] == ["Garcia, Maria"]


# -- prescriptions (intake, review) -----------------------------------------------------------------


def _rx(patient, meds, **changes) -> intake.PrescriptionInput:
    form = rx_form(patient.patient_id, meds["lisinopril"], sig="1 T PO QD")
    items = changes.pop("items", None)
    prescriber = changes.pop("prescriber", None)
    if items:
        form = dataclasses.replace(form, items=(dataclasses.replace(form.items[0], **items),))
    if prescriber:
        form = dataclasses.replace(form, prescriber=dataclasses.replace(PRESCRIBER, **prescriber))
    return dataclasses.replace(form, **changes)


RX_FIELDS = [
    ("prescriber_name", {"prescriber": {"name": "Dr. Sarah\x00 Chen"}}),
    ("prescriber_phone", {"prescriber": {"phone": "(217) 555-0190\x1b"}}),
    ("notes", {"notes": LONG}),
    ("notes", {"notes": "call \x00 back"}),
    ("external_rx_number", {"external_rx_number": LONG}),
    ("items[0].sig", {"items": {"sig": "1 T PO QD\x00"}}),
    ("items[0].sig", {"items": {"sig": "1 T PO QD " + "X" * 10_000}}),
    ("items[0].sig", {"items": {"sig": "1 T PO\nQD"}}),
    ("items[0].quantity_unit", {"items": {"quantity_unit": "tablet\x07"}}),
]


@pytest.mark.parametrize(("key", "changes"), RX_FIELDS, ids=[f"{k}-{i}" for i, (k, _) in enumerate(RX_FIELDS)])
def test_intake_refuses_hostile_text(key, changes, uow_factory, actors, meds, make_patient, caplog):
    patient = make_patient("Maria", "Garcia")
    refused(
        lambda: intake.submit_prescription(uow_factory, actors["technician"], _rx(patient, meds, **changes)),
        key,
        uow_factory,
        caplog,
    )


def test_intake_saves_the_same_prescription_without_the_hostile_part(uow_factory, actors, meds, make_patient):
    patient = make_patient("Maria", "Garcia")
    saved = intake.submit_prescription(
        uow_factory, actors["technician"], _rx(patient, meds, notes="Patient waiting\nCall when ready")
    )
    assert saved.rx_number


def test_review_reasons_refuse_hostile_text(uow_factory, actors, meds, make_patient, caplog):
    patient = make_patient("Maria", "Garcia")
    saved = intake.submit_prescription(uow_factory, actors["technician"], _rx(patient, meds))
    rph = actors["pharmacist"]
    refused(
        lambda: review.reject(uow_factory, rph, saved.prescription_id, "Wrong patient \x00 called"),
        "reason",
        uow_factory,
        caplog,
    )
    refused(
        lambda: review.send_back_to_intake(uow_factory, rph, saved.prescription_id, "Fix " + LONG),
        "note",
        uow_factory,
        caplog,
    )
    review.reject(uow_factory, rph, saved.prescription_id, "Duplicate of an earlier prescription")  # can fail


def test_dur_override_reason_refuses_hostile_text(uow_factory, actors, meds, make_patient, caplog):
    patient = make_patient("John", "Smith")
    intake.submit_prescription(
        uow_factory, actors["technician"], rx_form(patient.patient_id, meds["warfarin"], sig="1 T PO QD")
    )
    second = intake.submit_prescription(
        uow_factory, actors["technician"], rx_form(patient.patient_id, meds["aspirin"], sig="1 T PO QD")
    )
    detail = review.open_review(uow_factory, actors["pharmacist"], second.prescription_id)
    alert = next(a for a in detail.alerts if a.is_alert)
    refused(
        lambda: review.override_alert(
            uow_factory, actors["pharmacist"], alert.validation_id, "Prescriber \x1b[2J contacted"
        ),
        "reason",
        uow_factory,
        caplog,
    )


# -- accounts and settings -------------------------------------------------------------------------

USER_FIELDS = [
    ("first_name", {"first_name": NUL}),
    ("last_name", {"last_name": LONG}),
    ("phone", {"phone": "(217) 555-0100\x00"}),
    ("license_number", {"license_number": LONG}),
    ("email", {"email": "a" * 300 + "@pharmacy.example"}),
]


@pytest.mark.parametrize(("key", "changes"), USER_FIELDS, ids=[k for k, _ in USER_FIELDS])
def test_accounts_refuse_hostile_text(key, changes, uow_factory, actors, caplog):
    values = (
        dict(
            username="newtech",
            password="Counter-Test-2026!",
            email="newtech@pharmacy.test",
            first_name="New",
            last_name="Tech",
            role="technician",
            phone="(217) 555-0100",
        )
        | changes
    )
    refused(lambda: auth.create_user(uow_factory, actors["admin"], **values), key, uow_factory, caplog)
    tech = actors["technician"]
    version = next(u.version for u in auth.list_users(uow_factory, actors["admin"]) if u.id == tech.user_id)
    refused(
        lambda: auth.update_user(uow_factory, actors["admin"], tech.user_id, version, **changes),
        key,
        uow_factory,
        caplog,
    )


def test_pharmacy_settings_refuse_hostile_text(uow_factory, actors, caplog):
    profile = pharmacy.Profile(
        "Riverside Pharmacy", "120 Main St", None, "Springfield", "IL", "62701", "(217) 555-0142", None, None, None
    )
    pharmacy.save_profile(uow_factory, actors["admin"], profile)
    for key, value in (("name", "Riverside\x00 Pharmacy"), ("address_line2", LONG), ("city", BIDI)):
        refused(
            lambda: pharmacy.save_profile(uow_factory, actors["admin"], dataclasses.replace(profile, **{key: value})),
            key,
            uow_factory,
            caplog,
        )
    assert pharmacy.get_profile(uow_factory) == profile


def test_will_call_name_search_drops_control_characters(uow_factory, actors, make_patient):
    from pharmacy_desktop.services import will_call

    make_patient("Maria", "Garcia")
    for typed in ("garc\x00", "\x1b[2Jgarcia", "garcia, \u202em"):
        assert will_call.find_by_patient_name(uow_factory, actors["technician"], typed) == []  # nothing waiting
