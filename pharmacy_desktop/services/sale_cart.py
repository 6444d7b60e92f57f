"""The cart of a sale as the pickup screen sends it, and the cart priced from the database.

The cart lives on the client until the sale completes (see /work/notes/pos_spec.md "Shape of a
sale"): the screen sends the whole ``SaleRequest`` to ``sale.quote_sale`` (read-only, every time
something changes) and to ``sale.complete_sale``. Every price is computed here on the server, from
the claims, the pricing rules, the store products and the discount code as they are now; the money
arithmetic is ``domain/sale_math.py``'s.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from pharmacy_desktop.db.models.billing import Discount
from pharmacy_desktop.db.models.inventory import StoreProduct
from pharmacy_desktop.db.models.prescriptions import Prescription, PrescriptionRefill
from pharmacy_desktop.db.unit_of_work import UnitOfWork
from pharmacy_desktop.domain import dispensing as rules
from pharmacy_desktop.domain.discounts import DiscountGrant, DiscountRefused, DiscountTerms, grant_discount
from pharmacy_desktop.domain.money import ZERO
from pharmacy_desktop.domain.product_names import strength_of
from pharmacy_desktop.domain.sale_math import (
    RxCharge,
    SaleDraft,
    StoreCharge,
    discountable_rx,
    discountable_store,
    draft_sale,
)
from pharmacy_desktop.services.access import Actor
from pharmacy_desktop.services.sale_pricing import FillPrice, fill_price, rx_charge

__all__ = [
    "CartItem",
    "CartRx",
    "Picker",
    "PickerId",
    "PricedCart",
    "QuoteLine",
    "SaleRequest",
    "TenderIn",
    "price_cart",
]


@dataclass(frozen=True)
class CartRx:
    """A verified fill the patient takes today (one line of ``PickupView.prescriptions``).

    ``counseling``: 'accepted' (needs ``counselor``, the pharmacist from
    ``cosign.pharmacist_signoff``), 'declined', or 'not_required' (only when the fill needs none).
    """

    refill_id: uuid.UUID
    counseling: str = "not_required"
    counselor: Actor | None = None
    counseling_notes: str | None = None


@dataclass(frozen=True)
class CartItem:
    """A front-store item scanned by UPC."""

    upc: str
    quantity: int = 1


@dataclass(frozen=True)
class PickerId:
    """The picker's government ID, required for Schedule II-V."""

    id_type: str  # 'drivers_license', 'state_id', 'passport', 'military_id', 'other'
    id_number: str
    id_state: str  # two letters
    id_expiry: dt.date | None


@dataclass(frozen=True)
class Picker:
    """Who collects: the patient ('self'), or a person from ``PickupView.pickers``."""

    name: str
    relationship: str = "self"
    patient_id: uuid.UUID | None = None
    identification: PickerId | None = None


@dataclass(frozen=True)
class TenderIn:
    """A tender as taken at the counter. Cash: ``amount`` applied and ``cash_tendered`` handed over.
    Card: the approval from ``sale.take_card`` (``transaction_id``, ``card_last_four``,
    ``auth_code``; method 'credit_card' or 'debit_card'). Check: ``check_number``."""

    method: str
    amount: Decimal
    cash_tendered: Decimal | None = None
    transaction_id: str | None = None
    card_last_four: str | None = None
    auth_code: str | None = None
    check_number: str | None = None


@dataclass(frozen=True)
class SaleRequest:
    """Everything the screen knows about the sale; the same shape for the quote and the completion.

    ``sale_key``: made once when the cart opens (``uuid.uuid4()``) and kept for every retry: the
    sale's idempotency key and the card terminal's reference prefix. ``birth_date``: the patient's
    date of birth as typed at the counter; ``household_birth_dates``: (patient id, typed) for each
    other patient whose bag is in the cart. ``expected_patient_pay``: the total the screen showed
    (completion is refused when the server's total differs).
    """

    sale_key: uuid.UUID
    patient_id: uuid.UUID
    prescriptions: tuple[CartRx, ...] = ()
    store_items: tuple[CartItem, ...] = ()
    discount_code: str | None = None
    birth_date: str = ""
    household_birth_dates: tuple[tuple[uuid.UUID, str], ...] = ()
    picker: Picker | None = None
    tenders: tuple[TenderIn, ...] = ()
    signature_png: bytes = b""
    acknowledged_receipt: bool = False
    acknowledged_counseling: bool = False
    acknowledged_privacy_notice: bool = False
    expected_patient_pay: Decimal | None = None


@dataclass(frozen=True)
class QuoteLine:
    """One cart line priced: ``patient_pay`` = price - insurance_paid - discount (tax is the sale's)."""

    key: str  # the refill id, or 'upc:<upc>'
    kind: str  # 'rx' or 'store'
    description: str
    rx_number: str | None
    refill_id: uuid.UUID | None
    product_id: uuid.UUID | None
    quantity: Decimal
    price: Decimal
    insurance_paid: Decimal
    discount: Decimal
    patient_pay: Decimal
    taxable: bool
    fill_price: FillPrice | None = None  # the claim status and rejection of an Rx line


@dataclass
class PricedCart:
    """The cart as the server sees it now; ``problems`` are what stops it from being sold."""

    lines: list[QuoteLine]
    draft: SaleDraft | None
    refills: dict[uuid.UUID, PrescriptionRefill]
    prescriptions: dict[uuid.UUID, Prescription]
    products: dict[str, StoreProduct]
    discount: Discount | None
    grant: DiscountGrant | None
    discount_refused: str | None
    problems: list[str]
    tax_rate: Decimal = Decimal("0")  # the profile's rate the cart was priced at (kept with the sale)


def store_key(upc: str) -> str:
    return f"upc:{upc.strip()}"


def _discount_terms(row: Discount, *, times_used: int | None = None) -> DiscountTerms:
    applicable = row.applicable_medications or ()
    if isinstance(applicable, str):
        applicable = (applicable,)
    return DiscountTerms(
        code=row.code,
        description=row.description,
        discount_type=row.discount_type,
        value=Decimal(row.discount_value),
        max_uses=row.max_uses,
        times_used=(row.times_used or 0) if times_used is None else times_used,
        max_uses_per_patient=row.max_uses_per_patient,
        minimum_purchase=row.minimum_purchase_amount,
        applicable=tuple(str(a) for a in applicable),
        effective_date=row.effective_date,
        expiration_date=row.expiration_date,
        is_active=row.is_active is not False,
    )


def _rx_lines(
    uow: UnitOfWork, cart: PricedCart, request: SaleRequest
) -> tuple[list[RxCharge], dict[str, tuple[str | None, bool]]]:
    charges: list[RxCharge] = []
    facts: dict[str, tuple[str | None, bool]] = {}  # key -> (medication id, government plan)
    seen: set[uuid.UUID] = set()
    for line in request.prescriptions:
        if line.refill_id in seen:
            cart.problems.append("A prescription is in the cart twice; remove one.")
            continue
        seen.add(line.refill_id)
        refill = cart.refills.get(line.refill_id)
        rx = cart.prescriptions.get(refill.prescription_id) if refill is not None and refill.prescription_id else None
        if refill is None or rx is None:
            cart.problems.append("A prescription in the cart is no longer on file; open the pickup again.")
            continue
        if rx.status != "ready" or refill.status != "verified":
            cart.problems.append(
                f"Rx {rx.prescription_number} is no longer waiting in will-call "
                f"(it is '{rx.status.replace('_', ' ')}'): it was picked up or returned on another workstation."
            )
            continue
        price = fill_price(uow, refill)
        med = uow.prescriptions.medication(refill.medication_id)
        description = rules.describe(med.drug_name, strength_of(med), med.dosage_form) if med else refill.ndc_code
        key = str(refill.id)
        quantity = Decimal(refill.quantity_dispensed)
        if not price.sellable:
            cart.problems.append(f"Rx {rx.prescription_number}: {price.message}")
            cart.lines.append(
                QuoteLine(
                    key,
                    "rx",
                    description,
                    rx.prescription_number,
                    refill.id,
                    None,
                    quantity,
                    ZERO,
                    ZERO,
                    ZERO,
                    ZERO,
                    False,
                    price,
                )
            )
            continue
        charges.append(
            rx_charge(
                price, key=key, prescription_id=rx.id, description=description, ndc=refill.ndc_code, quantity=quantity
            )
        )
        facts[key] = (str(refill.medication_id) if refill.medication_id else None, price.government_plan)
        cart.lines.append(
            QuoteLine(
                key,
                "rx",
                description,
                rx.prescription_number,
                refill.id,
                None,
                quantity,
                price.price or ZERO,
                price.insurance_paid,
                ZERO,
                price.patient_pay or ZERO,
                False,
                price,
            )
        )
    return charges, facts


def _store_lines(uow: UnitOfWork, cart: PricedCart, request: SaleRequest) -> list[StoreCharge]:
    quantities: dict[str, int] = {}
    for item in request.store_items:
        upc = (item.upc or "").strip()
        if isinstance(item.quantity, bool) or not isinstance(item.quantity, int) or item.quantity < 1:
            cart.problems.append(f"Item {upc}: the quantity must be a whole number of at least 1.")
            continue
        quantities[upc] = quantities.get(upc, 0) + item.quantity
    charges = []
    for upc, quantity in quantities.items():
        product = uow.store_products.by_upc(upc)
        if product is None or not product.is_active:
            cart.problems.append(f"No store item has the UPC {upc}; remove it from the cart.")
            continue
        cart.products[upc] = product
        if product.quantity_on_hand < quantity:
            cart.problems.append(
                f"{product.name}: only {product.quantity_on_hand} on the shelf, {quantity} in the cart."
            )
        charge = StoreCharge(
            store_key(upc), product.id, product.name, quantity, Decimal(product.price), product.taxable
        )
        charges.append(charge)
        cart.lines.append(
            QuoteLine(
                charge.key,
                "store",
                product.name,
                None,
                None,
                product.id,
                Decimal(quantity),
                charge.amount,
                ZERO,
                ZERO,
                charge.amount,
                product.taxable,
            )
        )
    return charges


def price_cart(
    uow: UnitOfWork,
    request: SaleRequest,
    *,
    today: dt.date,
    refills: dict[uuid.UUID, PrescriptionRefill] | None = None,
    prescriptions: dict[uuid.UUID, Prescription] | None = None,
    discount_taken: bool = False,
) -> PricedCart:
    """Price the cart now. ``refills``/``prescriptions``: rows the caller already locked (the sale);
    ``discount_taken``: the caller already counted this sale's use of the code (times_used - 1 was
    the count before it)."""
    if refills is None:
        refills = {}
        for refill_id in {line.refill_id for line in request.prescriptions}:
            fill = uow.claims.refill(refill_id)
            if fill is not None:
                refills[fill.id] = fill
    if prescriptions is None:
        ids = {r.prescription_id for r in refills.values() if r.prescription_id}
        prescriptions = {rx.id: rx for rx in (uow.prescriptions.get(i) for i in ids) if rx is not None}
    cart = PricedCart([], None, refills, prescriptions, {}, None, None, None, [])
    rx_charges, facts = _rx_lines(uow, cart, request)
    store_charges = _store_lines(uow, cart, request)
    if not request.prescriptions and not request.store_items:
        cart.problems.append("The cart is empty: scan a bag or an item first.")
    grant = None
    code = (request.discount_code or "").strip()
    if code:
        row = uow.sales.discount_by_code(code)
        if row is None:
            cart.discount_refused = f"There is no discount code {code}. Check the code."
        else:
            cart.discount = row
            used = (row.times_used or 0) - (1 if discount_taken else 0)
            lines = [
                discountable_rx(c, medication_id=facts[c.key][0], government_plan=facts[c.key][1]) for c in rx_charges
            ]
            lines += [discountable_store(c) for c in store_charges]
            try:
                grant = grant_discount(
                    _discount_terms(row, times_used=used),
                    lines,
                    today=today,
                    patient_uses=uow.sales.patient_discount_uses(row.id, request.patient_id),
                )
            except DiscountRefused as refused:
                cart.discount_refused = str(refused)
    cart.grant = grant
    profile = uow.users.pharmacy_profile()
    rate = Decimal(profile.tax_rate) if profile is not None and profile.tax_rate is not None else ZERO
    cart.tax_rate = rate
    cart.draft = draft_sale(rx_charges, store_charges, grant, rate)
    per_line = dict(grant.per_line) if grant is not None else {}
    cart.lines = [
        dataclasses.replace(
            line, discount=per_line.get(line.key, ZERO), patient_pay=line.patient_pay - per_line.get(line.key, ZERO)
        )
        for line in cart.lines
    ]
    return cart
