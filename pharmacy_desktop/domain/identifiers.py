"""Prescriber identifiers: NPI (Luhn with the 80840 prefix) and DEA registration numbers.

The ``*_problem`` functions return a message naming what is wrong (for display next to the
field) or None; the ``*_is_valid`` functions are their boolean forms.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

NPI_PREFIX = "80840"
# First letter of a DEA number: the registrant type (practitioner, mid-level, distributor, ...).
# Every letter DEA has issued (suppliers and pharmacies are checked against this one).
DEA_REGISTRANT_TYPES = frozenset("ABCDEFGHJKLMPRSTUX")
# DEA Diversion Control, "Registrant type" first letters: A, B, F, G = hospital / clinic /
# practitioner / teaching institution / pharmacy; M = mid-level practitioner (NP, PA, OD, ...);
# P-U = manufacturer, distributor, researcher, analytical lab, importer, exporter, reverse
# distributor, narcotic treatment program; X = the former DATA-waiver (buprenorphine) number,
# only ever used beside the practitioner's own number and retired in 2023. Older issues used C
# (practitioner), D (teaching institution), E (manufacturer), H-L (lab, importer, exporter,
# reverse distributor). Only A, B, F, G and M may write a prescription.
PRESCRIBER_DEA_TYPES = frozenset("ABFGM")
MID_LEVEL_DEA_TYPES = frozenset("M")
_NON_PRESCRIBER_KINDS = {
    "C": "an older practitioner series no longer issued",
    "D": "a teaching institution",
    "E": "a manufacturer",
    "H": "an analytical laboratory",
    "J": "an importer",
    "K": "an exporter",
    "L": "a reverse distributor",
    "P": "a manufacturer, distributor or researcher",
    "R": "a manufacturer, distributor or researcher",
    "S": "a researcher, lab or narcotic treatment program",
    "T": "a researcher, lab or narcotic treatment program",
    "U": "a narcotic treatment program",
    "X": "a former DATA-waiver number (retired in 2023; write the practitioner's own DEA number)",
}
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
    if text[0] not in "12":
        # NPPES issues individual NPIs from 1 and organization NPIs from 2 only
        return f"NPI must start with 1 or 2 (not {text[0]}); look for a typo."
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
    # ("Smith-Jones" as S or J, "van Dyke" as V or D, "de la Cruz" as D, L or C,
    # "O'Brien" as O or B).
    words = re.split(r"[\s\-'\u2019.]+", last_name.strip().upper())
    return {w[0] for w in words if w and w[0].isascii() and w[0].isalpha()}


def dea_name_problem(dea: str | None, last_name: str | None) -> str | None:
    """The second letter of ``dea`` against the first letter of any word of ``last_name``.

    None when it matches, when the second character is '9' (a business name), or when either is
    missing. A mismatch may be a registration under a former name: the caller decides whether a
    pharmacist may override it.
    """
    text = normalize_dea(dea)
    if len(text) < 2 or not last_name or not last_name.strip() or text[1] == "9":
        return None
    initials = _name_initials(last_name)
    if not initials or text[1] in initials:
        return None
    expected = "' or '".join(sorted(initials))
    return (
        f"DEA second letter '{text[1]}' does not match the prescriber's last name "
        f"'{last_name.strip()}' (expected '{expected}')."
    )


def dea_registrant_problem(dea: str | None) -> str | None:
    """None when the first letter of ``dea`` is one that may write prescriptions."""
    text = normalize_dea(dea)
    if not text or text[0] in PRESCRIBER_DEA_TYPES:
        return None
    kind = _NON_PRESCRIBER_KINDS.get(text[0], "not a registrant type DEA issues")
    allowed = ", ".join(sorted(PRESCRIBER_DEA_TYPES))
    return f"DEA number starting with '{text[0]}' is {kind}: a prescriber's DEA number starts with {allowed}."


def prescriber_dea_problem(dea: str | None, last_name: str | None = None, *, check_name: bool = True) -> str | None:
    """What is wrong with ``dea`` as a prescriber's DEA number, or None.

    Format and checksum (``dea_problem``), then the registrant type (A, B, F, G, M only), then,
    with ``check_name``, the second letter against the surname (any of its words).
    """
    problem = dea_problem(dea) or dea_registrant_problem(dea)
    if problem is None and check_name:
        problem = dea_name_problem(dea, last_name)
    return problem


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
    name_issue = dea_name_problem(base, last_name)
    if name_issue:
        return name_issue
    expected_digit = dea_check_digit(base[2:8])
    if expected_digit != int(base[8]):
        return f"DEA checksum fails: last digit is {base[8]}, the checksum gives {expected_digit}; look for a typo."
    return None


def dea_is_valid(dea: str | None, prescriber_last_name: str | None = None) -> bool:
    return dea_problem(dea, prescriber_last_name) is None


_CREDENTIALS = frozenset("MD DO NP PA PA-C DDS DMD DPM OD APRN FNP CNP DNP RN PHARMD PHD MBBS JR SR II III IV".split())


# Lower-case words that begin a multi-word surname ("de la Cruz", "Van Buren", "von Trapp").
SURNAME_PARTICLES = frozenset("da das de del della der des di dos du la le los van von ter ten st st. saint".split())


def split_prescriber_name(name: str) -> tuple[str | None, str | None]:
    """(first, last) from "Dr. Maria de la Cruz, MD", "Martin Van Buren" or "de la Cruz, Maria".

    Titles and credentials are dropped; surname particles stay with the surname. Best effort for
    a name typed in one field: the intake form asks for the two parts separately.
    """
    text = (name or "").strip()
    if not text:
        return None, None
    if "," in text:
        head, tail = text.split(",", 1)
        tail_words = [w for w in tail.replace(",", " ").split() if w.strip(".").upper() not in _CREDENTIALS]
        if tail_words:  # "Last, First"
            return " ".join(tail_words) or None, " ".join(head.split()) or None
        text = head
    words = [w for w in text.replace(",", " ").split() if w.strip(".").upper() not in _CREDENTIALS]
    if words and words[0].strip(".").upper() in {"DR", "DOCTOR"}:
        words = words[1:]
    if not words:
        return None, None
    start = len(words) - 1
    while start > 1 and words[start - 1].lower() in SURNAME_PARTICLES:
        start -= 1
    last = " ".join(w.strip(".") if i == len(words) - 1 else w for i, w in enumerate(words) if i >= start)
    first = " ".join(words[:start]) or None
    return first, last or None


def prescriber_last_name(name: str) -> str | None:
    """Best-effort last name from "Dr. Jane Smith, MD", "Smith, Jane" or "Maria de la Cruz"; None if unclear."""
    return split_prescriber_name(name)[1]


DEA_SCHEDULE_CODES = ("2", "2N", "3", "3N", "4", "5")


def parse_dea_schedules(text: str | None) -> frozenset[str] | None:
    """The stored form "2 2N 3 3N 4 5" (prescriptions.prescriber_dea_schedules) as a set; None: not recorded."""
    if text is None:
        return None
    return frozenset(code for code in text.upper().replace(",", " ").split() if code in DEA_SCHEDULE_CODES)


def format_dea_schedules(codes: Iterable[str] | None) -> str | None:
    """The stored form of a collection of schedule codes, in the DEA order; None stays None."""
    if codes is None:
        return None
    chosen = {str(c).strip().upper() for c in codes}
    return " ".join(code for code in DEA_SCHEDULE_CODES if code in chosen)


def dea_schedules_problem(codes: Iterable[str] | None) -> str | None:
    """None when every code is one of 2, 2N, 3, 3N, 4, 5."""
    if codes is None:
        return None
    wrong = sorted({str(c).strip().upper() for c in codes} - set(DEA_SCHEDULE_CODES))
    if wrong:
        return f"DEA schedules are {', '.join(DEA_SCHEDULE_CODES)} (not {', '.join(wrong)})."
    return None
