"""Unit tests for pharmacy_desktop.domain.barcodes (no database, no Qt)."""

from __future__ import annotations

import csv
import dataclasses
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from pharmacy_desktop.domain.barcodes import (
    GS,
    GS_SUBSTITUTES,
    InvalidScan,
    Scan,
    build_gs1_element_string,
    gs1_check_digit,
    gs1_date,
    is_valid_gs1,
    ndc_to_gtin14,
    ndc_to_upc_a,
    normalize_gs,
    parse_scan,
)
from pharmacy_desktop.domain.ndc import InvalidNDC

UVIS = (
    Path(os.environ.get("PHARMACY_FDA_NDC_DIR", Path(__file__).resolve().parents[3] / "shared/data/fda-ndc"))
    / "uvis_fdadrug_rx_2015.tsv"
)

# 0574-4072-05 (DOMAIN.md) as carried by each barcode; check digits worked by hand
UPC = "305744072055"
EAN = "0305744072055"
GTIN = "00305744072055"
CANDS = ("00574407205", "05744007205", "05744072005")
# GS1 General Specifications example GTIN (NDC digits 1234567890)
EX_GTIN = "00312345678906"
EX_CANDS = ("01234567890", "12345067890", "12345678900")
TODAY = date(2025, 6, 1)


def uvis_rows() -> list[dict[str, str]]:
    if not UVIS.exists():
        pytest.skip(f"real NDC extract not found at {UVIS}")
    with UVIS.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def scan_error(text: str) -> str:
    with pytest.raises(InvalidScan) as exc:
        parse_scan(text, today=TODAY)
    return str(exc.value)


# --- check digits ------------------------------------------------------------------------------


def test_gs1_check_digit_known_values() -> None:
    assert gs1_check_digit("03600029145") == 2  # UPC-A 036000291452
    assert gs1_check_digit("0031234567890") == 6  # GTIN-14 00312345678906
    assert gs1_check_digit("400638133393") == 1  # EAN-13 4006381333931
    assert gs1_check_digit("30574407205") == 5
    with pytest.raises(ValueError):
        gs1_check_digit("12a")


def test_is_valid_gs1() -> None:
    assert is_valid_gs1(UPC) and is_valid_gs1(EAN) and is_valid_gs1(GTIN)
    assert not is_valid_gs1("305744072056")
    assert not is_valid_gs1("30574407205X")
    assert not is_valid_gs1("")


# --- UPC-A / EAN-13 / GTIN-14 --------------------------------------------------------------------


def test_upc_a() -> None:
    scan = parse_scan(UPC)
    assert scan == Scan(raw=UPC, kind="upc-a", ndc_candidates=CANDS, gtin=GTIN, ndc10="0574407205")
    assert "00574407205" in scan.ndc_candidates


def test_upc_a_bad_check_digit() -> None:
    msg = scan_error("305744072056")
    assert "check digit" in msg
    assert "UPC-A" in msg and "expected 5" in msg


def test_upc_a_not_a_drug() -> None:
    scan = parse_scan("036000291452")
    assert scan.kind == "upc-a"
    assert scan.ndc_candidates == ()
    assert scan.gtin == "00036000291452"
    assert scan.ndc10 is None


@pytest.mark.parametrize("text, letters", [("30574407205O", "O"), ("3O574407205S", "OS"), ("abc", "abc")])
def test_letters_in_a_upc(text: str, letters: str) -> None:
    assert f"letters ({letters})" in scan_error(text)


def test_ean_13() -> None:
    scan = parse_scan(EAN)
    assert (scan.kind, scan.ndc_candidates, scan.gtin) == ("ean-13", CANDS, GTIN)
    assert "check digit" in scan_error("0305744072054")
    other = parse_scan("4006381333931")  # a German stationery EAN: valid, not a drug
    assert (other.kind, other.ndc_candidates, other.gtin) == ("ean-13", (), "04006381333931")


def test_gtin_14_with_indicator() -> None:
    case = ndc_to_gtin14("0574-4072-05", indicator=1)
    assert case == "10305744072052"
    scan = parse_scan(case)
    assert (scan.kind, scan.ndc_candidates, scan.gtin) == ("gtin-14", CANDS, case)
    assert parse_scan(GTIN).ndc_candidates == CANDS
    assert "check digit" in scan_error("10305744072053")
    assert "GTIN-14" in scan_error("10305744072053")


@pytest.mark.parametrize(
    "aim, text",
    [("]E0", EAN), ("]E0", UPC), ("]A0", GTIN), ("]I1", GTIN)],
)
def test_aim_prefix_on_linear_codes(aim: str, text: str) -> None:
    scan = parse_scan(aim + text + "\r\n")
    assert scan.symbology == aim
    assert scan.ndc_candidates == CANDS
    assert scan.raw == aim + text + "\r\n"


@pytest.mark.parametrize(
    "text, n",
    [("123456789", 9), ("057440720", 9), ("1234567890123456", 16), ("123", 3)],
)
def test_wrong_length(text: str, n: int) -> None:
    msg = scan_error(text)
    assert f"wrong length: {n} digits" in msg


# --- GS1 element strings ------------------------------------------------------------------------


def _expect_example(scan: Scan, symbology: str | None = None) -> None:
    assert scan.kind == "gs1"
    assert scan.gtin == EX_GTIN
    assert scan.ndc_candidates == EX_CANDS
    assert scan.ndc10 == "1234567890"
    assert scan.expiry == date(2027, 1, 31)
    assert scan.lot == "ABC123"
    assert scan.serial == "XYZ"
    assert scan.symbology == symbology


def test_gs1_human_readable() -> None:
    scan = parse_scan("(01)00312345678906(17)270131(10)ABC123(21)XYZ", today=TODAY)
    _expect_example(scan)
    assert scan.elements == (("01", EX_GTIN), ("17", "270131"), ("10", "ABC123"), ("21", "XYZ"))


def test_gs1_human_readable_with_spaces() -> None:
    _expect_example(parse_scan(" (01) 00312345678906 (17) 270131 (10) ABC123 (21) XYZ ", today=TODAY))


@pytest.mark.parametrize("aim", ["]d2", "]C1", "]Q3", "]e0", "]J1"])
def test_gs1_raw_with_aim_prefix(aim: str) -> None:
    raw = f"{aim}0100312345678906172701311" + f"0ABC123{GS}21XYZ\r\n"
    _expect_example(parse_scan(raw, today=TODAY), aim)


def test_gs1_raw_without_aim_prefix() -> None:
    _expect_example(parse_scan("010031234567890617270131" + f"10ABC123{GS}21XYZ", today=TODAY))


def test_gs1_raw_leading_fnc1_and_trailing_gs() -> None:
    _expect_example(parse_scan(f"{GS}010031234567890617270131" + f"10ABC123{GS}21XYZ{GS}\n", today=TODAY))
    _expect_example(parse_scan("<FNC1>0100312345678906172701311" + "0ABC123<GS>21XYZ", today=TODAY))


@pytest.mark.parametrize(
    "raw",
    [
        f"]d221XYZ{GS}10ABC123{GS}0100312345678906" + "17270131",
        f"]d21727013110ABC123{GS}0100312345678906" + "21XYZ",
        f"]d210ABC123{GS}1727013121XYZ{GS}01" + "00312345678906",
        "(21)XYZ(17)270131(01)00312345678906(10)ABC123",
    ],
)
def test_gs1_ai_order_varied(raw: str) -> None:
    _expect_example(parse_scan(raw, today=TODAY), raw[:3] if raw.startswith("]") else None)


def test_gs1_lot_at_end_without_gs() -> None:
    scan = parse_scan("]d2010031234567890617270131" + "10ABC123", today=TODAY)
    assert scan.lot == "ABC123"
    assert scan.serial is None
    assert scan.expiry == date(2027, 1, 31)


def test_gs1_only_gtin() -> None:
    scan = parse_scan("]d2" + "01" + EX_GTIN)
    assert (scan.gtin, scan.lot, scan.expiry, scan.serial) == (EX_GTIN, None, None, None)


@pytest.mark.parametrize("sub", GS_SUBSTITUTES)
def test_gs_substitutes(sub: str) -> None:
    _expect_example(parse_scan("]d2010031234567890617270131" + f"10ABC123{sub}21XYZ", today=TODAY), "]d2")


def test_required_gs_substitutes_are_listed() -> None:
    for sub in ("<GS>", "{GS}", "^]"):
        assert sub in GS_SUBSTITUTES
    assert "~" not in GS_SUBSTITUTES
    assert normalize_gs("A<GS>B{GS}C^]D") == f"A{GS}B{GS}C{GS}D"


def test_tilde_stays_in_the_lot() -> None:
    scan = parse_scan("]d2" + "01" + EX_GTIN + f"10AB~C{GS}21XYZ")
    assert scan.lot == "AB~C"
    assert scan.serial == "XYZ"


def test_gs1_without_aim_or_gs_but_starting_like_gs1() -> None:
    # a scanner without AIM transmission: detected by the leading (01)
    scan = parse_scan("0100312345678906" + "10LOT-7")
    assert (scan.kind, scan.lot, scan.gtin) == ("gs1", "LOT-7", EX_GTIN)


def test_gs1_extra_ais_accepted_and_kept() -> None:
    text = "(01)00312345678906(11)250115(15)270100(30)12(240)ABC-1(710)PZN123(714)PT1(715)US1(17)270131(10)L1"
    scan = parse_scan(text, today=TODAY)
    assert scan.lot == "L1"
    assert scan.expiry == date(2027, 1, 31)
    assert dict(scan.elements) == {
        "01": EX_GTIN,
        "11": "250115",
        "15": "270100",
        "30": "12",
        "240": "ABC-1",
        "710": "PZN123",
        "714": "PT1",
        "715": "US1",
        "17": "270131",
        "10": "L1",
    }


def test_gs1_gtin_not_a_drug_ndc() -> None:
    scan = parse_scan("(01)04006381333931(17)270131(10)X1", today=TODAY)
    assert scan.kind == "gs1"
    assert scan.gtin == "04006381333931"
    assert scan.ndc_candidates == ()
    assert scan.lot == "X1"


def test_gs1_gtin_bad_check_digit() -> None:
    msg = scan_error("(01)00312345678907(17)270131")
    assert "check digit" in msg and "GTIN (01)" in msg and "expected 6" in msg


# --- GS1 dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "yymmdd, expected",
    [
        ("270131", date(2027, 1, 31)),
        ("240200", date(2024, 2, 29)),  # leap year
        ("250200", date(2025, 2, 28)),
        ("280200", date(2028, 2, 29)),
        ("271100", date(2027, 11, 30)),
        ("261200", date(2026, 12, 31)),
    ],
)
def test_expiry_day_00_is_last_day_of_month(yymmdd: str, expected: date) -> None:
    scan = parse_scan(f"(01){EX_GTIN}(17){yymmdd}", today=TODAY)
    assert scan.expiry == expected


@pytest.mark.parametrize(
    "yymmdd, fragment",
    [
        ("271301", "month 13"),
        ("270001", "month 00"),
        ("250229", "2025-02 has no day 29"),
        ("270132", "2027-01 has no day 32"),
        ("2701", "must be 6 digits (got 4)"),
        ("27013A", "must be digits only"),
    ],
)
def test_malformed_expiry(yymmdd: str, fragment: str) -> None:
    msg = scan_error(f"(01){EX_GTIN}(17){yymmdd}(10)L1")
    assert "expiry date (17)" in msg
    assert fragment in msg


def test_malformed_expiry_raw() -> None:
    msg = scan_error(f"]d201{EX_GTIN}17271301" + "10L1")
    assert "expiry date" in msg and "month 13" in msg


def test_other_dates_are_validated_too() -> None:
    assert "production date (11)" in scan_error(f"(01){EX_GTIN}(11)251301")


def test_gs1_century_window() -> None:
    assert gs1_date("991231", today=date(2025, 1, 1)) == date(1999, 12, 31)
    assert gs1_date("750101", today=date(2025, 1, 1)) == date(2075, 1, 1)
    assert gs1_date("760101", today=date(2025, 1, 1)) == date(1976, 1, 1)
    assert gs1_date("050101", today=date(2060, 1, 1)) == date(2105, 1, 1)
    assert gs1_date("300100", today=date(2025, 1, 1)) == date(2030, 1, 31)


# --- GS1 errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, ai",
    [
        ("(01)00312345678906(99)XYZ", "99"),
        ("(98)1", "98"),
        (f"]d201{EX_GTIN}99XYZ", "99"),
        (f"]d201{EX_GTIN}719ABC", "719"),
        (f"]d210ABC{GS}8200http", "82"),
        ("0100312345678906" + "992", "99"),
    ],
)
def test_unknown_application_identifier(text: str, ai: str) -> None:
    assert f"unknown application identifier ({ai})" in scan_error(text)


def test_gs1_field_errors() -> None:
    assert "GTIN (01) must be 14 digits (got 13)" in scan_error("(01)0031234567890(10)A")
    assert "GTIN (01) must be 14 digits (got 13)" in scan_error(f"]d2010031234567890{GS}10A")
    too_long = scan_error(f"]d201{EX_GTIN}10ABCDEFGHIJ0123456789X")  # GS forgotten
    assert "lot (10) is too long: 21 characters" in too_long
    assert "missing GS separator" in too_long
    assert "lot (10) is empty" in scan_error(f"(01){EX_GTIN}(10)(21)X")
    assert parse_scan(f"(01){EX_GTIN}(10)AB#1").lot == "AB#1"  # outside set 82, but real
    assert "characters a barcode cannot carry ('\\x07')" in scan_error(f"]d201{EX_GTIN}10AB\x07")
    assert "characters a barcode cannot carry ('é')" in scan_error(f"(01){EX_GTIN}(10)ABé")
    assert "count (30) must be digits only" in scan_error(f"(01){EX_GTIN}(30)1A")
    assert "appears twice" in scan_error(f"(01){EX_GTIN}(10)A(10)B")
    assert "must start with an (AI)" in scan_error("(X)(01)00312345678906")


# --- typed NDCs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, key",
    [
        ("0574-4072-05", "00574407205"),
        ("51655-089-52", "51655008952"),
        ("58118-1397-3", "58118139703"),
        ("00574-4072-05", "00574407205"),
        ("00574407205", "00574407205"),
        (" 16714-421-01\r\n", "16714042101"),
    ],
)
def test_typed_ndc_has_exactly_one_candidate(typed: str, key: str) -> None:
    scan = parse_scan(typed)
    assert scan.kind == "ndc"
    assert scan.ndc_candidates == (key,)
    assert scan.gtin is None


def test_ten_bare_digits_give_every_shape() -> None:
    scan = parse_scan("0574407205")
    assert (scan.kind, scan.ndc_candidates, scan.ndc10) == ("ndc10", CANDS, "0574407205")


def test_real_ambiguous_barcode() -> None:
    # Lisinopril 64725-1020-1 and metformin 64725-0102-1 are both real UVIS packages: the
    # lisinopril barcode's 5-3-2 reading is the metformin key. The scan must offer both.
    scan = parse_scan(ndc_to_upc_a("64725-1020-1"))
    assert scan.ndc_candidates == ("06472510201", "64725010201", "64725102001")
    assert {"64725010201", "64725102001"} <= set(scan.ndc_candidates)


def test_twelve_digit_ndc() -> None:
    scan = parse_scan("000574-4072-05")
    assert (scan.kind, scan.ndc12, scan.ndc_candidates) == ("ndc12", "000574407205", ("00574407205",))
    new = parse_scan("123456-7890-12")
    assert (new.kind, new.ndc12, new.ndc_candidates) == ("ndc12", "123456789012", ())


@pytest.mark.parametrize(
    "typed, fragment",
    [
        ("057-4072-05", "NDC segments must be 4-4-2, 5-3-2 or 5-4-1 (got 3-4-2)"),
        ("53157-121-BO", "letters (BO)"),
        ("00574-407-205", "must be 5-4-2"),
    ],
)
def test_typed_ndc_errors_are_invalid_scan(typed: str, fragment: str) -> None:
    assert fragment in scan_error(typed)


@pytest.mark.parametrize("text", ["", "   ", "\r\n", "\t", "]d2", "]d2\r\n", GS, "<GS>", "]C1<FNC1>"])
def test_empty_scan(text: str) -> None:
    assert scan_error(text) == "empty scan"


def test_invalid_characters() -> None:
    assert "invalid characters (' ')" in scan_error("3057 4407 2055")


def test_invalid_scan_is_value_error_and_scan_is_frozen() -> None:
    assert issubclass(InvalidScan, ValueError)
    scan = parse_scan(UPC)
    with pytest.raises(dataclasses.FrozenInstanceError):
        scan.lot = "x"  # type: ignore[misc]


# --- builders -------------------------------------------------------------------------------


def test_ndc_to_upc_a_inputs() -> None:
    assert ndc_to_upc_a("0574-4072-05") == UPC
    assert ndc_to_upc_a("0574407205") == UPC
    assert ndc_to_upc_a("00574407205", shape="4-4-2") == UPC
    assert ndc_to_upc_a("00574-4072-05", shape="4-4-2") == UPC
    assert ndc_to_upc_a("51655-089-52") == "351655089521"
    with pytest.raises(InvalidNDC, match="needs its shape"):
        ndc_to_upc_a("00574407205")
    with pytest.raises(InvalidNDC, match="no 5-3-2 form"):
        ndc_to_upc_a("00574407205", shape="5-3-2")
    with pytest.raises(InvalidNDC, match="no UPC-A/GTIN form"):
        ndc_to_upc_a("123456-7890-12")


def test_ndc_to_gtin14() -> None:
    assert ndc_to_gtin14("0574-4072-05") == GTIN
    assert ndc_to_gtin14("51655-089-52") == "00351655089521"
    with pytest.raises(ValueError, match="indicator"):
        ndc_to_gtin14("0574-4072-05", indicator=10)


def test_build_gs1_element_string() -> None:
    raw = build_gs1_element_string(EX_GTIN, date(2027, 1, 31), "ABC123", "XYZ")
    assert raw == "0100312345678906172701311" + f"0ABC123{GS}21XYZ"
    hri = build_gs1_element_string(EX_GTIN, date(2027, 1, 31), "ABC123", "XYZ", human_readable=True)
    assert hri == "(01)00312345678906(17)270131(10)ABC123(21)XYZ"
    assert build_gs1_element_string(EX_GTIN, lot="L1") == "0100312345678906" + "10L1"
    assert build_gs1_element_string("312345678906") == "01" + EX_GTIN  # UPC-A padded
    _expect_example(parse_scan("]d2" + raw, today=TODAY), "]d2")
    _expect_example(parse_scan(hri, today=TODAY))
    with pytest.raises(InvalidScan, match="check digit"):
        build_gs1_element_string("00312345678907")
    with pytest.raises(InvalidScan, match="too long"):
        build_gs1_element_string(EX_GTIN, lot="L" * 21)
    with pytest.raises(InvalidScan, match="does not allow"):
        build_gs1_element_string(EX_GTIN, serial="A B")


# --- purity and real data -------------------------------------------------------------------


def test_domain_modules_import_no_qt_or_database() -> None:
    code = (
        "import sys, pharmacy_desktop.domain.barcodes, pharmacy_desktop.domain.ndc;"
        "bad = [m for m in ('PySide6', 'sqlalchemy', 'psycopg') if m in sys.modules];"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_every_uvis_package_barcode_resolves_to_its_ndc() -> None:
    rows = uvis_rows()
    checked = 0
    for row in rows:
        digits, key = row["NDC"], row["ELEVEN_DIGIT_NDC"]
        if not digits.isdigit():
            assert digits == "53157121BO"  # the one real malformed package code
            with pytest.raises(InvalidNDC, match="letters"):
                ndc_to_upc_a(digits)
            continue
        upc = ndc_to_upc_a(digits)
        scan = parse_scan(upc)
        assert scan.kind == "upc-a" and upc.startswith("3"), upc
        assert key in scan.ndc_candidates, (upc, key)
        assert scan.ndc10 == digits
        gtin = ndc_to_gtin14(key, shape=row["FORMAT"], indicator=5)
        assert key in parse_scan(gtin).ndc_candidates
        gs1 = parse_scan("]d2" + build_gs1_element_string(gtin, date(2027, 2, 28), "LOT1", "S1"))
        assert key in gs1.ndc_candidates and gs1.lot == "LOT1" and gs1.expiry == date(2027, 2, 28)
        checked += 1
    assert checked == 3032


# -- AIM prefixes and GS substitutes: one rule, shared with the scanner filter ------------------


def test_split_aim_prefix() -> None:
    from pharmacy_desktop.domain.barcodes import split_aim_prefix

    assert split_aim_prefix("]d2010036") == ("]d2", "010036")
    assert split_aim_prefix("]C1(01)0036") == ("]C1", "(01)0036")
    assert split_aim_prefix("0100361") == ("", "0100361")
    assert split_aim_prefix("]]12") == ("", "]]12")


def test_normalize_gs_takes_a_list_and_defaults_to_the_parser_list() -> None:
    from pharmacy_desktop.domain.barcodes import normalize_gs

    assert normalize_gs("01<GS>21[FNC1]17") == "01" + GS + "21" + GS + "17"
    assert normalize_gs("01<GS>21[FNC1]17", ("<GS>",)) == "01" + GS + "21[FNC1]17"
    assert normalize_gs("01~21", ("", "~")) == "01" + GS + "21"


@pytest.mark.parametrize(
    "text, number",
    [
        ("1000123", "1000123"),
        ("RX1000123", "1000123"),
        ("rx# 1000123", "1000123"),
        ("]C11000123", "1000123"),
        (" ]d2RX-42 ", "42"),
        ("", None),
        (None, None),
        ("RX", None),
        ("1234567890", None),
        ("12a", None),
    ],
)
def test_rx_number_from_scan(text, number) -> None:
    from pharmacy_desktop.domain.barcodes import rx_number_from_scan

    assert rx_number_from_scan(text) == number
