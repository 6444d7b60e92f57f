"""When a refill is due (pure): the last fill's supply runs out within the pharmacy's window.

A maintenance prescription is one the patient takes on and on: refills left, and a supply of at
least `MAINTENANCE_DAYS` days per fill (a 10-day antibiotic with a refill is not one). A refill is
due when the last dispensed fill runs out (filled date + days supply) between today and
today + ``refill_due_days``, before the prescription itself expires. Told once per fill: the
event key names the fill, so the next fill starts a new reminder.
"""

from __future__ import annotations

import datetime as dt

MAINTENANCE_DAYS = 28


def run_out(filled: dt.date, days_supply: int) -> dt.date:
    return filled + dt.timedelta(days=days_supply)


def is_due(
    *,
    today: dt.date,
    window_days: int,
    filled: dt.date,
    days_supply: int,
    refills_remaining: int,
    expires: dt.date,
) -> bool:
    ends = run_out(filled, days_supply)
    return (
        refills_remaining > 0
        and days_supply >= MAINTENANCE_DAYS
        and today <= ends <= today + dt.timedelta(days=window_days)
        and expires >= ends
    )


def event_key(refill_id: object) -> str:
    return f"refill:{refill_id}"
