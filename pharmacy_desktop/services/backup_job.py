"""The hosting workstation's nightly backup: once a day, a backup of the embedded database into the
backups folder, then the retention (domain/backup_retention.py: 7 daily, 4 weekly) applied to the
nightly files. A thread of its own (services/background_worker.py), never the GUI thread.

"Nightly": the first look of a day on which no nightly backup exists yet (the app of a pharmacy
is seldom running at night); a look every ``poll_interval`` seconds (none in the first
``first_delay`` seconds: not while the app starts), so an app left open overnight takes it soon
after midnight. A failed backup (disk full, server away) is tried at the next look.
Only backups named ``nightly-*`` are ever deleted; a backup taken by hand or before an upgrade stays.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from pathlib import Path

from pharmacy_desktop.domain.backup_retention import to_keep
from pharmacy_desktop.services.background_worker import BackgroundWorker

log = logging.getLogger(__name__)

SUFFIX = ".pharmacy-backup"  # db/backup.SUFFIX
PREFIX = "nightly-"
_NIGHTLY = re.compile(r"^nightly-(\d{4}-\d{2}-\d{2}-\d{6})\.pharmacy-backup$")


def nightly_backups(folder: Path) -> dict[dt.datetime, Path]:
    """The nightly backups in ``folder`` by the moment in their name."""
    found: dict[dt.datetime, Path] = {}
    if not folder.is_dir():
        return found
    for path in folder.iterdir():
        match = _NIGHTLY.match(path.name)
        if match:
            found[dt.datetime.strptime(match.group(1), "%Y-%m-%d-%H%M%S")] = path
    return found


def last_backup_time(folder: Path) -> dt.datetime | None:
    """When the newest backup in ``folder`` (of any kind) was written, local time; None if none."""
    if not folder.is_dir():
        return None
    times = [p.stat().st_mtime for p in folder.iterdir() if p.name.endswith(SUFFIX) and p.is_file()]
    return dt.datetime.fromtimestamp(max(times)) if times else None


def describe_age(last: dt.datetime | None, now: dt.datetime) -> str:
    """'Last backup: 3 h ago' for the administrator's status bar."""
    if last is None:
        return "Last backup: none yet"
    minutes = max(0, int((now - last).total_seconds() // 60))
    if minutes < 60:
        age = f"{minutes} min ago"
    elif minutes < 48 * 60:
        age = f"{minutes // 60} h ago"
    else:
        age = f"{minutes // (24 * 60)} days ago"
    return f"Last backup: {age}"


def prune(folder: Path, now: dt.datetime | None = None) -> list[Path]:
    """Delete the nightly backups the retention does not keep, and the work folders of backups
    interrupted more than a day ago (db/backup.py writes in ``pharmacy-backup-*``); returns the files deleted."""
    import shutil

    limit = ((now or dt.datetime.now()) - dt.timedelta(days=1)).timestamp()
    for work in folder.glob("pharmacy-backup-*"):
        if work.is_dir() and work.stat().st_mtime < limit:
            shutil.rmtree(work, ignore_errors=True)
    backups = nightly_backups(folder)
    keep = to_keep(backups)
    removed = []
    for moment, path in sorted(backups.items()):
        if moment not in keep:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


class NightlyBackup(BackgroundWorker):
    thread_name = "nightly-backup"

    def __init__(
        self,
        url: str,
        folder: Path,
        *,
        poll_interval: float = 900.0,
        now: Callable[[], dt.datetime] = dt.datetime.now,
        make_backup: Callable[[str, Path], object] | None = None,
        first_delay: float = 600.0,
    ):
        super().__init__(poll_interval)
        self.first_delay = first_delay  # not while the app is starting (nor in a short-lived test app)
        self._created = now()
        self.url = url
        self.folder = Path(folder)
        self.now = now
        self._make_backup = make_backup
        self.last_path: Path | None = None

    def due(self) -> bool:
        if (self.now() - self._created).total_seconds() < self.first_delay:
            return False
        today = self.now().date()
        return not any(moment.date() == today for moment in nightly_backups(self.folder))

    def run_if_due(self) -> Path | None:
        """One look: today's backup when there is none yet (then the retention), else nothing."""
        if not self.due():
            return None
        make = self._make_backup
        if make is None:
            from pharmacy_desktop.db.backup import backup

            make = backup
        path = self.folder / f"{PREFIX}{self.now():%Y-%m-%d-%H%M%S}{SUFFIX}"
        make(self.url, path)
        self.last_path = path
        removed = prune(self.folder, self.now())
        log.info("nightly backup written (%s); %d old nightly backup(s) removed", path.name, len(removed))
        return path

    def run_pass(self) -> object:
        return self.run_if_due()

    def stop_timeout(self) -> float:
        return 60.0  # a dump under way finishes (an interrupted one leaves no file: db/backup.py)

    def pass_failed(self, error: Exception) -> None:  # the next look tries again
        log.error("nightly backup failed (%s); tried again at the next look", type(error).__name__)
