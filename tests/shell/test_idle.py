"""The idle lock's countdown: restarted by real input, which reaches the application's windows first.

``IdleWatcher.watch()`` listens on the QWindows, not the QApplication (an application filter is
called, in Python, for every event to every object). Input here goes the platform's way, through
``widget.window().windowHandle()``; ``QTest.mouseClick(widget)`` skips the window and is not input
the workstation saw.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtGui import QWindow
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from pharmacy_desktop.ui.idle import IdleWatcher

pytestmark = pytest.mark.ui

TIMEOUT_MS = 60_000
WAIT_MS = 1_200  # how far the countdown is let run down before each check
MARGIN_MS = WAIT_MS // 2  # a restart is told from a run-down countdown by half of that


class CountingWatcher(IdleWatcher):
    def __init__(self, timeout_ms: int) -> None:
        super().__init__(timeout_ms)
        self.calls: list[QObject] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        self.calls.append(watched)
        return super().eventFilter(watched, event)


@pytest.fixture
def window(qtbot) -> QWidget:
    win = QWidget()
    layout = QVBoxLayout(win)
    win.field = QLineEdit()  # type: ignore[attr-defined]
    win.button = QPushButton("Save")  # type: ignore[attr-defined]
    layout.addWidget(win.field)  # type: ignore[attr-defined]
    layout.addWidget(win.button)  # type: ignore[attr-defined]
    qtbot.addWidget(win)
    with qtbot.waitActive(win):
        win.show()
        win.activateWindow()
    win.field.setFocus()  # type: ignore[attr-defined]
    return win


@pytest.fixture
def watcher(window) -> Iterator[CountingWatcher]:
    watcher = CountingWatcher(TIMEOUT_MS)
    watcher.watch()
    watcher.start()
    yield watcher
    watcher.unwatch()
    watcher.stop()


def run_down(qtbot, watcher: IdleWatcher) -> None:
    qtbot.wait(WAIT_MS)
    assert watcher.remaining_ms <= TIMEOUT_MS - MARGIN_MS


def restarted(watcher: IdleWatcher) -> bool:
    # restarted means the full time again, less what the check itself took (well under MARGIN_MS)
    return watcher.remaining_ms > TIMEOUT_MS - MARGIN_MS


def centre(widget: QWidget) -> QPoint:
    return widget.mapTo(widget.window(), widget.rect().center())


def test_a_key_and_a_click_through_the_window_restart_the_countdown(qtbot, window, watcher):
    handle = window.windowHandle()
    run_down(qtbot, watcher)
    QTest.keyClick(handle, Qt.Key.Key_A)
    assert restarted(watcher) and window.field.text() == "a"
    run_down(qtbot, watcher)
    clicks: list[int] = []
    window.button.clicked.connect(lambda: clicks.append(1))
    QTest.mouseClick(handle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre(window.button))
    assert restarted(watcher) and clicks == [1]


def test_events_that_are_not_input_do_not_restart_it(qtbot, window, watcher):
    run_down(qtbot, watcher)
    window.resize(window.width() + 30, window.height() + 30)
    window.update()
    label = QLabel("new", window)
    label.show()
    QApplication.sendEvent(window.windowHandle(), QEvent(QEvent.Type.UpdateRequest))
    QTest.mouseClick(window.button, Qt.MouseButton.LeftButton)  # straight to the widget: no window saw it
    QTest.keyClick(window.field, Qt.Key.Key_B)
    for _ in range(5):
        QApplication.processEvents()
    assert not restarted(watcher)


def test_a_dialog_shown_later_is_watched_too(qtbot, window, watcher):
    dialog = QDialog(window)
    entry = QLineEdit()
    QVBoxLayout(dialog).addWidget(entry)
    dialog.open()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=2000)
    assert any(w is dialog.windowHandle() for w in watcher.watched)
    run_down(qtbot, watcher)
    QTest.keyClick(dialog.windowHandle(), Qt.Key.Key_7)
    assert restarted(watcher) and entry.text() == "7"
    dialog.reject()


def test_the_application_has_no_filter_of_the_watcher(qtbot, window, watcher):
    """Building and showing widgets calls the watcher for the window's own few events only."""
    watcher.calls.clear()
    panel = QWidget(window)
    layout = QVBoxLayout(panel)
    for i in range(40):
        layout.addWidget(QLabel(f"line {i}"))
        layout.addWidget(QLineEdit())
    window.layout().addWidget(panel)
    panel.show()
    for _ in range(5):
        QApplication.processEvents()
    assert all(isinstance(obj, QWindow) for obj in watcher.calls), {type(obj).__name__ for obj in watcher.calls}
    assert len(watcher.calls) < 40


def test_the_countdown_runs_out_and_unwatch_stops_listening(qtbot, window):
    watcher = IdleWatcher(150)
    watcher.watch()
    try:
        with qtbot.waitSignal(watcher.idle, timeout=3000):
            watcher.start()
        assert not watcher.active
        watcher.set_timeout(TIMEOUT_MS)
        watcher.unwatch()
        assert watcher.watched == []
        watcher.start()
        run_down(qtbot, watcher)
        QTest.keyClick(window.windowHandle(), Qt.Key.Key_A)
        assert not restarted(watcher)
    finally:
        watcher.stop()
