"""Drug-disease, pregnancy, lactation, age and sex (issue 15 item 2): the issue's cases fire, the
near-misses (an unrelated disease, an adult, a man, a cardioselective beta blocker) do not, and a
missing fact is a warning, never a pass."""

from dataclasses import replace
from decimal import Decimal

import pytest

from pharmacy_desktop.domain.clinical_knowledge import DiseaseRule, PregnancyRule
from pharmacy_desktop.domain.dur import (
    Condition,
    check_age,
    check_disease,
    check_lactation,
    check_pregnancy,
    check_sex,
    run_dur,
)
from tests.domain.dur_knowledge import KB, NO_KNOWLEDGE, cls, context, drug, ing, patient

D = Decimal
IBUPROFEN = drug("Ibuprofen", "400")
CELECOXIB = drug("Celecoxib", "200")
PROPRANOLOL = drug("Propranolol Hydrochloride", "40")
METOPROLOL = drug("Metoprolol Tartrate", "50")
PIOGLITAZONE = drug("Pioglitazone", "30")
WARFARIN = drug("Warfarin Sodium", "5")
ATORVASTATIN = drug("Atorvastatin Calcium", "20")
LISINOPRIL = drug("Lisinopril", "10")
AMOXICILLIN = drug("Amoxicillin", "500")
METHOTREXATE = drug("Methotrexate", "2.5")
LORAZEPAM = drug("Lorazepam", "1", schedule="CIV")
CODEINE_APAP = drug("Acetaminophen and Codeine Phosphate", schedule="CIII")
TRAMADOL = drug("Tramadol Hydrochloride", "50", schedule="CIV")
ASPIRIN = drug("Aspirin", "81")
FINASTERIDE = drug("Finasteride", "5")


def statuses(findings):
    return [(f.status, f.severity) for f in findings]


def with_conditions(*conditions, age=60):
    return patient(age, "M", conditions=tuple(conditions))


# --------------------------------------------------------------------------- drug-disease


@pytest.mark.parametrize(
    ("new", "condition", "expected"),
    [
        (IBUPROFEN, Condition("Chronic kidney disease, stage 4", "N18.4"), ("failed", "serious")),
        (IBUPROFEN, Condition("CKD stage 5", "N185"), ("failed", "serious")),  # code without the dot
        (PROPRANOLOL, Condition("asthma"), ("failed", "serious")),  # plain name -> J45
        (PROPRANOLOL, Condition("Moderate persistent asthma", "J45.40"), ("failed", "serious")),
        (CELECOXIB, Condition("Heart failure", "I50.22"), ("warning", "significant")),
        (PIOGLITAZONE, Condition("heart failure"), ("failed", "contraindicated")),
    ],
)
def test_drug_disease_fires(new, condition, expected):
    findings = check_disease(context(new, who=with_conditions(condition)))
    assert statuses(findings) == [expected]
    assert findings[0].check == "drug_disease"
    assert "FDA label" in findings[0].message


@pytest.mark.parametrize(
    ("new", "condition"),
    [
        (IBUPROFEN, Condition("CKD stage 3", "N18.3")),  # a milder stage
        (IBUPROFEN, Condition("Essential hypertension", "I10")),  # unrelated
        (METOPROLOL, Condition("asthma")),  # cardioselective
        (AMOXICILLIN, Condition("heart failure")),
    ],
)
def test_drug_disease_near_misses_pass(new, condition):
    assert statuses(check_disease(context(new, who=with_conditions(condition)))) == [("passed", "none")]


def test_unrecognised_condition_is_flagged_when_the_drug_has_disease_rules():
    findings = check_disease(context(IBUPROFEN, who=with_conditions(Condition("wobbly kidneys"))))
    assert statuses(findings) == [("warning", "significant")]
    assert "wobbly kidneys" in findings[0].message


# --------------------------------------------------------------------------- pregnancy and lactation


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        (WARFARIN, ("failed", "contraindicated")),
        (ATORVASTATIN, ("failed", "contraindicated")),
        (LISINOPRIL, ("failed", "serious")),
    ],
)
def test_pregnancy_fires(new, expected):
    findings = check_pregnancy(context(new, who=patient(30, "F", pregnancy="pregnant")))
    assert statuses(findings) == [expected] and findings[0].check == "pregnancy"


@pytest.mark.parametrize(
    ("new", "who"),
    [
        (ATORVASTATIN, patient(30, "F", pregnancy="not_pregnant")),
        (ATORVASTATIN, patient(30, "M")),
        (ATORVASTATIN, patient(70, "F")),  # unknown status, past child-bearing age
        (AMOXICILLIN, patient(30, "F", pregnancy="pregnant")),  # no pregnancy rule
    ],
)
def test_pregnancy_near_misses_pass(new, who):
    assert statuses(check_pregnancy(context(new, who=who))) == [("passed", "none")]


def test_pregnancy_status_unknown_for_a_woman_of_child_bearing_age_warns():
    findings = check_pregnancy(context(WARFARIN, who=patient(30, "F")))
    assert statuses(findings) == [("warning", "significant")]
    assert "pregnancy status is not recorded" in findings[0].message


def test_lactation():
    nursing = patient(30, "F", pregnancy="not_pregnant", breastfeeding=True)
    assert statuses(check_lactation(context(METHOTREXATE, "3 tabs po once a week", 12, 28, who=nursing))) == [
        ("failed", "contraindicated")
    ]
    assert statuses(check_lactation(context(CODEINE_APAP, who=nursing))) == [("failed", "serious")]
    assert statuses(check_lactation(context(AMOXICILLIN, who=nursing))) == [("passed", "none")]
    not_nursing = patient(30, "F", pregnancy="not_pregnant")
    assert statuses(check_lactation(context(METHOTREXATE, who=not_nursing))) == [("passed", "none")]


# --------------------------------------------------------------------------- age


@pytest.mark.parametrize(
    ("new", "age", "expected"),
    [
        (LORAZEPAM, 88, ("warning", "significant")),  # Beers 2023
        (LORAZEPAM, 65, ("warning", "significant")),
        (CODEINE_APAP, 8, ("failed", "contraindicated")),  # FDA DSC 2017
        (TRAMADOL, 11, ("failed", "contraindicated")),
        (ASPIRIN, 17, ("failed", "serious")),  # Reye's syndrome
    ],
)
def test_age_fires(new, age, expected):
    findings = check_age(context(new, who=patient(age)))
    assert statuses(findings) == [expected]
    assert findings[0].check == "age" and f"aged {age}" in findings[0].message


@pytest.mark.parametrize(
    ("new", "age"), [(LORAZEPAM, 64), (CODEINE_APAP, 12), (TRAMADOL, 40), (ASPIRIN, 18), (AMOXICILLIN, 90)]
)
def test_age_near_misses_pass(new, age):
    assert statuses(check_age(context(new, who=patient(age)))) == [("passed", "none")]


def test_age_unknown_warns_when_the_drug_has_age_rules():
    assert statuses(check_age(context(LORAZEPAM, who=patient(None)))) == [("warning", "significant")]
    assert statuses(check_age(context(AMOXICILLIN, who=patient(None)))) == [("passed", "none")]


# --------------------------------------------------------------------------- sex


def test_sex():
    assert statuses(check_sex(context(FINASTERIDE, who=patient(40, "F")))) == [("failed", "contraindicated")]
    assert statuses(check_sex(context(FINASTERIDE, who=patient(40, "M")))) == [("passed", "none")]
    assert statuses(check_sex(context(AMOXICILLIN, who=patient(40, "F")))) == [("passed", "none")]
    assert statuses(check_sex(context(FINASTERIDE, who=patient(40, None)))) == [("warning", "significant")]


# --------------------------------------------------------------------------- cannot decide


@pytest.mark.parametrize("check", [check_disease, check_pregnancy, check_lactation, check_age, check_sex])
def test_patient_checks_warn_without_knowledge_or_patient(check):
    no_kb = check(context(WARFARIN, kb=NO_KNOWLEDGE))
    assert [(f.status, f.details.get("undecided")) for f in no_kb] == [("warning", True)]
    assert "No clinical knowledge is loaded" in no_kb[0].message
    ctx = context(WARFARIN)
    no_patient = check(type(ctx)(ctx.item, ctx.prescriber, ctx.today, knowledge=ctx.knowledge))
    assert [(f.status, f.details.get("undecided")) for f in no_patient] == [("warning", True)]


def test_run_dur_reports_every_patient_category_for_the_issue_cases():
    old_woman = patient(
        88, "F", pregnancy="not_pregnant", conditions=(Condition("asthma"), Condition("CKD 4", "N18.4"))
    )
    findings = run_dur(context(IBUPROFEN, "1 tab po tid", 90, who=old_woman))
    assert ("drug_disease", "failed") in {(f.check, f.status) for f in findings}
    findings = run_dur(context(LORAZEPAM, "1 tab po qhs", 30, who=old_woman))
    assert ("age", "warning") in {(f.check, f.status) for f in findings}


def test_an_ingredient_rule_and_a_class_rule_give_one_finding_the_stronger():
    kb = replace(
        KB,
        pregnancy_rules=(
            PregnancyRule(cls("anticoagulant"), "pregnancy", "significant", "Weaker.", "FDA label: Warnings (5.1)"),
            *KB.pregnancy_rules,
        ),
        disease_rules=(
            DiseaseRule(ing("ibuprofen"), "N18", "CKD", "minor", "Weaker.", "FDA label: Warnings (5.6)"),
            *KB.disease_rules,
        ),
    )
    pregnant = patient(30, "F", pregnancy="pregnant")
    assert statuses(check_pregnancy(context(WARFARIN, who=pregnant, kb=kb))) == [("failed", "contraindicated")]
    ckd = with_conditions(Condition("CKD 4", "N18.4"))
    assert statuses(check_disease(context(IBUPROFEN, who=ckd, kb=kb))) == [("failed", "serious")]
