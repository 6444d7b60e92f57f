"""Every check a DUR run records, written out here on purpose (not taken from the code under test):
a check dropped or added must fail the tests that compare against it (domain, intake, DUR service)."""

from __future__ import annotations

EVERY_DUR_CHECK = frozenset(
    {
        "allergy_check",
        "drug_interaction",
        "therapeutic_duplication",
        "dose_check",
        "drug_disease",
        "pregnancy",
        "lactation",
        "age",
        "sex",
        "early_refill",
        "controlled_substance",
        "prescriber",
    }
)
