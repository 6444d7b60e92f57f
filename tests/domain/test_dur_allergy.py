"""Drug allergy through clinical knowledge (issue 15 item 2): brands from the catalog (Zoloft,
Plavix, Coumadin), classes, cross-sensitivity (sulfonamide allergy and celecoxib), "did you mean"
for misspelled allergens, a flag for allergies that match nothing; near-misses pass."""

import pytest

from pharmacy_desktop.domain.dur import Allergy, check_allergies, resolve_allergen
from tests.domain.dur_knowledge import KB, NO_KNOWLEDGE, context, drug

SERTRALINE = drug("Sertraline Hydrochloride", "50")
CLOPIDOGREL = drug("Clopidogrel Bisulfate", "75")
WARFARIN = drug("Warfarin Sodium", "5")
AMOXICILLIN = drug("Amoxicillin", "500", brand_name="Amoxil")
AMPICILLIN = drug("Ampicillin", "500")
CEPHALEXIN = drug("Cephalexin", "500")
CELECOXIB = drug("Celecoxib", "200")
HCTZ = drug("Hydrochlorothiazide", "25")
LISINOPRIL = drug("Lisinopril", "10")
AZITHROMYCIN = drug("Azithromycin", "250")


def allergy_findings(new, *allergens, kb=None):
    return check_allergies(context(new, allergies=tuple(Allergy(a) for a in allergens), kb=kb))


def one(findings):
    assert len(findings) == 1, findings
    return findings[0]


@pytest.mark.parametrize(("allergen", "new"), [("Zoloft", SERTRALINE), ("Plavix", CLOPIDOGREL), ("COUMADIN", WARFARIN)])
def test_allergy_recorded_by_brand_resolves_through_the_catalog(allergen, new):
    finding = one(allergy_findings(new, allergen))
    assert (finding.status, finding.severity, finding.details["match"]) == ("failed", "contraindicated", "ingredient")


@pytest.mark.parametrize(
    ("allergen", "new", "status", "severity", "match"),
    [
        ("penicillin", AMOXICILLIN, "failed", "serious", "class"),
        ("amoxicillin", AMPICILLIN, "failed", "serious", "class"),  # an ingredient allergy extends to its class
        ("penicillin", CEPHALEXIN, "warning", "significant", "cross_sensitivity"),
        ("amoxicillin", CEPHALEXIN, "warning", "significant", "cross_sensitivity"),
        ("sulfa", CELECOXIB, "failed", "serious", "cross_sensitivity"),
        ("Bactrim", CELECOXIB, "failed", "serious", "cross_sensitivity"),
    ],
)
def test_allergy_by_class_and_cross_sensitivity(allergen, new, status, severity, match):
    finding = one(allergy_findings(new, allergen))
    assert (finding.status, finding.severity, finding.details["match"]) == (status, severity, match)


def test_misspelled_allergen_is_read_as_the_closest_word():
    finding = one(allergy_findings(AMOXICILLIN, "penicilin"))
    assert (finding.status, finding.details["read_as"]) == ("failed", "penicillin")
    assert "'penicilin' read as 'penicillin'" in finding.message


def test_misspelled_allergen_without_conflict_is_an_info_flag():
    finding = one(allergy_findings(LISINOPRIL, "amoxicilin"))
    assert (finding.status, finding.severity, finding.details["match"]) == ("warning", "minor", "did_you_mean")
    assert "did you mean 'amoxicillin'" in finding.message


def test_allergy_that_matches_nothing_is_flagged():
    finding = one(allergy_findings(LISINOPRIL, "the blue pills"))
    assert (finding.status, finding.severity, finding.details["match"]) == ("warning", "significant", "unrecognised")


@pytest.mark.parametrize(
    ("allergen", "new"),
    [
        ("penicillin", AZITHROMYCIN),
        ("sulfa", HCTZ),  # no cross-sensitivity row for thiazides in this knowledge
        ("Zoloft", CLOPIDOGREL),
        ("amoxicillin", LISINOPRIL),
        ("codeine", drug("Acetaminophen", "500")),
    ],
)
def test_allergy_near_misses_pass(allergen, new):
    finding = one(allergy_findings(new, allergen))
    assert finding.status == "passed" and finding.message == "No conflict with 1 recorded drug allergy."


def test_food_allergy_is_not_checked():
    findings = check_allergies(context(AMOXICILLIN, allergies=(Allergy("Peanut", "food"),)))
    assert [f.message for f in findings] == ["No drug allergies on file."]


def test_without_knowledge_the_plain_match_still_blocks_and_the_rest_warns():
    findings = allergy_findings(AMOXICILLIN, "amoxicillin", "penicillin", kb=NO_KNOWLEDGE)
    assert [(f.status, f.details.get("undecided")) for f in findings] == [("failed", None), ("warning", True)]
    only_class = allergy_findings(AMOXICILLIN, "penicillin", kb=NO_KNOWLEDGE)
    assert [(f.status, f.details.get("undecided")) for f in only_class] == [("warning", True)]


def test_resolve_allergen():
    assert resolve_allergen("PCN", KB).classes >= {"penicillin"}
    assert resolve_allergen("Bactrim", KB).ingredients == {"sulfamethoxazole", "trimethoprim"}
    assert not resolve_allergen("qwertyuiop", KB).recognised


@pytest.mark.parametrize(
    ("allergen", "new", "status"),
    [
        ("Sulfa drugs - rash", drug("Celecoxib", "200"), "failed"),
        ("PCN allergy (hives)", drug("Amoxicillin", "500"), "failed"),
        ("Sulfa drugs - rash", drug("Lisinopril", "10"), "passed"),  # read, no conflict: no flag
    ],
)
def test_allergy_text_with_other_words_is_read_by_its_known_words(allergen, new, status):
    finding = one(allergy_findings(new, allergen))
    assert finding.status == status, finding.message
    if status == "failed":
        assert "read as" in finding.message
