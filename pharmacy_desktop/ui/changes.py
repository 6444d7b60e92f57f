"""Live updates between workstations: one LISTEN connection per app, reconnecting by itself.

Notices are sent by the unit of work with pg_notify inside the committing transaction, so a notice
always describes committed work. The listener thread blocks in psycopg's ``notifies()``; there is
no polling of tables.
"""

from __future__ import annotations

import json
import logging
import threading

import psycopg
from PySide6.QtCore import QObject, Signal

from pharmacy_desktop.db import connect
from pharmacy_desktop.db.unit_of_work import CHANGE_CHANNEL

log = logging.getLogger(__name__)


class ChangeListener(QObject):
    changed = Signal(dict)
    connection_changed = Signal(bool)

    def __init__(self, url: str, parent: QObject | None = None, *, retry_seconds: float = 1.0):
        super().__init__(parent)
        self._url = url  # carries sslmode and password (connect.resolve_url)
        self._retry = retry_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.connected = False

    def start(self) -> None:
        if self._thread and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="change-listener", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 3.0) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout)

    def _set_connected(self, value: bool) -> None:
        if value != self.connected:
            self.connected = value
            self.connection_changed.emit(value)

    def _run(self) -> None:
        delay = self._retry
        while not self._stop.is_set():
            try:
                with connect.connect(self._url, autocommit=True, application_name="pharmacy-desktop-listener") as conn:
                    conn.execute(f"LISTEN {CHANGE_CHANNEL}")
                    self._set_connected(True)
                    delay = self._retry
                    while not self._stop.is_set():
                        for notify in conn.notifies(timeout=0.5):
                            self._deliver(notify.payload)
                        # an idle connection whose server went away raises here
                        conn.execute("SELECT 1")
            except psycopg.Error as exc:
                log.info("change listener disconnected: %s", type(exc).__name__)
            self._set_connected(False)
            if self._stop.wait(delay):
                break
            delay = min(delay * 2, 10.0)

    def _deliver(self, payload: str) -> None:
        try:
            notice = json.loads(payload)
        except ValueError:
            log.warning("ignoring a malformed change notice")
            return
        if isinstance(notice, dict):
            self.changed.emit(notice)
