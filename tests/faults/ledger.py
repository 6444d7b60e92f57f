"""Everything a fill writes, read back in one go: the "nothing half-done, nothing twice" check."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from pharmacy_desktop.db.models.audit import DomainEvent
from pharmacy_desktop.db.models.inventory import InventoryBatch, InventoryItem, InventoryTransaction
from pharmacy_desktop.db.models.notifications import PrintJob
from pharmacy_desktop.db.models.prescriptions import Prescription, PrescriptionItem, PrescriptionRefill


@dataclass(frozen=True)
class Ledger:
    on_hand: Decimal  # the prescribed package's inventory item
    in_lots: Decimal  # the same item's batches, summed
    movements: int  # inventory transactions of the item
    moved: Decimal  # their quantities, summed
    refills: int  # fill rows of the prescriptions looked at
    label_jobs: int  # vial label jobs queued for those fills
    filled_events: int  # PrescriptionFilled domain events of those prescriptions
    statuses: tuple[str, ...]  # the prescriptions' statuses, in the order asked
    refills_remaining: tuple[int, ...]


def read(uow_factory, item_id: uuid.UUID, rx_ids: list[uuid.UUID]) -> Ledger:
    with uow_factory() as uow:
        s = uow.session
        refill_ids = list(
            s.scalars(select(PrescriptionRefill.id).where(PrescriptionRefill.prescription_id.in_(rx_ids)))
        )
        statuses = dict(
            s.execute(select(Prescription.id, Prescription.status).where(Prescription.id.in_(rx_ids))).all()
        )
        remaining = dict(
            s.execute(
                select(PrescriptionItem.prescription_id, PrescriptionItem.refills_remaining).where(
                    PrescriptionItem.prescription_id.in_(rx_ids)
                )
            ).all()
        )
        return Ledger(
            on_hand=s.scalar(select(InventoryItem.quantity_on_hand).where(InventoryItem.id == item_id)),
            in_lots=s.scalar(
                select(func.coalesce(func.sum(InventoryBatch.quantity_remaining), 0)).where(
                    InventoryBatch.inventory_item_id == item_id
                )
            ),
            movements=s.scalar(
                select(func.count())
                .select_from(InventoryTransaction)
                .where(InventoryTransaction.inventory_item_id == item_id)
            ),
            moved=s.scalar(
                select(func.coalesce(func.sum(InventoryTransaction.quantity_change), 0)).where(
                    InventoryTransaction.inventory_item_id == item_id
                )
            ),
            refills=len(refill_ids),
            label_jobs=s.scalar(select(func.count()).select_from(PrintJob).where(PrintJob.reference_id.in_(refill_ids)))
            if refill_ids
            else 0,
            filled_events=s.scalar(
                select(func.count())
                .select_from(DomainEvent)
                .where(DomainEvent.event_type == "PrescriptionFilled", DomainEvent.aggregate_id.in_(rx_ids))
            ),
            statuses=tuple(statuses[i] for i in rx_ids),
            refills_remaining=tuple(remaining[i] for i in rx_ids),
        )


def after_fills(before: Ledger, quantities: list[Decimal], statuses: tuple[str, ...]) -> Ledger:
    """What ``before`` must become after exactly these fills (one label, one event, one movement each)."""
    total = sum(quantities, Decimal(0))
    return Ledger(
        on_hand=before.on_hand - total,
        in_lots=before.in_lots - total,
        movements=before.movements + len(quantities),
        moved=before.moved - total,
        refills=before.refills + len(quantities),
        label_jobs=before.label_jobs + len(quantities),
        filled_events=before.filled_events + len(quantities),
        statuses=statuses,
        refills_remaining=before.refills_remaining,  # first fills use no refill
    )
