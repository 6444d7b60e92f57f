"""What a refund would do to a sale as it stands: the plan ``services/refunds.py`` checks, carries out
at the terminal and then records.

The plan is computed from the database twice: once before the card terminal is called, and again
under the sale's row lock when the refund is recorded. The two must be equal; if another
workstation refunded part of the sale in between, they differ and nothing is recorded.

Money goes back to the tenders it came from. A prescription invoice refunded (whole: cancelled)
gives back every payment share it received. A front-store refund (``domain/sale_math.py``
``refund_store_lines``: refund lines, a negative tax line, the discount given up in proportion)
gives back its amount from the invoice's payment shares, the last tender of the sale first (the
card a customer paid the rest with is credited before the cash they handed over first).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pharmacy_desktop.db.models.billing import Invoice, InvoiceItem, Payment, Sale
from pharmacy_desktop.db.unit_of_work import UnitOfWork
from pharmacy_desktop.domain.money import ZERO, format_money
from pharmacy_desktop.domain.sale_math import (
    FRONT_STORE_KEY,
    InvoiceDraft,
    LineDraft,
    LineRefund,
    RefundDraft,
    refund_store_lines,
)
from pharmacy_desktop.errors import ValidationFailed

CARD_METHODS = ("credit_card", "debit_card")


@dataclass(frozen=True)
class StoreLineRefund:
    """Give back ``quantity`` units of one front-store line; ``opened`` items stay off the shelf."""

    invoice_item_id: uuid.UUID
    quantity: int
    opened: bool = False


@dataclass(frozen=True)
class Share:
    """One refund payment row to write: part or all of an original payment share."""

    payment_id: uuid.UUID
    invoice_id: uuid.UUID
    tender_id: uuid.UUID | None
    amount: Decimal


@dataclass(frozen=True)
class StoreChange:
    """A front-store invoice's refund: the new lines and totals, and the units that go back on the shelf."""

    invoice_id: uuid.UUID
    draft: RefundDraft
    shelf: tuple[tuple[uuid.UUID, int], ...]  # (store product, unopened units)
    units_left: Decimal  # units of the invoice not refunded after this refund


@dataclass(frozen=True)
class TenderBack:
    """The money one tender gets back: ``method`` of the tender, ``back_as`` how it is given back."""

    tender_id: uuid.UUID | None
    seq: int
    method: str
    back_as: str
    amount: Decimal
    transaction_id: str | None
    card_last_four: str | None

    @property
    def by_card(self) -> bool:
        return self.back_as in CARD_METHODS


@dataclass(frozen=True)
class RefundPlan:
    sale_id: uuid.UUID
    sale_number: str
    cancel: tuple[uuid.UUID, ...]  # prescription invoices cancelled
    store: tuple[StoreChange, ...]
    shares: tuple[Share, ...]
    tenders: tuple[TenderBack, ...]
    amount: Decimal
    whole_sale_after: bool  # nothing of the sale is left unrefunded afterwards


def is_store_invoice(invoice: Invoice) -> bool:
    return invoice.prescription_id is None


def _ordered(items: Sequence[InvoiceItem]) -> list[InvoiceItem]:
    # A stable order for the draft's line indexes (rows of one insert share created_at).
    return sorted(items, key=lambda i: (i.created_at, i.item_type == "tax", str(i.id)))


def store_draft(uow: UnitOfWork, invoice: Invoice) -> tuple[InvoiceDraft, list[InvoiceItem]]:
    """The stored front-store invoice as sale_math sees it; taxable is read from store_products
    (invoice_items does not keep it)."""
    items = _ordered(invoice.items)
    taxable: dict[uuid.UUID, bool] = {}
    for item in items:
        if item.store_product_id is not None and item.store_product_id not in taxable:
            product = uow.store_products.get(item.store_product_id)
            taxable[item.store_product_id] = bool(product is not None and product.taxable)
    lines = tuple(
        LineDraft(
            item.item_type,
            item.description,
            Decimal(item.quantity if item.quantity is not None else 1),
            Decimal(item.unit_price),
            Decimal(item.total_price),
            item.ndc_code,
            item.store_product_id,
            taxable.get(item.store_product_id, False) if item.store_product_id is not None else False,
        )
        for item in items
    )
    draft = InvoiceDraft(
        FRONT_STORE_KEY,
        None,
        lines,
        Decimal(invoice.subtotal),
        Decimal(invoice.tax_amount or 0),
        Decimal(invoice.discount_amount or 0),
        Decimal(invoice.insurance_payment or 0),
        Decimal(invoice.total_amount),
        Decimal(invoice.patient_copay),
    )
    return draft, items


def units_left(draft: InvoiceDraft) -> Decimal:
    return sum((line.quantity for line in draft.lines if line.item_type in ("front_store", "refund")), ZERO)


def remaining(payment: Payment, payments: Sequence[Payment]) -> Decimal:
    """What of an original payment has not been refunded yet."""
    back = sum((p.amount for p in payments if p.refund_of == payment.id), ZERO)
    return Decimal(payment.amount) - back


def _spread(invoice: Invoice, amount: Decimal, seq_of: dict[uuid.UUID, int]) -> list[Share]:
    """``amount`` of the invoice's money back, from its payment shares, the sale's last tender first."""
    originals = [p for p in invoice.payments if p.status == "completed"]
    originals.sort(key=lambda p: (-seq_of.get(p.sale_tender_id, 0) if p.sale_tender_id else 1, p.payment_number))
    shares, left = [], amount
    for payment in originals:
        take = min(left, remaining(payment, invoice.payments))
        if take > 0:
            shares.append(Share(payment.id, invoice.id, payment.sale_tender_id, take))
            left -= take
    if left > 0:
        raise ValidationFailed(
            f"Invoice {invoice.invoice_number} has {format_money(amount - left)} of payments left to give back, "
            f"less than the {format_money(amount)} to refund. Nothing was refunded; ask a manager to check the sale."
        )
    return shares


def _tenders(sale: Sale, invoices: Sequence[Invoice], shares: Sequence[Share]) -> tuple[TenderBack, ...]:
    by_id = {t.id: t for t in sale.tenders}
    payments = {p.id: p for i in invoices for p in i.payments}
    totals: dict[Any, Decimal] = {}
    for share in shares:
        key = share.tender_id or payments[share.payment_id].payment_method
        totals[key] = totals.get(key, ZERO) + share.amount
    result = []
    for key, amount in totals.items():
        tender = by_id.get(key) if isinstance(key, uuid.UUID) else None
        method = tender.method if tender is not None else str(key)
        result.append(
            TenderBack(
                tender.id if tender is not None else None,
                tender.seq if tender is not None else 99,
                method,
                method if method in CARD_METHODS else "cash",  # cash back for cash and checks
                amount,
                tender.transaction_id if tender is not None else None,
                tender.card_last_four if tender is not None else None,
            )
        )
    return tuple(sorted(result, key=lambda t: t.seq))


def plan_refund(
    uow: UnitOfWork,
    sale: Sale,
    invoices: Sequence[Invoice],
    *,
    invoice_ids: Collection[uuid.UUID],
    store_lines: Sequence[StoreLineRefund],
    whole_sale: bool,
    opened: Collection[uuid.UUID],
    tax_rate: Decimal,
) -> RefundPlan:
    """The refund of the chosen prescription invoices and front-store units (or of all that is left)."""
    live_rx = [i for i in invoices if not is_store_invoice(i) and i.status != "cancelled"]
    by_id = {i.id: i for i in invoices}
    cancel: list[Invoice] = []
    for invoice_id in dict.fromkeys(invoice_ids):
        invoice = by_id.get(invoice_id)
        if invoice is None or is_store_invoice(invoice):
            raise ValidationFailed("That prescription invoice is not part of this sale. Choose from the sale's list.")
        if invoice.status == "cancelled":
            raise ValidationFailed(
                f"Invoice {invoice.invoice_number} was already refunded. Nothing was refunded twice."
            )
        cancel.append(invoice)
    if whole_sale:
        cancel = live_rx
    drafts = {i.id: store_draft(uow, i) for i in invoices if is_store_invoice(i)}
    wanted: dict[uuid.UUID, list[StoreLineRefund]] = {}
    where = {item.id: (invoice_id, item) for invoice_id, (_, items) in drafts.items() for item in items}
    if whole_sale:
        for invoice_id, (draft, items) in drafts.items():
            left: dict[Any, Decimal] = {}
            for item, line in zip(items, draft.lines, strict=True):
                if line.item_type in ("front_store", "refund"):
                    left[line.product_id or item.id] = left.get(line.product_id or item.id, ZERO) + line.quantity
            for item, line in zip(items, draft.lines, strict=True):
                units = left.pop(line.product_id or item.id, ZERO) if line.item_type == "front_store" else ZERO
                if units > 0:
                    wanted.setdefault(invoice_id, []).append(StoreLineRefund(item.id, int(units), item.id in opened))
    else:
        for choice in store_lines:
            owner, row = where.get(choice.invoice_item_id, (None, None))
            if owner is None or row is None or row.item_type != "front_store":
                raise ValidationFailed("That item is not a front-store item of this sale. Choose from the sale's list.")
            wanted.setdefault(owner, []).append(choice)
    seq_of = {t.id: t.seq for t in sale.tenders}
    shares: list[Share] = []
    for invoice in cancel:
        shares.extend(
            Share(p.id, invoice.id, p.sale_tender_id, remaining(p, invoice.payments))
            for p in invoice.payments
            if p.status == "completed" and remaining(p, invoice.payments) > 0
        )
    changes: list[StoreChange] = []
    for invoice_id, choices in wanted.items():
        draft, items = drafts[invoice_id]
        index = {item.id: n for n, item in enumerate(items)}
        try:
            refund = refund_store_lines(
                draft, [LineRefund(index[c.invoice_item_id], c.quantity) for c in choices], tax_rate
            )
        except ValueError as exc:
            raise ValidationFailed(f"Nothing was refunded: {exc}.") from None
        shelf: dict[uuid.UUID, int] = {}
        for choice in choices:
            product = items[index[choice.invoice_item_id]].store_product_id
            if product is not None and not choice.opened:
                shelf[product] = shelf.get(product, 0) + choice.quantity
        changes.append(StoreChange(invoice_id, refund, tuple(shelf.items()), units_left(refund.invoice)))
        if refund.refund_amount > 0:
            shares.extend(_spread(by_id[invoice_id], refund.refund_amount, seq_of))
    if not cancel and not changes and whole_sale:
        raise ValidationFailed(f"Sale {sale.sale_number} was already refunded in full. Nothing was refunded twice.")
    if not cancel and not changes:
        raise ValidationFailed("Choose what to refund: a prescription, front-store items, or the whole sale.")
    changed = {c.invoice_id: c.units_left for c in changes}
    cancelled = {i.id for i in cancel}
    whole_after = all(i.id in cancelled for i in live_rx) and all(
        changed.get(invoice_id, units_left(draft)) == 0 for invoice_id, (draft, _) in drafts.items()
    )
    return RefundPlan(
        sale.id,
        sale.sale_number,
        tuple(i.id for i in cancel),
        tuple(changes),
        tuple(shares),
        _tenders(sale, invoices, shares),
        sum((s.amount for s in shares), ZERO),
        whole_after,
    )
