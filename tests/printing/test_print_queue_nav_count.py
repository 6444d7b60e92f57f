"""The sidebar counts this workstation's failed print jobs at sign-in, before the Print queue screen
is built (``PrintQueueScreen.nav_count`` on a pool thread), as the built screen's count does."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtWidgets import QLabel, QVBoxLayout

from pharmacy_desktop.config import Config
from pharmacy_desktop.db.models.notifications import PrintJob
from pharmacy_desktop.services.print_enqueue import queue_test_page
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.screens.base import Screen
from pharmacy_desktop.ui.screens.print_queue import PrintQueueScreen
from pharmacy_desktop.ui.sidebar import TITLE_ROLE

pytestmark = [pytest.mark.ui, pytest.mark.db]

TIMEOUT = 10_000
COUNT_THREADS: set[int] = set()


class Start(Screen):
    key = "F2"
    title = "Start"

    def __init__(self, context, actor, parent=None):
        super().__init__(context, actor, parent)
        QVBoxLayout(self).addWidget(QLabel(self.title))


class CountedQueue(PrintQueueScreen):
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


def add_job(uow_factory, actor, workstation: str, status: str) -> None:
    with uow_factory(actor.user_id) as uow:
        job_id = queue_test_page(uow, actor, printer_uri="tcp://127.0.0.1:9", workstation=workstation)
        job = uow.session.get(PrintJob, job_id)
        job.status = status
        job.attempts = 3 if status == "failed" else 0
        uow.commit()


@pytest.fixture
def context(uow_factory, database_url) -> AppContext:
    return AppContext(
        uow_factory=uow_factory,
        config=Config(workstation_name="test-ws"),
        workstation="test-ws",
        database_url=database_url,
    )


def test_the_sidebar_shows_failed_jobs_before_the_screen_is_built(qtbot, context, actors):
    from pharmacy_desktop.ui.main_window import MainWindow

    tech = actors["technician"]
    for status in ("failed", "failed", "queued", "printed"):
        add_job(context.uow_factory, tech, "test-ws", status)
    add_job(context.uow_factory, tech, "other-ws", "failed")  # another workstation's printer: not ours
    assert PrintQueueScreen.nav_count(context, tech) == 2

    COUNT_THREADS.clear()
    window = MainWindow(context, tech, [Start, CountedQueue], database_check_ms=0)
    qtbot.addWidget(window)
    window.resize(1024, 700)
    with qtbot.waitActive(window):
        window.show()
    qtbot.waitUntil(lambda: nav_text(window, "Print queue").endswith("(2)"), timeout=TIMEOUT)
    assert [type(s) for s in window.built_screens()] == [Start]  # counted, not built
    assert COUNT_THREADS and threading.get_ident() not in COUNT_THREADS  # off the GUI thread

    screen = window.screen_of(CountedQueue)  # opened: the screen's own count is the same number
    assert window.show_screen(screen)
    qtbot.waitUntil(lambda: screen.queue_count() == 2, timeout=TIMEOUT)
    window.refresh_nav_counts()
    assert nav_text(window, "Print queue").endswith("(2)")


def test_nothing_failed_no_count(context, actors):
    add_job(context.uow_factory, actors["technician"], "test-ws", "queued")
    assert PrintQueueScreen.nav_count(context, actors["technician"]) is None
