"""Driving screens the way the counter does: a wedge scanner (fast keys + Enter) and single keys."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from pharmacy_desktop.config import Config
from pharmacy_desktop.domain.barcodes import GS
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.scanner import ScanDispatcher, ScanFeedback, ScannerFilter


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


class Counter:
    """A keyboard-wedge scanner and a person's keyboard on one workstation."""

    def __init__(self, screen: QWidget) -> None:
        self.screen = screen
        self.clock = FakeClock()
        self.scanner = ScannerFilter(clock=self.clock)
        self.scanner.install()
        self.feedback = ScanFeedback(beep=lambda: None)
        self.dispatcher = ScanDispatcher(lambda: screen, self.feedback)
        self.dispatcher.connect_to(self.scanner)

    def close(self) -> None:
        self.scanner.uninstall()

    def _target(self) -> QWidget:
        """Where a key typed now lands: the focus widget, else the active window (as Qt delivers keys).

        With no active window (a dialog just closed: a window manager activates the window below it,
        the offscreen platform does not) the screen's window is activated first, as it would be: keys
        sent to a widget of an inactive window reach no scanner (ui/key_route.py)."""
        if QApplication.activeWindow() is None:
            window = self.screen.window()
            window.activateWindow()
            QTest.qWaitForWindowActive(window, 2000)
        return QApplication.focusWidget() or QApplication.activeWindow() or self.screen

    def scan(self, text: str) -> None:
        """Characters 3 ms apart and Enter, as a scanner types them."""
        for char in text:
            self.clock.now += 3
            target = self._target()
            if char == GS:
                QTest.sendKeyEvent(
                    QTest.KeyAction.Click, target, Qt.Key.Key_unknown, GS, Qt.KeyboardModifier.NoModifier
                )
            else:
                QTest.keyClicks(target, char)
        self.clock.now += 3
        QTest.keyClick(self._target(), Qt.Key.Key_Return)
        QApplication.processEvents()

    def type(self, text: str) -> None:
        """A person typing: 150 ms between keys, so never mistaken for a scan."""
        for char in text:
            self.clock.now += 150
            QTest.keyClicks(self._target(), char)
            self.clock.now += 150
            QApplication.processEvents()

    def press(self, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        """A person's key press: long after the last scan."""
        self.clock.now += 500
        QTest.keyClick(self._target(), key, modifier)
        QApplication.processEvents()


def context_for(uow_factory) -> AppContext:
    return AppContext(uow_factory=uow_factory, config=Config(), workstation="test-ws")
