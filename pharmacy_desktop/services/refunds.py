"""Refunds after a sale (issue 13 item 11): permission ``pos.refund``, a reason, the acting user recorded.

Find the sale by its number or any of its invoice numbers (``open_refund``), then ``refund`` the whole
sale or chosen parts of it:

- a prescription invoice is refunded whole: it is ``cancelled`` (its lines stay) and every payment
  share it received gets a refund row. The prescription stays dispensed/completed: medicine that
  left the counter never goes back to stock (the result says so);
- front-store units get a negative ``refund`` line each and one negative ``tax`` line
  (``domain/sale_math.refund_store_lines``), the invoice's totals recomputed (the database CHECKs
  and the billing invariants hold); unopened units go back on the shelf, opened ones do not (the
  cashier says which).

Money goes back by the original tender (``services/refund_plan.py`` decides the shares): cash as cash
(the refund receipt opens the drawer), a check as cash, a card through the payment terminal. The
terminal is called OUTSIDE any database transaction, first; only then is the refund recorded. A
card refund the terminal declines records nothing and says so (if an earlier card of the same
refund was already credited, the declined card's share is given back in cash instead, and the
result says that). Each refund row: status ``refunded``, ``refund_of`` the original payment,
amount > 0, the reason, ``processed_by`` the acting user. Tenders become ``partially_refunded`` /
``refunded``, the sale too; domain events, a ``sales`` change notice, and a refund receipt in the
durable print queue.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NoReturn

from pharmacy_desktop.adapters.payment_terminal import PaymentTerminal, TerminalResult
from pharmacy_desktop.db.models.billing import Invoice, InvoiceItem, Payment, Sale
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain.money import ZERO, format_money
from pharmacy_desktop.domain.sale_math import tax_rate_of
from pharmacy_desktop.domain.workflow import Permission
from pharmacy_desktop.errors import PharmacyError, ValidationFailed
from pharmacy_desktop.services import auth
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.printer_settings import PrinterSettings
from pharmacy_desktop.services.refund_plan import (
    CARD_METHODS,
    RefundPlan,
    StoreLineRefund,
    TenderBack,
    plan_refund,
)
from pharmacy_desktop.services.refund_receipt import queue_refund_receipt
from pharmacy_desktop.services.refund_view import RefundableSale as RefundableSale
from pharmacy_desktop.services.refund_view import RefundItem as RefundItem
from pharmacy_desktop.services.refund_view import RefundRx as RefundRx
from pharmacy_desktop.services.refund_view import RefundTender as RefundTender
from pharmacy_desktop.services.refund_view import find_sale
from pharmacy_desktop.services.refund_view import open_refund as open_refund
from pharmacy_desktop.services.text_checks import require_clean_text

__all__ = [
    "MoneyBack",
    "RefundChanged",
    "RefundDeclined",
    "RefundItem",
    "RefundResult",
    "RefundRx",
    "RefundTender",
    "RefundableSale",
    "StoreLineRefund",
    "open_refund",
    "refund",
]

log = logging.getLogger(__name__)

NOT_RESTOCKED = (
    "Prescription medicine that left the counter does not go back to stock: "
    "set it aside for destruction as the pharmacy's policy says."
)


class RefundDeclined(PharmacyError):
    """The terminal refused the card refund; nothing was recorded."""


class RefundChanged(PharmacyError):
    """Another workstation refunded part of the sale while this refund was at the terminal."""


@dataclass(frozen=True)
class MoneyBack:
    """What one tender got back: ``back_as`` cash, credit_card or debit_card; the terminal's refund id."""

    method: str
    back_as: str
    amount: Decimal
    card_last_four: str | None = None
    transaction_id: str | None = None
    note: str = ""


@dataclass(frozen=True)
class RefundResult:
    sale_id: uuid.UUID
    sale_number: str
    sale_status: str
    amount: Decimal
    money_back: tuple[MoneyBack, ...]
    invoices_cancelled: tuple[str, ...]
    items: tuple[tuple[str, int, bool], ...]  # (description, units, back on the shelf)
    receipt_job_id: uuid.UUID
    message: str


# -- the refund -------------------------------------------------------------------------------------


def _plan(
    uow: UnitOfWork, number: str, request: dict[str, Any], *, lock: bool
) -> tuple[RefundPlan, Sale, list[Invoice]]:
    sale, invoices = find_sale(uow, number, lock=lock)
    rate = tax_rate_of(Decimal(sale.tax_rate))  # the rate it was sold at, whatever the profile says today
    return plan_refund(uow, sale, invoices, tax_rate=rate, **request), sale, invoices


def _card_refund(terminal: PaymentTerminal, tender: TenderBack) -> TerminalResult | None:
    """The terminal's answer, or None when it could not be asked (no transaction on record, no answer)."""
    if not tender.transaction_id:
        return None
    try:
        return terminal.refund(tender.transaction_id, tender.amount)
    except Exception as exc:  # a real gateway's connection error: the refund did not happen as far as we know
        # by type only: an adapter's message may quote what it was sent
        log.warning("card refund failed in the terminal adapter: %s", type(exc).__name__)
        return None


def _at_terminal(terminal: PaymentTerminal, plan: RefundPlan) -> list[MoneyBack]:
    back: list[MoneyBack] = []
    for tender in plan.tenders:
        if not tender.by_card:
            note = "check refunded in cash" if tender.method == "check" else ""
            back.append(MoneyBack(tender.method, "cash", tender.amount, note=note))
            continue
        answer = _card_refund(terminal, tender)
        card = f"the card ending {tender.card_last_four}" if tender.card_last_four else "the card"
        if answer is not None and answer.approved:
            back.append(
                MoneyBack(tender.method, tender.back_as, tender.amount, tender.card_last_four, answer.transaction_id)
            )
            continue
        why = answer.message if answer is not None else "The terminal did not answer."
        if not any(b.back_as in CARD_METHODS for b in back):
            raise RefundDeclined(
                f"The terminal declined the refund of {format_money(tender.amount)} to {card}: {why} "
                "Nothing was refunded or recorded. Try again, or refund in cash if the manager agrees."
            )
        back.append(
            MoneyBack(
                tender.method,
                "cash",
                tender.amount,
                tender.card_last_four,
                note=f"{card} declined the refund ({why}): given back in cash",
            )
        )
    return back


def refund(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    terminal: PaymentTerminal,
    number: str,
    *,
    reason: str,
    invoice_ids: Collection[uuid.UUID] = (),
    store_lines: Sequence[StoreLineRefund] = (),
    whole_sale: bool = False,
    opened: Collection[uuid.UUID] = (),
    printers: PrinterSettings | None = None,
) -> RefundResult:
    """Refund prescription invoices (``invoice_ids``), front-store units (``store_lines``) or the whole
    sale (``opened``: the front-store lines whose items were opened and stay off the shelf)."""
    why = (reason or "").strip()
    if not why:
        raise ValidationFailed('Say why the sale is refunded (e.g. "wrong item").', {"reason": "required"})
    require_clean_text("reason", Payment.reason, why, "The reason")
    request: dict[str, Any] = {
        "invoice_ids": tuple(invoice_ids),
        "store_lines": tuple(store_lines),
        "whole_sale": whole_sale,
        "opened": frozenset(opened),
    }
    with uow_factory(actor.user_id) as uow:  # read only: nothing is written before the terminal answers
        auth.require(uow, actor, Permission.REFUND, doing="refund a sale")
        plan, _, _ = _plan(uow, number, request, lock=False)
    back = _at_terminal(terminal, plan)
    with uow_factory(actor.user_id) as uow:
        auth.require(uow, actor, Permission.REFUND, doing="refund a sale")
        try:
            now, sale, invoices = _plan(uow, number, request, lock=True)  # the sale row locked until commit
        except ValidationFailed:  # e.g. the invoice was refunded meanwhile
            now = None
        # Another refund in between changes the plan (the invoices or shares this one wanted); one that
        # only changed whether anything of the sale is left is no conflict.
        if now is None or dataclasses.replace(now, whole_sale_after=plan.whole_sale_after) != plan:
            uow.rollback()
            _not_recorded(uow_factory, actor, plan, back)
        result = _record(uow, actor, now, sale, invoices, back, why, printers)
        uow.commit()
        return result


def _not_recorded(uow_factory: UnitOfWorkFactory, actor: Actor, plan: RefundPlan, back: list[MoneyBack]) -> NoReturn:
    carded = [b for b in back if b.transaction_id]
    with uow_factory(actor.user_id) as uow:
        uow.record(
            "SaleRefundNotRecorded",
            "sale",
            plan.sale_id,
            {"sale_number": plan.sale_number, "card_refunds": [(b.amount, b.transaction_id) for b in carded]},
        )
        uow.commit()
    cards = "; ".join(f"{format_money(b.amount)} went back to the card ending {b.card_last_four}" for b in carded)
    raise RefundChanged(
        f"Sale {plan.sale_number} was refunded on another workstation at the same time, so this refund was not "
        "recorded. " + (f"{cards}: a manager must check the sale. " if cards else "Open the sale again and check it.")
    )


def _record(
    uow: UnitOfWork,
    actor: Actor,
    plan: RefundPlan,
    sale: Sale,
    invoices: list[Invoice],
    back: list[MoneyBack],
    reason: str,
    printers: PrinterSettings | None,
) -> RefundResult:
    by_id = {i.id: i for i in invoices}
    originals = {p.id: p for i in invoices for p in i.payments}
    earlier = {p.created_at for p in originals.values() if p.status == "refunded"}
    cancelled = []
    for invoice_id in plan.cancel:
        invoice = by_id[invoice_id]
        invoice.status = "cancelled"
        cancelled.append(invoice.invoice_number)
        uow.record(
            "InvoiceCancelled", "invoice", invoice.id, {"invoice_number": invoice.invoice_number, "reason": reason}
        )
    items: list[tuple[str, int, bool]] = []
    for change in plan.store:
        invoice = by_id[change.invoice_id]
        for line in change.draft.lines:
            product = uuid.UUID(str(line.product_id)) if line.product_id is not None else None
            uow.billing.add_item(
                InvoiceItem(
                    invoice_id=invoice.id,
                    item_type=line.item_type,
                    description=line.description,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    total_price=line.total_price,
                    store_product_id=product,
                )
            )
            if line.item_type == "refund":
                shelved = dict(change.shelf).get(product, 0) if product is not None else 0
                items.append((line.description.removeprefix("Refund: "), int(-line.quantity), shelved > 0))
        totals = change.draft.invoice
        invoice.subtotal, invoice.tax_amount, invoice.discount_amount = (
            totals.subtotal,
            totals.tax_amount,
            totals.discount_amount,
        )
        invoice.total_amount, invoice.patient_copay = totals.total_amount, totals.patient_copay
        for product_id, units in change.shelf:
            uow.store_products.put_back(product_id, units)
            uow.notify("store_products", product_id)
        uow.record(
            "InvoiceRefunded",
            "invoice",
            invoice.id,
            {"invoice_number": invoice.invoice_number, "amount": change.draft.refund_amount, "reason": reason},
        )
    how = {(t.tender_id or t.method): b for t, b in zip(plan.tenders, back, strict=True)}
    written: list[Payment] = []
    for share in plan.shares:
        original = originals[share.payment_id]
        money = how[share.tender_id or original.payment_method]
        written.append(
            uow.billing.add_refund(
                original,
                share.amount,
                money.back_as,
                reason=reason,
                transaction_id=money.transaction_id,
                card_last_four=money.card_last_four if money.back_as in CARD_METHODS else None,
            )
        )
    for tender in sale.tenders:
        given = sum(
            (
                p.amount
                for p in [*originals.values(), *written]
                if p.status == "refunded" and p.sale_tender_id == tender.id
            ),
            ZERO,
        )
        if given > 0:
            tender.status = "refunded" if given >= tender.amount else "partially_refunded"
    sale.status = "refunded" if plan.whole_sale_after else "partially_refunded"
    uow.flush()
    uow.record(
        "SaleRefunded",
        "sale",
        sale.id,
        {
            "sale_number": sale.sale_number,
            "amount": plan.amount,
            "reason": reason,
            "status": sale.status,
            "invoices_cancelled": cancelled,
            "items": [{"description": d, "units": n, "back_on_shelf": s} for d, n, s in items],
            "payments": [p.payment_number for p in written],
            "money_back": [{"method": b.method, "back_as": b.back_as, "amount": b.amount} for b in back],
        },
    )
    uow.notify("sales", sale.id, status=sale.status)
    job_id = queue_refund_receipt(
        uow, actor, sale, plan, [by_id[i] for i in plan.cancel], back, len(earlier) + 1, printers=printers
    )
    return RefundResult(
        sale.id,
        sale.sale_number,
        sale.status,
        plan.amount,
        tuple(back),
        tuple(cancelled),
        tuple(items),
        job_id,
        _message(plan, back, cancelled, items),
    )


def _message(plan: RefundPlan, back: list[MoneyBack], cancelled: list[str], items: list[tuple[str, int, bool]]) -> str:
    parts = [f"Refunded {format_money(plan.amount)} of sale {plan.sale_number}."]
    cash = sum((b.amount for b in back if b.back_as == "cash"), ZERO)
    if cash > 0:
        parts.append(f"Give back {format_money(cash)} in cash from the drawer.")
    for b in back:
        if b.back_as in CARD_METHODS:
            parts.append(f"{format_money(b.amount)} went back to the card ending {b.card_last_four}.")
        elif b.note:
            parts.append(f"{format_money(b.amount)}: {b.note}.")
    shelf = sum(n for _, n, s in items if s)
    if shelf:
        parts.append(f"{shelf} unopened item{'s' if shelf > 1 else ''} back on the shelf.")
    if cancelled:
        parts.append(NOT_RESTOCKED)
    return " ".join(parts)
