"""The nightly backup on the hosting workstation: once a day, retention 7 daily + 4 weekly applied
to the nightly files only, the age shown to administrators."""

from __future__ import annotations

import datetime as dt
import os

from pharmacy_desktop.db import backup as backup_mod
from pharmacy_desktop.services.backup_job import NightlyBackup, describe_age, last_backup_time, nightly_backups


class Clock:
    def __init__(self, moment: dt.datetime):
        self.moment = moment

    def __call__(self) -> dt.datetime:
        return self.moment


def _fake_backup(url: str, path) -> None:
    path.write_bytes(b"dump")


def test_once_a_day_and_the_retention_keeps_eleven_at_most(tmp_path):
    clock = Clock(dt.datetime(2026, 10, 1, 1, 0))
    job = NightlyBackup("unused", tmp_path, now=clock, make_backup=_fake_backup)
    assert job.run_if_due() is None  # not in its first ten minutes
    clock.moment += dt.timedelta(minutes=10)
    by_hand = tmp_path / "before-upgrade-0012-2026-09-01-100000.pharmacy-backup"
    by_hand.write_bytes(b"dump")
    interrupted = tmp_path / "pharmacy-backup-abc123"  # a dump cut short by a power cut
    interrupted.mkdir()
    os.utime(interrupted, (clock.moment.timestamp(), clock.moment.timestamp()))
    assert job.run_if_due() is not None
    clock.moment += dt.timedelta(hours=10)
    assert job.run_if_due() is None  # already one today
    for _ in range(59):
        clock.moment += dt.timedelta(days=1)
        assert job.run_if_due() is not None
    kept = sorted(nightly_backups(tmp_path))
    last_seven = [clock.moment.date() - dt.timedelta(days=n) for n in range(7)]
    assert {k.date() for k in kept} >= set(last_seven)
    assert 7 < len(kept) <= 11
    assert (clock.moment - min(kept)).days <= 28
    assert by_hand.exists()  # a backup taken by hand or before an upgrade is never pruned
    assert not interrupted.exists()  # its work folder is swept once it is a day old


def test_a_real_nightly_backup_is_a_restorable_file(database_url, tmp_path):
    job = NightlyBackup(database_url, tmp_path, first_delay=0)
    job.start()
    try:
        job.wake()
        for _ in range(600):
            if job.last_path is not None:
                break
            job._stop.wait(0.1)
    finally:
        job.stop()
    assert job.last_path is not None and job.last_path.exists()
    assert backup_mod.read_manifest(job.last_path).rows == backup_mod.database_snapshot(database_url).rows
    assert describe_age(last_backup_time(tmp_path), dt.datetime.now()) == "Last backup: 0 min ago"


def test_age_in_words():
    now = dt.datetime(2026, 12, 3, 12, 0)
    assert describe_age(None, now) == "Last backup: none yet"
    assert describe_age(now - dt.timedelta(minutes=5), now) == "Last backup: 5 min ago"
    assert describe_age(now - dt.timedelta(hours=11), now) == "Last backup: 11 h ago"
    assert describe_age(now - dt.timedelta(days=4), now) == "Last backup: 4 days ago"


def test_the_administrator_sees_the_age_in_the_status_bar(qtbot, tmp_path):
    from pharmacy_desktop.ui.widgets.backup_age import BackupAge

    label = BackupAge(tmp_path)
    qtbot.addWidget(label)
    assert label.text() == "Last backup: none yet" and "c62828" in label.styleSheet()
    (tmp_path / "pharmacy-2026-12-03-101010.pharmacy-backup").write_bytes(b"x")
    label.refresh()
    assert label.text() == "Last backup: 0 min ago" and "c62828" not in label.styleSheet()
    label.resize(240, 30)
    label.grab().save("/tmp/h7_backup_age.png")
