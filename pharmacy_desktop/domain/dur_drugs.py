"""Drug against drug: interactions and therapeutic duplication, by ingredient and by class.

Interaction rules come from clinical knowledge (ingredient or class on either side: "opioid" with
"benzodiazepine", "warfarin" with "nsaid") and from the legacy ingredient pairs of
``drug_interactions`` (``DurContext.interaction_rules``). Each interacting medication gives one
finding, with its most severe rule (the others are listed in ``details``). Duplication: a shared
ingredient, or a shared class of kind 'therapeutic' (statins, beta blockers), not the broad FDA
EPC text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .clinical_knowledge import ClinicalKnowledge, InteractionRule
from .dur_facts import (
    SEVERITY_ORDER,
    WARNING,
    ActiveMedication,
    Check,
    DrugFacts,
    DurContext,
    DurFinding,
    normalize_ingredient,
    passed_finding,
)
from .dur_rules import drug_class_codes, no_knowledge, status_for, subject_text


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


@dataclass(frozen=True)
class _Match:
    a: str  # what matched on the new drug's side
    b: str  # on the other drug's side
    severity: str
    description: str
    management: str
    source: str
    rule_a: str  # the rule's own sides, in its order
    rule_b: str
    class_sides: int = 0  # 0: ingredient with ingredient (the most specific rule)


def _rank(match: _Match) -> tuple[int, int]:
    # unknown severity: most severe; at equal severity the most specific rule speaks
    severity = SEVERITY_ORDER.index(match.severity) if match.severity in SEVERITY_ORDER else -1
    return severity, match.class_sides


def _rules_of(new: DrugFacts, knowledge: ClinicalKnowledge) -> list[InteractionRule]:
    """The rules with a side that may be the new drug: one pass over the knowledge per run."""
    codes = new.name_keys | drug_class_codes(new, knowledge)
    return [r for r in knowledge.interactions if r.a.code in codes or r.b.code in codes]


def _matches(new: DrugFacts, other: DrugFacts, ctx: DurContext, rules: list[InteractionRule]) -> list[_Match]:
    knowledge = ctx.knowledge
    new_keys, other_keys = new.name_keys, other.name_keys
    new_classes, other_classes = drug_class_codes(new, knowledge), drug_class_codes(other, knowledge)
    found: dict[tuple[str, str], _Match] = {}
    for rule in rules:
        for mine, theirs in ((rule.a, rule.b), (rule.b, rule.a)):
            if mine.matches(new_keys, new_classes) and theirs.matches(other_keys, other_classes):
                key = (mine.code, theirs.code)
                found.setdefault(
                    key,
                    _Match(
                        subject_text(mine, knowledge),
                        subject_text(theirs, knowledge),
                        rule.severity.strip().lower(),
                        rule.mechanism,
                        rule.management,
                        rule.source,
                        subject_text(rule.a, knowledge),
                        subject_text(rule.b, knowledge),
                        (rule.a.kind == "class") + (rule.b.kind == "class"),
                    ),
                )
                break
    for legacy in ctx.interaction_rules:
        a, b = normalize_ingredient(legacy.generic_a), normalize_ingredient(legacy.generic_b)
        for first, second in ((a, b), (b, a)):
            if first in new_keys and second in other_keys:
                found.setdefault(
                    (first, second),
                    _Match(
                        first,
                        second,
                        legacy.severity.strip().lower(),
                        legacy.description,
                        legacy.management,
                        "",
                        legacy.generic_a,
                        legacy.generic_b,
                    ),
                )
                break
    return sorted(found.values(), key=_rank)


def _interaction(new: DrugFacts, med: ActiveMedication, matches: list[_Match]) -> DurFinding:
    top = matches[0]
    details: dict[str, Any] = {
        "drug": new.display_name,
        "interacting_drug": med.drug.display_name,
        "interacting_rx_number": med.rx_number,
        "generic_a": top.rule_a,
        "generic_b": top.rule_b,
        "drug_side": top.a,
        "other_side": top.b,
        "description": top.description,
        "management": top.management,
        "source": top.source,
        "other_rules": [f"{m.severity}: {m.a} with {m.b}" for m in matches[1:]],
    }
    management = f" {top.management}" if top.management else ""
    return DurFinding(
        Check.INTERACTION,
        status_for(top.severity),
        top.severity,
        f"{top.severity.capitalize()} interaction: {new.display_name} with {med.drug.display_name} "
        f"(Rx {med.rx_number}). {top.description}{management}",
        details,
    )


def check_interactions(ctx: DurContext) -> list[DurFinding]:
    """The new drug against each active medication: ingredient and class rules, either order."""
    new = ctx.item.drug
    findings: list[DurFinding] = []
    rules = _rules_of(new, ctx.knowledge)
    for med in ctx.active_medications:
        matches = _matches(new, med.drug, ctx, rules)
        if matches:
            findings.append(_interaction(new, med, matches))
    count = len(ctx.active_medications)
    if ctx.knowledge.empty and count:
        return findings + no_knowledge(Check.INTERACTION, f"interactions with {_plural(count, 'active medication')}")
    if findings:
        return findings
    return passed_finding(
        Check.INTERACTION, f"No interactions with {_plural(count, 'active medication')}.", active_medications=count
    )


def _therapeutic(codes: frozenset[str], knowledge: ClinicalKnowledge) -> frozenset[str]:
    return frozenset(c for c in codes if knowledge.class_kinds.get(c) == "therapeutic")


def _most_specific(shared: list[str], knowledge: ClinicalKnowledge) -> str:
    size = {c: sum(c in classes for classes in knowledge.ingredient_classes.values()) for c in shared}
    return min(shared, key=lambda c: (size[c], c))


def check_duplication(ctx: DurContext) -> list[DurFinding]:
    """Same ingredient, or same therapeutic class, already active."""
    drug, knowledge = ctx.item.drug, ctx.knowledge
    own = _therapeutic(drug_class_codes(drug, knowledge), knowledge)
    findings: list[DurFinding] = []
    for med in ctx.active_medications:
        same = sorted(drug.ingredient_keys & med.drug.ingredient_keys)
        details = {"other_rx_number": med.rx_number, "other_drug": med.drug.display_name}
        if same:
            findings.append(
                DurFinding(
                    Check.DUPLICATION,
                    WARNING,
                    "significant",
                    f"Duplicate ingredient: {', '.join(same)} is also in active Rx {med.rx_number} "
                    f"({med.drug.display_name}).",
                    {**details, "match": "ingredient", "ingredients": same},
                )
            )
            continue
        shared = sorted(own & _therapeutic(drug_class_codes(med.drug, knowledge), knowledge))
        if shared:
            name = knowledge.class_name(_most_specific(shared, knowledge))
            findings.append(
                DurFinding(
                    Check.DUPLICATION,
                    WARNING,
                    "significant",
                    f"Therapeutic duplication: {drug.display_name} and active Rx {med.rx_number} "
                    f"({med.drug.display_name}) are both {name}.",
                    {**details, "match": "therapeutic_class", "class": name, "classes": shared},
                )
            )
    if knowledge.empty and ctx.active_medications:
        return findings + no_knowledge(Check.DUPLICATION, "therapeutic classes")
    return findings or passed_finding(Check.DUPLICATION, "No duplicate therapy among active medications.")
