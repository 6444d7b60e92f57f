"""Kept for tests written against it: the counter's hands are tests/counter_driver.py.

New tests: ``from tests.counter_driver import Counter, context_for`` and ``Counter.on_screen(screen)``.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from tests.counter_driver import Counter as _Counter
from tests.counter_driver import context_for

__all__ = ["Counter", "context_for"]


def Counter(screen: QWidget) -> _Counter:  # noqa: N802 - the name the old tests construct
    """The scanner and keyboard on one screen or page shown on its own (``Counter.on_screen``)."""
    return _Counter.on_screen(screen)
