"""Clinical knowledge as plain data: what the DUR checks read about ingredients and classes.

The repository (``db/repositories/clinical.py``) fills a ``ClinicalKnowledge`` with the rows that
concern the drugs and the patient under review (revision 0013's ``clinical_*`` tables: the curated
seed in ``resources/clinical/`` or a licensed feed loaded with ``pharmacy-desktop clinical
import``); the checks in ``domain/`` never know where it came from. A rule's subject is an
ingredient (``normalize_ingredient`` form: "warfarin") or a class code ("statin",
"beta_blocker_nonselective", "epc:HMG-CoA Reductase Inhibitor").

Severity vocabulary (as ``drug_interactions``): contraindicated > serious > significant > minor.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

SubjectKind = Literal["ingredient", "class"]
SEVERITIES = ("contraindicated", "serious", "significant", "minor")


@dataclass(frozen=True)
class Subject:
    kind: SubjectKind
    code: str

    def matches(self, ingredients: frozenset[str], classes: frozenset[str]) -> bool:
        return self.code in (ingredients if self.kind == "ingredient" else classes)


@dataclass(frozen=True)
class InteractionRule:
    a: Subject
    b: Subject
    severity: str
    mechanism: str
    management: str
    source: str


@dataclass(frozen=True)
class DoseLimit:
    """Limits for one ingredient, route and release in one age band [age_min, age_max)."""

    ingredient: str
    source: str
    route: str = "any"  # 'oral', 'topical', ... or 'any'
    release: str = "any"  # 'immediate', 'extended' or 'any'
    age_min_years: Decimal = Decimal(0)
    age_max_years: Decimal | None = None
    max_single_mg: Decimal | None = None
    max_daily_mg: Decimal | None = None
    max_single_mg_per_kg: Decimal | None = None
    max_daily_mg_per_kg: Decimal | None = None
    min_interval_hours: Decimal | None = None  # oxycodone ER: 12
    weekly_only: bool = False  # methotrexate (oral, for RA/psoriasis), alendronate 70 mg
    max_weekly_mg: Decimal | None = None
    note: str | None = None


@dataclass(frozen=True)
class DiseaseRule:
    subject: Subject
    icd10_prefix: str  # "N18.4", "J45", "I50"
    condition_name: str
    severity: str
    message: str
    source: str


@dataclass(frozen=True)
class PregnancyRule:
    subject: Subject
    state: Literal["pregnancy", "lactation"]
    severity: str
    message: str
    source: str


@dataclass(frozen=True)
class AgeRule:
    subject: Subject
    criteria: Literal["beers", "pediatric", "other"]
    severity: str
    message: str
    source: str
    age_min_years: Decimal | None = None  # Beers: 65
    age_max_years: Decimal | None = None  # pediatric: codeine 12 (the rule applies below it)


@dataclass(frozen=True)
class SexRule:
    subject: Subject
    sex: Literal["F", "M"]  # the sex for which the drug is contraindicated or not indicated
    severity: str
    message: str
    source: str


@dataclass(frozen=True)
class AllergyCross:
    """A patient allergic to ``allergy_class`` reacts (possibly) to ``subject``."""

    allergy_class: str
    subject: Subject
    severity: str
    message: str
    source: str


@dataclass(frozen=True)
class ClinicalKnowledge:
    """The knowledge rows relevant to one DUR run (or all of them, for the tests)."""

    # ingredient -> every class code it belongs to, parents included (a cardioselective beta blocker
    # is also a beta blocker)
    ingredient_classes: Mapping[str, frozenset[str]] = field(default_factory=dict)
    class_names: Mapping[str, str] = field(default_factory=dict)  # code -> "HMG-CoA reductase inhibitors (statins)"
    class_kinds: Mapping[str, str] = field(default_factory=dict)  # code -> 'therapeutic' | 'allergy' | 'epc'
    interactions: tuple[InteractionRule, ...] = ()
    dose_limits: tuple[DoseLimit, ...] = ()
    disease_rules: tuple[DiseaseRule, ...] = ()
    pregnancy_rules: tuple[PregnancyRule, ...] = ()
    age_rules: tuple[AgeRule, ...] = ()
    sex_rules: tuple[SexRule, ...] = ()
    allergy_cross: tuple[AllergyCross, ...] = ()
    # allergen words a person may type -> what they mean ("pcn" -> class penicillins, "sulfa" -> ...)
    allergen_terms: Mapping[str, tuple[Subject, ...]] = field(default_factory=dict)
    # brand names found in the catalog for the patient's allergy texts -> their ingredients
    # ("zoloft" -> {"sertraline"}): filled by the repository from drug_products, never a hard-coded list
    brand_ingredients: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # every ingredient and class name the knowledge and catalog know, lower case: the "did you mean"
    # vocabulary for misspelled allergens ("penicilin" -> "penicillin")
    vocabulary: frozenset[str] = frozenset()
    # plain-language condition names -> ICD-10-CM prefix ("asthma" -> "J45", "heart failure" -> "I50")
    condition_terms: Mapping[str, str] = field(default_factory=dict)
    # True when no knowledge source has been loaded at all: the checks that need it say they could
    # not decide (a warning), they never pass silently
    empty: bool = False

    def classes_of(self, ingredients: frozenset[str]) -> frozenset[str]:
        out: set[str] = set()
        for ingredient in ingredients:
            out |= self.ingredient_classes.get(ingredient, frozenset())
        return frozenset(out)

    def class_name(self, code: str) -> str:
        return self.class_names.get(code, code.removeprefix("epc:"))
