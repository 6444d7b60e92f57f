from decimal import Decimal

import pytest

from pharmacy_desktop.domain.money import (
    InsufficientPayment,
    InvoiceLine,
    InvoiceTotals,
    card_last_four,
    cash_change,
    compute_invoice,
    format_money,
    to_money,
)

D = Decimal


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (D("2.675"), D("2.68")),  # float would give 2.67
        (D("2.665"), D("2.67")),  # half-up, not banker's rounding
        (D("2.664"), D("2.66")),
        (D("-2.675"), D("-2.68")),
        (3, D("3.00")),
        ("19.999", D("20.00")),
        (" 7.5 ", D("7.50")),
    ],
)
def test_to_money_rounds_half_up_to_cents(value: object, expected: Decimal) -> None:
    result = to_money(value)  # type: ignore[arg-type]
    assert result == expected
    assert result.as_tuple().exponent == -2


@pytest.mark.parametrize("value", [1.5, 0.1, True])
def test_to_money_rejects_float_and_bool(value: object) -> None:
    with pytest.raises(TypeError):
        to_money(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["abc", "", "NaN", "Infinity", D("NaN")])
def test_to_money_rejects_non_numbers(value: object) -> None:
    with pytest.raises(ValueError):
        to_money(value)  # type: ignore[arg-type]


def test_format_money() -> None:
    assert format_money(D("1234.5")) == "$1,234.50"
    assert format_money(D("-3")) == "-$3.00"


def test_invoice_line_total() -> None:
    assert InvoiceLine("amoxicillin 500 mg", D(30), D("0.1234")).total == D("3.70")
    with pytest.raises(TypeError):
        InvoiceLine("x", 30.0, D(1))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        InvoiceLine("x", D(-1), D(1))


def test_compute_invoice_full_example() -> None:
    totals = compute_invoice(
        [InvoiceLine("lisinopril 10 mg", D(30), D("0.2500")), D("12.40")],
        dispensing_fee=D("2.50"),
        tax_rate=D("0.0825"),
        discount=D("1.00"),
        insurance_payment=D("15.00"),
    )
    # subtotal 7.50 + 12.40 + 2.50 = 22.40; tax on 21.40 = 1.7655 -> 1.77
    assert totals == InvoiceTotals(
        subtotal=D("22.40"),
        tax=D("1.77"),
        discount=D("1.00"),
        insurance_payment=D("15.00"),
        total=D("23.17"),
        patient_copay=D("8.17"),
    )
    assert totals.total == totals.subtotal + totals.tax - totals.discount
    assert totals.patient_copay == totals.total - totals.insurance_payment


def test_compute_invoice_defaults() -> None:
    totals = compute_invoice([D("10")])
    assert (totals.subtotal, totals.tax, totals.total, totals.patient_copay) == (
        D("10.00"),
        D("0.00"),
        D("10.00"),
        D("10.00"),
    )


def test_fully_covered_by_insurance() -> None:
    totals = compute_invoice([D("40.00")], insurance_payment=D("40.00"))
    assert totals.patient_copay == D("0.00")


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"discount": D("50")}, ValueError, "exceeds the subtotal"),
        ({"insurance_payment": D("50")}, ValueError, "exceeds the invoice total"),
        ({"tax_rate": D("8.25")}, ValueError, "between 0 and 1"),
        ({"dispensing_fee": D("-1")}, ValueError, "cannot be negative"),
        ({"tax_rate": 0.08}, TypeError, "not float"),
        ({"discount": 1.0}, TypeError, "not float"),
    ],
)
def test_compute_invoice_rejects_bad_input(kwargs: dict, error: type, fragment: str) -> None:
    with pytest.raises(error, match=fragment):
        compute_invoice([D("10.00")], **kwargs)


def test_compute_invoice_rejects_float_items() -> None:
    with pytest.raises(TypeError):
        compute_invoice([9.99])  # type: ignore[list-item]


def test_cash_change() -> None:
    assert cash_change(D("8.17"), D("20")) == D("11.83")
    assert cash_change(D("8.17"), D("8.17")) == D("0.00")
    with pytest.raises(InsufficientPayment, match=r"Tendered \$5.00 is less than the \$8.17 due \(\$3.17 short\)"):
        cash_change(D("8.17"), D("5"))
    with pytest.raises(TypeError):
        cash_change(8.17, D(10))  # type: ignore[arg-type]
    assert issubclass(InsufficientPayment, ValueError)


@pytest.mark.parametrize(
    ("pan", "last4"),
    [
        ("4111111111111111", "1111"),
        ("4111 1111 1111 1234", "1234"),
        ("5500-0000-0000-0004", "0004"),
        ("0042", "0042"),
    ],
)
def test_card_last_four(pan: str, last4: str) -> None:
    assert card_last_four(pan) == last4


def test_card_last_four_rejects_bad_input_without_echoing_the_number() -> None:
    with pytest.raises(ValueError) as raised:
        card_last_four("4111-1111-1111-111X")
    assert "4111" not in str(raised.value)
    with pytest.raises(ValueError, match="at least 4"):
        card_last_four("123")
    with pytest.raises(TypeError):
        card_last_four(4111111111111111)  # type: ignore[arg-type]
