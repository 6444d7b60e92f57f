"""Invoices and payments."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import func, select, text
from sqlalchemy.orm import selectinload

from pharmacy_desktop.db.base import ACTOR_KEY
from pharmacy_desktop.db.models.billing import Invoice, InvoiceItem, Payment
from pharmacy_desktop.db.repositories.base import Repository


class BillingRepository(Repository[Invoice]):
    model = Invoice
    label = "invoice"

    def get_with_items(self, invoice_id: uuid.UUID) -> Invoice | None:
        stmt = (
            select(Invoice)
            .where(Invoice.id == invoice_id)
            .options(selectinload(Invoice.items), selectinload(Invoice.payments))
        )
        return self.session.scalars(stmt).first()

    def invoices_for_patient(
        self, patient_id: uuid.UUID, statuses: Iterable[str] | None = None, *, limit: int = 200
    ) -> list[Invoice]:
        """Newest first, items loaded."""
        stmt = (
            select(Invoice)
            .where(Invoice.patient_id == patient_id)
            .options(selectinload(Invoice.items))
            .order_by(Invoice.invoice_date.desc(), Invoice.invoice_number.desc())
            .limit(limit)
        )
        if statuses is not None:
            stmt = stmt.where(Invoice.status.in_(list(statuses)))
        return list(self.session.scalars(stmt))

    def invoices_for_prescription(self, prescription_id: uuid.UUID) -> list[Invoice]:
        stmt = select(Invoice).where(Invoice.prescription_id == prescription_id).order_by(Invoice.invoice_number)
        return list(self.session.scalars(stmt))

    def next_invoice_number(self) -> str:
        """Invoice numbers INV000001, INV000002, ... from a sequence shared by all workstations."""
        return f"INV{self._next('invoice_number_seq'):06d}"

    def next_payment_number(self) -> str:
        return f"PAY{self._next('payment_number_seq'):06d}"

    def add_payment(
        self,
        invoice: Invoice,
        amount: Decimal,
        payment_method: str,
        *,
        payment_date: dt.date | None = None,
        card_last_four: str | None = None,
        transaction_id: str | None = None,
        check_number: str | None = None,
        status: str = "completed",
        notes: str | None = None,
    ) -> Payment:
        """A numbered payment against the invoice, processed by the unit of work's actor. The
        invoice's status is the service's business."""
        payment = Payment(
            payment_number=self.next_payment_number(),
            invoice_id=invoice.id,
            patient_id=invoice.patient_id,
            payment_date=payment_date or dt.date.today(),
            payment_method=payment_method,
            amount=amount,
            card_last_four=card_last_four,
            transaction_id=transaction_id,
            check_number=check_number,
            status=status,
            notes=notes,
            processed_by=self.session.info.get(ACTOR_KEY),
        )
        self.session.add(payment)
        self.flush()
        return payment

    def add_refund(
        self,
        original: Payment,
        amount: Decimal,
        payment_method: str,
        *,
        reason: str,
        transaction_id: str | None = None,
        card_last_four: str | None = None,
    ) -> Payment:
        """A refund row (status 'refunded', amount > 0) giving back part or all of ``original``: same invoice,
        patient and tender; ``payment_method`` is how the money went back (a check comes back as cash).
        ``processed_by`` is the unit of work's actor: who made the refund."""
        payment = Payment(
            payment_number=self.next_payment_number(),
            invoice_id=original.invoice_id,
            patient_id=original.patient_id,
            payment_date=dt.date.today(),
            payment_method=payment_method,
            amount=amount,
            card_last_four=card_last_four,
            transaction_id=transaction_id,
            status="refunded",
            processed_by=self.session.info.get(ACTOR_KEY),
            sale_tender_id=original.sale_tender_id,
            refund_of=original.id,
            reason=reason,
        )
        self.session.add(payment)
        self.flush()
        return payment

    def add_item(self, item: InvoiceItem) -> InvoiceItem:
        """One more line on an invoice (a refund line, a negative tax line)."""
        self.session.add(item)
        self.flush()
        return item

    def amount_paid(self, invoice_id: uuid.UUID) -> Decimal:
        """Sum of the invoice's completed payments."""
        stmt = select(func.coalesce(func.sum(Payment.amount), 0)).where(
            Payment.invoice_id == invoice_id, Payment.status == "completed"
        )
        return Decimal(self.session.execute(stmt).scalar_one())

    def _next(self, sequence: str) -> int:
        value: int = self.session.execute(text(f"SELECT nextval('billing_schema.{sequence}')")).scalar_one()
        return value
