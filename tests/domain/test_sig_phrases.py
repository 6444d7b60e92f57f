"""Issue 15 item 5: SIGs that misprinted, phrases of several words, error-prone abbreviations
refused, and the dose / interval / period fields the dose-range check reads."""

from decimal import Decimal

import pytest

from pharmacy_desktop.domain.sig import analyze_sig, expand_sig

# The issue's misreads, each with what the label must say.
ISSUE_SIGS = [
    ("1 tab po once a week", "Take 1 tablet by mouth once a week"),
    ("four times daily", "Use 4 times a day"),
    ("1 tab po four times daily", "Take 1 tablet by mouth 4 times a day"),
    ("apply bid to aa", "Apply 2 times a day to the affected area"),
]

PHRASES = [
    ("1 T PO DAILY", "Take 1 tablet by mouth once a day"),
    ("1 tab po weekly", "Take 1 tablet by mouth once a week"),
    ("1 tab po q week", "Take 1 tablet by mouth once a week"),
    ("1 tab po once weekly", "Take 1 tablet by mouth once a week"),
    ("1 cap po twice daily", "Take 1 capsule by mouth 2 times a day"),
    ("1 cap po twice a day", "Take 1 capsule by mouth 2 times a day"),
    ("1 T PO 3 TIMES A DAY", "Take 1 tablet by mouth 3 times a day"),
    ("1 T PO three times per day", "Take 1 tablet by mouth 3 times a day"),
    ("1 T PO 3X DAILY", "Take 1 tablet by mouth 3 times a day"),
    ("1 T PO 3X/DAY", "Take 1 tablet by mouth 3 times a day"),
    ("1 tab po three times a week", "Take 1 tablet by mouth 3 times a week"),
    ("1 tab po every other day", "Take 1 tablet by mouth every other day"),
    ("2 tabs po every Monday", "Take 2 tablets by mouth every Monday"),
    ("1 tab po on Mondays", "Take 1 tablet by mouth every Monday"),
    ("1 tab po every Monday and Thursday", "Take 1 tablet by mouth every Monday and Thursday"),
    ("1 tab po every 6 hours", "Take 1 tablet by mouth every 6 hours"),
    ("1 tab po every 4 to 6 hours prn pain", "Take 1 tablet by mouth every 4 to 6 hours as needed for pain"),
    ("1 tab po every 4-6 hrs prn", "Take 1 tablet by mouth every 4 to 6 hours as needed"),
    ("1 tab po every day", "Take 1 tablet by mouth once a day"),
    ("1 tab po every morning", "Take 1 tablet by mouth every morning"),
    ("1 tab po every night at bedtime", "Take 1 tablet by mouth at bedtime"),
    ("1 tab po daily in the morning", "Take 1 tablet by mouth once a day in the morning"),
    ("1 tab by mouth bid", "Take 1 tablet by mouth 2 times a day"),
    ("2 gtt in the right eye bid", "Instill 2 drops in the right eye 2 times a day"),
    ("1 gtt in both eyes qhs", "Instill 1 drop in both eyes at bedtime"),
    ("apply to the affected area tid", "Apply to the affected area 3 times a day"),
    ("1 T PO QD X 7 DAYS", "Take 1 tablet by mouth once a day for 7 days"),
]


@pytest.mark.parametrize(("sig", "expected"), ISSUE_SIGS + PHRASES)
def test_phrases_read_as_one_meaning(sig: str, expected: str) -> None:
    analysis = analyze_sig(sig)
    assert analysis.directions == expected
    assert analysis.understood and analysis.unknown == () and analysis.refused is None


@pytest.mark.parametrize(
    ("sig", "token"),
    [("1 tab po od", "od"), ("1 GTT OD QID", "OD"), ("2 GTT OU TIW", "TIW"), ("1 T PO BIW", "BIW"),
     ("10 units sq ss", "ss"), ("5 cc po bid", "cc"), ("1 T PO QN", "QN"), ("1 T PO Q1D", "Q1D"),
     ("1 T PO HS", "HS"), ("2 GTT AS BID", "AS"), ("2 GTT AD BID", "AD"), ("apply as thin layer", "as")],
)  # fmt: skip
def test_error_prone_abbreviations_are_refused_with_the_reason(sig: str, token: str) -> None:
    analysis = analyze_sig(sig)
    assert not analysis.understood
    assert analysis.refused and token.upper() in analysis.refused.upper() and "write" in analysis.refused
    assert token in analysis.unknown
    assert analysis.dose_max is None and analysis.min_interval_hours is None and analysis.period_days is None


def test_od_is_never_read_as_the_right_eye_nor_once_daily() -> None:
    analysis = analyze_sig("1 tab po od")
    assert "right eye" not in analysis.directions and "once a day" not in analysis.directions
    assert analysis.refused == (
        "OD is an error-prone abbreviation (once daily or right eye): write 'once daily' or 'in the right eye'."
    )


@pytest.mark.parametrize(
    "sig",
    ["1 t po 3 times", "1 t po times a day", "1 t po every", "1 t po a day", "1 tab po every blue moon",
     "1 tab po for days", "1 t po twice", "1 t po bid frobnicate"],
)  # fmt: skip
def test_leftover_phrase_words_are_not_understood(sig: str) -> None:
    analysis = analyze_sig(sig)
    assert not analysis.understood and analysis.unknown and analysis.refused is None
    assert analysis.dose_max is None and analysis.period_days is None


def test_empty_sig_is_not_understood() -> None:
    assert not analyze_sig("").understood and not analyze_sig("  ").understood


@pytest.mark.parametrize(
    ("sig", "dose", "unit", "interval", "period"),
    [
        ("1 T PO BID", ("1", "1"), "tablets", "12", 1),
        ("1 tab po four times daily", ("1", "1"), "tablets", "6", 1),
        ("1-2 T PO Q4-6H PRN", ("1", "2"), "tablets", "4", 1),
        ("1 T PO Q4H", ("1", "1"), "tablets", "4", 1),
        ("2 TSP PO TID", ("10", "10"), "mL", "8", 1),
        ("10 MG PO QD", ("10", "10"), "mg", "24", 1),
        ("2 PUFF INH Q4H PRN", ("2", "2"), "puffs", "4", 1),
        ("1 T PO QOD", ("1", "1"), "tablets", "48", 2),
        ("1 tab po once a week", ("1", "1"), "tablets", "168", 7),
        ("4 T PO EVERY MONDAY", ("4", "4"), "tablets", "168", 7),
        ("1 T PO Q WEEK", ("1", "1"), "tablets", "168", 7),
        ("1 tab po three times a week", ("1", "1"), "tablets", "56", 7),
        ("1 PATCH TD Q72H", ("1", "1"), "patches", "72", 3),
    ],
)
def test_dose_interval_and_period(sig: str, dose: tuple[str, str], unit: str, interval: str, period: int) -> None:
    analysis = analyze_sig(sig)
    assert (analysis.dose_min, analysis.dose_max) == (Decimal(dose[0]), Decimal(dose[1]))
    assert analysis.dose_unit == unit
    assert analysis.min_interval_hours == Decimal(interval)
    assert analysis.period_days == period


def test_weekly_daily_average_stays_a_seventh() -> None:
    analysis = analyze_sig("1 tab po once a week")
    assert analysis.daily_max == analysis.daily_min == Decimal("0.1429")


@pytest.mark.parametrize("sig", ["UD", "2 T PO STAT", "1 T PO PRN", "1 T PO X1", "1 T PO QD, THEN 2 T PO QD"])
def test_no_interval_when_the_sig_gives_no_rate(sig: str) -> None:
    analysis = analyze_sig(sig)
    assert analysis.understood
    assert analysis.min_interval_hours is None and analysis.period_days is None


def test_taper_has_no_single_dose() -> None:
    assert analyze_sig("1 T PO QD, THEN 2 T PO QD").dose_max is None


def test_expand_keeps_unknown_and_refused_tokens_as_typed() -> None:
    assert expand_sig("1 tab po od") == "Take 1 tablet by mouth od"
    assert expand_sig("1 t po 3 times") == "Take 1 tablet by mouth 3 times"


@pytest.mark.parametrize(
    ("sig", "expected", "daily_max"),
    [
        ("1-2 tab po q4h prn pain max 6 tabs per day",
         "Take 1 to 2 tablets by mouth every 4 hours as needed for pain; no more than 6 tablets a day", "6"),
        ("1 tab po q4h prn do not exceed 4 in 24 hours",
         "Take 1 tablet by mouth every 4 hours as needed; no more than 4 tablets a day", "4"),
        ("1 tab po q6h prn, max 3 a day", "Take 1 tablet by mouth every 6 hours as needed, no more than 3 tablets a day",
         "3"),
        ("1 T PO Q6H PRN NTE 8 TABS DAILY", "Take 1 tablet by mouth every 6 hours as needed; no more than 8 tablets a day",
         "4"),  # the interval allows fewer than the cap
    ],
)  # fmt: skip
def test_daily_maximum_is_read_and_caps_the_daily_amount(sig: str, expected: str, daily_max: str) -> None:
    analysis = analyze_sig(sig)
    assert analysis.directions == expected and analysis.understood
    assert analysis.daily_max == Decimal(daily_max) and analysis.daily_min == 0


def test_maximum_without_a_period_is_not_a_daily_cap() -> None:
    analysis = analyze_sig("1 t po q4h max 6 tabs")
    assert analysis.directions == "Take 1 tablet by mouth every 4 hours max 6 tablets"
    assert analysis.daily_max is None  # two amounts: not certain


@pytest.mark.parametrize(
    ("sig", "expected"),
    [
        ("1 tab po qam 30 min before breakfast", "Take 1 tablet by mouth every morning 30 minutes before breakfast"),
        ("1 tab po 30 minutes before a meal", "Take 1 tablet by mouth 30 minutes before a meal"),
        ("70 mg po once a week 30 min before breakfast with a full glass of water",
         "Take 70 mg by mouth once a week 30 minutes before breakfast with a full glass of water"),
        ("2 tabs po on day 1, then 1 tab po daily on days 2-5",
         "Take 2 tablets by mouth on day 1, then 1 tablet by mouth once a day on days 2 to 5"),
        ("1 tab po qd days 2 through 5", "Take 1 tablet by mouth once a day days 2 to 5"),
    ],
)  # fmt: skip
def test_timing_and_day_phrases(sig: str, expected: str) -> None:
    analysis = analyze_sig(sig)
    assert analysis.directions == expected and analysis.understood


def test_timing_numbers_are_not_doses() -> None:
    analysis = analyze_sig("70 mg po once a week 30 min before breakfast")
    assert (analysis.dose_max, analysis.dose_unit, analysis.period_days) == (Decimal(70), "mg", 7)


@pytest.mark.parametrize("sig", ["1 tab po daily every other day", "1 T PO BID QHS", "1 tab po weekly daily"])
def test_two_frequencies_for_one_dose_are_refused(sig: str) -> None:
    analysis = analyze_sig(sig)
    assert not analysis.understood and analysis.unknown == ()
    assert analysis.refused and analysis.refused.startswith("The SIG gives two different frequencies")


@pytest.mark.parametrize(
    ("sig", "expected"),
    [
        ("1 T PO QD QHS", "Take 1 tablet by mouth once a day at bedtime"),  # the time of the one dose
        ("1 T PO BID X 3 DAYS THEN 1 T PO QD",
         "Take 1 tablet by mouth 2 times a day for 3 days then 1 tablet by mouth once a day"),  # a taper
        ("1 tab po q monday wednesday friday", "Take 1 tablet by mouth every Monday, Wednesday and Friday"),
        ("take 2 tablets by mouth now, then 1 tablet daily", "Take 2 tablets by mouth now, then 1 tablet once a day"),
        ("1 puff inh bid rinse mouth after use", "Inhale 1 puff 2 times a day rinse mouth after use"),
    ],
)  # fmt: skip
def test_one_rate_restated_or_a_taper_is_understood(sig: str, expected: str) -> None:
    analysis = analyze_sig(sig)
    assert analysis.understood and analysis.directions == expected


@pytest.mark.parametrize(
    ("sig", "expected"),
    [
        ("1 tab po prn every 4 hours", "Take 1 tablet by mouth as needed every 4 hours"),
        ("1 tab po prn twice daily", "Take 1 tablet by mouth as needed 2 times a day"),
        ("1 tab po prn pain", "Take 1 tablet by mouth as needed for pain"),
    ],
)
def test_prn_before_a_phrase_is_not_an_indication(sig: str, expected: str) -> None:
    assert analyze_sig(sig).directions == expected


@pytest.mark.parametrize(
    ("sig", "expected", "interval"),
    [
        ("take 1 tablet by mouth at 8 am", "Take 1 tablet by mouth at 8 AM", "24"),
        ("take 1 tablet at 8 am and 8 pm", "Take 1 tablet at 8 AM and 8 PM", "12"),
        ("take 1 tablet at 8:30 pm", "Take 1 tablet at 8:30 PM", "24"),
        ("1 tab po qd in am", "Take 1 tablet by mouth once a day in the morning", "24"),
        ("take 1 and 1/2 tablets by mouth daily", "Take 1 1/2 tablets by mouth once a day", "24"),
        ("use 2 puffs by inhalation every 4 to 6 hours", "Use 2 puffs by inhalation every 4 to 6 hours", "4"),
        ("1 tab po qd for bp", "Take 1 tablet by mouth once a day for blood pressure", "24"),
    ],
)
def test_clock_times_mixed_numbers_and_indications(sig: str, expected: str, interval: str) -> None:
    analysis = analyze_sig(sig)
    assert analysis.directions == expected and analysis.understood
    assert analysis.min_interval_hours == Decimal(interval)


def test_a_clock_time_without_am_or_pm_is_not_read_as_a_time() -> None:
    analysis = analyze_sig("take 1 tablet at 8")
    assert analysis.directions == "Take 1 tablet at 8" and analysis.dose_max is None
