"""What the sidebar-count tests share: a plain first screen, the sidebar's text of a screen, a context
for a test database, and the whole check that a screen's queue is counted before it is built."""

from __future__ import annotations

import threading

from PySide6.QtWidgets import QLabel, QVBoxLayout

from pharmacy_desktop.config import Config
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.screens.base import Screen
from pharmacy_desktop.ui.sidebar import TITLE_ROLE

TIMEOUT = 10_000


class Start(Screen):
    """The screen shown first (no key of its own: it takes none a screen under test uses)."""

    key = ""
    title = "Start"

    def __init__(self, context, actor, parent=None):
        super().__init__(context, actor, parent)
        QVBoxLayout(self).addWidget(QLabel(self.title))


def nav_text(window, title: str) -> str:
    for row in range(window.nav.count()):
        item = window.nav.item(row)
        if item.data(TITLE_ROLE) == title:
            return item.text()
    raise AssertionError(f"{title} not in the navigation")


def test_context(uow_factory, database_url, workstation: str = "test-ws") -> AppContext:
    return AppContext(
        uow_factory=uow_factory,
        config=Config(workstation_name=workstation),
        workstation=workstation,
        database_url=database_url,
    )


test_context.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


def counted_before_built(qtbot, context: AppContext, actor, screen_cls: type[Screen], count: int) -> None:
    """The sidebar shows ``screen_cls``'s count ``count`` at sign-in, counted off the GUI thread, with
    the screen not built; opened, the screen's own count is the same number."""
    from pharmacy_desktop.ui.main_window import MainWindow

    threads: set[int] = set()

    class Counted(screen_cls):  # type: ignore[valid-type, misc]  # the real screen, its counting thread noted
        @classmethod
        def nav_count(cls, context, actor):
            threads.add(threading.get_ident())
            return super().nav_count(context, actor)

    window = MainWindow(context, actor, [Start, Counted], database_check_ms=0)
    qtbot.addWidget(window)
    window.resize(1024, 700)
    with qtbot.waitActive(window):
        window.show()
    title = screen_cls.title.split(" — ")[0]
    qtbot.waitUntil(lambda: nav_text(window, title).endswith(f"({count})"), timeout=TIMEOUT)
    assert [type(s) for s in window.built_screens()] == [Start]  # counted, not built
    assert threads and threading.get_ident() not in threads  # off the GUI thread

    screen = window.screen_of(Counted)  # opened: the screen's own count is the same number
    assert window.show_screen(screen)
    qtbot.waitUntil(lambda: screen.queue_count() == count, timeout=TIMEOUT)
    window.refresh_nav_counts()
    assert nav_text(window, title).endswith(f"({count})")
