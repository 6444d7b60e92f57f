"""billing_schema: invoices, payments, insurance claims, pricing rules, discounts."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, SmallInteger, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pharmacy_desktop.db.base import Base, CreatedAt, CreatedBy, Timestamps, UUIDPrimaryKey

SCHEMA = "billing_schema"
_INVOICE_FK = f"{SCHEMA}.invoices.id"
_SALE_FK = f"{SCHEMA}.sales.id"


def _money(**kwargs: Any) -> Any:
    return mapped_column(Numeric(10, 2), **kwargs)


def _rate(**kwargs: Any) -> Any:
    return mapped_column(Numeric(10, 4), **kwargs)


class Invoice(UUIDPrimaryKey, Timestamps, CreatedBy, Base):
    __tablename__ = "invoices"
    __table_args__ = (
        CheckConstraint("prescription_id IS NOT NULL OR sale_id IS NOT NULL", name="ck_invoices_owner"),
        CheckConstraint(
            "status IN ('pending', 'partially_paid', 'paid', 'overdue', 'cancelled')", name="ck_invoices_status"
        ),
        CheckConstraint(
            "total_amount = subtotal + tax_amount - discount_amount AND patient_copay = total_amount - insurance_payment AND the amounts >= 0",
            name="ck_invoices_amounts",
        ),
        Index("idx_invoices_prescription_id", "prescription_id"),
        Index("idx_invoices_patient_id", "patient_id"),
        Index("idx_invoices_status", "status"),
        Index("idx_invoices_sale_id", "sale_id"),
        # revision 0010: one live invoice per fill
        Index(
            "uq_invoices_live_fill",
            "prescription_refill_id",
            unique=True,
            postgresql_where=text("status <> 'cancelled'"),
        ),
        {"schema": SCHEMA},
    )

    invoice_number: Mapped[str] = mapped_column(String(20), unique=True)
    # NULL for a sale's front-store invoice (revision 0010); prescription_schema (no cross-schema key)
    prescription_id: Mapped[uuid.UUID | None]
    prescription_refill_id: Mapped[uuid.UUID | None]  # the fill this invoice charges for
    sale_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(_SALE_FK))
    patient_id: Mapped[uuid.UUID]  # patient_schema (no cross-schema key)

    invoice_date: Mapped[dt.date]
    due_date: Mapped[dt.date | None]

    subtotal: Mapped[Decimal] = _money()
    tax_amount: Mapped[Decimal | None] = _money(server_default=text("0"))
    discount_amount: Mapped[Decimal | None] = _money(server_default=text("0"))
    insurance_payment: Mapped[Decimal | None] = _money(server_default=text("0"))
    patient_copay: Mapped[Decimal] = _money()
    total_amount: Mapped[Decimal] = _money()

    status: Mapped[str] = mapped_column(String(20), server_default=text("'pending'"))

    notes: Mapped[str | None] = mapped_column(Text)

    items: Mapped[list[InvoiceItem]] = relationship(
        back_populates="invoice", lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )
    payments: Mapped[list[Payment]] = relationship(back_populates="invoice", lazy="raise")


class InvoiceItem(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "invoice_items"
    __table_args__ = (
        CheckConstraint(
            "item_type IN ('medication', 'dispensing_fee', 'front_store', 'tax', 'refund', 'copay')",
            name="ck_invoice_items_type",
        ),
        {"schema": SCHEMA},
    )

    invoice_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(_INVOICE_FK, ondelete="CASCADE"))
    prescription_item_id: Mapped[uuid.UUID | None]  # prescription_schema (no cross-schema key)

    item_type: Mapped[str] = mapped_column(String(50))
    description: Mapped[str] = mapped_column(Text)

    quantity: Mapped[Decimal | None] = _money(server_default=text("1"))
    unit_price: Mapped[Decimal] = _rate()
    total_price: Mapped[Decimal] = _money()

    ndc_code: Mapped[str | None] = mapped_column(String(12))
    store_product_id: Mapped[uuid.UUID | None]  # inventory_schema.store_products

    invoice: Mapped[Invoice | None] = relationship(back_populates="items", lazy="raise")


class Payment(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'completed', 'failed', 'refunded')", name="ck_payments_status"),
        CheckConstraint("(status = 'refunded') = (refund_of IS NOT NULL)", name="ck_payments_refund"),
        CheckConstraint(
            "payment_method IN ('cash', 'credit_card', 'debit_card', 'check', 'insurance')", name="ck_payments_method"
        ),
        CheckConstraint("amount >= 0", name="ck_payments_amount"),
        Index("idx_payments_invoice_id", "invoice_id"),
        Index("idx_payments_sale_tender_id", "sale_tender_id"),
        {"schema": SCHEMA},
    )

    payment_number: Mapped[str] = mapped_column(String(20), unique=True)
    invoice_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(_INVOICE_FK))
    patient_id: Mapped[uuid.UUID]

    payment_date: Mapped[dt.date]
    payment_method: Mapped[str] = mapped_column(String(50))

    amount: Mapped[Decimal] = _money()

    transaction_id: Mapped[str | None] = mapped_column(String(100))
    card_last_four: Mapped[str | None] = mapped_column(String(4))
    check_number: Mapped[str | None] = mapped_column(String(20))

    status: Mapped[str] = mapped_column(String(20), server_default=text("'completed'"))

    notes: Mapped[str | None] = mapped_column(Text)

    processed_by: Mapped[uuid.UUID | None]
    # revision 0010: the tender this payment is a share of; a refund row points at what it refunds
    sale_tender_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.sale_tenders.id"))
    refund_of: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.payments.id"))
    reason: Mapped[str | None] = mapped_column(Text)

    invoice: Mapped[Invoice | None] = relationship(back_populates="payments", lazy="raise")


class InsuranceClaim(UUIDPrimaryKey, Timestamps, CreatedBy, Base):
    __tablename__ = "insurance_claims"
    __table_args__ = (
        CheckConstraint(
            "status IN ('submitted', 'pending', 'approved', 'partially_approved', 'rejected', 'appealed', 'reversed', 'failed')",
            name="ck_insurance_claims_status",
        ),
        CheckConstraint("payer_sequence IN (1, 2)", name="insurance_claims_payer_sequence_check"),
        Index("idx_insurance_claims_prescription_id", "prescription_id"),
        Index("idx_insurance_claims_status", "status"),
        Index("idx_insurance_claims_refill", "prescription_refill_id"),
        {"schema": SCHEMA},
    )

    claim_number: Mapped[str] = mapped_column(String(50), unique=True)
    prescription_id: Mapped[uuid.UUID]
    patient_insurance_id: Mapped[uuid.UUID]  # patient_schema.patient_insurance

    submission_date: Mapped[dt.date]

    submitted_amount: Mapped[Decimal] = _money()
    approved_amount: Mapped[Decimal | None] = _money()
    patient_responsibility: Mapped[Decimal | None] = _money()

    status: Mapped[str] = mapped_column(String(50), server_default=text("'submitted'"))

    rejection_code: Mapped[str | None] = mapped_column(String(20))
    rejection_reason: Mapped[str | None] = mapped_column(Text)

    response_date: Mapped[dt.date | None]
    payment_date: Mapped[dt.date | None]

    external_claim_id: Mapped[str | None] = mapped_column(String(100))

    notes: Mapped[str | None] = mapped_column(Text)

    # revision 0010: the NCPDP D.0 request as submitted, the payer's place, reversal
    prescription_refill_id: Mapped[uuid.UUID | None]
    payer_sequence: Mapped[int] = mapped_column(SmallInteger, server_default=text("1"))
    bin_number: Mapped[str | None] = mapped_column(String(6))
    pcn: Mapped[str | None] = mapped_column(String(20))
    group_number: Mapped[str | None] = mapped_column(String(100))
    member_id: Mapped[str | None] = mapped_column(String(100))
    person_code: Mapped[str | None] = mapped_column(String(3))
    ndc: Mapped[str | None] = mapped_column(String(11))
    quantity: Mapped[Decimal | None] = mapped_column(Numeric(10, 3))
    days_supply: Mapped[int | None]
    daw: Mapped[str | None] = mapped_column(String(1))
    ingredient_cost: Mapped[Decimal | None] = _money()
    dispensing_fee: Mapped[Decimal | None] = _money()
    usual_and_customary: Mapped[Decimal | None] = _money()
    other_payer_amount: Mapped[Decimal | None] = _money()
    reject_codes: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    reversed_at: Mapped[dt.datetime | None]
    reversal_reason: Mapped[str | None] = mapped_column(Text)


class PricingRule(UUIDPrimaryKey, CreatedAt, CreatedBy, Base):
    __tablename__ = "pricing_rules"
    __table_args__ = (
        CheckConstraint(
            "pricing_method IN ('fixed_price', 'percentage_discount', 'awp_minus_percentage')",
            name="ck_pricing_rules_method",
        ),
        Index("idx_pricing_rules_effective_expiration", "effective_date", "expiration_date"),
        {"schema": SCHEMA},
    )

    rule_name: Mapped[str] = mapped_column(String(255))
    rule_type: Mapped[str] = mapped_column(String(50))

    conditions: Mapped[dict[str, Any]] = mapped_column(JSONB)

    pricing_method: Mapped[str] = mapped_column(String(50))
    pricing_value: Mapped[Decimal] = _rate()

    priority: Mapped[int | None] = mapped_column(server_default=text("0"))

    effective_date: Mapped[dt.date]
    expiration_date: Mapped[dt.date | None]

    is_active: Mapped[bool | None] = mapped_column(server_default=text("true"))


class Discount(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "discounts"
    __table_args__ = (
        CheckConstraint(
            "times_used >= 0 AND (max_uses IS NULL OR times_used <= max_uses)", name="ck_discounts_times_used"
        ),
        CheckConstraint("discount_type IN ('percentage', 'fixed_amount', 'free_item')", name="ck_discounts_type"),
        CheckConstraint("discount_value >= 0", name="ck_discounts_value"),
        {"schema": SCHEMA},
    )

    code: Mapped[str] = mapped_column(String(50), unique=True)
    description: Mapped[str] = mapped_column(Text)

    discount_type: Mapped[str] = mapped_column(String(50))
    discount_value: Mapped[Decimal] = _rate()

    max_uses: Mapped[int | None]
    times_used: Mapped[int | None] = mapped_column(server_default=text("0"))
    max_uses_per_patient: Mapped[int | None] = mapped_column(server_default=text("1"))

    minimum_purchase_amount: Mapped[Decimal | None] = _money()
    # a list of medication ids or classes, so not a dict
    applicable_medications: Mapped[Any | None] = mapped_column(JSONB)

    effective_date: Mapped[dt.date]
    expiration_date: Mapped[dt.date]

    is_active: Mapped[bool | None] = mapped_column(server_default=text("true"))


# -- revision 0010: the point of sale ----------------------------------------------------------------


class Sale(UUIDPrimaryKey, Base):
    """One completed sale at the counter; its invoices (one per fill, one front-store) hang off it."""

    __tablename__ = "sales"
    __table_args__ = (
        CheckConstraint("discount_amount >= 0", name="sales_discount_amount_check"),
        CheckConstraint("subtotal >= 0", name="sales_subtotal_check"),
        CheckConstraint("tax_amount >= 0", name="sales_tax_amount_check"),
        CheckConstraint("change_due >= 0", name="sales_change_due_check"),
        CheckConstraint("patient_pay >= 0", name="sales_patient_pay_check"),
        CheckConstraint("total_amount >= 0", name="sales_total_amount_check"),
        CheckConstraint("insurance_payment >= 0", name="sales_insurance_payment_check"),
        CheckConstraint("status IN ('completed', 'partially_refunded', 'refunded')", name="sales_status_check"),
        CheckConstraint("tax_rate >= 0 AND tax_rate < 1", name="sales_tax_rate_check"),
        Index("idx_sales_business_date", "business_date", "workstation"),
        Index("idx_sales_patient_id", "patient_id"),
        {"schema": SCHEMA},
    )

    sale_number: Mapped[str] = mapped_column(String(20), unique=True)
    idempotency_key: Mapped[uuid.UUID] = mapped_column(unique=True)
    patient_id: Mapped[uuid.UUID]
    status: Mapped[str] = mapped_column(String(20), server_default=text("'completed'"))
    workstation: Mapped[str] = mapped_column(String(100))
    cashier_id: Mapped[uuid.UUID | None]
    business_date: Mapped[dt.date]
    completed_at: Mapped[dt.datetime] = mapped_column(server_default=text("CURRENT_TIMESTAMP"))
    subtotal: Mapped[Decimal] = _money()
    tax_amount: Mapped[Decimal] = _money(server_default=text("0"))
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(6, 5), server_default=text("0"))  # refunds use it
    discount_amount: Mapped[Decimal] = _money(server_default=text("0"))
    insurance_payment: Mapped[Decimal] = _money(server_default=text("0"))
    total_amount: Mapped[Decimal] = _money()
    patient_pay: Mapped[Decimal] = _money()
    cash_tendered: Mapped[Decimal | None] = _money()
    change_due: Mapped[Decimal] = _money(server_default=text("0"))
    discount_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.discounts.id"))
    receipt_job_id: Mapped[uuid.UUID | None]  # notification_schema.print_jobs
    created_at: Mapped[dt.datetime | None] = mapped_column(server_default=text("CURRENT_TIMESTAMP"))

    tenders: Mapped[list[SaleTender]] = relationship(back_populates="sale", lazy="raise", order_by="SaleTender.seq")


class SaleTender(UUIDPrimaryKey, CreatedAt, Base):
    """One way the patient paid (cash given and change, a card's last four and terminal id, a check)."""

    __tablename__ = "sale_tenders"
    __table_args__ = (
        CheckConstraint("change_due >= 0", name="sale_tenders_change_due_check"),
        CheckConstraint("method IN ('cash', 'credit_card', 'debit_card', 'check')", name="sale_tenders_method_check"),
        CheckConstraint("amount >= 0", name="sale_tenders_amount_check"),
        CheckConstraint("status IN ('approved', 'partially_refunded', 'refunded')", name="sale_tenders_status_check"),
        CheckConstraint("card_last_four ~ '^[0-9]{4}$'", name="sale_tenders_card_last_four_check"),
        UniqueConstraint("sale_id", "seq", name="uq_sale_tenders_seq"),
        {"schema": SCHEMA},
    )

    sale_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(_SALE_FK))
    seq: Mapped[int] = mapped_column(SmallInteger)
    method: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = _money()
    cash_tendered: Mapped[Decimal | None] = _money()
    change_due: Mapped[Decimal] = _money(server_default=text("0"))
    card_last_four: Mapped[str | None] = mapped_column(String(4))
    transaction_id: Mapped[str | None] = mapped_column(String(100))
    auth_code: Mapped[str | None] = mapped_column(String(20))
    check_number: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), server_default=text("'approved'"))

    sale: Mapped[Sale] = relationship(back_populates="tenders", lazy="raise")


class SaleVoid(UUIDPrimaryKey, Base):
    """A line or a whole cart voided before the sale completed (for the Z report)."""

    __tablename__ = "sale_voids"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="sale_voids_amount_check"),
        CheckConstraint("kind IN ('line', 'sale')", name="sale_voids_kind_check"),
        Index("idx_sale_voids_business_date", "business_date", "workstation"),
        {"schema": SCHEMA},
    )

    sale_key: Mapped[uuid.UUID]
    kind: Mapped[str] = mapped_column(String(10))
    description: Mapped[str] = mapped_column(Text)
    amount: Mapped[Decimal] = _money(server_default=text("0"))
    reason: Mapped[str] = mapped_column(Text)
    workstation: Mapped[str] = mapped_column(String(100))
    business_date: Mapped[dt.date]
    voided_by: Mapped[uuid.UUID | None]
    voided_at: Mapped[dt.datetime] = mapped_column(server_default=text("CURRENT_TIMESTAMP"))


class DrawerClose(UUIDPrimaryKey, Base):
    """The day-end count of one workstation's drawer: expected, counted and variance per tender."""

    __tablename__ = "drawer_closes"
    __table_args__ = (
        CheckConstraint("opening_float >= 0", name="drawer_closes_opening_float_check"),
        UniqueConstraint("business_date", "workstation", name="uq_drawer_closes_day"),
        {"schema": SCHEMA},
    )

    business_date: Mapped[dt.date]
    workstation: Mapped[str] = mapped_column(String(100))
    opening_float: Mapped[Decimal] = _money(server_default=text("0"))
    expected: Mapped[dict[str, Any]] = mapped_column(JSONB)
    counted: Mapped[dict[str, Any]] = mapped_column(JSONB)
    variance: Mapped[dict[str, Any]] = mapped_column(JSONB)
    notes: Mapped[str | None] = mapped_column(Text)
    closed_by: Mapped[uuid.UUID | None]
    closed_at: Mapped[dt.datetime] = mapped_column(server_default=text("CURRENT_TIMESTAMP"))


class DiscountUse(UUIDPrimaryKey, Base):
    """One use of a discount code in a sale (the per-patient limit counts these)."""

    __tablename__ = "discount_uses"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="discount_uses_amount_check"),
        Index("idx_discount_uses_patient", "discount_id", "patient_id"),
        {"schema": SCHEMA},
    )

    discount_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.discounts.id"))
    sale_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(_SALE_FK))
    patient_id: Mapped[uuid.UUID]
    amount: Mapped[Decimal] = _money()
    used_at: Mapped[dt.datetime] = mapped_column(server_default=text("CURRENT_TIMESTAMP"))
