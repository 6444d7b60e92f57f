"""Keeping the GUI thread's turns short (bench/gui_stall.py): the shell's modules imported on a
background thread while the sign-in window is up, the cyclic GC kept off what lives for good, and the
GIL handed over quickly to the GUI thread."""

from __future__ import annotations

import gc
import importlib
import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

log = logging.getLogger(__name__)

GIL_SWITCH_S = 0.001

# the shell and its screens' modules (reportlab, the services, qtawesome ...): imported on a background
# thread while the sign-in window is up, not on the GUI thread when the shell opens (bench/gui_stall.py)
PRELOAD = (
    "qtawesome",
    "pharmacy_desktop.ui.main_window",
    "pharmacy_desktop.ui.scan_dispatch",
    "pharmacy_desktop.ui.screens.registry",
)
# the database layer (SQLAlchemy, psycopg, the models and repositories, alembic for the revision check):
# imported by the start-up thread before it opens the database (ui/app.Session._open_database), with the
# cyclic GC paused (gc_paused), not on the GUI thread before the first window
DATABASE_MODULES = (
    "pharmacy_desktop.app",
    "pharmacy_desktop.services.auth",
    "pharmacy_desktop.db.migrate",
)

# the sign-in window's modules (and the change listener's): imported by the start-up thread once the
# database is open (ui/app.start_up), not on the GUI thread in the turn that shows the sign-in
SIGN_IN_MODULES = (
    "pharmacy_desktop.ui.context",
    "pharmacy_desktop.ui.changes",
    "pharmacy_desktop.ui.signin_window",
)


def import_modules(names: Sequence[str]) -> None:
    """Import ``names`` on the calling (background) thread: module code only, no widget is made there; Qt
    widgets are made on the GUI thread, which finds the modules imported, or waits for the import in progress."""
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as exc:  # imported again where used, and failing there as it would have
            log.warning("preloading %s failed: %s", name, type(exc).__name__)


_pause_lock = threading.Lock()
_pauses = 0  # gc_paused blocks running now (any thread)
_enabled_before = True  # the collector's state when the first of them began


@contextmanager
def gc_paused(stage: str) -> Iterator[None]:
    """The cyclic GC off while a background thread imports modules, what it made frozen at the end (stage
    ``stage``, freeze_long_lived), the collector then as it was. A big import's allocations set off full
    collections that walk all it has made so far (35-110 ms each, holding the GIL: the GUI thread's
    turns waited, the sign-in's typing too); the modules, classes and functions it makes live for good
    anyway. Nested or concurrent pauses: the collector comes back when the last ends."""
    global _pauses, _enabled_before
    with _pause_lock:
        if _pauses == 0:
            _enabled_before = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        freeze_long_lived(stage)
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0 and _enabled_before:
                gc.enable()


def preload_modules(names: Sequence[str] = PRELOAD) -> threading.Thread:
    """Import ``names`` on a daemon thread (import_modules), then load the icon fonts (icons.warm), the
    collector paused meanwhile (gc_paused: ~1.5 s while the sign-in window is up)."""

    def run() -> None:
        with gc_paused("preload"):
            import_modules(names)
            try:
                from pharmacy_desktop.ui.icons import warm

                warm()  # the icon fonts, which the shell's first icon would load on the GUI thread
            except Exception as exc:  # the first icon loads them, as without a preload
                log.warning("preloading the icon fonts failed: %s", type(exc).__name__)

    freeze_long_lived("sign-in")  # the full collections the import's allocations set off walk only what it makes
    thread = threading.Thread(target=run, name="preload-modules", daemon=True)
    thread.start()
    return thread


_frozen: set[str] = set()  # the stages whose objects were frozen (at most once each per process)


def freeze_long_lived(stage: str = "shell") -> None:
    """Move the objects made so far to Python's permanent generation: a full collection of the cyclic
    garbage collector no longer walks them. One took ~0.1 s of CPU with the app's modules loaded, holding
    the GIL, so the GUI thread stalled whichever thread set it off (a query on a pool thread too; the
    preload's imports while the sign-in window is up). Objects made later are collected as before.

    Once per stage and process: ``"start"`` (the modules imported before the start-up window, before
    the start-up thread opens the database: Session.start), ``"database layer"`` and ``"sign-in
    modules"`` (the start-up thread's imports, gc_paused), ``"sign-in"`` (the start-up's objects, before
    the preload imports the shell's modules), ``"preload"`` (what the preload imported, at its end) and
    ``"shell"`` (the first shell); a second sign-in's shell is collected as usual."""
    if stage not in _frozen:
        _frozen.add(stage)
        gc.freeze()
