"""Whether the database answers, for the shell's status bar ("Database: reconnecting…").

The change listener notices a connection that breaks, but a stalled network breaks nothing: a
query just waits. So the shell also asks the database a trivial question every few seconds and
counts an answer that is overdue as lost, until one comes back.

The question runs on a daemon thread of its own, not on the screens' thread pool: a probe stuck in
a stall must neither take a worker the screens need nor hold up closing the window (a thread pool
waits for its running jobs when it is destroyed). Only one probe is out at a time, so a long stall
holds one thread and one pooled connection, no more.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

PROBE_EVERY_MS = 5_000
OVERDUE_AFTER_MS = 8_000  # longer than a busy server's slowest answer, shorter than anyone's patience
RETRY_EVERY_MS = 1_000  # while lost: notice the way back soon


class DatabaseWatch(QObject):
    answered = Signal(bool)  # True: answered; False: failed or overdue (emitted on changes only)
    _returned = Signal(bool)  # from the probe thread, queued to the GUI thread

    def __init__(
        self,
        probe: Callable[[], object],
        parent: QObject | None = None,
        *,
        every_ms: int = PROBE_EVERY_MS,
        overdue_ms: int = OVERDUE_AFTER_MS,
        retry_ms: int = RETRY_EVERY_MS,
    ) -> None:
        super().__init__(parent)
        self._probe = probe
        self._every = every_ms / 1000
        self._overdue = overdue_ms / 1000
        self._retry = retry_ms / 1000
        self._returned.connect(self._probe_returned)
        self._sent_at: float | None = None  # the probe that is out, if any
        self._last_answer = 0.0
        self.ok: bool | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(max(50, min(every_ms, overdue_ms, retry_ms) // 4))
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last_answer = time.monotonic()  # the first question after one interval
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def _tick(self) -> None:
        now = time.monotonic()
        if self._sent_at is not None:
            if now - self._sent_at > self._overdue:
                self._set(False)
            return
        if now - self._last_answer >= (self._retry if self.ok is False else self._every):
            self._sent_at = now
            threading.Thread(target=self._ask, name="database-watch", daemon=True).start()

    def _ask(self) -> None:
        try:
            self._probe()
            ok = True
        except Exception:  # noqa: BLE001 - any failure means "not answering"; DatabaseUnavailable mostly
            ok = False
        try:
            self._returned.emit(ok)
        except RuntimeError:  # the window (and this watch) closed while the probe was out
            pass

    def _probe_returned(self, ok: bool) -> None:
        self._sent_at, self._last_answer = None, time.monotonic()
        self._set(ok)

    def _set(self, ok: bool) -> None:
        if ok is not self.ok:
            self.ok = ok
            self.answered.emit(ok)
