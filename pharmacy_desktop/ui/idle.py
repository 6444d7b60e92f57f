"""Idle lock: any key, click or wheel at the workstation restarts the countdown.

Where it listens: on the application's windows (QWindow), not on the QApplication. Real input —
keys, mouse, wheel, touch — comes from the platform to a QWindow first and only then to a widget,
so a filter on the windows sees all of it, while an application filter would be called (in Python)
for every event to every object: a screen's first showing spent half its time there. Windows are
watched as they appear (the focus window changes whenever one is shown and activated, or clicked).
Input simulated on a widget (``QTest.mouseClick(widget)``) does not pass a window and does not count;
tests send it through ``widget.window().windowHandle()``, the way the platform delivers it.
"""

from __future__ import annotations

import contextlib

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QGuiApplication, QWindow

from pharmacy_desktop.ui.key_route import WindowFilters

_ACTIVITY = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


class IdleWatcher(QObject):
    idle = Signal()

    def __init__(self, timeout_ms: int, parent: QObject | None = None):
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)  # a coarse one may run 5 % long: minutes at the counter
        self._timer.timeout.connect(self.idle)
        self.set_timeout(timeout_ms)
        self._app: QGuiApplication | None = None
        self._windows = WindowFilters(self)

    def set_timeout(self, timeout_ms: int) -> None:
        self._timer.setInterval(max(1, int(timeout_ms)))

    def start(self) -> None:
        self._watch_windows()  # a window shown while the countdown was stopped (the lock screen's dialogs)
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    @property
    def remaining_ms(self) -> int:
        """Milliseconds until the lock (-1 when the countdown is stopped)."""
        return self._timer.remainingTime()

    def watch(self, app: QGuiApplication | None = None) -> None:
        """Listen to the input of every window of ``app`` (the running application by default), now and
        as windows appear, until ``unwatch``."""
        target = app or QGuiApplication.instance()
        if not isinstance(target, QGuiApplication) or self._app is not None:
            return
        self._app = target
        target.focusWindowChanged.connect(self._watch_windows)
        self._watch_windows()

    def unwatch(self) -> None:
        if self._app is not None:
            with contextlib.suppress(RuntimeError):  # the application is already gone
                self._app.focusWindowChanged.disconnect(self._watch_windows)
            self._app = None
        self._windows.clear()

    @property
    def watched(self) -> list[QWindow]:
        """The windows listened to now (for tests and diagnostics)."""
        return self._windows.windows

    @Slot()
    def _watch_windows(self) -> None:
        if self._app is None:
            return
        self._windows.update()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() in _ACTIVITY and self._timer.isActive():
            self._timer.start()
        return False
