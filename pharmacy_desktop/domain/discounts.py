"""Discount codes at the register (issue 13 item 8): may this code be used on this sale, and for how much.

A refusal is a DiscountRefused whose ``reason`` the cashier reads out. Lines paid in part by a
government plan (Medicare, Medicaid, TRICARE) never get a coupon: the federal anti-kickback statute
treats a coupon on a federally paid item as an inducement. The minimum purchase is measured on the
whole sale (what the patient pays before the discount); the discount itself only on the lines that
qualify, and never more than they are worth.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from types import MappingProxyType

from pharmacy_desktop.domain.money import CENT, ZERO, format_money, to_money
from pharmacy_desktop.domain.pricing import decimal_field, ndc_key

DISCOUNT_TYPES = ("percentage", "fixed_amount")
FRONT_STORE, PRESCRIPTIONS = "front_store", "prescriptions"  # the two words `applicable` may hold
HUNDRED = Decimal(100)


class DiscountRefused(ValueError):
    """The code cannot be used on this sale; ``reason`` says why, in words for the cashier."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"Discount code {code} cannot be used: {reason}.")
        self.code = code
        self.reason = reason


def _us_date(day: dt.date) -> str:
    return f"{day.month:02d}/{day.day:02d}/{day.year}"


@dataclass(frozen=True)
class DiscountTerms:
    """One row of billing_schema.discounts; ``applicable`` empty = every item."""

    code: str
    description: str
    discount_type: str
    value: Decimal
    max_uses: int | None
    times_used: int
    max_uses_per_patient: int | None
    minimum_purchase: Decimal | None
    applicable: tuple[str, ...]
    effective_date: dt.date
    expiration_date: dt.date | None
    is_active: bool = True

    def __post_init__(self) -> None:
        decimal_field(self.value, f"discount {self.code} value")
        if self.minimum_purchase is not None:
            decimal_field(self.minimum_purchase, f"discount {self.code} minimum purchase")
        if self.times_used < 0:
            raise ValueError(f"discount {self.code}: times used cannot be negative")


@dataclass(frozen=True)
class DiscountableLine:
    """A cart line as the discount sees it: ``amount`` is what the patient would pay for it (cents)."""

    key: str
    amount: Decimal
    medication_id: str | None
    ndc: str | None
    is_prescription: bool
    government_plan: bool

    def __post_init__(self) -> None:
        decimal_field(self.amount, f"line {self.key} amount")


@dataclass(frozen=True)
class DiscountGrant:
    """The discount granted: ``total`` = sum of ``per_line`` (keys of the qualifying lines)."""

    code: str
    total: Decimal
    per_line: Mapping[str, Decimal] = field(hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "per_line", MappingProxyType(dict(self.per_line)))
        if sum(self.per_line.values(), ZERO) != self.total:
            raise ValueError(f"discount {self.code}: the lines' shares do not add up to the total")


def _qualifies(terms: DiscountTerms, line: DiscountableLine) -> bool:
    if not terms.applicable:
        return True
    for entry in terms.applicable:
        word = str(entry).strip().lower()
        if word == FRONT_STORE and not line.is_prescription:
            return True
        if word == PRESCRIPTIONS and line.is_prescription:
            return True
        if line.medication_id is not None and word == str(line.medication_id).strip().lower():
            return True
        if line.ndc is not None and ndc_key(word) == ndc_key(line.ndc):
            return True
    return False


def _refusal(terms: DiscountTerms, today: dt.date, patient_uses: int) -> str | None:
    if not terms.is_active:
        return "not active"
    if terms.discount_type not in DISCOUNT_TYPES:
        return f"a {terms.discount_type.replace('_', ' ')} code cannot be taken at the register"
    if today < terms.effective_date:
        return f"not yet valid (from {_us_date(terms.effective_date)})"
    if terms.expiration_date is not None and today > terms.expiration_date:
        return f"expired on {_us_date(terms.expiration_date)}"
    if terms.max_uses is not None and terms.times_used >= terms.max_uses:
        return f"used up ({terms.times_used} of {terms.max_uses})"
    limit = terms.max_uses_per_patient
    if limit is not None and patient_uses >= limit:
        return "this patient already used it" + ("" if limit == 1 else f" ({patient_uses} of {limit})")
    return None


def split_proportionally(total: Decimal, weights: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """``total`` (cents, at most the sum of weights) split over the keys in proportion to their weights.

    Each share is rounded down to the cent and the remaining cents go to the largest line (the
    first of equal ones); a share never exceeds its weight, so what the largest line cannot take
    goes to the next largest. The shares add up to ``total`` exactly.
    """
    whole = sum(weights.values(), ZERO)
    if total < 0 or total > whole:
        raise ValueError(f"cannot split {total} over lines worth {whole}")
    if whole == 0:
        return {key: ZERO for key in weights}
    shares = {key: (total * w / whole).quantize(CENT, rounding=ROUND_DOWN) for key, w in weights.items()}
    left = total - sum(shares.values(), ZERO)
    for key in sorted(weights, key=lambda k: -weights[k]):  # stable: the first largest line first
        if left <= 0:
            break
        extra = min(left, weights[key] - shares[key])
        shares[key] += extra
        left -= extra
    return shares


def grant_discount(
    terms: DiscountTerms, lines: Sequence[DiscountableLine], *, today: dt.date, patient_uses: int
) -> DiscountGrant:
    """The discount this code gives on these lines today, or DiscountRefused saying why not."""
    reason = _refusal(terms, today, patient_uses)
    if reason is not None:
        raise DiscountRefused(terms.code, reason)
    amounts = {line.key: to_money(line.amount) for line in lines}
    if len(amounts) != len(lines):
        raise ValueError("each cart line needs its own key")
    sale = sum(amounts.values(), ZERO)
    if terms.minimum_purchase is not None and sale < to_money(terms.minimum_purchase):
        raise DiscountRefused(
            terms.code,
            f"needs a purchase of {format_money(terms.minimum_purchase)} (this sale {format_money(sale)})",
        )
    matching = [line for line in lines if _qualifies(terms, line) and amounts[line.key] > 0]
    qualifying = {line.key: amounts[line.key] for line in matching if not line.government_plan}
    if not qualifying:
        if matching:
            raise DiscountRefused(
                terms.code,
                "the items it applies to are paid in part by Medicare, Medicaid or TRICARE, and a coupon "
                "may not be used on them (federal anti-kickback rule)",
            )
        raise DiscountRefused(terms.code, "no item in this sale qualifies")
    worth = sum(qualifying.values(), ZERO)
    value = decimal_field(terms.value, "discount value")
    total = to_money(worth * value / HUNDRED) if terms.discount_type == "percentage" else to_money(value)
    total = min(total, worth)
    return DiscountGrant(terms.code, total, split_proportionally(total, qualifying))
