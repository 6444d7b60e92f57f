"""The patient form: its data classes, what the counter must fill in, the text each column takes
(services/patients.py saves it)."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from typing import Any

from pharmacy_desktop.db.models.patients import (
    Patient,
    PatientAllergy,
    PatientCondition,
    PatientInsurance,
    PatientPrescriber,
)
from pharmacy_desktop.domain.body_weight import MAX_KG, WeightError, parse_weight_kg
from pharmacy_desktop.domain.identifiers import npi_problem, prescriber_dea_problem
from pharmacy_desktop.errors import ConcurrentUpdate, PharmacyError, ValidationFailed
from pharmacy_desktop.services.text_checks import text_errors

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
        parts = [
            f"{self.insurance_type.capitalize()}: {self.insurance_provider}",
            f"BIN {self.bin_number or '-'}",
            f"PCN {self.pcn_number or '-'}",
            f"Group {self.group_number or '-'}",
            f"Member {self.member_id}",
        ]
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
    # the clinical profile the DUR reads (saving a change bumps clinical_profile_version: a trigger)
    weight_kg: Decimal | str | None = None  # a str is what was typed ("154 lb"): checked_form converts it
    pregnancy_status: str = "unknown"  # PREGNANCY_STATES
    breastfeeding: bool = False
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


SCALAR_FIELDS = (
    "first_name",
    "middle_name",
    "last_name",
    "date_of_birth",
    "gender",
    "phone_primary",
    "phone_secondary",
    "email",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "zip_code",
    "language_preference",
    "communication_preference",
    "allow_generic_substitution",
    "weight_kg",
    "pregnancy_status",
    "breastfeeding",
)
PREGNANCY_STATES = ("unknown", "pregnant", "not_pregnant")
LABELS = {
    "first_name": "First name",
    "middle_name": "Middle name",
    "last_name": "Last name",
    "date_of_birth": "Date of birth",
    "gender": "Gender",
    "phone_primary": "Phone",
    "phone_secondary": "Second phone",
    "email": "E-mail",
    "address_line1": "Address",
    "address_line2": "Address line 2",
    "city": "City",
    "state": "State",
    "zip_code": "ZIP code",
    "language_preference": "Language",
    "communication_preference": "Contact by",
    "allow_generic_substitution": "Generic substitution",
    "weight_kg": "Weight (kg)",
    "pregnancy_status": "Pregnancy",
    "breastfeeding": "Breastfeeding",
    "allergies": "Allergies",
    "conditions": "Conditions",
    "insurance": "Insurance",
    "prescribers": "Prescribers",
}


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
    for name, label in (
        ("first_name", "First name"),
        ("last_name", "Last name"),
        ("address_line1", "Address"),
        ("city", "City"),
    ):
        if _blank(getattr(form, name)):
            errors[name] = f"{label} is required."
    if isinstance(form.weight_kg, str):  # _clean could not read it
        try:
            parse_weight_kg(form.weight_kg)
        except WeightError as exc:
            errors["weight_kg"] = str(exc)
    elif form.weight_kg is not None and not Decimal(0) < form.weight_kg < MAX_KG:
        errors["weight_kg"] = f"Weight must be above 0 and below {MAX_KG} kg."
    if form.pregnancy_status not in PREGNANCY_STATES:
        errors["pregnancy_status"] = "Pregnancy is unknown, pregnant or not pregnant."
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
            # a surname mismatch is the DUR prescriber check's (overridable) hard stop, not a form error
            problem = prescriber_dea_problem(prescriber.dea, check_name=False)
            if problem:
                errors[f"{key}.dea"] = problem
    # last: a NUL or an over-long value explains a "looks wrong" above better than that message does
    errors.update(form_text_errors(form))
    return errors


# every typed text of the form -> the column it is stored in (its length is read from the model)
_SCALAR_COLUMNS = {
    name: getattr(Patient, name)
    for name in (
        "first_name",
        "middle_name",
        "last_name",
        "gender",
        "phone_primary",
        "phone_secondary",
        "email",
        "address_line1",
        "address_line2",
        "city",
        "state",
        "zip_code",
        "language_preference",
        "communication_preference",
    )
}
_CHILD_COLUMNS: dict[str, dict[str, tuple[Any, str]]] = {
    # form list -> entry field -> (column, label); the form shows these as "Row 2: Allergen ..."
    "allergies": {
        "allergen_name": (PatientAllergy.allergen_name, "Allergen"),
        "allergen_type": (PatientAllergy.allergen_type, "Type"),
        "reaction": (PatientAllergy.reaction, "Reaction"),
        "severity": (PatientAllergy.severity, "Severity"),
        "notes": (PatientAllergy.notes, "Notes"),
    },
    "conditions": {
        "condition_name": (PatientCondition.condition_name, "Condition"),
        "icd_10_code": (PatientCondition.icd_10_code, "ICD-10 code"),
    },
    "insurance": {
        "insurance_provider": (PatientInsurance.insurance_provider, "Plan"),
        "member_id": (PatientInsurance.policy_number, "Member ID"),
        "insurance_type": (PatientInsurance.insurance_type, "Coverage"),
        "bin_number": (PatientInsurance.bin_number, "BIN"),
        "pcn_number": (PatientInsurance.pcn_number, "PCN"),
        "group_number": (PatientInsurance.group_number, "Group"),
        "cardholder_name": (PatientInsurance.cardholder_name, "Cardholder"),
        "relationship_to_cardholder": (PatientInsurance.relationship_to_cardholder, "Relationship"),
    },
    "prescribers": {
        "name": (PatientPrescriber.prescriber_name, "Name"),
        "npi": (PatientPrescriber.prescriber_npi, "NPI"),
        "dea": (PatientPrescriber.prescriber_dea, "DEA"),
        "specialty": (PatientPrescriber.specialty, "Specialty"),
        "phone": (PatientPrescriber.phone, "Phone"),
    },
}


def form_text_errors(form: PatientForm) -> dict[str, str]:
    """Lengths (from the columns) and control characters of every text in the form."""
    fields_: list[tuple[str, Any, Any]] = [
        (name, column, getattr(form, name)) for name, column in _SCALAR_COLUMNS.items()
    ]
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
    if isinstance(form.weight_kg, str):
        try:
            values["weight_kg"] = parse_weight_kg(form.weight_kg)
        except WeightError:
            values["weight_kg"] = form.weight_kg  # form_errors says what to type
    elif form.weight_kg is not None:
        values["weight_kg"] = Decimal(form.weight_kg).quantize(Decimal("0.01"))
    values["pregnancy_status"] = values["pregnancy_status"] or "unknown"
    values["breastfeeding"] = bool(form.breastfeeding)
    values["prescribers"] = tuple(
        replace(p, dea=(p.dea or "").strip().upper() or None, npi=p.npi.strip()) for p in form.prescribers
    )
    return PatientForm(**values)


def checked_form(form: PatientForm) -> PatientForm:
    form = _clean(form)
    errors = form_errors(form)
    if errors:
        raise ValidationFailed(f"Check the patient form: {len(errors)} field(s) need attention.", errors)
    return form
