"""Numbers typed by people are bounded, with a message (issue 11, item 4: a SIG with a
4,301-digit number raised Python's int-string ValueError)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from pharmacy_desktop.domain.sig import (
    MAX_NUMBER_DIGITS,
    InvalidSig,
    analyze_sig,
    expand_sig,
    sig_problem,
    unknown_tokens,
)
from pharmacy_desktop.services.intake import ItemInput, PrescriberInput, PrescriptionInput, field_errors, preview_sig

HUGE = "1" * 4301


@pytest.mark.parametrize(
    "sig",
    [
        f"{HUGE} T PO QD",  # dose
        f"1 T PO Q{HUGE}H",  # interval
        f"1 T PO QD X {HUGE} DAYS",  # duration
        f"1/{HUGE} T PO QD",  # fraction
        f"0.{HUGE} T PO QD",  # decimals
        f"{HUGE}T PO QD",  # glued to its unit
        "1 T PO QD X 123456789 DAYS",  # one digit over the bound
    ],
)
def test_a_sig_with_a_far_too_long_number_is_refused_with_a_message(sig):
    for read in (expand_sig, analyze_sig, unknown_tokens):
        with pytest.raises(InvalidSig) as error:
            read(sig)
        assert isinstance(error.value, ValueError)
        assert f"at most {MAX_NUMBER_DIGITS} digits" in error.value.message and "Fix the SIG" in error.value.message
        assert len(error.value.message) < 200  # the number itself is not repeated
    assert sig_problem(sig) == error.value.message


def test_real_sigs_keep_working_up_to_the_bound():
    assert expand_sig("1200000 UNITS IM X1") == "Inject 1200000 units into the muscle 1 time only"
    assert expand_sig("1 T PO QD X 12345678 DAYS").startswith("Take 1 tablet by mouth once a day")
    assert sig_problem("1 T PO BID") is None and sig_problem("") is None


def form(**item) -> PrescriptionInput:
    values = {"medication_id": None, "quantity": "30", "days_supply": "30", "sig": "1 T PO QD", "refills": "0"}
    return PrescriptionInput(
        patient_id=uuid.uuid4(),
        prescriber=PrescriberInput(name="Dr. Alan Reyes", npi="1234567893"),
        items=(ItemInput(**{**values, **item}),),
        written_date=dt.date.today(),
    )


def test_intake_turns_huge_numbers_into_field_errors_not_exceptions():
    # (a SIG of 4,000+ characters is refused for its length first; 300 digits fit in the column)
    errors = field_errors(
        form(sig=f"{'1' * 300} T PO QD", days_supply="9" * 5000, refills="9" * 4301, quantity="9" * 5000),
        {},
        today=dt.date.today(),
    )
    assert "at most 8 digits" in errors["items[0].sig"]
    assert errors["items[0].days_supply"] == "Days supply is a whole number from 1 to 365."
    assert errors["items[0].refills"] == "Refills is a whole number (0 for none)."
    assert errors["items[0].quantity"] == "Quantity is too large."
    # Unicode digits pass str.isdigit() but not int(): a field error too, never a ValueError
    assert "items[0].days_supply" in field_errors(form(days_supply="3\u00b2"), {}, today=dt.date.today())


def test_the_live_preview_says_what_to_fix():
    preview = preview_sig(f"{HUGE} T PO QD")
    assert preview.problem and preview.message == preview.problem and preview.directions == ""
    assert preview_sig("1 T PO BID").problem == ""


def test_promised_time_with_a_huge_number_is_a_message():
    from pharmacy_desktop.domain.dates import PromisedTimeError, parse_promised

    for text in ("+" + "9" * 400 + "h", "+" + "9" * 5000 + "m", "+1" + "0" * 30 + "h"):
        with pytest.raises(PromisedTimeError, match="is not a time"):
            parse_promised(text)
    now = dt.datetime(2026, 1, 5, 10, 0, tzinfo=dt.UTC)
    assert parse_promised("+1h30m", now) == now + dt.timedelta(hours=1, minutes=30)
