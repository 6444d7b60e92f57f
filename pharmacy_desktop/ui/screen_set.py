"""The shell's screens by class, each built the first time it is needed.

Building all fourteen screens at sign-in held the GUI thread for seconds on a busy counter PC
(bench/gui_stall.py). The shell keeps the classes (title, key and permission are class attributes,
enough for the navigation, the keys and the F1 help) and builds a screen when it is first shown; the
navigation's counts of a screen not built yet come from ``Screen.nav_count`` on a pool thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget

from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.keys import keys_in_use
from pharmacy_desktop.ui.ops import run_in_background
from pharmacy_desktop.ui.screens.base import Screen

log = logging.getLogger(__name__)


class ScreenSet:
    """Screen classes in navigation order, and the instances built so far (by index)."""

    def __init__(self, classes: Sequence[type[Screen]], build: Callable[[type[Screen]], Screen]):
        self.classes: list[type[Screen]] = list(classes)
        self._build = build
        self._built: dict[int, Screen] = {}

    def __len__(self) -> int:
        return len(self.classes)

    def index_of(self, screen: Screen | type[Screen]) -> int:
        """The index of a class, or of a built screen (ValueError for a screen not of this shell)."""
        if isinstance(screen, Screen):
            for index, built in self._built.items():
                if built is screen:
                    return index
            raise ValueError(f"{type(screen).__name__} is not a screen of this shell")
        return self.classes.index(screen)

    def built(self, index: int) -> Screen | None:
        """The screen at ``index`` if it was built, without building it."""
        return self._built.get(index)

    def get(self, index: int) -> Screen:
        """The screen at ``index``, built now if it was not yet."""
        screen = self._built.get(index)
        if screen is None:
            screen = self._built[index] = self._build(self.classes[index])
        return screen

    def instances(self) -> list[Screen]:
        """The screens built so far, in navigation order."""
        return [self._built[i] for i in sorted(self._built)]

    def all(self) -> list[Screen]:
        """Every screen, building those not built yet (for tests and tools; the app builds on demand)."""
        return [self.get(i) for i in range(len(self.classes))]

    def unbuilt(self) -> list[int]:
        return [i for i in range(len(self.classes)) if i not in self._built]


def may_open(cls: type[Screen], actor: Actor) -> bool:
    """Whether ``actor`` sees the screen in the navigation and may open it."""
    permission = cls.permission
    return permission is None or actor.can(permission)


def has_nav_count(cls: type[Screen]) -> bool:
    """Whether the class counts its queue before it is built (it overrides ``Screen.nav_count``)."""
    return cls.nav_count.__func__ is not Screen.nav_count.__func__  # type: ignore[attr-defined]


class NavCounts(QObject):
    """The navigation's count of each screen: a built screen's ``queue_count()``, else (and while that is
    None) its class's ``nav_count`` counted on a pool thread, again after each burst of change notices."""

    counted = Signal()  # new counts: the shell redraws the navigation

    def __init__(self, screens: ScreenSet, context: AppContext, actor: Actor, parent: QObject | None = None):
        super().__init__(parent)
        self._screens = screens
        self._context = context
        self._actor = actor
        self._counts: dict[int, int | None] = {}
        self._busy = False
        self._again = QTimer(self)  # change notices come in bursts: one count per burst
        self._again.setSingleShot(True)
        self._again.setInterval(250)
        self._again.timeout.connect(self.count)

    def count_of(self, index: int) -> int | None:
        screen = self._screens.built(index)
        count = screen.queue_count() if screen is not None else None
        return count if count is not None else self._counts.get(index)

    def for_actor(self, actor: Actor) -> None:
        """Another user: the counts were the last one's view of the queues; count for this one."""
        self._actor = actor
        self._counts = {}
        self.count()

    def count_soon(self) -> None:
        self._again.start()

    def count(self) -> None:
        """Count the screens not built yet that this user may open, off the GUI thread."""
        if self._busy:  # one count at a time; what changed meanwhile is counted after it
            self._again.start()
            return
        classes, context, actor = self._screens.classes, self._context, self._actor
        wanted = [i for i in self._screens.unbuilt() if has_nav_count(classes[i]) and may_open(classes[i], actor)]
        if not wanted:
            return

        def count() -> dict[int, int | None]:
            return {i: _one_count(classes[i], context, actor) for i in wanted}

        def counted(counts: dict[int, int | None]) -> None:
            self._busy = False
            if actor is self._actor:  # not a count for the user before a switch
                self._counts.update(counts)
                self.counted.emit()

        def failed(exc: Exception) -> None:
            self._busy = False
            log.warning("navigation counts not loaded: %s", type(exc).__name__)

        self._busy = True
        run_in_background(self, count, counted, failed)


def _one_count(cls: type[Screen], context: AppContext, actor: Actor) -> int | None:
    """One screen's count: a failing count (its database read refused, a bug) shows no count for that
    screen only — the others still show theirs. Logged by kind, never with the query's detail."""
    try:
        return cls.nav_count(context, actor)
    except Exception as exc:  # noqa: BLE001 - one screen's count never hides the others'
        log.warning("navigation count of %s not loaded: %s", cls.__name__, type(exc).__name__)
        return None


class ScreenKeys:
    """Each screen's key (F2 ... Alt+S) on the shell, from the classes: it shows the screen at ``index``."""

    def __init__(self, window: QWidget, classes: Sequence[type[Screen]], show: Callable[[int], object]):
        self.shortcuts: list[QShortcut] = []
        self._of: list[tuple[QShortcut, type[Screen]]] = []
        for index, cls in enumerate(classes):
            if cls.key:
                shortcut = QShortcut(QKeySequence(cls.key), window)
                shortcut.setContext(Qt.ShortcutContext.ApplicationShortcut)
                shortcut.activated.connect(lambda i=index: show(i))
                self.shortcuts.append(shortcut)
                self._of.append((shortcut, cls))

    def update(self, current: QWidget | None, actor: Actor) -> None:
        """A screen's key works only for who may open that screen, and never steals a key of the screen in use.

        Two enabled shortcuts with the same keys are ambiguous to Qt and *neither* fires: the audit
        screen's Alt+A would otherwise silence the review screen's Alt+A (acknowledge) for everyone.
        """
        local = keys_in_use(current) if isinstance(current, Screen) else set()
        for shortcut, cls in self._of:
            keys = shortcut.key().toString(QKeySequence.SequenceFormat.PortableText)
            shortcut.setEnabled(may_open(cls, actor) and (type(current) is cls or keys not in local))
