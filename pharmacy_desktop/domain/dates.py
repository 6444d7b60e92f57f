"""Dates and times a person types: birth and written dates, and the promised time.

Pure functions: the caller passes ``now`` (the workstation's local time) or gets ``local_now()``.
"""

from __future__ import annotations

import datetime as dt
import re

from pharmacy_desktop.domain.clock import local_now

DATE_FORMATS = ("%m/%d/%Y", "%m/%d/%y", "%Y-%m-%d", "%m%d%Y")


class PromisedTimeError(ValueError):
    pass


_CLOCK = re.compile(r"(?P<hour>\d{1,2})(?::?(?P<minute>\d{2}))?\s*(?:(?P<half>[ap])\.?\s*m?\.?)?")
# digit counts bounded: "+99999999999h" is not a time, and float()/int() of thousands of digits
# overflow or raise instead of saying so
_RELATIVE = re.compile(
    r"(?:in\s*|\+\s*)?(?:(?P<hours>\d{1,4}(?:\.\d{1,2})?)\s*h(?:ours?|rs?)?)?\s*"
    r"(?:(?P<minutes>\d{1,5})\s*m(?:ins?|inutes?)?)?"
)
_DAYS = {"today": 0, "tomorrow": 1, "tmrw": 1, "tom": 1}
_WHAT_TO_TYPE = "type e.g. 4pm, 16:30, tomorrow 9am or +2h (empty: none)"


def parse_promised(text: str, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the patient was told to come back: "4pm", "4:30 pm", "16:30", "1630", "tomorrow 9am",
    "+2h", "+45m", "+1h30m", "now". Empty: no promised time (None).

    A clock time without a day is its next occurrence: "9am" typed in the afternoon is tomorrow
    morning; a bare "4" is 4 PM in the morning or afternoon, 4 AM tomorrow after 4 PM.
    Raises ``PromisedTimeError`` saying what to type when it is not a time.
    """
    now = (now or local_now()).replace(second=0, microsecond=0)
    text = " ".join(text.strip().lower().split())
    if not text:
        return None
    if text in ("now", "asap", "waiting"):
        return now
    relative = _RELATIVE.fullmatch(text)
    if relative and (relative["hours"] or relative["minutes"]):
        delta = dt.timedelta(hours=float(relative["hours"] or 0), minutes=int(relative["minutes"] or 0))
        if delta > dt.timedelta(days=14):
            raise PromisedTimeError(f"{text} is more than two weeks away: {_WHAT_TO_TYPE}.")
        return now + delta
    day_word, _, rest = text.partition(" ")
    days = _DAYS.get(day_word)
    clock = _CLOCK.fullmatch(rest if days is not None else text)
    if clock is None:
        raise PromisedTimeError(f"“{text}” is not a time: {_WHAT_TO_TYPE}.")
    hour, minute, half = int(clock["hour"]), int(clock["minute"] or 0), clock["half"]
    if minute > 59 or hour > 23 or (half and not 1 <= hour <= 12):
        raise PromisedTimeError(f"“{text}” is not a time of day: {_WHAT_TO_TYPE}.")
    if half:
        hours = [hour % 12 + (12 if half == "p" else 0)]
    elif hour == 0 or hour > 12:
        hours = [hour]
    else:  # "4" or "4:30": the next 4 o'clock, morning or afternoon
        hours = [hour % 12, hour % 12 + 12]
    if days is not None:  # "today 4pm", "tomorrow 9am": that day, even if the time has passed
        day = now + dt.timedelta(days=days)
        candidates = [day.replace(hour=h, minute=minute) for h in hours]
        return next((c for c in candidates if c >= now), candidates[-1])
    for offset in (0, 1):
        for h in hours:
            candidate = (now + dt.timedelta(days=offset)).replace(hour=h, minute=minute)
            if candidate >= now:
                return candidate
    raise AssertionError("unreachable: some time within a day is ahead")  # pragma: no cover


def promised_text(when: dt.datetime, now: dt.datetime | None = None) -> str:
    """'today 4:00 PM', 'tomorrow 9:00 AM', or the date: how the promised time reads back."""
    now = now or local_now()
    local = when.astimezone(now.tzinfo)
    clock = f"{local:%I:%M %p}".lstrip("0")
    day = local.date() - now.date()
    if day.days == 0:
        return f"today {clock}"
    if day.days == 1:
        return f"tomorrow {clock}"
    return f"{local:%a %m/%d} {clock}"


def parse_date(text: str | None) -> dt.date | None:
    """MM/DD/YYYY, M/D/YY, YYYY-MM-DD or MMDDYYYY; None when it is not a date (the service says so)."""
    text = (text or "").strip()
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None
