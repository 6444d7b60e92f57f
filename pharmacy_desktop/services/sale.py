"""The point of sale (issue 13 items 1-3, 5, 7-9): quote a cart, take cards, complete or void a sale.

The cart lives on the client (``SaleRequest``, services/sale_cart.py); every call sends all of it.

- ``quote_sale`` prices it now (read-only): per line, the discount (or why the code is refused),
  tax and totals, and the problems that stop it from being sold.
- ``take_card`` (services/sale_cards.py, re-exported here) charges the card at the terminal with the
  reference ``f"{sale_key}:{seq}"`` before completion (the terminal is idempotent per reference; a
  time-out is answered by a lookup). Call it off the GUI thread; pass its ``tender`` in
  ``SaleRequest.tenders``.
- ``complete_sale`` is ONE transaction (see /work/notes/pos_spec.md): the sale key is locked and
  looked up first (a double press, a retry or a second workstation with the same key gets the
  existing sale back with ``already_completed=True``), the prescriptions are locked FOR UPDATE in id
  order and must still be ready, the cart is priced again and must come to the total the screen
  showed, identity, ID, counseling and signature are checked (services/sale_checks.py), a discount
  use is counted atomically, store stock taken atomically, then the rows are written
  (services/sale_record.py) and the receipt queued in the durable print queue.
- When ``complete_sale`` is refused (``SaleRefused``: e.g. a prescription was sold on another
  workstation meanwhile), nothing was written, and the card approvals already taken must be voided:
  the caller calls ``void_cart(..., whole=True, approvals=...)`` (the screen helper
  ``abandon_card_approvals`` does).
- ``void_cart`` records a voided line or a voided cart (``sale_voids``) and voids card approvals.

Permissions: prescription.dispense for prescription lines, pos.sell for store items; pos.void to
void a whole cart or a line once a card was charged.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from decimal import Decimal

from pharmacy_desktop.db.retry import with_retry
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain.money import ZERO, InsufficientPayment, format_money, to_money
from pharmacy_desktop.domain.sale_math import TenderExceedsBalance, plan_tenders
from pharmacy_desktop.domain.workflow import Permission
from pharmacy_desktop.errors import NotFound, ValidationFailed
from pharmacy_desktop.services import auth, print_enqueue, receipts, sale_checks, sale_record
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.printer_settings import PrinterSettings
from pharmacy_desktop.services.sale_cards import CardResult as CardResult
from pharmacy_desktop.services.sale_cards import VoidLine as VoidLine
from pharmacy_desktop.services.sale_cards import VoidResult as VoidResult
from pharmacy_desktop.services.sale_cards import take_card as take_card
from pharmacy_desktop.services.sale_cards import void_cart as void_cart
from pharmacy_desktop.services.sale_cart import CartItem as CartItem
from pharmacy_desktop.services.sale_cart import CartRx as CartRx
from pharmacy_desktop.services.sale_cart import Picker as Picker
from pharmacy_desktop.services.sale_cart import PickerId as PickerId
from pharmacy_desktop.services.sale_cart import QuoteLine as QuoteLine
from pharmacy_desktop.services.sale_cart import SaleRequest as SaleRequest
from pharmacy_desktop.services.sale_cart import TenderIn as TenderIn
from pharmacy_desktop.services.sale_cart import price_cart

__all__ = [
    "CardResult",
    "CartItem",
    "CartRx",
    "Picker",
    "PickerId",
    "QuoteLine",
    "SaleQuote",
    "SaleRefused",
    "SaleRequest",
    "SaleResult",
    "StoreItemView",
    "TenderIn",
    "VoidLine",
    "VoidResult",
    "complete_sale",
    "quote_sale",
    "scan_store_item",
    "take_card",
    "void_cart",
]

log = logging.getLogger(__name__)


class SaleRefused(ValidationFailed):
    """The sale cannot complete as it stands; nothing was written. Void any card approvals taken."""


@dataclass(frozen=True)
class SaleQuote:
    lines: tuple[QuoteLine, ...]
    subtotal: Decimal  # goods and fees, before insurance and discount
    tax: Decimal
    discount: Decimal
    insurance: Decimal
    total: Decimal  # subtotal + tax - discount
    patient_pay: Decimal  # what the counter collects: total - insurance
    discount_code: str | None  # the code applied
    discount_refused: str | None  # why the code typed does not apply
    problems: tuple[str, ...]  # what stops the sale (a line not sellable, out of stock ...)

    @property
    def sellable(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class SaleResult:
    sale_id: uuid.UUID
    sale_number: str
    already_completed: bool  # the key was completed before: this is that sale, nothing new written
    patient_pay: Decimal
    change_due: Decimal
    invoice_numbers: tuple[str, ...]
    rx_numbers: tuple[str, ...]
    receipt_job_id: uuid.UUID | None


@dataclass(frozen=True)
class StoreItemView:
    product_id: uuid.UUID
    upc: str
    name: str
    price: Decimal
    taxable: bool
    on_hand: int


def _today(today: dt.date | None) -> dt.date:
    return today or dt.date.today()


def _require_for(uow: UnitOfWork, actor: Actor, request: SaleRequest) -> None:
    if request.prescriptions or not request.store_items:
        auth.require(uow, actor, Permission.DISPENSE)
    if request.store_items:
        auth.require(uow, actor, Permission.SELL)


def quote_sale(
    uow_factory: UnitOfWorkFactory, actor: Actor, request: SaleRequest, *, today: dt.date | None = None
) -> SaleQuote:
    """The cart priced now (read-only): lines, discount or its refusal, tax, totals, problems."""
    with uow_factory(actor.user_id) as uow:
        _require_for(uow, actor, request)
        cart = price_cart(uow, request, today=_today(today))
        draft = cart.draft
        assert draft is not None  # price_cart always drafts the sellable lines
        return SaleQuote(
            lines=tuple(cart.lines),
            subtotal=draft.subtotal,
            tax=draft.tax,
            discount=draft.discount,
            insurance=draft.insurance,
            total=draft.total,
            patient_pay=draft.patient_pay,
            discount_code=draft.discount_code,
            discount_refused=cart.discount_refused,
            problems=tuple(cart.problems),
        )


def scan_store_item(uow_factory: UnitOfWorkFactory, actor: Actor, upc: str) -> StoreItemView:
    """A front-store item by its UPC (the scanner's digits)."""
    code = "".join(ch for ch in (upc or "") if ch.isdigit())
    if not code:
        raise ValidationFailed("Scan the item's barcode (UPC).")
    with uow_factory(actor.user_id) as uow:
        auth.require(uow, actor, Permission.SELL)
        product = uow.store_products.by_upc(code)
        if product is None or not product.is_active:
            raise NotFound(f"No store item has the UPC {code}. Sell it under another item or ask a manager.")
        return StoreItemView(
            product.id, product.upc, product.name, Decimal(product.price), product.taxable, product.quantity_on_hand
        )


def _existing(uow: UnitOfWork, key: uuid.UUID) -> SaleResult | None:
    sale = uow.sales.by_idempotency_key(key)
    if sale is None:
        return None
    invoices = uow.sales.invoices_of(sale.id)
    numbers = []
    for invoice in invoices:
        rx = uow.prescriptions.get(invoice.prescription_id) if invoice.prescription_id else None
        if rx is not None:
            numbers.append(rx.prescription_number)
    return SaleResult(
        sale.id,
        sale.sale_number,
        True,
        sale.patient_pay,
        sale.change_due,
        tuple(i.invoice_number for i in invoices),
        tuple(numbers),
        sale.receipt_job_id,
    )


def complete_sale(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    request: SaleRequest,
    *,
    printers: PrinterSettings | None = None,
    today: dt.date | None = None,
) -> SaleResult:
    """Complete the sale in one transaction (see the module docstring); ``SaleRefused`` writes nothing."""
    day = _today(today)

    def attempt(_: int) -> SaleResult:
        with uow_factory(actor.user_id) as uow:
            _require_for(uow, actor, request)
            uow.sales.lock_key(request.sale_key)
            done = _existing(uow, request.sale_key)
            if done is not None:
                return done
            try:
                result = _complete(uow, actor, request, printers, day)
            except (TenderExceedsBalance, InsufficientPayment) as exc:
                raise SaleRefused(str(exc), {"tenders": str(exc)}) from None
            except ValidationFailed as exc:
                if isinstance(exc, SaleRefused):
                    raise
                raise SaleRefused(exc.message, exc.field_errors) from None
            uow.commit()
            return result

    return with_retry(attempt)  # a deadlock or serialization failure runs it again (same key: at most once)


def _complete(
    uow: UnitOfWork, actor: Actor, request: SaleRequest, printers: PrinterSettings | None, day: dt.date
) -> SaleResult:
    if request.prescriptions:  # a bag leaves the counter: the pickup needs its signature
        sale_checks.check_signature(request)
    tenders = sale_checks.tenders_of(request)
    refill_ids = [line.refill_id for line in request.prescriptions]
    known = {r.id: r for r in (uow.claims.refill(i) for i in refill_ids) if r is not None}
    locked = uow.prescriptions.lock_for_sale(r.prescription_id for r in known.values() if r.prescription_id)
    prescriptions = {rx.id: rx for rx in locked}
    waiting = uow.prescriptions.verified_fills(prescriptions)
    refills = {r.id: r for r in waiting}
    for rx in locked:
        left = [r for r in waiting if r.prescription_id == rx.id and r.id not in set(refill_ids)]
        if rx.status == "ready" and left:
            raise SaleRefused(
                f"Rx {rx.prescription_number} was filled as several items: put all of them in the cart, or none."
            )
    code = (request.discount_code or "").strip()
    taken = False
    if code:
        row = uow.sales.discount_by_code(code)
        if row is not None:
            taken = uow.sales.take_discount_use(row.id)  # locks the code's row until the sale commits
            if not taken:
                raise SaleRefused(f"Discount code {row.code} cannot be used: used up. Remove it from the sale.")
    cart = price_cart(uow, request, today=day, refills=refills, prescriptions=prescriptions, discount_taken=taken)
    missing = set(refill_ids) - set(refills)
    if missing:
        cart.problems.insert(0, "A prescription in the cart was picked up or returned on another workstation.")
    if cart.problems:
        raise SaleRefused(cart.problems[0] + " Nothing was sold; void the card payments taken, then start again.")
    if cart.discount_refused:
        raise SaleRefused(cart.discount_refused + " Remove the code or review the total.")
    draft = cart.draft
    assert draft is not None
    if request.expected_patient_pay is None or to_money(request.expected_patient_pay) != draft.patient_pay:
        raise SaleRefused(
            f"The total is now {format_money(draft.patient_pay)}, not the "
            f"{format_money(request.expected_patient_pay or ZERO)} shown: review the total with the patient.",
            {"total": "changed"},
        )
    plan = plan_tenders(draft.invoices, tenders)
    fills = list(refills[i] for i in refill_ids)
    controlled = sale_checks.controlled_fills(uow, fills)
    bags = sale_checks.check_bags(uow, request, fills, prescriptions, controlled, day)
    numbers = {f.id: prescriptions[f.prescription_id].prescription_number for f in fills if f.prescription_id}
    counseling = sale_checks.check_counseling(uow, actor, request, fills, numbers)
    patient = uow.patients.get(request.patient_id)
    if patient is None:
        raise NotFound("The patient was not found. Open the pickup again.")
    # the privacy notice is acknowledged with a pickup (the signature is the acknowledgement)
    privacy_needed = bool(fills) and patient.privacy_notice_acknowledged_at is None
    if privacy_needed and not request.acknowledged_privacy_notice:
        raise SaleRefused(
            "The patient has not acknowledged the privacy notice yet: offer it and have them acknowledge it.",
            {"acknowledged_privacy_notice": "required the first time"},
        )
    # in id order, as the prescriptions: two sales of the same items never wait on each other in a circle
    for upc, product in sorted(cart.products.items(), key=lambda kv: kv[1].id):
        quantity = sum(i.quantity for i in request.store_items if i.upc.strip() == upc)
        if not uow.store_products.take_stock(product.id, quantity):
            raise SaleRefused(f"{product.name} is out of stock (fewer than {quantity} on the shelf).")
    sale = sale_record.write_sale(uow, actor, request, draft, plan, cart, day)
    tender_rows = sale_record.write_tenders(uow, request, sale, plan)
    invoices = sale_record.write_invoices(uow, request, sale, draft, plan, tender_rows, cart, day)
    sale_record.write_pickups(uow, actor, request, sale, bags, counseling, privacy_needed)
    sale_record.dispense(uow, actor, sale, fills, prescriptions, counseling)
    sale_record.use_discount(uow, request, sale, cart, draft.discount)
    if privacy_needed:
        patient.privacy_notice_acknowledged_at = sale.completed_at  # the sale's time, read back after its insert
        uow.record("PrivacyNoticeAcknowledged", "patient", patient.id, {"sale_number": sale.sale_number})
    uow.flush()
    receipt = receipts.receipt_for_sale(uow, sale.id)
    sale.receipt_job_id = print_enqueue.queue_receipt(
        uow, actor, receipt, reference_type="sale", reference_id=sale.id, printers=printers
    )
    uow.record(
        "SaleCompleted",
        "sale",
        sale.id,
        {
            "sale_number": sale.sale_number,
            "patient_pay": sale.patient_pay,
            "tenders": [t.method for t in tender_rows],
            "invoices": [i.invoice_number for i in invoices],
            "store_items": {
                upc: sum(i.quantity for i in request.store_items if i.upc.strip() == upc) for upc in cart.products
            },
        },
    )
    uow.notify("sales", sale.id)
    uow.notify("will_call")
    for product in cart.products.values():
        uow.notify("store_products", product.id)
    return SaleResult(
        sale.id,
        sale.sale_number,
        False,
        sale.patient_pay,
        sale.change_due,
        tuple(i.invoice_number for i in invoices),
        tuple(dict.fromkeys(numbers[f.id] for f in fills)),
        sale.receipt_job_id,
    )
