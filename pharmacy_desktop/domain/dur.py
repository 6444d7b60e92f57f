"""Drug utilization review (OBRA '90) over plain data: the clinical-review checks.

A service gathers the facts into a ``DurContext`` and calls ``run_dur``. Every check returns a
list of ``DurFinding`` with at least one entry (a single ``passed`` finding when nothing is wrong),
so each check always leaves a ``prescription_validations`` row, and every alert is its own row the
pharmacist acknowledges. A ``failed`` finding blocks approval until a pharmacist overrides it with
a reason and the NCPDP codes (``domain/ncpdp_dur.py``); a ``warning`` must be acknowledged.
``details`` holds JSON-ready values only.

The clinical facts come from ``DurContext.knowledge`` (``ClinicalKnowledge``: classes,
interactions, dose limits, disease/pregnancy/age/sex rules, allergen terms), never from tables in
code. The checks live by topic: allergy (``dur_allergy``), interactions and duplication
(``dur_drugs``), dose (``dur_dose``), disease, pregnancy, lactation, age and sex (``dur_patient``),
prescriber (``dur_prescriber``), early refill and controlled substances (here). A check that cannot
decide (no knowledge, no patient facts, unknown strength, a SIG not understood, a child without a
weight) warns with ``details["undecided"]``; it never passes.

Severity vocabulary (``drug_interactions.severity``): contraindicated > serious > significant >
minor; ``none`` on passed findings.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from .clinical_knowledge import ClinicalKnowledge  # noqa: F401 - re-exported
from .dur_allergy import Allergen, allergen_classes, check_allergies, resolve_allergen  # noqa: F401 - re-exported
from .dur_dose import check_dose, mg_per_unit  # noqa: F401 - re-exported
from .dur_drugs import check_duplication, check_interactions  # noqa: F401 - re-exported
from .dur_facts import (  # noqa: F401 - re-exported: callers use dur.<name>
    ACKNOWLEDGE_ONLY_SEVERITIES,
    EARLY_REFILL_THRESHOLD,
    FAILED,
    MAX_DAYS_SUPPLY,
    PASSED,
    SEVERITY_ORDER,
    WARNING,
    ActiveMedication,
    Allergy,
    Check,
    Condition,
    DrugFacts,
    DurContext,
    DurFinding,
    IngredientStrength,
    InteractionRule,
    NewItem,
    PatientFacts,
    Prescriber,
    PreviousFill,
    Status,
    normalize_ingredient,
    passed_finding,
    split_ingredients,
)
from .dur_patient import check_age, check_disease, check_lactation, check_pregnancy, check_sex
from .dur_prescriber import check_prescriber
from .interaction_rules import WELL_KNOWN_INTERACTIONS, interaction_rules_for  # noqa: F401 - re-exported
from .schedules import Schedule, max_refills, refill_problem

_passed = passed_finding


# ---------------------------------------------------------------------------------------------
# Early refill


def refill_due_date(last_fill: date, days_supply: int, threshold: Decimal = EARLY_REFILL_THRESHOLD) -> date:
    """First day a refill is not early: once ``threshold`` of the days supply has elapsed."""
    # 75% of 30 days is 22.5: the refill is due on day 23, not day 22.
    return last_fill + timedelta(days=math.ceil(Decimal(days_supply) * threshold))


def _previous(ctx: DurContext) -> tuple[date, int, str | None] | None:
    if ctx.previous_fill is not None:
        return ctx.previous_fill.fill_date, ctx.previous_fill.days_supply, None
    # A new prescription for a drug the patient already has on hand counts too.
    fills: list[tuple[date, int, str | None]] = [
        (m.last_fill_date, m.days_supply, m.rx_number)
        for m in ctx.active_medications
        if m.drug.ingredient_keys == ctx.item.drug.ingredient_keys and m.last_fill_date is not None and m.days_supply
    ]
    return max(fills, key=lambda f: refill_due_date(f[0], f[1]), default=None)


def check_early_refill(ctx: DurContext) -> list[DurFinding]:
    """Refill before 75% of the previous days supply has elapsed."""
    previous = _previous(ctx)
    if previous is None:
        return _passed(Check.EARLY_REFILL, "No previous fill of this drug.")
    last_fill, days_supply, rx_number = previous
    due = refill_due_date(last_fill, days_supply)
    elapsed = (ctx.today - last_fill).days
    details = {
        "last_fill_date": last_fill.isoformat(),
        "previous_days_supply": days_supply,
        "days_elapsed": elapsed,
        "due_date": due.isoformat(),
        "previous_rx_number": rx_number,
    }
    if ctx.today < due:
        used = round(Decimal(max(elapsed, 0)) * 100 / days_supply)
        source = f" (Rx {rx_number})" if rx_number else ""
        controlled = ctx.item.drug.schedule is not Schedule.NONE
        # A controlled substance (Schedule II-V) refilled early is a hard stop: a pharmacist must
        # override it with the NCPDP codes and a note.
        status, severity = (FAILED, "serious") if controlled else (WARNING, "significant")
        label = f" of a {ctx.item.drug.schedule.display} drug" if controlled else ""
        return [
            DurFinding(
                Check.EARLY_REFILL,
                status,
                severity,
                f"Early refill{label}: last filled {last_fill.isoformat()}{source} "
                f"for {days_supply} days; {elapsed} days elapsed ({used}%). "
                f"Due on {due.isoformat()}.",
                {**details, "controlled": controlled},
            )
        ]
    return _passed(Check.EARLY_REFILL, f"Not early: due since {due.isoformat()}.", **details)


# ---------------------------------------------------------------------------------------------
# Controlled substances


def check_controlled(ctx: DurContext) -> list[DurFinding]:
    """DEA number present; refill limits; written-date window (DEA validity: ``check_prescriber``)."""
    item, prescriber = ctx.item, ctx.prescriber
    schedule = item.drug.schedule
    if schedule is Schedule.NONE:
        return _passed(Check.CONTROLLED, "Not a controlled substance.")
    label = schedule.display
    base = {"schedule": label, "dea": prescriber.dea, "refills_authorized": item.refills_authorized}
    problems: list[tuple[str, str]] = []
    # The validity of a DEA number (format, registrant type, surname) is the prescriber check's.
    if not (prescriber.dea or "").strip():
        problems.append(("dea_missing", f"A prescriber DEA number is required for {label} drugs."))
    limit = max_refills(schedule)
    if limit is not None and item.refills_authorized > limit:
        text = (
            f"{label} prescriptions cannot have refills ({item.refills_authorized} written)."
            if limit == 0
            else f"{label} prescriptions allow at most {limit} refills ({item.refills_authorized} written)."
        )
        problems.append(("too_many_refills", text))
    if item.written_date > ctx.today:
        problems.append(("postdated", f"Written date {item.written_date.isoformat()} is in the future."))
    else:
        window = refill_problem(schedule, item.written_date, ctx.today)
        if window:
            problems.append(("expired", window))
    if not problems:
        return _passed(Check.CONTROLLED, f"{label}: DEA number present, refill limits and dates are valid.", **base)
    return [DurFinding(Check.CONTROLLED, FAILED, "serious", text, {**base, "rule": rule}) for rule, text in problems]


# ---------------------------------------------------------------------------------------------
# Running them all

CHECKS = (
    check_allergies,
    check_interactions,
    check_duplication,
    check_dose,
    check_disease,
    check_pregnancy,
    check_lactation,
    check_age,
    check_sex,
    check_early_refill,
    check_controlled,
    check_prescriber,
)


def run_dur(ctx: DurContext) -> list[DurFinding]:
    """Every check, most serious first within the original check order."""
    findings = [finding for check in CHECKS for finding in check(ctx)]
    rank = {"failed": 0, "warning": 1, "passed": 2}
    return sorted(findings, key=lambda f: rank[f.status])


def blocking(findings: Iterable[DurFinding]) -> list[DurFinding]:
    """The findings that block approval until a pharmacist overrides them."""
    return [f for f in findings if f.blocks_approval]


# ---------------------------------------------------------------------------------------------
# Output vocabulary (``dur check`` and the review screen)

_CATEGORY = {Check.ALLERGY: "drug_allergy", Check.DOSE: "dose_range"}


def category_of(check: str) -> str:
    """The alert category of a check: "allergy_check" -> "drug_allergy", "dose_check" -> "dose_range"."""
    return _CATEGORY.get(check, check)


def output_severity(finding: DurFinding) -> str:
    """hard_stop (failed), warning, info (a minor warning) or passed."""
    if finding.status == FAILED:
        return "hard_stop"
    if finding.status == WARNING:
        return "info" if finding.severity == "minor" else "warning"
    return PASSED
