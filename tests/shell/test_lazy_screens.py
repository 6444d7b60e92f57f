"""The shell builds a screen the first time it is shown; the navigation, keys and counts work before."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QVBoxLayout

from pharmacy_desktop.ui.screens.base import Screen
from pharmacy_desktop.ui.sidebar import TITLE_ROLE

pytestmark = [pytest.mark.ui, pytest.mark.db]

BUILT: list[str] = []  # class names, in the order the shell built them
COUNTED: list[str] = []  # usernames nav_count was asked for, on a pool thread
COUNT_THREADS: set[int] = set()


class Recording(Screen):
    def __init__(self, context, actor, parent=None):
        super().__init__(context, actor, parent)
        BUILT.append(type(self).__name__)
        self.notices: list[dict[str, Any]] = []
        self.actors_set: list[str] = []
        QVBoxLayout(self).addWidget(QLabel(self.title))

    def on_change(self, notice: dict[str, Any]) -> None:
        self.notices.append(notice)

    def set_actor(self, actor) -> None:
        super().set_actor(actor)
        self.actors_set.append(actor.username)


class Start(Recording):
    key = "F2"
    title = "Start"


class Waiting(Recording):
    """A queue with a count before it is built (nav_count) and its own once built (queue_count)."""

    key = "F3"
    title = "Waiting — the queue"
    permission = "prescription.review"
    own_count: int | None = None

    @classmethod
    def nav_count(cls, context, actor) -> int | None:
        COUNTED.append(actor.username)
        COUNT_THREADS.add(threading.get_ident())
        return 7

    def queue_count(self) -> int | None:
        return self.own_count


class Admin(Recording):
    key = "F4"
    title = "Admin only"
    permission = "users.manage"


CLASSES = [Start, Waiting, Admin]


@pytest.fixture(autouse=True)
def _fresh_records():
    BUILT.clear()
    COUNTED.clear()
    COUNT_THREADS.clear()
    Waiting.own_count = None


@pytest.fixture
def shell(qtbot, context):
    from pharmacy_desktop.ui.main_window import MainWindow

    def make(actor):
        window = MainWindow(context, actor, CLASSES, database_check_ms=0)
        qtbot.addWidget(window)
        window.resize(1024, 700)
        with qtbot.waitActive(window):
            window.show()
            window.activateWindow()
        return window

    return make


def press(window, key) -> None:
    QTest.keyClick(window.windowHandle(), key)


def nav_text(window, title: str) -> str:
    for row in range(window.nav.count()):
        item = window.nav.item(row)
        if item.data(TITLE_ROLE) == title:
            return item.text()
    raise AssertionError(f"{title} not in the navigation")


def test_only_the_first_screen_is_built_and_an_f_key_builds_another(shell, actors):
    window = shell(actors["pharmacist"])
    assert BUILT == ["Start"]
    assert [type(s) for s in window.built_screens()] == [Start]
    # the navigation lists what this user may open from the classes alone
    titles = [window.nav.item(row).data(TITLE_ROLE) for row in range(window.nav.count())]
    assert titles == ["Start", "Waiting"]

    press(window, Qt.Key.Key_F3)
    assert type(window.current_screen()) is Waiting
    assert window.screen_title.text() == "Waiting — the queue"
    assert BUILT == ["Start", "Waiting"]
    press(window, Qt.Key.Key_F2)
    press(window, Qt.Key.Key_F3)
    assert BUILT == ["Start", "Waiting"]  # built once


def test_a_screen_the_user_may_not_open_is_never_built(shell, actors):
    window = shell(actors["pharmacist"])
    press(window, Qt.Key.Key_F4)
    assert type(window.current_screen()) is Start
    assert window.show_screen(Admin) is False
    assert "Admin" not in BUILT


def test_the_sidebar_counts_a_screen_before_it_is_built_off_the_gui_thread(qtbot, shell, actors):
    window = shell(actors["pharmacist"])
    qtbot.waitUntil(lambda: nav_text(window, "Waiting").endswith("(7)"))
    assert "Waiting" not in BUILT
    assert threading.get_ident() not in COUNT_THREADS
    # once built, the screen's own count replaces the class's
    Waiting.own_count = 2
    press(window, Qt.Key.Key_F3)
    window.refresh_nav_counts()
    assert nav_text(window, "Waiting").endswith("(2)")


def test_change_notices_reach_built_screens_and_recount_the_others(qtbot, shell, actors):
    window = shell(actors["pharmacist"])
    qtbot.waitUntil(lambda: len(COUNTED) == 1)
    notice = {"topic": "prescriptions", "id": "x"}
    window.on_change(notice)
    start = window.built_screens()[0]
    assert start.notices == [notice]
    assert "Waiting" not in BUILT  # a notice builds nothing
    qtbot.waitUntil(lambda: len(COUNTED) == 2)  # the unbuilt queue counted again

    press(window, Qt.Key.Key_F3)
    waiting = window.current_screen()
    window.on_change(notice)
    assert waiting.notices == [notice] and start.notices == [notice, notice]


def test_a_new_user_reaches_built_screens_and_counts_again_for_them(qtbot, shell, actors):
    tech, rph = actors["technician"], actors["pharmacist"]
    window = shell(rph)
    qtbot.waitUntil(lambda: COUNTED == [rph.username])
    start = window.built_screens()[0]
    window._switched(tech)  # what the lock screen's PIN switch calls
    assert start.actors_set[-1] == tech.username
    assert "Waiting" not in BUILT
    titles = [window.nav.item(row).data(TITLE_ROLE) for row in range(window.nav.count())]
    assert "Waiting" not in titles  # a technician does no clinical review: not counted for them either
    QTest.qWait(50)
    assert COUNTED == [rph.username]


def test_screens_and_screen_of_build_on_access_for_tests_and_tools(shell, actors):
    window = shell(actors["admin"])
    assert BUILT == ["Start"]
    admin = window.screen_of(Admin)
    assert type(admin) is Admin and BUILT == ["Start", "Admin"]
    assert [type(s) for s in window.screens] == CLASSES
    assert BUILT == ["Start", "Admin", "Waiting"]
    assert window.show_screen(admin) and window.current_screen() is admin


def test_the_help_lists_screens_not_built_yet(qtbot, shell, actors):
    from PySide6.QtWidgets import QMessageBox

    window = shell(actors["pharmacist"])
    window.show_help()
    box = next(b for b in window.findChildren(QMessageBox) if b.isVisible())
    assert "F3 — Waiting — the queue" in box.text()
    assert "Waiting" not in BUILT
    box.close()


class Broken(Recording):
    """A queue whose count fails (its read refused): no count for it, the others still show theirs."""

    key = "F5"
    title = "Broken count"

    @classmethod
    def nav_count(cls, context, actor) -> int | None:
        raise RuntimeError("SELECT ... patient 'Jane Doe'")


def test_one_failing_count_hides_only_its_own(qtbot, context, actors, caplog):
    from pharmacy_desktop.ui.main_window import MainWindow

    window = MainWindow(context, actors["pharmacist"], [Start, Broken, Waiting], database_check_ms=0)
    qtbot.addWidget(window)
    window.resize(1024, 700)
    window.show()
    qtbot.waitUntil(lambda: nav_text(window, "Waiting").endswith("(7)"))
    assert nav_text(window, "Broken count").endswith("Broken count")  # no count beside it
    assert "Broken" in caplog.text and "RuntimeError" in caplog.text
    assert "Jane Doe" not in caplog.text and "SELECT" not in caplog.text
