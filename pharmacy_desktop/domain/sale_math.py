"""The cart to invoices (issue 13 item 9 and its Invariants): one invoice per prescription charge, one
front-store invoice for all store items, the tender plan and the refund of store lines.

Every InvoiceDraft checks the invariants when it is built, so none can exist without them:
subtotal = sum of the non-tax lines, tax = sum of the tax lines, total = subtotal + tax - discount,
copay = total - insurance, all >= 0. Prescriptions are not taxed; taxable store lines are taxed after
their share of the discount (a seller's coupon lowers the taxable price in US states), as ONE tax line.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from pharmacy_desktop.domain.discounts import DiscountableLine, DiscountGrant
from pharmacy_desktop.domain.money import ZERO, format_money, to_money
from pharmacy_desktop.domain.money import InsufficientPayment as InsufficientPayment  # plan_tenders raises it
from pharmacy_desktop.domain.pricing import decimal_field
from pharmacy_desktop.domain.sale_tenders import TENDER_METHODS as TENDER_METHODS
from pharmacy_desktop.domain.sale_tenders import Allocation as Allocation
from pharmacy_desktop.domain.sale_tenders import PlannedTender as PlannedTender
from pharmacy_desktop.domain.sale_tenders import Tender as Tender
from pharmacy_desktop.domain.sale_tenders import TenderExceedsBalance as TenderExceedsBalance
from pharmacy_desktop.domain.sale_tenders import TenderPlan as TenderPlan
from pharmacy_desktop.domain.sale_tenders import plan_tenders as plan_tenders

Id = str | uuid.UUID
FRONT_STORE_KEY = "front_store"  # the key of the front-store invoice (prescription invoices: the charge key)
ITEM_TYPES = ("medication", "dispensing_fee", "front_store", "tax", "refund", "copay")
UNIT = Decimal("0.0001")  # invoice_items.unit_price keeps 4 decimals


@dataclass(frozen=True)
class RxCharge:
    """A filled prescription in the cart; the patient owes ingredient + fee - insurance_paid."""

    key: str
    prescription_id: Id
    description: str
    ndc: str | None
    quantity: Decimal
    ingredient_price: Decimal
    dispensing_fee: Decimal
    insurance_paid: Decimal

    def __post_init__(self) -> None:
        if decimal_field(self.quantity, "quantity") <= 0:
            raise ValueError("a prescription's quantity must be more than 0")
        # Messages name no drug: with the sale they would tell what the patient takes.
        for what in ("ingredient_price", "dispensing_fee", "insurance_paid"):
            decimal_field(getattr(self, what), f"a prescription's {what.replace('_', ' ')}")
        if to_money(self.insurance_paid) > self.price:
            raise ValueError(
                f"the plan paid {format_money(self.insurance_paid)} for a prescription priced "
                f"{format_money(self.price)}; price it at the plan's allowed amount"
            )

    @property
    def price(self) -> Decimal:
        """Ingredient + fee, in cents."""
        return to_money(self.ingredient_price) + to_money(self.dispensing_fee)

    @property
    def patient_owes(self) -> Decimal:
        """What the patient pays before any discount."""
        return self.price - to_money(self.insurance_paid)


@dataclass(frozen=True)
class StoreCharge:
    """A front-store item (by UPC) in the cart: quantity x unit price, taxable or not."""

    key: str
    product_id: Id
    description: str
    quantity: int
    unit_price: Decimal
    taxable: bool

    def __post_init__(self) -> None:
        if isinstance(self.quantity, bool) or not isinstance(self.quantity, int) or self.quantity < 1:
            raise ValueError(f"{self.description}: quantity must be a whole number of at least 1")
        decimal_field(self.unit_price, f"{self.description}: unit price")

    @property
    def amount(self) -> Decimal:
        """Quantity x unit price, in cents."""
        return to_money(self.quantity * self.unit_price)


def discountable_rx(charge: RxCharge, *, medication_id: str | None, government_plan: bool) -> DiscountableLine:
    """The prescription charge as grant_discount sees it (its amount is the patient's part)."""
    return DiscountableLine(charge.key, charge.patient_owes, medication_id, charge.ndc, True, government_plan)


def discountable_store(charge: StoreCharge) -> DiscountableLine:
    """The store charge as grant_discount sees it."""
    return DiscountableLine(charge.key, charge.amount, None, None, False, False)


@dataclass(frozen=True)
class LineDraft:
    """One invoice_items row; ``taxable`` (not stored: read from store_products) lets refunds give tax back."""

    item_type: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    total_price: Decimal
    ndc: str | None = None
    product_id: Id | None = None
    taxable: bool = False

    def __post_init__(self) -> None:
        if self.item_type not in ITEM_TYPES:
            raise ValueError(f"invoice line type must be one of {', '.join(ITEM_TYPES)}")
        if to_money(self.total_price) != self.total_price:
            raise ValueError(f"{self.description}: a line total must be in whole cents")


@dataclass(frozen=True)
class InvoiceDraft:
    """One invoice: ``key`` is the RxCharge key or FRONT_STORE_KEY; prescription_id None for front store."""

    key: str
    prescription_id: Id | None
    lines: tuple[LineDraft, ...]
    subtotal: Decimal
    tax_amount: Decimal
    discount_amount: Decimal
    insurance_payment: Decimal
    total_amount: Decimal
    patient_copay: Decimal

    def __post_init__(self) -> None:
        problem = invoice_problem(self)
        if problem:
            raise ValueError(f"invoice {self.key}: {problem}")


def invoice_problem(invoice: InvoiceDraft) -> str | None:
    """Which invariant the invoice breaks, or None."""
    goods = sum((line.total_price for line in invoice.lines if line.item_type != "tax"), ZERO)
    tax = sum((line.total_price for line in invoice.lines if line.item_type == "tax"), ZERO)
    amounts = (invoice.subtotal, invoice.tax_amount, invoice.discount_amount, invoice.insurance_payment)
    if any(to_money(a) != a for a in (*amounts, invoice.total_amount, invoice.patient_copay)):
        return "amounts must be in whole cents"
    if invoice.subtotal != goods:
        return f"subtotal {invoice.subtotal} is not the sum of its lines {goods}"
    if invoice.tax_amount != tax:
        return f"tax {invoice.tax_amount} is not the sum of its tax lines {tax}"
    if invoice.total_amount != invoice.subtotal + invoice.tax_amount - invoice.discount_amount:
        return "total is not subtotal + tax - discount"
    if invoice.patient_copay != invoice.total_amount - invoice.insurance_payment:
        return "copay is not total - insurance"
    if min(*amounts, invoice.total_amount, invoice.patient_copay) < 0:
        return "an amount is below zero"
    return None


@dataclass(frozen=True)
class SaleDraft:
    """The invoices of a sale and their sums; patient_pay is what the counter collects."""

    invoices: tuple[InvoiceDraft, ...]
    subtotal: Decimal
    tax: Decimal
    discount: Decimal
    insurance: Decimal
    total: Decimal
    patient_pay: Decimal
    discount_code: str | None = None


def _rx_invoice(charge: RxCharge, discount: Decimal) -> InvoiceDraft:
    ingredient, fee = to_money(charge.ingredient_price), to_money(charge.dispensing_fee)
    unit = (ingredient / charge.quantity).quantize(UNIT, rounding=ROUND_HALF_UP)
    lines = [LineDraft("medication", charge.description, charge.quantity, unit, ingredient, charge.ndc)]
    if fee > 0:
        lines.append(LineDraft("dispensing_fee", "Dispensing fee", Decimal(1), fee, fee))
    off = min(discount, charge.patient_owes)  # a coupon never reduces what the plan pays
    total = charge.price - off
    insurance = to_money(charge.insurance_paid)
    return InvoiceDraft(
        charge.key, charge.prescription_id, tuple(lines), charge.price, ZERO, off, insurance, total, total - insurance
    )


def _store_invoice(charges: Sequence[StoreCharge], per_line: Mapping[str, Decimal], rate: Decimal) -> InvoiceDraft:
    lines = [
        LineDraft(
            "front_store", c.description, Decimal(c.quantity), c.unit_price, c.amount, None, c.product_id, c.taxable
        )
        for c in charges
    ]
    offs = {c.key: min(per_line.get(c.key, ZERO), c.amount) for c in charges}
    taxable_net = sum((c.amount - offs[c.key] for c in charges if c.taxable), ZERO)
    tax = to_money(taxable_net * rate)
    if tax > 0:
        lines.append(LineDraft("tax", "Sales tax", Decimal(1), tax, tax))
    subtotal = sum((c.amount for c in charges), ZERO)
    off = sum(offs.values(), ZERO)
    total = subtotal + tax - off
    return InvoiceDraft(FRONT_STORE_KEY, None, tuple(lines), subtotal, tax, off, ZERO, total, total)


def tax_rate_of(value: Decimal) -> Decimal:
    """The pharmacy's tax rate checked: a Decimal fraction, 0 <= rate < 1 (0.0825 = 8.25%)."""
    rate = decimal_field(value, "tax rate")
    if rate >= 1:
        raise ValueError("tax rate must be a fraction below 1 (0.0825 for 8.25%)")
    return rate


def draft_sale(
    rx_charges: Sequence[RxCharge],
    store_charges: Sequence[StoreCharge],
    discount: DiscountGrant | None,
    tax_rate: Decimal,
) -> SaleDraft:
    """The cart priced as invoices (prescriptions in cart order, then the front-store invoice)."""
    rate = tax_rate_of(tax_rate)
    keys = [c.key for c in rx_charges] + [c.key for c in store_charges]
    if len(set(keys)) != len(keys) or FRONT_STORE_KEY in {c.key for c in rx_charges}:
        raise ValueError("each cart line needs its own key")
    per_line: Mapping[str, Decimal] = discount.per_line if discount is not None else {}
    unknown = set(per_line) - set(keys)
    if unknown:
        raise ValueError("the discount names lines that are not in the cart; apply the code again")
    invoices = [_rx_invoice(c, per_line.get(c.key, ZERO)) for c in rx_charges]
    if store_charges:
        invoices.append(_store_invoice(store_charges, per_line, rate))
    return SaleDraft(
        tuple(invoices),
        sum((i.subtotal for i in invoices), ZERO),
        sum((i.tax_amount for i in invoices), ZERO),
        sum((i.discount_amount for i in invoices), ZERO),
        sum((i.insurance_payment for i in invoices), ZERO),
        sum((i.total_amount for i in invoices), ZERO),
        sum((i.patient_copay for i in invoices), ZERO),
        discount.code if discount is not None and discount.total > 0 else None,
    )


# -- refunds of front-store lines (prescription invoices are refunded whole: cancelled) --------------


@dataclass(frozen=True)
class LineRefund:
    """Give back ``quantity`` units of the front-store line at ``line_index`` of the invoice."""

    line_index: int
    quantity: int


@dataclass(frozen=True)
class RefundDraft:
    """The negative lines to add, the invoice with them (totals recomputed) and the amount to give back."""

    lines: tuple[LineDraft, ...]
    invoice: InvoiceDraft
    refund_amount: Decimal


def _product(line: LineDraft, index: int) -> object:
    return line.product_id if line.product_id is not None else ("line", index)


def _left_of(invoice: InvoiceDraft) -> dict[object, tuple[Decimal, Decimal]]:
    # Units and money of each product not refunded yet: sold lines plus (negative) refund lines.
    left: dict[object, tuple[Decimal, Decimal]] = {}
    for index, line in enumerate(invoice.lines):
        if line.item_type in ("front_store", "refund"):
            units, money = left.get(_product(line, index), (ZERO, ZERO))
            left[_product(line, index)] = (units + line.quantity, money + line.total_price)
    return left


def refund_store_lines(invoice: InvoiceDraft, refunds: Sequence[LineRefund], tax_rate: Decimal) -> RefundDraft:
    """Refund store units: a 'refund' line each, one negative 'tax' line, invariants kept; tax at the sale's rate.

    The invoice's discount is given up in proportion to the goods refunded (the stored invoice does
    not say which line the coupon was on), so the patient gets back what those units cost after it.
    """
    if invoice.prescription_id is not None:
        raise ValueError("a prescription invoice is refunded whole (cancelled), not by line")
    rate = tax_rate_of(tax_rate)
    left, invoice_left = _left_of(invoice), _left_of(invoice)
    new_lines: list[LineDraft] = []
    refunded = taxable_refunded = ZERO
    for refund in refunds:
        if (
            not 0 <= refund.line_index < len(invoice.lines)
            or invoice.lines[refund.line_index].item_type != "front_store"
        ):
            raise ValueError(f"line {refund.line_index + 1} of the invoice is not a front-store item")
        line = invoice.lines[refund.line_index]
        if isinstance(refund.quantity, bool) or not isinstance(refund.quantity, int) or refund.quantity < 1:
            raise ValueError(f"{line.description}: the quantity to refund must be a whole number of at least 1")
        product = _product(line, refund.line_index)
        units, money = left[product]
        if refund.quantity > units:
            before = invoice_left[product][0]
            what = f"only {before.normalize():f} were left" if before else "all of it was refunded already"
            raise ValueError(f"{line.description}: cannot refund that many, {what} on this invoice")
        # The last units give back exactly what is left, so a full refund always comes to zero.
        gross = money if refund.quantity == units else min(money, to_money(refund.quantity * line.unit_price))
        left[product] = (units - refund.quantity, money - gross)
        refunded += gross
        taxable_refunded += gross if line.taxable else ZERO
        description = f"Refund: {line.description}"
        units_back = Decimal(-refund.quantity)
        new_lines.append(
            LineDraft("refund", description, units_back, line.unit_price, -gross, None, line.product_id, line.taxable)
        )
    if not new_lines:
        raise ValueError("nothing to refund: choose at least one item")
    goods, off, tax = invoice.subtotal, invoice.discount_amount, invoice.tax_amount
    off_back = off if refunded == goods else min(off, to_money(off * refunded / goods))
    taxable = {
        _product(line, i) for i, line in enumerate(invoice.lines) if line.taxable and line.item_type == "front_store"
    }
    taxable_kept = sum((left[product][1] for product in taxable), ZERO)
    if refunded == goods or (taxable_kept == 0 and taxable_refunded > 0):
        tax_back = tax  # nothing taxable stays: every cent of tax goes back
    elif taxable_refunded == 0:
        tax_back = ZERO
    else:
        taxable_net = taxable_refunded - off_back * taxable_refunded / refunded
        tax_back = min(tax, to_money(taxable_net * rate))
    if tax_back > 0:
        new_lines.append(LineDraft("tax", "Sales tax refund", Decimal(-1), tax_back, -tax_back))
    subtotal, tax_amount, discount = goods - refunded, tax - tax_back, off - off_back
    total = subtotal + tax_amount - discount
    copay = total - invoice.insurance_payment
    lines = invoice.lines + tuple(new_lines)
    updated = InvoiceDraft(
        invoice.key, None, lines, subtotal, tax_amount, discount, invoice.insurance_payment, total, copay
    )
    return RefundDraft(tuple(new_lines), updated, invoice.patient_copay - updated.patient_copay)
