"""Patients at the counter: search as you type, the profile, create and edit.

Edits use optimistic locking: ``update_patient`` is given the profile the user started from, and when
another workstation saved in between it raises ``PatientChanged`` listing what that save changed
(and which of those fields the user also edited), so nothing is overwritten silently. Creating a
patient with the same name and date of birth as an existing one raises ``PossibleDuplicate`` until
the user confirms it is a different person. Opening a profile writes an access log row.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields
from typing import Any

from pharmacy_desktop.db.base import Base
from pharmacy_desktop.db.models.patients import (
    Patient,
    PatientAllergy,
    PatientCondition,
    PatientInsurance,
    PatientPrescriber,
)
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain.text_fields import strip_controls
from pharmacy_desktop.errors import NotFound
from pharmacy_desktop.services import dur_review
from pharmacy_desktop.services.auth import Actor, require
from pharmacy_desktop.services.patient_forms import (  # the form's names, used as patients.X by callers
    ALLERGEN_TYPES,
    ALLERGY_SEVERITIES,
    COMMUNICATION_CHOICES,
    INSURANCE_TYPES,
    LABELS,
    SCALAR_FIELDS,
    AllergyEntry,
    ConditionEntry,
    FieldChange,
    InsuranceEntry,
    PatientChanged,
    PatientForm,
    PatientHit,
    PatientProfile,
    PossibleDuplicate,
    PrescriberEntry,
    age_on,
    checked_form,
    form_errors,
    form_text_errors,
)

__all__ = [  # the form's names stay reachable as patients.X (screens, tests)
    "ALLERGEN_TYPES",
    "ALLERGY_SEVERITIES",
    "COMMUNICATION_CHOICES",
    "age_on",
    "form_errors",
    "form_text_errors",
]

VIEW = "patient.view"
EDIT = "patient.edit"
SEARCH_LIMIT = 20


# ---------------------------------------------------------------------------------------------
# Search


def search_patients(
    uow_factory: UnitOfWorkFactory, actor: Actor, text: str, limit: int = SEARCH_LIMIT
) -> list[PatientHit]:
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


def find_duplicates(
    uow_factory: UnitOfWorkFactory, actor: Actor, first_name: str, last_name: str, date_of_birth: dt.date
) -> list[PatientHit]:
    with uow_factory(actor.user_id) as uow:
        return [_hit(p) for p in uow.patients.duplicates(first_name, last_name, date_of_birth)]


def _allergy_names(uow: UnitOfWork, ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[str, ...]]:
    if not ids:
        return {}
    return uow.patients.active_allergy_names(ids)


def _hit(p: Patient, allergies: tuple[str, ...] = ()) -> PatientHit:
    return PatientHit(
        p.id,
        p.patient_number,
        p.first_name,
        p.last_name,
        p.date_of_birth,
        p.phone_primary,
        p.is_active is not False,
        allergies,
    )


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
        first_name=p.first_name,
        last_name=p.last_name,
        date_of_birth=p.date_of_birth,
        phone_primary=p.phone_primary,
        address_line1=p.address_line1,
        city=p.city,
        state=p.state,
        zip_code=p.zip_code,
        middle_name=p.middle_name,
        gender=p.gender,
        phone_secondary=p.phone_secondary,
        email=p.email,
        address_line2=p.address_line2,
        language_preference=p.language_preference or "en",
        communication_preference=p.communication_preference or "sms",
        allow_generic_substitution=p.allow_generic_substitution is not False,
        weight_kg=p.weight_kg,
        pregnancy_status=p.pregnancy_status or "unknown",
        breastfeeding=bool(p.breastfeeding),
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
            InsuranceEntry(
                i.insurance_provider,
                i.policy_number,
                i.insurance_type or "primary",
                i.bin_number,
                i.pcn_number,
                i.group_number,
                i.cardholder_name,
                i.relationship_to_cardholder,
                i.effective_date,
                i.expiration_date,
            )
            for i in sorted(p.insurance, key=lambda i: (_rank(i.insurance_type, INSURANCE_TYPES), i.insurance_provider))
            if i.is_active is not False
        ),
        prescribers=tuple(
            PrescriberEntry(
                r.prescriber_name, r.prescriber_npi, r.prescriber_dea, r.specialty, r.phone, bool(r.is_primary)
            )
            for r in sorted(p.prescribers, key=lambda r: (not r.is_primary, r.prescriber_name))
        ),
    )
    return PatientProfile(p.id, p.version or 1, p.patient_number, form, p.is_active is not False, p.updated_at)


def _rank(value: str | None, order: Sequence[str]) -> int:
    return order.index(value) if value in order else len(order)


# ---------------------------------------------------------------------------------------------
# Create and update


def create_patient(
    uow_factory: UnitOfWorkFactory, actor: Actor, form: PatientForm, *, confirmed_not_duplicate: bool = False
) -> PatientProfile:
    """A new patient with a P-number from the sequence. Raises ``PossibleDuplicate`` unless confirmed."""
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, EDIT, doing="create patients")
        form = checked_form(form)
        assert form.date_of_birth is not None
        matches = uow.patients.duplicates(form.first_name, form.last_name, form.date_of_birth)
        if matches and not confirmed_not_duplicate:
            hits = [_hit(p) for p in matches]
            names = "; ".join(f"{h.display_name} {h.patient_number}" for h in hits)
            raise PossibleDuplicate(
                f"Possible duplicate: {names} has the same name and date of birth. Open that patient "
                "instead, or confirm this is a different person.",
                hits,
            )
        patient = Patient(patient_number=uow.patients.next_patient_number(), **_scalar_values(form))
        if form.weight_kg is not None:
            patient.weight_recorded_at = dt.date.today()
        uow.patients.add(patient)
        _sync_children(uow, patient.id, form, fresh=True)
        uow.record(
            "PatientCreated",
            "patient",
            patient.id,
            {
                "patient_number": patient.patient_number,
                "possible_duplicate_of": [str(p.id) for p in matches],
            },
        )
        uow.notify("patients", patient.id)
        uow.flush()
        uow.patients.reload_later(patient)
        profile = load_profile(uow, patient.id)
        uow.commit()
        return profile


def _scalar_values(form: PatientForm) -> dict[str, Any]:
    return {name: getattr(form, name) for name in SCALAR_FIELDS}


def _shown(name: str, value: Any) -> str:
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.date):
        return value.strftime("%m/%d/%Y")
    if isinstance(value, tuple):
        texts = [
            getattr(v, "text", None) or getattr(v, "name", None) or getattr(v, "condition_name", None) or ""
            for v in value
        ]
        return "; ".join(texts) or "(none)"
    return str(value)


def diff_forms(before: PatientForm, after: PatientForm) -> dict[str, tuple[Any, Any]]:
    """Field -> (before, after) for every field that differs."""
    return {
        f.name: (getattr(before, f.name), getattr(after, f.name))
        for f in fields(PatientForm)
        if getattr(before, f.name) != getattr(after, f.name)
    }


def update_patient(
    uow_factory: UnitOfWorkFactory, actor: Actor, original: PatientProfile, form: PatientForm
) -> PatientProfile:
    """Save ``form`` over the patient the user opened as ``original``.

    If another workstation saved since, nothing is written and ``PatientChanged`` lists what they
    changed (``FieldChange.yours`` set where this user edited the same field).
    """
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, EDIT, doing="edit patients")
        form = checked_form(form)
        patient = uow.patients.get(original.patient_id, for_update=True)
        if patient is None:
            raise NotFound("The patient was not found; they may have been removed on another workstation.")
        if patient.version != original.version:
            current = load_profile(uow, patient.id)
            theirs = diff_forms(original.form, current.form)
            mine = diff_forms(original.form, form)
            changes = [
                FieldChange(
                    name,
                    LABELS.get(name, name),
                    _shown(name, old),
                    _shown(name, new),
                    _shown(name, mine[name][1]) if name in mine else None,
                )
                for name, (old, new) in theirs.items()
            ]
            listed = ", ".join(c.label for c in changes) or "nothing you can see (saved again unchanged)"
            raise PatientChanged(
                f"{current.display_name} was changed on another workstation while you were editing "
                f"({listed}). Nothing was saved: review their changes, then save again.",
                changes,
                current,
            )
        changed = diff_forms(original.form, form)
        if not changed:
            return original
        for name in SCALAR_FIELDS:
            if name in changed:
                setattr(patient, name, getattr(form, name))
        if "weight_kg" in changed:
            patient.weight_recorded_at = dt.date.today() if form.weight_kg is not None else None
        # children alone do not update the patient row: touch it so the version moves for everyone
        patient.updated_at = dt.datetime.now(dt.UTC)
        uow.flush()
        _sync_children(uow, patient.id, form, fresh=False)
        dur_review.rerun_waiting(uow, patient.id)  # a clinical change (the triggers said so): no stale DUR waits
        uow.record(
            "PatientUpdated",
            "patient",
            patient.id,
            {
                "fields": sorted(changed),
                "from_version": original.version,
            },
        )
        uow.notify("patients", patient.id)
        uow.flush()
        uow.patients.reload_later()
        profile = load_profile(uow, patient.id)
        uow.commit()
        return profile


def _sync_children(uow: UnitOfWork, patient_id: uuid.UUID, form: PatientForm, *, fresh: bool) -> None:
    """Make the child rows match the form; unchanged rows keep their ids and history."""
    specs: list[tuple[type[Base], Iterable[Any], Callable[[Any], dict[str, Any]], Callable[[Any], Any]]] = [
        (
            PatientAllergy,
            form.allergies,
            lambda a: dict(
                allergen_name=a.allergen_name,
                allergen_type=a.allergen_type,
                reaction=a.reaction,
                severity=a.severity,
                notes=a.notes,
                is_active=True,
            ),
            lambda v: (v["allergen_name"].lower(), v["allergen_type"]),
        ),
        (
            PatientCondition,
            form.conditions,
            lambda c: dict(condition_name=c.condition_name, icd_10_code=c.icd_10_code, is_active=c.is_active),
            lambda v: v["condition_name"].lower(),
        ),
        (
            PatientInsurance,
            form.insurance,
            lambda i: dict(
                insurance_provider=i.insurance_provider,
                policy_number=i.member_id,
                insurance_type=i.insurance_type,
                bin_number=i.bin_number,
                pcn_number=i.pcn_number,
                group_number=i.group_number,
                cardholder_name=i.cardholder_name,
                relationship_to_cardholder=i.relationship_to_cardholder,
                effective_date=i.effective_date or dt.date.today(),
                expiration_date=i.expiration_date,
                is_active=True,
            ),
            lambda v: (v["insurance_provider"].lower(), v["policy_number"]),
        ),
        (
            PatientPrescriber,
            form.prescribers,
            lambda r: dict(
                prescriber_name=r.name,
                prescriber_npi=r.npi,
                prescriber_dea=r.dea,
                specialty=r.specialty,
                phone=r.phone,
                is_primary=r.is_primary,
            ),
            lambda v: v["prescriber_npi"],
        ),
    ]
    for model, entries, values_of, key_of in specs:
        existing = [] if fresh else uow.patients.children(model, patient_id)
        by_key: dict[Any, Any] = {}
        for row in existing:
            row_values = {c: getattr(row, c) for c in _columns_of(model)}
            by_key.setdefault(key_of(row_values), row)
        kept: set[uuid.UUID] = set()
        for entry in entries:
            values = values_of(entry)
            row = by_key.pop(key_of(values), None)
            if row is None:
                uow.patients.add_child(model, patient_id, **values)
            else:
                for column, value in values.items():
                    if getattr(row, column) != value:
                        setattr(row, column, value)
                kept.add(row.id)
        for row in existing:
            if row.id not in kept:
                uow.patients.delete_child(row)


def _columns_of(model: type[Base]) -> list[str]:
    return [c.key for c in model.__table__.columns if c.key not in ("id", "patient_id")]
