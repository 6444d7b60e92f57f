"""Recalls and quarantine: the lots a recall or an expiry takes out of stock, who received them.

Locks are taken by the callers through ``uow.inventory.lock_items`` / ``lock_batches`` (items by
id, then batches by id); the reads here only find which rows to lock.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, String, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from pharmacy_desktop.db.models.inventory import (
    InventoryBatch,
    InventoryItem,
    InventoryTransaction,
    Recall,
    StockAdjustment,
)
from pharmacy_desktop.db.models.patients import Patient
from pharmacy_desktop.db.models.prescriptions import Medication, Prescription, PrescriptionItem, PrescriptionRefill

QUARANTINED = ("expired", "recalled")
DISPENSED = "dispensed"
REFILL_REFERENCE = "prescription_refill"


def _product_key(ndc_column: Any) -> Any:
    """The 10-digit product part (6-4) of an NDC key of 11 (5-4-2) or 12 (6-4-2) digits."""
    twelve = case((func.length(ndc_column) == 11, literal("0", String) + ndc_column), else_=ndc_column)
    return func.left(twelve, 10)


def _same_lot(column: Any, lot: str) -> Any:
    return func.upper(func.trim(column)) == lot.strip().upper()


class QuarantineRepository:
    def __init__(self, session: Session):
        self.session = session

    # -- recalls -------------------------------------------------------------------------------

    def serialize_recall(self, product_key: str, lot: str) -> None:
        """Transaction advisory lock per product and lot: two workstations recalling the same lot at
        once record one recall (the second waits, then finds it)."""
        key = f"recall:{product_key}:{lot.strip().upper()}"
        self.session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 14))))

    def recall_for(self, product_key: str, lot: str) -> Recall | None:
        """The recall of this lot of the product (recorded under any of its packages' NDCs), first one."""
        stmt = (
            select(Recall)
            .where(_product_key(Recall.ndc_code) == product_key, _same_lot(Recall.lot_number, lot))
            .order_by(Recall.initiated_at, Recall.id)
        )
        return self.session.scalars(stmt).first()

    def add_recall(
        self, *, ndc_code: str, lot: str, reason: str, recall_class: str | None, initiated_by: uuid.UUID | None
    ) -> Recall:
        recall = Recall(
            id=uuid.uuid4(),
            ndc_code=ndc_code,
            lot_number=lot.strip(),
            reason=reason,
            recall_class=recall_class,
            initiated_by=initiated_by,
        )
        self.session.add(recall)
        self.session.flush()
        return recall

    def lot_batches(self, product_key: str, lot: str) -> list[tuple[uuid.UUID, uuid.UUID]]:
        """(item id, batch id) of every batch of this lot in any package of the product, unlocked."""
        stmt = (
            select(InventoryBatch.inventory_item_id, InventoryBatch.id)
            .join(InventoryItem, InventoryItem.id == InventoryBatch.inventory_item_id)
            .where(_product_key(InventoryItem.ndc_code) == product_key, _same_lot(InventoryBatch.batch_number, lot))
            .order_by(InventoryBatch.inventory_item_id, InventoryBatch.id)
        )
        return [(r[0], r[1]) for r in self.session.execute(stmt)]

    def recipients(self, product_key: str, lot: str, batch_ids: list[uuid.UUID]) -> list[Row[Any]]:
        """Fills of the lot that were not returned to stock, with the patient's contact details.

        A fill is of the lot when its record names one of the batches or the lot (for this product),
        or when its ledger rows took units from one of the batches (a fill split over two lots
        records only the first on the fill). Oldest fill first.
        """
        from_ledger = select(InventoryTransaction.reference_id).where(
            InventoryTransaction.transaction_type == DISPENSED,
            InventoryTransaction.reference_type == REFILL_REFERENCE,
            InventoryTransaction.batch_id.in_(batch_ids or [uuid.UUID(int=0)]),
        )
        of_lot = or_(
            PrescriptionRefill.batch_id.in_(batch_ids or [uuid.UUID(int=0)]),
            and_(
                _product_key(PrescriptionRefill.ndc_code) == product_key, _same_lot(PrescriptionRefill.lot_number, lot)
            ),
            PrescriptionRefill.id.in_(from_ledger),
        )
        stmt = (
            select(
                Patient.id.label("patient_id"),
                Patient.first_name,
                Patient.last_name,
                Patient.phone_primary,
                Patient.email,
                Prescription.prescription_number,
                PrescriptionRefill.id.label("refill_id"),
                PrescriptionRefill.filled_date,
                PrescriptionRefill.status,
                PrescriptionRefill.ndc_code,
                PrescriptionRefill.lot_number,
                PrescriptionRefill.quantity_dispensed,
                PrescriptionItem.quantity_unit,  # with the form: '30 tablets' (quantity_text)
                Medication.dosage_form,
            )
            .join(Prescription, Prescription.id == PrescriptionRefill.prescription_id)
            .join(Patient, Patient.id == Prescription.patient_id)
            .outerjoin(PrescriptionItem, PrescriptionItem.id == PrescriptionRefill.prescription_item_id)
            .outerjoin(Medication, Medication.id == PrescriptionRefill.medication_id)
            .where(of_lot, PrescriptionRefill.status != "returned")
            .order_by(PrescriptionRefill.filled_date, Prescription.prescription_number, PrescriptionRefill.id)
        )
        return list(self.session.execute(stmt))

    # -- expiry --------------------------------------------------------------------------------

    def expired_active(self, as_of: dt.date) -> list[tuple[uuid.UUID, uuid.UUID]]:
        """(item id, batch id) of available lots whose expiration date is before ``as_of``, unlocked."""
        stmt = (
            select(InventoryBatch.inventory_item_id, InventoryBatch.id)
            .where(
                func.coalesce(InventoryBatch.status, "active") == "active",
                InventoryBatch.expiration_date < as_of,
                InventoryBatch.inventory_item_id.is_not(None),
            )
            .order_by(InventoryBatch.inventory_item_id, InventoryBatch.id)
        )
        return [(r[0], r[1]) for r in self.session.execute(stmt)]

    # -- quarantined stock ---------------------------------------------------------------------

    def quarantined(self) -> list[Row[Any]]:
        """Lots in quarantine with units in them (to return or destroy), by drug and expiry."""
        stmt = (
            select(
                InventoryBatch.id.label("batch_id"),
                InventoryBatch.batch_number,
                InventoryBatch.expiration_date,
                InventoryBatch.quantity_remaining,
                InventoryBatch.status,
                InventoryBatch.quarantined_at,
                InventoryItem.id.label("item_id"),
                InventoryItem.ndc_code,
                Medication.drug_name,
                Medication.strength,
                Medication.dea_schedule,
                InventoryItem.quantity_unit,
                Medication.dosage_form,
            )
            .join(InventoryItem, InventoryItem.id == InventoryBatch.inventory_item_id)
            .join(Medication, Medication.id == InventoryItem.medication_id)
            .where(InventoryBatch.status.in_(QUARANTINED), InventoryBatch.quantity_remaining > 0)
            .order_by(Medication.drug_name, InventoryItem.ndc_code, InventoryBatch.expiration_date)
        )
        return list(self.session.execute(stmt))

    def medication_of(self, item: InventoryItem) -> Medication | None:
        return self.session.get(Medication, item.medication_id)

    def add_disposal(
        self,
        *,
        item_id: uuid.UUID,
        batch_id: uuid.UUID,
        kind: str,
        quantity: Decimal,
        reason: str,
        performed_by: uuid.UUID | None,
        is_controlled: bool,
        value: Decimal | None,
        dea_form: str | None,
        note: str,
        day: dt.date,
    ) -> StockAdjustment:
        """The record of quarantined units leaving the pharmacy (returned or destroyed).

        On hand does not change (the units left it at quarantine), so there is no ledger row and
        nothing to approve: the row is 'approved' by the system (decided_by NULL), noted.
        """
        row = StockAdjustment(
            id=uuid.uuid4(),
            inventory_item_id=item_id,
            batch_id=batch_id,
            adjustment_type=kind,
            quantity_expected=quantity,
            quantity_actual=Decimal(0),
            quantity_difference=-quantity,
            reason=reason,
            requires_approval=False,
            adjustment_date=day,
            performed_by=performed_by,
            status="approved",
            is_controlled=is_controlled,
            value_difference=value,
            decided_at=func.now(),
            decision_note=note,
            dea_form=dea_form,
        )
        self.session.add(row)
        self.session.flush()
        return row

    def disposal(self, adjustment_id: uuid.UUID) -> StockAdjustment | None:
        return self.session.get(StockAdjustment, adjustment_id)

    def batch(self, batch_id: uuid.UUID) -> InventoryBatch | None:
        return self.session.get(InventoryBatch, batch_id)
