"""Issue 18 (the GUI never stalls): the review screen's first showing builds only the queue; the work
area (the prescription, its alerts, the decisions) is made and styled in the event loop's turns after
the first paint, then put in its place (bench/gui_stall.py 'review: queue': ~30 ms CPU in one turn
before). Something that needs a part of it first (a test, a key) gets it built at once."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from pharmacy_desktop.config import Config
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.screens.home import HomeScreen
from pharmacy_desktop.ui.screens.registry import screen_classes
from pharmacy_desktop.ui.screens.review import ReviewScreen
from pharmacy_desktop.ui.screenshots import settle
from pharmacy_desktop.ui.widgets.review_panels import ReviewWorkArea

pytestmark = [pytest.mark.ui, pytest.mark.db]
TIMEOUT = 15_000


@pytest.fixture
def shell(qtbot, app_look, uow_factory, actors):
    from pharmacy_desktop.ui.main_window import MainWindow

    context = AppContext(uow_factory=uow_factory, config=Config(workstation_name="c-1"), workstation="c-1")
    window = MainWindow(context, actors["pharmacist"], screen_classes())
    qtbot.addWidget(window)
    window.set_database_connected(True)
    window.resize(1280, 800)
    window.show()
    assert window.show_screen(window.screen_of(HomeScreen))
    settle(minimum=0.1)
    return window


def built(screen: ReviewScreen) -> bool:
    return "work_area" in screen.__dict__


def test_the_first_showing_paints_the_queue_and_the_work_area_follows(qtbot, shell):
    assert shell.show_screen(ReviewScreen)
    screen = shell.screen_of(ReviewScreen)
    QApplication.sendPostedEvents()  # the rest of the first showing's turn (a posted call would run here)
    shell.repaint()  # its first paint
    assert not built(screen), "the work area was built in the first showing's turn"
    assert screen.queue.isVisible()
    qtbot.waitUntil(lambda: built(screen), timeout=TIMEOUT)
    area = screen.work_area
    assert isinstance(area, ReviewWorkArea) and screen.splitter.widget(1) is area
    qtbot.waitUntil(area.isVisible, timeout=TIMEOUT)
    assert screen.approve_button is area.approve_button and not area.approve_button.isEnabled()
    assert area.drug_title.text() == "Choose a prescription in the queue"
    assert screen.splitter.sizes()[1] > screen.splitter.sizes()[0]  # the work area has its share


def test_a_part_asked_for_first_builds_the_work_area_at_once(qtbot, shell):
    assert shell.show_screen(ReviewScreen)
    screen = shell.screen_of(ReviewScreen)
    assert not built(screen)
    alerts = screen.alerts  # e.g. Tab to the alerts, a test, a detail that loaded first
    assert built(screen) and alerts is screen.work_area.alerts
    assert screen.splitter.widget(1) is screen.work_area
    with pytest.raises(AttributeError):
        _ = screen.no_such_part
