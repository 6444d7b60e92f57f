"""SIG understanding (issue 15 item 5): 'understood' means no unknown and no refused token; a
refused abbreviation is never translated; interval, period and daily amounts agree."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from pharmacy_desktop.domain.sig import InvalidSig, analyze_sig
from tests.property.conftest import PROPERTY

DOSES = st.sampled_from(["1", "2", "1/2", "ONE", "TWO", "1 TO 2", "1-2"])
UNITS = st.sampled_from(["T", "TAB", "TABLET", "C", "CAP", "ML", "TSP"])
ROUTES = st.sampled_from(["PO", "BY MOUTH", "SL", ""])
FREQS = st.sampled_from(
    ["QD", "DAILY", "ONCE DAILY", "ONCE A DAY", "TWICE DAILY", "BID", "TID", "QID", "FOUR TIMES DAILY",
     "3 TIMES A DAY", "2 TIMES PER DAY", "Q6H", "Q4-6H", "EVERY 8 HOURS", "EVERY 4 TO 6 HOURS", "QOD",
     "EVERY OTHER DAY", "ONCE A WEEK", "WEEKLY", "Q WEEK", "EVERY MONDAY", "THREE TIMES A WEEK",
     "EVERY 2 WEEKS", "QHS", "AT BEDTIME", "EVERY MORNING", "Q72H", "ONCE A MONTH"]
)  # fmt: skip
EXTRAS = st.sampled_from(["", "PRN", "PRN PAIN", "X 7 DAYS", "FOR 10 DAYS", "WITH FOOD", "30 MIN BEFORE BREAKFAST"])
REFUSED = st.sampled_from(["OD", "TIW", "BIW", "SS", "D/C", "CC", "QN", "Q1D", "HS", "AS", "AD"])


@PROPERTY
@given(st.text(max_size=40) | st.lists(st.sampled_from(["1", "T", "PO", "OD", "DAY", "TIMES", "EVERY", "A"]),
                                        max_size=8).map(" ".join))  # fmt: skip
def test_understood_means_nothing_unknown_nor_refused(text):
    try:
        analysis = analyze_sig(text)
    except InvalidSig:
        return
    if analysis.understood:
        assert analysis.unknown == () and analysis.refused is None and analysis.directions
    elif text.strip():
        assert analysis.unknown or analysis.refused
        assert analysis.dose_max is None and analysis.min_interval_hours is None and analysis.period_days is None


@PROPERTY
@given(DOSES, UNITS, ROUTES, FREQS, EXTRAS)
def test_phrases_of_known_words_are_understood_and_agree(dose, unit, route, freq, extra):
    text = " ".join(p for p in (dose, unit, route, freq, extra) if p)
    analysis = analyze_sig(text)
    assert analysis.understood, (text, analysis.unknown, analysis.refused)
    assert analysis.dose_min is not None and analysis.dose_max is not None and analysis.dose_min <= analysis.dose_max
    hours, period = analysis.min_interval_hours, analysis.period_days
    assert hours is not None and period is not None, text
    assert (period == 1) == (hours <= 24), (text, hours, period)
    if analysis.daily_max is not None and not analysis.prn:
        # units a day = units a dose x doses a day (4 decimals kept)
        expected = analysis.dose_max * Decimal(24) / hours
        assert abs(analysis.daily_max - expected) < Decimal("0.001"), (text, analysis.daily_max, expected)


@PROPERTY
@given(DOSES, UNITS, ROUTES, REFUSED, FREQS)
def test_a_refused_abbreviation_is_never_translated(dose, unit, route, refused, freq):
    text = " ".join(p for p in (dose, unit, route, refused, freq) if p)
    analysis = analyze_sig(text)
    assert not analysis.understood and analysis.refused and refused in analysis.unknown
    assert "right eye" not in analysis.directions and refused in analysis.directions
