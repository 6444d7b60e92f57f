"""NCPDP DUR override codes, output vocabulary, controlled early refill (issue 15 items 4 and 9)."""

from datetime import timedelta

import pytest

from pharmacy_desktop.domain import ncpdp_dur
from pharmacy_desktop.domain.dur import (
    CHECKS,
    Check,
    DurFinding,
    PreviousFill,
    category_of,
    check_early_refill,
    output_severity,
)
from pharmacy_desktop.domain.dur_prescriber import check_prescriber
from tests.domain.dur_knowledge import TODAY, context, drug

GOOD_NOTE = "Prescriber confirmed the dose by phone"


@pytest.mark.parametrize(
    ("check", "code"),
    [
        (Check.INTERACTION, "DD"), (Check.ALLERGY, "DA"), (Check.DUPLICATION, "TD"), (Check.DOSE, "HD"),
        (Check.DRUG_DISEASE, "MC"), (Check.PREGNANCY, "PG"), (Check.LACTATION, "NR"), (Check.AGE, "PA"),
        (Check.SEX, "SX"), (Check.EARLY_REFILL, "ER"),
    ],
)  # fmt: skip
def test_reason_for_each_check(check, code):
    assert ncpdp_dur.reason_for(check) == code
    assert code in ncpdp_dur.REASON_FOR_SERVICE


def test_every_check_has_a_reason_code():
    for name in ("INTERACTION", "ALLERGY", "DUPLICATION", "DOSE", "EARLY_REFILL", "CONTROLLED", "PRESCRIBER"):
        assert ncpdp_dur.reason_for(getattr(Check, name)) in ncpdp_dur.REASON_FOR_SERVICE


def test_hard_stop_override_needs_three_codes_and_a_real_note():
    assert ncpdp_dur.override_problem("failed", "DD", "M0", "1G", GOOD_NOTE) is None
    assert "professional service" in ncpdp_dur.override_problem("failed", "DD", None, "1G", GOOD_NOTE)
    assert "result of service" in ncpdp_dur.override_problem("failed", "DD", "M0", "", GOOD_NOTE)
    assert "reason for service" in ncpdp_dur.override_problem("failed", None, "M0", "1G", GOOD_NOTE)
    assert "not an NCPDP" in ncpdp_dur.override_problem("failed", "ZZ", "M0", "1G", GOOD_NOTE)


@pytest.mark.parametrize(
    "note", ["ok ok", "ok ok ok ok ok ok ok", "...............", "asdfasdfasdfasdf", "", "   ", "short note ok"]
)
def test_filler_notes_are_refused(note):
    assert ncpdp_dur.override_problem("failed", "DD", "M0", "1G", note) is not None


def test_not_filled_is_not_an_override():
    assert "reject" in ncpdp_dur.override_problem("failed", "DD", "M0", "2A", GOOD_NOTE)


def test_warning_needs_no_codes_but_valid_ones_if_given():
    assert ncpdp_dur.override_problem("warning", None, None, None, None) is None
    assert ncpdp_dur.override_problem("warning", "TD", "P0", "1B", "") is None
    assert ncpdp_dur.override_problem("warning", "XX", None, None, None) is not None


def test_category_and_output_severity():
    assert category_of("allergy_check") == "drug_allergy"
    assert category_of("dose_check") == "dose_range"
    assert category_of("drug_disease") == "drug_disease"
    assert output_severity(DurFinding("x", "failed", "serious", "m")) == "hard_stop"
    assert output_severity(DurFinding("x", "warning", "significant", "m")) == "warning"
    assert output_severity(DurFinding("x", "warning", "minor", "m")) == "info"
    assert output_severity(DurFinding("x", "passed", "none", "m")) == "passed"


@pytest.mark.parametrize("schedule", ["CII", "CIII", "CIV", "CV"])
def test_early_refill_of_a_controlled_substance_is_a_hard_stop(schedule):
    new = drug("Alprazolam", "0.5", schedule=schedule)
    (finding,) = check_early_refill(context(new, previous_fill=PreviousFill(TODAY - timedelta(days=10), 30)))
    assert (finding.status, finding.severity, finding.details["controlled"]) == ("failed", "serious", True)


def test_early_refill_near_misses():
    plain = drug("Lisinopril", "10")
    (early,) = check_early_refill(context(plain, previous_fill=PreviousFill(TODAY - timedelta(days=10), 30)))
    assert early.status == "warning"  # not controlled: acknowledge
    controlled = drug("Alprazolam", "0.5", schedule="CIV")
    (due,) = check_early_refill(context(controlled, previous_fill=PreviousFill(TODAY - timedelta(days=23), 30)))
    assert due.status == "passed"


def test_prescriber_check_runs_with_the_others():
    assert check_prescriber in CHECKS
