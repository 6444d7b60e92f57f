"""The statements of one DUR run (``services/dur_review.run_dur``), as few round trips as the run allows.

``start_run``: ONE statement supersedes the prescription's current validation rows and reads
everything the run needs besides the clinical knowledge: the prescription, its patient's clinical
profile (version, facts, active conditions and drug allergies), the items of this prescription
and of the patient's other active prescriptions with their medication, catalog product and last
fill. One statement is one snapshot: the profile version the rows will carry is the one the facts
were read under (a change committed after it leaves them stale, never silently current).

``add_validations``: the run's rows in ONE statement with ONE parameter (JSON rows through
``jsonb_populate_recordset``), returned as plain rows.

Plain values, no ORM objects: the run only reads them (no identity map, no lazy loads), and a
statement written once is parsed once by the driver (a statement over 4,096 characters or 50
parameters is not: psycopg parses it again each time).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from pharmacy_desktop.db.models.prescriptions import PrescriptionValidation
from pharmacy_desktop.db.repositories.prescriptions import ACTIVE_STATUSES


@dataclass(frozen=True, slots=True)
class ReviewSubject:
    """The prescription under review (its own columns) and its patient's clinical profile.
    ``patient_found`` is false for a removed (soft-deleted) patient: no version, no facts."""

    prescription_id: uuid.UUID
    patient_id: uuid.UUID
    prescription_number: str
    written_date: dt.date
    prescriber_name: str
    prescriber_npi: str
    prescriber_dea: str | None
    prescriber_first_name: str | None
    prescriber_last_name: str | None
    prescriber_dea_schedules: str | None
    patient_found: bool
    profile_version: int | None
    date_of_birth: dt.date | None
    gender: str | None
    weight_kg: Decimal | None
    pregnancy_status: str | None
    breastfeeding: bool | None
    conditions: tuple[tuple[str, str | None], ...]  # (name, ICD-10-CM code), active, by name
    allergies: tuple[tuple[str, str | None, str | None, str | None], ...]  # (allergen, type, severity, reaction)


@dataclass(frozen=True, slots=True)
class ReviewMedication:
    """The catalog medication columns a DUR reads (``services/dur_drugs.drug_facts``)."""

    id: uuid.UUID
    product_id: uuid.UUID | None
    drug_name: str
    generic_name: str | None
    brand_name: str | None
    strength: str | None
    dosage_form: str | None
    route: str | None
    therapeutic_class: str | None
    pharmacologic_class: str | None
    active_ingredients: Any
    dea_schedule: str | None
    is_controlled_substance: bool | None


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """One item of the prescription under review (``own``) or of the patient's other active
    prescriptions, with its medication, its catalog product row (``DurRepository.products``' tuple)
    and its last fill not returned (date, days supply)."""

    own: bool
    prescription_number: str
    id: uuid.UUID
    written_medication_name: str
    quantity: Decimal
    days_supply: int
    sig: str
    refills_authorized: int
    created_at: dt.datetime | None
    medication: ReviewMedication | None
    product: tuple[Any, ...] | None
    last_fill: tuple[dt.date, int] | None


@dataclass(frozen=True, slots=True)
class ReplacedValidation:
    """A validation row the run made no longer current that a pharmacist had acknowledged."""

    id: uuid.UUID
    prescription_item_id: uuid.UUID | None
    validation_type: str
    validation_status: str
    severity: str | None
    message: str | None
    acknowledged_by: uuid.UUID | None
    acknowledged_at: dt.datetime | None
    override_reason: str | None
    ncpdp_reason_code: str | None
    ncpdp_professional_code: str | None
    ncpdp_result_code: str | None


@dataclass(frozen=True, slots=True)
class RunStart:
    subject: ReviewSubject
    items: tuple[ReviewItem, ...]  # this prescription's first (oldest first), then the others (newest first)
    replaced: tuple[ReplacedValidation, ...]


_START_SQL = text("""
WITH replaced AS (
    UPDATE prescription_schema.prescription_validations SET is_current = false
     WHERE prescription_id = :rx AND is_current
    RETURNING id, prescription_item_id, validation_type, validation_status, severity, message, acknowledged_by,
              acknowledged_at, override_reason, ncpdp_reason_code, ncpdp_professional_code, ncpdp_result_code
), subject AS (
    SELECT r.id AS rx_id, r.patient_id, r.prescription_number, r.written_date, r.prescriber_name, r.prescriber_npi,
           r.prescriber_dea, r.prescriber_first_name, r.prescriber_last_name, r.prescriber_dea_schedules,
           p.id IS NOT NULL AS found, p.clinical_profile_version, p.date_of_birth, p.gender, p.weight_kg,
           p.pregnancy_status, p.breastfeeding,
           CASE WHEN p.id IS NOT NULL THEN
               (SELECT json_agg(json_build_array(c.condition_name, c.icd_10_code) ORDER BY c.condition_name)
                  FROM patient_schema.patient_conditions c WHERE c.patient_id = p.id AND c.is_active IS NOT FALSE)
           END AS conditions,
           (SELECT json_agg(json_build_array(a.allergen_name, a.allergen_type, a.severity, a.reaction)
                            ORDER BY a.created_at, a.id)
              FROM patient_schema.patient_allergies a
             WHERE a.patient_id = r.patient_id AND a.is_active IS NOT FALSE) AS allergies,
           (SELECT json_agg(x) FROM replaced x WHERE x.acknowledged_at IS NOT NULL) AS replaced
      FROM prescription_schema.prescriptions r
      LEFT JOIN patient_schema.patients p ON p.id = r.patient_id AND p.deleted_at IS NULL
     WHERE r.id = :rx
)
SELECT s.*, it.*
  FROM subject s
  LEFT JOIN LATERAL (
        SELECT r.id = s.rx_id AS own, r.prescription_number AS item_rx_number, r.received_at, i.id AS item_id,
               i.written_medication_name, i.quantity, i.days_supply, i.sig, i.refills_authorized, i.created_at,
               m.id AS med_id, m.product_id, m.drug_name, m.generic_name, m.brand_name, m.strength, m.dosage_form,
               m.route, m.therapeutic_class, m.pharmacologic_class, m.active_ingredients, m.dea_schedule,
               m.is_controlled_substance,
               d.id IS NOT NULL AS has_product, d.pharm_classes, d.substance_name, d.active_numerator_strength,
               d.active_ingredient_unit, d.dosage_form AS product_form, d.proprietary_name,
               f.filled_date, f.days_supply AS fill_days
          FROM prescription_schema.prescriptions r
          JOIN prescription_schema.prescription_items i ON i.prescription_id = r.id
          LEFT JOIN prescription_schema.medications m ON m.id = i.medication_id
          LEFT JOIN prescription_schema.drug_products d ON d.id = m.product_id
          LEFT JOIN LATERAL (
                SELECT filled_date, days_supply FROM prescription_schema.prescription_refills
                 WHERE prescription_item_id = i.id AND status <> 'returned'
                 ORDER BY filled_date DESC LIMIT 1) f ON true
         WHERE r.id = s.rx_id
            OR (r.patient_id = s.patient_id AND r.id <> s.rx_id AND r.status = ANY(CAST(:active AS text[]))
                AND r.expiration_date >= :today)
  ) it ON true
 ORDER BY it.own DESC, it.received_at DESC NULLS LAST, it.created_at, it.item_id
""")
_SUBJECT = 20  # the subject's columns, then the item's (received_at at _SUBJECT + 2 is for the order only)

VALIDATION_COLUMNS = tuple(c.name for c in PrescriptionValidation.__table__.columns)
_RETURNED = ", ".join(VALIDATION_COLUMNS)


def start_run(session: Session, prescription_id: uuid.UUID, *, as_of: dt.date) -> RunStart | None:
    """Supersede the prescription's current validation rows and read the run's facts (one
    statement); None when there is no such prescription (nothing is changed then)."""
    params = {"rx": prescription_id, "active": list(ACTIVE_STATUSES), "today": as_of}
    rows = session.execute(_START_SQL, params).all()
    if not rows:
        return None
    first = rows[0]
    subject = ReviewSubject(
        prescription_id=first[0],
        patient_id=first[1],
        prescription_number=first[2],
        written_date=first[3],
        prescriber_name=first[4],
        prescriber_npi=first[5],
        prescriber_dea=first[6],
        prescriber_first_name=first[7],
        prescriber_last_name=first[8],
        prescriber_dea_schedules=first[9],
        patient_found=first[10],
        profile_version=first[11],
        date_of_birth=first[12],
        gender=first[13],
        weight_kg=first[14],
        pregnancy_status=first[15],
        breastfeeding=first[16],
        conditions=tuple((name, code) for name, code in first[17] or ()),
        allergies=tuple((a, t, s, r) for a, t, s, r in first[18] or ()),
    )
    replaced = tuple(_replaced(r) for r in first[19] or ())
    items = tuple(_item(row[_SUBJECT:]) for row in rows if row[_SUBJECT + 3] is not None)
    return RunStart(subject, items, replaced)


def _item(row: Sequence[Any]) -> ReviewItem:
    own, number, _received, item_id, name, quantity, days, sig, refills, created = row[:10]
    return ReviewItem(
        own=own,
        prescription_number=number,
        id=item_id,
        written_medication_name=name,
        quantity=quantity,
        days_supply=days,
        sig=sig,
        refills_authorized=refills,
        created_at=created,
        medication=ReviewMedication(*row[10:23]) if row[10] is not None else None,
        product=tuple(row[24:30]) if row[23] else None,
        last_fill=(row[30], row[31]) if row[30] is not None else None,
    )


def _uuid(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


def _replaced(row: dict[str, Any]) -> ReplacedValidation:
    at = row["acknowledged_at"]
    return ReplacedValidation(
        id=uuid.UUID(row["id"]),
        prescription_item_id=_uuid(row["prescription_item_id"]),
        validation_type=row["validation_type"],
        validation_status=row["validation_status"],
        severity=row["severity"],
        message=row["message"],
        acknowledged_by=_uuid(row["acknowledged_by"]),
        acknowledged_at=dt.datetime.fromisoformat(at) if at else None,
        override_reason=row["override_reason"],
        ncpdp_reason_code=row["ncpdp_reason_code"],
        ncpdp_professional_code=row["ncpdp_professional_code"],
        ncpdp_result_code=row["ncpdp_result_code"],
    )


def add_validations(session: Session, rows: Sequence[dict[str, Any]]) -> list[Any]:
    """Write the rows of one DUR run in ONE statement with ONE parameter (the rows as a JSON array,
    ``jsonb_populate_recordset``: the statement text depends only on which columns are given, so
    the driver keeps it parsed); returns them as plain rows (every column, by name), in the order
    given. A column a row leaves out is NULL (the server defaults fill ``id``, ``performed_at``,
    ``is_current`` when no row gives them)."""
    if not rows:
        return []
    keys = sorted({k for r in rows for k in r} - {"id"})
    unknown = set(keys) - set(VALIDATION_COLUMNS)
    if unknown:
        raise ValueError(f"prescription_validations has no column {sorted(unknown)[0]!r}")
    ids: list[uuid.UUID] = [r.get("id") or uuid.uuid4() for r in rows]  # ours: the order is ours to keep
    payload = [{"id": i, **{k: r.get(k) for k in keys}} for i, r in zip(ids, rows)]
    columns = ", ".join(["id", *keys])
    statement = text(
        f"INSERT INTO prescription_schema.prescription_validations ({columns}) "
        f"SELECT {columns} FROM jsonb_populate_recordset(NULL::prescription_schema.prescription_validations, "
        f"CAST(:rows AS jsonb)) RETURNING {_RETURNED}"
    )
    written = session.execute(statement, {"rows": json.dumps(payload, default=_json_value)})
    by_id = {row.id: row for row in written}
    return [by_id[i] for i in ids]


def _json_value(value: Any) -> str:
    """The column values JSON does not know: keys and the carried acknowledgement time."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a column value")
