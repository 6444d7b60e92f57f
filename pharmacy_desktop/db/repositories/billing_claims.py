"""Insurance claims: the rows services/claims.py writes and every fact a claim is built from.

A claim is one submission of one fill (``prescription_refills`` row) to one payer; a resubmission
is a new row, so the table is the history of what was sent and answered.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import or_, select, text

from pharmacy_desktop.db.models.billing import InsuranceClaim, PricingRule
from pharmacy_desktop.db.models.inventory import InventoryBatch, InventoryItem
from pharmacy_desktop.db.models.patients import PatientInsurance
from pharmacy_desktop.db.models.prescriptions import Prescription, PrescriptionItem, PrescriptionRefill
from pharmacy_desktop.db.repositories.base import Repository


class ClaimRepository(Repository[InsuranceClaim]):
    model = InsuranceClaim
    label = "insurance claim"

    def next_claim_number(self) -> str:
        """CLM00000001, ... from a sequence shared by all workstations."""
        value: int = self.session.execute(text("SELECT nextval('billing_schema.claim_number_seq')")).scalar_one()
        return f"CLM{value:08d}"

    def add_claim(self, **values: Any) -> InsuranceClaim:
        claim = InsuranceClaim(claim_number=self.next_claim_number(), **values)
        return self.add(claim)

    def for_refill(self, refill_id: uuid.UUID) -> list[InsuranceClaim]:
        """The fill's claims, oldest first (primary before secondary when made together)."""
        stmt = (
            select(InsuranceClaim)
            .where(InsuranceClaim.prescription_refill_id == refill_id)
            .order_by(InsuranceClaim.created_at, InsuranceClaim.claim_number)
        )
        return list(self.session.scalars(stmt))

    def for_prescription(self, prescription_id: uuid.UUID) -> list[InsuranceClaim]:
        stmt = (
            select(InsuranceClaim)
            .where(InsuranceClaim.prescription_id == prescription_id)
            .order_by(InsuranceClaim.created_at, InsuranceClaim.claim_number)
        )
        return list(self.session.scalars(stmt))

    def lock_claim(self, claim_id: uuid.UUID) -> InsuranceClaim:
        return self.require(claim_id, for_update=True)

    # -- what a claim is built from -----------------------------------------------------------

    def lock_refill(self, refill_id: uuid.UUID) -> PrescriptionRefill | None:
        """The fill, locked: two workstations billing the same fill take turns."""
        stmt = (
            select(PrescriptionRefill)
            .where(PrescriptionRefill.id == refill_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return self.session.scalars(stmt).first()

    def refill(self, refill_id: uuid.UUID) -> PrescriptionRefill | None:
        return self.session.get(PrescriptionRefill, refill_id)

    def refills_of(self, prescription_id: uuid.UUID) -> list[PrescriptionRefill]:
        stmt = (
            select(PrescriptionRefill)
            .where(PrescriptionRefill.prescription_id == prescription_id)
            .order_by(PrescriptionRefill.created_at, PrescriptionRefill.id)
        )
        return list(self.session.scalars(stmt))

    def prescription(self, prescription_id: uuid.UUID | None) -> Prescription | None:
        return self.session.get(Prescription, prescription_id) if prescription_id else None

    def item(self, item_id: uuid.UUID | None) -> PrescriptionItem | None:
        return self.session.get(PrescriptionItem, item_id) if item_id else None

    def stock(
        self, item_id: uuid.UUID | None, batch_id: uuid.UUID | None
    ) -> tuple[InventoryItem | None, InventoryBatch | None]:
        """The stock item and the lot a fill came from (for AWP and cost)."""
        item = self.session.get(InventoryItem, item_id) if item_id else None
        batch = self.session.get(InventoryBatch, batch_id) if batch_id else None
        return item, batch

    def active_insurance(self, patient_id: uuid.UUID, on: dt.date) -> list[PatientInsurance]:
        """The patient's plans in force on ``on``: primary first, then secondary, then the rest."""
        order = text(
            "CASE lower(coalesce(insurance_type, '')) WHEN 'primary' THEN 0 WHEN '' THEN 1 WHEN 'secondary' THEN 2 ELSE 3 END"
        )
        stmt = (
            select(PatientInsurance)
            .where(
                PatientInsurance.patient_id == patient_id,
                PatientInsurance.is_active.is_not(False),
                PatientInsurance.effective_date <= on,
                or_(PatientInsurance.expiration_date.is_(None), PatientInsurance.expiration_date >= on),
            )
            .order_by(order, PatientInsurance.created_at, PatientInsurance.id)
        )
        return list(self.session.scalars(stmt))

    def insurance(self, insurance_id: uuid.UUID) -> PatientInsurance | None:
        return self.session.get(PatientInsurance, insurance_id)

    def previous_fill(self, refill: PrescriptionRefill, patient_id: uuid.UUID) -> PrescriptionRefill | None:
        """The patient's latest earlier fill of the same drug, on any prescription (refill too soon)."""
        stmt = (
            select(PrescriptionRefill)
            .join(Prescription, Prescription.id == PrescriptionRefill.prescription_id)
            .where(
                Prescription.patient_id == patient_id,
                PrescriptionRefill.medication_id == refill.medication_id,
                PrescriptionRefill.id != refill.id,
                PrescriptionRefill.status != "returned",
                PrescriptionRefill.filled_date <= refill.filled_date,
                PrescriptionRefill.created_at < refill.created_at,
            )
            .order_by(PrescriptionRefill.filled_date.desc(), PrescriptionRefill.created_at.desc())
            .limit(1)
        )
        return self.session.scalars(stmt).first()

    def pricing_rules(self) -> list[PricingRule]:
        """Every active pricing rule (the domain decides which are in effect on the fill date)."""
        stmt = select(PricingRule).where(PricingRule.is_active.is_not(False)).order_by(PricingRule.rule_name)
        return list(self.session.scalars(stmt))
