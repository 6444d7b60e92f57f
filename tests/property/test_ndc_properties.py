"""NDC conversion: any text parses or raises InvalidNDC with a message; labeler forms, 11- and
12-digit keys convert back and forth without loss."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pharmacy_desktop.domain.ndc import (
    SHAPES_10,
    InvalidNDC,
    format_ndc10,
    format_ndc11,
    format_ndc12,
    ndc10_candidate_shapes,
    ndc10_candidates,
    parse_ndc,
    shape_of,
    to_ndc11,
    to_ndc12,
)
from tests.property.conftest import PROPERTY, assert_message

DIGITS = "0123456789"
NDC_CHARS = st.text(alphabet=DIGITS + "-\u2013\u2212 \t.xX", max_size=20)


@st.composite
def labeler_ndc(draw) -> tuple[str, str]:
    """A labeler's hyphenated 10-digit NDC and its shape."""
    shape = draw(st.sampled_from(SHAPES_10))
    parts = [draw(st.text(alphabet=DIGITS, min_size=int(n), max_size=int(n))) for n in shape.split("-")]
    return "-".join(parts), shape


@PROPERTY
@given(st.one_of(st.text(max_size=30), NDC_CHARS))
def test_any_text_parses_or_says_why_not(text):
    for convert in (parse_ndc, to_ndc11, to_ndc12, shape_of):
        try:
            convert(text)
        except InvalidNDC as exc:
            assert_message(exc)


@PROPERTY
@given(st.one_of(st.text(max_size=14), st.text(alphabet=DIGITS, min_size=9, max_size=13)), st.text(max_size=6))
def test_formatters_take_keys_or_say_why_not(key, shape):
    for call in (
        lambda: format_ndc11(key),
        lambda: format_ndc12(key),
        lambda: format_ndc10(key, shape),
        lambda: ndc10_candidates(key),
        lambda: ndc10_candidate_shapes(key),
    ):
        try:
            call()
        except InvalidNDC as exc:
            assert_message(exc)


@PROPERTY
@given(labeler_ndc())
def test_labeler_form_to_ndc11_and_back(ndc_and_shape):
    hyphenated, shape = ndc_and_shape
    key = to_ndc11(hyphenated)
    assert len(key) == 11 and key.isdigit()
    assert parse_ndc(hyphenated).shape == shape and shape_of(hyphenated) == shape
    assert format_ndc10(key, shape) == hyphenated  # ndc11 -> hyphenated -> ndc11
    assert to_ndc11(format_ndc11(key)) == key
    assert to_ndc11(key) == key  # 11 bare digits
    assert key in ndc10_candidates(hyphenated.replace("-", ""))
    assert (shape, key) in ndc10_candidate_shapes(hyphenated.replace("-", ""))
    assert to_ndc12(hyphenated) == "0" + key and to_ndc11(format_ndc12("0" + key)) == key


@PROPERTY
@given(st.text(alphabet=DIGITS, min_size=11, max_size=11))
def test_every_11_digit_key_round_trips(key):
    assert to_ndc11(format_ndc11(key)) == key
    shapes = [s for s in SHAPES_10 if _has_form(key, s)]
    for shape in shapes:
        assert to_ndc11(format_ndc10(key, shape)) == key


def _has_form(key: str, shape: str) -> bool:
    try:
        format_ndc10(key, shape)
    except InvalidNDC:
        return False
    return True
