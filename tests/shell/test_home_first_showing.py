"""The shell's first showing paints the header, the sidebar and the greeting; the home page's cards
are made a moment later (bench/gui_stall.py: the first showing held the GUI thread 45-60 ms in one
turn). The cards still come by themselves, and whoever reads ``cards`` gets them at once."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from pharmacy_desktop.ui.screens.home import CARDS_AFTER_MS, HomeScreen, QueueCard

pytestmark = [pytest.mark.ui, pytest.mark.db]


def _shell(qtbot, context, actor):
    from pharmacy_desktop.ui.main_window import MainWindow

    window = MainWindow(context, actor, [HomeScreen], database_check_ms=0)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    return window


def test_the_cards_come_a_moment_after_the_first_showing(qtbot, context, actors):
    window = _shell(qtbot, context, actors["pharmacist"])
    home = window.current_screen()
    assert isinstance(home, HomeScreen)
    assert home.findChildren(QueueCard) == []  # the first showing: no card made yet
    assert home.greeting.text().startswith("Good")  # the greeting is there from the start
    QApplication.processEvents()  # the first paint's turn: still none
    assert home.findChildren(QueueCard) == []
    qtbot.waitUntil(lambda: len(home.findChildren(QueueCard)) >= 4, timeout=20 * CARDS_AFTER_MS)
    assert all(card.parentWidget() is home.page for card in home.findChildren(QueueCard))
    qtbot.waitUntil(lambda: home.cards["received"].count.text().isdigit(), timeout=10_000)


def test_reading_the_cards_makes_them_at_once(qtbot, context, actors):
    window = _shell(qtbot, context, actors["technician"])
    home = window.current_screen()
    assert home.findChildren(QueueCard) == []
    assert "F5" in home.cards["validated"].hint.text()  # made now, for the technician
    assert home.cards["received"].hint.text() == "for the pharmacist"
    count = len(home.findChildren(QueueCard))
    qtbot.wait(3 * CARDS_AFTER_MS)  # the timer made no second set
    assert len(home.findChildren(QueueCard)) == count
