"""Suppliers, purchase orders and receiving (``uow.purchasing``): the queries and locks of
services/purchasing.py and services/receiving.py.

Lock order when receiving: the purchase order row first (two workstations receiving the same order
queue here, so a line can never be over-received by a race), then the stock items by id, then their
batches by id, as services/stock_allocation.py writes it for every stock change.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from pharmacy_desktop.db.models.inventory import (
    InventoryBatch,
    InventoryItem,
    PurchaseOrder,
    PurchaseOrderItem,
    ReceivedPackage,
    Supplier,
)
from pharmacy_desktop.db.models.prescriptions import Medication
from pharmacy_desktop.db.repositories.base import Repository
from pharmacy_desktop.domain.purchasing import CANCELLED, OPEN_STATUSES
from pharmacy_desktop.errors import ValidationFailed


class PurchasingRepository(Repository[PurchaseOrder]):
    model = PurchaseOrder
    label = "purchase order"

    # -- suppliers -------------------------------------------------------------------------------

    def suppliers(self, *, active_only: bool = True) -> list[Supplier]:
        stmt = select(Supplier).order_by(func.lower(Supplier.name), Supplier.id)
        if active_only:
            stmt = stmt.where(Supplier.is_active.is_not(False))
        return list(self.session.scalars(stmt))

    def supplier(self, supplier_id: uuid.UUID) -> Supplier | None:
        return self.session.get(Supplier, supplier_id)

    def supplier_named(self, name: str) -> Supplier | None:
        stmt = select(Supplier).where(func.lower(Supplier.name) == name.strip().lower()).limit(1)
        return self.session.scalars(stmt).first()

    def add_supplier(self, supplier: Supplier) -> Supplier:
        self.session.add(supplier)
        self.flush()
        return supplier

    # -- reorder suggestions ---------------------------------------------------------------------

    def reorder_candidates(self) -> list[Row[Any]]:
        """(item, medication) of active items at or below their reorder point, by drug name. What
        is on order only lowers the need, so this is every item that may need ordering."""
        stmt = (
            select(InventoryItem, Medication)
            .join(Medication, Medication.id == InventoryItem.medication_id)
            .where(
                InventoryItem.is_active.is_not(False),
                InventoryItem.quantity_on_hand <= InventoryItem.reorder_point,
            )
            .order_by(Medication.drug_name, InventoryItem.ndc_code)
        )
        return list(self.session.execute(stmt))

    def on_order(self, item_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Decimal]:
        """Units still to come per item on open orders (pending, sent, partially received)."""
        ids = list(item_ids)
        if not ids:
            return {}
        outstanding = func.sum(
            PurchaseOrderItem.quantity_ordered - func.coalesce(PurchaseOrderItem.quantity_received, 0)
        )
        stmt = (
            select(PurchaseOrderItem.inventory_item_id, outstanding)
            .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderItem.purchase_order_id)
            .where(PurchaseOrderItem.inventory_item_id.in_(ids), PurchaseOrder.status.in_(OPEN_STATUSES))
            .group_by(PurchaseOrderItem.inventory_item_id)
        )
        return {item_id: qty for item_id, qty in self.session.execute(stmt) if item_id is not None}

    def last_suppliers(self, item_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
        """Item -> the supplier of its most recent order that was not cancelled."""
        ids = list(item_ids)
        if not ids:
            return {}
        stmt = (
            select(PurchaseOrderItem.inventory_item_id, PurchaseOrder.supplier_id)
            .distinct(PurchaseOrderItem.inventory_item_id)
            .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderItem.purchase_order_id)
            .where(
                PurchaseOrderItem.inventory_item_id.in_(ids),
                PurchaseOrder.status != CANCELLED,
                PurchaseOrder.supplier_id.is_not(None),
            )
            .order_by(
                PurchaseOrderItem.inventory_item_id,
                PurchaseOrder.order_date.desc(),
                PurchaseOrder.created_at.desc(),
                PurchaseOrder.id.desc(),
            )
        )
        return {item: supplier for item, supplier in self.session.execute(stmt) if item and supplier}

    def item_with_medication(self, item_id: uuid.UUID) -> tuple[InventoryItem, Medication] | None:
        stmt = (
            select(InventoryItem, Medication)
            .join(Medication, Medication.id == InventoryItem.medication_id)
            .where(InventoryItem.id == item_id)
        )
        row = self.session.execute(stmt).first()
        return (row[0], row[1]) if row else None

    def items_by_ndcs(self, ndcs: Iterable[str]) -> list[tuple[InventoryItem, Medication]]:
        """Active stock items (with their medication) whose NDC is one of ``ndcs``."""
        keys = list(ndcs)
        if not keys:
            return []
        stmt = (
            select(InventoryItem, Medication)
            .join(Medication, Medication.id == InventoryItem.medication_id)
            .where(InventoryItem.ndc_code.in_(keys), InventoryItem.is_active.is_not(False))
            .order_by(InventoryItem.ndc_code, InventoryItem.created_at)
        )
        return [(row[0], row[1]) for row in self.session.execute(stmt)]

    def medications_of_items(self, item_ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, Medication]:
        """Item id -> its catalog medication (None ids skipped: a line whose item was removed)."""
        ids = [i for i in item_ids if i is not None]
        if not ids:
            return {}
        stmt = (
            select(InventoryItem.id, Medication)
            .join(Medication, Medication.id == InventoryItem.medication_id)
            .where(InventoryItem.id.in_(ids))
        )
        return {item_id: med for item_id, med in self.session.execute(stmt)}

    # -- orders ----------------------------------------------------------------------------------

    def next_po_number(self) -> str:
        value = self.session.execute(text("SELECT nextval('inventory_schema.po_number_seq')")).scalar_one()
        return f"PO{value:06d}"

    def order(self, order_id: uuid.UUID, *, lock: bool = False) -> PurchaseOrder | None:
        """The order with its lines and supplier; ``lock``: SELECT ... FOR UPDATE on the order row
        (re-read), the first lock of every change to an order."""
        stmt = (
            select(PurchaseOrder)
            .where(PurchaseOrder.id == order_id)
            .options(selectinload(PurchaseOrder.items), selectinload(PurchaseOrder.supplier))
        )
        if lock:
            stmt = stmt.with_for_update(of=PurchaseOrder).execution_options(populate_existing=True)
        return self.session.scalars(stmt).first()

    def order_by_number(self, po_number: str) -> PurchaseOrder | None:
        stmt = select(PurchaseOrder.id).where(func.upper(PurchaseOrder.po_number) == po_number.strip().upper())
        order_id = self.session.scalar(stmt)
        return self.order(order_id) if order_id else None

    def orders(self, statuses: Iterable[str] | None = None, *, limit: int = 200) -> list[PurchaseOrder]:
        """Orders (newest first) with their lines and supplier, optionally of some statuses."""
        stmt = (
            select(PurchaseOrder)
            .options(selectinload(PurchaseOrder.items), selectinload(PurchaseOrder.supplier))
            .order_by(PurchaseOrder.order_date.desc(), PurchaseOrder.po_number.desc())
            .limit(limit)
        )
        if statuses is not None:
            stmt = stmt.where(PurchaseOrder.status.in_(list(statuses)))
        return list(self.session.scalars(stmt))

    def add_line(self, order: PurchaseOrder, line: PurchaseOrderItem) -> PurchaseOrderItem:
        line.purchase_order_id = order.id
        self.session.add(line)
        order.items.append(line)
        self.flush()
        return line

    def remove_line(self, order: PurchaseOrder, line: PurchaseOrderItem) -> None:
        order.items.remove(line)  # delete-orphan: the row goes with the flush
        self.flush()

    # -- receiving -------------------------------------------------------------------------------

    def batches_for_lots(self, item_id: uuid.UUID, lots: Iterable[str], *, lock: bool = True) -> list[InventoryBatch]:
        """The item's batches whose lot is one of ``lots`` (case-insensitive), by id (lock order);
        ``lock``: row-locked and re-read (receiving adds to them)."""
        keys = sorted({lot.strip().upper() for lot in lots})
        if not keys:
            return []
        stmt = (
            select(InventoryBatch)
            .where(
                InventoryBatch.inventory_item_id == item_id,
                func.upper(func.trim(InventoryBatch.batch_number)).in_(keys),
            )
            .order_by(InventoryBatch.id)
        )
        if lock:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return list(self.session.scalars(stmt))

    def add_batch(self, batch: InventoryBatch) -> InventoryBatch:
        self.session.add(batch)
        self.flush()
        return batch

    def received_serials(self, keys: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which (GTIN, serial) pairs were received before."""
        pairs = list(keys)
        if not pairs:
            return set()
        gtins = {g for g, _ in pairs}
        serials = {s for _, s in pairs}
        stmt = select(ReceivedPackage.gtin, ReceivedPackage.serial_number).where(
            ReceivedPackage.gtin.in_(gtins), ReceivedPackage.serial_number.in_(serials)
        )
        found = {(g, s) for g, s in self.session.execute(stmt) if s is not None}
        return found & set(pairs)

    def add_packages(self, packages: Iterable[ReceivedPackage]) -> None:
        """Record scanned packages; a serial received meanwhile on another workstation (the unique
        index decides the race) is refused in words, and the transaction is done for."""
        self.session.add_all(list(packages))
        try:
            self.flush()
        except IntegrityError as exc:
            if "uq_received_packages_serial" not in str(exc.orig):
                raise
            raise ValidationFailed(
                "Nothing was received: a package with one of these serial numbers was received on another "
                "workstation just now. Scan the packages again: the one received before will be named."
            ) from None

    def packages_of_order(self, order_id: uuid.UUID) -> list[ReceivedPackage]:
        stmt = (
            select(ReceivedPackage)
            .join(PurchaseOrderItem, PurchaseOrderItem.id == ReceivedPackage.purchase_order_item_id)
            .where(PurchaseOrderItem.purchase_order_id == order_id)
            .order_by(ReceivedPackage.received_at, ReceivedPackage.lot_number, ReceivedPackage.serial_number)
        )
        return list(self.session.scalars(stmt))
