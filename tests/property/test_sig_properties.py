"""SIG expansion: any text expands or raises InvalidSig with a message; unknown tokens are kept
as typed; SIGs built from known codes expand fully with a sensible daily range."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pharmacy_desktop.domain.sig import MAX_NUMBER_DIGITS, InvalidSig, analyze_sig, expand_sig, unknown_tokens
from tests.property.conftest import PROPERTY, assert_message

DOSES = st.sampled_from(["1", "2", "1-2", "1/2", "1 1/2", "0.5", "ONE", "TWO", "5", "10", "1 TO 2"])
UNITS = st.sampled_from(["T", "TAB", "C", "CAP", "ML", "TSP", "GTT", "PUFF", "PATCH"])
ROUTES = st.sampled_from(["PO", "SL", "OU", "IM", "TOP", "INH", ""])
FREQS = st.sampled_from(
    ["QD", "BID", "TID", "QID", "Q4H", "Q6H", "Q4-6H", "Q8H", "QHS", "QAM", "QOD", "QWK", "AC", "PC", "Q 6 H", ""]
)
EXTRAS = st.sampled_from(["", "PRN", "PRN PAIN", "X7D", "X 10 DAYS", "FOR 2 WEEKS", "WF", "UD"])
WORDS = st.one_of(
    st.text(max_size=40),
    st.lists(
        st.one_of(
            DOSES, UNITS, ROUTES, FREQS, EXTRAS, st.text(alphabet="0123456789./-QHXD", max_size=14), st.text(max_size=6)
        ),
        max_size=10,
    ).map(" ".join),
)


@PROPERTY
@given(WORDS)
def test_any_text_expands_or_says_why_not(text):
    try:
        analysis = analyze_sig(text)
    except InvalidSig as exc:
        assert_message(exc)
        assert str(exc) == exc.message
        return
    assert isinstance(analysis.directions, str)
    typed = text.split()
    for token in analysis.unknown:  # kept as typed, never invented
        assert any(token in word for word in typed), (token, text)
    if analysis.daily_min is not None:
        assert analysis.daily_max is not None and 0 <= analysis.daily_min <= analysis.daily_max
    assert expand_sig(text) == analysis.directions and unknown_tokens(text) == list(analysis.unknown)


@PROPERTY
@given(DOSES, UNITS, ROUTES, FREQS.filter(bool), EXTRAS)
def test_sigs_of_known_codes_expand_fully(dose, unit, route, freq, extra):
    text = " ".join(p for p in (dose, unit, route, freq, extra) if p)
    analysis = analyze_sig(text)
    assert analysis.unknown == (), text
    assert analysis.directions and analysis.directions[0].isupper()
    assert "  " not in analysis.directions


@PROPERTY
@given(
    st.integers(min_value=MAX_NUMBER_DIGITS + 1, max_value=6000),
    st.sampled_from(["{} T PO QD", "1 T PO Q{}H", "1 T PO QD X {} DAYS", "1/{} T", "0.{} ML", "{}T PO"]),
    st.sampled_from("123456789"),
)
def test_numbers_beyond_the_bound_are_refused_with_a_message(length, template, digit):
    text = template.format(digit * length)
    try:
        analyze_sig(text)
    except InvalidSig as exc:
        assert f"{length:,}-digit number" in exc.message and len(exc.message) < 200
    else:
        raise AssertionError(f"a {length}-digit number was accepted")
