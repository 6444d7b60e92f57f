"""Patient checks: drug-disease, pregnancy, lactation, age (Beers 65+, pediatric) and sex.

Each reads the patient's facts (``DurContext.patient``) and the rules of clinical knowledge whose
subject is one of the drug's ingredients or classes. A rule's severity decides the status
(contraindicated/serious block; significant/minor are acknowledged). When the knowledge is not
loaded, the patient facts were not gathered, or the fact a rule needs is unknown (age, sex,
pregnancy status of a woman of child-bearing age), the check warns that it could not decide.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Protocol

from .clinical_knowledge import ClinicalKnowledge, Subject
from .dur_facts import SEVERITY_ORDER, Check, Condition, DurContext, DurFinding, PatientFacts, passed_finding
from .dur_rules import drug_class_codes, no_knowledge, status_for, undecided

CHILDBEARING_AGE = (Decimal(12), Decimal(55))


class _Rule(Protocol):
    @property
    def subject(self) -> Subject: ...
    @property
    def severity(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def source(self) -> str: ...


def _rank(rule: _Rule) -> int:
    severity = rule.severity.strip().lower()
    return SEVERITY_ORDER.index(severity) if severity in SEVERITY_ORDER else -1  # unknown: most severe


def _applicable(rules: Sequence[Any], ctx: DurContext) -> list[Any]:
    """The rules about the drug (an ingredient or one of its classes), most severe first: when an
    ingredient rule and a class rule say the same thing, the finding shows the stronger one."""
    drug = ctx.item.drug
    classes = drug_class_codes(drug, ctx.knowledge)
    return sorted((r for r in rules if r.subject.matches(drug.name_keys, classes)), key=_rank)


def _finding(check: str, rule: _Rule, message: str, knowledge: ClinicalKnowledge, **details: Any) -> DurFinding:
    severity = rule.severity.strip().lower()
    subject = rule.subject.code if rule.subject.kind == "ingredient" else knowledge.class_name(rule.subject.code)
    return DurFinding(
        check,
        status_for(severity),
        severity,
        f"{message} {rule.message} ({rule.source})",
        {"subject": subject, "source": rule.source, **details},
    )


def _precheck(check: str, ctx: DurContext, what: str) -> tuple[list[DurFinding] | None, PatientFacts | None]:
    if ctx.knowledge.empty:
        return no_knowledge(check, what), None
    if ctx.patient is None:
        return undecided(check, f"The patient's details were not available: {what} could not be checked."), None
    return None, ctx.patient


# ---------------------------------------------------------------------------------------------
# Drug-disease


def _code(text: str) -> str:
    return text.replace(".", "").replace(" ", "").upper()


def condition_code(condition: Condition, knowledge: ClinicalKnowledge) -> str | None:
    """ICD-10-CM code of a condition: recorded, or from its plain name ("asthma" -> "J45")."""
    if condition.icd10_code and condition.icd10_code.strip():
        return condition.icd10_code.strip().upper()
    name = " ".join(condition.name.lower().split())
    if name in knowledge.condition_terms:
        return knowledge.condition_terms[name]
    if name[:1].isalpha() and name[1:3].isdigit():  # the name is itself a code: "N18.4"
        return name.upper()
    return None


def check_disease(ctx: DurContext) -> list[DurFinding]:
    """The drug against each active condition, by ICD-10-CM prefix."""
    early, patient = _precheck(Check.DRUG_DISEASE, ctx, "drug-disease contraindications")
    if early is not None or patient is None:
        return early or []
    drug, knowledge = ctx.item.drug, ctx.knowledge
    rules = _applicable(knowledge.disease_rules, ctx)
    findings: list[DurFinding] = []
    unknown: list[str] = []
    for condition in patient.conditions:
        code = condition_code(condition, knowledge)
        if code is None:
            unknown.append(condition.name)
            continue
        for rule in rules:
            if _code(code).startswith(_code(rule.icd10_prefix)):
                findings.append(
                    _finding(
                        Check.DRUG_DISEASE,
                        rule,
                        f"{drug.display_name} with {condition.name} ({code}):",
                        knowledge,
                        condition=condition.name,
                        icd10_code=code,
                        icd10_prefix=rule.icd10_prefix,
                    )
                )
                break
    if unknown and rules:
        findings += undecided(
            Check.DRUG_DISEASE,
            f"Condition(s) without an ICD-10 code the system recognises: {', '.join(unknown)}. "
            f"Check them against {drug.display_name} by hand.",
            conditions=unknown,
        )
    count = len(patient.conditions)
    return findings or passed_finding(
        Check.DRUG_DISEASE,
        f"No contraindication with {count} recorded condition{'s' if count != 1 else ''}.",
        conditions_checked=count,
    )


# ---------------------------------------------------------------------------------------------
# Pregnancy and lactation


def check_pregnancy(ctx: DurContext) -> list[DurFinding]:
    early, patient = _precheck(Check.PREGNANCY, ctx, "pregnancy risk")
    if early is not None or patient is None:
        return early or []
    rules = [r for r in _applicable(ctx.knowledge.pregnancy_rules, ctx) if r.state == "pregnancy"]
    if not rules or patient.sex == "M" or patient.pregnancy == "not_pregnant":
        return passed_finding(Check.PREGNANCY, "No pregnancy risk applies.")
    drug = ctx.item.drug
    if patient.pregnancy == "pregnant":
        return [_finding(Check.PREGNANCY, rules[0], f"Pregnant patient, {drug.display_name}:", ctx.knowledge)]
    age = patient.age_years(ctx.today)
    if patient.sex == "F" and age is not None and not (CHILDBEARING_AGE[0] <= age < CHILDBEARING_AGE[1]):
        return passed_finding(Check.PREGNANCY, "No pregnancy risk applies (age).")
    return undecided(
        Check.PREGNANCY,
        f"{drug.display_name} has a pregnancy risk and the patient's pregnancy status is not recorded: "
        f"ask and record it. {rules[0].message}",
    )


def check_lactation(ctx: DurContext) -> list[DurFinding]:
    early, patient = _precheck(Check.LACTATION, ctx, "lactation risk")
    if early is not None or patient is None:
        return early or []
    rules = [r for r in _applicable(ctx.knowledge.pregnancy_rules, ctx) if r.state == "lactation"]
    if not rules or not patient.breastfeeding:
        return passed_finding(Check.LACTATION, "No lactation risk applies.")
    drug = ctx.item.drug
    return [_finding(Check.LACTATION, rules[0], f"Breastfeeding patient, {drug.display_name}:", ctx.knowledge)]


# ---------------------------------------------------------------------------------------------
# Age and sex


def check_age(ctx: DurContext) -> list[DurFinding]:
    """Beers criteria (65+) and pediatric contraindications by the patient's age."""
    early, patient = _precheck(Check.AGE, ctx, "age-related risk")
    if early is not None or patient is None:
        return early or []
    rules = _applicable(ctx.knowledge.age_rules, ctx)
    age = patient.age_years(ctx.today)
    if not rules:
        return passed_finding(Check.AGE, "No age-related rule for this drug.")
    if age is None:
        return undecided(
            Check.AGE,
            f"The patient's date of birth is not recorded: age rules for {ctx.item.drug.display_name} could not be checked.",
        )
    hits: dict[str, Any] = {}  # criteria -> its most severe rule (Beers, pediatric ...)
    for r in rules:
        if (r.age_min_years is None or age >= r.age_min_years) and (r.age_max_years is None or age < r.age_max_years):
            hits.setdefault(r.criteria, r)
    drug = ctx.item.drug
    findings = [
        _finding(
            Check.AGE, r, f"Patient aged {age}, {drug.display_name}:", ctx.knowledge, age=str(age), criteria=r.criteria
        )
        for r in hits.values()
    ]
    return findings or passed_finding(Check.AGE, f"No age-related risk at {age}.", age=str(age))


def check_sex(ctx: DurContext) -> list[DurFinding]:
    early, patient = _precheck(Check.SEX, ctx, "sex-specific contraindications")
    if early is not None or patient is None:
        return early or []
    rules = _applicable(ctx.knowledge.sex_rules, ctx)
    if not rules:
        return passed_finding(Check.SEX, "No sex-specific rule for this drug.")
    drug = ctx.item.drug
    if patient.sex is None:
        return undecided(Check.SEX, f"The patient's sex is not recorded: {drug.display_name} has sex-specific rules.")
    hit = next((r for r in rules if r.sex == patient.sex), None)
    if hit is None:
        return passed_finding(Check.SEX, "No sex-specific contraindication.")
    sex = "Female" if hit.sex == "F" else "Male"
    return [_finding(Check.SEX, hit, f"{sex} patient, {drug.display_name}:", ctx.knowledge)]
