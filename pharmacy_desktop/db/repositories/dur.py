"""DUR facts and results: interaction pairs at generic level, last fills, ``prescription_validations``.

Kept apart from ``prescriptions.py`` (the work queues and the prescription rows) because these are
the queries of one use case, the DUR run; the tables are in the prescriptions schema.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import and_, func, select, text
from sqlalchemy.orm import Session

from pharmacy_desktop.db.models.catalog import DrugProduct
from pharmacy_desktop.db.models.patients import Patient, PatientAllergy, PatientCondition
from pharmacy_desktop.db.models.prescriptions import (
    Prescription,
    PrescriptionRefill,
    PrescriptionValidation,
)
from pharmacy_desktop.db.repositories import dur_run
from pharmacy_desktop.db.repositories.dur_run import RunStart

# the prescription states in which a DUR result still waits for the pharmacist's decision
WAITING_FOR_REVIEW = ("received",)


# The pharmacy's active drug_interactions pairs whose generic (lower case) mentions any of
# :legacy_keys: each medication named by an active pair is read once and tested once against all the
# keys (strpos over the key array: a plain substring test, no LIKE pattern to escape), the pairs are
# then joined by id. Shared with the clinical knowledge statement (clinical.py), which reads the
# pairs in the same round trip as the rules.
LEGACY_PAIRS_WITH = """
legacy_active AS (
    SELECT medication_1_id, medication_2_id, severity, description, management_recommendation
      FROM prescription_schema.drug_interactions WHERE is_active IS NOT FALSE
), legacy_named AS (
    SELECT m.id, lower(coalesce(m.generic_name, m.drug_name)) AS g FROM prescription_schema.medications m
     WHERE m.id IN (SELECT medication_1_id FROM legacy_active UNION SELECT medication_2_id FROM legacy_active)
), legacy_mentioning AS (
    SELECT id FROM legacy_named
     WHERE EXISTS (SELECT 1 FROM unnest(CAST(:legacy_keys AS text[])) k WHERE strpos(g, k) > 0)
)"""
LEGACY_PAIRS_SELECT = """
SELECT n1.g AS g1, n2.g AS g2, a.severity, a.description, coalesce(a.management_recommendation, '') AS management
  FROM legacy_active a
  JOIN legacy_named n1 ON n1.id = a.medication_1_id
  JOIN legacy_named n2 ON n2.id = a.medication_2_id
 WHERE a.medication_1_id IN (SELECT id FROM legacy_mentioning) OR a.medication_2_id IN (SELECT id FROM legacy_mentioning)
"""
_PAIRS_SQL = text(f"WITH {LEGACY_PAIRS_WITH} {LEGACY_PAIRS_SELECT}")


class DurRepository:
    def __init__(self, session: Session):
        self.session = session

    def pharm_classes(self, product_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
        """Catalog product -> its FDA pharmacologic classes (products that have some)."""
        wanted = set(product_ids)
        if not wanted:
            return {}
        rows = self.session.execute(select(DrugProduct.id, DrugProduct.pharm_classes).where(DrugProduct.id.in_(wanted)))
        return {pid: classes for pid, classes in rows if classes}

    def products(self, product_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, tuple[str | None, ...]]:
        """Catalog product -> (pharm_classes, substance_name, active_numerator_strength,
        active_ingredient_unit, dosage_form, proprietary_name): FDA's ';'-separated parallel lists."""
        wanted = set(product_ids)
        if not wanted:
            return {}
        p = DrugProduct
        rows = self.session.execute(
            select(
                p.id,
                p.pharm_classes,
                p.substance_name,
                p.active_numerator_strength,
                p.active_ingredient_unit,
                p.dosage_form,
                p.proprietary_name,
            ).where(p.id.in_(wanted))
        )
        return {row[0]: tuple(row[1:]) for row in rows}

    def start_run(self, prescription_id: uuid.UUID, *, as_of: dt.date) -> RunStart | None:
        """Supersede the prescription's current validation rows and read what the run needs (the
        prescription, the patient's profile, this and the other active items): ONE statement
        (``dur_run.start_run``); None when there is no such prescription."""
        return dur_run.start_run(self.session, prescription_id, as_of=as_of)

    # -- the patient's clinical profile ------------------------------------------------------------

    def profile_version(self, patient_id: uuid.UUID, *, lock: str | None = None) -> int | None:
        """The patient's ``clinical_profile_version`` as the database holds it now (never the
        session's cached row: the triggers bump it behind the ORM's back).

        ``lock='share'`` keeps the profile from changing until the transaction ends (approval);
        ``lock='update'`` for a change that will bump it (a prescription leaving the active set)."""
        query = select(Patient.clinical_profile_version).where(Patient.id == patient_id)
        if lock == "share":
            query = query.with_for_update(read=True)
        elif lock == "update":
            query = query.with_for_update(key_share=True)
        return self.session.execute(query).scalar()

    def patient_facts(self, patient_id: uuid.UUID) -> tuple[Any, ...] | None:
        """(date_of_birth, gender, weight_kg, pregnancy_status, breastfeeding) of the patient."""
        p = Patient
        row = self.session.execute(
            select(p.date_of_birth, p.gender, p.weight_kg, p.pregnancy_status, p.breastfeeding).where(
                p.id == patient_id
            )
        ).first()
        return tuple(row) if row is not None else None

    def active_conditions(self, patient_id: uuid.UUID) -> list[tuple[str, str | None]]:
        """(condition name, ICD-10-CM code) of the patient's active conditions."""
        c = PatientCondition
        rows = self.session.execute(
            select(c.condition_name, c.icd_10_code)
            .where(c.patient_id == patient_id, c.is_active.is_not(False))
            .order_by(c.condition_name)
        )
        return [(name, code) for name, code in rows]

    def waiting_prescriptions(self, patient_id: uuid.UUID) -> list[uuid.UUID]:
        """The patient's prescriptions whose DUR waits for the pharmacist (oldest first)."""
        return list(
            self.session.scalars(
                select(Prescription.id)
                .where(Prescription.patient_id == patient_id, Prescription.status.in_(WAITING_FOR_REVIEW))
                .order_by(Prescription.created_at, Prescription.id)
            )
        )

    def patient_of(self, prescription_id: uuid.UUID) -> uuid.UUID | None:
        return self.session.scalar(select(Prescription.patient_id).where(Prescription.id == prescription_id))

    def current_profile_versions(self, prescription_id: uuid.UUID) -> list[int | None]:
        """The profile versions the current DUR rows saw (one entry per distinct version)."""
        v = PrescriptionValidation
        return list(
            self.session.scalars(
                select(v.profile_version).where(v.prescription_id == prescription_id, v.is_current.is_(True)).distinct()
            )
        )

    def last_fills(self, item_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[Any, int]]:
        """Prescription item -> (date, days supply) of its latest fill not returned."""
        if not item_ids:
            return {}
        rows = self.session.execute(
            select(
                PrescriptionRefill.prescription_item_id, PrescriptionRefill.filled_date, PrescriptionRefill.days_supply
            )
            .where(PrescriptionRefill.prescription_item_id.in_(list(item_ids)), PrescriptionRefill.status != "returned")
            .order_by(PrescriptionRefill.filled_date)
        )
        return {item_id: (filled, days) for item_id, filled, days in rows}

    def interaction_pairs(self, name_keys: Iterable[str]) -> set[tuple[str, str, str, str, str]]:
        """(generic 1, generic 2, severity, description, management) of the active pairs whose
        generic (lower case) mentions any of ``name_keys``.

        Each medication named by an active pair is read once and tested once against all the keys
        (``strpos`` over the key array: a plain substring test, no LIKE pattern to escape), the
        pairs are then joined by id; not an OR of two LIKEs per key and pair over a double join.
        A fixed statement (no SQL built per call)."""
        keys = sorted({k for k in name_keys if k})
        if not keys:
            return set()
        rows = self.session.execute(_PAIRS_SQL, {"legacy_keys": keys})
        return {(a, b, sev, desc, mgmt) for a, b, sev, desc, mgmt in rows}

    def active_allergies(self, patient_id: uuid.UUID) -> list[PatientAllergy]:
        return list(
            self.session.scalars(
                select(PatientAllergy).where(
                    PatientAllergy.patient_id == patient_id, PatientAllergy.is_active.is_not(False)
                )
            )
        )

    def add_validation(self, **columns: Any) -> PrescriptionValidation:
        row = PrescriptionValidation(**columns)
        self.session.add(row)
        return row

    def add_validations(self, rows: Sequence[dict[str, Any]]) -> list[Any]:
        """The rows of one DUR run in ONE statement, returned as plain rows in the order given
        (``dur_run.add_validations``)."""
        return dur_run.add_validations(self.session, rows)

    def current(self, prescription_id: uuid.UUID) -> list[PrescriptionValidation]:
        return list(
            self.session.scalars(
                select(PrescriptionValidation).where(
                    PrescriptionValidation.prescription_id == prescription_id,
                    PrescriptionValidation.is_current.is_(True),
                )
            )
        )

    def open_alert_rows(self, prescription_ids: Sequence[uuid.UUID]) -> list[tuple[uuid.UUID, str, int]]:
        """(prescription, 'failed' | 'warning', count) of current alerts not yet acknowledged."""
        if not prescription_ids:
            return []
        v = PrescriptionValidation
        rows = self.session.execute(
            select(v.prescription_id, v.validation_status, func.count())
            .where(
                v.prescription_id.in_(list(prescription_ids)),
                v.is_current.is_(True),
                v.validation_status.in_(("failed", "warning")),
                v.acknowledged_at.is_(None),
            )
            .group_by(v.prescription_id, v.validation_status)
        )
        return [(rx_id, status, count) for rx_id, status, count in rows]

    def has_current(self, prescription_id: uuid.UUID) -> bool:
        v = PrescriptionValidation
        return (
            self.session.scalar(
                select(func.count())
                .select_from(v)
                .where(and_(v.prescription_id == prescription_id, v.is_current.is_(True)))
            )
            or 0
        ) > 0

    def prescription_of(self, validation_id: uuid.UUID) -> uuid.UUID | None:
        return self.session.scalar(
            select(PrescriptionValidation.prescription_id).where(PrescriptionValidation.id == validation_id)
        )

    def validation_for_update(self, validation_id: uuid.UUID) -> PrescriptionValidation | None:
        """One alert row, locked (acknowledging it twice at once: the second waits, then sees the first)."""
        return self.session.get(PrescriptionValidation, validation_id, with_for_update=True)
