"""How the pickup screen's parts colour their words without re-polishing on every update.

A widget's own style sheet makes Qt re-polish it (and what is inside it) each time one is set, even the
same one: a hint is the application style sheet's ``role="hint"`` (set before the widget shows), and a
status colour that changes with the state is set only when it does change (:func:`restyle`).
"""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtWidgets import QWidget

W = TypeVar("W", bound=QWidget)


def restyle(widget: QWidget, css: str) -> None:
    """``widget``'s own style sheet, set only when it differs from the one it has."""
    if widget.styleSheet() != css:
        widget.setStyleSheet(css)


def as_hint(widget: W) -> W:
    """``widget`` in the hint colour of the theme (``QLabel[role="hint"]`` in the application style sheet)."""
    widget.setProperty("role", "hint")
    return widget
