"""A sidebar beside a stand-in screen in a window of a given width, shown (the sidebar tests)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QWidget

from pharmacy_desktop.ui.sidebar import Sidebar


def sidebar_window(qtbot, width: int, entries: Sequence[tuple[Any, ...]]) -> tuple[QWidget, Sidebar]:
    window = QWidget()
    layout = QHBoxLayout(window)
    nav = Sidebar()
    nav.set_entries(list(entries))
    layout.addWidget(nav)
    layout.addWidget(QLabel("the screen"), 1)
    qtbot.addWidget(window)
    window.resize(width, 700)
    window.show()
    QApplication.processEvents()
    return window, nav
