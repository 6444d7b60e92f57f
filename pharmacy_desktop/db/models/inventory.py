"""inventory_schema: stock items and lots, suppliers, purchase orders, stock movements."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, Text, column, table, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pharmacy_desktop.db.base import Base, CreatedAt, CreatedBy, Timestamps, UUIDPrimaryKey, Versioned

SCHEMA = "inventory_schema"
_ITEM_FK = f"{SCHEMA}.inventory_items.id"
_BATCH_FK = f"{SCHEMA}.inventory_batches.id"


def _qty(**kwargs: Any) -> Any:
    return mapped_column(Numeric(10, 2), **kwargs)


def _cost(**kwargs: Any) -> Any:
    return mapped_column(Numeric(10, 4), **kwargs)


class InventoryItem(UUIDPrimaryKey, Timestamps, Versioned, Base):
    __tablename__ = "inventory_items"
    __table_args__ = (
        Index("idx_inventory_items_medication_id", "medication_id"),
        Index("idx_inventory_items_ndc", "ndc_code"),
        # revision 0007: stock never goes below zero, whatever the concurrency
        CheckConstraint("quantity_on_hand >= 0", name="ck_inventory_items_on_hand"),
        {"schema": SCHEMA},
    )

    medication_id: Mapped[uuid.UUID]  # prescription_schema.medications (no cross-schema key)
    ndc_code: Mapped[str] = mapped_column(String(12))

    bin_location: Mapped[str | None] = mapped_column(String(50))
    requires_refrigeration: Mapped[bool | None] = mapped_column(server_default=text("false"))

    quantity_on_hand: Mapped[Decimal] = _qty(server_default=text("0"))
    quantity_unit: Mapped[str] = mapped_column(String(20))

    reorder_point: Mapped[Decimal] = _qty()
    reorder_quantity: Mapped[Decimal] = _qty()
    economic_order_quantity: Mapped[Decimal | None] = _qty()

    unit_cost: Mapped[Decimal | None] = _cost()
    average_wholesale_price: Mapped[Decimal | None] = _cost()

    is_active: Mapped[bool | None] = mapped_column(server_default=text("true"))
    last_counted_at: Mapped[dt.datetime | None]

    batches: Mapped[list[InventoryBatch]] = relationship(
        back_populates="item", lazy="raise", order_by="InventoryBatch.expiration_date"
    )


class InventoryBatch(UUIDPrimaryKey, CreatedAt, Versioned, Base):
    __tablename__ = "inventory_batches"
    __table_args__ = (
        Index("idx_inventory_batches_inventory_item_id", "inventory_item_id"),
        Index("idx_inventory_batches_expiration_date", "expiration_date"),
        CheckConstraint("quantity_remaining >= 0", name="ck_inventory_batches_remaining"),
        {"schema": SCHEMA},
    )

    inventory_item_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(_ITEM_FK))

    batch_number: Mapped[str] = mapped_column(String(50))
    expiration_date: Mapped[dt.date]

    quantity_received: Mapped[Decimal] = _qty()
    quantity_remaining: Mapped[Decimal] = _qty()

    unit_cost: Mapped[Decimal | None] = _cost()

    received_date: Mapped[dt.date]
    received_by: Mapped[uuid.UUID | None]

    status: Mapped[str | None] = mapped_column(String(20), server_default=text("'active'"))
    # added NOT NULL by revision 0002 (two fills from the same lot must not lose an update)
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"), nullable=False)

    item: Mapped[InventoryItem | None] = relationship(back_populates="batches", lazy="raise")


class Supplier(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "suppliers"
    __table_args__ = {"schema": SCHEMA}

    name: Mapped[str] = mapped_column(String(255))
    contact_name: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(255))
    address: Mapped[str | None] = mapped_column(Text)

    payment_terms: Mapped[str | None] = mapped_column(String(100))
    minimum_order_amount: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))

    is_active: Mapped[bool | None] = mapped_column(server_default=text("true"))


class PurchaseOrder(UUIDPrimaryKey, Timestamps, CreatedBy, Base):
    __tablename__ = "purchase_orders"
    __table_args__ = (
        Index("idx_purchase_orders_supplier_id", "supplier_id"),
        Index("idx_purchase_orders_status", "status"),
        {"schema": SCHEMA},
    )

    po_number: Mapped[str] = mapped_column(String(20), unique=True)
    supplier_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.suppliers.id"))

    order_date: Mapped[dt.date]
    expected_delivery_date: Mapped[dt.date | None]
    actual_delivery_date: Mapped[dt.date | None]

    status: Mapped[str] = mapped_column(String(20), server_default=text("'pending'"))

    subtotal: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    tax_amount: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    shipping_amount: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    total_amount: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))

    notes: Mapped[str | None] = mapped_column(Text)

    supplier: Mapped[Supplier | None] = relationship(lazy="raise")
    items: Mapped[list[PurchaseOrderItem]] = relationship(
        back_populates="purchase_order", lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )


class PurchaseOrderItem(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "purchase_order_items"
    __table_args__ = {"schema": SCHEMA}

    purchase_order_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(f"{SCHEMA}.purchase_orders.id", ondelete="CASCADE")
    )
    inventory_item_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(_ITEM_FK))

    ndc_code: Mapped[str] = mapped_column(String(12))
    medication_name: Mapped[str] = mapped_column(String(255))

    quantity_ordered: Mapped[Decimal] = _qty()
    quantity_received: Mapped[Decimal | None] = _qty(server_default=text("0"))

    unit_price: Mapped[Decimal] = _cost()
    total_price: Mapped[Decimal] = _qty()

    purchase_order: Mapped[PurchaseOrder | None] = relationship(back_populates="items", lazy="raise")


class InventoryTransaction(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "inventory_transactions"
    __table_args__ = (
        Index("idx_inventory_transactions_inventory_item_id", "inventory_item_id"),
        Index("idx_inventory_transactions_transaction_date", "transaction_date"),
        {"schema": SCHEMA},
    )

    inventory_item_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(_ITEM_FK))
    batch_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(_BATCH_FK))

    transaction_type: Mapped[str] = mapped_column(String(50))

    quantity_change: Mapped[Decimal] = _qty()
    quantity_before: Mapped[Decimal] = _qty()
    quantity_after: Mapped[Decimal] = _qty()

    reference_type: Mapped[str | None] = mapped_column(String(50))
    reference_id: Mapped[uuid.UUID | None]

    reason: Mapped[str | None] = mapped_column(Text)

    transaction_date: Mapped[dt.datetime | None] = mapped_column(server_default=text("CURRENT_TIMESTAMP"))
    performed_by: Mapped[uuid.UUID | None]


class StockAdjustment(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "stock_adjustments"
    __table_args__ = {"schema": SCHEMA}

    inventory_item_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(_ITEM_FK))
    batch_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(_BATCH_FK))

    adjustment_type: Mapped[str] = mapped_column(String(50))

    quantity_expected: Mapped[Decimal] = _qty()
    quantity_actual: Mapped[Decimal] = _qty()
    quantity_difference: Mapped[Decimal] = _qty()

    reason: Mapped[str] = mapped_column(Text)

    requires_approval: Mapped[bool | None] = mapped_column(server_default=text("true"))
    approved_by: Mapped[uuid.UUID | None]
    approved_at: Mapped[dt.datetime | None]

    adjustment_date: Mapped[dt.date]
    performed_by: Mapped[uuid.UUID | None]


# The materialized view of revisions 0001/0002: read-only and outside Base.metadata so that
# nothing ever tries to create it as a table.
inventory_summary = table(
    "inventory_summary",
    column("id", UUID(as_uuid=True)),
    column("ndc_code", String(12)),
    column("drug_name", String(255)),
    column("quantity_on_hand", Numeric(10, 2)),
    column("reorder_point", Numeric(10, 2)),
    column("batch_count", Integer),
    column("nearest_expiry", Date),
    schema=SCHEMA,
)


class StoreProduct(UUIDPrimaryKey, Timestamps, Base):
    """A front-store item sold by UPC at the counter (revision 0010): price, taxable, stock."""

    __tablename__ = "store_products"
    __table_args__ = (
        CheckConstraint("price >= 0", name="store_products_price_check"),
        CheckConstraint("quantity_on_hand >= 0", name="store_products_quantity_on_hand_check"),
        {"schema": SCHEMA},
    )

    upc: Mapped[str] = mapped_column(String(14), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    taxable: Mapped[bool] = mapped_column(server_default=text("true"))
    quantity_on_hand: Mapped[int] = mapped_column(server_default=text("0"))
    is_active: Mapped[bool] = mapped_column(server_default=text("true"))
