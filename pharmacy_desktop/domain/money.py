"""Money: Decimal only, cents rounded half-up; invoice totals, cash change, card last four.

Invoice (DOMAIN.md "Money"): subtotal = item lines + dispensing fee; tax is charged on the
subtotal after the discount (a seller's discount lowers the taxable price in US states);
total = subtotal + tax - discount is what the sale is worth; patient_copay = total - insurance
payment is what the counter collects.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

Amount = Decimal | int | str


class InsufficientPayment(ValueError):
    """Cash tendered is less than the amount due."""


def _decimal(value: Amount, what: str = "amount") -> Decimal:
    # bool is an int subclass; float is rejected because 0.1 + 0.2 is not 0.3.
    if isinstance(value, (bool, float)) or not isinstance(value, (Decimal, int, str)):
        raise TypeError(f"{what} must be Decimal, int or str, not {type(value).__name__}")
    try:
        result = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{what} {value!r} is not a number") from None
    if not result.is_finite():
        raise ValueError(f"{what} must be a finite number")
    return result


def to_money(value: Amount) -> Decimal:
    """``value`` quantized to cents with ROUND_HALF_UP (Decimal('2.675') -> Decimal('2.68'))."""
    amount = _decimal(value)
    try:
        return amount.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more digits of cents than the context holds (28): 1e26 and up
        raise ValueError(f"amount {amount:.3e} is too large for money") from None


def format_money(value: Amount) -> str:
    amount = to_money(value)
    return f"-${-amount:,.2f}" if amount < 0 else f"${amount:,.2f}"


@dataclass(frozen=True)
class InvoiceLine:
    description: str
    quantity: Decimal
    unit_price: Decimal  # up to 4 decimals, as invoice_items.unit_price

    def __post_init__(self) -> None:
        for what, value in (("quantity", self.quantity), ("unit price", self.unit_price)):
            if _decimal(value, what) < 0:
                raise ValueError(f"{what} cannot be negative")

    @property
    def total(self) -> Decimal:
        return to_money(_decimal(self.quantity, "quantity") * _decimal(self.unit_price, "unit price"))


@dataclass(frozen=True)
class InvoiceTotals:
    subtotal: Decimal
    tax: Decimal
    discount: Decimal
    insurance_payment: Decimal
    total: Decimal
    patient_copay: Decimal


def _non_negative(value: Amount, what: str) -> Decimal:
    amount = _decimal(value, what)
    if amount < 0:
        raise ValueError(f"{what} cannot be negative")
    return to_money(amount)


def compute_invoice(
    items: Iterable[InvoiceLine | Amount],
    dispensing_fee: Amount = 0,
    tax_rate: Amount = 0,
    discount: Amount = 0,
    insurance_payment: Amount = 0,
) -> InvoiceTotals:
    """Invoice totals; ``items`` are InvoiceLines or line amounts; ``tax_rate`` 0.0825 = 8.25%."""
    lines = [item.total if isinstance(item, InvoiceLine) else _non_negative(item, "item") for item in items]
    rate = _decimal(tax_rate, "tax rate")
    if not 0 <= rate < 1:
        raise ValueError("tax rate must be a fraction between 0 and 1 (0.0825 for 8.25%)")
    subtotal = to_money(sum(lines, ZERO) + _non_negative(dispensing_fee, "dispensing fee"))
    off = _non_negative(discount, "discount")
    if off > subtotal:
        raise ValueError(f"discount {off} exceeds the subtotal {subtotal}")
    tax = to_money((subtotal - off) * rate)
    total = subtotal + tax - off
    paid_by_plan = _non_negative(insurance_payment, "insurance payment")
    if paid_by_plan > total:
        raise ValueError(f"insurance payment {paid_by_plan} exceeds the invoice total {total}")
    return InvoiceTotals(subtotal, tax, off, paid_by_plan, total, total - paid_by_plan)


def cash_change(due: Amount, tendered: Amount) -> Decimal:
    """Change to hand back; raises InsufficientPayment when ``tendered`` < ``due``."""
    owed, given = to_money(due), to_money(tendered)
    if given < owed:
        raise InsufficientPayment(
            f"Tendered {format_money(given)} is less than the {format_money(owed)} due "
            f"({format_money(owed - given)} short)."
        )
    return given - owed


def card_last_four(pan: str) -> str:
    """The last four digits of a card number; the rest is never stored or echoed in errors."""
    if not isinstance(pan, str):
        raise TypeError("card number must be text (an int would lose leading zeros)")
    digits = pan.replace(" ", "").replace("-", "")
    if not digits.isascii() or not digits.isdigit():
        raise ValueError("card number may contain only digits, spaces and dashes")
    if len(digits) < 4:
        raise ValueError("card number needs at least 4 digits")
    return digits[-4:]
