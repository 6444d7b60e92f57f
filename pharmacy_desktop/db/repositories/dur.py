"""DUR facts and results: interaction pairs at generic level, last fills, ``prescription_validations``.

Kept apart from ``prescriptions.py`` (the work queues and the prescription rows) because these are
the queries of one use case, the DUR run; the tables are in the prescriptions schema.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from pharmacy_desktop.db.models.catalog import DrugProduct
from pharmacy_desktop.db.models.patients import PatientAllergy
from pharmacy_desktop.db.models.prescriptions import (
    DrugInteraction,
    Medication,
    PrescriptionRefill,
    PrescriptionValidation,
)


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
        generic (lower case) mentions any of ``name_keys``."""
        keys = sorted(set(name_keys))
        if not keys:
            return set()
        m1, m2 = aliased(Medication), aliased(Medication)
        g1 = func.lower(func.coalesce(m1.generic_name, m1.drug_name))
        g2 = func.lower(func.coalesce(m2.generic_name, m2.drug_name))
        mentions = or_(*(g.contains(k, autoescape=True) for k in keys for g in (g1, g2)))
        rows = self.session.execute(
            select(
                g1, g2, DrugInteraction.severity, DrugInteraction.description, DrugInteraction.management_recommendation
            )
            .join(m1, m1.id == DrugInteraction.medication_1_id)
            .join(m2, m2.id == DrugInteraction.medication_2_id)
            .where(DrugInteraction.is_active.is_not(False), mentions)
        )
        return {(a, b, sev, desc, mgmt or "") for a, b, sev, desc, mgmt in rows}

    def active_allergies(self, patient_id: uuid.UUID) -> list[PatientAllergy]:
        return list(
            self.session.scalars(
                select(PatientAllergy).where(
                    PatientAllergy.patient_id == patient_id, PatientAllergy.is_active.is_not(False)
                )
            )
        )

    def supersede(self, prescription_id: uuid.UUID) -> None:
        """The prescription's current validation rows stay on record, no longer current."""
        self.session.execute(
            update(PrescriptionValidation)
            .where(
                PrescriptionValidation.prescription_id == prescription_id, PrescriptionValidation.is_current.is_(True)
            )
            .values(is_current=False)
            .execution_options(synchronize_session=False)
        )

    def add_validation(self, **columns: Any) -> PrescriptionValidation:
        row = PrescriptionValidation(**columns)
        self.session.add(row)
        return row

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
