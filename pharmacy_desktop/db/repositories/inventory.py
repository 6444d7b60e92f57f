"""Stock: items and lots, first-expiry-first-out picking under row locks, movements, alerts."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Row, Table, func, insert, select, text
from sqlalchemy.orm import selectinload

from pharmacy_desktop.db.base import ACTOR_KEY
from pharmacy_desktop.db.models.inventory import (
    InventoryBatch,
    InventoryItem,
    InventoryTransaction,
    PurchaseOrder,
    inventory_summary,
)
from pharmacy_desktop.db.repositories.base import Repository


class InventoryRepository(Repository[InventoryItem]):
    model = InventoryItem
    label = "stock item"

    def item_by_ndc(self, ndc: str, *, for_update: bool = False) -> InventoryItem | None:
        """The stocked item for an NDC, an active one preferred; row-locked (and re-read) when asked."""
        stmt = (
            select(InventoryItem)
            .where(InventoryItem.ndc_code == ndc)
            .order_by(InventoryItem.is_active.is_(False), InventoryItem.created_at, InventoryItem.id)
            .limit(1)
        )
        if for_update:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return self.session.scalars(stmt).first()

    def items_for_medication(self, medication_id: uuid.UUID, *, active_only: bool = True) -> list[InventoryItem]:
        stmt = (
            select(InventoryItem).where(InventoryItem.medication_id == medication_id).order_by(InventoryItem.ndc_code)
        )
        if active_only:
            stmt = stmt.where(InventoryItem.is_active.is_not(False))
        return list(self.session.scalars(stmt))

    def on_hand_for_medication(self, medication_id: uuid.UUID | None) -> Decimal | None:
        """Units on hand across the active stock items of a medication (None without any)."""
        if medication_id is None:
            return None
        return self.session.scalar(
            select(func.sum(InventoryItem.quantity_on_hand)).where(
                InventoryItem.medication_id == medication_id, InventoryItem.is_active.is_not(False)
            )
        )

    def batches_of(self, item_id: uuid.UUID, *, for_update: bool = False) -> list[InventoryBatch]:
        """Every lot of a stock item, by id (the lock order); row-locked and re-read when asked."""
        stmt = select(InventoryBatch).where(InventoryBatch.inventory_item_id == item_id).order_by(InventoryBatch.id)
        if for_update:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return list(self.session.scalars(stmt))

    def lock_batches(self, batch_ids: list[uuid.UUID]) -> list[InventoryBatch]:
        """SELECT ... FOR UPDATE on these lots, by id (the lock order), re-read."""
        if not batch_ids:
            return []
        stmt = (
            select(InventoryBatch)
            .where(InventoryBatch.id.in_(batch_ids))
            .order_by(InventoryBatch.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return list(self.session.scalars(stmt))

    def lock_items(self, item_ids: set[uuid.UUID]) -> list[InventoryItem]:
        """SELECT ... FOR UPDATE on these stock items, by id (the lock order), re-read."""
        if not item_ids:
            return []
        stmt = (
            select(InventoryItem)
            .where(InventoryItem.id.in_(item_ids))
            .order_by(InventoryItem.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return list(self.session.scalars(stmt))

    def movements_for(
        self, reference_type: str, reference_ids: list[uuid.UUID], transaction_type: str
    ) -> list[InventoryTransaction]:
        """Ledger lines of one type made for these references (e.g. the dispensing of some fills)."""
        if not reference_ids:
            return []
        stmt = (
            select(InventoryTransaction)
            .where(
                InventoryTransaction.reference_type == reference_type,
                InventoryTransaction.reference_id.in_(reference_ids),
                InventoryTransaction.transaction_type == transaction_type,
            )
            .order_by(InventoryTransaction.created_at, InventoryTransaction.id)
        )
        return list(self.session.scalars(stmt))

    def lock_item(self, item_id: uuid.UUID) -> InventoryItem:
        """SELECT ... FOR UPDATE: a second workstation filling the same drug waits here."""
        return self.require(item_id, for_update=True)

    def batches_fefo(
        self, item_id: uuid.UUID, *, for_update: bool = True, as_of: dt.date | None = None
    ) -> list[InventoryBatch]:
        """Active, unexpired lots with stock left, first expiry first (then oldest received)."""
        stmt = (
            select(InventoryBatch)
            .where(
                InventoryBatch.inventory_item_id == item_id,
                InventoryBatch.status == "active",
                InventoryBatch.expiration_date >= (as_of or dt.date.today()),
                InventoryBatch.quantity_remaining > 0,
            )
            .order_by(InventoryBatch.expiration_date, InventoryBatch.received_date, InventoryBatch.batch_number)
        )
        if for_update:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return list(self.session.scalars(stmt))

    def stocked_batches_for_medications(self, medication_ids: set[uuid.UUID]) -> dict[uuid.UUID, list[InventoryBatch]]:
        """Each medication's active lots with stock on its active items, in one query and without locks
        (a queue's preview: ``domain.stock`` decides which are usable and in what order; the fill itself
        re-reads and locks them)."""
        if not medication_ids:
            return {}
        stmt = (
            select(InventoryItem.medication_id, InventoryBatch)
            .join(InventoryItem, InventoryItem.id == InventoryBatch.inventory_item_id)
            .where(
                InventoryItem.medication_id.in_(medication_ids),
                InventoryItem.is_active.is_not(False),
                InventoryBatch.status == "active",
                InventoryBatch.quantity_remaining > 0,
            )
        )
        batches: dict[uuid.UUID, list[InventoryBatch]] = {}
        for medication_id, batch in self.session.execute(stmt):
            batches.setdefault(medication_id, []).append(batch)
        return batches

    def get_batch(self, batch_id: uuid.UUID, *, for_update: bool = False) -> InventoryBatch | None:
        stmt = select(InventoryBatch).where(InventoryBatch.id == batch_id)
        if for_update:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return self.session.scalars(stmt).first()

    def add_transaction(
        self,
        item_id: uuid.UUID,
        transaction_type: str,
        quantity_change: Decimal,
        quantity_before: Decimal,
        *,
        batch_id: uuid.UUID | None = None,
        reference_type: str | None = None,
        reference_id: uuid.UUID | None = None,
        reason: str | None = None,
        performed_by: uuid.UUID | None = None,
    ) -> InventoryTransaction:
        """One line of the stock ledger; ``quantity_after`` follows from before + change."""
        transaction = InventoryTransaction(
            inventory_item_id=item_id,
            batch_id=batch_id,
            transaction_type=transaction_type,
            quantity_change=quantity_change,
            quantity_before=quantity_before,
            quantity_after=quantity_before + quantity_change,
            reference_type=reference_type,
            reference_id=reference_id,
            reason=reason,
            performed_by=performed_by or self.session.info.get(ACTOR_KEY),
        )
        self.session.add(transaction)
        self.flush()
        return transaction

    def add_transactions(self, rows: list[dict[str, Any]]) -> None:
        """Many ledger lines in one INSERT, in list order (``seq`` follows it): the bulk path of
        services/stock_ledger.HistoryLedger. Each row names its columns (quantity_after included: the
        table's CHECK holds it to before + change); ``performed_by`` defaults to the acting user."""
        if not rows:
            return
        actor = self.session.info.get(ACTOR_KEY)
        table = cast(Table, InventoryTransaction.__table__)
        self.session.execute(insert(table), [{"performed_by": actor, **row} for row in rows])

    def transactions_for(self, item_id: uuid.UUID, limit: int = 200) -> list[InventoryTransaction]:
        """The item's ledger, newest first by ``seq`` (its total order; timestamps tie within a transaction)."""
        stmt = (
            select(InventoryTransaction)
            .where(InventoryTransaction.inventory_item_id == item_id)
            .order_by(InventoryTransaction.seq.desc())
            .limit(limit)
        )
        return list(self.session.scalars(stmt))

    def low_stock(self) -> list[InventoryItem]:
        """Active items at or below their reorder point, the emptiest (relative to it) first."""
        stmt = (
            select(InventoryItem)
            .where(
                InventoryItem.is_active.is_not(False),
                InventoryItem.quantity_on_hand <= InventoryItem.reorder_point,
            )
            .order_by(InventoryItem.quantity_on_hand - InventoryItem.reorder_point, InventoryItem.ndc_code)
        )
        return list(self.session.scalars(stmt))

    def expiring(self, within_days: int, *, as_of: dt.date | None = None) -> list[InventoryBatch]:
        """Active lots with stock that expire within the days given (already expired ones too:
        they still sit on the shelf), soonest first, each with its item."""
        limit_date = (as_of or dt.date.today()) + dt.timedelta(days=within_days)
        stmt = (
            select(InventoryBatch)
            .where(
                InventoryBatch.status == "active",
                InventoryBatch.quantity_remaining > 0,
                InventoryBatch.expiration_date <= limit_date,
            )
            .options(selectinload(InventoryBatch.item))
            .order_by(InventoryBatch.expiration_date, InventoryBatch.batch_number)
        )
        return list(self.session.scalars(stmt))

    def refresh_summary(self) -> None:
        """Rebuild inventory_summary without blocking readers (it has the unique index for it)."""
        self.session.execute(text("REFRESH MATERIALIZED VIEW CONCURRENTLY inventory_schema.inventory_summary"))

    def summary(self, *, low_only: bool = False) -> list[Row[Any]]:
        """Rows of inventory_summary as of its last refresh (id, ndc_code, drug_name,
        quantity_on_hand, reorder_point, batch_count, nearest_expiry), by drug name."""
        stmt = select(inventory_summary).order_by(inventory_summary.c.drug_name, inventory_summary.c.ndc_code)
        if low_only:
            stmt = stmt.where(inventory_summary.c.quantity_on_hand <= inventory_summary.c.reorder_point)
        return list(self.session.execute(stmt))

    def purchase_order_with_items(self, order_id: uuid.UUID) -> PurchaseOrder | None:
        stmt = (
            select(PurchaseOrder)
            .where(PurchaseOrder.id == order_id)
            .options(selectinload(PurchaseOrder.items), selectinload(PurchaseOrder.supplier))
        )
        return self.session.scalars(stmt).first()

    def next_po_number(self) -> str:
        value = self.session.execute(text("SELECT nextval('inventory_schema.po_number_seq')")).scalar_one()
        return f"PO{value:06d}"
