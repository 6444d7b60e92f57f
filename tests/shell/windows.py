"""The shell as a counter workstation shows it: every screen of the registry, 1280x800, active; and
shells a module's tests share (SharedShells)."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QSize, QThreadPool
from PySide6.QtWidgets import QApplication

from pharmacy_desktop.ui.screens.registry import screen_classes

if TYPE_CHECKING:
    from pharmacy_desktop.ui.main_window import MainWindow

DISPLAY = (1280, 800)
ROLES = ("technician", "pharmacist", "manager")  # with the admin: the roles of the actors fixture


def settle(rounds: int = 3) -> None:
    for _ in range(rounds):  # pending layout requests, as the event loop would
        QApplication.processEvents()


def open_shell(qtbot, context, actor, cls):
    """The main window for `actor` at DISPLAY, connected, active, showing its screen of class `cls`
    (the only screen built: the others are built when a test shows them, as in the app)."""
    from pharmacy_desktop.ui.main_window import MainWindow

    window = MainWindow(context, actor, screen_classes())
    qtbot.addWidget(window)
    window.set_database_connected(True)
    window.resize(*DISPLAY)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    screen = window.screen_of(cls)  # only this screen built (window.screens would build them all)
    assert window.show_screen(screen)
    return window, screen


class SharedShells:
    """Main windows the tests of one module share, one per (account, size, screens), built on first
    need and closed at the module's end: a whole shell with every screen costs seconds to build,
    looking at one of its screens a fraction of that. A module fixture holds them::

        @pytest.fixture(scope="module")
        def shells(module_look, my_module_context):  # the context (and its database) outlive them
            with SharedShells(my_module_context) as shells:
                yield shells

    ``shells.get(qtbot, actor, size)`` gives the shell resized to ``size``, shown, active and settled
    (the other shells hidden); the test shows its screen and looks. Only shells of one size live at a
    time (asking for another size closes the rest): order the tests by size. They are not qtbot's
    (it closes its widgets after each test) and need the application's look for the whole module
    (``module_look``). A test that changes a shell for good (signs in someone else, zooms, locks,
    leaves a dialog or a half-typed form) builds its own with :func:`open_shell`."""

    def __init__(self, context) -> None:
        self.context = context
        self._windows: dict[tuple, MainWindow] = {}

    def __enter__(self) -> SharedShells:
        return self

    def __exit__(self, *exc) -> None:
        self.close_all()

    def get(self, qtbot, actor, size: tuple[int, int] = DISPLAY, screens=None) -> MainWindow:
        from pharmacy_desktop.ui.main_window import MainWindow

        classes = tuple(screens or screen_classes())
        key = (actor.username, size, classes)
        self.close_all(keep=lambda k: k[1] == size)
        window = self._windows.get(key)
        changed = window is None
        if window is None:
            window = MainWindow(self.context, actor, classes)
            window.set_database_connected(True)
            self._windows[key] = window
            # the suite collects garbage after each Qt test (tests/conftest.py): the shell's ~10^5
            # objects, alive until close_all, out of those collections (a third of a second a test)
            gc.collect()
            gc.freeze()
        for other in self._windows.values():
            if other is not window and other.isVisible():
                other.hide()
        if window.size() != QSize(*size):
            window.resize(*size)
            changed = True
        if not window.isVisible() or not window.isActiveWindow():
            with qtbot.waitActive(window):
                window.show()
                window.activateWindow()
            changed = True
        if changed:
            settle()
        return window

    def close_all(self, keep=lambda key: False) -> None:
        """Close (and delete) the shells whose key ``keep`` refuses: all of them by default."""
        gone = [key for key in self._windows if not keep(key)]
        if not gone:
            return
        QThreadPool.globalInstance().waitForDone(10_000)  # nothing of theirs still running
        for key in gone:
            window = self._windows.pop(key)
            window.close()
            window.deleteLater()
        QApplication.processEvents()
        QThreadPool.globalInstance().waitForDone(10_000)
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        gc.unfreeze()  # what the closed shells leave collected here, on the GUI thread; the rest frozen again
        gc.collect()
        gc.freeze()


@pytest.fixture(scope="module")
def module_world(qapp, pg_server, template_db):
    """(context, actors) for a module's tests that only read: one fresh database migrated to head for
    the whole module, one signed-in account per role (``actors``' roles), a scanner filter in the
    context. Import it into the module (``from tests.shell.windows import module_world``)."""
    from pharmacy_desktop.config import Config
    from pharmacy_desktop.db.engine import make_engine, make_session_factory
    from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
    from pharmacy_desktop.ui.context import AppContext
    from pharmacy_desktop.ui.scanner import ScannerFilter
    from tests.conftest import _admin, create_database, drop_database, make_actor

    url = create_database(pg_server, template_db)
    engine = make_engine(url)
    factory = UnitOfWorkFactory(make_session_factory(engine), workstation="test-ws")
    actors = {"admin": _admin(factory), **{role: make_actor(factory, role) for role in ROLES}}
    context = AppContext(
        uow_factory=factory, config=Config(workstation_name="test-ws"), workstation="test-ws", database_url=url
    )
    context.scanner = ScannerFilter()
    yield context, actors
    QThreadPool.globalInstance().waitForDone(10_000)
    context.scanner.deleteLater()
    engine.dispose()
    drop_database(pg_server, url)
