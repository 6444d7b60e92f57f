"""National Drug Code parsing and formatting (pure functions, stdlib only).

A 10-digit NDC comes in three shapes (4-4-2, 5-3-2, 5-4-1); the 11-digit billing form (5-4-2)
pads the short segment with one zero and is the catalog key, stored as a digit string without
dashes. The labeler's hyphenated form is kept for display.

The FDA final rule of March 2026 (effective March 2033) makes every NDC 12 digits, 6-4-2;
existing NDCs convert by left-padding each segment, which is always ``'0' + ndc11``.
Keys are therefore strings (never integers: leading zeros matter) and database columns that hold
an NDC key must be at least 12 characters wide.
"""

from __future__ import annotations

from dataclasses import dataclass

SHAPES_10 = ("4-4-2", "5-3-2", "5-4-1")
SHAPE_11 = "5-4-2"
SHAPE_12 = "6-4-2"
KNOWN_SHAPES = (*SHAPES_10, SHAPE_11, SHAPE_12)

_DIGITS = frozenset("0123456789")
# People paste NDCs from web pages and PDFs, which use typographic dashes.
_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2212\ufe63\uff0d"})
# Index in the 11-digit key of the padding zero for each 10-digit shape.
_PAD_INDEX = {"4-4-2": 0, "5-3-2": 5, "5-4-1": 9}


class InvalidNDC(ValueError):
    """Text that is not a usable NDC; the message says what is wrong."""


@dataclass(frozen=True)
class NDC:
    """A parsed NDC: ``key`` (11 digits, or 12 for a 6-4-2 NDC), ``display`` and ``shape``."""

    key: str
    display: str
    shape: str

    @property
    def ndc11(self) -> str | None:
        """The 11-digit key, or None for a 12-digit NDC that has no 11-digit form."""
        if len(self.key) == 11:
            return self.key
        return self.key[1:] if self.key.startswith("0") else None

    @property
    def ndc12(self) -> str:
        return self.key if len(self.key) == 12 else "0" + self.key


def _is_digits(text: str) -> bool:
    # str.isdigit() accepts superscripts and non-ASCII digits; keys must be ASCII.
    return bool(text) and all(c in _DIGITS for c in text)


def _clean(text: str) -> str:
    if not isinstance(text, str):
        raise InvalidNDC(f"NDC must be text, not {type(text).__name__}")
    cleaned = text.strip().translate(_DASHES)
    if not cleaned:
        raise InvalidNDC("NDC is empty")
    letters = sorted({c for c in cleaned if c.isalpha()})
    if letters:
        raise InvalidNDC(f"NDC contains letters ({''.join(letters)}): only digits and dashes are allowed")
    bad = sorted({c for c in cleaned if c not in _DIGITS and c != "-"})
    if bad:
        shown = " ".join(repr(c) for c in bad)
        raise InvalidNDC(f"NDC contains invalid characters ({shown}): only digits and dashes are allowed")
    return cleaned


def _segments(cleaned: str) -> tuple[list[str], str]:
    parts = cleaned.split("-")
    if len(parts) != 3 or not all(parts):
        raise InvalidNDC(f"NDC must have 3 dash-separated segments, e.g. 12345-678-90 (got {cleaned!r})")
    shape = "-".join(str(len(p)) for p in parts)
    if shape in KNOWN_SHAPES:
        return parts, shape
    total = sum(len(p) for p in parts)
    if total == 11:
        raise InvalidNDC(f"an 11-digit NDC must be 5-4-2 (got {shape})")
    if total == 12:
        raise InvalidNDC(f"a 12-digit NDC must be 6-4-2 (got {shape})")
    if total > 12:
        raise InvalidNDC(f"NDC has too many digits: {total} (got {shape})")
    raise InvalidNDC(f"NDC segments must be 4-4-2, 5-3-2 or 5-4-1 (got {shape})")


def parse_ndc(text: str) -> NDC:
    """Parse a typed NDC: hyphenated 4-4-2, 5-3-2, 5-4-1, 5-4-2 or 6-4-2, or 11 bare digits."""
    cleaned = _clean(text)
    if "-" not in cleaned:
        n = len(cleaned)
        if n == 11:
            return NDC(cleaned, format_ndc11(cleaned), SHAPE_11)
        if n == 10:
            raise InvalidNDC(
                "10-digit NDC without dashes: shape unknown (4-4-2, 5-3-2 or 5-4-1); "
                "type the dashes or scan the barcode"
            )
        if n == 12:
            raise InvalidNDC(
                "12 digits without dashes: type a 12-digit NDC as 6-4-2 with dashes "
                "(or scan the barcode if this is a UPC)"
            )
        raise InvalidNDC(f"NDC must have 10 or 11 digits (got {n})")
    parts, shape = _segments(cleaned)
    if shape == SHAPE_12:
        return NDC("".join(parts), cleaned, shape)
    if shape == SHAPE_11:
        return NDC("".join(parts), cleaned, shape)
    labeler, product, package = parts
    key = labeler.zfill(5) + product.zfill(4) + package.zfill(2)
    return NDC(key, cleaned, shape)


def to_ndc11(text: str) -> str:
    """Any typed NDC to the 11-digit key without dashes (raises InvalidNDC)."""
    ndc = parse_ndc(text)
    if ndc.ndc11 is None:
        raise InvalidNDC(f"12-digit NDC {ndc.display} has no 11-digit form (labeler code does not start with 0)")
    return ndc.ndc11


def to_ndc12(text: str) -> str:
    """Any typed NDC, or 12 bare digits taken as 6-4-2, to the 12-digit key of the 2026 rule."""
    cleaned = _clean(text)
    if "-" not in cleaned and len(cleaned) == 12:
        return cleaned
    return parse_ndc(cleaned).ndc12


def ndc10_candidates(digits10: str) -> tuple[str, ...]:
    """The 11-digit keys 10 undashed digits could be: 4-4-2, 5-3-2, 5-4-1 order, deduplicated."""
    return tuple(dict.fromkeys(key for _, key in ndc10_candidate_shapes(digits10)))


def ndc10_candidate_shapes(digits10: str) -> tuple[tuple[str, str], ...]:
    """``(shape, key)`` for each 10-digit shape, not deduplicated (callers that know shapes)."""
    d = digits10
    if not (_is_digits(d) and len(d) == 10):
        raise InvalidNDC(f"expected 10 NDC digits, got {digits10!r}")
    return (("4-4-2", "0" + d), ("5-3-2", d[:5] + "0" + d[5:]), ("5-4-1", d[:9] + "0" + d[9]))


def _check_key(key: str, length: int) -> None:
    if not (isinstance(key, str) and _is_digits(key) and len(key) == length):
        raise InvalidNDC(f"expected a {length}-digit NDC key, got {key!r}")


def format_ndc11(ndc11: str) -> str:
    """``'00574407205'`` -> ``'00574-4072-05'``."""
    _check_key(ndc11, 11)
    return f"{ndc11[:5]}-{ndc11[5:9]}-{ndc11[9:]}"


def format_ndc12(ndc12: str) -> str:
    """``'000574407205'`` -> ``'000574-4072-05'``."""
    _check_key(ndc12, 12)
    return f"{ndc12[:6]}-{ndc12[6:10]}-{ndc12[10:]}"


def format_ndc10(ndc11: str, shape: str) -> str:
    """The labeler's hyphenated 10-digit form of an 11-digit key, given its shape."""
    _check_key(ndc11, 11)
    if shape not in _PAD_INDEX:
        raise InvalidNDC(f"shape must be 4-4-2, 5-3-2 or 5-4-1 (got {shape!r})")
    i = _PAD_INDEX[shape]
    if ndc11[i] != "0":
        raise InvalidNDC(f"NDC {format_ndc11(ndc11)} has no {shape} form: digit {i + 1} is not the padding zero")
    d = ndc11[:i] + ndc11[i + 1 :]
    a, b, _ = (int(n) for n in shape.split("-"))
    return f"{d[:a]}-{d[a : a + b]}-{d[a + b :]}"


def shape_of(hyphenated: str) -> str:
    """Shape of a hyphenated NDC (``'4-4-2'`` ... ``'6-4-2'``); InvalidNDC if it is not one."""
    cleaned = _clean(hyphenated)
    if "-" not in cleaned:
        raise InvalidNDC(f"NDC {cleaned} has no dashes, so no shape")
    return _segments(cleaned)[1]
