"""billing_schema at the point of sale: sales, tenders, voids, discounts and their uses.

Invoices and payments keep their own repository (billing.py); claims are in billing_claims.py.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import selectinload

from pharmacy_desktop.db.models.billing import (
    Discount,
    DiscountUse,
    Invoice,
    Sale,
    SaleTender,
    SaleVoid,
)
from pharmacy_desktop.db.repositories.base import Repository


class SalesRepository(Repository[Sale]):
    model = Sale
    label = "sale"

    def next_sale_number(self) -> str:
        """S000001, S000002, ... from a sequence shared by all workstations."""
        value: int = self.session.execute(text("SELECT nextval('billing_schema.sale_number_seq')")).scalar_one()
        return f"S{value:06d}"

    def lock_key(self, key: uuid.UUID) -> None:
        """Serialize the completions of one sale key until this transaction ends: a second
        workstation (or a retry) finishing the same sale waits, then finds the first one's sale."""
        self.session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(str(key), 13))))

    def by_idempotency_key(self, key: uuid.UUID) -> Sale | None:
        return self.session.scalars(select(Sale).where(Sale.idempotency_key == key)).first()

    def by_number(self, sale_number: str) -> Sale | None:
        return self.session.scalars(select(Sale).where(Sale.sale_number == sale_number)).first()

    def by_invoice_number(self, invoice_number: str) -> Sale | None:
        """The sale an invoice (prescription or front-store) belongs to; refunds find a sale by either number."""
        stmt = select(Sale).join(Invoice, Invoice.sale_id == Sale.id).where(Invoice.invoice_number == invoice_number)
        return self.session.scalars(stmt).first()

    def with_tenders(self, sale_id: uuid.UUID, *, for_update: bool = False) -> Sale | None:
        stmt = select(Sale).where(Sale.id == sale_id).options(selectinload(Sale.tenders))
        if for_update:
            stmt = stmt.with_for_update(of=Sale).execution_options(populate_existing=True)
        return self.session.scalars(stmt).first()

    def invoices_of(self, sale_id: uuid.UUID) -> list[Invoice]:
        """The sale's invoices with their items and payments, in invoice-number order."""
        stmt = (
            select(Invoice)
            .where(Invoice.sale_id == sale_id)
            .options(selectinload(Invoice.items), selectinload(Invoice.payments))
            .order_by(Invoice.invoice_number)
        )
        return list(self.session.scalars(stmt))

    def add_tender(self, tender: SaleTender) -> SaleTender:
        self.session.add(tender)
        self.flush()
        return tender

    def add_void(self, void: SaleVoid) -> SaleVoid:
        self.session.add(void)
        self.flush()
        return void

    # -- discounts -------------------------------------------------------------------------------

    def discount_by_code(self, code: str) -> Discount | None:
        """Codes are matched without regard to case ('spring10' finds 'SPRING10')."""
        return self.session.scalars(select(Discount).where(func.upper(Discount.code) == code.strip().upper())).first()

    def get_discount(self, discount_id: uuid.UUID) -> Discount | None:
        return self.session.get(Discount, discount_id)

    def take_discount_use(self, discount_id: uuid.UUID) -> bool:
        """Count one use atomically; False when the code is used up (two counters at once never pass
        ``max_uses``: the row lock of the UPDATE serializes them and the WHERE re-checks)."""
        stmt = (
            update(Discount)
            .where(
                Discount.id == discount_id,
                (Discount.max_uses.is_(None)) | (func.coalesce(Discount.times_used, 0) < Discount.max_uses),
            )
            .values(times_used=func.coalesce(Discount.times_used, 0) + 1)
            .returning(Discount.id)
        )
        return self.session.execute(stmt).first() is not None

    def patient_discount_uses(self, discount_id: uuid.UUID, patient_id: uuid.UUID) -> int:
        stmt = select(func.count()).where(DiscountUse.discount_id == discount_id, DiscountUse.patient_id == patient_id)
        return int(self.session.execute(stmt).scalar_one())

    def add_discount_use(self, use: DiscountUse) -> DiscountUse:
        self.session.add(use)
        self.flush()
        return use
