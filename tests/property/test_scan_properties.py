"""Scan parsing: any keyboard-wedge input parses or raises InvalidScan with a message; barcodes
built from an NDC scan back to it; UPC/GTIN check digits catch every single-digit error."""

from __future__ import annotations

import datetime as dt

from hypothesis import assume, given
from hypothesis import strategies as st

from pharmacy_desktop.domain.barcodes import (
    GS,
    GS_SUBSTITUTES,
    InvalidScan,
    build_gs1_element_string,
    gs1_check_digit,
    is_valid_gs1,
    ndc_to_gtin14,
    ndc_to_upc_a,
    parse_scan,
)
from pharmacy_desktop.domain.ndc import to_ndc11
from tests.property.conftest import PROPERTY, assert_message
from tests.property.test_ndc_properties import labeler_ndc

DIGITS = "0123456789"
TODAY = dt.date(2026, 6, 15)
# what scanners and people send: digits, dashes, GS and its stand-ins, AIM prefixes, AI brackets
PIECES = st.one_of(
    st.text(alphabet=DIGITS, min_size=1, max_size=16),
    st.sampled_from(
        ["-", GS, "(01)", "(17)", "(10)", "(21)", "]d2", "]C1", "]E0", " ", "\t", "A", "é", "~", *GS_SUBSTITUTES]
    ),
    st.text(max_size=4),
)
SCANS = st.one_of(st.text(max_size=60), st.lists(PIECES, max_size=12).map("".join))
# GS1 CSET 82 minus the characters a raw element string cannot carry unambiguously
LOT = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-/", min_size=1, max_size=20)


@PROPERTY
@given(SCANS)
def test_any_input_parses_or_says_why_not(text):
    try:
        scan = parse_scan(text, today=TODAY)
    except InvalidScan as exc:
        assert_message(exc)
        return
    assert all(len(k) == 11 and k.isdigit() for k in scan.ndc_candidates)
    assert scan.gtin is None or (len(scan.gtin) == 14 and is_valid_gs1(scan.gtin))


@PROPERTY
@given(st.text(alphabet=DIGITS, min_size=1, max_size=17))
def test_a_check_digit_catches_every_single_digit_error(body):
    code = body + str(gs1_check_digit(body))
    assert is_valid_gs1(code)
    for position in range(len(code)):
        for digit in DIGITS:
            if digit != code[position]:
                assert not is_valid_gs1(code[:position] + digit + code[position + 1 :])


@PROPERTY
@given(labeler_ndc(), st.integers(min_value=0, max_value=8))
def test_upc_and_gtin_built_from_an_ndc_scan_back_to_it(ndc_and_shape, indicator):
    hyphenated, _ = ndc_and_shape
    key = to_ndc11(hyphenated)
    upc = ndc_to_upc_a(hyphenated)
    assert len(upc) == 12 and is_valid_gs1(upc)
    assert key in parse_scan(upc, today=TODAY).ndc_candidates
    gtin = ndc_to_gtin14(hyphenated, indicator=indicator)
    assert key in parse_scan(gtin, today=TODAY).ndc_candidates
    wrong = upc[:-1] + str((int(upc[-1]) + 1) % 10)
    try:
        parse_scan(wrong, today=TODAY)
    except InvalidScan as exc:
        assert "check digit" in str(exc)
    else:
        raise AssertionError(f"{wrong} has a wrong check digit and was accepted")


@PROPERTY
@given(
    labeler_ndc(),
    st.dates(min_value=dt.date(1980, 1, 1), max_value=dt.date(2070, 12, 31)),
    LOT,
    st.one_of(st.none(), LOT),
    st.booleans(),
)
def test_gs1_element_strings_round_trip(ndc_and_shape, expiry, lot, serial, human_readable):
    assume(abs(expiry.year - TODAY.year) < 49)  # the GS1 century window
    hyphenated, _ = ndc_and_shape
    gtin = ndc_to_gtin14(hyphenated)
    data = build_gs1_element_string(gtin, expiry=expiry, lot=lot, serial=serial, human_readable=human_readable)
    scan = parse_scan(("" if human_readable else "]d2") + data, today=TODAY)
    assert (scan.gtin, scan.expiry, scan.lot, scan.serial) == (gtin, expiry, lot, serial)
    assert to_ndc11(hyphenated) in scan.ndc_candidates
