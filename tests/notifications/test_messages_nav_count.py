"""The sidebar counts the failed patient messages at sign-in, before the Messages screen is built
(``MessagesScreen.nav_count`` on a pool thread), and the count is the one the built screen shows."""

from __future__ import annotations

import pytest

from pharmacy_desktop.db.models.notifications import Notification
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.screens.messages import MessagesScreen
from tests.notifications.conftest import fill_and_verify, notifications
from tests.shell.nav_counts import counted_before_built, test_context

pytestmark = [pytest.mark.ui, pytest.mark.db]


@pytest.fixture
def context(uow_factory, database_url) -> AppContext:
    return test_context(uow_factory, database_url)


def test_the_sidebar_shows_failed_messages_before_the_screen_is_built(qtbot, context, actors, world):
    uow_factory = context.uow_factory
    fill_and_verify(uow_factory, actors, world.rx_id)
    [message] = notifications(uow_factory, world.patient_id)
    with uow_factory() as uow:
        uow.session.get(Notification, message.id).status = "bounced"
        uow.commit()
    assert MessagesScreen.nav_count(context, actors["technician"]) == 1  # a bounced message: a person acts
    counted_before_built(qtbot, context, actors["technician"], MessagesScreen, 1)


def test_no_failed_message_no_count(context, actors, world):
    fill_and_verify(context.uow_factory, actors, world.rx_id)  # a pending message only: nothing to act on
    assert MessagesScreen.nav_count(context, actors["technician"]) is None
