"""Nightly backups kept: 7 daily and 4 weekly (the newest of each day / ISO week)."""

from __future__ import annotations

import datetime as dt

from pharmacy_desktop.domain.backup_retention import to_keep


def _nights(days: int, end: dt.date = dt.date(2026, 12, 3)) -> list[dt.datetime]:
    return [dt.datetime.combine(end - dt.timedelta(days=n), dt.time(1, 30)) for n in range(days)]


def test_sixty_nights_keep_the_last_seven_and_one_a_week_for_four_weeks():
    nights = _nights(60)  # 2026-12-03 is a Thursday
    kept = sorted(to_keep(nights))
    dailies = [n.date() for n in nights[:7]]
    assert all(d in {k.date() for k in kept} for d in dailies)
    weekly = [k for k in kept if k.date() not in dailies]
    # the newest backup of each of the 4 newest ISO weeks: this week and the last are among the
    # dailies or are the Sunday of the week before them; the others are Sundays
    weeks = {k.date().isocalendar()[:2] for k in kept}
    assert len(weeks) == 4
    assert all(w.weekday() == 6 for w in weekly)  # a week's newest night is its Sunday
    assert len(kept) == 7 + len(weekly) and len(kept) <= 11
    assert min(kept).date() >= dt.date(2026, 11, 3)


def test_a_few_backups_are_all_kept_and_the_newest_of_a_day_wins():
    morning = dt.datetime(2026, 12, 3, 8, 0)
    night = dt.datetime(2026, 12, 3, 1, 0)
    assert to_keep([morning, night]) == {morning}
    assert to_keep(_nights(3)) == set(_nights(3))
    assert to_keep([]) == set()


def test_gaps_count_days_that_have_a_backup():
    # a pharmacy closed at weekends: seven backups that exist, not seven calendar days
    nights = [n for n in _nights(14) if n.weekday() < 5]
    kept = to_keep(nights)
    assert set(sorted(nights, reverse=True)[:7]) <= kept
