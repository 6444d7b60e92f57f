"""Printer profiles (columns, code page, paper) and text encoding for the printer's code page.

Profiles come from python-escpos capabilities (escpos-printer-db). The code page is chosen once
and selected explicitly with ESC t n at the start of every job, and text is encoded here: the
bytes are predictable and testable, unlike python-escpos's magic encoder which switches code
pages per character and silently prints "?" for what it cannot find.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from escpos.capabilities import CAPABILITIES

from pharmacy_desktop.printing.printer_status import answers_status

__all__ = [
    "PrinterProfile",
    "UnknownProfile",
    "get_profile",
    "profile_names",
    "transliterate",
    "transliterate_for",
    "encode_for",
    "unprintable_chars",
    "codec_for_code_page",
]

# Best first for a US pharmacy: CP1252 has accented Latin letters, smart quotes, dashes, (R).
_PREFERRED_CODE_PAGES = ("CP1252", "CP858", "CP850", "CP437")
_MIN_COLUMNS = 24  # below this it is a customer display, not a receipt or label printer

# Letters and signs NFKD cannot reduce to ASCII. Applied only to characters the code page lacks.
_TRANSLITERATIONS: dict[str, str] = {
    "ß": "ss",
    "ẞ": "SS",
    "æ": "ae",
    "Æ": "AE",
    "œ": "oe",
    "Œ": "OE",
    "ø": "o",
    "Ø": "O",
    "ł": "l",
    "Ł": "L",
    "đ": "d",
    "Đ": "D",
    "ð": "d",
    "Ð": "D",
    "þ": "th",
    "Þ": "Th",
    "ı": "i",
    "ħ": "h",
    "Ħ": "H",
    "ŀ": "l",
    "Ŀ": "L",
    "ŧ": "t",
    "Ŧ": "T",
    "‘": "'",
    "’": "'",
    "‚": ",",
    "‛": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "‟": '"',
    "′": "'",
    "″": '"',
    "‹": "<",
    "›": ">",
    "«": "<<",
    "»": ">>",
    "‐": "-",
    "‑": "-",
    "‒": "-",
    "–": "-",
    "—": "-",
    "―": "-",
    "−": "-",
    "…": "...",
    "•": "*",
    "·": ".",
    "⁄": "/",
    "×": "x",
    "÷": "/",
    "®": "(R)",
    "©": "(C)",
    "™": "TM",
    "℞": "Rx",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "°": " deg",
    "µ": "u",
    "μ": "u",
    "±": "+/-",
    "≤": "<=",
    "≥": ">=",
    "¼": "1/4",
    "½": "1/2",
    "¾": "3/4",
    "\u2009": " ",
    "\u202f": " ",
}
# Printers show a code page's no-break space as anything from a space to a box.
_SPACES = "\t\u00a0"


class UnknownProfile(ValueError):
    """The printer profile or code page name is not known."""


@dataclass(frozen=True)
class PrinterProfile:
    """What the layouts need to know about one printer model."""

    name: str
    columns: int  # font A, normal width
    code_page: str  # escpos-printer-db name, e.g. "CP1252"
    code_page_number: int  # n of ESC t n
    codec: str  # Python codec for code_page
    paper_mm: int  # 80 or 58
    dots_per_line: int
    dpi: int
    barcode_code128: bool  # GS k function B (CODE128) is available
    barcode_code39: bool  # GS k function A only
    partial_cut: bool
    full_cut: bool
    answers_status: bool = False  # answers DLE EOT real-time status: jobs can be confirmed

    @property
    def escpos_profile(self) -> str:
        return self.name


def profile_names() -> list[str]:
    """Names accepted by get_profile (printer models from escpos-printer-db)."""
    return sorted(n for n, p in CAPABILITIES["profiles"].items() if _font_a_columns(p) >= _MIN_COLUMNS)


def _font_a_columns(data: dict[str, Any]) -> int:
    return int(data.get("fonts", {}).get("0", {}).get("columns", 0))


def _python_codec(code_page: str) -> str | None:
    encoding: str | None = CAPABILITIES["encodings"].get(code_page, {}).get("python_encode")
    return encoding


def _code_page_numbers(data: dict[str, Any]) -> dict[str, int]:
    # Some profiles list one code page under several numbers: take the lowest, deterministically.
    numbers: dict[str, int] = {}
    for number, page in sorted(data["codePages"].items(), key=lambda kv: int(kv[0])):
        numbers.setdefault(page, int(number))
    return numbers


def _page_key(code_page: str) -> str:
    return code_page.upper().replace("-", "").replace("_", "")


def get_profile(name: str = "default", *, code_page: str | None = None, columns: int | None = None) -> PrinterProfile:
    """Profile for an escpos-printer-db model name ("default", "TM-T88V", "TM-T20II", "POS-5890", ...).

    `code_page` overrides the automatic choice (e.g. "CP437" for a clone that ignores ESC t 16);
    `columns` overrides the width (e.g. 32 for a generic 58 mm printer on the "default" profile).
    """
    data = CAPABILITIES["profiles"].get(name)
    if data is None or _font_a_columns(data) < _MIN_COLUMNS:
        raise UnknownProfile(f"unknown printer profile {name!r}; known: {', '.join(profile_names())}")
    numbers = {page: n for page, n in _code_page_numbers(data).items() if _python_codec(page)}
    if code_page is not None:
        wanted = _page_key(code_page)
        page = next((p for p in numbers if _page_key(p) == wanted), "")
        if not page:
            raise UnknownProfile(f"printer profile {name!r} has no usable code page {code_page!r}")
    else:
        page = next((p for p in _PREFERRED_CODE_PAGES if p in numbers), None) or min(numbers, key=numbers.__getitem__)
    cols = columns or _font_a_columns(data)
    media = data.get("media", {})
    width_mm = media.get("width", {}).get("mm")
    dots = media.get("width", {}).get("pixels")
    dpi = media.get("dpi")
    if not isinstance(width_mm, (int, float)):
        width_mm = 58 if cols <= 36 else 80
    if not isinstance(dots, int):
        dots = 384 if width_mm <= 60 else 512
    features = data.get("features", {})
    return PrinterProfile(
        name=name,
        columns=cols,
        code_page=page,
        code_page_number=numbers[page],
        codec=str(_python_codec(page)),
        paper_mm=58 if width_mm <= 60 else 80,
        dots_per_line=dots,
        dpi=dpi if isinstance(dpi, int) else 203,
        barcode_code128=bool(features.get("barcodeB")),
        barcode_code39=bool(features.get("barcodeA")),
        partial_cut=bool(features.get("paperPartCut")),
        full_cut=bool(features.get("paperFullCut")),
        answers_status=answers_status(data.get("vendor")),
    )


def codec_for_code_page(profile: PrinterProfile, number: int) -> str | None:
    """Python codec of code page `number` (ESC t n) on this profile's printer model, if known."""
    page = CAPABILITIES["profiles"][profile.escpos_profile]["codePages"].get(str(number))
    return _python_codec(page) if page else None


def _encodable(char: str, codec: str) -> bool:
    try:
        char.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def _is_control(char: str) -> bool:
    # Control characters in data (a pasted ESC in a name) would become printer commands.
    return char != "\n" and unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp"}


def _transliterate_char(char: str, supported: Callable[[str], bool]) -> str | None:
    if char in _TRANSLITERATIONS:
        return "".join(_transliterate_char(c, supported) or "" for c in _TRANSLITERATIONS[char])
    if supported(char):
        return char
    decomposed = unicodedata.normalize("NFKD", char)
    if decomposed != char:
        parts = [c for c in decomposed if not unicodedata.combining(c)]
        out = [_transliterate_char(c, supported) for c in parts]
        if parts and all(o is not None for o in out):
            return "".join(o for o in out if o is not None)
    return None


def transliterate_for(text: str, supported: Callable[[str], bool]) -> str:
    """`text` with every character `supported` rejects replaced by a readable stand-in.

    Supported characters are kept as they are (ë stays ë on CP1252). Characters with no stand-in
    become "{U+XXXX}": visible and unambiguous, never a silent "?". Control characters other
    than newline are removed.
    """
    out: list[str] = []
    for char in text:
        if char in _SPACES:
            out.append(" ")
            continue
        if _is_control(char):
            continue
        if supported(char):
            out.append(char)
            continue
        stand_in = _transliterate_char(char, supported)
        out.append(stand_in if stand_in is not None else f"{{U+{ord(char):04X}}}")
    return "".join(out)


def transliterate(text: str, codec: str) -> str:
    """`text` reduced to what Python codec `codec` (a printer code page) can encode."""
    return transliterate_for(text, lambda c: _encodable(c, codec))


def unprintable_chars(profile: PrinterProfile, text: str) -> set[str]:
    """Characters of `text` that would print as a {U+XXXX} stand-in on this printer (to warn early)."""

    def supported(char: str) -> bool:
        return _encodable(char, profile.codec)

    return {c for c in text if not _is_control(c) and _transliterate_char(c, supported) is None}


def encode_for(profile: PrinterProfile, text: str) -> bytes:
    """`text` as bytes of the profile's code page, transliterating what the code page lacks."""
    data = transliterate(text, profile.codec).encode(profile.codec)
    if any(b < 0x20 and b != 0x0A for b in data):
        raise ValueError(f"{profile.code_page} maps printable text to control bytes: {text!r}")
    return data
