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

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from pharmacy_desktop.domain.gs1 import (  # noqa: F401 - GS, InvalidScan and the GS1 helpers are known as barcodes'
    _AIS,
    _DIGITS,
    _EDGE,
    GS,
    InvalidScan,
    _check_value,
    _split_hri,
    _split_raw,
    _verify_check,
    gs1_check_digit,
    gs1_date,
    is_valid_gs1,
)
from pharmacy_desktop.domain.ndc import (
    SHAPES_10,
    InvalidNDC,
    format_ndc10,
    ndc10_candidates,
    parse_ndc,
)

# What keyboard-wedge scanners send instead of GS (ASCII 29) or FNC1, depending on their setup.
# Tilde is deliberately absent: GS1 lots may not contain it, but real-world lots sometimes do.
GS_SUBSTITUTES: tuple[str, ...] = (
    "<GS>",
    "{GS}",
    "[GS]",
    "^]",
    "\u241d",
    "<FNC1>",
    "{FNC1}",
    "[FNC1]",
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

_AIM = re.compile(r"\][A-Za-z][0-9A-Za-z]")
_DASH_CHARS = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2212\ufe63\uff0d")


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


def _ndc_part(gtin14: str) -> str | None:
    # US drug GTINs: indicator digit, then 03 (UPC number system 3), then the ten NDC digits.
    return gtin14[3:13] if gtin14[1:3] == "03" else None


def _gs1_scan(raw: str, symbology: str | None, elements: list[tuple[str, str]], today: date | None) -> Scan:
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
        raise InvalidScan(f"scan contains letters ({''.join(letters)}): a UPC, EAN, GTIN or NDC is digits only")
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
        raise InvalidScan(f"wrong length: {n} digits (an NDC has 10 or 11, a UPC-A 12, an EAN-13 13, a GTIN-14 14)")
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
