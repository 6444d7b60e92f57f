"""Issue 18: on a narrow window the sidebar gives way before the screens' tables do.

At most a fifth of the window (down to COMPACT_WIDTH); narrower than its entries, the key column
steps aside so the names stay readable, the keys still in each entry's tooltip and text.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from pharmacy_desktop.ui.sidebar import COMPACT_WIDTH, NAME_ROLE, WINDOW_SHARE, Sidebar
from tests.shell.sidebar_window import sidebar_window

pytestmark = pytest.mark.ui

ENTRIES = [
    ("Home", None, "Alt+H", 0),
    ("Intake", None, "F2", 1),
    ("Clinical review", 5, "F3", 2),
    ("Final verification", None, "F6", 3),
    ("Patient messages", None, "F11", 4),
]


def _window(qtbot, width: int) -> tuple[QWidget, Sidebar]:
    return sidebar_window(qtbot, width, ENTRIES)


def test_on_a_1024_window_the_sidebar_takes_a_fifth_and_its_names_stay_whole(qtbot):
    window, nav = _window(qtbot, 1024)
    assert COMPACT_WIDTH <= nav.width() <= max(COMPACT_WIDTH, int(1024 * WINDOW_SHARE))
    assert not nav.delegate.show_keys  # the keys stepped aside for the names
    metrics = nav.fontMetrics()
    room = nav.viewport().width() - nav.iconSize().width() - 24
    for row in range(nav.count()):
        item = nav.item(row)
        assert metrics.horizontalAdvance(str(item.data(NAME_ROLE))) <= room, item.text()
    review = nav.item(2)
    assert "F3" in review.toolTip() and review.text().startswith("F3")  # what a screen reader and a tooltip read


def test_on_a_wide_window_the_sidebar_is_as_wide_as_its_entries_with_their_keys(qtbot):
    window, nav = _window(qtbot, 1920)
    assert nav.delegate.show_keys
    assert nav.width() == nav.width_for(1920) > int(1024 * WINDOW_SHARE)
    window.resize(1024, 700)  # the window narrows: the sidebar follows
    QApplication.processEvents()
    assert nav.width() <= max(COMPACT_WIDTH, int(1024 * WINDOW_SHARE)) and not nav.delegate.show_keys
    nav.setCurrentRow(0)
    nav.setFocus()
    qtbot.keyClick(nav, Qt.Key.Key_Down)  # still a keyboard list
    assert nav.currentRow() == 1
