"""Money: amounts are Decimal cents, rounded half-up; invoices add up; invalid amounts raise
ValueError/TypeError with a message (never decimal's own signals)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from pharmacy_desktop.domain.money import (
    CENT,
    InsufficientPayment,
    InvoiceLine,
    card_last_four,
    cash_change,
    compute_invoice,
    format_money,
    to_money,
)
from tests.property.conftest import PROPERTY, assert_message

CENTS = st.decimals(min_value=0, max_value=Decimal("99999.99"), places=2, allow_nan=False, allow_infinity=False)
ANY_AMOUNT = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True),
    st.integers(),
    st.integers(min_value=10**20, max_value=10**80),  # beyond Decimal's 28 digits of cents
    st.builds(lambda m, e: f"{m}e{e}", st.integers(-99, 99), st.integers(-40, 40)),
    st.text(max_size=30),
    st.text(alphabet="0123456789.-+eE ,$", max_size=40),
    st.floats(),
    st.booleans(),
    st.none(),
)


@PROPERTY
@given(ANY_AMOUNT)
def test_any_amount_becomes_cents_or_says_why_not(value):
    try:
        money = to_money(value)
    except (ValueError, TypeError) as exc:
        assert_message(exc)
        return
    assert isinstance(money, Decimal) and money.as_tuple().exponent == -2
    shown = format_money(money)
    assert to_money(shown.replace("$", "").replace(",", "")) == money  # format -> parse -> same cents


@PROPERTY
@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_rounding_is_half_up_to_the_cent(thousandths):
    value = Decimal(thousandths) / 1000
    cents = (abs(thousandths) + 5) // 10  # half a cent and more goes up, away from zero
    assert to_money(value) == (Decimal(cents) / 100 * (1 if thousandths >= 0 else -1)).quantize(CENT)
    assert to_money(str(value)) == to_money(value)


@PROPERTY
@given(
    st.lists(st.tuples(st.integers(min_value=0, max_value=500), CENTS), max_size=6),
    CENTS,
    st.decimals(min_value=0, max_value=Decimal("0.15"), places=4),
    CENTS,
    CENTS,
)
def test_invoices_add_up(lines, fee, rate, discount, insurance):
    items = [InvoiceLine("item", Decimal(q), price) for q, price in lines]
    try:
        totals = compute_invoice(items, fee, rate, discount, insurance)
    except ValueError as exc:
        assert_message(exc)
        return
    assert totals.subtotal == sum((i.total for i in items), Decimal("0.00")) + fee
    assert totals.total == totals.subtotal + totals.tax - totals.discount
    assert totals.patient_copay + totals.insurance_payment == totals.total
    assert totals.patient_copay >= 0 and totals.tax >= 0
    assert all(v.as_tuple().exponent == -2 for v in (totals.subtotal, totals.tax, totals.total, totals.patient_copay))


@PROPERTY
@given(CENTS, CENTS)
def test_change_is_what_was_given_minus_what_was_due(due, given_):
    try:
        change = cash_change(due, given_)
    except InsufficientPayment as exc:
        assert given_ < due and "short" in str(exc)
        return
    assert change == given_ - due and change >= 0


@PROPERTY
@given(st.one_of(st.text(max_size=30), st.text(alphabet="0123456789 -", max_size=30), st.integers()))
def test_card_numbers_keep_four_digits_and_errors_never_echo_them(pan):
    try:
        last = card_last_four(pan)
    except (ValueError, TypeError) as exc:
        assert_message(exc)
        digits = "".join(c for c in str(pan) if c.isdigit())
        assert len(digits) < 5 or digits not in str(exc)
        return
    assert last == pan.replace(" ", "").replace("-", "")[-4:] and last.isdigit()
