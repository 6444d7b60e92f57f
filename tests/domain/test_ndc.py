"""Unit tests for pharmacy_desktop.domain.ndc (no database, no Qt)."""

from __future__ import annotations

import csv
import dataclasses
import os
from pathlib import Path

import pytest

from pharmacy_desktop.domain.ndc import (
    NDC,
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

UVIS = (
    Path(os.environ.get("PHARMACY_FDA_NDC_DIR", Path(__file__).resolve().parents[3] / "shared/data/fda-ndc"))
    / "uvis_fdadrug_rx_2015.tsv"
)


def uvis_rows() -> list[dict[str, str]]:
    if not UVIS.exists():
        pytest.skip(f"real NDC extract not found at {UVIS}")
    with UVIS.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def hyphenate(ndc10: str, shape: str) -> str:
    a, b, _ = (int(n) for n in shape.split("-"))
    return f"{ndc10[:a]}-{ndc10[a : a + b]}-{ndc10[a + b :]}"


# --- to_ndc11 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, key",
    [
        # DOMAIN.md examples, one per shape
        ("0574-4072-05", "00574407205"),
        ("51655-089-52", "51655008952"),
        ("58118-1397-3", "58118139703"),
        # real rows of uvis_fdadrug_rx_2015.tsv
        ("0615-6547-30", "00615654730"),  # metoprolol tartrate, 4-4-2
        ("0093-2210-05", "00093221005"),  # sucralfate, 4-4-2
        ("16714-421-01", "16714042101"),  # duloxetine, 5-3-2
        ("63323-762-94", "63323076294"),  # topotecan, 5-3-2
        ("53808-0354-1", "53808035401"),  # digoxin, 5-4-1
        ("36987-1719-4", "36987171904"),  # 5-4-1
        # 11-digit forms
        ("00574-4072-05", "00574407205"),
        ("00574407205", "00574407205"),
        # whitespace and pasted typographic dashes
        ("  0574-4072-05\n", "00574407205"),
        ("0574\u20134072\u201305", "00574407205"),
    ],
)
def test_to_ndc11(typed: str, key: str) -> None:
    assert to_ndc11(typed) == key


def test_ten_bare_digits_are_ambiguous() -> None:
    with pytest.raises(InvalidNDC) as exc:
        to_ndc11("0574407205")
    msg = str(exc.value)
    assert "shape unknown" in msg
    assert "type the dashes" in msg
    assert "scan the barcode" in msg


@pytest.mark.parametrize(
    "typed, fragment",
    [
        ("057-4072-05", "NDC segments must be 4-4-2, 5-3-2 or 5-4-1 (got 3-4-2)"),
        ("0574-407-05", "NDC segments must be 4-4-2, 5-3-2 or 5-4-1 (got 4-3-2)"),
        ("574-40720-05", "NDC segments must be 4-4-2, 5-3-2 or 5-4-1 (got 3-5-2)"),
        ("00574-407-205", "an 11-digit NDC must be 5-4-2 (got 5-3-3)"),
        ("0574-40720-500", "a 12-digit NDC must be 6-4-2 (got 4-5-3)"),
        ("00574-40720-5000", "too many digits: 14"),
        ("0574-407205", "3 dash-separated segments"),
        ("0574--4072-05", "3 dash-separated segments"),
        ("-0574-4072-05", "3 dash-separated segments"),
        ("12345", "NDC must have 10 or 11 digits (got 5)"),
        ("1234567890123", "NDC must have 10 or 11 digits (got 13)"),
        ("305744072055", "6-4-2 with dashes"),
        ("53157-121-BO", "letters (BO)"),  # real malformed package code in the UVIS extract
        ("0574-4072-O5", "letters (O)"),
        ("0574.4072.05", "invalid characters ('.')"),
        ("0574 4072 05", "invalid characters (' ')"),
        ("05７4-4072-05", "invalid characters"),  # full-width digit: not an ASCII key
        ("", "empty"),
        ("   ", "empty"),
    ],
)
def test_invalid_ndc_messages(typed: str, fragment: str) -> None:
    with pytest.raises(InvalidNDC) as exc:
        to_ndc11(typed)
    assert fragment in str(exc.value)


def test_invalid_ndc_is_value_error() -> None:
    assert issubclass(InvalidNDC, ValueError)
    with pytest.raises(ValueError):
        to_ndc11("nope")
    with pytest.raises(InvalidNDC, match="must be text"):
        to_ndc11(574407205)  # type: ignore[arg-type]


# --- candidates -----------------------------------------------------------------------------


def test_ndc10_candidates_order() -> None:
    assert ndc10_candidates("0574407205") == ("00574407205", "05744007205", "05744072005")
    assert ndc10_candidates("5165508952") == ("05165508952", "51655008952", "51655089502")


def test_ndc10_candidates_deduplicated_preserving_order() -> None:
    # real BUPAP row 0095-3000-01: the 5-3-2 and 5-4-1 readings give the same key
    assert ndc10_candidates("0095300001") == ("00095300001", "00953000001")
    assert ndc10_candidate_shapes("0095300001") == (
        ("4-4-2", "00095300001"),
        ("5-3-2", "00953000001"),
        ("5-4-1", "00953000001"),
    )


@pytest.mark.parametrize("bad", ["057440720", "05744072055", "057440720A", "0574-4072-05", ""])
def test_ndc10_candidates_rejects_non_ten_digits(bad: str) -> None:
    with pytest.raises(InvalidNDC, match="expected 10 NDC digits"):
        ndc10_candidates(bad)


# --- formatting ------------------------------------------------------------------------------


def test_format_ndc11() -> None:
    assert format_ndc11("00574407205") == "00574-4072-05"
    with pytest.raises(InvalidNDC, match="11-digit"):
        format_ndc11("0574407205")


@pytest.mark.parametrize(
    "key, shape, display",
    [
        ("00574407205", "4-4-2", "0574-4072-05"),
        ("51655008952", "5-3-2", "51655-089-52"),
        ("58118139703", "5-4-1", "58118-1397-3"),
    ],
)
def test_format_ndc10_round_trip(key: str, shape: str, display: str) -> None:
    assert format_ndc10(key, shape) == display
    assert to_ndc11(display) == key
    assert shape_of(display) == shape


def test_format_ndc10_needs_the_padding_zero() -> None:
    with pytest.raises(InvalidNDC) as exc:
        format_ndc10("00574407205", "5-3-2")
    assert "no 5-3-2 form" in str(exc.value)
    assert "digit 6" in str(exc.value)
    with pytest.raises(InvalidNDC, match="no 4-4-2 form"):
        format_ndc10("51655008952", "4-4-2")
    with pytest.raises(InvalidNDC, match="shape must be"):
        format_ndc10("00574407205", "5-4-2")


def test_shape_of() -> None:
    assert shape_of("0574-4072-05") == "4-4-2"
    assert shape_of("00574-4072-05") == "5-4-2"
    assert shape_of("000574-4072-05") == "6-4-2"
    with pytest.raises(InvalidNDC, match="no dashes"):
        shape_of("00574407205")
    with pytest.raises(InvalidNDC, match="got 3-4-2"):
        shape_of("057-4072-05")


# --- parse_ndc and the 12-digit format -----------------------------------------------------


def test_parse_ndc_keeps_labeler_display() -> None:
    ndc = parse_ndc(" 51655-089-52 ")
    assert ndc == NDC(key="51655008952", display="51655-089-52", shape="5-3-2")
    assert ndc.ndc11 == "51655008952"
    assert ndc.ndc12 == "051655008952"
    assert parse_ndc("51655008952") == NDC("51655008952", "51655-0089-52", "5-4-2")
    with pytest.raises(dataclasses.FrozenInstanceError):
        ndc.key = "x"  # type: ignore[misc]


def test_twelve_digit_ndc() -> None:
    ndc = parse_ndc("123456-7890-12")
    assert (ndc.key, ndc.display, ndc.shape) == ("123456789012", "123456-7890-12", "6-4-2")
    assert ndc.ndc11 is None
    with pytest.raises(InvalidNDC, match="has no 11-digit form"):
        to_ndc11("123456-7890-12")
    # converted legacy NDCs (leading zeros per segment) still map back to the 11-digit key
    assert to_ndc11("000574-4072-05") == "00574407205"


@pytest.mark.parametrize(
    "typed, key12",
    [
        ("0574-4072-05", "000574407205"),
        ("51655-089-52", "051655008952"),
        ("58118-1397-3", "058118139703"),
        ("00574407205", "000574407205"),
        ("123456-7890-12", "123456789012"),
        ("123456789012", "123456789012"),
    ],
)
def test_to_ndc12(typed: str, key12: str) -> None:
    assert to_ndc12(typed) == key12


def test_format_ndc12() -> None:
    assert format_ndc12("000574407205") == "000574-4072-05"
    assert to_ndc12(format_ndc12("123456789012")) == "123456789012"
    with pytest.raises(InvalidNDC, match="12-digit"):
        format_ndc12("00574407205")


# --- real data --------------------------------------------------------------------------------


def test_every_uvis_row_converts_to_its_eleven_digit_ndc() -> None:
    rows = uvis_rows()
    assert len(rows) == 3033
    rejected = []
    for row in rows:
        typed = hyphenate(row["NDC"], row["FORMAT"])
        try:
            key = to_ndc11(typed)
        except InvalidNDC as exc:
            rejected.append((typed, str(exc)))
            continue
        assert key == row["ELEVEN_DIGIT_NDC"], typed
        assert shape_of(typed) == row["FORMAT"]
        assert format_ndc10(key, row["FORMAT"]) == typed
        assert key in ndc10_candidates(row["NDC"])
        assert typed in row["PACKAGEDESCRIPTION"]
    # the one real row with letters in its package code is refused, not guessed
    assert rejected == [("53157-121-BO", "NDC contains letters (BO): only digits and dashes are allowed")]
