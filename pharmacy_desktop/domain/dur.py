"""Drug utilization review (OBRA '90) over plain data: the clinical-review checks.

A service gathers the facts into a ``DurContext`` and calls ``run_dur``. Every check returns a
list of ``DurFinding`` with at least one entry (a single ``passed`` finding when nothing is wrong),
so each check always leaves a ``prescription_validations`` row, and every alert is its own row the
pharmacist acknowledges. A ``failed`` finding blocks approval until a pharmacist overrides it with
a reason; a ``warning`` must be acknowledged. ``details`` holds JSON-ready values only.

Severity vocabulary (``drug_interactions.severity``): contraindicated > serious > significant >
minor; ``none`` on passed findings.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from .dur_allergy import (  # noqa: F401 - re-exported: callers use dur.<name>
    ALLERGEN_BRANDS,
    ALLERGY_CLASSES,
    CROSS_SENSITIVITY,
    AllergyClass,
    allergen_classes,
    check_allergies,
    drug_classes,
)
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
    DrugFacts,
    DurContext,
    DurFinding,
    InteractionRule,
    NewItem,
    Prescriber,
    PreviousFill,
    Status,
    normalize_ingredient,
    passed_finding,
    split_ingredients,
)
from .identifiers import dea_problem, prescriber_last_name
from .interaction_rules import WELL_KNOWN_INTERACTIONS, interaction_rules_for  # noqa: F401 - re-exported
from .schedules import Schedule, max_refills, refill_problem
from .sig import analyze_sig

_passed = passed_finding


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# ---------------------------------------------------------------------------------------------
# Drug-drug interactions


def check_interactions(ctx: DurContext) -> list[DurFinding]:
    """New drug against each active medication, generic level, any ingredient, either order."""
    new = ctx.item.drug
    new_keys = new.name_keys
    findings: list[DurFinding] = []
    for med in ctx.active_medications:
        other_keys = med.drug.name_keys
        seen: set[tuple[str, str]] = set()
        for rule in ctx.interaction_rules:
            a, b = normalize_ingredient(rule.generic_a), normalize_ingredient(rule.generic_b)
            if not ((a in new_keys and b in other_keys) or (b in new_keys and a in other_keys)):
                continue
            pair = (min(a, b), max(a, b))
            if pair in seen:
                continue
            seen.add(pair)
            severity = rule.severity.strip().lower()
            status = WARNING if severity in ACKNOWLEDGE_ONLY_SEVERITIES else FAILED
            findings.append(
                DurFinding(
                    Check.INTERACTION,
                    status,
                    severity,
                    f"{severity.capitalize()} interaction: {new.display_name} with "
                    f"{med.drug.display_name} (Rx {med.rx_number}). {rule.description}",
                    {
                        "drug": new.display_name,
                        "interacting_drug": med.drug.display_name,
                        "interacting_rx_number": med.rx_number,
                        "generic_a": rule.generic_a,
                        "generic_b": rule.generic_b,
                        "description": rule.description,
                        "management": rule.management,
                    },
                )
            )
    if findings:
        return findings
    count = len(ctx.active_medications)
    return _passed(
        Check.INTERACTION,
        f"No interactions with {_plural(count, 'active medication')}.",
        active_medications=count,
    )


# ---------------------------------------------------------------------------------------------
# Therapeutic duplication


def check_duplication(ctx: DurContext) -> list[DurFinding]:
    """Same ingredient, or same therapeutic class, already active."""
    drug = ctx.item.drug
    own_class = (drug.therapeutic_class or "").strip().lower()
    findings: list[DurFinding] = []
    for med in ctx.active_medications:
        shared = sorted(drug.ingredient_keys & med.drug.ingredient_keys)
        details = {"other_rx_number": med.rx_number, "other_drug": med.drug.display_name}
        if shared:
            findings.append(
                DurFinding(
                    Check.DUPLICATION,
                    WARNING,
                    "significant",
                    f"Duplicate ingredient: {', '.join(shared)} is also in active Rx "
                    f"{med.rx_number} ({med.drug.display_name}).",
                    {**details, "match": "ingredient", "ingredients": shared},
                )
            )
        elif own_class and own_class == (med.drug.therapeutic_class or "").strip().lower():
            findings.append(
                DurFinding(
                    Check.DUPLICATION,
                    WARNING,
                    "significant",
                    f"Therapeutic duplication: {drug.display_name} and active Rx {med.rx_number} "
                    f"({med.drug.display_name}) are both {drug.therapeutic_class}.",
                    {**details, "match": "therapeutic_class", "class": drug.therapeutic_class},
                )
            )
    return findings or _passed(Check.DUPLICATION, "No duplicate therapy among active medications.")


# ---------------------------------------------------------------------------------------------
# Dose / duration sanity


def _num(value: Decimal) -> str:
    return str(int(value)) if value == value.to_integral() else format(value.normalize(), "f")


def check_dose(ctx: DurContext) -> list[DurFinding]:
    """Quantity and days supply against the daily amount the SIG allows."""
    item = ctx.item
    days, quantity = item.days_supply, item.quantity
    facts = {"quantity": str(quantity), "days_supply": days, "sig": item.sig}
    if days <= 0 or days > MAX_DAYS_SUPPLY:
        return [
            DurFinding(
                Check.DOSE,
                FAILED,
                "serious",
                f"Days supply {days} is not plausible (must be 1 to {MAX_DAYS_SUPPLY}).",
                facts,
            )
        ]
    if quantity <= 0:
        return [DurFinding(Check.DOSE, FAILED, "serious", f"Quantity {quantity} must be above 0.", facts)]
    sig = analyze_sig(item.sig)
    if sig.unknown:
        return [
            DurFinding(
                Check.DOSE,
                WARNING,
                "minor",
                f"SIG has unrecognised codes ({' '.join(sig.unknown)}); check the directions and the quantity by hand.",
                {**facts, "unknown_tokens": list(sig.unknown)},
            )
        ]
    if sig.daily_max is None or sig.daily_min is None or sig.daily_max <= 0:
        return _passed(Check.DOSE, "No daily amount in the SIG to compare with the quantity.", **facts)
    tolerance = max(Decimal(1), Decimal(days) / 10)
    shortest = quantity / sig.daily_max
    longest = quantity / sig.daily_min if sig.daily_min > 0 else None
    rate = (
        _num(sig.daily_max) if sig.daily_min == sig.daily_max else (f"{_num(sig.daily_min)} to {_num(sig.daily_max)}")
    )
    facts |= {
        "daily_min": str(sig.daily_min),
        "daily_max": str(sig.daily_max),
        "daily_unit": sig.daily_unit,
        "days_at_max": str(round(shortest, 1)),
    }
    if days < shortest - tolerance:
        return [
            DurFinding(
                Check.DOSE,
                WARNING,
                "significant",
                f"Quantity {_num(quantity)} lasts at least {_num(round(shortest, 1))} days "
                f"at up to {_num(sig.daily_max)} {sig.unit_for(sig.daily_max)} a day, "
                f"but the days supply is {days}.",
                facts,
            )
        ]
    if longest is not None and days > longest + tolerance:
        return [
            DurFinding(
                Check.DOSE,
                WARNING,
                "significant",
                f"Quantity {_num(quantity)} lasts only {_num(round(longest, 1))} days at "
                f"{_num(sig.daily_min)} {sig.unit_for(sig.daily_min)} a day, "
                f"but the days supply is {days}.",
                facts,
            )
        ]
    return _passed(
        Check.DOSE,
        f"Quantity {_num(quantity)} fits {days} days at {rate} {sig.unit_for(sig.daily_max)} a day.",
        **facts,
    )


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
        return [
            DurFinding(
                Check.EARLY_REFILL,
                WARNING,
                "significant",
                f"Early refill: last filled {last_fill.isoformat()}{source} "
                f"for {days_supply} days; {elapsed} days elapsed ({used}%). "
                f"Due on {due.isoformat()}.",
                details,
            )
        ]
    return _passed(Check.EARLY_REFILL, f"Not early: due since {due.isoformat()}.", **details)


# ---------------------------------------------------------------------------------------------
# Controlled substances


def check_controlled(ctx: DurContext) -> list[DurFinding]:
    """DEA number present and valid; refill limits; written-date window."""
    item, prescriber = ctx.item, ctx.prescriber
    schedule = item.drug.schedule
    if schedule is Schedule.NONE:
        return _passed(Check.CONTROLLED, "Not a controlled substance.")
    label = schedule.display
    base = {"schedule": label, "dea": prescriber.dea, "refills_authorized": item.refills_authorized}
    problems: list[tuple[str, str]] = []
    last_name = prescriber.last_name or prescriber_last_name(prescriber.name)
    if not (prescriber.dea or "").strip():
        problems.append(("dea_missing", f"A prescriber DEA number is required for {label} drugs."))
    else:
        dea_issue = dea_problem(prescriber.dea, last_name)
        if dea_issue:
            problems.append(("dea_invalid", dea_issue))
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
        return _passed(Check.CONTROLLED, f"{label}: DEA number and refill limits are valid.", **base)
    return [DurFinding(Check.CONTROLLED, FAILED, "serious", text, {**base, "rule": rule}) for rule, text in problems]


# ---------------------------------------------------------------------------------------------
# Running them all

CHECKS = (
    check_allergies,
    check_interactions,
    check_duplication,
    check_dose,
    check_early_refill,
    check_controlled,
)


def run_dur(ctx: DurContext) -> list[DurFinding]:
    """Every check, most serious first within the original check order."""
    findings = [finding for check in CHECKS for finding in check(ctx)]
    rank = {"failed": 0, "warning": 1, "passed": 2}
    return sorted(findings, key=lambda f: rank[f.status])


def blocking(findings: Iterable[DurFinding]) -> list[DurFinding]:
    """The findings that block approval until a pharmacist overrides them."""
    return [f for f in findings if f.blocks_approval]
