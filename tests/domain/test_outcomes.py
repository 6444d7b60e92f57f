"""Outcome codes are enums in domain/ (domain/outcomes.py) and equal the strings they replace."""

import pathlib

from pharmacy_desktop.domain import dur
from pharmacy_desktop.domain.outcomes import DurStatus, FillOutcome, PrintJobStatus, ScanLookup

SCREENS = pathlib.Path(__file__).resolve().parents[2] / "pharmacy_desktop" / "ui" / "screens"


def test_values_are_the_strings_stored_and_returned_so_far():
    assert [s.value for s in FillOutcome] == ["ok", "hard_stop", "refused", "insufficient", "ambiguous", "invalid"]
    assert [s.value for s in ScanLookup] == ["found", "ambiguous", "unknown", "invalid"]
    assert [s.value for s in PrintJobStatus] == ["queued", "sending", "printed", "failed", "cancelled"]
    assert (dur.PASSED, dur.WARNING, dur.FAILED) == (DurStatus.PASSED, DurStatus.WARNING, DurStatus.FAILED)
    assert FillOutcome.HARD_STOP == "hard_stop" and f"{PrintJobStatus.PRINTED}" == "printed"


def test_the_dur_split_keeps_every_name_on_dur():
    for name in (
        "DrugFacts",
        "Check",
        "ActiveMedication",
        "Prescriber",
        "PreviousFill",
        "InteractionRule",
        "DurContext",
        "NewItem",
        "Allergy",
        "SEVERITY_ORDER",
        "WELL_KNOWN_INTERACTIONS",
        "interaction_rules_for",
        "run_dur",
        "blocking",
        "check_allergies",
        "check_interactions",
        "check_duplication",
        "check_dose",
        "check_early_refill",
        "check_controlled",
        "allergen_classes",
    ):
        assert hasattr(dur, name), name
    assert dur.check_allergies in dur.CHECKS


def test_screens_compare_outcomes_by_name_not_by_string():
    import re

    bare = re.compile(r"\.status (?:==|!=) \"|\.status in \(\"")
    found = [
        f"{p.name}:{n}"
        for p in SCREENS.glob("*.py")
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if bare.search(line)
    ]
    assert found == []
