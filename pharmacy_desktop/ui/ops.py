"""Background operations: database, printer and file work off the GUI thread.

    run_in_background(self, lambda: services.fill.lookup(uow_factory, rx_id),
                      self._show_rx, busy_message="Loading prescription...")

``fn`` runs on a ``QThreadPool`` worker; ``on_success(result)`` or ``on_error(exc)`` runs on the
GUI thread, and only while ``parent`` (the screen or widget that asked) still exists. ``fn``
should return plain values (DTOs), never widgets or live ORM objects.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QWidget

from pharmacy_desktop.error_messages import database_error_message, failure_message, is_connection_failure
from pharmacy_desktop.errors import (
    ConcurrentUpdate,
    DatabaseUnavailable,
    NotFound,
    PermissionDenied,
    PharmacyError,
    ValidationFailed,
)
from pharmacy_desktop.logging_setup import scrub
from pharmacy_desktop.ui.keys import with_keys

T = TypeVar("T")
log = logging.getLogger(__name__)

_RELAY_NAME = "pharmacy_desktop.ops.relay"
_TITLES: dict[type[PharmacyError], str] = {
    NotFound: "Not found",
    PermissionDenied: "Not allowed",
    ConcurrentUpdate: "Changed at another workstation",
    ValidationFailed: "Check the form",
    DatabaseUnavailable: "Database unavailable",
}


@runtime_checkable
class BusyIndicator(Protocol):
    """Shows that work is running (the shell's status bar). Calls may overlap: count them."""

    def start(self, message: str) -> None: ...

    def stop(self) -> None: ...


@runtime_checkable
class BusyIndicatorProvider(Protocol):
    """Implemented by the main window so screens find the indicator through their parents."""

    def busy_indicator(self) -> BusyIndicator: ...


def find_busy_indicator(obj: QObject | None) -> BusyIndicator | None:
    while obj is not None:
        if isinstance(obj, BusyIndicatorProvider):
            return obj.busy_indicator()
        obj = obj.parent()
    return None


def user_message(exc: BaseException) -> str:
    """The text a user sees for ``exc``: expected errors as written, database errors in plain words
    (never the driver's text: it carries the SQL parameters, i.e. patient details), anything else
    as a bug."""
    message = failure_message(exc)
    if message is not None:
        return with_keys(message)
    detail = scrub(str(exc)) or type(exc).__name__
    return (
        f"Something went wrong: {detail}. The work was not saved and your data is safe. "
        "Try again; if it happens again, tell your manager (the details are in the log)."
    )


def error_title(exc: BaseException) -> str:
    if isinstance(exc, PharmacyError):
        for cls in type(exc).__mro__:
            if cls in _TITLES:
                return _TITLES[cls]
        return "Could not finish"
    if is_connection_failure(exc):
        return "Database unavailable"
    if database_error_message(exc) is not None:
        return "Could not save"
    return "Something went wrong"


def show_error(parent: QObject | None, exc: BaseException) -> QMessageBox:
    """The default ``on_error``: a window-modal message box that does not block the caller."""
    window = parent.window() if isinstance(parent, QWidget) else None
    icon = QMessageBox.Icon.Warning if isinstance(exc, PharmacyError) else QMessageBox.Icon.Critical
    box = QMessageBox(icon, error_title(exc), user_message(exc), QMessageBox.StandardButton.Ok, window)
    box.setObjectName("operationError")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    # open(), not exec(): a nested event loop would let more callbacks run underneath the box.
    box.open()
    return box


@dataclass
class _Outcome:
    value: Any = None
    error: BaseException | None = None


class _Box:
    """The one thing a worker shares with the GUI thread: where it puts the outcome."""

    outcome: _Outcome | None = None


@dataclass
class _Operation(Generic[T]):
    parent: QObject
    fn: Callable[[], T]  # held here only so its last reference is released on the GUI thread
    on_success: Callable[[T], None]
    on_error: Callable[[Exception], None] | None
    busy: BusyIndicator | None
    box: _Box


class _Relay(QObject):
    """Lives on the GUI thread as a child of the application; queued signals land here."""

    finished = Signal(int)

    def __init__(self, app: QCoreApplication) -> None:
        super().__init__(app)
        self.setObjectName(_RELAY_NAME)
        self.pending: dict[int, _Operation[Any]] = {}
        self._ids = itertools.count(1)
        self.finished.connect(self._deliver)

    def add(self, op: _Operation[Any]) -> int:
        op_id = next(self._ids)
        self.pending[op_id] = op
        return op_id

    @Slot(int)
    def _deliver(self, op_id: int) -> None:
        op = self.pending.pop(op_id)
        outcome, op.box.outcome = op.box.outcome, None
        if op.busy is not None and _alive(op.busy):
            op.busy.stop()
        assert outcome is not None
        error = outcome.error
        if error is not None and not isinstance(error, PharmacyError):
            log.error("Background operation failed", exc_info=(type(error), error, error.__traceback__))
        if not shiboken6.isValid(op.parent):
            log.debug("Result of a background operation dropped: its widget is gone")
            return
        try:
            if error is None:
                op.on_success(outcome.value)
            elif isinstance(error, Exception) and op.on_error is not None:
                op.on_error(error)
            else:
                show_error(op.parent, error)
        except Exception as exc:  # a bug in a callback: report it like any other
            log.exception("Callback of a background operation failed")
            show_error(op.parent, exc)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], box: _Box, relay: _Relay, op_id: int) -> None:
        super().__init__()
        self._fn: Callable[[], Any] | None = fn
        self._box = box
        self._relay = relay
        self._op_id = op_id

    def run(self) -> None:
        # Every reference this thread holds to fn, its result or its exception is dropped
        # before the signal goes out, so the last reference dies on the GUI thread: a widget
        # captured in fn's closure and released here would be destroyed on the wrong thread.
        fn, self._fn = self._fn, None
        assert fn is not None
        self._box.outcome = _call(fn)
        del fn
        try:
            self._relay.finished.emit(self._op_id)
        except RuntimeError:  # the application is shutting down
            pass


def _call(fn: Callable[[], Any]) -> _Outcome:
    try:
        return _Outcome(value=fn())
    except BaseException as exc:  # noqa: BLE001 - delivered to the GUI thread, not swallowed
        return _Outcome(error=exc)


def _alive(obj: object) -> bool:
    return not isinstance(obj, QObject) or shiboken6.isValid(obj)


def _relay() -> _Relay:
    app = QCoreApplication.instance()
    if app is None:
        raise RuntimeError("run_in_background needs a running QApplication")
    relay = app.findChild(_Relay, _RELAY_NAME)
    return relay if isinstance(relay, _Relay) else _Relay(app)


def run_in_background(
    parent: QObject,
    fn: Callable[[], T],
    on_success: Callable[[T], None],
    on_error: Callable[[Exception], None] | None = None,
    *,
    busy_message: str | None = None,
    busy: BusyIndicator | None = None,
    pool: QThreadPool | None = None,
) -> None:
    """Run ``fn`` on a worker thread; call back on the GUI thread while ``parent`` exists.

    Without ``on_error`` a failure is shown with :func:`show_error`. ``busy_message`` starts
    the busy indicator (``busy``, or the one the parent's window provides) until the outcome.
    """
    relay = _relay()
    indicator = None
    if busy_message is not None:
        indicator = busy if busy is not None else find_busy_indicator(parent)
    box = _Box()
    op_id = relay.add(_Operation(parent, fn, on_success, on_error, indicator, box))
    if indicator is not None:
        indicator.start(busy_message or "")
    (pool or QThreadPool.globalInstance()).start(_Job(fn, box, relay, op_id))
