"""The sidebar counts the fill and verification queues before their screens are first opened
(``nav_count`` on a pool thread): the count shows, the screen is not built; once built, its own
loaded queue gives the count (0 too, never the class's older count)."""

from __future__ import annotations

import dataclasses

import pytest

from pharmacy_desktop.ui.screens.fill import FillScreen
from pharmacy_desktop.ui.screens.verify import VerifyScreen
from tests.counter_driver import context_for
from tests.shell.nav_counts import Start, nav_text

pytestmark = [pytest.mark.ui, pytest.mark.db]
WAIT = 15_000


def test_fill_and_verify_counts_show_before_the_screens_are_built(qtbot, uow_factory, actors, rx_world):
    from pharmacy_desktop.ui.main_window import MainWindow

    window = MainWindow(
        context_for(uow_factory), actors["pharmacist"], [Start, FillScreen, VerifyScreen], database_check_ms=0
    )
    qtbot.addWidget(window)
    window.resize(1280, 800)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    fill_title = FillScreen.title.split(" — ")[0]
    verify_title = VerifyScreen.title.split(" — ")[0]
    qtbot.waitUntil(lambda: nav_text(window, fill_title).endswith("(1)"), timeout=WAIT)  # rx_world: one validated
    qtbot.waitUntil(lambda: nav_text(window, verify_title).endswith("(0)"), timeout=WAIT)  # nothing filled yet
    assert [type(s) for s in window.built_screens()] == [Start]  # counted, not built

    # once opened, the screen's own queue counts: emptied by a fill elsewhere it says 0, not the older 1
    assert window.show_screen(FillScreen)
    fill = window.current_screen()
    assert isinstance(fill, FillScreen)
    assert not fill.work_built and fill._stop_page is None  # its first showing builds the idle page only
    qtbot.waitUntil(lambda: fill.queue.rowCount() == 1, timeout=WAIT)
    # the open-prescription page and the hard stop follow, a piece a turn, once the queue shows
    qtbot.waitUntil(lambda: fill.work_built and fill._stop_page is not None, timeout=WAIT)
    assert fill.pages.currentWidget() is fill.idle_page
    assert fill.queue_count() == 1
    fill._show_queue([])
    assert nav_text(window, fill_title).endswith("(0)")


def test_no_count_for_who_may_not_fill_or_verify(uow_factory, actors, rx_world):
    context = context_for(uow_factory)
    nobody = dataclasses.replace(actors["technician"], permissions=frozenset())
    assert FillScreen.nav_count(context, nobody) is None
    assert VerifyScreen.nav_count(context, actors["technician"]) is None  # a technician does not verify
    assert FillScreen.nav_count(context, actors["technician"]) == 1
