"""The receipt of a sale (issue 13 item 10), built from what the sale stored: the same receipt whether
it is printed at completion, reprinted from the print queue or by ``print receipt``, or after a refund.

Prescription lines print their Rx number; the drug name only when the pharmacy turns it on
(``pharmacy_profile.receipt_drug_names``). A front-store invoice's discount is shown on its lines in
proportion to their amounts (the stored invoice keeps only its total).
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from pharmacy_desktop.db.models.billing import Invoice
from pharmacy_desktop.db.unit_of_work import UnitOfWork
from pharmacy_desktop.domain.discounts import split_proportionally
from pharmacy_desktop.domain.money import ZERO
from pharmacy_desktop.errors import NotFound
from pharmacy_desktop.printing.documents import ReceiptData, ReceiptLine, ReceiptTender
from pharmacy_desktop.services.labels import pharmacy_info

__all__ = ["receipt_for_sale"]


def _rx_line(uow: UnitOfWork, invoice: Invoice, code: str | None) -> ReceiptLine:
    medication = next((i for i in invoice.items if i.item_type == "medication"), None)
    fee = sum((i.total_price for i in invoice.items if i.item_type == "dispensing_fee"), ZERO)
    rx = uow.prescriptions.get(invoice.prescription_id) if invoice.prescription_id else None
    discount = invoice.discount_amount or ZERO
    return ReceiptLine(
        description=medication.description if medication is not None else "Prescription",
        price=medication.total_price if medication is not None else invoice.subtotal - fee,
        rx_number=rx.prescription_number if rx is not None else "?",
        quantity=medication.quantity if medication is not None else None,
        dispensing_fee=fee,
        discount=discount,
        discount_code=code if discount > 0 else None,
        insurance_paid=invoice.insurance_payment or ZERO,
    )


def _store_lines(invoice: Invoice, code: str | None) -> list[ReceiptLine]:
    goods = [i for i in invoice.items if i.item_type in ("front_store", "refund")]
    weights = {str(n): max(i.total_price, ZERO) for n, i in enumerate(goods)}
    discount = invoice.discount_amount or ZERO
    shares = split_proportionally(min(discount, sum(weights.values(), ZERO)), weights) if weights else {}
    return [
        ReceiptLine(
            description=item.description,
            price=item.total_price,
            quantity=item.quantity,
            unit_price=Decimal(item.unit_price),
            discount=shares.get(str(n), ZERO),
            discount_code=code if shares.get(str(n), ZERO) > 0 else None,
        )
        for n, item in enumerate(goods)
    ]


def receipt_for_sale(uow: UnitOfWork, sale_id: uuid.UUID, *, reprint: bool = False) -> ReceiptData:
    """The sale's receipt from its stored rows (``reprint``: marked REPRINT now; the drawer stays shut)."""
    sale = uow.sales.with_tenders(sale_id)
    if sale is None:
        raise NotFound("The sale was not found. Check the sale or invoice number.")
    invoices = uow.sales.invoices_of(sale.id)
    code = None
    if sale.discount_id is not None:
        discount = uow.sales.get_discount(sale.discount_id)
        code = discount.code if discount is not None else None
    lines: list[ReceiptLine] = []
    for invoice in invoices:
        lines += [_rx_line(uow, invoice, code)] if invoice.prescription_id else _store_lines(invoice, code)
    cashier = uow.users.get(sale.cashier_id) if sale.cashier_id else None
    profile = uow.users.pharmacy_profile()
    tenders = tuple(
        ReceiptTender(
            method=t.method,
            amount=t.amount,
            card_last_four=t.card_last_four,
            check_number=t.check_number,
            cash_tendered=t.cash_tendered,
            auth_code=t.auth_code,
        )
        for t in sale.tenders
    )
    completed = sale.completed_at
    local = completed.astimezone() if completed.tzinfo is not None else completed
    return ReceiptData(
        pharmacy=pharmacy_info(uow),
        receipt_number=sale.sale_number,
        datetime=local.replace(tzinfo=None, microsecond=0),
        cashier=f"{cashier.first_name} {cashier.last_name[:1]}." if cashier is not None else "",
        lines=tuple(lines),
        subtotal=sum((i.subtotal for i in invoices), ZERO),
        tax=sum((i.tax_amount or ZERO for i in invoices), ZERO),
        insurance_paid=sum((i.insurance_payment or ZERO for i in invoices), ZERO),
        copay_total=sum((i.patient_copay for i in invoices if i.prescription_id), ZERO),
        total=sum((i.patient_copay for i in invoices), ZERO),
        tenders=tenders,
        change=sum((t.change_due for t in sale.tenders if t.method == "cash"), ZERO),
        invoice_numbers=tuple(i.invoice_number for i in invoices),
        discount_total=sum((i.discount_amount or ZERO for i in invoices), ZERO),
        discount_code=code,
        show_drug_names=bool(profile.receipt_drug_names) if profile is not None else False,
        reprinted_at=dt.datetime.now().replace(microsecond=0) if reprint else None,
    )
