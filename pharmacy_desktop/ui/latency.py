"""Keeping the GUI thread's turns short (bench/gui_stall.py): the shell's modules imported on a
background thread while the sign-in window is up, the cyclic GC kept off what lives for good, and the
GIL handed over quickly to the GUI thread."""

from __future__ import annotations

import gc
import importlib
import logging
import threading
from collections.abc import Sequence

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


def preload_modules(names: Sequence[str] = PRELOAD) -> threading.Thread:
    """Import ``names`` on a daemon thread (import_modules), then load the icon fonts (icons.warm).

    The cyclic GC is off while it runs (~1.5 s, while the sign-in window is up) and what it made is frozen
    at its end: the imports' allocations set off full collections that walked all they had made so far
    (one took 60-110 ms, holding the GIL: the sign-in window's turns waited, typing included); the
    modules, classes and functions they make live for good anyway."""

    def run() -> None:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            import_modules(names)
            from pharmacy_desktop.ui.icons import warm

            warm()  # the icon fonts, which the shell's first icon would load on the GUI thread
        except Exception as exc:  # the first icon loads them, as without a preload
            log.warning("preloading the icon fonts failed: %s", type(exc).__name__)
        finally:
            freeze_long_lived("preload")
            if was_enabled:
                gc.enable()

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
    the start-up thread opens the database: Session.start), ``"sign-in"`` (the start-up's objects, before
    the preload imports the shell's modules), ``"preload"`` (what the preload imported, at its end) and
    ``"shell"`` (the first shell); a second sign-in's shell is collected as usual."""
    if stage not in _frozen:
        _frozen.add(stage)
        gc.freeze()
