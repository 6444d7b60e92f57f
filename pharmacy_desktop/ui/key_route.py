"""Keep a key filter where the keys go, instead of on the whole application (the scanner's filter).

An event filter on the QApplication is called, in Python, for every event to every object —
ChildAdded, Polish, LayoutRequest, Move, Resize, Paint of every widget built or shown — and that
was half of a screen's first showing. Keys only ever go to a few places, and ``KeyRoute`` keeps
one filter object on exactly those:

- the widgets a key typed now is delivered to (``key_receivers``, as QWidgetWindow::handleKeyEvent
  chooses: a keyboard grabber; in popup mode the popup's focus widget or the popup; the focus
  widget; with no focus widget the active window, whose top-level widget then gets the keys). The
  focus window's focus object also gets ShortcutOverride there. Moved when the focus or the focus
  window changes, and when a widget it sits on hears that a popup opened or closed (FocusOut /
  FocusIn with PopupFocusReason) or is hidden;
- the application's top-level windows (QWindow), which real keys from the platform pass before any
  widget: a key seen there checks the route first, so a popup that opened without a word to the
  focus widget (Qt does not always send one) is found before the key reaches it. A window gets few
  events of its own, unlike the application.

The filter object's ``eventFilter`` hands every event that is not a key event at a widget to
``notice`` (and returns False for it). A filter installed last on a widget runs before the
widget's own filters, so the key filter still comes first, as the application filter did; it is
never installed again where it sits (this may run inside that widget's own event delivery, and
installing compacts the filter list Qt is walking; removing only blanks an entry).
"""

from __future__ import annotations

import contextlib

import shiboken6
from PySide6.QtCore import QEvent, QObject, Slot
from PySide6.QtGui import QGuiApplication, QWindow
from PySide6.QtWidgets import QApplication, QWidget

KEY_EVENTS = frozenset({QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.ShortcutOverride})
# heard by a widget the filter sits on: the keys may go elsewhere now (a popup opened or closed)
_MOVED = frozenset({QEvent.Type.FocusIn, QEvent.Type.FocusOut, QEvent.Type.Hide})


def key_receivers() -> list[QWidget]:
    """The widgets a key typed now is delivered to first (the focus widget stays in the list while a
    popup is open: a popup may hand keys on to it, as a completer does)."""
    wanted: list[QWidget] = []
    grabber = QWidget.keyboardGrabber()
    if grabber is not None:
        wanted.append(grabber)
    popup = QApplication.activePopupWidget()
    if popup is not None:
        wanted.append(popup.focusWidget() or popup)
    focus = QApplication.focusWidget() or QApplication.activeWindow()
    if focus is not None:
        wanted.append(focus)
    unique: list[QWidget] = []
    for widget in wanted:
        if not _among(widget, unique):
            unique.append(widget)
    return unique


def _among(obj: QObject, objects: list) -> bool:  # type: ignore[type-arg]
    return any(obj is other for other in objects)


class WindowFilters:
    """Keeps one event filter on every top-level window (QWindow) of the application, the windows that
    appear later too (call ``update`` when the focus window changes): where real input from the
    platform passes before any widget. Shared by the scanner's route and the idle lock."""

    def __init__(self, event_filter: QObject) -> None:
        self._filter = event_filter
        self._windows: list[QWindow] = []

    @property
    def windows(self) -> list[QWindow]:
        return [w for w in self._windows if shiboken6.isValid(w)]

    def update(self) -> None:
        windows = self.windows
        for window in QGuiApplication.topLevelWindows():
            if not _among(window, windows):
                window.installEventFilter(self._filter)
                windows.append(window)
        self._windows = windows

    def clear(self) -> None:
        for window in self.windows:
            window.removeEventFilter(self._filter)
        self._windows = []


class KeyRoute(QObject):
    """Keeps ``key_filter`` on the widgets that receive keys now and on the application's windows."""

    def __init__(self, key_filter: QObject) -> None:
        super().__init__(key_filter)
        self._filter = key_filter
        self._app: QApplication | None = None
        self._widgets: list[QWidget] = []
        self._windows = WindowFilters(key_filter)

    @property
    def widgets(self) -> list[QWidget]:
        return [w for w in self._widgets if shiboken6.isValid(w)]

    @property
    def windows(self) -> list[QWindow]:
        return self._windows.windows

    def install(self, app: QApplication) -> None:
        if self._app is not None:
            return
        self._app = app
        app.focusChanged.connect(self.update)
        app.focusWindowChanged.connect(self.update)
        self.update()

    def uninstall(self) -> None:
        if self._app is not None:
            with contextlib.suppress(RuntimeError):  # the application is already gone
                self._app.focusChanged.disconnect(self.update)
                self._app.focusWindowChanged.disconnect(self.update)
            self._app = None
        for widget in self.widgets:
            widget.removeEventFilter(self._filter)
        self._widgets = []
        self._windows.clear()

    def notice(self, watched: QObject, kind: QEvent.Type) -> None:
        """An event the filter saw that is not a key at a widget: does the route change?"""
        if kind in _MOVED:
            self.update()
        elif kind in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride) and isinstance(watched, QWindow):
            self._follow_keys()  # every key of a scan passes here: the widgets only, not the window list

    @Slot()
    def update(self) -> None:
        """The focus, the focus window or a popup changed: watch new windows, follow the keys."""
        if self._app is None:
            return
        self._windows.update()
        self._follow_keys()

    def _follow_keys(self) -> None:
        if self._app is None:
            return
        wanted = key_receivers()
        if len(wanted) == len(self._widgets) and all(a is b for a, b in zip(wanted, self._widgets)):
            return
        for widget in self._widgets:
            if shiboken6.isValid(widget) and not _among(widget, wanted):
                widget.removeEventFilter(self._filter)  # only blanks its entry: safe mid-delivery
        for widget in wanted:
            if not _among(widget, self._widgets):
                widget.installEventFilter(self._filter)
        self._widgets = wanted
