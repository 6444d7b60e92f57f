"""The sidebar counts this workstation's failed print jobs at sign-in, before the Print queue screen
is built (``PrintQueueScreen.nav_count`` on a pool thread), as the built screen's count does."""

from __future__ import annotations

import pytest

from pharmacy_desktop.db.models.notifications import PrintJob
from pharmacy_desktop.services.print_enqueue import queue_test_page
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.screens.print_queue import PrintQueueScreen
from tests.shell.nav_counts import counted_before_built, test_context

pytestmark = [pytest.mark.ui, pytest.mark.db]


@pytest.fixture
def context(uow_factory, database_url) -> AppContext:
    return test_context(uow_factory, database_url)


def add_job(uow_factory, actor, workstation: str, status: str) -> None:
    with uow_factory(actor.user_id) as uow:
        job_id = queue_test_page(uow, actor, printer_uri="tcp://127.0.0.1:9", workstation=workstation)
        job = uow.session.get(PrintJob, job_id)
        job.status = status
        job.attempts = 3 if status == "failed" else 0
        uow.commit()


def test_the_sidebar_shows_failed_jobs_before_the_screen_is_built(qtbot, context, actors):
    tech = actors["technician"]
    for status in ("failed", "failed", "queued", "printed"):
        add_job(context.uow_factory, tech, "test-ws", status)
    add_job(context.uow_factory, tech, "other-ws", "failed")  # another workstation's printer: not ours
    assert PrintQueueScreen.nav_count(context, tech) == 2
    counted_before_built(qtbot, context, tech, PrintQueueScreen, 2)


def test_nothing_failed_no_count(context, actors):
    add_job(context.uow_factory, actors["technician"], "test-ws", "queued")
    assert PrintQueueScreen.nav_count(context, actors["technician"]) is None
