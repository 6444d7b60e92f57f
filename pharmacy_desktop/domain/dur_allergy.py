"""The drug-allergy check: each recorded allergen against the drug, through clinical knowledge.

An allergen text resolves to ingredients and classes: an allergen term of the knowledge ("pcn",
"sulfa"), a brand found in the catalog ("Zoloft" -> sertraline), a class code or name, or an
ingredient name; a misspelling is read as the closest known word ("penicilin" -> penicillin, said
in the finding). Then: the drug contains the ingredient -> contraindicated; the drug is in one of
the allergen's allergy classes -> serious; an ``allergy_cross`` row (penicillins -> cephalosporins,
sulfonamide antibiotics -> celecoxib) -> its own severity. A medication allergy that matches
nothing the system knows is flagged, never silently ignored. Without knowledge only the plain
ingredient match is made and the check says the rest could not be decided.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from .clinical_knowledge import ClinicalKnowledge
from .dur_facts import (
    FAILED,
    WARNING,
    Allergy,
    Check,
    DrugFacts,
    DurContext,
    DurFinding,
    normalize_ingredient,
    passed_finding,
    split_ingredients,
)
from .dur_rules import drug_class_codes, status_for, undecided

_NON_DRUG_ALLERGEN_TYPES = frozenset({"food", "environmental"})
DID_YOU_MEAN_CUTOFF = 0.8
_WORD = re.compile(r"[^\W\d_]{3,}")


@dataclass(frozen=True)
class Allergen:
    """What an allergy text means: ingredients and class codes (empty: not recognised)."""

    text: str
    ingredients: frozenset[str]
    classes: frozenset[str]
    read_as: str | None = None  # the known word(s) the text was read as
    guessed: bool = False  # read_as is the closest known word to a misspelling ("did you mean")

    @property
    def recognised(self) -> bool:
        return bool(self.ingredients or self.classes)


def _class_by_name(knowledge: ClinicalKnowledge) -> dict[str, str]:
    return {name.strip().lower(): code for code, name in knowledge.class_names.items()}


def _resolve_exact(text: str, knowledge: ClinicalKnowledge) -> tuple[set[str], set[str]]:
    lower = " ".join(text.lower().split())
    key = normalize_ingredient(text)
    ingredients: set[str] = set()
    classes: set[str] = set()
    for word in dict.fromkeys((lower, key)):
        for subject in knowledge.allergen_terms.get(word, ()):
            (ingredients if subject.kind == "ingredient" else classes).add(subject.code)
        ingredients |= knowledge.brand_ingredients.get(word, frozenset())
        if word in knowledge.class_names:
            classes.add(word)
        named = _class_by_name(knowledge).get(word)
        if named:
            classes.add(named)
    if not (ingredients or classes):
        parts = split_ingredients(text)
        known = [p for p in parts if p in knowledge.ingredient_classes or p in knowledge.vocabulary]
        if known and len(known) == len(parts):
            ingredients |= set(known)
    return ingredients, classes


def _allergy_classes_of(ingredients: set[str], knowledge: ClinicalKnowledge) -> set[str]:
    # An allergy to an ingredient extends to its therapeutic classes (amoxicillin -> penicillins,
    # aspirin -> NSAIDs), not to the broad allergy groupings above them (beta-lactams: penicillins
    # and cephalosporins cross-react only partly, which allergy_cross says) nor to FDA EPC text.
    return {c for c in knowledge.classes_of(frozenset(ingredients)) if knowledge.class_kinds.get(c) == "therapeutic"}


def _candidates(word: str, knowledge: ClinicalKnowledge) -> list[str]:
    """Known words that could pass the "did you mean" cutoff: same first letter (a misspelling
    keeps it: "penicilin", "amoxicilin") and a length difflib's ratio allows (ratio = 2M/(a+b), so
    the shorter is at least cutoff/(2-cutoff) of the longer). Keeps the look-up fast with a
    vocabulary of the whole catalog."""
    if not word:
        return []
    floor = DID_YOU_MEAN_CUTOFF / (2 - DID_YOU_MEAN_CUTOFF)
    first, size = word[0], len(word)
    words = (
        set(knowledge.vocabulary)
        | set(knowledge.allergen_terms)
        | set(knowledge.brand_ingredients)
        | set(knowledge.ingredient_classes)
        | set(_class_by_name(knowledge))
    )
    return sorted(w for w in words if w[:1] == first and min(len(w), size) >= floor * max(len(w), size))


def resolve_allergen(text: str, knowledge: ClinicalKnowledge) -> Allergen:
    """The ingredients and classes an allergy text names, reading a misspelling as the closest word."""
    ingredients, classes = _resolve_exact(text, knowledge)
    read_as = None
    if not (ingredients or classes):  # "Sulfa drugs - rash", "PCN allergy": the known words in it
        known = []
        for word in dict.fromkeys(_WORD.findall(text.lower())):
            found = _resolve_exact(word, knowledge)
            if found[0] or found[1]:
                known.append(word)
                ingredients |= found[0]
                classes |= found[1]
        read_as = ", ".join(known) or None
    if not (ingredients or classes):
        word = " ".join(text.lower().split())
        close = difflib.get_close_matches(word, _candidates(word, knowledge), n=1, cutoff=DID_YOU_MEAN_CUTOFF)
        if close:
            read_as = close[0]
            ingredients, classes = _resolve_exact(read_as, knowledge)
            classes |= _allergy_classes_of(ingredients, knowledge)
            return Allergen(text, frozenset(ingredients), frozenset(classes), read_as, guessed=True)
    classes |= _allergy_classes_of(ingredients, knowledge)
    return Allergen(text, frozenset(ingredients), frozenset(classes), read_as)


def allergen_classes(allergen: str, knowledge: ClinicalKnowledge) -> frozenset[str]:
    """Class codes an allergen names or belongs to ("PCN" -> {"penicillin"})."""
    return resolve_allergen(allergen, knowledge).classes


def _brand_matches(allergen: str, brand: str | None) -> bool:
    if not brand:
        return False
    allergen_key, brand_key = normalize_ingredient(allergen), normalize_ingredient(brand)
    return bool(allergen_key) and (brand_key == allergen_key or brand_key.startswith(allergen_key + " "))


def _details(allergy: Allergy, **extra: Any) -> dict[str, Any]:
    return {
        "allergen": allergy.allergen_name,
        "allergy_severity": allergy.severity,
        "reaction": allergy.reaction,
        **extra,
    }


def _note(allergy: Allergy) -> str:
    parts = [p for p in (allergy.severity, allergy.reaction) if p]
    return f" (recorded: {', '.join(parts)})" if parts else ""


def _read_as(allergen: Allergen) -> str:
    if not allergen.read_as:
        return ""
    return f" ('{allergen.text}' read as '{allergen.read_as}': correct the allergy record)"


def _one_allergy(allergy: Allergy, drug: DrugFacts, knowledge: ClinicalKnowledge) -> DurFinding | None:
    note = _note(allergy)
    allergen = resolve_allergen(allergy.allergen_name, knowledge)
    direct = sorted((allergen.ingredients | {normalize_ingredient(allergy.allergen_name)}) & drug.name_keys)
    if direct or _brand_matches(allergy.allergen_name, drug.brand_name):
        return DurFinding(
            Check.ALLERGY,
            FAILED,
            "contraindicated",
            f"Allergy: patient is allergic to {allergy.allergen_name}{note}{_read_as(allergen)}; "
            f"{drug.display_name} contains it.",
            _details(allergy, match="ingredient", ingredients=direct, read_as=allergen.read_as),
        )
    drug_classes = drug_class_codes(drug, knowledge)
    shared = sorted(allergen.classes & drug_classes)
    if shared:
        names = ", ".join(knowledge.class_name(c) for c in shared)
        return DurFinding(
            Check.ALLERGY,
            FAILED,
            "serious",
            f"Allergy: patient is allergic to {allergy.allergen_name}{note}{_read_as(allergen)}; "
            f"{drug.display_name} is in the same class ({names}).",
            _details(allergy, match="class", classes=shared, read_as=allergen.read_as),
        )
    for cross in knowledge.allergy_cross:
        if cross.allergy_class in allergen.classes and cross.subject.matches(drug.name_keys, drug_classes):
            severity = cross.severity.strip().lower()
            return DurFinding(
                Check.ALLERGY,
                status_for(severity),
                severity,
                f"Possible cross-sensitivity: patient is allergic to {allergy.allergen_name}{note}"
                f"{_read_as(allergen)} ({knowledge.class_name(cross.allergy_class)}); {drug.display_name}: "
                f"{cross.message} Check the reaction history before dispensing.",
                _details(
                    allergy,
                    match="cross_sensitivity",
                    allergy_class=cross.allergy_class,
                    source=cross.source,
                    read_as=allergen.read_as,
                ),
            )
    if allergen.guessed:
        return DurFinding(
            Check.ALLERGY,
            WARNING,
            "minor",
            f"Allergy '{allergy.allergen_name}' is not a known drug name; did you mean "
            f"'{allergen.read_as}'? No conflict with {drug.display_name} as read. Correct the allergy record.",
            _details(allergy, match="did_you_mean", read_as=allergen.read_as),
        )
    if not allergen.recognised:
        return DurFinding(
            Check.ALLERGY,
            WARNING,
            "significant",
            f"Allergy '{allergy.allergen_name}' matches no drug, class or brand the system knows: "
            f"check it against {drug.display_name} by hand and correct the allergy record.",
            _details(allergy, match="unrecognised"),
        )
    return None


def check_allergies(ctx: DurContext) -> list[DurFinding]:
    """Each medication allergy against the drug's ingredients, brand, classes and cross-sensitivity."""
    drug, knowledge = ctx.item.drug, ctx.knowledge
    medication_allergies = [a for a in ctx.allergies if (a.allergen_type or "").lower() not in _NON_DRUG_ALLERGEN_TYPES]
    if knowledge.empty and medication_allergies:
        direct = [
            a
            for a in medication_allergies
            if normalize_ingredient(a.allergen_name) in drug.name_keys
            or _brand_matches(a.allergen_name, drug.brand_name)
        ]
        findings = [f for a in direct if (f := _one_allergy(a, drug, knowledge)) is not None]
        return findings + undecided(
            Check.ALLERGY,
            "No clinical knowledge is loaded: allergy classes, brands and cross-sensitivity could not be "
            f"checked for {drug.display_name}. Check the patient's allergies by hand.",
        )
    findings = [f for a in medication_allergies if (f := _one_allergy(a, drug, knowledge)) is not None]
    if findings:
        return findings
    count = len(medication_allergies)
    noun = "recorded drug allergy" if count == 1 else "recorded drug allergies"
    message = f"No conflict with {count} {noun}." if count else "No drug allergies on file."
    return passed_finding(Check.ALLERGY, message, allergies_checked=count)
