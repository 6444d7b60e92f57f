"""What the knowledge-driven DUR checks share: a drug's classes, rule matching, severity -> status.

A drug's classes are those ``ClinicalKnowledge`` gives its ingredients (parents included) plus the
FDA established pharmacologic classes the product itself carries (``pharm_classes`` entries ending
in "[EPC]", as ``epc:<text>`` codes).
"""

from __future__ import annotations

from typing import Any

from .clinical_knowledge import ClinicalKnowledge, Subject
from .dur_facts import ACKNOWLEDGE_ONLY_SEVERITIES, FAILED, WARNING, DrugFacts, DurFinding, Status

UNDECIDED_SEVERITY = "significant"  # a check that could not decide: a warning to acknowledge
_EPC = " [EPC]"


def status_for(severity: str) -> Status:
    """Significant and minor need acknowledgement; anything else (unknown included) blocks."""
    return WARNING if severity.strip().lower() in ACKNOWLEDGE_ONLY_SEVERITIES else FAILED


def epc_codes(drug: DrugFacts) -> frozenset[str]:
    """ "HMG-CoA Reductase Inhibitor [EPC]" -> "epc:HMG-CoA Reductase Inhibitor"."""
    return frozenset(
        "epc:" + text.strip()[: -len(_EPC)].strip() for text in drug.pharm_classes if text.strip().endswith(_EPC)
    )


def drug_class_codes(drug: DrugFacts, knowledge: ClinicalKnowledge) -> frozenset[str]:
    return knowledge.classes_of(drug.ingredient_keys) | epc_codes(drug)


def subject_matches(subject: Subject, drug: DrugFacts, knowledge: ClinicalKnowledge) -> bool:
    return subject.matches(drug.name_keys, drug_class_codes(drug, knowledge))


def subject_text(subject: Subject, knowledge: ClinicalKnowledge) -> str:
    return subject.code if subject.kind == "ingredient" else knowledge.class_name(subject.code)


def undecided(check: str, message: str, **details: Any) -> list[DurFinding]:
    """The only finding of a check that could not decide: never a silent pass."""
    return [DurFinding(check, WARNING, UNDECIDED_SEVERITY, message, {"undecided": True, **details})]


def no_knowledge(check: str, what: str) -> list[DurFinding]:
    return undecided(
        check,
        f"No clinical knowledge is loaded: {what} could not be checked. Check by hand "
        "(load it with 'pharmacy-desktop clinical import').",
    )
