"""DEA controlled-substance schedules and the federal refill and expiration rules.

Choices where federal law is silent (a state rule applies; configurable by the caller):

- Non-controlled prescriptions: no federal refill limit, so ``max_refills`` returns None;
  they expire one year after the written date (the most common state rule).
- Schedule II: no federal expiration date. ``CII_EXPIRATION_DAYS`` = 90 days from the written
  date is the default; it lines up with the 90-day limit on multiple CII prescriptions
  (21 CFR 1306.12(b)) and is inside what most states allow. Pass ``cii_days`` for a stricter state.
- Schedules III-V: at most 5 refills within 6 months of the written date (21 CFR 1306.22).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from enum import Enum

CII_EXPIRATION_DAYS = 90
CIII_V_MAX_REFILLS = 5
CIII_V_VALID_MONTHS = 6
NON_CONTROLLED_VALID_YEARS = 1


class Schedule(Enum):
    NONE = 0
    CI = 1
    CII = 2
    CIII = 3
    CIV = 4
    CV = 5

    @property
    def roman(self) -> str | None:
        """The database form ('II'), None for non-controlled."""
        return None if self is Schedule.NONE else self.name[1:]

    @property
    def display(self) -> str:
        """The label form ('C-II'), 'Non-controlled' for NONE."""
        return "Non-controlled" if self is Schedule.NONE else f"C-{self.roman}"

    def __str__(self) -> str:
        return self.display


_BY_TEXT = {
    "1": Schedule.CI, "I": Schedule.CI,
    "2": Schedule.CII, "II": Schedule.CII,
    "3": Schedule.CIII, "III": Schedule.CIII,
    "4": Schedule.CIV, "IV": Schedule.CIV,
    "5": Schedule.CV, "V": Schedule.CV,
}  # fmt: skip
_NOT_CONTROLLED = frozenset({"", "0", "NONE", "NA", "N/A", "RX", "LEGEND", "OTC"})
_TRANSFER_CAUTION = frozenset({Schedule.CII, Schedule.CIII, Schedule.CIV})
_III_TO_V = frozenset({Schedule.CIII, Schedule.CIV, Schedule.CV})

ScheduleLike = Schedule | str | int | None


def parse_schedule(value: ScheduleLike) -> Schedule:
    """Normalise 'CII', 'C-II', 'c2', 'II', '2', 'Schedule II', 2, None ... to a Schedule.

    Raises ValueError for text that names no schedule (never guesses).
    """
    if isinstance(value, Schedule):
        return value
    if value is None:
        return Schedule.NONE
    if isinstance(value, bool):
        raise TypeError("a schedule is not a boolean")
    if isinstance(value, int):
        if value == 0:
            return Schedule.NONE
        text = str(value)
    else:
        text = str(value)
    key = text.upper().replace("SCHEDULE", "")
    key = "".join(c for c in key if c not in " -._")
    if key in _NOT_CONTROLLED:
        return Schedule.NONE
    if key.startswith("C") and len(key) > 1:
        key = key[1:]
    # "2N"/"IIIN" mark non-narcotic substances in the same schedule.
    if key.endswith("N") and key[:-1] in _BY_TEXT:
        key = key[:-1]
    try:
        return _BY_TEXT[key]
    except KeyError:
        raise ValueError(f"unknown DEA schedule {text!r}") from None


def is_controlled(schedule: ScheduleLike) -> bool:
    return parse_schedule(schedule) is not Schedule.NONE


def requires_transfer_caution(schedule: ScheduleLike) -> bool:
    """Schedules II-IV carry the federal transfer caution on the vial label (21 CFR 290.5)."""
    return parse_schedule(schedule) in _TRANSFER_CAUTION


def max_refills(schedule: ScheduleLike) -> int | None:
    """Federal refill limit: 0 for C-I/C-II, 5 for C-III..C-V, None (no federal limit) otherwise."""
    s = parse_schedule(schedule)
    if s is Schedule.NONE:
        return None
    if s in _III_TO_V:
        return CIII_V_MAX_REFILLS
    return 0


def add_months(start: date, months: int) -> date:
    """Same day ``months`` later, clamped to the month's last day (Aug 31 + 6 -> Feb 28/29)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def default_expiration(written_date: date, schedule: ScheduleLike, *, cii_days: int = CII_EXPIRATION_DAYS) -> date:
    """Last day the prescription may be filled (see the module docstring for the rules)."""
    s = parse_schedule(schedule)
    if s is Schedule.CI:
        raise ValueError("Schedule I substances cannot be prescribed")
    if s is Schedule.CII:
        return written_date + timedelta(days=cii_days)
    if s in _III_TO_V:
        return add_months(written_date, CIII_V_VALID_MONTHS)
    return add_months(written_date, 12 * NON_CONTROLLED_VALID_YEARS)


def refill_problem(
    schedule: ScheduleLike,
    written_date: date,
    fill_date: date,
    refill_number: int = 0,
    *,
    expiration_date: date | None = None,
    cii_days: int = CII_EXPIRATION_DAYS,
) -> str | None:
    """Why fill number ``refill_number`` (0 = original) may not happen on ``fill_date``, or None.

    ``expiration_date`` (the one stored on the prescription) can only shorten the default window.
    """
    s = parse_schedule(schedule)
    if s is Schedule.CI:
        return "Schedule I substances cannot be dispensed."
    if fill_date < written_date:
        return f"Fill date {fill_date} is before the written date {written_date}."
    limit = max_refills(s)
    if limit is not None and refill_number > limit:
        if limit == 0:
            return f"{s.display} prescriptions cannot be refilled."
        return f"{s.display} prescriptions allow at most {limit} refills (this is {refill_number})."
    last_day = default_expiration(written_date, s, cii_days=cii_days)
    if expiration_date is not None:
        last_day = min(last_day, expiration_date)
    if fill_date > last_day:
        return f"Prescription expired on {last_day} (written {written_date})."
    return None


def refill_window_ok(
    schedule: ScheduleLike,
    written_date: date,
    fill_date: date,
    refill_number: int = 0,
    *,
    expiration_date: date | None = None,
    cii_days: int = CII_EXPIRATION_DAYS,
) -> bool:
    return (
        refill_problem(
            schedule,
            written_date,
            fill_date,
            refill_number,
            expiration_date=expiration_date,
            cii_days=cii_days,
        )
        is None
    )
