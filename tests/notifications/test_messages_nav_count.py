"""The sidebar counts the failed patient messages at sign-in, before the Messages screen is built
(``MessagesScreen.nav_count`` on a pool thread), and the count is the one the built screen shows."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtWidgets import QLabel, QVBoxLayout

from pharmacy_desktop.config import Config
from pharmacy_desktop.db.models.notifications import Notification
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.screens.base import Screen
from pharmacy_desktop.ui.screens.messages import MessagesScreen
from pharmacy_desktop.ui.sidebar import TITLE_ROLE
from tests.notifications.conftest import fill_and_verify, notifications

pytestmark = [pytest.mark.ui, pytest.mark.db]

TIMEOUT = 10_000
COUNT_THREADS: set[int] = set()


class Start(Screen):
    key = "F2"
    title = "Start"

    def __init__(self, context, actor, parent=None):
        super().__init__(context, actor, parent)
        QVBoxLayout(self).addWidget(QLabel(self.title))


class CountedMessages(MessagesScreen):
    """The real screen; its nav_count records the thread it ran on."""

    @classmethod
    def nav_count(cls, context, actor):
        COUNT_THREADS.add(threading.get_ident())
        return super().nav_count(context, actor)


def nav_text(window, title: str) -> str:
    for row in range(window.nav.count()):
        item = window.nav.item(row)
        if item.data(TITLE_ROLE) == title:
            return item.text()
    raise AssertionError(f"{title} not in the navigation")


@pytest.fixture
def context(uow_factory, database_url) -> AppContext:
    return AppContext(
        uow_factory=uow_factory,
        config=Config(workstation_name="test-ws"),
        workstation="test-ws",
        database_url=database_url,
    )


def test_the_sidebar_shows_failed_messages_before_the_screen_is_built(qtbot, context, actors, world):
    from pharmacy_desktop.ui.main_window import MainWindow

    uow_factory = context.uow_factory
    fill_and_verify(uow_factory, actors, world.rx_id)
    [message] = notifications(uow_factory, world.patient_id)
    with uow_factory() as uow:
        uow.session.get(Notification, message.id).status = "bounced"
        uow.commit()
    assert MessagesScreen.nav_count(context, actors["technician"]) == 1  # a bounced message: a person acts

    COUNT_THREADS.clear()
    window = MainWindow(context, actors["technician"], [Start, CountedMessages], database_check_ms=0)
    qtbot.addWidget(window)
    window.resize(1024, 700)
    with qtbot.waitActive(window):
        window.show()
    qtbot.waitUntil(lambda: nav_text(window, "Patient messages").endswith("(1)"), timeout=TIMEOUT)
    assert [type(s) for s in window.built_screens()] == [Start]  # counted, not built
    assert COUNT_THREADS and threading.get_ident() not in COUNT_THREADS  # off the GUI thread

    # opened: the screen's own count is the same number
    screen = window.screen_of(CountedMessages)
    assert window.show_screen(screen)
    qtbot.waitUntil(lambda: screen.queue_count() == 1, timeout=TIMEOUT)
    window.refresh_nav_counts()
    assert nav_text(window, "Patient messages").endswith("(1)")


def test_no_failed_message_no_count(context, actors, world):
    fill_and_verify(context.uow_factory, actors, world.rx_id)  # a pending message only: nothing to act on
    assert MessagesScreen.nav_count(context, actors["technician"]) is None
