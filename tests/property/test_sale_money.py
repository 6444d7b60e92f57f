"""Sale money properties (issue 13 "Must show"): random carts -> every invoice invariant, half-up cents,
discounts never above what qualifies, tender allocations that add up, change from cash only, refunds
that keep the invariants and give back exactly what was paid."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import assume, given
from hypothesis import strategies as st

from pharmacy_desktop.domain.discounts import DiscountRefused, DiscountTerms, grant_discount, split_proportionally
from pharmacy_desktop.domain.money import CENT, to_money
from pharmacy_desktop.domain.pricing import PriceFacts, PricingRule, usual_and_customary
from pharmacy_desktop.domain.sale_math import (
    FRONT_STORE_KEY,
    InsufficientPayment,
    LineRefund,
    RxCharge,
    StoreCharge,
    Tender,
    TenderExceedsBalance,
    discountable_rx,
    discountable_store,
    draft_sale,
    invoice_problem,
    plan_tenders,
    refund_store_lines,
)
from tests.property.conftest import FEW, PROPERTY, assert_message

TODAY = dt.date(2026, 12, 2)
ZERO = Decimal("0.00")


def cents(low: str = "0", high: str = "500") -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=Decimal(low), max_value=Decimal(high), places=2, allow_nan=False, allow_infinity=False)


RATES = st.decimals(min_value=0, max_value=Decimal("0.15"), places=5, allow_nan=False, allow_infinity=False)


@st.composite
def rx_charges(draw: st.DrawFn, index: int) -> tuple[RxCharge, bool]:
    ingredient, fee = draw(cents()), draw(cents("0", "15"))
    paid = to_money((ingredient + fee) * draw(st.sampled_from([0, 0, Decimal("0.5"), Decimal("0.8"), 1])))
    quantity = draw(st.decimals(min_value=Decimal("0.5"), max_value=1000, places=1, allow_nan=False))
    charge = RxCharge(f"rx{index}", f"p{index}", f"Rx {index}", None, quantity, ingredient, fee, paid)
    return charge, draw(st.booleans())  # government plan?


@st.composite
def carts(draw: st.DrawFn) -> tuple[list[tuple[RxCharge, bool]], list[StoreCharge]]:
    rxs = [draw(rx_charges(i)) for i in range(draw(st.integers(0, 4)))]
    store = [
        StoreCharge(
            f"s{i}", f"prod{i % 3}", f"Item {i}", draw(st.integers(1, 5)), draw(cents("0", "60")), draw(st.booleans())
        )
        for i in range(draw(st.integers(0, 5)))
    ]
    return rxs, store


TERMS = st.builds(
    lambda kind, value, applicable, minimum: DiscountTerms(
        "CODE", "test", kind, value, None, 0, None, minimum, applicable, dt.date(2026, 1, 1), None
    ),
    st.sampled_from(["percentage", "fixed_amount"]),
    cents("0", "120"),
    st.sampled_from([(), ("front_store",), ("prescriptions",), ("front_store", "prescriptions")]),
    st.one_of(st.none(), cents("0", "100")),
)


def _grant(terms, rxs, store):
    lines = [discountable_rx(c, medication_id=None, government_plan=gov) for c, gov in rxs]
    lines += [discountable_store(c) for c in store]
    try:
        return grant_discount(terms, lines, today=TODAY, patient_uses=0), lines
    except DiscountRefused as exc:
        assert exc.reason and str(exc).startswith("Discount code CODE cannot be used")
        return None, lines


@PROPERTY
@given(carts(), st.one_of(st.none(), TERMS), RATES)
def test_random_carts_keep_every_invariant(cart, terms, rate):
    rxs, store = cart
    grant, lines = _grant(terms, rxs, store) if terms is not None else (None, [])
    sale = draft_sale([c for c, _ in rxs], store, grant, rate)
    assert len(sale.invoices) == len(rxs) + (1 if store else 0)
    for invoice in sale.invoices:
        assert invoice_problem(invoice) is None
        assert invoice.subtotal == sum((ln.total_price for ln in invoice.lines if ln.item_type != "tax"), ZERO)
        assert invoice.tax_amount == sum((ln.total_price for ln in invoice.lines if ln.item_type == "tax"), ZERO)
        assert invoice.total_amount == invoice.subtotal + invoice.tax_amount - invoice.discount_amount
        assert invoice.patient_copay == invoice.total_amount - invoice.insurance_payment
        assert min(invoice.subtotal, invoice.tax_amount, invoice.discount_amount, invoice.patient_copay) >= 0
        assert sum(1 for ln in invoice.lines if ln.item_type == "tax") <= 1
        for amount in (invoice.subtotal, invoice.tax_amount, invoice.total_amount, invoice.patient_copay):
            assert amount.as_tuple().exponent == -2
    for name, attr in (("subtotal", "subtotal"), ("tax", "tax_amount"), ("discount", "discount_amount"),
                       ("insurance", "insurance_payment"), ("total", "total_amount"), ("patient_pay", "patient_copay")):  # fmt: skip
        assert getattr(sale, name) == sum((getattr(i, attr) for i in sale.invoices), ZERO)
    # Prescriptions are never taxed; the plan's payment is never touched by a coupon.
    for (charge, _), invoice in zip(rxs, sale.invoices, strict=False):
        assert invoice.tax_amount == 0 and invoice.insurance_payment == charge.insurance_paid
    if store:
        shares = grant.per_line if grant is not None else {}
        taxable_net = sum((c.amount - shares.get(c.key, ZERO) for c in store if c.taxable), ZERO)
        expected = (taxable_net * rate).quantize(CENT, rounding=ROUND_HALF_UP)
        assert sale.invoices[-1].tax_amount == expected and sale.invoices[-1].key == FRONT_STORE_KEY
    if grant is not None:
        by_key = {line.key: line for line in lines}
        assert sale.discount <= grant.total == sum(grant.per_line.values(), ZERO)
        for key, share in grant.per_line.items():
            assert 0 <= share <= by_key[key].amount and not by_key[key].government_plan
        qualifying = sum((by_key[key].amount for key in grant.per_line), ZERO)
        assert grant.total <= qualifying


@st.composite
def tender_lists(draw: st.DrawFn, due: Decimal) -> list[Tender]:
    tenders, left = [], due
    for _ in range(draw(st.integers(0, 3))):
        if left <= 0:
            break
        part = draw(cents("0.01", str(left)))
        tenders.append(Tender(draw(st.sampled_from(["credit_card", "debit_card", "check", "cash"])), part))
        left -= part
    if left > 0 or draw(st.booleans()):
        extra = draw(cents("0", "100"))
        method = draw(st.sampled_from(["cash", "cash", "credit_card", "check"]))  # card/check over: refused
        handed = draw(st.sampled_from([None, left + extra + Decimal(20)])) if method == "cash" else None
        tenders.append(Tender(method, left + extra, handed))
    return tenders


@PROPERTY
@given(carts(), RATES, st.data())
def test_tender_allocations_add_up_and_change_comes_from_cash_only(cart, rate, data):
    rxs, store = cart
    sale = draft_sale([c for c, _ in rxs], store, None, rate)
    tenders = data.draw(tender_lists(sale.patient_pay))
    left, refusable = sale.patient_pay, False
    for tender in tenders:  # only cash may be more than what is left, and nothing may follow a paid sale
        refusable |= tender.amount > 0 and (left == 0 or (tender.amount > left and tender.method != "cash"))
        left -= min(left, tender.amount)
    try:
        plan = plan_tenders(sale.invoices, tenders)
    except TenderExceedsBalance as exc:
        assert_message(exc)
        assert refusable
        return
    assert not refusable
    for invoice in sale.invoices:
        assert sum((a.amount for a in plan.allocations if a.invoice_key == invoice.key), ZERO) == invoice.patient_copay
    for planned in plan.tenders:
        assert sum((a.amount for a in plan.allocations if a.tender_index == planned.index), ZERO) == planned.applied
        if planned.method != "cash":
            assert planned.change_due == 0 and planned.cash_tendered is None
        else:
            assert planned.change_due == planned.cash_tendered - planned.applied >= 0
    assert all(a.amount > 0 for a in plan.allocations)
    assert sum((p.applied for p in plan.tenders), ZERO) == sale.patient_pay
    assert plan.change_due == sum((p.change_due for p in plan.tenders), ZERO)


@PROPERTY
@given(carts(), RATES, cents("0.01", "50"), st.sampled_from(["credit_card", "check", "cash"]))
def test_tenders_short_of_the_total_name_the_shortfall(cart, rate, short, method):
    rxs, store = cart
    sale = draft_sale([c for c, _ in rxs], store, None, rate)
    assume(sale.patient_pay > short)
    try:
        plan_tenders(sale.invoices, [Tender(method, sale.patient_pay - short)])
    except InsufficientPayment as exc:
        assert f"(${short:,.2f} short)" in str(exc)
    else:
        raise AssertionError("a short payment was accepted")


@FEW
@given(st.lists(st.tuples(st.integers(1, 4), cents("0", "40"), st.booleans()), min_size=1, max_size=5),
       RATES, st.data())  # fmt: skip
def test_refunds_keep_the_invariants_and_give_back_exactly_what_was_paid(items, rate, data):
    store = [StoreCharge(f"s{i}", f"prod{i}", f"Item {i}", q, price, tax) for i, (q, price, tax) in enumerate(items)]
    terms = data.draw(st.one_of(st.none(), TERMS))
    grant = _grant(terms, [], store)[0] if terms is not None else None
    invoice = draft_sale([], store, grant, rate).invoices[0]
    paid, given_back = invoice.patient_copay, ZERO
    units = {i: q for i, (q, _, _) in enumerate(items)}
    while any(units.values()):
        index = data.draw(st.sampled_from([i for i, left in units.items() if left]))
        quantity = data.draw(st.integers(1, units[index]))
        refund = refund_store_lines(invoice, [LineRefund(index, quantity)], rate)
        units[index] -= quantity
        assert refund.refund_amount >= 0 and invoice_problem(refund.invoice) is None
        assert refund.refund_amount == invoice.patient_copay - refund.invoice.patient_copay
        assert all(ln.total_price <= 0 for ln in refund.lines)
        given_back += refund.refund_amount
        invoice = refund.invoice
    assert (invoice.subtotal, invoice.tax_amount, invoice.discount_amount, invoice.total_amount) == (ZERO,) * 4
    assert given_back == paid


@PROPERTY
@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=1, max_value=10**4))
def test_prices_round_half_up_to_the_cent(awp_ten_thousandths, quantity):
    awp = Decimal(awp_ten_thousandths) / 10_000
    quote = usual_and_customary([], PriceFacts(None, None, None, None, None, Decimal(quantity), awp, None), TODAY, ZERO)
    exact = awp * quantity
    assert quote.ingredient == exact.quantize(CENT, rounding=ROUND_HALF_UP)
    assert quote.ingredient - exact <= Decimal("0.005") and exact - quote.ingredient < Decimal("0.005")
    assert to_money(Decimal("0.005")) == Decimal("0.01")


@PROPERTY
@given(st.lists(st.tuples(st.integers(-5, 5), cents(), st.sampled_from(["fixed_price", "percentage_discount",
       "awp_minus_percentage"])), max_size=6), cents("0", "10"))  # fmt: skip
def test_the_winning_rule_has_the_top_priority_and_the_lowest_price_among_equals(specs, awp):
    rules = [
        PricingRule(f"r{i}", "u", {}, method, value, priority, TODAY, None)
        for i, (priority, value, method) in enumerate(specs)
    ]
    facts = PriceFacts(None, None, None, None, None, Decimal(30), awp, None)
    quote = usual_and_customary(rules, facts, TODAY, ZERO)
    assert quote.ingredient >= 0
    if rules:
        top = max(r.priority for r in rules)
        prices = [to_money(r.ingredient(facts)) for r in rules if r.priority == top]
        winner = next(r for r in rules if r.rule_name == quote.rule_name)
        assert winner.priority == top and quote.ingredient == min(prices)


@PROPERTY
@given(st.lists(cents("0", "1000"), min_size=1, max_size=8), st.data())
def test_proportional_split_is_exact_and_never_above_a_line(weights, data):
    whole = sum(weights, ZERO)
    near_whole = cents("0", str(min(whole, Decimal("0.10")))).map(lambda off: whole - off)  # where caps bite
    total = data.draw(st.one_of(cents("0", str(whole)), near_whole))
    shares = split_proportionally(total, {f"k{i}": w for i, w in enumerate(weights)})
    assert sum(shares.values(), ZERO) == total
    assert all(ZERO <= shares[f"k{i}"] <= w for i, w in enumerate(weights))
