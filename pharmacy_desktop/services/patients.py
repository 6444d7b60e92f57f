"""Patients at the counter: search as you type, the profile, create and edit.

Edits use optimistic locking: ``update_patient`` is given the profile the user started from, and when
another workstation saved in between it raises ``PatientChanged`` listing what that save changed
(and which of those fields the user also edited), so nothing is overwritten silently. Creating a
patient with the same name and date of birth as an existing one raises ``PossibleDuplicate`` until
the user confirms it is a different person. Opening a profile writes an access log row.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

from sqlalchemy import select

from pharmacy_desktop.db.models.patients import (
    Patient,
    PatientAllergy,
    PatientCondition,
    PatientInsurance,
    PatientPrescriber,
)
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain.identifiers import dea_problem, npi_problem, prescriber_last_name
from pharmacy_desktop.domain.text_fields import strip_controls
from pharmacy_desktop.errors import ConcurrentUpdate, NotFound, PharmacyError, ValidationFailed
from pharmacy_desktop.services.auth import Actor, require
from pharmacy_desktop.services.text_checks import text_errors

VIEW = "patient.view"
EDIT = "patient.edit"
SEARCH_LIMIT = 20
COMMUNICATION_CHOICES = ("sms", "email", "phone", "mail", "none")
ALLERGEN_TYPES = ("drug", "food", "environmental")
ALLERGY_SEVERITIES = ("mild", "moderate", "severe")
INSURANCE_TYPES = ("primary", "secondary", "tertiary")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_STATE = re.compile(r"^[A-Za-z]{2}$")
_ZIP = re.compile(r"^\d{5}(-\d{4})?$")
_BIN = re.compile(r"^\d{6}$")


# ---------------------------------------------------------------------------------------------
# DTOs


@dataclass(frozen=True)
class AllergyEntry:
    allergen_name: str
    allergen_type: str = "drug"
    reaction: str | None = None
    severity: str | None = None
    notes: str | None = None

    @property
    def text(self) -> str:
        extra = ", ".join(p for p in (self.reaction, self.severity) if p)
        return f"{self.allergen_name} ({extra})" if extra else self.allergen_name


@dataclass(frozen=True)
class ConditionEntry:
    condition_name: str
    icd_10_code: str | None = None
    is_active: bool = True


@dataclass(frozen=True)
class InsuranceEntry:
    insurance_provider: str
    member_id: str  # policy_number
    insurance_type: str = "primary"
    bin_number: str | None = None
    pcn_number: str | None = None
    group_number: str | None = None
    cardholder_name: str | None = None
    relationship_to_cardholder: str | None = "self"
    effective_date: dt.date | None = None
    expiration_date: dt.date | None = None

    @property
    def text(self) -> str:
        parts = [f"{self.insurance_type.capitalize()}: {self.insurance_provider}", f"BIN {self.bin_number or '-'}",
                 f"PCN {self.pcn_number or '-'}", f"Group {self.group_number or '-'}", f"Member {self.member_id}"]
        return " · ".join(parts)


@dataclass(frozen=True)
class PrescriberEntry:
    name: str
    npi: str
    dea: str | None = None
    specialty: str | None = None
    phone: str | None = None
    is_primary: bool = False


@dataclass(frozen=True)
class PatientForm:
    """What the patient form edits; also the input of create and update."""

    first_name: str
    last_name: str
    date_of_birth: dt.date | None
    phone_primary: str
    address_line1: str
    city: str
    state: str
    zip_code: str
    middle_name: str | None = None
    gender: str | None = None
    phone_secondary: str | None = None
    email: str | None = None
    address_line2: str | None = None
    language_preference: str = "en"
    communication_preference: str = "sms"
    allow_generic_substitution: bool = True
    allergies: tuple[AllergyEntry, ...] = ()
    conditions: tuple[ConditionEntry, ...] = ()
    insurance: tuple[InsuranceEntry, ...] = ()
    prescribers: tuple[PrescriberEntry, ...] = ()


@dataclass(frozen=True)
class PatientHit:
    """A row of the search list."""

    patient_id: uuid.UUID
    patient_number: str
    first_name: str
    last_name: str
    date_of_birth: dt.date
    phone: str
    is_active: bool
    allergies: tuple[str, ...] = ()

    @property
    def display_name(self) -> str:
        return f"{self.last_name}, {self.first_name}"

    @property
    def age(self) -> int:
        return age_on(self.date_of_birth, dt.date.today())


@dataclass(frozen=True)
class PatientProfile:
    patient_id: uuid.UUID
    version: int
    patient_number: str
    form: PatientForm
    is_active: bool = True
    updated_at: dt.datetime | None = None

    @property
    def display_name(self) -> str:
        return f"{self.form.last_name}, {self.form.first_name}"

    @property
    def date_of_birth(self) -> dt.date:
        assert self.form.date_of_birth is not None
        return self.form.date_of_birth

    @property
    def age(self) -> int:
        return age_on(self.date_of_birth, dt.date.today())

    @property
    def allergies(self) -> tuple[AllergyEntry, ...]:
        return self.form.allergies

    @property
    def drug_allergies(self) -> tuple[AllergyEntry, ...]:
        return tuple(a for a in self.form.allergies if a.allergen_type not in ("food", "environmental"))


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    before: str  # what the user started from
    theirs: str  # what the other workstation saved
    yours: str | None = None  # what the user typed, when they changed it too

    @property
    def conflict(self) -> bool:
        return self.yours is not None and self.yours != self.theirs


class PatientChanged(ConcurrentUpdate):
    """Another workstation saved the patient after the user opened it."""

    def __init__(self, message: str, changes: Sequence[FieldChange], current: PatientProfile):
        super().__init__(message)
        self.changes = list(changes)
        self.current = current


class PossibleDuplicate(PharmacyError):
    """Same name and date of birth as an existing patient: confirm it is someone else."""

    def __init__(self, message: str, matches: Sequence[PatientHit]):
        super().__init__(message)
        self.matches = list(matches)


def age_on(born: dt.date, today: dt.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


# ---------------------------------------------------------------------------------------------
# Search


def search_patients(uow_factory: UnitOfWorkFactory, actor: Actor, text: str, limit: int = SEARCH_LIMIT) -> list[PatientHit]:
    """Search as you type: patient number, date of birth, phone digits, or a name fragment.

    Names match as "last, first" prefixes first (index range scan); when that finds fewer than
    ``limit``, any patient whose "last first" contains every typed word (3+ letters, trigram index)
    follows, so "john" or "john smith" find Smith, John.
    """
    # nothing typed into a search is stored, so control characters (a NUL from a scanner) are dropped
    # rather than refused; the database would reject a NUL with the search text in its error
    text = strip_controls(text or "").strip()[:200]
    if not text:
        return []
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, VIEW, doing="search patients")  # also refuses a deactivated or signed-out session
        found = uow.patients.search(text, limit=limit)
        if len(found) < limit:
            found += uow.patients.search_fragment(text, limit=limit - len(found), exclude=[p.id for p in found])
        allergies = _allergy_names(uow, [p.id for p in found])
        return [_hit(p, allergies.get(p.id, ())) for p in found]


def find_duplicates(uow_factory: UnitOfWorkFactory, actor: Actor, first_name: str, last_name: str,
                    date_of_birth: dt.date) -> list[PatientHit]:
    with uow_factory(actor.user_id) as uow:
        return [_hit(p) for p in uow.patients.duplicates(first_name, last_name, date_of_birth)]


def _allergy_names(uow: UnitOfWork, ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[str, ...]]:
    if not ids:
        return {}
    rows = uow.session.execute(
        select(PatientAllergy.patient_id, PatientAllergy.allergen_name)
        .where(PatientAllergy.patient_id.in_(ids), PatientAllergy.is_active.is_not(False))
        .order_by(PatientAllergy.allergen_name)
    )
    result: dict[uuid.UUID, list[str]] = {}
    for patient_id, name in rows:
        result.setdefault(patient_id, []).append(name)
    return {k: tuple(v) for k, v in result.items()}


def _hit(p: Patient, allergies: tuple[str, ...] = ()) -> PatientHit:
    return PatientHit(p.id, p.patient_number, p.first_name, p.last_name, p.date_of_birth, p.phone_primary,
                      p.is_active is not False, allergies)


# ---------------------------------------------------------------------------------------------
# Profile


def open_patient(uow_factory: UnitOfWorkFactory, actor: Actor, patient_id: uuid.UUID) -> PatientProfile:
    """The full profile; writes an access log row (who opened which record, when)."""
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, VIEW, doing="open patient records")  # also refuses a deactivated or signed-out session
        profile = load_profile(uow, patient_id)
        uow.log_access("view", "patient", patient_id)
        uow.commit()
        return profile


def load_profile(uow: UnitOfWork, patient_id: uuid.UUID) -> PatientProfile:
    """The profile inside an open unit of work (no access log: the caller decides)."""
    patient = uow.patients.get_with_profile(patient_id)
    if patient is None:
        raise NotFound("The patient was not found; they may have been removed on another workstation.")
    return _profile(patient)


def _profile(p: Patient) -> PatientProfile:
    form = PatientForm(
        first_name=p.first_name, last_name=p.last_name, date_of_birth=p.date_of_birth,
        phone_primary=p.phone_primary, address_line1=p.address_line1, city=p.city, state=p.state,
        zip_code=p.zip_code, middle_name=p.middle_name, gender=p.gender, phone_secondary=p.phone_secondary,
        email=p.email, address_line2=p.address_line2, language_preference=p.language_preference or "en",
        communication_preference=p.communication_preference or "sms",
        allow_generic_substitution=p.allow_generic_substitution is not False,
        allergies=tuple(
            AllergyEntry(a.allergen_name, a.allergen_type, a.reaction, a.severity, a.notes)
            for a in sorted(p.allergies, key=lambda a: (a.allergen_type != "drug", a.allergen_name.lower()))
            if a.is_active is not False
        ),
        conditions=tuple(
            ConditionEntry(c.condition_name, c.icd_10_code, c.is_active is not False)
            for c in sorted(p.conditions, key=lambda c: c.condition_name.lower())
        ),
        insurance=tuple(
            InsuranceEntry(i.insurance_provider, i.policy_number, i.insurance_type or "primary", i.bin_number,
                           i.pcn_number, i.group_number, i.cardholder_name, i.relationship_to_cardholder,
                           i.effective_date, i.expiration_date)
            for i in sorted(p.insurance, key=lambda i: (_rank(i.insurance_type, INSURANCE_TYPES), i.insurance_provider))
            if i.is_active is not False
        ),
        prescribers=tuple(
            PrescriberEntry(r.prescriber_name, r.prescriber_npi, r.prescriber_dea, r.specialty, r.phone,
                            bool(r.is_primary))
            for r in sorted(p.prescribers, key=lambda r: (not r.is_primary, r.prescriber_name))
        ),
    )
    return PatientProfile(p.id, p.version or 1, p.patient_number, form, p.is_active is not False, p.updated_at)


def _rank(value: str | None, order: Sequence[str]) -> int:
    return order.index(value) if value in order else len(order)


# ---------------------------------------------------------------------------------------------
# Validation


def _blank(value: str | None) -> bool:
    return not (value or "").strip()


def _digits(value: str | None) -> str:
    return re.sub(r"\D", "", value or "")


def form_errors(form: PatientForm, *, today: dt.date | None = None) -> dict[str, str]:
    """Field name -> what to fix; empty when the form can be saved."""
    today = today or dt.date.today()
    errors: dict[str, str] = {}
    for name, label in (("first_name", "First name"), ("last_name", "Last name"), ("address_line1", "Address"),
                        ("city", "City")):
        if _blank(getattr(form, name)):
            errors[name] = f"{label} is required."
    if form.date_of_birth is None:
        errors["date_of_birth"] = "Date of birth is required (MM/DD/YYYY)."
    elif form.date_of_birth > today:
        errors["date_of_birth"] = "Date of birth cannot be in the future."
    elif age_on(form.date_of_birth, today) > 125:
        errors["date_of_birth"] = "Date of birth is more than 125 years ago; check the year."
    phone = _digits(form.phone_primary)
    if len(phone) == 11 and phone.startswith("1"):
        phone = phone[1:]
    if len(phone) != 10:
        errors["phone_primary"] = "Phone needs 10 digits, e.g. (217) 555-0142."
    if form.phone_secondary and len(_digits(form.phone_secondary)) not in (10, 11):
        errors["phone_secondary"] = "Second phone needs 10 digits, or leave it empty."
    if form.email and not _EMAIL.match(form.email.strip()):
        errors["email"] = "E-mail looks wrong (name@example.com), or leave it empty."
    if not _STATE.match((form.state or "").strip()):
        errors["state"] = "State is the 2-letter code, e.g. IL."
    if not _ZIP.match((form.zip_code or "").strip()):
        errors["zip_code"] = "ZIP code is 5 digits (or ZIP+4)."
    if form.communication_preference not in COMMUNICATION_CHOICES:
        errors["communication_preference"] = f"Choose one of: {', '.join(COMMUNICATION_CHOICES)}."
    if form.communication_preference == "email" and _blank(form.email):
        errors["email"] = "E-mail is the preferred contact: enter the address."
    for i, allergy in enumerate(form.allergies):
        if _blank(allergy.allergen_name):
            errors[f"allergies[{i}].allergen_name"] = "Allergen name is required."
        if allergy.allergen_type not in ALLERGEN_TYPES:
            errors[f"allergies[{i}].allergen_type"] = f"Type is one of: {', '.join(ALLERGEN_TYPES)}."
        if allergy.severity and allergy.severity not in ALLERGY_SEVERITIES:
            errors[f"allergies[{i}].severity"] = f"Severity is one of: {', '.join(ALLERGY_SEVERITIES)}."
    for i, condition in enumerate(form.conditions):
        if _blank(condition.condition_name):
            errors[f"conditions[{i}].condition_name"] = "Condition name is required."
    seen_types: set[str] = set()
    for i, plan in enumerate(form.insurance):
        key = f"insurance[{i}]"
        if _blank(plan.insurance_provider):
            errors[f"{key}.insurance_provider"] = "Plan name is required."
        if _blank(plan.member_id):
            errors[f"{key}.member_id"] = "Member ID is required."
        if plan.bin_number and not _BIN.match(plan.bin_number.strip()):
            errors[f"{key}.bin_number"] = "BIN is 6 digits."
        if plan.insurance_type not in INSURANCE_TYPES:
            errors[f"{key}.insurance_type"] = f"Coverage is one of: {', '.join(INSURANCE_TYPES)}."
        elif plan.insurance_type in seen_types:
            errors[f"{key}.insurance_type"] = f"There is already a {plan.insurance_type} plan."
        seen_types.add(plan.insurance_type)
    for i, prescriber in enumerate(form.prescribers):
        key = f"prescribers[{i}]"
        if _blank(prescriber.name):
            errors[f"{key}.name"] = "Prescriber name is required."
        problem = npi_problem(prescriber.npi)
        if problem:
            errors[f"{key}.npi"] = problem
        if prescriber.dea:
            problem = dea_problem(prescriber.dea, prescriber_last_name(prescriber.name))
            if problem:
                errors[f"{key}.dea"] = problem
    # last: a NUL or an over-long value explains a "looks wrong" above better than that message does
    errors.update(form_text_errors(form))
    return errors


# every typed text of the form -> the column it is stored in (its length is read from the model)
_SCALAR_COLUMNS = {name: getattr(Patient, name) for name in (
    "first_name", "middle_name", "last_name", "gender", "phone_primary", "phone_secondary", "email", "address_line1",
    "address_line2", "city", "state", "zip_code", "language_preference", "communication_preference")}
_CHILD_COLUMNS: dict[str, dict[str, tuple[Any, str]]] = {
    # form list -> entry field -> (column, label); the form shows these as "Row 2: Allergen ..."
    "allergies": {
        "allergen_name": (PatientAllergy.allergen_name, "Allergen"), "allergen_type": (PatientAllergy.allergen_type, "Type"),
        "reaction": (PatientAllergy.reaction, "Reaction"), "severity": (PatientAllergy.severity, "Severity"),
        "notes": (PatientAllergy.notes, "Notes")},
    "conditions": {
        "condition_name": (PatientCondition.condition_name, "Condition"),
        "icd_10_code": (PatientCondition.icd_10_code, "ICD-10 code")},
    "insurance": {
        "insurance_provider": (PatientInsurance.insurance_provider, "Plan"),
        "member_id": (PatientInsurance.policy_number, "Member ID"),
        "insurance_type": (PatientInsurance.insurance_type, "Coverage"),
        "bin_number": (PatientInsurance.bin_number, "BIN"), "pcn_number": (PatientInsurance.pcn_number, "PCN"),
        "group_number": (PatientInsurance.group_number, "Group"),
        "cardholder_name": (PatientInsurance.cardholder_name, "Cardholder"),
        "relationship_to_cardholder": (PatientInsurance.relationship_to_cardholder, "Relationship")},
    "prescribers": {
        "name": (PatientPrescriber.prescriber_name, "Name"), "npi": (PatientPrescriber.prescriber_npi, "NPI"),
        "dea": (PatientPrescriber.prescriber_dea, "DEA"), "specialty": (PatientPrescriber.specialty, "Specialty"),
        "phone": (PatientPrescriber.phone, "Phone")},
}


def form_text_errors(form: PatientForm) -> dict[str, str]:
    """Lengths (from the columns) and control characters of every text in the form."""
    fields_: list[tuple[str, Any, Any]] = [(name, column, getattr(form, name)) for name, column in _SCALAR_COLUMNS.items()]
    labels = {name: LABELS[name] for name in _SCALAR_COLUMNS}
    for list_name, columns in _CHILD_COLUMNS.items():
        for i, entry in enumerate(getattr(form, list_name)):
            for field_name, (column, label) in columns.items():
                key = f"{list_name}[{i}].{field_name}"
                fields_.append((key, column, getattr(entry, field_name)))
                labels[key] = label
    return text_errors(fields_, labels=labels)


def _clean(form: PatientForm) -> PatientForm:
    def strip(value: Any) -> Any:
        if isinstance(value, str):
            return value.strip() or None
        return value

    values = {f.name: strip(getattr(form, f.name)) for f in fields(form)}
    for required in ("first_name", "last_name", "phone_primary", "address_line1", "city", "state", "zip_code"):
        values[required] = values[required] or ""
    values["state"] = values["state"].upper()
    values["prescribers"] = tuple(replace(p, dea=(p.dea or "").strip().upper() or None, npi=p.npi.strip())
                                  for p in form.prescribers)
    return PatientForm(**values)


def _check(form: PatientForm) -> PatientForm:
    form = _clean(form)
    errors = form_errors(form)
    if errors:
        raise ValidationFailed(f"Check the patient form: {len(errors)} field(s) need attention.", errors)
    return form


# ---------------------------------------------------------------------------------------------
# Create and update


def create_patient(uow_factory: UnitOfWorkFactory, actor: Actor, form: PatientForm, *,
                   confirmed_not_duplicate: bool = False) -> PatientProfile:
    """A new patient with a P-number from the sequence. Raises ``PossibleDuplicate`` unless confirmed."""
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, EDIT, doing="create patients")
        form = _check(form)
        assert form.date_of_birth is not None
        matches = uow.patients.duplicates(form.first_name, form.last_name, form.date_of_birth)
        if matches and not confirmed_not_duplicate:
            hits = [_hit(p) for p in matches]
            names = "; ".join(f"{h.display_name} {h.patient_number}" for h in hits)
            raise PossibleDuplicate(
                f"Possible duplicate: {names} has the same name and date of birth. Open that patient "
                "instead, or confirm this is a different person.", hits)
        patient = Patient(patient_number=uow.patients.next_patient_number(), **_scalar_values(form))
        uow.patients.add(patient)
        _sync_children(uow, patient.id, form, fresh=True)
        uow.record("PatientCreated", "patient", patient.id, {
            "patient_number": patient.patient_number,
            "possible_duplicate_of": [str(p.id) for p in matches],
        })
        uow.notify("patients", patient.id)
        uow.flush()
        uow.session.expire(patient)
        profile = load_profile(uow, patient.id)
        uow.commit()
        return profile


_SCALARS = ("first_name", "middle_name", "last_name", "date_of_birth", "gender", "phone_primary", "phone_secondary",
            "email", "address_line1", "address_line2", "city", "state", "zip_code", "language_preference",
            "communication_preference", "allow_generic_substitution")
LABELS = {
    "first_name": "First name", "middle_name": "Middle name", "last_name": "Last name",
    "date_of_birth": "Date of birth", "gender": "Gender", "phone_primary": "Phone", "phone_secondary": "Second phone",
    "email": "E-mail", "address_line1": "Address", "address_line2": "Address line 2", "city": "City",
    "state": "State", "zip_code": "ZIP code", "language_preference": "Language",
    "communication_preference": "Contact by", "allow_generic_substitution": "Generic substitution",
    "allergies": "Allergies", "conditions": "Conditions", "insurance": "Insurance", "prescribers": "Prescribers",
}


def _scalar_values(form: PatientForm) -> dict[str, Any]:
    return {name: getattr(form, name) for name in _SCALARS}


def _shown(name: str, value: Any) -> str:
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.date):
        return value.strftime("%m/%d/%Y")
    if isinstance(value, tuple):
        texts = [getattr(v, "text", None) or getattr(v, "name", None) or getattr(v, "condition_name", "") for v in value]
        return "; ".join(texts) or "(none)"
    return str(value)


def diff_forms(before: PatientForm, after: PatientForm) -> dict[str, tuple[Any, Any]]:
    """Field -> (before, after) for every field that differs."""
    return {
        f.name: (getattr(before, f.name), getattr(after, f.name))
        for f in fields(PatientForm)
        if getattr(before, f.name) != getattr(after, f.name)
    }


def update_patient(uow_factory: UnitOfWorkFactory, actor: Actor, original: PatientProfile,
                   form: PatientForm) -> PatientProfile:
    """Save ``form`` over the patient the user opened as ``original``.

    If another workstation saved since, nothing is written and ``PatientChanged`` lists what they
    changed (``FieldChange.yours`` set where this user edited the same field).
    """
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, EDIT, doing="edit patients")
        form = _check(form)
        patient = uow.patients.get(original.patient_id, for_update=True)
        if patient is None:
            raise NotFound("The patient was not found; they may have been removed on another workstation.")
        if patient.version != original.version:
            current = load_profile(uow, patient.id)
            theirs = diff_forms(original.form, current.form)
            mine = diff_forms(original.form, form)
            changes = [
                FieldChange(name, LABELS.get(name, name), _shown(name, old), _shown(name, new),
                            _shown(name, mine[name][1]) if name in mine else None)
                for name, (old, new) in theirs.items()
            ]
            listed = ", ".join(c.label for c in changes) or "nothing you can see (saved again unchanged)"
            raise PatientChanged(
                f"{current.display_name} was changed on another workstation while you were editing "
                f"({listed}). Nothing was saved: review their changes, then save again.", changes, current)
        changed = diff_forms(original.form, form)
        if not changed:
            return original
        for name in _SCALARS:
            if name in changed:
                setattr(patient, name, getattr(form, name))
        # children alone do not update the patient row: touch it so the version moves for everyone
        patient.updated_at = dt.datetime.now(dt.timezone.utc)
        uow.flush()
        _sync_children(uow, patient.id, form, fresh=False)
        uow.record("PatientUpdated", "patient", patient.id, {
            "fields": sorted(changed),
            "from_version": original.version,
        })
        uow.notify("patients", patient.id)
        uow.flush()
        uow.session.expire_all()
        profile = load_profile(uow, patient.id)
        uow.commit()
        return profile


def _sync_children(uow: UnitOfWork, patient_id: uuid.UUID, form: PatientForm, *, fresh: bool) -> None:
    """Make the child rows match the form; unchanged rows keep their ids and history."""
    session = uow.session
    specs: list[tuple[type, Iterable[Any], Callable[[Any], dict[str, Any]], Callable[[Any], Any]]] = [
        (PatientAllergy, form.allergies,
         lambda a: dict(allergen_name=a.allergen_name, allergen_type=a.allergen_type, reaction=a.reaction,
                        severity=a.severity, notes=a.notes, is_active=True),
         lambda v: (v["allergen_name"].lower(), v["allergen_type"])),
        (PatientCondition, form.conditions,
         lambda c: dict(condition_name=c.condition_name, icd_10_code=c.icd_10_code, is_active=c.is_active),
         lambda v: v["condition_name"].lower()),
        (PatientInsurance, form.insurance,
         lambda i: dict(insurance_provider=i.insurance_provider, policy_number=i.member_id,
                        insurance_type=i.insurance_type, bin_number=i.bin_number, pcn_number=i.pcn_number,
                        group_number=i.group_number, cardholder_name=i.cardholder_name,
                        relationship_to_cardholder=i.relationship_to_cardholder,
                        effective_date=i.effective_date or dt.date.today(), expiration_date=i.expiration_date,
                        is_active=True),
         lambda v: (v["insurance_provider"].lower(), v["policy_number"])),
        (PatientPrescriber, form.prescribers,
         lambda r: dict(prescriber_name=r.name, prescriber_npi=r.npi, prescriber_dea=r.dea, specialty=r.specialty,
                        phone=r.phone, is_primary=r.is_primary),
         lambda v: v["prescriber_npi"]),
    ]
    for model, entries, values_of, key_of in specs:
        existing = [] if fresh else list(session.scalars(select(model).where(model.patient_id == patient_id)))
        by_key = {}
        for row in existing:
            row_values = {c: getattr(row, c) for c in _columns_of(model)}
            by_key.setdefault(key_of(row_values), row)
        kept: set[uuid.UUID] = set()
        for entry in entries:
            values = values_of(entry)
            row = by_key.pop(key_of(values), None)
            if row is None:
                session.add(model(patient_id=patient_id, **values))
            else:
                for column, value in values.items():
                    if getattr(row, column) != value:
                        setattr(row, column, value)
                kept.add(row.id)
        for row in existing:
            if row.id not in kept:
                session.delete(row)


def _columns_of(model: type) -> list[str]:
    return [c.key for c in model.__table__.columns if c.key not in ("id", "patient_id")]
