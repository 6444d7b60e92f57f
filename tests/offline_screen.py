"""A screen built on its own, without a database (its first showing: what is made in which turn, how
often the app's style sheet styles it): a context with no unit of work, an actor holding every
permission, and a counter of style changes."""

from __future__ import annotations

import uuid

from PySide6.QtCore import QEvent, QObject

from pharmacy_desktop.config import Config
from pharmacy_desktop.domain.workflow import Permission
from pharmacy_desktop.services.access import Actor
from pharmacy_desktop.ui.context import AppContext


def offline_context() -> AppContext:
    return AppContext(uow_factory=None, config=Config(), workstation="test-ws")  # type: ignore[arg-type]


def any_actor(username: str, display_name: str, role: str) -> Actor:
    """An actor of ``role`` holding every permission (the screen's build, not its permission checks)."""
    return Actor(uuid.uuid4(), username, display_name, role, frozenset(vars(Permission).values()), None, "test-ws")


class StyleChanges(QObject):
    """An event filter counting the StyleChange events of what it is installed on."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.StyleChange:
            self.count += 1
        return False
