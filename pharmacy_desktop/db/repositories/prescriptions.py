"""Prescriptions: loading with items, the work queues, a patient's medications, the DUR log."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import selectinload

from pharmacy_desktop.db.base import ACTOR_KEY
from pharmacy_desktop.db.models.prescriptions import (
    Prescription,
    PrescriptionItem,
    PrescriptionRefill,
    PrescriptionValidation,
)
from pharmacy_desktop.db.repositories.base import Repository

# Prescriptions whose drugs the patient is (or is about to be) taking, for DUR.
ACTIVE_STATUSES = ("received", "validated", "in_progress", "ready", "dispensed", "completed")


class PrescriptionRepository(Repository[Prescription]):
    model = Prescription
    label = "prescription"

    def get_with_items(self, prescription_id: uuid.UUID, *, for_update: bool = False) -> Prescription | None:
        """The prescription with its items and their written and dispensed medications."""
        stmt = (
            select(Prescription)
            .where(Prescription.id == prescription_id)
            .options(
                selectinload(Prescription.items).selectinload(PrescriptionItem.medication),
                selectinload(Prescription.items).selectinload(PrescriptionItem.dispensed_medication),
            )
        )
        if for_update:
            stmt = stmt.with_for_update(of=Prescription).execution_options(populate_existing=True)
        return self.session.scalars(stmt).first()

    def by_number(self, prescription_number: str) -> Prescription | None:
        stmt = select(Prescription).where(Prescription.prescription_number == prescription_number.strip())
        return self.session.scalars(stmt).first()

    def queue(self, status: str, limit: int = 100) -> list[Prescription]:
        """A work queue: STAT first, then the oldest received."""
        stmt = (
            select(Prescription)
            .where(Prescription.status == status)
            .order_by(
                func.coalesce(Prescription.is_stat, False).desc(),
                Prescription.received_at.asc().nulls_last(),
                Prescription.prescription_number,
            )
            .limit(limit)
        )
        return list(self.session.scalars(stmt))

    def for_patient(
        self, patient_id: uuid.UUID, statuses: Iterable[str] | None = None, *, limit: int = 200
    ) -> list[Prescription]:
        """The patient's prescriptions, newest first, items loaded."""
        stmt = (
            select(Prescription)
            .where(Prescription.patient_id == patient_id)
            .options(selectinload(Prescription.items).selectinload(PrescriptionItem.medication))
            .order_by(Prescription.received_at.desc().nulls_last(), Prescription.prescription_number.desc())
            .limit(limit)
        )
        if statuses is not None:
            stmt = stmt.where(Prescription.status.in_(list(statuses)))
        return list(self.session.scalars(stmt))

    def active_medications(
        self, patient_id: uuid.UUID, *, excluding: uuid.UUID | None = None, as_of: dt.date | None = None
    ) -> list[PrescriptionItem]:
        """Items of the patient's unexpired, not rejected/cancelled prescriptions (for DUR), each
        with its prescription and medications loaded; ``excluding`` leaves out the one under review."""
        today = as_of or dt.date.today()
        stmt = (
            select(PrescriptionItem)
            .join(PrescriptionItem.prescription)
            .where(
                Prescription.patient_id == patient_id,
                Prescription.status.in_(ACTIVE_STATUSES),
                Prescription.expiration_date >= today,
            )
            .options(
                # not contains_eager: items already in the identity map would keep it unloaded
                selectinload(PrescriptionItem.prescription),
                selectinload(PrescriptionItem.medication),
                selectinload(PrescriptionItem.dispensed_medication),
            )
            .order_by(Prescription.received_at.desc().nulls_last(), PrescriptionItem.created_at)
        )
        if excluding is not None:
            stmt = stmt.where(Prescription.id != excluding)
        return list(self.session.scalars(stmt))

    def add_validation(
        self,
        prescription_id: uuid.UUID,
        validation_type: str,
        validation_status: str,
        details: dict[str, Any] | None = None,
        *,
        performed_by: uuid.UUID | None = None,
    ) -> PrescriptionValidation:
        """One DUR/validation log row; ``performed_by`` defaults to the unit of work's actor."""
        validation = PrescriptionValidation(
            prescription_id=prescription_id,
            validation_type=validation_type,
            validation_status=validation_status,
            details=details,
            performed_by=performed_by or self.session.info.get(ACTOR_KEY),
        )
        self.session.add(validation)
        self.flush()
        return validation

    def validations_for(self, prescription_id: uuid.UUID) -> list[PrescriptionValidation]:
        stmt = (
            select(PrescriptionValidation)
            .where(PrescriptionValidation.prescription_id == prescription_id)
            .order_by(PrescriptionValidation.performed_at, PrescriptionValidation.validation_type)
        )
        return list(self.session.scalars(stmt))

    def refills_for(self, prescription_id: uuid.UUID) -> list[PrescriptionRefill]:
        """Every fill of the prescription, the original (refill 0) first."""
        stmt = (
            select(PrescriptionRefill)
            .where(PrescriptionRefill.prescription_id == prescription_id)
            .order_by(PrescriptionRefill.refill_number, PrescriptionRefill.filled_date)
        )
        return list(self.session.scalars(stmt))

    def next_rx_number(self) -> str:
        """A plain-digit Rx number ("1000001"), from a sequence shared by all workstations."""
        value = self.session.execute(text("SELECT nextval('prescription_schema.rx_number_seq')")).scalar_one()
        return str(value)
