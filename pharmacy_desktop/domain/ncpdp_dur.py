"""NCPDP DUR/PPS codes for an override (Telecommunication Standard D.0 fields 439-E4, 440-E5, 441-E6).

An alert a pharmacist overrides records why it fired (reason for service), what the pharmacist did
(professional service) and what came of it (result of service). ``reason_for`` gives the default
reason per DUR check; ``override_problem`` says what is wrong with an override, or None.
"""

from __future__ import annotations

import re

from .dur_facts import FAILED, Check

# 439-E4 Reason for Service Code (the DUR conflict)
REASON_FOR_SERVICE: dict[str, str] = {
    "DD": "Drug-drug interaction",
    "DA": "Drug-allergy",
    "TD": "Therapeutic duplication",
    "ID": "Ingredient duplication",
    "HD": "High dose",
    "LD": "Low dose",
    "SR": "Suboptimal regimen",
    "MX": "Excessive duration",
    "MN": "Insufficient duration",
    "EX": "Excessive quantity",
    "NS": "Insufficient quantity",
    "MC": "Drug-disease (reported)",
    "DC": "Drug-disease (inferred)",
    "PG": "Drug-pregnancy",
    "NR": "Lactation/nursing interaction",
    "PA": "Drug-age",
    "SX": "Drug-gender",
    "ER": "Overuse (early refill)",
    "LR": "Underuse (late refill)",
    "DM": "Apparent drug misuse",
    "AR": "Adverse drug reaction",
    "PR": "Prior adverse reaction",
    "MS": "Missing information/clarification",
    "PN": "Prescriber consultation",
}

# 440-E5 Professional Service Code (what the pharmacist did)
PROFESSIONAL_SERVICE: dict[str, str] = {
    "00": "No intervention",
    "M0": "Prescriber consulted",
    "R0": "Pharmacist consulted other source",
    "P0": "Patient consulted",
    "PE": "Patient education/instruction",
    "PH": "Patient medication history",
    "PM": "Patient monitoring",
    "MR": "Medication review",
    "DE": "Dosing evaluation/determination",
    "PA": "Previous patient tolerance",
    "AS": "Patient assessment",
    "CC": "Coordination of care",
    "MP": "Patient will be monitored",
    "SW": "Literature search/review",
    "RT": "Recommend laboratory test",
    "TH": "Therapeutic product interchange",
}

# 441-E6 Result of Service Code (the outcome)
RESULT_OF_SERVICE: dict[str, str] = {
    "00": "Not specified",
    "1A": "Filled as is, false positive",
    "1B": "Filled prescription as is",
    "1C": "Filled, with different dose",
    "1D": "Filled, with different directions",
    "1E": "Filled, with different drug",
    "1F": "Filled, with different quantity",
    "1G": "Filled, with prescriber approval",
    "1K": "Filled, with different dosage form",
    "2A": "Prescription not filled",
    "2B": "Not filled, directions clarified",
    "3A": "Recommendation accepted",
    "3B": "Recommendation not accepted",
    "3D": "Regimen changed",
    "3E": "Therapy changed",
    "3G": "Drug therapy unchanged",
    "4A": "Prescribed with acknowledgments",
}

_DEFAULT_REASON = {
    Check.INTERACTION: "DD",
    Check.ALLERGY: "DA",
    Check.DUPLICATION: "TD",
    Check.DOSE: "HD",
    Check.EARLY_REFILL: "ER",
    Check.CONTROLLED: "MS",
    Check.DRUG_DISEASE: "MC",
    Check.PREGNANCY: "PG",
    Check.LACTATION: "NR",
    Check.AGE: "PA",
    Check.SEX: "SX",
    Check.PRESCRIBER: "MS",
}
MIN_NOTE_LENGTH = 15
_WORD = re.compile(r"[^\W\d_]{2,}")


def reason_for(check: str) -> str:
    """The usual reason-for-service code of a DUR check ("drug_interaction" -> "DD")."""
    return _DEFAULT_REASON.get(check, "MS")


def note_problem(note: str | None) -> str | None:
    """Why a hard-stop override note is not an explanation (too short, filler), or None."""
    text = (note or "").strip()
    if len(text) < MIN_NOTE_LENGTH:
        return f"The override note must say why, in at least {MIN_NOTE_LENGTH} characters."
    words = {w.lower() for w in _WORD.findall(text)}
    if len(words) < 3:
        return "The override note must say why in words (at least 3 different words), not filler."
    return None


def override_problem(
    finding_status: str,
    reason_code: str | None,
    professional_code: str | None,
    result_code: str | None,
    note: str | None,
) -> str | None:
    """What is wrong with overriding (or acknowledging) an alert with these codes and note, or None.

    A hard stop (``failed``) needs all three codes and a real note; a warning may carry codes,
    which must then be valid. A "not filled" result (2A, 2B) is no override: reject instead.
    """
    codes = (
        ("reason for service", reason_code, REASON_FOR_SERVICE),
        ("professional service", professional_code, PROFESSIONAL_SERVICE),
        ("result of service", result_code, RESULT_OF_SERVICE),
    )
    for label, code, table in codes:
        value = (code or "").strip().upper()
        if value and value not in table:
            return f"'{code}' is not an NCPDP {label} code."
        if not value and finding_status == FAILED:
            return f"Choose the NCPDP {label} code for this hard stop."
    if (result_code or "").strip().upper().startswith("2"):
        return "A 'not filled' result is not an override: reject the prescription instead."
    if finding_status == FAILED:
        return note_problem(note)
    return None
