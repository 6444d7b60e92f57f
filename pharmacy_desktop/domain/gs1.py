"""GS1 element strings: the application identifiers this pharmacy reads (table), check digits,
YYMMDD dates with the century window, and splitting raw (GS-separated) or bracketed data into
``(AI, value)`` pairs. Scanning as a whole (AIM prefixes, UPC/EAN/GTIN, typed NDCs) is
``domain/barcodes.py``."""

from __future__ import annotations

import calendar
import re
from datetime import date
from typing import NamedTuple

GS = "\x1d"
_DIGITS = frozenset("0123456789")
_EDGE = " \t\r\n"
_CSET82 = frozenset("!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")
_PRINTABLE = frozenset(chr(c) for c in range(0x20, 0x7F))
_HRI_AI = re.compile(r"\((\d{2,4})\)")


class InvalidScan(ValueError):
    """Scanner or typed input that cannot be used; the message names the problem."""


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
            ("Germany PZN", "France CIP", "Spain", "Brazil ANVISA", "Portugal AIM", "USA FDA", "Italy AIC")
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
        raise InvalidScan(f"wrong check digit in {what} {digits}: last digit is {digits[-1]}, expected {expected}")


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
        raise InvalidScan(f"{what} {yymmdd} is not a valid date: {year}-{mm:02d} has no day {dd:02d}")
    return date(year, mm, dd or last)


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
            f"{label} is too long: {len(value)} characters, at most {spec.max_len} (missing GS separator?)"
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
