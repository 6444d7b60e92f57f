"""The sale as the refund screen shows it: found by its sale number or any of its invoice numbers,
with what can still be refunded (prescriptions not refunded yet, front-store units left)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from pharmacy_desktop.db.models.billing import Invoice, Sale
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain.money import ZERO
from pharmacy_desktop.domain.workflow import Permission
from pharmacy_desktop.errors import NotFound
from pharmacy_desktop.services import auth
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.refund_plan import is_store_invoice, store_draft


@dataclass(frozen=True)
class RefundRx:
    invoice_id: uuid.UUID
    invoice_number: str
    rx_number: str
    amount: Decimal  # what the patient paid for it
    refunded: bool


@dataclass(frozen=True)
class RefundItem:
    invoice_item_id: uuid.UUID
    invoice_number: str
    description: str
    unit_price: Decimal
    sold: int
    left: int  # units not refunded yet


@dataclass(frozen=True)
class RefundTender:
    seq: int
    method: str
    amount: Decimal
    card_last_four: str | None
    status: str


@dataclass(frozen=True)
class RefundableSale:
    sale_id: uuid.UUID
    sale_number: str
    status: str
    completed_at: dt.datetime
    patient_pay: Decimal
    refunded: Decimal  # given back so far
    prescriptions: tuple[RefundRx, ...]
    items: tuple[RefundItem, ...]
    tenders: tuple[RefundTender, ...]


# -- finding the sale -------------------------------------------------------------------------------


def find_sale(uow: UnitOfWork, number: str, *, lock: bool = False) -> tuple[Sale, list[Invoice]]:
    text = (number or "").strip().upper()
    found = (uow.sales.by_number(text) or uow.sales.by_invoice_number(text)) if text.isalnum() else None
    if found is None:
        shown = text if text.isalnum() and len(text) <= 20 else "typed"
        raise NotFound(f"No sale or invoice has the number {shown}. Check the number on the receipt.")
    sale = uow.sales.with_tenders(found.id, for_update=lock)
    assert sale is not None  # found a moment ago; sales are never deleted by the app
    return sale, uow.sales.invoices_of(sale.id)


def _rx_number(uow: UnitOfWork, invoice: Invoice) -> str:
    rx = uow.prescriptions.get(invoice.prescription_id) if invoice.prescription_id else None
    return rx.prescription_number if rx is not None else ""


def open_refund(uow_factory: UnitOfWorkFactory, actor: Actor, number: str) -> RefundableSale:
    """The sale (by sale or invoice number) with what can still be refunded."""
    with uow_factory(actor.user_id) as uow:
        auth.require(uow, actor, Permission.REFUND, doing="refund a sale")
        sale, invoices = find_sale(uow, number)
        prescriptions, items = [], []
        for invoice in invoices:
            if not is_store_invoice(invoice):
                prescriptions.append(
                    RefundRx(
                        invoice.id,
                        invoice.invoice_number,
                        _rx_number(uow, invoice),
                        Decimal(invoice.patient_copay),
                        invoice.status == "cancelled",
                    )
                )
                continue
            draft, rows = store_draft(uow, invoice)
            # units refunded per product, counted off its sold lines in order (a UPC scanned twice is two lines)
            back: dict[object, Decimal] = {}
            for line in draft.lines:
                if line.item_type == "refund":
                    back[line.product_id] = back.get(line.product_id, ZERO) - line.quantity
            for row, line in zip(rows, draft.lines, strict=True):
                if line.item_type != "front_store":
                    continue
                taken = min(line.quantity, back.get(line.product_id, ZERO))
                back[line.product_id] = back.get(line.product_id, ZERO) - taken
                items.append(
                    RefundItem(
                        row.id,
                        invoice.invoice_number,
                        line.description,
                        line.unit_price,
                        int(line.quantity),
                        int(line.quantity - taken),
                    )
                )
        refunded = sum((p.amount for i in invoices for p in i.payments if p.status == "refunded"), ZERO)
        tenders = tuple(RefundTender(t.seq, t.method, t.amount, t.card_last_four, t.status) for t in sale.tenders)
        return RefundableSale(
            sale.id,
            sale.sale_number,
            sale.status,
            sale.completed_at,
            sale.patient_pay,
            refunded,
            tuple(prescriptions),
            tuple(items),
            tenders,
        )
