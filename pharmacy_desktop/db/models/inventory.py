"""inventory_schema: stock items and lots, suppliers, purchase orders, stock movements."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    column,
    table,
    text,
)
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
    par_level: Mapped[Decimal | None] = _qty()  # revision 0011: order up to this level

    batches: Mapped[list[InventoryBatch]] = relationship(
        back_populates="item", lazy="raise", order_by="InventoryBatch.expiration_date"
    )


class InventoryBatch(UUIDPrimaryKey, CreatedAt, Versioned, Base):
    __tablename__ = "inventory_batches"
    __table_args__ = (
        Index("idx_inventory_batches_inventory_item_id", "inventory_item_id"),
        Index("idx_inventory_batches_expiration_date", "expiration_date"),
        CheckConstraint("quantity_remaining >= 0", name="ck_inventory_batches_remaining"),
        Index("idx_inventory_batches_lot", "batch_number"),
        CheckConstraint(
            "status IN ('active', 'expired', 'recalled', 'returned', 'destroyed')", name="ck_inventory_batches_status"
        ),
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
    # revision 0011: quarantine (status 'expired' or 'recalled'), where the lot came from
    quarantined_at: Mapped[dt.datetime | None]
    recall_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.recalls.id"))
    gtin: Mapped[str | None] = mapped_column(String(14))
    purchase_order_item_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.purchase_order_items.id"))

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
    dea_number: Mapped[str | None] = mapped_column(String(9))  # revision 0011
    account_number: Mapped[str | None] = mapped_column(String(50))


class PurchaseOrder(UUIDPrimaryKey, Timestamps, CreatedBy, Base):
    __tablename__ = "purchase_orders"
    __table_args__ = (
        Index("idx_purchase_orders_supplier_id", "supplier_id"),
        Index("idx_purchase_orders_status", "status"),
        CheckConstraint(
            "status IN ('pending', 'sent', 'partially_received', 'received', 'cancelled')",
            name="ck_purchase_orders_status",
        ),
        CheckConstraint(
            "NOT is_schedule_ii OR status IN ('pending', 'cancelled') OR dea_order_number IS NOT NULL",
            name="ck_purchase_orders_c2_form",
        ),
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
    # revision 0011: a Schedule II order carries its DEA Form 222 / CSOS order number once sent
    is_schedule_ii: Mapped[bool] = mapped_column(server_default=text("false"))
    dea_order_number: Mapped[str | None] = mapped_column(String(20))
    sent_at: Mapped[dt.datetime | None]
    sent_by: Mapped[uuid.UUID | None]

    supplier: Mapped[Supplier | None] = relationship(lazy="raise")
    items: Mapped[list[PurchaseOrderItem]] = relationship(
        back_populates="purchase_order", lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )


class PurchaseOrderItem(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "purchase_order_items"
    __table_args__ = (
        CheckConstraint(
            "quantity_received >= 0 AND quantity_received <= quantity_ordered", name="ck_purchase_order_items_received"
        ),
        CheckConstraint("quantity_ordered > 0", name="ck_purchase_order_items_ordered"),
        {"schema": SCHEMA},
    )

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
        Index("uq_inventory_transactions_item_seq", "inventory_item_id", "seq", unique=True),
        Index("idx_inventory_transactions_reference", "reference_type", "reference_id"),
        CheckConstraint(
            "transaction_type IN ('receipt', 'dispensed', 'adjustment', 'return', 'expired', 'damaged', 'transfer')",
            name="ck_inventory_transactions_type",
        ),
        CheckConstraint(
            "quantity_after = quantity_before + quantity_change", name="ck_inventory_transactions_arithmetic"
        ),
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
    # revision 0011: the ledger's total order (ties on transaction_date cannot reorder it)
    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=True))


class StockAdjustment(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "stock_adjustments"
    __table_args__ = (
        Index("idx_stock_adjustments_status", "status"),
        CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="stock_adjustments_status_check"),
        CheckConstraint("dea_form IN ('106', '41')", name="stock_adjustments_dea_form_check"),
        CheckConstraint(
            "adjustment_type IN ('physical_count', 'damage', 'theft', 'loss', 'expiry', 'return_to_supplier', "
            "'destruction', 'system_error')",
            name="ck_stock_adjustments_type",
        ),
        CheckConstraint(
            "quantity_difference = quantity_actual - quantity_expected", name="ck_stock_adjustments_difference"
        ),
        CheckConstraint(
            "approved_by IS NULL OR performed_by IS NULL OR approved_by <> performed_by",
            name="ck_stock_adjustments_four_eyes",
        ),
        {"schema": SCHEMA},
    )

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

    # revision 0011: pending until someone else approves (stock changes only then)
    status: Mapped[str] = mapped_column(String(20), server_default=text("'pending'"))
    is_controlled: Mapped[bool] = mapped_column(server_default=text("false"))
    value_difference: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    decided_by: Mapped[uuid.UUID | None]
    decided_at: Mapped[dt.datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)
    count_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.inventory_counts.id"))
    transaction_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.inventory_transactions.id"))
    dea_form: Mapped[str | None] = mapped_column(String(3))


# The materialized view of revisions 0001/0002: read-only and outside Base.metadata so that
# nothing ever tries to create it as a table.
inventory_summary = table(
    "inventory_summary",
    column("id", UUID(as_uuid=True)),
    column("ndc_code", String(12)),
    column("drug_name", String(255)),
    column("strength", String(50)),
    column("dosage_form", String(100)),
    column("dea_schedule", String(5)),
    column("quantity_on_hand", Numeric(10, 2)),
    column("quantity_unit", String(20)),
    column("reorder_point", Numeric(10, 2)),
    column("reorder_quantity", Numeric(10, 2)),
    column("par_level", Numeric(10, 2)),
    column("bin_location", String(50)),
    column("requires_refrigeration", Boolean),
    column("unit_cost", Numeric(10, 4)),
    column("average_wholesale_price", Numeric(10, 4)),
    column("last_counted_at", DateTime(timezone=True)),
    column("batch_count", Integer),
    column("nearest_expiry", Date),
    column("quarantined_quantity", Numeric(10, 2)),
    schema=SCHEMA,
)  # revision 0011 redefined it: what the inventory screen lists


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


# -- revision 0011 -----------------------------------------------------------------------------------


class Recall(UUIDPrimaryKey, Base):
    """A manufacturer's recall of one lot of one NDC; the batches it quarantined point at it."""

    __tablename__ = "recalls"
    __table_args__ = (
        UniqueConstraint("ndc_code", "lot_number", name="uq_recalls_lot"),
        CheckConstraint("recall_class IN ('I', 'II', 'III')", name="recalls_recall_class_check"),
        {"schema": SCHEMA},
    )

    ndc_code: Mapped[str] = mapped_column(String(12))
    lot_number: Mapped[str] = mapped_column(String(50))
    reason: Mapped[str] = mapped_column(Text)
    recall_class: Mapped[str | None] = mapped_column(String(3))
    initiated_by: Mapped[uuid.UUID | None]
    initiated_at: Mapped[dt.datetime] = mapped_column(server_default=text("CURRENT_TIMESTAMP"))


class InventoryCount(UUIDPrimaryKey, Base):
    """A cycle count of a shelf or a list of items, by scanning; blind hides the expected quantity."""

    __tablename__ = "inventory_counts"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'submitted', 'closed', 'cancelled')", name="inventory_counts_status_check"),
        {"schema": SCHEMA},
    )

    count_number: Mapped[str] = mapped_column(String(20), unique=True)
    scope: Mapped[str] = mapped_column(Text)
    is_blind: Mapped[bool] = mapped_column(server_default=text("true"))
    status: Mapped[str] = mapped_column(String(20), server_default=text("'open'"))
    created_by: Mapped[uuid.UUID | None]
    created_at: Mapped[dt.datetime] = mapped_column(server_default=text("CURRENT_TIMESTAMP"))
    submitted_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]

    lines: Mapped[list[InventoryCountLine]] = relationship(
        back_populates="count", lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )


class InventoryCountLine(UUIDPrimaryKey, Base):
    __tablename__ = "inventory_count_lines"
    __table_args__ = (
        UniqueConstraint("count_id", "inventory_item_id", name="uq_inventory_count_lines_item"),
        CheckConstraint("counted_quantity >= 0", name="inventory_count_lines_counted_quantity_check"),
        {"schema": SCHEMA},
    )

    count_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.inventory_counts.id", ondelete="CASCADE"))
    inventory_item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(_ITEM_FK))
    expected_quantity: Mapped[Decimal] = _qty()
    counted_quantity: Mapped[Decimal | None] = _qty()
    counted_by: Mapped[uuid.UUID | None]
    counted_at: Mapped[dt.datetime | None]

    count: Mapped[InventoryCount] = relationship(back_populates="lines", lazy="raise")


class ReceivedPackage(UUIDPrimaryKey, Base):
    """One package scanned in at receiving: its GTIN and serial (received once), lot and expiry."""

    __tablename__ = "received_packages"
    __table_args__ = (
        Index(
            "uq_received_packages_serial",
            "gtin",
            "serial_number",
            unique=True,
            postgresql_where=text("serial_number IS NOT NULL"),
        ),
        CheckConstraint("quantity > 0", name="received_packages_quantity_check"),
        {"schema": SCHEMA},
    )

    purchase_order_item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.purchase_order_items.id"))
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(_BATCH_FK))
    gtin: Mapped[str] = mapped_column(String(14))
    serial_number: Mapped[str | None] = mapped_column(String(50))
    lot_number: Mapped[str] = mapped_column(String(50))
    expiration_date: Mapped[dt.date]
    quantity: Mapped[Decimal] = _qty()
    received_by: Mapped[uuid.UUID | None]
    received_at: Mapped[dt.datetime] = mapped_column(server_default=text("CURRENT_TIMESTAMP"))
