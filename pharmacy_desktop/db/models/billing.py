"""billing_schema: invoices, payments, insurance claims, pricing rules, discounts."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pharmacy_desktop.db.base import Base, CreatedAt, CreatedBy, Timestamps, UUIDPrimaryKey

SCHEMA = "billing_schema"
_INVOICE_FK = f"{SCHEMA}.invoices.id"


def _money(**kwargs: Any) -> Any:
    return mapped_column(Numeric(10, 2), **kwargs)


def _rate(**kwargs: Any) -> Any:
    return mapped_column(Numeric(10, 4), **kwargs)


class Invoice(UUIDPrimaryKey, Timestamps, CreatedBy, Base):
    __tablename__ = "invoices"
    __table_args__ = (
        Index("idx_invoices_prescription_id", "prescription_id"),
        Index("idx_invoices_patient_id", "patient_id"),
        Index("idx_invoices_status", "status"),
        {"schema": SCHEMA},
    )

    invoice_number: Mapped[str] = mapped_column(String(20), unique=True)
    prescription_id: Mapped[uuid.UUID]  # prescription_schema (no cross-schema key)
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
    __table_args__ = {"schema": SCHEMA}

    invoice_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(_INVOICE_FK, ondelete="CASCADE"))
    prescription_item_id: Mapped[uuid.UUID | None]  # prescription_schema (no cross-schema key)

    item_type: Mapped[str] = mapped_column(String(50))
    description: Mapped[str] = mapped_column(Text)

    quantity: Mapped[Decimal | None] = _money(server_default=text("1"))
    unit_price: Mapped[Decimal] = _rate()
    total_price: Mapped[Decimal] = _money()

    ndc_code: Mapped[str | None] = mapped_column(String(12))

    invoice: Mapped[Invoice | None] = relationship(back_populates="items", lazy="raise")


class Payment(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "payments"
    __table_args__ = (Index("idx_payments_invoice_id", "invoice_id"), {"schema": SCHEMA})

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

    invoice: Mapped[Invoice | None] = relationship(back_populates="payments", lazy="raise")


class InsuranceClaim(UUIDPrimaryKey, Timestamps, CreatedBy, Base):
    __tablename__ = "insurance_claims"
    __table_args__ = (
        Index("idx_insurance_claims_prescription_id", "prescription_id"),
        Index("idx_insurance_claims_status", "status"),
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


class PricingRule(UUIDPrimaryKey, CreatedAt, CreatedBy, Base):
    __tablename__ = "pricing_rules"
    __table_args__ = (
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
    __table_args__ = {"schema": SCHEMA}

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
