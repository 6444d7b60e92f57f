"""Discount codes: each refusal says why in the cashier's words; the grant never exceeds what qualifies."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pharmacy_desktop.domain.discounts import (
    DiscountableLine,
    DiscountGrant,
    DiscountRefused,
    DiscountTerms,
    grant_discount,
    split_proportionally,
)

D = Decimal
TODAY = dt.date(2026, 12, 2)


def terms(**changes: object) -> DiscountTerms:
    values: dict[str, object] = {
        "code": "SAVE10",
        "description": "10% off",
        "discount_type": "percentage",
        "value": D(10),
        "max_uses": 50,
        "times_used": 3,
        "max_uses_per_patient": 1,
        "minimum_purchase": None,
        "applicable": (),
        "effective_date": dt.date(2026, 11, 1),
        "expiration_date": dt.date(2026, 12, 31),
        "is_active": True,
    }
    values.update(changes)
    return DiscountTerms(**values)  # type: ignore[arg-type]


def rx(key: str, amount: str, *, med: str = "med-1", ndc: str = "00093-0058-01", gov: bool = False) -> DiscountableLine:
    return DiscountableLine(key, D(amount), med, ndc, True, gov)


def store(key: str, amount: str) -> DiscountableLine:
    return DiscountableLine(key, D(amount), None, None, False, False)


def refused(t: DiscountTerms, lines: list[DiscountableLine], patient_uses: int = 0) -> str:
    with pytest.raises(DiscountRefused) as caught:
        grant_discount(t, lines, today=TODAY, patient_uses=patient_uses)
    assert caught.value.code == t.code and caught.value.reason in str(caught.value)
    return caught.value.reason


def test_percentage_of_the_whole_sale() -> None:
    grant = grant_discount(terms(), [rx("a", "20.00"), store("b", "5.55")], today=TODAY, patient_uses=0)
    assert grant.total == D("2.56")  # 10% of 25.55 = 2.555 -> half-up 2.56
    assert dict(grant.per_line) == {"a": D("2.01"), "b": D("0.55")}  # remainder cent on the largest line
    assert sum(grant.per_line.values()) == grant.total


def test_fixed_amount_never_exceeds_the_qualifying_lines() -> None:
    five_off = terms(discount_type="fixed_amount", value=D(5))
    assert grant_discount(five_off, [store("b", "12.50")], today=TODAY, patient_uses=0).total == D("5.00")
    small = grant_discount(five_off, [store("b", "3.20")], today=TODAY, patient_uses=0)
    assert small.total == D("3.20") and dict(small.per_line) == {"b": D("3.20")}


def test_a_percentage_over_100_is_capped_at_the_lines() -> None:
    grant = grant_discount(terms(value=D(150)), [store("b", "3.20")], today=TODAY, patient_uses=0)
    assert grant.total == D("3.20")


@pytest.mark.parametrize(
    ("changes", "patient_uses", "reason"),
    [
        ({"is_active": False}, 0, "not active"),
        ({"expiration_date": dt.date(2026, 11, 30)}, 0, "expired on 11/30/2026"),
        ({"effective_date": dt.date(2026, 12, 3)}, 0, "not yet valid (from 12/03/2026)"),
        ({"times_used": 50}, 0, "used up (50 of 50)"),
        ({}, 1, "this patient already used it"),
        ({"max_uses_per_patient": 3}, 3, "this patient already used it (3 of 3)"),
        ({"minimum_purchase": D(20)}, 0, "needs a purchase of $20.00 (this sale $12.50)"),
        ({"applicable": ("med-7",)}, 0, "no item in this sale qualifies"),
        ({"discount_type": "free_item"}, 0, "a free item code cannot be taken at the register"),
    ],
)
def test_refusals_say_why(changes: dict[str, object], patient_uses: int, reason: str) -> None:
    assert refused(terms(**changes), [store("b", "12.50")], patient_uses) == reason


def test_the_dates_are_inclusive_and_the_limits_allow_the_last_use() -> None:
    last_day = terms(effective_date=TODAY, expiration_date=TODAY, times_used=49, max_uses_per_patient=2)
    assert grant_discount(last_day, [store("b", "10.00")], today=TODAY, patient_uses=1).total == D("1.00")
    unlimited = terms(max_uses=None, max_uses_per_patient=None, expiration_date=None, times_used=10_000)
    assert grant_discount(unlimited, [store("b", "10.00")], today=TODAY, patient_uses=99).total == D("1.00")


def test_a_minimum_purchase_met_exactly_is_enough() -> None:
    assert grant_discount(terms(minimum_purchase=D("12.50")), [store("b", "12.50")], today=TODAY, patient_uses=0)


def test_government_plan_lines_never_get_a_coupon() -> None:
    lines = [rx("medicare", "40.00", gov=True), store("b", "10.00")]
    grant = grant_discount(terms(), lines, today=TODAY, patient_uses=0)
    assert dict(grant.per_line) == {"b": D("1.00")}  # only the store item


def test_when_only_government_lines_qualify_the_refusal_names_the_rule() -> None:
    reason = refused(terms(applicable=("prescriptions",)), [rx("a", "40.00", gov=True), store("b", "10.00")])
    assert "Medicare, Medicaid or TRICARE" in reason and "anti-kickback" in reason


@pytest.mark.parametrize(
    ("applicable", "qualifying"),
    [
        (("front_store",), {"s"}),
        (("prescriptions",), {"a", "b"}),
        (("med-2",), {"b"}),
        (("MED-2", "front_store"), {"b", "s"}),
        (("00093005801",), {"a"}),  # an NDC in any spelling
        ((), {"a", "b", "s"}),
    ],
)
def test_applicable_items(applicable: tuple[str, ...], qualifying: set[str]) -> None:
    lines = [rx("a", "10.00"), rx("b", "10.00", med="med-2", ndc="00378-1800-10"), store("s", "10.00")]
    grant = grant_discount(terms(applicable=applicable), lines, today=TODAY, patient_uses=0)
    assert set(grant.per_line) == qualifying
    assert grant.total == D("1.00") * len(qualifying)


def test_a_free_line_does_not_qualify() -> None:
    assert refused(terms(), [store("b", "0.00")]) == "no item in this sale qualifies"


def test_minimum_purchase_counts_the_whole_sale_including_government_lines() -> None:
    lines = [rx("a", "15.00", gov=True), store("b", "6.00")]
    grant = grant_discount(terms(minimum_purchase=D(20)), lines, today=TODAY, patient_uses=0)
    assert grant.total == D("0.60")


def test_the_message_is_for_the_cashier() -> None:
    with pytest.raises(DiscountRefused, match=r"^Discount code SAVE10 cannot be used: used up \(50 of 50\)\.$"):
        grant_discount(terms(times_used=50), [store("b", "1.00")], today=TODAY, patient_uses=0)
    assert issubclass(DiscountRefused, ValueError)


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError):
        terms(value=10.0)
    with pytest.raises(TypeError):
        store("b", "1.00").__class__("b", 1.0, None, None, False, False)  # type: ignore[arg-type]


def test_duplicate_line_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="own key"):
        grant_discount(terms(), [store("b", "1.00"), store("b", "2.00")], today=TODAY, patient_uses=0)


def test_split_puts_the_remainder_on_the_largest_line_and_never_over_a_line() -> None:
    assert split_proportionally(D("1.00"), {"a": D("1.00"), "b": D("2.00"), "c": D("1.00")}) == {
        "a": D("0.25"),
        "b": D("0.50"),
        "c": D("0.25"),
    }
    assert split_proportionally(D("0.10"), {"a": D("1.00"), "b": D("1.00"), "c": D("1.00")}) == {
        "a": D("0.04"),  # first of the equal largest lines
        "b": D("0.03"),
        "c": D("0.03"),
    }
    # 2.99 over three $1 lines: the floors leave 2 cents the largest line cannot take alone
    shares = split_proportionally(D("2.99"), {"a": D("1.00"), "b": D("1.00"), "c": D("1.00")})
    assert sum(shares.values()) == D("2.99") and all(v <= D("1.00") for v in shares.values())
    with pytest.raises(ValueError):
        split_proportionally(D("3.01"), {"a": D("3.00")})


def test_a_grant_must_add_up() -> None:
    with pytest.raises(ValueError, match="add up"):
        DiscountGrant("X", D("1.00"), {"a": D("0.50")})
