"""The prescriber check of the DUR (``Check.PRESCRIBER``): may this prescriber write this drug?

- The NPI is well formed (10 digits, starts with 1 or 2, Luhn with 80840).
- A recorded DEA number is a prescriber's (registrant type A, B, F, G or M), passes its
  checksum, and its second letter matches a word of the prescriber's surname (or is '9').
  A surname mismatch is a ``failed`` finding the pharmacist may override with a reason (a
  registration under a former name); the others are ``failed`` too (intake refuses most of them
  already; the check keeps a record when an old prescription is re-reviewed).
- A controlled drug's schedule is among the prescriber's recorded DEA schedules (2, 2N, 3, 3N,
  4, 5: N = non-narcotic). Schedules not recorded: a warning, never a silent pass.

A missing DEA number for a controlled drug, refill limits and the written-date window stay with
``dur.check_controlled``.
"""

from __future__ import annotations

from .dur_facts import FAILED, WARNING, Check, DurContext, DurFinding, Status, passed_finding
from .identifiers import (
    DEA_SCHEDULE_CODES,
    dea_name_problem,
    dea_problem,
    dea_registrant_problem,
    npi_problem,
    prescriber_last_name,
)
from .schedules import Schedule

# Controlled ingredients that are NOT narcotics (21 CFR 1308.12(d)-(f), 1308.13(b)-(e)): a
# registration for 2N or 3N covers them; every other C-II/C-III ingredient needs 2 or 3.
NON_NARCOTIC_II = frozenset(
    """amphetamine dextroamphetamine levoamphetamine lisdexamfetamine methamphetamine methylphenidate
    dexmethylphenidate serdexmethylphenidate phenmetrazine amobarbital pentobarbital secobarbital
    glutethimide nabilone phencyclidine""".split()
)
NON_NARCOTIC_III = frozenset(
    """benzphetamine phendimetrazine butalbital ketamine esketamine dronabinol testosterone
    methyltestosterone oxandrolone nandrolone oxymetholone perampanel tiletamine
    zolazepam oxybate butabarbital""".split()
)


def required_schedule_code(schedule: Schedule, ingredients: frozenset[str]) -> str | None:
    """The DEA registration schedule code a prescriber needs for this drug; None if not controlled."""
    if schedule is Schedule.CII:
        return "2N" if ingredients and ingredients <= NON_NARCOTIC_II else "2"
    if schedule is Schedule.CIII:
        return "3N" if ingredients and ingredients <= NON_NARCOTIC_III else "3"
    if schedule is Schedule.CIV:
        return "4"
    if schedule is Schedule.CV:
        return "5"
    return None


def _finding(status: Status, severity: str, message: str, rule: str, **details: object) -> DurFinding:
    return DurFinding(Check.PRESCRIBER, status, severity, message, {"rule": rule, **details})


def check_prescriber(ctx: DurContext) -> list[DurFinding]:
    prescriber, drug = ctx.prescriber, ctx.item.drug
    findings: list[DurFinding] = []
    npi_issue = npi_problem(prescriber.npi)
    if npi_issue:
        findings.append(_finding(FAILED, "serious", f"Prescriber NPI: {npi_issue}", "npi_invalid", npi=prescriber.npi))
    dea = (prescriber.dea or "").strip()
    last_name = prescriber.last_name or prescriber_last_name(prescriber.name)
    if dea:
        format_issue = dea_problem(dea)  # format and checksum, no name
        if format_issue:
            findings.append(_finding(FAILED, "serious", f"Prescriber DEA: {format_issue}", "dea_invalid", dea=dea))
        else:
            type_issue = dea_registrant_problem(dea)
            if type_issue:
                findings.append(_finding(FAILED, "serious", type_issue, "dea_not_prescriber", dea=dea))
            name_issue = dea_name_problem(dea, last_name)
            if name_issue:
                findings.append(
                    _finding(
                        FAILED,
                        "serious",
                        f"{name_issue} Confirm the registration with the prescriber or DEA "
                        "(a former name?) before overriding.",
                        "dea_name_mismatch",
                        dea=dea,
                        last_name=last_name or "",
                    )
                )
    needed = required_schedule_code(drug.schedule, drug.ingredient_keys)
    if needed is not None:
        recorded = prescriber.dea_schedules
        label = drug.schedule.display
        if recorded is None:
            findings.append(
                _finding(
                    WARNING,
                    "significant",
                    f"The prescriber's DEA schedules are not recorded: confirm the registration covers "
                    f"schedule {needed} ({label}) and record the schedules.",
                    "schedules_unknown",
                    required=needed,
                )
            )
        elif needed not in recorded:
            have = ", ".join(s for s in DEA_SCHEDULE_CODES if s in recorded) or "none"
            findings.append(
                _finding(
                    FAILED,
                    "serious",
                    f"The prescriber's DEA registration does not cover schedule {needed} ({label}, "
                    f"{drug.display_name}); recorded schedules: {have}.",
                    "schedule_not_registered",
                    required=needed,
                    recorded=sorted(recorded),
                )
            )
    if findings:
        return findings
    return passed_finding(Check.PRESCRIBER, "Prescriber NPI, DEA number and schedules are valid.")
