"""Prescriber identifiers: NPI (Luhn with the 80840 prefix) and DEA registration numbers.

The ``*_problem`` functions return a message naming what is wrong (for display next to the
field) or None; the ``*_is_valid`` functions are their boolean forms.
"""

from __future__ import annotations

import re

NPI_PREFIX = "80840"
# First letter of a DEA number: the registrant type (practitioner, mid-level, distributor, ...).
DEA_REGISTRANT_TYPES = frozenset("ABCDEFGHJKLMPRSTUX")
_DIGITS = frozenset("0123456789")
# Institutional practitioners (residents) write the hospital's DEA number plus an internal
# suffix, e.g. "AB1234563-R0451"; only the first nine characters carry the checksum.
_DEA_SUFFIX = re.compile(r"-[A-Z0-9]{1,10}")


def _is_digits(text: str) -> bool:
    # str.isdigit() accepts superscripts and other scripts' digits.
    return bool(text) and all(c in _DIGITS for c in text)


def _luhn_check_digit(payload: str) -> int:
    total = 0
    # The check digit will sit right of the payload, so the payload's last digit is doubled.
    for position, char in enumerate(reversed(payload)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10


def npi_check_digit(first9: str) -> int:
    """The 10th digit of an NPI whose first nine digits are ``first9``."""
    if len(first9) != 9 or not _is_digits(first9):
        raise ValueError("an NPI check digit needs exactly 9 digits")
    return _luhn_check_digit(NPI_PREFIX + first9)


def npi_problem(npi: str | None) -> str | None:
    """What is wrong with ``npi``, or None when it is a well-formed NPI."""
    text = (npi or "").strip()
    if not text:
        return "NPI is required."
    if not _is_digits(text):
        return "NPI must contain digits only."
    if len(text) != 10:
        return f"NPI must be 10 digits, not {len(text)}."
    if npi_check_digit(text[:9]) != int(text[9]):
        return "NPI check digit is wrong (Luhn check with prefix 80840 fails); look for a typo."
    return None


def npi_is_valid(npi: str | None) -> bool:
    return npi_problem(npi) is None


def normalize_dea(dea: str | None) -> str:
    """Upper-case and trim; the stored form of a DEA number."""
    return (dea or "").strip().upper()


def dea_check_digit(digits6: str) -> int:
    """The 7th digit of a DEA number: last digit of (d1+d3+d5) + 2*(d2+d4+d6)."""
    if len(digits6) != 6 or not _is_digits(digits6):
        raise ValueError("a DEA check digit needs exactly 6 digits")
    d = [int(c) for c in digits6]
    return (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10


def _name_initials(last_name: str) -> set[str]:
    # A hyphenated or multi-word surname may be registered under any of its parts
    # ("Smith-Jones" as S or J, "van Dyke" as V or D).
    words = re.split(r"[\s\-']+", last_name.strip().upper())
    return {w[0] for w in words if w and w[0].isalpha()}


def dea_problem(dea: str | None, last_name: str | None = None) -> str | None:
    """What is wrong with ``dea``, or None. ``last_name`` enables the second-letter check."""
    text = normalize_dea(dea)
    if not text:
        return "DEA number is required."
    base = text[:9]
    if len(text) > 9 and not _DEA_SUFFIX.fullmatch(text[9:]):
        return "DEA number must be 2 letters followed by 7 digits (e.g. AB1234563)."
    if len(base) != 9:
        return f"DEA number must be 9 characters (2 letters and 7 digits), not {len(base)}."
    if not (base[0].isascii() and base[0].isalpha()) or not (
        base[1] == "9" or (base[1].isascii() and base[1].isalpha())
    ):
        return "DEA number must start with 2 letters (e.g. AB1234563)."
    if not _is_digits(base[2:]):
        return "DEA number must end with 7 digits (e.g. AB1234563)."
    if base[0] not in DEA_REGISTRANT_TYPES:
        types = " ".join(sorted(DEA_REGISTRANT_TYPES))
        return f"DEA number cannot start with '{base[0]}': registrant types are {types}."
    if last_name and last_name.strip() and base[1] != "9":
        initials = _name_initials(last_name)
        if initials and base[1] not in initials:
            expected = "' or '".join(sorted(initials))
            return (
                f"DEA second letter '{base[1]}' does not match the prescriber's last name "
                f"'{last_name.strip()}' (expected '{expected}')."
            )
    expected_digit = dea_check_digit(base[2:8])
    if expected_digit != int(base[8]):
        return f"DEA checksum fails: last digit is {base[8]}, the checksum gives {expected_digit}; look for a typo."
    return None


def dea_is_valid(dea: str | None, prescriber_last_name: str | None = None) -> bool:
    return dea_problem(dea, prescriber_last_name) is None


_CREDENTIALS = frozenset("MD DO NP PA PA-C DDS DMD DPM OD APRN FNP CNP DNP RN PHARMD PHD MBBS JR SR II III IV".split())


def prescriber_last_name(name: str) -> str | None:
    """Best-effort last name from "Dr. Jane Smith, MD" or "Smith, Jane"; None if unclear."""
    text = (name or "").strip()
    if not text:
        return None
    if "," in text:
        head, tail = text.split(",", 1)
        tail_words = {w.strip(".").upper() for w in tail.replace(",", " ").split()}
        if tail_words and not tail_words <= _CREDENTIALS:
            return head.strip() or None  # "Last, First"
        text = head
    words = [w for w in text.replace(",", " ").split() if w.strip(".").upper() not in _CREDENTIALS]
    if words and words[0].strip(".").upper() in {"DR", "DOCTOR"}:
        words = words[1:]
    return words[-1].strip(".") if words else None
