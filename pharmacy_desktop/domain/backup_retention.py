"""Which nightly backups to keep: the newest of each of the last 7 days that have one, and the
newest of each of the last 4 weeks that have one (ISO weeks; the two sets overlap, as restic's and
borg's ``--keep-daily 7 --keep-weekly 4`` do). Everything else may be deleted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

DAILY = 7
WEEKLY = 4


def to_keep(taken: Iterable[dt.datetime], *, daily: int = DAILY, weekly: int = WEEKLY) -> set[dt.datetime]:
    """The backups (by the moment each was taken) that the retention keeps."""
    newest_first = sorted(set(taken), reverse=True)
    kept: set[dt.datetime] = set()
    days: set[dt.date] = set()
    weeks: set[tuple[int, int]] = set()
    for moment in newest_first:
        day = moment.date()
        if day not in days and len(days) < daily:
            days.add(day)
            kept.add(moment)
        iso = day.isocalendar()
        week = (iso.year, iso.week)
        if week not in weeks and len(weeks) < weekly:
            weeks.add(week)
            kept.add(moment)
    return kept
