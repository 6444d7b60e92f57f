"""Stock adjustments and cycle counts (uow.adjustments): requests, decisions, counts and their lines."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import select, text, update

from pharmacy_desktop.db.models.inventory import (
    InventoryBatch,
    InventoryCount,
    InventoryCountLine,
    InventoryItem,
    StockAdjustment,
)
from pharmacy_desktop.db.models.prescriptions import Medication
from pharmacy_desktop.db.repositories.base import Repository


def _like_prefix(prefix: str) -> str:
    # typed text: '%' and '_' are plain characters, not wildcards
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


class AdjustmentRepository(Repository[StockAdjustment]):
    model = StockAdjustment
    label = "stock adjustment"

    # -- adjustments ----------------------------------------------------------------------------

    def lock(self, adjustment_id: uuid.UUID) -> StockAdjustment:
        """The adjustment row locked (two workstations deciding at once: the second waits, then
        sees the first one's decision)."""
        return self.require(adjustment_id, for_update=True)

    def pending(self) -> list[StockAdjustment]:
        stmt = (
            select(StockAdjustment)
            .where(StockAdjustment.status == "pending")
            .order_by(StockAdjustment.created_at, StockAdjustment.id)
        )
        return list(self.session.scalars(stmt))

    def for_count(self, count_id: uuid.UUID) -> list[StockAdjustment]:
        stmt = (
            select(StockAdjustment)
            .where(StockAdjustment.count_id == count_id)
            .order_by(StockAdjustment.created_at, StockAdjustment.id)
        )
        return list(self.session.scalars(stmt))

    def pending_for_count(self, count_id: uuid.UUID) -> int:
        stmt = select(StockAdjustment.id).where(
            StockAdjustment.count_id == count_id, StockAdjustment.status == "pending"
        )
        return len(list(self.session.scalars(stmt)))

    def item_with_medication(self, item_id: uuid.UUID) -> tuple[InventoryItem, Medication] | None:
        """The stock item and its catalog medication (no foreign key across the schemas: joined here)."""
        stmt = (
            select(InventoryItem, Medication)
            .join(Medication, Medication.id == InventoryItem.medication_id)
            .where(InventoryItem.id == item_id)
        )
        row = self.session.execute(stmt).first()
        return (row[0], row[1]) if row is not None else None

    def medications_of(self, item_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[InventoryItem, Medication]]:
        if not item_ids:
            return {}
        stmt = (
            select(InventoryItem, Medication)
            .join(Medication, Medication.id == InventoryItem.medication_id)
            .where(InventoryItem.id.in_(item_ids))
        )
        return {item.id: (item, med) for item, med in self.session.execute(stmt).tuples()}

    def active_batches(self, item_id: uuid.UUID) -> list[InventoryBatch]:
        """The item's available lots (status 'active'), by id: the lock order."""
        stmt = (
            select(InventoryBatch)
            .where(InventoryBatch.inventory_item_id == item_id, InventoryBatch.status == "active")
            .order_by(InventoryBatch.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return list(self.session.scalars(stmt))

    # -- counts ---------------------------------------------------------------------------------

    def items_on_shelf(self, prefix: str) -> list[InventoryItem]:
        """Active stock items whose bin location starts with ``prefix`` (case-insensitive)."""
        stmt = (
            select(InventoryItem)
            .where(
                InventoryItem.is_active.is_not(False),
                InventoryItem.bin_location.ilike(_like_prefix(prefix.strip()), escape="\\"),
            )
            .order_by(InventoryItem.bin_location, InventoryItem.ndc_code)
        )
        return list(self.session.scalars(stmt))

    def items_by_ids(self, item_ids: list[uuid.UUID]) -> list[InventoryItem]:
        if not item_ids:
            return []
        stmt = select(InventoryItem).where(InventoryItem.id.in_(item_ids)).order_by(InventoryItem.ndc_code)
        return list(self.session.scalars(stmt))

    def next_count_number(self) -> str:
        value = self.session.execute(text("SELECT nextval('inventory_schema.count_number_seq')")).scalar_one()
        return f"CNT{value:06d}"

    def add_count(self, count: InventoryCount) -> InventoryCount:
        self.session.add(count)
        self.flush()
        return count

    def get_count(self, count_id: uuid.UUID, *, for_update: bool = False) -> InventoryCount | None:
        stmt = select(InventoryCount).where(InventoryCount.id == count_id)
        if for_update:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return self.session.scalars(stmt).first()

    def count_lines(self, count_id: uuid.UUID) -> list[tuple[InventoryCountLine, InventoryItem, Medication]]:
        """The count's lines with their items and medications, in shelf order."""
        stmt = (
            select(InventoryCountLine, InventoryItem, Medication)
            .join(InventoryItem, InventoryItem.id == InventoryCountLine.inventory_item_id)
            .join(Medication, Medication.id == InventoryItem.medication_id)
            .where(InventoryCountLine.count_id == count_id)
            .order_by(InventoryItem.bin_location, InventoryItem.ndc_code)
        )
        return [(line, item, med) for line, item, med in self.session.execute(stmt).tuples()]

    def lock_count_line(self, count_id: uuid.UUID, item_id: uuid.UUID) -> InventoryCountLine | None:
        stmt = (
            select(InventoryCountLine)
            .where(InventoryCountLine.count_id == count_id, InventoryCountLine.inventory_item_id == item_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return self.session.scalars(stmt).first()

    def open_counts(self) -> list[InventoryCount]:
        stmt = select(InventoryCount).where(InventoryCount.status == "open").order_by(InventoryCount.created_at)
        return list(self.session.scalars(stmt))

    def mark_counted(self, item_ids: list[uuid.UUID], at: dt.datetime) -> None:
        """``last_counted_at`` of the counted items (the versioned item row is not rewritten whole)."""
        if item_ids:
            self.session.execute(
                update(InventoryItem)
                .where(InventoryItem.id.in_(item_ids))
                .values(last_counted_at=at)
                .execution_options(synchronize_session="fetch")
            )

    def add_count_line(self, count_id: uuid.UUID, item_id: uuid.UUID, expected: Decimal) -> InventoryCountLine:
        line = InventoryCountLine(count_id=count_id, inventory_item_id=item_id, expected_quantity=expected)
        self.session.add(line)
        return line
