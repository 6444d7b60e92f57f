"""Scanner and typed input -> :class:`Scan` (pure functions, stdlib only).

Understands UPC-A, EAN-13, GTIN-14, GS1 element strings (raw with the GS separator, or the
human-readable form with parentheses), an optional AIM symbology prefix, and typed NDCs.
Nothing is guessed: a bad check digit, date, length or application identifier raises
:class:`InvalidScan` with a message that names the problem.

The ten NDC digits inside a barcode do not say their shape, so a barcode yields every 11-digit
key they could be (``ndc_candidates``); the caller looks them all up. A barcode that is valid but
not a US drug NDC (a UPC-A not starting with ``3``, a GTIN whose digits 2-3 are not ``03``)
parses with empty ``ndc_candidates``, so callers can say "not a drug NDC".
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from pharmacy_desktop.domain.ndc import (
    SHAPES_10,
    InvalidNDC,
    format_ndc10,
    ndc10_candidates,
    parse_ndc,
)

GS = "\x1d"
# What keyboard-wedge scanners send instead of GS (ASCII 29) or FNC1, depending on their setup.
# Tilde is deliberately absent: GS1 lots may not contain it, but real-world lots sometimes do.
GS_SUBSTITUTES: tuple[str, ...] = (
    "<GS>", "{GS}", "[GS]", "^]", "\u241d", "<FNC1>", "{FNC1}", "[FNC1]",
)
# AIM identifiers whose data is a GS1 element string (GS1-128, DataBar, DataMatrix, QR, DotCode).
GS1_SYMBOLOGIES = frozenset({"]C1", "]e0", "]d2", "]Q3", "]J1"})

KIND_UPC_A = "upc-a"
KIND_EAN_13 = "ean-13"
KIND_GTIN_14 = "gtin-14"
KIND_GS1 = "gs1"
KIND_NDC = "ndc"
KIND_NDC10 = "ndc10"
KIND_NDC12 = "ndc12"

_DIGITS = frozenset("0123456789")
_CSET82 = frozenset(
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)
_PRINTABLE = frozenset(chr(c) for c in range(0x20, 0x7F))
_AIM = re.compile(r"\][A-Za-z][0-9A-Za-z]")
_HRI_AI = re.compile(r"\((\d{2,4})\)")
_EDGE = " \t\r\n"
_DASH_CHARS = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2212\ufe63\uff0d")


class InvalidScan(ValueError):
    """Scanner or typed input that cannot be used; the message names the problem."""


@dataclass(frozen=True)
class Scan:
    """What a scan says. ``ndc_candidates`` are 11-digit keys; ``gtin`` is a GTIN-14.

    ``ndc10`` is the ten NDC digits as carried by the barcode (shape unknown), ``ndc12`` the key
    of a typed 6-4-2 NDC, ``elements`` every GS1 ``(AI, value)`` pair in scan order.
    """

    raw: str
    kind: str
    ndc_candidates: tuple[str, ...] = ()
    gtin: str | None = None
    lot: str | None = None
    expiry: date | None = None
    serial: str | None = None
    symbology: str | None = None
    ndc10: str | None = None
    ndc12: str | None = None
    elements: tuple[tuple[str, str], ...] = ()


class _AI(NamedTuple):
    name: str
    fixed: int | None  # None: variable length, ends at GS or at the end of the data
    max_len: int
    numeric: bool = False
    is_date: bool = False


def _date_ai(name: str) -> _AI:
    return _AI(name, 6, 6, numeric=True, is_date=True)


_AIS: dict[str, _AI] = {
    "00": _AI("SSCC", 18, 18, numeric=True),
    "01": _AI("GTIN", 14, 14, numeric=True),
    "02": _AI("contained GTIN", 14, 14, numeric=True),
    "10": _AI("lot", None, 20),
    "11": _date_ai("production date"),
    "12": _date_ai("due date"),
    "13": _date_ai("packaging date"),
    "15": _date_ai("best-before date"),
    "16": _date_ai("sell-by date"),
    "17": _date_ai("expiry date"),
    "20": _AI("variant", 2, 2, numeric=True),
    "21": _AI("serial", None, 20),
    "22": _AI("consumer product variant", None, 20),
    "30": _AI("count", None, 8, numeric=True),
    "37": _AI("count of trade items", None, 8, numeric=True),
    "240": _AI("additional product identification", None, 30),
    "241": _AI("customer part number", None, 30),
    **{
        f"71{n}": _AI(f"national healthcare reimbursement number ({country})", None, 20)
        for n, country in enumerate(
            ("Germany PZN", "France CIP", "Spain", "Brazil ANVISA", "Portugal AIM", "USA FDA",
             "Italy AIC")
        )
    },
}


# --- check digits ------------------------------------------------------------------------


def gs1_check_digit(body: str) -> int:
    """GS1 mod-10 check digit for ``body`` (the digits before the check digit)."""
    if not body or any(c not in _DIGITS for c in body):
        raise ValueError(f"check digit needs digits, got {body!r}")
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def is_valid_gs1(digits: str) -> bool:
    """True if ``digits`` (GTIN-8/12/13/14, SSCC...) ends with its correct check digit."""
    if len(digits) < 2 or any(c not in _DIGITS for c in digits):
        return False
    return gs1_check_digit(digits[:-1]) == int(digits[-1])


def _verify_check(digits: str, what: str) -> None:
    expected = gs1_check_digit(digits[:-1])
    if int(digits[-1]) != expected:
        raise InvalidScan(
            f"wrong check digit in {what} {digits}: last digit is {digits[-1]}, expected {expected}"
        )


# --- dates -------------------------------------------------------------------------------


def _gs1_year(yy: int, today: date | None) -> int:
    # GS1 General Specifications 7.12: a 100-year window from 49 years back to 50 years ahead.
    century, current = divmod((today or date.today()).year, 100)
    diff = yy - current
    if 51 <= diff <= 99:
        century -= 1
    elif -99 <= diff <= -50:
        century += 1
    return century * 100 + yy


def gs1_date(yymmdd: str, *, what: str = "date", today: date | None = None) -> date:
    """A GS1 YYMMDD date; day ``00`` is the last day of the month."""
    if len(yymmdd) != 6 or any(c not in _DIGITS for c in yymmdd):
        raise InvalidScan(f"{what} must be 6 digits YYMMDD (got {yymmdd!r})")
    yy, mm, dd = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    if not 1 <= mm <= 12:
        raise InvalidScan(f"{what} {yymmdd} is not a valid date: month {mm:02d}")
    year = _gs1_year(yy, today)
    last = calendar.monthrange(year, mm)[1]
    if dd > last:
        raise InvalidScan(
            f"{what} {yymmdd} is not a valid date: {year}-{mm:02d} has no day {dd:02d}"
        )
    return date(year, mm, dd or last)


# --- GS1 element strings -----------------------------------------------------------------


def normalize_gs(text: str, substitutes: Sequence[str] = GS_SUBSTITUTES) -> str:
    """Replace every scanner substitute for the GS separator / FNC1 with GS itself."""
    for sub in substitutes:
        if sub:
            text = text.replace(sub, GS)
    return text


def split_aim_prefix(text: str) -> tuple[str, str]:
    """``("]d2", rest)`` when ``text`` starts with an AIM symbology identifier, else ``("", text)``."""
    if _AIM.match(text):
        return text[:3], text[3:]
    return "", text


def _unknown_ai(s: str, i: int) -> InvalidScan:
    ai = s[i : i + 2]
    # Name a 3- or 4-digit AI in full when its first two digits start a longer known AI.
    for length in (3, 4):
        if any(len(k) == length and k.startswith(ai) for k in _AIS):
            ai = s[i : i + length]
            break
    return InvalidScan(f"unknown application identifier ({ai})")


def _split_raw(s: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    i, n = 0, len(s)
    while i < n:
        if s[i] == GS:  # a GS after a fixed-length field is redundant but common
            i += 1
            continue
        ai = next((s[i : i + k] for k in (2, 3, 4) if s[i : i + k] in _AIS), None)
        if ai is None:
            raise _unknown_ai(s, i)
        spec = _AIS[ai]
        i += len(ai)
        if spec.fixed is not None:
            value = s[i : i + spec.fixed].split(GS)[0]
        else:
            end = s.find(GS, i)
            value = s[i : n if end < 0 else end]
        i += len(value)
        out.append((ai, value))
    return out


def _split_hri(s: str) -> list[tuple[str, str]]:
    matches = list(_HRI_AI.finditer(s))
    if not matches or s[: matches[0].start()].strip(_EDGE + GS):
        raise InvalidScan("GS1 element string in parentheses must start with an (AI), e.g. (01)")
    out = []
    for k, m in enumerate(matches):
        end = matches[k + 1].start() if k + 1 < len(matches) else len(s)
        if m.group(1) not in _AIS:
            raise InvalidScan(f"unknown application identifier ({m.group(1)})")
        # GS1 values never contain spaces, so spaces around "(AI)" are typing, not data.
        out.append((m.group(1), s[m.end() : end].strip(_EDGE + GS)))
    return out


def _check_value(ai: str, value: str, *, strict: bool = False) -> None:
    """Validate one AI value; ``strict`` also enforces GS1 character set 82 (for building)."""
    spec = _AIS[ai]
    label = f"{spec.name} ({ai})"
    if not value:
        raise InvalidScan(f"{label} is empty")
    if spec.fixed is not None and len(value) != spec.fixed:
        raise InvalidScan(f"{label} must be {spec.fixed} digits (got {len(value)})")
    if len(value) > spec.max_len:
        raise InvalidScan(
            f"{label} is too long: {len(value)} characters, at most {spec.max_len} "
            "(missing GS separator?)"
        )
    if spec.numeric and any(c not in _DIGITS for c in value):
        raise InvalidScan(f"{label} must be digits only (got {value!r})")
    # Reading is lenient (real lots carry '~', '#'...: refusing the bottle helps nobody) but
    # control and non-ASCII characters mean a garbled scan or a wrong keyboard layout.
    allowed = _CSET82 if strict else _PRINTABLE
    bad = sorted({c for c in value if c not in allowed})
    if bad:
        shown = " ".join(repr(c) for c in bad)
        rule = "GS1 does not allow" if strict else "a barcode cannot carry"
        raise InvalidScan(f"{label} contains characters {rule} ({shown})")


def _ndc_part(gtin14: str) -> str | None:
    # US drug GTINs: indicator digit, then 03 (UPC number system 3), then the ten NDC digits.
    return gtin14[3:13] if gtin14[1:3] == "03" else None


def _gs1_scan(
    raw: str, symbology: str | None, elements: list[tuple[str, str]], today: date | None
) -> Scan:
    if not elements:
        raise InvalidScan("empty scan")
    seen: dict[str, str] = {}
    dates: dict[str, date] = {}
    for ai, value in elements:
        _check_value(ai, value)
        if seen.setdefault(ai, value) != value:
            raise InvalidScan(f"application identifier ({ai}) appears twice with different values")
        spec = _AIS[ai]
        if spec.is_date:
            dates[ai] = gs1_date(value, what=f"{spec.name} ({ai})", today=today)
        if ai in ("01", "02"):
            _verify_check(value, f"{spec.name} ({ai})")
    gtin = seen.get("01")
    ndc10 = _ndc_part(gtin) if gtin else None
    return Scan(
        raw=raw,
        kind=KIND_GS1,
        ndc_candidates=ndc10_candidates(ndc10) if ndc10 else (),
        gtin=gtin,
        lot=seen.get("10"),
        expiry=dates.get("17"),
        serial=seen.get("21"),
        symbology=symbology,
        ndc10=ndc10,
        elements=tuple(elements),
    )


# --- parse_scan --------------------------------------------------------------------------


def _gtin_scan(raw: str, symbology: str | None, digits: str, kind: str) -> Scan:
    _verify_check(digits, {KIND_UPC_A: "UPC-A", KIND_EAN_13: "EAN-13"}.get(kind, "GTIN-14"))
    gtin = digits.zfill(14)
    ndc10 = _ndc_part(gtin)
    return Scan(
        raw=raw,
        kind=kind,
        ndc_candidates=ndc10_candidates(ndc10) if ndc10 else (),
        gtin=gtin,
        symbology=symbology,
        ndc10=ndc10,
    )


def _typed_ndc(raw: str, symbology: str | None, text: str) -> Scan:
    try:
        ndc = parse_ndc(text)
    except InvalidNDC as exc:
        raise InvalidScan(str(exc)) from None
    if len(ndc.key) == 12:
        cands = (ndc.ndc11,) if ndc.ndc11 else ()
        return Scan(raw, KIND_NDC12, cands, symbology=symbology, ndc12=ndc.key)
    ndc10 = ndc.display.replace("-", "") if ndc.shape in SHAPES_10 else None
    return Scan(raw, KIND_NDC, (ndc.key,), symbology=symbology, ndc10=ndc10)


def _looks_gs1(s: str) -> bool:
    return len(s) > 14 and any(s.startswith(ai) for ai in _AIS)


def parse_scan(text: str, *, today: date | None = None) -> Scan:
    """Parse one scan or typed code. ``today`` only anchors the GS1 century window."""
    if not isinstance(text, str):
        raise InvalidScan(f"scan must be text, not {type(text).__name__}")
    s = text.strip(_EDGE)
    prefix, s = split_aim_prefix(s)
    symbology = prefix or None
    # A leading GS is the FNC1 that marks GS1 data; a trailing one is a scanner habit.
    s = normalize_gs(s).strip(_EDGE + GS)
    if not s:
        raise InvalidScan("empty scan")
    if s.startswith("("):
        return _gs1_scan(text, symbology, _split_hri(s), today)
    if symbology in GS1_SYMBOLOGIES or GS in s:
        return _gs1_scan(text, symbology, _split_raw(s), today)
    if all(c in _DIGITS or c in _DASH_CHARS for c in s) and any(c in _DASH_CHARS for c in s):
        return _typed_ndc(text, symbology, s)
    if _looks_gs1(s):
        try:
            return _gs1_scan(text, symbology, _split_raw(s), today)
        except InvalidScan as exc:
            # Digits that merely happen to start like an AI are more likely a mistyped code.
            if s.isascii() and s.isdigit() and not s.startswith("01"):
                raise InvalidScan(
                    f"wrong length: {len(s)} digits, and not a GS1 element string either ({exc})"
                ) from None
            raise
    if any(c in _DASH_CHARS for c in s):
        return _typed_ndc(text, symbology, s)
    letters = sorted({c for c in s if c.isalpha()})
    if letters:
        raise InvalidScan(
            f"scan contains letters ({''.join(letters)}): a UPC, EAN, GTIN or NDC is digits only"
        )
    bad = sorted({c for c in s if c not in _DIGITS})
    if bad:
        shown = " ".join(repr(c) for c in bad)
        raise InvalidScan(f"scan contains invalid characters ({shown})")
    n = len(s)
    if n == 10:
        return Scan(text, KIND_NDC10, ndc10_candidates(s), symbology=symbology, ndc10=s)
    if n == 11:
        return Scan(text, KIND_NDC, (s,), symbology=symbology)
    kind = {12: KIND_UPC_A, 13: KIND_EAN_13, 14: KIND_GTIN_14}.get(n)
    if kind is None:
        raise InvalidScan(
            f"wrong length: {n} digits (an NDC has 10 or 11, a UPC-A 12, an EAN-13 13, "
            "a GTIN-14 14)"
        )
    return _gtin_scan(text, symbology, s, kind)


# --- builders (labels, demo data, tests) ---------------------------------------------------


def _barcode_ndc_digits(ndc: str, shape: str | None) -> str:
    text = ndc.strip()
    if len(text) == 10 and all(c in _DIGITS for c in text):
        return text
    parsed = parse_ndc(text)
    if parsed.shape in SHAPES_10:
        return parsed.display.replace("-", "")
    if len(parsed.key) == 12:
        raise InvalidNDC(f"12-digit NDC {parsed.display} has no UPC-A/GTIN form defined yet")
    if shape is None:
        raise InvalidNDC(
            f"NDC {parsed.display} needs its shape (4-4-2, 5-3-2 or 5-4-1) to build a barcode: "
            "barcodes carry the labeler's 10 digits"
        )
    return format_ndc10(parsed.key, shape).replace("-", "")


def ndc_to_upc_a(ndc: str, shape: str | None = None) -> str:
    """UPC-A for an NDC: a hyphenated 10-digit NDC, 10 bare digits, or an 11-digit key + shape."""
    body = "3" + _barcode_ndc_digits(ndc, shape)
    return body + str(gs1_check_digit(body))


def ndc_to_gtin14(ndc: str, shape: str | None = None, indicator: int = 0) -> str:
    """GTIN-14 for an NDC (same inputs as :func:`ndc_to_upc_a`); indicator 1-8 for cases."""
    if not 0 <= indicator <= 9:
        raise ValueError(f"indicator digit must be 0-9 (got {indicator})")
    body = f"{indicator}03" + _barcode_ndc_digits(ndc, shape)
    return body + str(gs1_check_digit(body))


def build_gs1_element_string(
    gtin: str,
    expiry: date | None = None,
    lot: str | None = None,
    serial: str | None = None,
    human_readable: bool = False,
) -> str:
    """GS1 data in the order (01)(17)(10)(21): raw with GS after variable fields, or with ()."""
    gtin = gtin.zfill(14) if len(gtin) in (8, 12, 13) else gtin
    fields = [("01", gtin)]
    if expiry is not None:
        fields.append(("17", expiry.strftime("%y%m%d")))
    if lot is not None:
        fields.append(("10", lot))
    if serial is not None:
        fields.append(("21", serial))
    for ai, value in fields:
        _check_value(ai, value, strict=True)
    _verify_check(gtin, "GTIN (01)")
    if human_readable:
        return "".join(f"({ai}){value}" for ai, value in fields)
    parts = []
    for k, (ai, value) in enumerate(fields):
        last = k == len(fields) - 1
        parts.append(ai + value + ("" if last or _AIS[ai].fixed else GS))
    return "".join(parts)


def rx_number_from_scan(text: str | None) -> str | None:
    """The Rx number in a label scan ('1000123', 'RX1000123', with an AIM prefix), else None."""
    s = split_aim_prefix((text or "").strip())[1].strip()
    if s.upper().startswith("RX"):
        s = s[2:].lstrip(" #:-")
    if s.isascii() and s.isdigit() and 1 <= len(s) <= 9:
        return s
    return None
