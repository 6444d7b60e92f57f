"""A work screen: its own module, given the context and the acting user; it only presents."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.ops import run_in_background

if TYPE_CHECKING:
    from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
    from pharmacy_desktop.ui.scan_dispatch import ScanFeedback

T = TypeVar("T")


class Screen(QWidget):
    key = ""  # the F-key, e.g. "F4"
    title = ""
    permission: str | None = None  # shown in the navigation only to users who have it
    help_keys: tuple[tuple[str, str], ...] = ()  # (key, what it does) for F1 help
    slug = ""  # file name of its screenshot (pharmacy-desktop screenshots); default: from the class name
    screenshot_role = ""  # the role it is shown for in screenshots; default: the first role allowed

    def __init__(self, context: AppContext, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.actor = actor
        self.setObjectName(f"screen-{type(self).__name__}")

    def _in_background(
        self,
        call: Callable[[UnitOfWorkFactory, Actor], T],
        done: Callable[[T], None],
        failed: Callable[[Exception], None] | None = None,
        *,
        busy: str,
    ) -> None:
        """``call(uow_factory, actor)`` on a pool thread for the user signed in now (a later switch of user
        does not change whose call it is), ``done`` with its answer on the GUI thread (``failed`` with its
        error; without it the error is shown); the busy indicator says ``busy`` meanwhile."""
        factory, actor = self.context.uow_factory, self.actor
        run_in_background(self, lambda: call(factory, actor), done, failed, busy_message=busy)

    # called by the shell --------------------------------------------------------------------

    def set_actor(self, actor: Actor) -> None:
        """Another user took over the workstation: refresh what depends on who is acting."""
        self.actor = actor

    def activate(self) -> None:
        """The screen became visible: load or refresh its data (in the background)."""

    def on_change(self, notice: dict[str, Any]) -> None:
        """Another workstation changed something; refresh if it concerns this screen."""

    def handle_scan(self, text: str) -> bool:
        return False

    def clear_sensitive(self) -> None:
        """Forget patient data shown on screen (sign-out)."""

    def queue_count(self) -> int | None:
        """A cached count for the navigation (never a database call: the shell asks often)."""
        return None

    @classmethod
    def nav_count(cls, context: AppContext, actor: Actor) -> int | None:
        """The navigation's count while the screen is not built yet (the shell builds a screen the first
        time it is shown). Runs on a pool thread, so it may call services; None: no count. Once the
        screen is built, its ``queue_count()`` is shown instead (this stays the fallback while that is None)."""
        return None

    def prepare_screenshot(self) -> None:
        """Put realistic input on screen for `pharmacy-desktop screenshots` (e.g. a search)."""

    # helpers for screens --------------------------------------------------------------------

    @classmethod
    def screenshot_name(cls) -> str:
        if cls.slug:
            return cls.slug
        name = cls.__name__.removesuffix("Screen")
        return "".join(f"-{c.lower()}" if c.isupper() else c for c in name).lstrip("-")

    def scan_feedback(self) -> ScanFeedback | None:
        """The shell's good/bad scan line (None outside the shell)."""
        return getattr(self.window(), "scan_feedback", None)

    def counts_changed(self) -> None:
        """This screen's queue count changed: the shell redraws the navigation counts."""
        refresh = getattr(self.window(), "refresh_nav_counts", None)
        if callable(refresh):
            refresh()

    def shell_screens(self) -> list[Screen]:
        """The screens the acting user can open, in navigation order (just this one outside the shell)."""
        visible = getattr(self.window(), "visible_screens", None)
        return visible() if callable(visible) else [self]


def shortcut(widget: QWidget, keys: str, slot: Callable[[], Any]) -> QShortcut:
    """A key for ``widget`` and everything inside it (a screen's own keys): the one way screens make them."""
    sc = QShortcut(QKeySequence(keys), widget)
    sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    sc.activated.connect(slot)
    return sc


def heading(text: str, size_delta: int = 6) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() + size_delta)
    font.setBold(True)
    label.setFont(font)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def page_layout(widget: QWidget, title: str, subtitle: str = "") -> QVBoxLayout:
    layout = QVBoxLayout(widget)
    layout.setContentsMargins(16, 12, 16, 12)
    layout.setSpacing(10)
    layout.addWidget(heading(title))
    if subtitle:
        sub = QLabel(subtitle)
        sub.setWordWrap(True)
        sub.setObjectName("subtitle")
        layout.addWidget(sub)
    return layout
