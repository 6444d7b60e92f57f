"""Patients: profile loading, the counter's search box, duplicate check, patient numbers."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal_column, or_, select
from sqlalchemy import text as sql_text
from sqlalchemy.orm import InstrumentedAttribute, selectinload

from pharmacy_desktop.db.models.patients import Patient, PatientAllergy, PatientRelationship
from pharmacy_desktop.db.repositories.base import Repository

_PATIENT_NUMBER = re.compile(r"^[Pp]\d{1,19}$")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_PHONE = re.compile(r"^[\d\s().+-]+$")
_NAME_WORD = re.compile(r"^[^\W\d_](?:[^\W\d_]|['.-])*$")  # letters, apostrophes, dots, hyphens
_CASE_VARIED_CHARS = 3
_STEPPABLE = frozenset("abcdefghijklmnopqrstuvwxyABCDEFGHIJKLMNOPQRSTUVWXY012345678")


class PatientRepository(Repository[Patient]):
    model = Patient
    label = "patient"

    def get_with_profile(self, patient_id: uuid.UUID) -> Patient | None:
        stmt = (
            select(Patient)
            .where(Patient.id == patient_id)
            .options(
                selectinload(Patient.allergies),
                selectinload(Patient.insurance),
                selectinload(Patient.conditions),
                selectinload(Patient.prescribers),
            )
        )
        return self.session.scalars(stmt).first()

    def search(self, text: str, limit: int = 50) -> list[Patient]:
        """Whatever the text looks like: "P100001", a date of birth (MM/DD/YYYY or ISO), phone
        digits, or a name ("smith", "smi jo" and "smith, john" are last-name then first-name
        prefixes). Active patients first, then by name."""
        condition = _search_condition(text.strip())
        if condition is None:
            return []
        stmt = (
            select(Patient)
            .where(condition)
            .order_by(Patient.is_active.is_(False), Patient.last_name, Patient.first_name, Patient.date_of_birth)
            .limit(limit)
        )
        return list(self.session.scalars(stmt))

    def search_fragment(self, text: str, limit: int = 50, *, exclude: Iterable[uuid.UUID] = ()) -> list[Patient]:
        """Patients whose "last first" name contains every word of ``text`` anywhere ("john",
        "john smith", "mith"); served by the trigram index, so a word needs 3+ characters."""
        words = [w for w in re.split(r"[\s,]+", text.strip().lower()) if w]
        if not words or limit <= 0 or any(not _NAME_WORD.match(w) for w in words) or max(map(len, words)) < 3:
            return []
        # the expression of idx_patients_name_trgm, spelled the same way so the planner matches it
        full_name = func.lower(Patient.last_name.op("||")(literal_column("' '")).op("||")(Patient.first_name))
        stmt = (
            select(Patient)
            .where(*(full_name.like("%" + _escape_like(w) + "%", escape="\\") for w in words))
            .order_by(Patient.is_active.is_(False), Patient.last_name, Patient.first_name, Patient.date_of_birth)
            .limit(limit)
        )
        excluded = list(exclude)
        if excluded:
            stmt = stmt.where(Patient.id.not_in(excluded))
        return list(self.session.scalars(stmt))

    def duplicates(self, first_name: str, last_name: str, date_of_birth: dt.date) -> list[Patient]:
        """Possible duplicates: same date of birth and last name, first names equal or one a
        prefix of the other ("Jon" / "Jonathan"); case and surrounding spaces ignored."""
        first = first_name.strip().lower()
        stored_first = func.lower(func.trim(Patient.first_name))
        stmt = (
            select(Patient)
            .where(
                Patient.date_of_birth == date_of_birth,
                func.lower(func.trim(Patient.last_name)) == last_name.strip().lower(),
                or_(stored_first.startswith(first, autoescape=True), func.strpos(first, stored_first) == 1),
            )
            .order_by(Patient.patient_number)
        )
        return list(self.session.scalars(stmt))

    def by_number(self, patient_number: str) -> Patient | None:
        stmt = select(Patient).where(Patient.patient_number == patient_number.strip().upper())
        return self.session.scalars(stmt).first()

    # -- household pickup (revision 0009): a row (P, R, may_pick_up) lets R pick up P's prescriptions --

    def may_pick_up_for(self, patient_id: uuid.UUID) -> list[PatientRelationship]:
        """The people (patients or named persons) the patient allows to pick up their prescriptions."""
        stmt = (
            select(PatientRelationship)
            .where(
                PatientRelationship.patient_id == patient_id,
                PatientRelationship.may_pick_up.is_(True),
                PatientRelationship.is_active.is_(True),
            )
            .order_by(PatientRelationship.created_at, PatientRelationship.id)
        )
        return list(self.session.scalars(stmt))

    def authorized_by(self, picker_patient_id: uuid.UUID) -> list[PatientRelationship]:
        """The rows of the patients who allow ``picker_patient_id`` to pick up their prescriptions."""
        stmt = (
            select(PatientRelationship)
            .where(
                PatientRelationship.related_patient_id == picker_patient_id,
                PatientRelationship.may_pick_up.is_(True),
                PatientRelationship.is_active.is_(True),
            )
            .order_by(PatientRelationship.created_at, PatientRelationship.id)
        )
        return list(self.session.scalars(stmt))

    def next_patient_number(self) -> str:
        """P100001, P100002, ... from a sequence, so two workstations never hand out the same number."""
        value = self.session.execute(sql_text("SELECT nextval('patient_schema.patient_number_seq')")).scalar_one()
        return f"P{value}"

    def active_allergy_names(self, patient_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[str, ...]]:
        """Patient -> names of their active allergies, alphabetical (patients without any left out)."""
        if not patient_ids:
            return {}
        rows = self.session.execute(
            select(PatientAllergy.patient_id, PatientAllergy.allergen_name)
            .where(PatientAllergy.patient_id.in_(patient_ids), PatientAllergy.is_active.is_not(False))
            .order_by(PatientAllergy.allergen_name)
        )
        result: dict[uuid.UUID, list[str]] = {}
        for patient_id, name in rows:
            result.setdefault(patient_id, []).append(name)
        return {k: tuple(v) for k, v in result.items()}

    def children(self, model: type, patient_id: uuid.UUID) -> list[Any]:
        """Rows of a child table (allergies, conditions, insurance, prescribers) of one patient."""
        return list(self.session.scalars(select(model).where(model.patient_id == patient_id)))  # type: ignore[attr-defined]

    def add_child(self, model: type, patient_id: uuid.UUID, **values: Any) -> None:
        self.session.add(model(patient_id=patient_id, **values))

    def delete_child(self, row: Any) -> None:
        self.session.delete(row)

    def reload_later(self, patient: Patient | None = None) -> None:
        """Forget loaded state (one patient, or everything) so the next read sees the flushed rows."""
        if patient is None:
            self.session.expire_all()
        else:
            self.session.expire(patient)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _search_condition(term: str) -> ColumnElement[bool] | None:
    if not term:
        return None
    if _PATIENT_NUMBER.match(term):
        return Patient.patient_number == term.upper()
    dob = _parse_date(term)
    if dob is not None:
        return Patient.date_of_birth == dob
    if _PHONE.match(term):
        digits = re.sub(r"\D", "", term)
        if len(digits) < 4:
            return None
        return _phone_matches(digits)
    return _name_matches(term)


def _parse_date(term: str) -> dt.date | None:
    us, iso = _US_DATE.match(term), _ISO_DATE.match(term)
    try:
        if us:
            return dt.date(int(us.group(3)), int(us.group(1)), int(us.group(2)))
        if iso:
            return dt.date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
    except ValueError:
        return None
    return None


def _phone_matches(digits: str) -> ColumnElement[bool]:
    """Stored phones keep their punctuation, so compare digits only; 10 digits (or 11 with the
    country code) must match the whole number, fewer match its end ("4567", "555-4567")."""
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]

    def normalized(column: InstrumentedAttribute[str | None]) -> ColumnElement[str]:
        return func.right(func.regexp_replace(column, r"\D", "", "g"), 10)

    # No index serves "ends with", and regexp_replace on every row costs ~90 ms at 100,000
    # patients; a plain LIKE on the last four digits (always contiguous at the end of a stored
    # number) discards almost every row first, for ~10 ms. The exact digit check follows.
    tail = "%" + digits[-4:]
    prefilter = or_(Patient.phone_primary.like(tail), Patient.phone_secondary.like(tail))
    if len(digits) >= 10:
        return and_(
            prefilter, or_(normalized(Patient.phone_primary) == digits, normalized(Patient.phone_secondary) == digits)
        )
    return and_(
        prefilter,
        or_(
            normalized(Patient.phone_primary).endswith(digits),
            normalized(Patient.phone_secondary).endswith(digits),
        ),
    )


def _name_matches(term: str) -> ColumnElement[bool] | None:
    if "," in term:
        last, _, first = term.partition(",")
    else:
        last, _, first = term.partition(" ")
    last, first = last.strip(), first.strip()
    if not last:
        return None
    condition = _prefix(Patient.last_name, last)
    if first:
        condition = and_(condition, Patient.first_name.istartswith(first, autoescape=True))
    return condition


def _prefix(column: InstrumentedAttribute[str], prefix: str) -> ColumnElement[bool]:
    """Case-insensitive prefix match that can use the plain btree index on the column.

    ILIKE cannot use a btree index, so the first few characters are spelled out in every
    upper/lower-case combination as index ranges ([smi, smj), [Smi, Smj), ...), and ILIKE then
    checks the whole prefix. The range ends at the next letter or digit (never 'z' + 1 = '{',
    which linguistic collations ignore), so it holds under C and linguistic collations alike.
    """
    head = prefix[:_CASE_VARIED_CHARS]
    while head and head[-1] not in _STEPPABLE:
        head = head[:-1]
    like = column.istartswith(prefix, autoescape=True)
    if not head:
        return like
    choices = [sorted({ch.lower(), ch.upper()}) if len(ch.lower()) == len(ch.upper()) == 1 else [ch] for ch in head]
    ranges = []
    for spelled in sorted({"".join(chars) for chars in itertools.product(*choices)}):
        ranges.append(and_(column >= spelled, column < spelled[:-1] + chr(ord(spelled[-1]) + 1)))
    return and_(or_(*ranges), like)
