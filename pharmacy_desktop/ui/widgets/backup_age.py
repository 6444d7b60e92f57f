"""The administrator's status-bar line on the hosting workstation: how old the last backup is
("Last backup: 3 h ago"), looked up once a minute (a folder listing, no database)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QWidget

from pharmacy_desktop.services.backup_job import describe_age, last_backup_time
from pharmacy_desktop.ui.style import MUTED, STOP_BORDER

STALE_AFTER = dt.timedelta(hours=36)  # a nightly backup missed: say so in the alarm colour


class BackupAge(QLabel):
    def __init__(self, folder: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.folder = folder
        self.setObjectName("backupAge")
        self.setToolTip(f"Backups are kept in {folder} (7 daily, 4 weekly)")
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(60_000)
        self.refresh()

    def refresh(self) -> None:
        last = last_backup_time(self.folder)
        now = dt.datetime.now()
        stale = last is None or now - last > STALE_AFTER
        self.setText(describe_age(last, now))
        self.setStyleSheet(f"color: {STOP_BORDER if stale else MUTED}")


def backup_age_label(folder: Path, parent: QWidget | None = None) -> BackupAge:
    return BackupAge(folder, parent)
