"""Quiet hours: no message reaches a patient's phone at night (pure).

The window is local wall-clock time from ``start`` to ``end`` and may cross midnight (21:00 to
08:00, the default). A message due inside it waits for ``end``; ``start == end`` means no quiet
hours at all.
"""

from __future__ import annotations

import datetime as dt


def inside(local: dt.time, start: dt.time, end: dt.time) -> bool:
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end  # crosses midnight


def next_allowed(now: dt.datetime, start: dt.time, end: dt.time, tz: dt.tzinfo | None = None) -> dt.datetime:
    """``now`` when it is outside quiet hours, else the moment they end (aware, same instant in UTC).

    ``now`` is aware; ``tz`` is the pharmacy's zone (default: the workstation's).
    """
    local = now.astimezone(tz) if tz is not None else now.astimezone()
    if not inside(local.timetz().replace(tzinfo=None), start, end):
        return now
    day = local.date()
    if local.time() >= end:  # evening part of a window crossing midnight: it ends tomorrow
        day = day + dt.timedelta(days=1)
    naive = dt.datetime.combine(day, end)
    # a naive time read in the workstation's zone (its DST offset on that day), or in the zone given
    ends = naive.replace(tzinfo=tz) if tz is not None else naive.astimezone()
    return ends.astimezone(dt.UTC)
