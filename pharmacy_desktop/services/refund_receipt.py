"""The refund receipt: what was given back and how, through the durable print queue.

It is a ``ReceiptData`` like a sale's (``printing/documents.py``), numbered ``<sale number>-R<n>``
(the n-th refund of the sale), its amounts what went back: prescription lines at what the patient
had paid for them, front-store lines at their refunded price, the discount given up and the tax
returned in the totals. Its tenders are the money given back (cash, or the card's last four), so a
cash refund opens the drawer as a cash sale does.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

from pharmacy_desktop.db.models.billing import Invoice, Sale
from pharmacy_desktop.db.unit_of_work import UnitOfWork
from pharmacy_desktop.domain.money import ZERO, format_money
from pharmacy_desktop.printing.documents import ReceiptData, ReceiptLine, ReceiptTender
from pharmacy_desktop.services import labels, print_enqueue
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.printer_settings import PrinterSettings
from pharmacy_desktop.services.refund_plan import CARD_METHODS, RefundPlan

REFERENCE_TYPE = "sale_refund"  # print_jobs.reference_type of a refund receipt (reference_id: the sale)


class _Back(Protocol):
    @property
    def back_as(self) -> str: ...
    @property
    def amount(self) -> Decimal: ...
    @property
    def card_last_four(self) -> str | None: ...


def refund_receipt(
    uow: UnitOfWork,
    actor: Actor,
    sale: Sale,
    plan: RefundPlan,
    cancelled: Sequence[Invoice],
    back: Sequence[_Back],
    number: int,
) -> ReceiptData:
    profile = uow.users.pharmacy_profile()
    show_names = bool(profile is not None and profile.receipt_drug_names)
    shares: dict[uuid.UUID, Decimal] = {}
    for share in plan.shares:
        shares[share.invoice_id] = shares.get(share.invoice_id, ZERO) + share.amount
    lines: list[ReceiptLine] = []
    for invoice in cancelled:
        rx = uow.prescriptions.get(invoice.prescription_id) if invoice.prescription_id else None
        drug = next((i.description for i in invoice.items if i.item_type == "medication"), "Prescription")
        lines.append(
            ReceiptLine(f"Refund: {drug}", shares.get(invoice.id, ZERO), rx.prescription_number if rx else None)
        )
    discount = tax = ZERO
    for change in plan.store:
        new = change.draft.lines
        lines.extend(
            ReceiptLine(ln.description, -ln.total_price, None, -ln.quantity, ln.unit_price)
            for ln in new
            if ln.item_type == "refund"
        )
        goods_back = -sum((ln.total_price for ln in new if ln.item_type == "refund"), ZERO)
        tax_back = -sum((ln.total_price for ln in new if ln.item_type == "tax"), ZERO)
        tax += tax_back
        discount += goods_back + tax_back - change.draft.refund_amount  # the coupon's share given up
    subtotal = sum((ln.price for ln in lines), ZERO)
    tenders = tuple(
        ReceiptTender(b.back_as, b.amount, b.card_last_four if b.back_as in CARD_METHODS else None) for b in back
    )
    rx_part = sum((shares.get(i.id, ZERO) for i in cancelled), ZERO)
    footer = f"REFUND of sale {sale.sale_number}: {format_money(plan.amount)} given back."
    return ReceiptData(
        pharmacy=labels.pharmacy_info(uow),
        receipt_number=f"{sale.sale_number}-R{number}",
        datetime=dt.datetime.now().replace(microsecond=0),
        cashier=actor.display_name,
        lines=tuple(lines),
        subtotal=subtotal,
        tax=tax,
        insurance_paid=ZERO,
        copay_total=rx_part,
        total=plan.amount,
        tenders=tenders,
        discount_total=discount,
        show_drug_names=show_names,
        footer=footer,
    )


def queue_refund_receipt(
    uow: UnitOfWork,
    actor: Actor,
    sale: Sale,
    plan: RefundPlan,
    cancelled: Sequence[Invoice],
    back: Sequence[_Back],
    number: int,
    *,
    printers: PrinterSettings | None = None,
) -> uuid.UUID:
    """Queue the refund receipt in the caller's unit of work; returns the print job's id."""
    receipt = refund_receipt(uow, actor, sale, plan, cancelled, back, number)
    return print_enqueue.queue_receipt(
        uow, actor, receipt, reference_type=REFERENCE_TYPE, reference_id=sale.id, printers=printers
    )
