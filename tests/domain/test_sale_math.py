"""The cart to invoices, the tender plan and store refunds: the billing invariants by construction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pharmacy_desktop.domain.discounts import DiscountGrant, DiscountTerms, grant_discount
from pharmacy_desktop.domain.sale_math import (
    FRONT_STORE_KEY,
    InsufficientPayment,
    InvoiceDraft,
    LineDraft,
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

D = Decimal
RATE = D("0.0825")


def rx(key: str = "rx1", ingredient: str = "30.00", fee: str = "2.50", paid: str = "22.50") -> RxCharge:
    return RxCharge(key, f"p-{key}", f"Rx {key}", "00093-0058-01", D(30), D(ingredient), D(fee), D(paid))


def item(key: str, price: str, quantity: int = 1, taxable: bool = True) -> StoreCharge:
    return StoreCharge(key, f"prod-{key}", f"Item {key}", quantity, D(price), taxable)


def test_one_invoice_per_prescription_and_one_for_the_store() -> None:
    sale = draft_sale(
        [rx("a"), rx("b", paid="0")], [item("x", "3.99", 2), item("y", "1.00", taxable=False)], None, RATE
    )
    assert [i.key for i in sale.invoices] == ["a", "b", FRONT_STORE_KEY]
    a, b, store = sale.invoices
    assert a.prescription_id == "p-a" and store.prescription_id is None
    assert [(ln.item_type, ln.total_price) for ln in a.lines] == [
        ("medication", D("30.00")),
        ("dispensing_fee", D("2.50")),
    ]
    assert a.lines[0].unit_price == D("1.0000") and a.lines[0].quantity == D(30)
    assert (a.subtotal, a.tax_amount, a.total_amount, a.insurance_payment, a.patient_copay) == (
        D("32.50"), D(0), D("32.50"), D("22.50"), D("10.00"),
    )  # fmt: skip
    assert b.patient_copay == D("32.50")
    # tax only on the taxable store line: 7.98 x 0.0825 = 0.65835 -> 0.66, as one tax line
    assert [(ln.item_type, ln.total_price) for ln in store.lines] == [
        ("front_store", D("7.98")), ("front_store", D("1.00")), ("tax", D("0.66")),
    ]  # fmt: skip
    assert (store.subtotal, store.tax_amount, store.total_amount, store.patient_copay) == (
        D("8.98"), D("0.66"), D("9.64"), D("9.64"),
    )  # fmt: skip
    assert (sale.subtotal, sale.tax, sale.discount, sale.insurance, sale.total, sale.patient_pay) == (
        D("73.98"), D("0.66"), D(0), D("22.50"), D("74.64"), D("52.14"),
    )  # fmt: skip


def test_no_store_items_no_store_invoice_and_no_fee_line_when_the_fee_is_zero() -> None:
    sale = draft_sale([rx(fee="0")], [], None, RATE)
    assert [i.key for i in sale.invoices] == ["rx1"]
    assert [ln.item_type for ln in sale.invoices[0].lines] == ["medication"]


def test_an_empty_cart_is_a_zero_sale() -> None:
    sale = draft_sale([], [], None, RATE)
    assert sale.invoices == () and sale.patient_pay == D(0)
    assert plan_tenders(sale.invoices, []).allocations == ()


def test_tax_is_computed_after_the_store_lines_share_of_the_discount() -> None:
    store = [item("x", "10.00"), item("y", "10.00", taxable=False)]
    terms = DiscountTerms("TEN", "10%", "percentage", D(10), None, 0, None, None, (), dt.date(2026, 1, 1), None)
    grant = grant_discount(terms, [discountable_store(c) for c in store], today=dt.date(2026, 12, 2), patient_uses=0)
    sale = draft_sale([], store, grant, RATE)
    invoice = sale.invoices[0]
    assert invoice.discount_amount == D("2.00")
    assert invoice.tax_amount == D("0.74")  # (10.00 - 1.00) x 0.0825 = 0.7425
    assert invoice.total_amount == D("18.74") and sale.discount_code == "TEN"


def test_a_discount_on_a_prescription_is_capped_at_the_copay() -> None:
    charge = rx(paid="30.00")  # patient owes 2.50
    sale = draft_sale([charge], [], DiscountGrant("BIG", D("5.00"), {"rx1": D("5.00")}), RATE)
    invoice = sale.invoices[0]
    assert (invoice.discount_amount, invoice.total_amount, invoice.patient_copay) == (D("2.50"), D("30.00"), D(0))
    assert invoice.insurance_payment == D("30.00")  # the plan's part is untouched


def test_discountable_lines_carry_what_the_patient_owes() -> None:
    line = discountable_rx(rx(), medication_id="med-1", government_plan=True)
    assert (line.amount, line.is_prescription, line.government_plan, line.ndc) == (
        D("10.00"),
        True,
        True,
        "00093-0058-01",
    )
    assert discountable_store(item("x", "1.25", 3)).amount == D("3.75")


def test_bad_carts_are_refused() -> None:
    with pytest.raises(ValueError, match="own key"):
        draft_sale([rx("a"), rx("a")], [], None, RATE)
    with pytest.raises(ValueError, match="not in the cart"):
        draft_sale([rx("a")], [], DiscountGrant("X", D(1), {"zz": D(1)}), RATE)
    with pytest.raises(ValueError, match="plan's allowed amount"):
        rx(paid="40.00")
    with pytest.raises(ValueError, match="quantity"):
        item("x", "1.00", 0)
    with pytest.raises(ValueError, match="tax rate"):
        draft_sale([], [item("x", "1.00")], None, D(1))
    with pytest.raises(TypeError):
        draft_sale([], [item("x", "1.00")], None, 0.08)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        StoreCharge("x", "p", "X", 1, 1.99, True)  # type: ignore[arg-type]


def test_an_invoice_that_breaks_an_invariant_cannot_be_built() -> None:
    line = LineDraft("front_store", "X", D(1), D("5.00"), D("5.00"))
    good = InvoiceDraft("s", None, (line,), D("5.00"), D(0), D(0), D(0), D("5.00"), D("5.00"))
    assert invoice_problem(good) is None
    for bad in (
        (D("4.00"), D(0), D(0), D(0), D("4.00"), D("4.00")),  # subtotal is not the lines
        (D("5.00"), D("1.00"), D(0), D(0), D("6.00"), D("6.00")),  # tax without a tax line
        (D("5.00"), D(0), D(1), D(0), D("5.00"), D("5.00")),  # total ignores the discount
        (D("5.00"), D(0), D(0), D(2), D("5.00"), D("5.00")),  # copay ignores insurance
        (D("5.00"), D(0), D(6), D(0), D("-1.00"), D("-1.00")),  # below zero
    ):
        with pytest.raises(ValueError, match="invoice s"):
            InvoiceDraft("s", None, (line,), *bad)


# -- tenders ---------------------------------------------------------------------------------------


def two_invoices() -> tuple[InvoiceDraft, ...]:
    return draft_sale([rx("a")], [item("x", "5.00", taxable=False)], None, RATE).invoices  # 10.00 + 5.00


def test_cash_pays_in_order_and_gives_change() -> None:
    plan = plan_tenders(two_invoices(), [Tender("cash", D("20.00"))])
    assert [(a.invoice_key, a.tender_index, a.amount) for a in plan.allocations] == [
        ("a", 0, D("10.00")), (FRONT_STORE_KEY, 0, D("5.00")),
    ]  # fmt: skip
    assert plan.change_due == D("5.00")
    assert plan.tenders[0].applied == D("15.00") and plan.tenders[0].cash_tendered == D("20.00")


def test_split_tender_card_then_cash_with_the_bills_handed_over() -> None:
    plan = plan_tenders(two_invoices(), [Tender("credit_card", D("12.00")), Tender("cash", D("3.00"), D("10.00"))])
    assert [(a.invoice_key, a.tender_index, a.amount) for a in plan.allocations] == [
        ("a", 0, D("10.00")), (FRONT_STORE_KEY, 0, D("2.00")), (FRONT_STORE_KEY, 1, D("3.00")),
    ]  # fmt: skip
    assert plan.change_due == D("7.00")
    assert [t.change_due for t in plan.tenders] == [D(0), D("7.00")]
    assert plan.tenders[0].cash_tendered is None


def test_a_card_or_check_above_what_is_left_is_refused() -> None:
    for method in ("credit_card", "debit_card", "check"):
        with pytest.raises(TenderExceedsBalance, match=r"more than the \$15.00 left to pay; take \$15.00"):
            plan_tenders(two_invoices(), [Tender(method, D("15.01"))])
    with pytest.raises(TenderExceedsBalance, match="already paid"):
        plan_tenders(two_invoices(), [Tender("check", D("15.00")), Tender("cash", D("1.00"))])
    assert issubclass(TenderExceedsBalance, ValueError)


def test_short_of_the_total_names_the_shortfall() -> None:
    with pytest.raises(InsufficientPayment, match=r"pay \$12.00 of the \$15.00 due \(\$3.00 short\)"):
        plan_tenders(two_invoices(), [Tender("debit_card", D("12.00"))])


def test_a_zero_copay_invoice_gets_no_allocation() -> None:
    invoices = draft_sale([rx("a", paid="32.50"), rx("b")], [], None, RATE).invoices
    plan = plan_tenders(invoices, [Tender("check", D("10.00"))])
    assert [a.invoice_key for a in plan.allocations] == ["b"]
    assert plan_tenders(invoices[:1], []).change_due == D(0)  # a $0 sale needs no tender


def test_tender_validation() -> None:
    with pytest.raises(ValueError, match="payment method"):
        Tender("bitcoin", D(1))
    with pytest.raises(ValueError, match="whole cents"):
        Tender("cash", D("1.005"))
    with pytest.raises(ValueError, match="only a cash tender"):
        Tender("check", D(1), D(2))
    with pytest.raises(InsufficientPayment):
        Tender("cash", D(5), D(4))
    with pytest.raises(TypeError):
        Tender("cash", 5.0)  # type: ignore[arg-type]


# -- refunds ---------------------------------------------------------------------------------------


def store_invoice(discount: DiscountGrant | None = None) -> InvoiceDraft:
    store = [item("x", "10.00", 2), item("y", "5.00", taxable=False)]
    return draft_sale([], store, discount, RATE).invoices[0]  # 25.00 + tax 1.65 = 26.65


def test_refund_one_taxable_unit() -> None:
    invoice = store_invoice()
    refund = refund_store_lines(invoice, [LineRefund(0, 1)], RATE)
    assert [(ln.item_type, ln.quantity, ln.total_price) for ln in refund.lines] == [
        ("refund", D(-1), D("-10.00")), ("tax", D(-1), D("-0.83")),
    ]  # fmt: skip
    after = refund.invoice
    assert (after.subtotal, after.tax_amount, after.total_amount, after.patient_copay) == (
        D("15.00"), D("0.82"), D("15.82"), D("15.82"),
    )  # fmt: skip
    assert refund.refund_amount == D("10.83") == invoice.patient_copay - after.patient_copay
    assert invoice_problem(after) is None


def test_refund_everything_in_steps_comes_to_exactly_zero() -> None:
    grant = DiscountGrant("X", D("3.33"), {"x": D("2.22"), "y": D("1.11")})
    invoice = store_invoice(grant)
    paid = invoice.patient_copay
    given_back = D(0)
    for line_refund in (LineRefund(0, 1), LineRefund(1, 1), LineRefund(0, 1)):
        step = refund_store_lines(invoice, [line_refund], RATE)
        assert step.refund_amount >= 0
        given_back += step.refund_amount
        invoice = step.invoice
    assert (invoice.subtotal, invoice.tax_amount, invoice.discount_amount, invoice.total_amount) == (D(0),) * 4
    assert given_back == paid


def test_a_non_taxable_refund_gives_no_tax_back() -> None:
    refund = refund_store_lines(store_invoice(), [LineRefund(1, 1)], RATE)
    assert [ln.item_type for ln in refund.lines] == ["refund"] and refund.refund_amount == D("5.00")


def test_the_discount_is_given_up_in_proportion() -> None:
    invoice = store_invoice(DiscountGrant("X", D("5.00"), {"x": D("5.00")}))  # 25.00 - 5.00, tax on 15.00 = 1.24
    refund = refund_store_lines(invoice, [LineRefund(1, 1)], RATE)  # 5.00 of 25.00 goods
    assert refund.invoice.discount_amount == D("4.00")
    assert refund.refund_amount == D("4.00")


def test_refunds_cannot_exceed_what_was_sold() -> None:
    invoice = store_invoice()
    once = refund_store_lines(invoice, [LineRefund(0, 2)], RATE).invoice
    with pytest.raises(ValueError, match="all of it was refunded already"):
        refund_store_lines(once, [LineRefund(0, 1)], RATE)
    with pytest.raises(ValueError, match="only 2 were left"):
        refund_store_lines(invoice, [LineRefund(0, 2), LineRefund(0, 1)], RATE)
    with pytest.raises(ValueError, match="not a front-store item"):
        refund_store_lines(invoice, [LineRefund(2, 1)], RATE)  # the tax line
    with pytest.raises(ValueError, match="nothing to refund"):
        refund_store_lines(invoice, [], RATE)
    with pytest.raises(ValueError, match="refunded whole"):
        refund_store_lines(draft_sale([rx()], [], None, RATE).invoices[0], [LineRefund(0, 1)], RATE)
