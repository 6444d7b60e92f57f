"""Usual-and-customary price: rules by priority and date, conditions, the base price without a rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pharmacy_desktop.domain.pricing import (
    DEFAULT_MARKUP,
    PriceFacts,
    PricingRule,
    PricingUnavailable,
    usual_and_customary,
)

D = Decimal
TODAY = dt.date(2026, 12, 2)
FEE = D("2.50")


def facts(**changes: object) -> PriceFacts:
    values: dict[str, object] = {
        "medication_id": "med-1",
        "ndc": "00093-0058-01",
        "is_generic": True,
        "insurance_type": "cash",
        "patient_category": "senior",
        "quantity": D(30),
        "awp_unit": D("1.2345"),
        "cost_unit": D("0.40"),
    }
    values.update(changes)
    return PriceFacts(**values)  # type: ignore[arg-type]


def rule(name: str = "r", method: str = "fixed_price", value: str = "4.00", **changes: object) -> PricingRule:
    values: dict[str, object] = {
        "rule_name": name,
        "rule_type": "usual_customary",
        "conditions": {},
        "method": method,
        "value": D(value),
        "priority": 0,
        "effective_date": dt.date(2026, 1, 1),
        "expiration_date": None,
        "is_active": True,
    }
    values.update(changes)
    return PricingRule(**values)  # type: ignore[arg-type]


def test_no_rule_prices_at_awp_times_quantity_plus_fee() -> None:
    quote = usual_and_customary([], facts(), TODAY, FEE)
    assert quote.ingredient == D("37.04")  # 1.2345 x 30 = 37.035 -> half-up 37.04
    assert (quote.fee, quote.total, quote.rule_name, quote.basis) == (FEE, D("39.54"), None, "awp")


def test_no_awp_prices_at_cost_with_the_default_markup() -> None:
    quote = usual_and_customary([], facts(awp_unit=None), TODAY, FEE)
    assert DEFAULT_MARKUP == D("1.25")
    assert quote.ingredient == D("15.00") and quote.basis == "cost_markup"
    assert quote.total == D("17.50")


def test_neither_awp_nor_cost_refuses_instead_of_pricing_at_zero() -> None:
    with pytest.raises(PricingUnavailable, match=r"no AWP or cost for NDC 00093-0058-01, set a price rule"):
        usual_and_customary([], facts(awp_unit=None, cost_unit=None), TODAY, FEE)


def test_a_fixed_price_rule_still_prices_a_drug_without_awp_or_cost() -> None:
    quote = usual_and_customary([rule("$4 list")], facts(awp_unit=None, cost_unit=None), TODAY, FEE)
    assert (quote.ingredient, quote.total, quote.rule_name, quote.basis) == (D("4.00"), D("6.50"), "$4 list", "rule")


def test_fixed_price_is_the_ingredient_price_of_the_fill() -> None:
    assert usual_and_customary([rule(value="9.99")], facts(), TODAY, D(0)).total == D("9.99")


def test_percentage_discount_takes_the_percent_off_the_base_price() -> None:
    quote = usual_and_customary([rule(method="percentage_discount", value="10")], facts(), TODAY, FEE)
    assert quote.ingredient == D("33.33")  # 37.035 x 0.90 = 33.3315
    cost_based = usual_and_customary([rule(method="percentage_discount", value="10")], facts(awp_unit=None), TODAY, FEE)
    assert cost_based.ingredient == D("13.50")  # 0.40 x 30 x 1.25 x 0.9


def test_awp_minus_percentage() -> None:
    quote = usual_and_customary([rule(method="awp_minus_percentage", value="15")], facts(), TODAY, FEE)
    assert quote.ingredient == D("31.48")  # 37.035 x 0.85 = 31.47975


def test_an_awp_rule_without_awp_does_not_apply_and_the_cost_price_is_used() -> None:
    quote = usual_and_customary([rule(method="awp_minus_percentage", value="15")], facts(awp_unit=None), TODAY, FEE)
    assert quote.rule_name is None and quote.basis == "cost_markup"


def test_a_rule_never_takes_the_ingredient_below_zero() -> None:
    quote = usual_and_customary([rule(method="awp_minus_percentage", value="150")], facts(), TODAY, FEE)
    assert quote.ingredient == D("0.00") and quote.total == FEE


def test_highest_priority_wins_even_when_dearer() -> None:
    rules = [rule("cheap", value="3.00", priority=1), rule("dear", value="8.00", priority=5)]
    assert usual_and_customary(rules, facts(), TODAY, FEE).rule_name == "dear"


def test_equal_priority_goes_to_the_lower_price() -> None:
    rules = [rule("dear", value="8.00", priority=2), rule("cheap", value="3.00", priority=2)]
    assert usual_and_customary(rules, facts(), TODAY, FEE).rule_name == "cheap"
    assert usual_and_customary(list(reversed(rules)), facts(), TODAY, FEE).rule_name == "cheap"


@pytest.mark.parametrize(
    ("effective", "expiration", "applies"),
    [
        (TODAY, None, True),  # effective date inclusive
        (dt.date(2026, 1, 1), TODAY, True),  # expiration date inclusive
        (TODAY + dt.timedelta(days=1), None, False),
        (dt.date(2026, 1, 1), TODAY - dt.timedelta(days=1), False),
    ],
)
def test_effective_and_expiration_dates_are_inclusive(
    effective: dt.date, expiration: dt.date | None, applies: bool
) -> None:
    quote = usual_and_customary(
        [rule("dated", effective_date=effective, expiration_date=expiration)], facts(), TODAY, FEE
    )
    assert (quote.rule_name == "dated") is applies


def test_an_inactive_rule_is_skipped() -> None:
    assert usual_and_customary([rule(is_active=False)], facts(), TODAY, FEE).rule_name is None


@pytest.mark.parametrize(
    ("conditions", "applies"),
    [
        ({"medication_id": "med-1"}, True),
        ({"medication_id": ["med-9", "MED-1"]}, True),  # a list is any-of
        ({"medication_id": "med-2"}, False),
        ({"ndc": "00093005801"}, True),  # any way of writing the NDC
        ({"ndc": ["0093-0058-01"]}, True),
        ({"ndc": "00093-0058-02"}, False),
        ({"brand_generic": "generic"}, True),
        ({"brand_generic": "brand"}, False),
        ({"insurance_type": ["cash", "commercial"]}, True),
        ({"insurance_type": "medicare"}, False),
        ({"patient_category": "senior"}, True),
        ({"patient_category": "employee"}, False),
        ({"brand_generic": "generic", "insurance_type": "cash", "patient_category": "senior"}, True),
        ({"brand_generic": "generic", "insurance_type": "medicaid"}, False),  # all must match
        ({"drug_class": "statin"}, False),  # unknown key: never broader
        ({"medication_id": []}, False),
        ({}, True),
    ],
)
def test_conditions(conditions: dict[str, object], applies: bool) -> None:
    quote = usual_and_customary([rule("cond", conditions=conditions)], facts(), TODAY, FEE)
    assert (quote.rule_name == "cond") is applies


def test_a_condition_on_a_fact_the_fill_lacks_does_not_match() -> None:
    unknown = facts(is_generic=None, insurance_type=None, patient_category=None, medication_id=None, ndc=None)
    for key, value in (("brand_generic", "brand"), ("insurance_type", "cash"), ("patient_category", "senior"),
                       ("medication_id", "med-1"), ("ndc", "00093-0058-01")):  # fmt: skip
        assert usual_and_customary([rule(conditions={key: value})], unknown, TODAY, FEE).rule_name is None


def test_the_rule_keeps_its_own_copy_of_the_conditions() -> None:
    conditions: dict[str, object] = {"insurance_type": "cash"}
    cash_only = rule("cash", conditions=conditions)
    conditions["insurance_type"] = "medicare"
    assert usual_and_customary([cash_only], facts(), TODAY, FEE).rule_name == "cash"
    hash(cash_only)  # usable in sets


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError):
        facts(quantity=30.0)
    with pytest.raises(TypeError):
        facts(awp_unit=1.23)
    with pytest.raises(TypeError):
        PricingRule("f", "usual_customary", {}, "fixed_price", 4.0, 0, TODAY, None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        usual_and_customary([], facts(), TODAY, 2.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "bad",
    [{"method": "cost_plus"}, {"value": D("-1")}],
)
def test_a_bad_rule_is_refused_when_built(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="pricing rule"):
        rule(**bad)


def test_quantity_must_be_positive_and_fee_not_negative() -> None:
    with pytest.raises(ValueError, match="quantity"):
        facts(quantity=D(0))
    with pytest.raises(ValueError, match="dispensing fee"):
        usual_and_customary([], facts(), TODAY, D("-1"))


def test_rounding_is_half_up_on_the_exact_price() -> None:
    # 0.0005 x 10 = 0.005 -> 0.01 (banker's rounding would give 0.00)
    assert usual_and_customary([], facts(awp_unit=D("0.0005"), quantity=D(10)), TODAY, D(0)).ingredient == D("0.01")
