"""Usual-and-customary price of a fill (issue 13 item 5): pricing rules matched against the fill.

A rule applies when it is active, ``on`` lies within its effective..expiration dates (both
inclusive, no expiration = open-ended) and every condition matches. Of the rules that apply and can
be priced, the highest priority wins; rules of equal priority are settled by the LOWER price —
patient-friendly on purpose: U&C is the cash price the patient pays, and the pharmacy chose both
rules, so an ambiguity never costs the patient more. Without a rule the ingredient is AWP x
quantity, or cost x quantity x DEFAULT_MARKUP; with neither the fill is never priced at $0 silently
(PricingUnavailable).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

from pharmacy_desktop.domain.money import ZERO, to_money
from pharmacy_desktop.domain.ndc import InvalidNDC, to_ndc12

DEFAULT_MARKUP = Decimal("1.25")  # cost plus 25% when a drug has no AWP and no rule
METHODS = ("fixed_price", "percentage_discount", "awp_minus_percentage")
CONDITION_KEYS = ("medication_id", "ndc", "brand_generic", "insurance_type", "patient_category")
INSURANCE_TYPES = ("cash", "commercial", "medicare", "medicaid", "tricare")
BASIS_RULE, BASIS_AWP, BASIS_COST = "rule", "awp", "cost_markup"
HUNDRED = Decimal(100)


class PricingUnavailable(ValueError):
    """No rule, AWP or cost to price the fill with: a person has to set one."""


def decimal_field(value: object, what: str, *, minimum: Decimal | None = ZERO) -> Decimal:
    """``value`` as a Decimal (float/bool refused with TypeError), at least ``minimum`` (ValueError)."""
    if isinstance(value, (bool, float)) or not isinstance(value, (Decimal, int)):
        raise TypeError(f"{what} must be a Decimal, not {type(value).__name__}")
    amount = Decimal(value)
    if not amount.is_finite():
        raise ValueError(f"{what} must be a finite number")
    if minimum is not None and amount < minimum:
        raise ValueError(f"{what} cannot be less than {minimum}")
    return amount


def ndc_key(text: str) -> str:
    """The comparable form of an NDC (12-digit key; any other text stripped and lower-cased)."""
    try:
        return to_ndc12(text)
    except InvalidNDC:
        return text.strip().lower()


@dataclass(frozen=True)
class PriceFacts:
    """What the rules look at: the drug, the patient's plan and category, the quantity and unit prices."""

    medication_id: str | None
    ndc: str | None
    is_generic: bool | None
    insurance_type: str | None
    patient_category: str | None
    quantity: Decimal
    awp_unit: Decimal | None
    cost_unit: Decimal | None

    def __post_init__(self) -> None:
        if decimal_field(self.quantity, "quantity") <= 0:
            raise ValueError("quantity must be more than 0")
        for what, value in (("AWP per unit", self.awp_unit), ("cost per unit", self.cost_unit)):
            if value is not None:
                decimal_field(value, what)


def _wanted(value: object) -> tuple[str, ...]:
    # A condition value is one value or a list meaning any-of; JSON may hold numbers for ids.
    values = value if isinstance(value, (list, tuple)) else [value]
    return tuple(str(v).strip().lower() for v in values if v is not None)


def _fact_for(key: str, facts: PriceFacts) -> str | None:
    if key == "medication_id":
        return None if facts.medication_id is None else str(facts.medication_id).strip().lower()
    if key == "ndc":
        return None if facts.ndc is None else ndc_key(facts.ndc)
    if key == "brand_generic":
        return None if facts.is_generic is None else ("generic" if facts.is_generic else "brand")
    if key == "insurance_type":
        return None if facts.insurance_type is None else facts.insurance_type.strip().lower()
    if key == "patient_category":
        return None if facts.patient_category is None else facts.patient_category.strip().lower()
    return None


@dataclass(frozen=True)
class PricingRule:
    """One row of billing_schema.pricing_rules (method = pricing_method, value = pricing_value)."""

    rule_name: str
    rule_type: str
    conditions: Mapping[str, object] = field(hash=False)  # JSON; a read-only copy after __post_init__
    method: str
    value: Decimal
    priority: int
    effective_date: dt.date
    expiration_date: dt.date | None
    is_active: bool = True

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"pricing rule {self.rule_name!r}: method must be one of {', '.join(METHODS)}")
        decimal_field(self.value, f"pricing rule {self.rule_name!r} value")
        # A copy the caller cannot change after the rule was checked.
        object.__setattr__(self, "conditions", MappingProxyType(dict(self.conditions or {})))

    def in_effect(self, on: dt.date) -> bool:
        """Active, and ``on`` within effective..expiration (inclusive; no expiration = open-ended)."""
        if not self.is_active or on < self.effective_date:
            return False
        return self.expiration_date is None or on <= self.expiration_date

    def matches(self, facts: PriceFacts) -> bool:
        """Every condition matches the facts; an unknown condition key never matches (never broader)."""
        for key, value in self.conditions.items():
            if key not in CONDITION_KEYS:
                return False
            fact = _fact_for(key, facts)
            wanted = _wanted(value)
            if key == "ndc":
                wanted = tuple(ndc_key(w) for w in wanted)
            if fact is None or fact not in wanted:
                return False
        return True

    def ingredient(self, facts: PriceFacts) -> Decimal | None:
        """The unrounded ingredient price this rule gives, or None when the fill lacks what it needs."""
        if self.method == "fixed_price":
            price = self.value
        elif self.method == "awp_minus_percentage":
            if facts.awp_unit is None:
                return None  # an AWP rule never falls back to cost: that would be another price
            price = facts.awp_unit * facts.quantity * (HUNDRED - self.value) / HUNDRED
        else:
            base = _base_price(facts)
            if base is None:
                return None
            price = base[0] * (HUNDRED - self.value) / HUNDRED
        return max(price, ZERO)  # a rule never takes the ingredient below $0


def _base_price(facts: PriceFacts) -> tuple[Decimal, str] | None:
    if facts.awp_unit is not None:
        return facts.awp_unit * facts.quantity, BASIS_AWP
    if facts.cost_unit is not None:
        return facts.cost_unit * facts.quantity * DEFAULT_MARKUP, BASIS_COST
    return None


@dataclass(frozen=True)
class PriceQuote:
    """Ingredient + fee = total (cents); rule_name None when no rule applied; basis: rule|awp|cost_markup."""

    ingredient: Decimal
    fee: Decimal
    total: Decimal
    rule_name: str | None
    basis: str
    detail: str = ""  # one line for the screen: how the price was reached


def usual_and_customary(
    rules: Iterable[PricingRule], facts: PriceFacts, on: dt.date, dispensing_fee: Decimal
) -> PriceQuote:
    """The U&C price of the fill on ``on``: the winning rule's ingredient (or the base price) plus the fee."""
    fee = to_money(decimal_field(dispensing_fee, "dispensing fee"))
    priced: list[tuple[int, Decimal, str, PricingRule]] = []
    for rule in rules:
        if not (rule.in_effect(on) and rule.matches(facts)):
            continue
        price = rule.ingredient(facts)
        if price is not None:
            priced.append((rule.priority, to_money(price), rule.rule_name, rule))
    if priced:
        # Highest priority, then the lower price (patient-friendly), then the name (deterministic).
        _, ingredient, name, rule = min(priced, key=lambda p: (-p[0], p[1], p[2]))
        detail = f"rule {name!r} ({rule.method.replace('_', ' ')} {rule.value})"
        return PriceQuote(ingredient, fee, ingredient + fee, name, BASIS_RULE, detail)
    base = _base_price(facts)
    if base is None:
        raise PricingUnavailable(f"no AWP or cost for NDC {facts.ndc or '(none)'}, set a price rule or the item's cost")
    ingredient = to_money(base[0])
    if base[1] == BASIS_AWP:
        detail = f"AWP {facts.awp_unit} x {facts.quantity}"
    else:
        detail = f"cost {facts.cost_unit} x {facts.quantity} x {DEFAULT_MARKUP} markup"
    return PriceQuote(ingredient, fee, ingredient + fee, None, base[1], detail)
