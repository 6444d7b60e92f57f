"""The issue's silent cases (issue 15) through the DUR engine with the curated seed as the
repository gives it (uow.clinical.knowledge_for on a migrated database): each fires, and a
therapeutic near-miss does not. Drugs are built as the service builds them (strength per unit,
route, release)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pharmacy_desktop.domain import dur
from pharmacy_desktop.domain.dur_facts import (
    ActiveMedication,
    Allergy,
    Condition,
    DrugFacts,
    DurContext,
    IngredientStrength,
    NewItem,
    PatientFacts,
    Prescriber,
    normalize_ingredient,
)

pytestmark = pytest.mark.db

TODAY = date(2026, 11, 20)
PRESCRIBER = Prescriber(
    "Dr. Jane Brown", "1234567893", "AB1234563", "Brown", frozenset({"2", "2N", "3", "3N", "4", "5"})
)


def drug(generic: str, amount: str | None = None, unit: str = "mg/1", **kw) -> DrugFacts:
    strengths = (IngredientStrength(normalize_ingredient(generic), Decimal(amount), unit),) if amount else ()
    kw.setdefault("route", "ORAL")
    kw.setdefault("release", "immediate")
    return DrugFacts(generic, strengths=strengths, **kw)


def adult(age: int = 50, sex: str = "M", **kw) -> PatientFacts:
    return PatientFacts(date(TODAY.year - age, 1, 1), sex, **kw)  # type: ignore[arg-type]


def findings(uow_factory, new, sig="1 tab po qd", qty=30, days=30, *, who=None, active=(), allergies=()):
    who = who or adult()
    ingredients = set(new.ingredient_keys).union(*(d.ingredient_keys for d in active))
    with uow_factory() as uow:
        kb = uow.clinical.knowledge_for(ingredients, allergies, [c.name for c in who.conditions])
    assert not kb.empty, "the seed is loaded by db upgrade"
    ctx = DurContext(
        NewItem(new, Decimal(qty), days, sig, 0, TODAY),
        PRESCRIBER,
        TODAY,
        allergies=tuple(Allergy(a) for a in allergies),
        active_medications=tuple(ActiveMedication(f"RX{i}", d) for i, d in enumerate(active, 1)),
        patient=who,
        knowledge=kb,
    )
    return [f for f in dur.run_dur(ctx) if f.status != "passed"]


def alerts(found, check):
    return [(f.status, f.severity) for f in found if f.check == check]


def hard(found, check):
    return any(f.status == "failed" for f in found if f.check == check)


@pytest.mark.parametrize(
    ("new", "sig", "qty", "ok_sig", "ok_qty"),
    [
        (drug("Warfarin Sodium", "4"), "8 tabs po qd", 240, "1 tab po qd", 30),
        (drug("Acetaminophen", "500"), "3 tabs po q4h", 540, "2 tabs po q6h prn", 240),
        (drug("Alprazolam", "2", schedule="CIV"), "2 tabs po qid", 240, "0.25 tab po tid", 23),
        (
            drug("Oxycodone Hydrochloride", "20", release="extended", schedule="CII"),
            "1 tab po q4h",
            180,
            "1 tab po q12h",
            60,
        ),
        (drug("Simvastatin", "80"), "1 tab po qhs", 30, None, None),
        (drug("Methotrexate", "2.5"), "3 tabs po qd", 90, "3 tabs po once a week", 12),
    ],
)
def test_overdoses_are_hard_stops(uow_factory, new, sig, qty, ok_sig, ok_qty):
    found = findings(uow_factory, new, sig, qty)
    assert hard(found, "dose_check"), [f.message for f in found]
    if ok_sig:
        near = findings(uow_factory, new, ok_sig, ok_qty)
        assert alerts(near, "dose_check") == [], [f.message for f in near if f.check == "dose_check"]


def test_opioid_for_a_child(uow_factory):
    child = PatientFacts(date(2021, 6, 1), "M", Decimal(20))
    codeine = drug("Acetaminophen and Codeine Phosphate", schedule="CV")
    assert hard(findings(uow_factory, codeine, "5 mL po q6h", 100, 5, who=child), "age")
    adult_found = findings(uow_factory, codeine, "5 mL po q6h", 100, 5, who=adult(40))
    assert alerts(adult_found, "age") == []


@pytest.mark.parametrize(
    ("new", "condition", "near_miss"),
    [
        (drug("Ibuprofen", "400"), Condition("CKD stage 4", "N18.4"), Condition("CKD stage 2", "N18.2")),
        (drug("Propranolol Hydrochloride", "40"), Condition("asthma"), Condition("hypertension", "I10")),
        (drug("Celecoxib", "200"), Condition("Heart failure", "I50.9"), Condition("osteoarthritis", "M17.0")),
    ],
)
def test_drug_disease(uow_factory, new, condition, near_miss):
    assert alerts(findings(uow_factory, new, who=adult(conditions=(condition,))), "drug_disease")
    assert alerts(findings(uow_factory, new, who=adult(conditions=(near_miss,))), "drug_disease") == []


def test_cardioselective_beta_blocker_with_asthma_is_not_the_nonselective_rule(uow_factory):
    found = findings(
        uow_factory, drug("Metoprolol Tartrate", "50"), "1 tab po bid", 60, who=adult(conditions=(Condition("asthma"),))
    )
    assert not hard(found, "drug_disease")


@pytest.mark.parametrize("new", [drug("Warfarin Sodium", "5"), drug("Atorvastatin Calcium", "20")])
def test_pregnancy(uow_factory, new):
    assert hard(findings(uow_factory, new, who=adult(30, "F", pregnancy="pregnant")), "pregnancy")
    assert alerts(findings(uow_factory, new, who=adult(30, "F", pregnancy="not_pregnant")), "pregnancy") == []


def test_lorazepam_at_88(uow_factory):
    lorazepam = drug("Lorazepam", "0.5", schedule="CIV")
    assert alerts(findings(uow_factory, lorazepam, "1 tab po qhs", 30, who=adult(88, "F")), "age")
    assert alerts(findings(uow_factory, lorazepam, "1 tab po qhs", 30, who=adult(50, "F")), "age") == []


@pytest.mark.parametrize(
    ("new", "other"),
    [
        (drug("Sildenafil Citrate", "50"), drug("Isosorbide Mononitrate", "30")),
        (drug("Oxycodone Hydrochloride", "5", schedule="CII"), drug("Alprazolam", "0.5", schedule="CIV")),
        (drug("Tramadol Hydrochloride", "50", schedule="CIV"), drug("Sertraline Hydrochloride", "50")),
        (drug("Sulfamethoxazole and Trimethoprim"), drug("Warfarin Sodium", "5")),
        (drug("Metronidazole", "500"), drug("Warfarin Sodium", "5")),
        (drug("Spironolactone", "25"), drug("Lisinopril", "10")),
        (drug("Potassium Chloride", "20", "meq/1"), drug("Lisinopril", "10")),
        (drug("Omeprazole", "20"), drug("Clopidogrel Bisulfate", "75")),
    ],
)
def test_the_major_pairs(uow_factory, new, other):
    assert alerts(findings(uow_factory, new, active=(other,)), "drug_interaction")


def test_pair_near_miss(uow_factory):
    found = findings(uow_factory, drug("Pantoprazole Sodium", "40"), active=(drug("Clopidogrel Bisulfate", "75"),))
    assert alerts(found, "drug_interaction") == []


@pytest.mark.parametrize(
    ("new", "other"),
    [
        (drug("Rosuvastatin Calcium", "10"), drug("Atorvastatin Calcium", "20")),
        (drug("Pravastatin Sodium", "40"), drug("Ezetimibe and Simvastatin")),
        (drug("Carvedilol", "12.5"), drug("Metoprolol Tartrate", "50")),
    ],
)
def test_class_duplication(uow_factory, new, other):
    assert alerts(findings(uow_factory, new, active=(other,)), "therapeutic_duplication")


@pytest.mark.parametrize(
    ("allergen", "new", "blocks"),
    [
        ("penicilin", drug("Amoxicillin", "500"), True),
        ("sulfa", drug("Celecoxib", "200"), True),
        ("penicillin", drug("Cephalexin", "500"), False),  # cross-sensitivity: a warning
    ],
)
def test_allergies(uow_factory, allergen, new, blocks):
    found = findings(uow_factory, new, "1 cap po bid", 60, allergies=(allergen,))
    assert alerts(found, "allergy_check")
    assert hard(found, "allergy_check") is blocks
    near = alerts(findings(uow_factory, drug("Azithromycin", "250"), allergies=(allergen,)), "allergy_check")
    # a misspelled allergy stays flagged as info ("did you mean"), never more, on an unrelated drug
    assert near == ([("warning", "minor")] if allergen == "penicilin" else [])
