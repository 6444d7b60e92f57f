from decimal import Decimal

import pytest

from pharmacy_desktop.domain.sig import analyze_sig, expand_sig, sig_daily_quantity, unknown_tokens

# One row per code family; every sentence is the exact expected label text.
EXPANSIONS = [
    # dose units
    ("1 T PO BID", "Take 1 tablet by mouth 2 times a day"),
    ("2 TAB PO QD", "Take 2 tablets by mouth once a day"),
    ("1 C PO TID", "Take 1 capsule by mouth 3 times a day"),
    ("2 CAP PO QID", "Take 2 capsules by mouth 4 times a day"),
    ("5 ML PO BID", "Take 5 mL by mouth 2 times a day"),
    ("1 TSP PO TID", "Take 1 teaspoonful by mouth 3 times a day"),
    ("2 TSP PO QHS", "Take 2 teaspoonfuls by mouth at bedtime"),
    ("1 TBSP PO QAM", "Take 1 tablespoonful by mouth every morning"),
    ("2 PUFF INH Q4H PRN", "Inhale 2 puffs every 4 hours as needed"),
    ("1 INH BID", "Inhale 1 inhalation 2 times a day"),
    ("1 SPRAY NAS QD", "Use 1 spray in the nose once a day"),
    ("2 SPRAYS EN BID", "Use 2 sprays in each nostril 2 times a day"),
    ("1 PATCH TD Q72H", "Apply 1 patch to the skin every 72 hours"),
    ("1 SUPP PR Q12H PRN", "Insert 1 suppository rectally every 12 hours as needed"),
    ("1 SUPP PV QHS", "Insert 1 suppository vaginally at bedtime"),
    ("10 UNITS SQ QHS", "Inject 10 units subcutaneously at bedtime"),
    ("1 U SC QAM", "Inject 1 unit subcutaneously every morning"),
    ("10 MG PO QD", "Take 10 mg by mouth once a day"),
    # routes
    (
        "1 T SL Q5MIN PRN CP",
        "Place 1 tablet under the tongue every 5 minutes as needed for chest pain",
    ),
    ("APP TOP BID", "Apply topically 2 times a day"),
    ("2 GTT OU BID", "Instill 2 drops in both eyes 2 times a day"),
    ("1 GTT IN THE RIGHT EYE QID", "Instill 1 drop in the right eye 4 times a day"),
    ("1 GTT OS TID", "Instill 1 drop in the left eye 3 times a day"),
    ("3 GTTS AU QID", "Instill 3 drops in both ears 4 times a day"),
    ("4 GTT IN THE RIGHT EAR BID", "Instill 4 drops in the right ear 2 times a day"),
    ("4 GTT LEFT EAR BID", "Instill 4 drops in the left ear 2 times a day"),
    ("INJ 1 ML IM QWK", "Inject 1 mL into the muscle once a week"),
    ("2 GTT PO QD", "Take 2 drops by mouth once a day"),
    # frequencies
    ("1 T PO DAILY", "Take 1 tablet by mouth once a day"),
    ("1 T PO QPM", "Take 1 tablet by mouth every evening"),
    ("1 T PO QHS", "Take 1 tablet by mouth at bedtime"),
    ("1 T PO Q6H", "Take 1 tablet by mouth every 6 hours"),
    ("1 T PO Q8H", "Take 1 tablet by mouth every 8 hours"),
    ("1 T PO Q12H", "Take 1 tablet by mouth every 12 hours"),
    ("1 T PO Q3H", "Take 1 tablet by mouth every 3 hours"),
    ("1 T PO Q4-6H PRN", "Take 1 tablet by mouth every 4 to 6 hours as needed"),
    ("1 T PO QOD", "Take 1 tablet by mouth every other day"),
    ("1 T PO QWK", "Take 1 tablet by mouth once a week"),
    ("1 T PO AC", "Take 1 tablet by mouth before meals"),
    ("1 T PO BID PC", "Take 1 tablet by mouth 2 times a day after meals"),
    ("1 T PO AC QHS", "Take 1 tablet by mouth before meals and at bedtime"),
    ("UD", "Use as directed"),
    ("2 T PO STAT", "Take 2 tablets by mouth immediately"),
    ("1 T PO Q6H PRN PAIN", "Take 1 tablet by mouth every 6 hours as needed for pain"),
    (
        "1 T PO QID PRN N/V",
        "Take 1 tablet by mouth 4 times a day as needed for nausea and vomiting",
    ),
    # durations, ranges, fractions
    ("2 C PO TID X7D", "Take 2 capsules by mouth 3 times a day for 7 days"),
    ("1 T PO BID FOR 10 DAYS", "Take 1 tablet by mouth 2 times a day for 10 days"),
    ("1 T PO QD X 1 DAY", "Take 1 tablet by mouth once a day for 1 day"),
    ("1-2 T PO Q6H PRN", "Take 1 to 2 tablets by mouth every 6 hours as needed"),
    ("1/2 T PO QD", "Take 1/2 tablet by mouth once a day"),
    ("1 1/2 T PO QHS", "Take 1 1/2 tablets by mouth at bedtime"),
    (".5 ML PO BID", "Take 0.5 mL by mouth 2 times a day"),
    ("1.0 T PO QD", "Take 1 tablet by mouth once a day"),
    # spellings people type
    ("1t po bid", "Take 1 tablet by mouth 2 times a day"),
    ("1 T P.O. B.I.D.", "Take 1 tablet by mouth 2 times a day"),
    ("TK 1 T PO Q 6 H", "Take 1 tablet by mouth every 6 hours"),
    ("INH 2 PUFFS Q4H PRN SOB", "Inhale 2 puffs every 4 hours as needed for shortness of breath"),
    ("1 T PO QD WITH FOOD", "Take 1 tablet by mouth once a day with food"),
    (
        "1 T PO QD, THEN 2 T PO QD",
        "Take 1 tablet by mouth once a day, then 2 tablets by mouth once a day",
    ),
]


@pytest.mark.parametrize(("sig", "expected"), EXPANSIONS)
def test_expand_sig(sig: str, expected: str) -> None:
    assert expand_sig(sig) == expected
    assert unknown_tokens(sig) == []


def test_covers_at_least_thirty_distinct_codes() -> None:
    codes = {token.upper() for sig, _ in EXPANSIONS for token in sig.split() if token[0].isalpha()}
    assert len(codes) >= 30


def test_explicit_numerals_never_words() -> None:
    for sig, _ in EXPANSIONS:
        text = expand_sig(sig).lower()
        assert "twice" not in text and "three times" not in text and "two " not in text


def test_number_words_become_numerals() -> None:
    assert expand_sig("ONE T PO BID") == "Take 1 tablet by mouth 2 times a day"
    assert expand_sig("TWO C PO QD") == "Take 2 capsules by mouth once a day"


def test_unknown_tokens_pass_through_unchanged_and_are_listed() -> None:
    assert expand_sig("1 T PO BID Frobnicate") == "Take 1 tablet by mouth 2 times a day Frobnicate"
    assert unknown_tokens("1 T PO BID Frobnicate QZX") == ["Frobnicate", "QZX"]
    assert unknown_tokens("1 T PO BID") == []


def test_unknown_token_after_prn_reads_as_indication() -> None:
    assert expand_sig("1 T PO PRN hiccups") == "Take 1 tablet by mouth as needed for hiccups"
    assert unknown_tokens("1 T PO PRN hiccups") == ["hiccups"]


def test_empty_sig() -> None:
    assert expand_sig("") == ""
    assert expand_sig("   ") == ""
    assert unknown_tokens("") == []
    assert sig_daily_quantity("") is None


@pytest.mark.parametrize(
    ("sig", "daily"),
    [
        ("1 T PO BID", Decimal(2)),
        ("2 T PO TID", Decimal(6)),
        ("1-2 T PO Q6H PRN", Decimal(8)),
        ("1 T PO Q4-6H PRN", Decimal(6)),
        ("1/2 T PO QD", Decimal("0.5")),
        ("1 T PO QOD", Decimal("0.5")),
        ("1 T PO QAM QHS", Decimal(2)),
        ("1 T PO AC QHS", Decimal(4)),
        ("1 T PO BID AC", Decimal(2)),
        ("1 TSP PO TID", Decimal(15)),  # mL
        ("1 T PO QD QHS", Decimal(1)),
        ("1 T PO QWK", Decimal("0.1429")),
    ],
)
def test_daily_quantity(sig: str, daily: Decimal) -> None:
    assert sig_daily_quantity(sig) == daily


@pytest.mark.parametrize(
    "sig",
    [
        "UD",
        "2 T PO STAT",
        "1 T PO PRN",  # no rate
        "2 GTT OU BID",  # drops: the bottle is counted in mL
        "2 PUFF INH Q4H",  # an inhaler is counted as 1 unit
        "10 MG PO QD",  # strength, not tablets
        "1 T PO QD, THEN 2 T PO QD",  # two doses (taper)
        "1 T PO BID FOOBAR",  # unknown token: not certain
        "1 T SL Q5MIN PRN CP",
        "1 T PO BID QHS",  # contradictory
    ],
)
def test_daily_quantity_not_computable(sig: str) -> None:
    assert sig_daily_quantity(sig) is None


def test_analysis_reports_range_and_prn() -> None:
    result = analyze_sig("1-2 C PO Q8H PRN PAIN")
    assert result.directions == "Take 1 to 2 capsules by mouth every 8 hours as needed for pain"
    assert result.prn is True
    assert (result.daily_min, result.daily_max) == (Decimal(0), Decimal(6))
    assert result.daily_unit == "capsules"
    assert result.unit_for(Decimal(1)) == "capsule"


def test_range_without_prn_has_a_minimum() -> None:
    result = analyze_sig("1-2 T PO BID")
    assert (result.daily_min, result.daily_max) == (Decimal(2), Decimal(4))
    assert result.prn is False


@pytest.mark.parametrize(
    "sig",
    ["1/0 T PO", "0/0", "X0D", "Q0H", "Q", "X", "FOR", "1 TO", "1 -", "PRN", "AS", "-", ",", "...",
     "1.2.3 T", "\u0661 T PO BID", "\u00bd T PO QD", "T T T", "1 1/0 T", "Q 4-", "INH", "U"],
)  # fmt: skip
def test_odd_input_never_crashes_and_keeps_every_token(sig: str) -> None:
    text = expand_sig(sig)
    assert isinstance(text, str) and text
    for token in unknown_tokens(sig):
        assert token in text
    sig_daily_quantity(sig)


def test_zero_denominator_is_not_a_number() -> None:
    assert unknown_tokens("1/0 T PO") == ["1/0"]
    assert expand_sig("2 T PO X0D") == "Take 2 tablets by mouth X0D"
