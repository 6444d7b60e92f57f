"""The curated clinical seed (resources/clinical/): it loads, every row names a real source, and it
covers what issue 15 names (the demo stock, the top 200 generics, the named interaction pairs,
dose limits, drug-disease, pregnancy, age, sex and allergy cases).

Read with Python's csv module and a small resolver below (ingredient -> classes with parents), so
these tests need no database; the last test loads the seed through the real loader and repository.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from pharmacy_desktop.domain.dur_facts import normalize_ingredient, split_ingredients

SEED = Path(__file__).resolve().parents[2] / "resources" / "clinical"
SEVERITIES = ("contraindicated", "serious", "significant", "minor")
BLOCKING = ("contraindicated", "serious")

# A source must name a real document: an FDA label section, an FDA Drug Safety Communication (with
# its date), an AGS Beers Criteria 2023 table, a named guideline, ICD-10-CM, FDA EPC/NDC data.
_DATE = r"\d{4}-\d{2}-\d{2}"
ACCEPTED_SOURCES = (
    r"FDA label( \([^)]+\))?: \S",
    rf"FDA Drug Safety Communication {_DATE}",
    rf"FDA Public Health Advisory {_DATE}",
    r"AGS Beers Criteria 2023, Table [2-7]",
    r"FDA Established Pharmacologic Class \(EPC\)",
    r"FDA NDC Directory PHARM_CLASSES",
    r"FDA OTC aspirin labeling",
    r"ICD-10-CM \(CDC NCHS\)",
    r"CDC Clinical Practice Guideline for Prescribing Opioids for Pain, 2022",
    r"2022 AHA/ACC/HFSA Guideline for the Management of Heart Failure",
    r"AAP Clinical Practice Guideline: ",
    r"American Pain Society, Principles of Analgesic Use",
    r"ISMP List of Error-Prone Abbreviations",
    r"WHO International Nonproprietary Name",
)
_SOURCE_RE = re.compile("|".join(f"(?:{p})" for p in ACCEPTED_SOURCES))
_VAGUE = re.compile(r"consensus|lexicomp|micromedex|uptodate|common practice|expert opinion", re.IGNORECASE)

FILES = (
    "sources.csv",
    "classes.csv",
    "ingredient_classes.csv",
    "allergen_terms.csv",
    "interactions.csv",
    "dose_limits.csv",
    "condition_terms.csv",
    "disease_rules.csv",
    "pregnancy_rules.csv",
    "age_rules.csv",
    "sex_rules.csv",
    "allergy_cross.csv",
)


@cache
def rows(name: str) -> tuple[dict[str, str], ...]:
    with (SEED / name).open(encoding="utf-8", newline="") as f:
        return tuple(csv.DictReader(f))


@cache
def parents() -> dict[str, str]:
    return {r["code"]: r["parent_code"] for r in rows("classes.csv") if r["parent_code"]}


@cache
def leaf_classes() -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for r in rows("ingredient_classes.csv"):
        out.setdefault(r["ingredient"], set()).add(r["class_code"])
    return {k: frozenset(v) for k, v in out.items()}


def with_parents(codes: Iterable[str]) -> frozenset[str]:
    out: set[str] = set()
    for code in codes:
        while code and code not in out:
            out.add(code)
            code = parents().get(code, "")
    return frozenset(out)


def classes_of(*ingredients: str) -> frozenset[str]:
    return with_parents(c for i in ingredients for c in leaf_classes().get(i, ()))


def _matches(kind: str, subject: str, ingredients: tuple[str, ...]) -> bool:
    return subject in (ingredients if kind == "ingredient" else classes_of(*ingredients))


def interactions_between(a: tuple[str, ...], b: tuple[str, ...]) -> list[dict[str, str]]:
    found = []
    for r in rows("interactions.csv"):
        ka, sa, kb, sb = r["subject_a_kind"], r["subject_a"], r["subject_b_kind"], r["subject_b"]
        if (_matches(ka, sa, a) and _matches(kb, sb, b)) or (_matches(ka, sa, b) and _matches(kb, sb, a)):
            found.append(r)
    return found


def rules_for(file: str, ingredients: tuple[str, ...], **where: str) -> list[dict[str, str]]:
    return [
        r
        for r in rows(file)
        if _matches(r["subject_kind"], r["subject"], ingredients) and all(r[k] == v for k, v in where.items())
    ]


def dose_rows(ingredient: str) -> list[dict[str, str]]:
    return [r for r in rows("dose_limits.csv") if r["ingredient"] == ingredient]


def dose_for(ingredient: str, age: str, release: str = "any") -> dict[str, str]:
    """The oral dose limit row for ``ingredient`` at ``age`` (release rows first, then 'any')."""
    years = Decimal(age)
    # as domain.dur_dose: a product of unknown release ('any') takes the 'any' or 'immediate' rows
    for wanted in (release, "any") if release != "any" else ("any", "immediate"):
        for r in dose_rows(ingredient):
            low = Decimal(r["age_min_years"] or 0)
            high = Decimal(r["age_max_years"]) if r["age_max_years"] else None
            if r["route"] == "oral" and r["release"] == wanted and low <= years and (high is None or years < high):
                return r
    raise AssertionError(f"no oral dose limit for {ingredient} at {age} years ({release})")


def top200() -> list[tuple[str, str]]:
    out = []
    for line in (SEED / "top200.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, route = line.split("\t")
            out.append((name, route))
    return out


def demo_stock_ingredients() -> set[str]:
    from pharmacy_desktop.demo.loader import _FORMULARY  # the demo pharmacy's stocked generics

    # the demo's hydrocodone product is the acetaminophen combination
    return {normalize_ingredient(g) for g in _FORMULARY} | {"acetaminophen"}


# ---------------------------------------------------------------------------------------------
# Format and sources


def test_every_file_is_there_with_the_documented_header() -> None:
    for name in FILES:
        assert (SEED / name).is_file(), name
        assert rows(name), f"{name} has no rows"
    assert rows("sources.csv")[0]["name"] == "curated-seed"


def test_the_loaders_validation_accepts_every_file() -> None:
    """The same reader `clinical import` and ensure_seed use (types, vocabularies, class references)."""
    from pharmacy_desktop.db.clinical_csv import read_directory

    (name, _description), tables = read_directory(SEED)
    assert name == "curated-seed"
    counts = {t.spec.file: len(t.rows) for t in tables}
    for file, count in counts.items():
        assert count == len(rows(file)), file


@pytest.mark.parametrize("name", FILES[1:])
def test_every_row_names_a_real_source(name: str) -> None:
    for line, r in enumerate(rows(name), start=2):
        source = r["source"]
        assert _SOURCE_RE.search(source), f"{name}:{line}: source {source!r} names no accepted document"
        assert not _VAGUE.search(source), f"{name}:{line}: vague source {source!r}"
        if "Drug Safety Communication" in source:
            assert re.search(rf"Drug Safety Communication {_DATE}", source), f"{name}:{line}: DSC without its date"


def test_severities_ingredients_and_class_references_are_valid() -> None:
    codes = {r["code"] for r in rows("classes.csv")}
    for name in FILES[2:]:
        for line, r in enumerate(rows(name), start=2):
            if "severity" in r:
                assert r["severity"] in SEVERITIES, f"{name}:{line}"
            for prefix in ("subject", "subject_a", "subject_b"):
                if prefix in r:
                    kind, subject = r[f"{prefix}_kind"], r[prefix]
                    if kind == "class":
                        assert subject in codes, f"{name}:{line}: unknown class {subject}"
                    else:
                        assert normalize_ingredient(subject) == subject, f"{name}:{line}: {subject} not normalised"
    for r in rows("ingredient_classes.csv"):
        assert normalize_ingredient(r["ingredient"]) == r["ingredient"]
        assert r["class_code"] in codes
    for r in rows("allergy_cross.csv"):
        assert r["allergy_class"] in codes


def test_class_hierarchy_has_known_parents_and_no_cycles() -> None:
    codes = {r["code"] for r in rows("classes.csv")}
    for child, parent in parents().items():
        assert parent in codes, child
        seen = {child}
        while parent:
            assert parent not in seen, f"cycle at {child}"
            seen.add(parent)
            parent = parents().get(parent, "")


def test_dose_limit_age_bands_do_not_overlap_and_numbers_are_coherent() -> None:
    bands: dict[tuple[str, str, str], list[tuple[Decimal, Decimal]]] = {}
    for line, r in enumerate(rows("dose_limits.csv"), start=2):
        low = Decimal(r["age_min_years"] or 0)
        high = Decimal(r["age_max_years"]) if r["age_max_years"] else Decimal(200)
        assert low < high, line
        key = (r["ingredient"], r["route"], r["release"])
        for other_low, other_high in bands.get(key, []):
            assert high <= other_low or low >= other_high, f"dose_limits.csv:{line}: overlapping age bands for {key}"
        bands.setdefault(key, []).append((low, high))
        limits = [
            r[c]
            for c in (
                "max_single_mg",
                "max_daily_mg",
                "max_single_mg_per_kg",
                "max_daily_mg_per_kg",
                "max_weekly_mg",
                "min_interval_hours",
            )
        ]
        assert any(limits), f"dose_limits.csv:{line}: a row without any limit"
        if r["max_single_mg"] and r["max_daily_mg"] and Decimal(r["max_single_mg"]) > Decimal(r["max_daily_mg"]):
            # weekly or monthly regimens averaged per day (alendronate 70 mg weekly = 10 mg/day)
            assert r["note"], f"dose_limits.csv:{line}: single above daily without a note saying why"
        if r["weekly_only"] == "true":
            assert r["max_weekly_mg"], line


# ---------------------------------------------------------------------------------------------
# Coverage


def test_every_top200_generic_has_classes_and_oral_ones_a_dose_limit() -> None:
    listed = top200()
    assert len(listed) >= 200
    assert len({n for n, _ in listed}) == len(listed), "duplicate names in top200.txt"
    no_class = [n for n, _ in listed if not leaf_classes().get(n)]
    no_dose = [n for n, route in listed if route == "oral" and not any(r["route"] == "oral" for r in dose_rows(n))]
    assert not no_class, f"top 200 without a class: {no_class}"
    assert not no_dose, f"top 200 oral without a dose limit: {no_dose}"


def test_every_demo_stock_ingredient_has_classes_and_an_adult_oral_dose_limit() -> None:
    for ingredient in sorted(demo_stock_ingredients()):
        assert leaf_classes().get(ingredient), ingredient
        assert dose_for(ingredient, "40"), ingredient


def test_catalog_salt_forms_of_seed_ingredients_are_in_the_seed() -> None:
    """FDA substance names that normalize_ingredient leaves with an ester or salt word
    ("ESCITALOPRAM OXALATE" -> "escitalopram oxalate") carry the rows of their base ingredient."""
    catalog = SEED.parents[0] / "catalog" / "product.txt"
    if not catalog.is_file():
        pytest.skip("no catalog extract in resources/catalog")
    known = set(leaf_classes())
    different_substances = ("calcium ", "potassium ", "ferrous ", "lithium ", "sacubitril ")
    missing = set()
    with catalog.open(encoding="latin-1", newline="") as f:
        for product in csv.DictReader(f, delimiter="\t"):
            for name in split_ingredients(product.get("SUBSTANCENAME") or ""):
                if name in known or name.startswith(different_substances):
                    continue
                if any(name.startswith(base + " ") for base in known):
                    missing.add(name)
    assert not missing, f"catalog salt forms without seed rows: {sorted(missing)}"
    assert leaf_classes()["escitalopram oxalate"] == leaf_classes()["escitalopram"]
    assert dose_for("escitalopram oxalate", "40")["max_daily_mg"] == dose_for("escitalopram", "40")["max_daily_mg"]


# ---------------------------------------------------------------------------------------------
# The issue's named cases

# (drug A ingredients, drug B ingredients): the issue's 22 major pairs, each must be at least
# 'significant' and the 8 named first must be found.
MAJOR_PAIRS = [
    (("sildenafil",), ("nitroglycerin",)),
    (("sildenafil",), ("isosorbide mononitrate",)),
    (("tadalafil",), ("isosorbide dinitrate",)),
    (("oxycodone",), ("alprazolam",)),
    (("hydrocodone", "acetaminophen"), ("lorazepam",)),
    (("sertraline",), ("tramadol",)),
    (("warfarin",), ("sulfamethoxazole", "trimethoprim")),
    (("warfarin",), ("metronidazole",)),
    (("lisinopril",), ("spironolactone",)),
    (("lisinopril",), ("potassium",)),
    (("clopidogrel",), ("omeprazole",)),
    (("warfarin",), ("ibuprofen",)),
    (("warfarin",), ("naproxen",)),
    (("warfarin",), ("aspirin",)),
    (("warfarin",), ("fluconazole",)),
    (("warfarin",), ("amiodarone",)),
    (("simvastatin",), ("clarithromycin",)),
    (("simvastatin",), ("amiodarone",)),
    (("digoxin",), ("amiodarone",)),
    (("methotrexate",), ("sulfamethoxazole", "trimethoprim")),
    (("ciprofloxacin",), ("tizanidine",)),
    (("lithium",), ("hydrochlorothiazide",)),
    (("sertraline",), ("linezolid",)),
    (("escitalopram",), ("phenelzine",)),
]


@pytest.mark.parametrize(("a", "b"), MAJOR_PAIRS, ids=lambda p: "+".join(p))
def test_major_interaction_pairs_are_found_through_ingredients_or_classes(
    a: tuple[str, ...], b: tuple[str, ...]
) -> None:
    found = interactions_between(a, b)
    assert found, f"{a} + {b}: no interaction rule"
    assert any(r["severity"] in ("contraindicated", "serious", "significant") for r in found)


def test_pde5_with_nitrates_is_contraindicated_and_opioid_benzodiazepine_serious_as_classes() -> None:
    assert {r["severity"] for r in interactions_between(("vardenafil",), ("nitroglycerin",))} == {"contraindicated"}
    # class rules reach drugs no pair table names
    assert interactions_between(("tapentadol",), ("clonazepam",))[0]["severity"] == "serious"
    assert interactions_between(("paroxetine",), ("tramadol",))[0]["severity"] == "serious"


def test_near_misses_have_no_interaction() -> None:
    assert not interactions_between(("amlodipine",), ("lisinopril",))
    assert not interactions_between(("clopidogrel",), ("pantoprazole",))
    assert not interactions_between(("sertraline",), ("acetaminophen",))
    assert not interactions_between(("atorvastatin",), ("metformin",))


def test_statins_are_one_class_and_vytorin_resolves_through_its_ingredients() -> None:
    for statin in ("atorvastatin", "rosuvastatin", "pravastatin", "simvastatin", "lovastatin", "pitavastatin"):
        assert "statin" in classes_of(statin), statin
    vytorin = split_ingredients("ezetimibe and simvastatin")
    assert "statin" in classes_of(*vytorin)
    assert "statin" in classes_of("pravastatin") & classes_of(*vytorin)  # pravastatin + Vytorin: duplication


def test_beta_blockers_cardioselective_and_non_selective_share_the_parent() -> None:
    for drug in ("metoprolol", "atenolol", "bisoprolol", "nebivolol"):
        assert {"beta_blocker", "beta_blocker_cardioselective"} <= classes_of(drug), drug
        assert "beta_blocker_nonselective" not in classes_of(drug)
    for drug in ("carvedilol", "propranolol", "nadolol", "labetalol"):
        assert {"beta_blocker", "beta_blocker_nonselective"} <= classes_of(drug), drug
    assert "beta_blocker" in classes_of("metoprolol") & classes_of("carvedilol")  # duplication


def test_therapeutic_classes_named_by_the_issue_exist_with_members() -> None:
    expected = {
        "penicillin": "amoxicillin",
        "cephalosporin": "cephalexin",
        "sulfonamide_antibiotic": "sulfamethoxazole",
        "sulfonamide_nonantibiotic": "celecoxib",
        "nsaid": "ibuprofen",
        "opioid": "oxycodone",
        "benzodiazepine": "lorazepam",
        "ssri": "sertraline",
        "snri": "duloxetine",
        "ace_inhibitor": "lisinopril",
        "arb": "losartan",
        "potassium_sparing_diuretic": "spironolactone",
        "nitrate": "isosorbide mononitrate",
        "pde5_inhibitor": "sildenafil",
        "ppi": "omeprazole",
    }
    for code, member in expected.items():
        assert code in classes_of(member), (code, member)
    # celecoxib is an NSAID (COX-2 selective) and carries the sulfonamide allergy flag
    assert {"nsaid", "nsaid_cox2_selective", "sulfonamide_nonantibiotic"} <= classes_of("celecoxib")


def test_allergen_terms_and_cross_sensitivity() -> None:
    terms = {(r["term"], r["subject_kind"], r["subject"]) for r in rows("allergen_terms.csv")}
    assert ("penicillin", "class", "penicillin") in terms
    assert ("pcn", "class", "penicillin") in terms
    assert ("sulfa", "class", "sulfonamide_antibiotic") in terms
    cross = {(r["allergy_class"], r["subject_kind"], r["subject"]): r["severity"] for r in rows("allergy_cross.csv")}
    assert cross[("penicillin", "class", "cephalosporin")] == "significant"
    assert cross[("sulfonamide_antibiotic", "ingredient", "celecoxib")] in BLOCKING
    assert ("salicylate", "class", "nsaid") in cross


def test_dose_limits_catch_the_issues_doses_and_pass_therapeutic_ones() -> None:
    warfarin = dose_for("warfarin", "60")
    assert Decimal(warfarin["max_daily_mg"]) < 32
    assert Decimal(warfarin["max_daily_mg"]) >= 10  # 10 mg/day is a usual maintenance dose
    apap = dose_for("acetaminophen", "45")
    assert Decimal(apap["max_daily_mg"]) == 4000 and Decimal(apap["max_single_mg"]) == 1000
    child_apap = dose_for("acetaminophen", "5")
    assert Decimal(child_apap["max_single_mg_per_kg"]) == 15 and Decimal(child_apap["max_daily_mg_per_kg"]) == 75
    alprazolam = dose_for("alprazolam", "40")
    assert 4 <= Decimal(alprazolam["max_daily_mg"]) < 16
    oxy_er = dose_for("oxycodone", "50", "extended")
    assert Decimal(oxy_er["min_interval_hours"]) == 12  # every 4 hours is refused
    oxy_ir = dose_for("oxycodone", "50", "immediate")
    assert Decimal(oxy_ir["min_interval_hours"]) == 4 and oxy_ir["release"] == "immediate"
    simva = dose_for("simvastatin", "60")
    assert Decimal(simva["max_daily_mg"]) == 40 and "2011" in simva["source"]
    mtx = dose_for("methotrexate", "50")
    assert mtx["weekly_only"] == "true" and Decimal(mtx["max_weekly_mg"]) <= 30
    alendronate = dose_for("alendronate", "70")
    assert Decimal(alendronate["max_single_mg"]) == 70  # 70 mg once a week
    assert Decimal(alendronate["max_daily_mg"]) == 10  # or 10 mg once a day (70 mg daily is over)
    assert Decimal(alendronate["max_weekly_mg"]) == 70 and "once a week" in alendronate["note"]


@pytest.mark.parametrize("opioid", ["oxycodone", "hydrocodone", "morphine", "hydromorphone"])
@pytest.mark.parametrize("age", ["3", "8"])
def test_opioids_for_children_have_weight_based_limits(opioid: str, age: str) -> None:
    row = dose_for(opioid, age)
    assert row["max_single_mg_per_kg"] and row["max_daily_mg_per_kg"], (opioid, age)


def test_drug_disease_cases() -> None:
    def severity(ingredients: tuple[str, ...], code: str) -> set[str]:
        return {
            r["severity"]
            for r in rows("disease_rules.csv")
            if code.startswith(r["icd10_prefix"]) and _matches(r["subject_kind"], r["subject"], ingredients)
        }

    for code in ("N18.4", "N18.5", "N18.6"):
        assert severity(("ibuprofen",), code) & set(BLOCKING), code
        assert severity(("metformin",), code) == {"contraindicated"}, code
    assert severity(("propranolol",), "J45.909") & set(BLOCKING)
    assert severity(("nadolol",), "J45.50") & set(BLOCKING)
    for drug in ("celecoxib", "naproxen", "pioglitazone", "diltiazem", "verapamil"):
        assert severity((drug,), "I50.9") & set(BLOCKING), drug
    # near misses: an unrelated disease, a cardioselective beta blocker (minor only), CKD stage 3
    assert not severity(("ibuprofen",), "J45.909")
    assert severity(("metoprolol",), "J45.909") == {"minor"}
    assert not severity(("ibuprofen",), "N18.30")
    assert not severity(("amlodipine",), "I50.9")


def test_pregnancy_and_lactation_cases() -> None:
    for drug in (
        "warfarin",
        "atorvastatin",
        "lisinopril",
        "losartan",
        "isotretinoin",
        "methotrexate",
        "divalproex",
        "valproic acid",
    ):
        sev = {r["severity"] for r in rules_for("pregnancy_rules.csv", (drug,), state="pregnancy")}
        assert sev & set(BLOCKING), drug
    assert {r["severity"] for r in rules_for("pregnancy_rules.csv", ("codeine",), state="lactation")} & set(BLOCKING)
    assert not rules_for("pregnancy_rules.csv", ("amoxicillin",))
    assert not rules_for("pregnancy_rules.csv", ("levothyroxine",))


def test_age_rules_beers_and_pediatric() -> None:
    def applies(ingredient: str, age: int, criteria: str) -> list[dict[str, str]]:
        out = []
        for r in rules_for("age_rules.csv", (ingredient,), criteria=criteria):
            low = Decimal(r["age_min_years"]) if r["age_min_years"] else Decimal(0)
            high = Decimal(r["age_max_years"]) if r["age_max_years"] else None
            if low <= age and (high is None or age < high):
                out.append(r)
        return out

    for drug in (
        "lorazepam",
        "alprazolam",
        "zolpidem",
        "diphenhydramine",
        "cyclobenzaprine",
        "amitriptyline",
        "glyburide",
    ):
        assert applies(drug, 88, "beers"), drug
        assert not applies(drug, 50, "beers"), drug
    assert all("Beers Criteria 2023" in r["source"] for r in rows("age_rules.csv") if r["criteria"] == "beers")
    assert applies("codeine", 8, "pediatric")[0]["severity"] == "contraindicated"
    assert applies("tramadol", 11, "pediatric")[0]["severity"] == "contraindicated"
    assert not applies("codeine", 30, "pediatric")
    assert applies("aspirin", 15, "pediatric")
    assert applies("ciprofloxacin", 10, "pediatric")
    assert not applies("amoxicillin", 5, "pediatric")


def test_sex_rules_and_condition_terms() -> None:
    f_rules = [r for r in rows("sex_rules.csv") if r["sex"] == "F"]
    assert any(_matches(r["subject_kind"], r["subject"], ("finasteride",)) for r in f_rules)
    assert any(_matches(r["subject_kind"], r["subject"], ("dutasteride",)) for r in f_rules)
    assert not any(
        _matches(r["subject_kind"], r["subject"], ("finasteride",)) for r in rows("sex_rules.csv") if r["sex"] == "M"
    )
    terms = {r["term"]: r["icd10_prefix"] for r in rows("condition_terms.csv")}
    assert terms["asthma"].startswith("J45")
    assert terms["heart failure"].startswith("I50")
    assert terms["ckd stage 4"] == "N18.4"
    assert "pregnancy" not in terms and "pregnant" not in terms  # pregnancy is a patient status, not a condition


# ---------------------------------------------------------------------------------------------
# Through the real loader and repository (the migrated test database carries the seed)


def test_the_seed_reaches_the_knowledge_repository(uow_factory: Any) -> None:
    pytest.importorskip("pharmacy_desktop.db.clinical_load")
    with uow_factory() as uow:
        knowledge = uow.clinical.knowledge_for(
            ["ezetimibe", "simvastatin", "pravastatin", "warfarin", "metronidazole"],
            ["sulfa"],
            ["asthma", "ckd stage 4"],
        )
    assert not knowledge.empty
    assert "statin" in knowledge.ingredient_classes["simvastatin"]
    assert "statin" in knowledge.ingredient_classes["pravastatin"]
    assert any({r.a.code, r.b.code} == {"warfarin", "metronidazole"} for r in knowledge.interactions)
    assert any(limit.ingredient == "simvastatin" and limit.max_daily_mg == 40 for limit in knowledge.dose_limits)
    assert knowledge.condition_terms["asthma"].startswith("J45")
    assert knowledge.condition_terms["ckd stage 4"] == "N18.4"
    assert any(s.code == "sulfonamide_antibiotic" for s in knowledge.allergen_terms["sulfa"])
