"""The dose check: quantity against days supply, and the dose against the ingredient's limits.

Dose range: milligrams per administration and per day come from the SIG (units per dose and per
day, ``domain.sig``) times the product's strength per unit (``DrugFacts.strengths``: "mg/1" per
tablet, "mg/5mL" per mL). They are compared with the ``DoseLimit`` rows of each ingredient for the
route, release and the patient's age band: max single and daily mg, mg/kg when the weight is known,
max weekly mg, weekly-only drugs taken more than once a week, an interval shorter than the minimum
(oxycodone ER every 4 hours). A dose passes when it satisfies one of the rows that apply (a row is
one accepted regimen). What cannot be decided (no knowledge, unknown strength, a SIG not
understood, a child without a weight) is a warning, never a pass.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from .clinical_knowledge import DoseLimit
from .dur_facts import FAILED, MAX_DAYS_SUPPLY, WARNING, Check, DurContext, DurFinding, IngredientStrength
from .dur_rules import UNDECIDED_SEVERITY
from .sig import SigAnalysis, analyze_sig

ADULT_AGE = Decimal(18)
_MASS_MG = {"mg": Decimal(1), "ug": Decimal("0.001"), "mcg": Decimal("0.001"), "g": Decimal(1000)}
_PER = re.compile(r"\s*(\d*\.?\d*)\s*([A-Za-z]*)\s*")
_EACH_UNITS = frozenset({"", "1"})


def _num(value: Decimal) -> str:
    value = round(value, 3)
    return str(int(value)) if value == value.to_integral() else format(value.normalize(), "f")


def _finding(status: str, severity: str, message: str, facts: dict[str, Any]) -> DurFinding:
    return DurFinding(Check.DOSE, status, severity, message, facts)  # type: ignore[arg-type]


def _undecided(message: str, facts: dict[str, Any]) -> DurFinding:
    """The dose could not be judged: a warning to acknowledge, never a pass."""
    return DurFinding(Check.DOSE, WARNING, UNDECIDED_SEVERITY, message, {**facts, "undecided": True})


# ---------------------------------------------------------------------------------------------
# Quantity against days supply


def _quantity_findings(ctx: DurContext, sig: SigAnalysis, facts: dict[str, Any]) -> list[DurFinding]:
    item = ctx.item
    days, quantity = item.days_supply, item.quantity
    if sig.daily_max is None or sig.daily_min is None or sig.daily_max <= 0:
        return []
    tolerance = max(Decimal(1), Decimal(days) / 10)
    shortest = quantity / sig.daily_max
    longest = quantity / sig.daily_min if sig.daily_min > 0 else None
    facts |= {
        "daily_min": str(sig.daily_min),
        "daily_max": str(sig.daily_max),
        "daily_unit": sig.daily_unit,
        "days_at_max": str(round(shortest, 1)),
    }
    if days < shortest - tolerance:
        return [
            _finding(
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
            _finding(
                WARNING,
                "significant",
                f"Quantity {_num(quantity)} lasts only {_num(round(longest, 1))} days at "
                f"{_num(sig.daily_min)} {sig.unit_for(sig.daily_min)} a day, "
                f"but the days supply is {days}.",
                facts,
            )
        ]
    return []


# ---------------------------------------------------------------------------------------------
# Dose range


def mg_per_unit(strength: IngredientStrength, dispensing_unit: str | None) -> Decimal | None:
    """Milligrams of the ingredient in one SIG unit ("mg/5mL" and mL -> amount/5), or None."""
    mass, _, per = strength.unit.partition("/")
    factor = _MASS_MG.get(mass.strip().lower())
    match = _PER.fullmatch(per)
    if factor is None or match is None:
        return None
    count = Decimal(match[1]) if match[1] and match[1] != "." else Decimal(1)
    per_unit = match[2].lower()
    if match[1] == "1" and not per_unit:
        per_unit = ""
    measured_in_ml = (dispensing_unit or "").lower() == "ml"
    if per_unit in _EACH_UNITS and not measured_in_ml and count == 1:
        return strength.amount * factor
    if per_unit == "ml" and measured_in_ml and count > 0:
        return strength.amount * factor / count
    return None


def _routes(route: str | None) -> frozenset[str]:
    """ "ORAL" -> {"oral"}; "ORAL; SUBLINGUAL" -> both; unknown -> empty (every route's limits apply)."""
    return frozenset(r.strip().lower() for r in re.split(r"[;,]", route or "") if r.strip())


def _applies(limit: DoseLimit, routes: frozenset[str], release: str, age: Decimal) -> bool:
    if limit.route != "any" and routes and limit.route not in routes:
        return False
    if release == "any":
        if limit.release not in ("any", "immediate"):
            return False
    elif limit.release not in ("any", release):
        return False
    return limit.age_min_years <= age and (limit.age_max_years is None or age < limit.age_max_years)


class _Regimen:
    """Milligrams a dose, a day (average) and a week, and doses a week, from the SIG."""

    def __init__(self, sig: SigAnalysis, per_unit: Decimal) -> None:
        daily = sig.daily_max or Decimal(0)
        dose = getattr(sig, "dose_max", None)
        self.interval: Decimal | None = getattr(sig, "min_interval_hours", None)
        self.per_week: Decimal | None = None
        self.single_mg: Decimal | None = None
        self.daily_mg = daily * per_unit
        if isinstance(dose, Decimal) and dose > 0:
            per_week = daily * 7 / dose
            nearest = per_week.to_integral()
            # the SIG's daily average is rounded to 4 places: 1 a week is 0.1429 a day
            self.per_week = nearest if abs(per_week - nearest) < Decimal("0.01") else per_week
            self.single_mg = dose * per_unit
            self.daily_mg = self.single_mg * self.per_week / 7
        self.weekly_mg = self.daily_mg * 7


def _problems(limit: DoseLimit, r: _Regimen, name: str, weight: Decimal | None) -> list[str]:
    out: list[str] = []
    if limit.weekly_only and r.per_week is not None and r.per_week > 1:
        out.append(f"{name} is taken once a week; this SIG gives it {_num(r.per_week)} times a week")
    if limit.max_weekly_mg is not None and r.weekly_mg > limit.max_weekly_mg:
        out.append(f"{name} {_num(r.weekly_mg)} mg a week is above the maximum of {_num(limit.max_weekly_mg)} mg")
    if limit.max_single_mg is not None and r.single_mg is not None and r.single_mg > limit.max_single_mg:
        out.append(f"{name} {_num(r.single_mg)} mg a dose is above the maximum of {_num(limit.max_single_mg)} mg")
    if limit.max_daily_mg is not None and r.daily_mg > limit.max_daily_mg:
        out.append(f"{name} {_num(r.daily_mg)} mg a day is above the maximum of {_num(limit.max_daily_mg)} mg")
    if weight is not None and weight > 0:
        if limit.max_single_mg_per_kg is not None and r.single_mg is not None:
            top = limit.max_single_mg_per_kg * weight
            if r.single_mg > top:
                out.append(
                    f"{name} {_num(r.single_mg)} mg a dose is above {_num(limit.max_single_mg_per_kg)} mg/kg "
                    f"({_num(top)} mg at {_num(weight)} kg)"
                )
        if limit.max_daily_mg_per_kg is not None:
            top = limit.max_daily_mg_per_kg * weight
            if r.daily_mg > top:
                out.append(
                    f"{name} {_num(r.daily_mg)} mg a day is above {_num(limit.max_daily_mg_per_kg)} mg/kg/day "
                    f"({_num(top)} mg at {_num(weight)} kg)"
                )
    if limit.min_interval_hours is not None and r.interval is not None and r.interval < limit.min_interval_hours:
        out.append(
            f"{name} every {_num(r.interval)} hours is more often than every {_num(limit.min_interval_hours)} hours"
        )
    return out


def _range_findings(ctx: DurContext, sig: SigAnalysis, facts: dict[str, Any]) -> list[DurFinding]:
    drug, knowledge, patient = ctx.item.drug, ctx.knowledge, ctx.patient
    if knowledge.empty:
        return [_undecided("No clinical knowledge is loaded: the dose range was not checked.", facts)]
    age = patient.age_years(ctx.today) if patient else None
    weight = patient.weight_kg if patient else None
    child = age is not None and age < ADULT_AGE
    routes = _routes(drug.route)
    strengths = {s.ingredient: s for s in drug.strengths}
    out: list[DurFinding] = []
    unlimited: list[str] = []
    for ingredient in sorted(drug.ingredient_keys):
        rows = [lim for lim in knowledge.dose_limits if lim.ingredient == ingredient]
        if not rows:
            unlimited.append(ingredient)
            continue
        band = [lim for lim in rows if _applies(lim, routes, drug.release, age if age is not None else ADULT_AGE)]
        details = {**facts, "ingredient": ingredient, "age": None if age is None else str(age)}
        if age is None and any(lim.age_max_years is not None and lim.age_max_years <= ADULT_AGE for lim in rows):
            out.append(
                _undecided(
                    f"The patient's age is not recorded: the adult dose limits of {ingredient} were used. "
                    "Record the date of birth.",
                    details,
                )
            )
        if not band:
            out.append(
                _undecided(
                    f"No dose limit for {ingredient} at this age, route and release: check the dose by hand.",
                    details,
                )
            )
            continue
        if child and weight is None:
            out.append(
                _undecided(
                    f"Child aged {age} without a recorded weight: the mg/kg dose of {ingredient} could not be checked. Record the weight.",
                    details,
                )
            )
        strength = strengths.get(ingredient)
        per_unit = mg_per_unit(strength, sig.daily_unit) if strength else None
        if per_unit is None:
            out.append(
                _undecided(
                    f"The strength of {ingredient} per {sig.daily_unit or 'unit'} is not known: the dose range was not checked.",
                    details,
                )
            )
            continue
        if sig.daily_max is None or sig.daily_max <= 0:
            out.append(
                _undecided(
                    f"The SIG gives no countable dose: the dose of {ingredient} was not checked.",
                    details,
                )
            )
            continue
        regimen = _Regimen(sig, per_unit)
        details |= {
            "mg_per_unit": str(per_unit),
            "daily_mg": _num(regimen.daily_mg),
            "single_mg": None if regimen.single_mg is None else _num(regimen.single_mg),
        }
        judged = sorted(((_problems(lim, regimen, ingredient, weight), lim) for lim in band), key=lambda p: len(p[0]))
        problems, limit = judged[0]
        if problems:
            note = f" {limit.note}" if limit.note else ""
            out.append(
                _finding(
                    FAILED,
                    "serious",
                    f"Dose out of range: {'; '.join(problems)} ({limit.source}).{note}",
                    {**details, "problems": problems, "source": limit.source},
                )
            )
    if unlimited and not out:
        out.append(
            _finding(
                WARNING,
                "minor",
                f"No dose limit on file for {', '.join(unlimited)}: the dose was not range-checked.",
                {**facts, "ingredients": unlimited},
            )
        )
    return out


# ---------------------------------------------------------------------------------------------
# The check


def check_dose(ctx: DurContext) -> list[DurFinding]:
    """Days supply and quantity plausible; the SIG understood; the dose within the limits."""
    item = ctx.item
    days, quantity = item.days_supply, item.quantity
    facts: dict[str, Any] = {"quantity": str(quantity), "days_supply": days, "sig": item.sig}
    if days <= 0 or days > MAX_DAYS_SUPPLY:
        return [
            _finding(FAILED, "serious", f"Days supply {days} is not plausible (must be 1 to {MAX_DAYS_SUPPLY}).", facts)
        ]
    if quantity <= 0:
        return [_finding(FAILED, "serious", f"Quantity {quantity} must be above 0.", facts)]
    sig = analyze_sig(item.sig)
    refused = getattr(sig, "refused", None)
    if refused:
        return [
            _undecided(
                f"The SIG cannot be used: {refused.rstrip('.')}. The directions must be typed; the dose was not checked.",
                {**facts, "refused": refused},
            )
        ]
    if sig.unknown or getattr(sig, "understood", True) is False:
        return [
            _undecided(
                f"SIG has unrecognised codes ({' '.join(sig.unknown)}); check the directions, the dose and the quantity by hand.",
                {**facts, "unknown_tokens": list(sig.unknown)},
            )
        ]
    findings = _quantity_findings(ctx, sig, facts)
    findings += _range_findings(ctx, sig, facts)
    if findings:
        return findings
    if sig.daily_max is None or sig.daily_min is None or sig.daily_max <= 0:
        return [
            DurFinding(Check.DOSE, "passed", "none", "No daily amount in the SIG to compare with the quantity.", facts)
        ]
    rate = _num(sig.daily_max) if sig.daily_min == sig.daily_max else f"{_num(sig.daily_min)} to {_num(sig.daily_max)}"
    return [
        DurFinding(
            Check.DOSE,
            "passed",
            "none",
            f"Quantity {_num(quantity)} fits {days} days at {rate} {sig.unit_for(sig.daily_max)} a day.",
            facts,
        )
    ]
