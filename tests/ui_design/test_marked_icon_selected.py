"""Issue 18: a table's status icon (``Marked`` -> DecorationRole, the users and audit screens) stays
visible on a SELECTED row in both themes: its Selected-mode pixmap is drawn in the highlighted-text
colour, not the status colour (a red or green glyph on the light theme's blue highlight, or a dark
one on the high-contrast theme's black, could not be seen)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QTableView

from pharmacy_desktop.ui.design import HIGH_CONTRAST, LIGHT, Palette, contrast
from pharmacy_desktop.ui.table_models import Marked, RowsModel
from pharmacy_desktop.ui.theme import apply_look

pytestmark = pytest.mark.ui

KINDS = ("stop", "warning", "passed", "info", "stat", "controlled")


def _visible_pixels(view: QTableView, row: int, theme: Palette) -> int:
    """Pixels of the row's cell that stand out from the selection highlight (3:1, WCAG's non-text)."""
    image = view.viewport().grab().toImage()
    # the cell without its grid line (light on the highlight), to just past the icon's square
    cell = view.visualRect(view.model().index(row, 0)).adjusted(1, 1, -2, -2)
    rect = cell.adjusted(0, 0, -(cell.width() - 3 * _side(view)), 0)
    count = 0
    for x in range(rect.left(), rect.right() + 1):
        for y in range(rect.top(), rect.bottom() + 1):
            if contrast(image.pixelColor(x, y).name(), theme.selection) >= 3.0:
                count += 1
    return count


def _side(view: QTableView) -> int:
    """The icon's side in the view (the style's small icon size unless the view sets one)."""
    size = view.iconSize().width()
    return size if size > 0 else view.style().pixelMetric(view.style().PixelMetric.PM_SmallIconSize)


@pytest.mark.parametrize("theme", [LIGHT, HIGH_CONTRAST], ids=lambda t: t.name)
def test_marked_icon_stands_out_on_a_selected_row(qtbot, app_look, theme):
    apply_look(app_look, theme)
    # no words: every pixel that stands out is the icon's
    model = RowsModel([("Status", lambda kind: Marked(kind, ""))])
    model.set_rows(list(KINDS))
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # no focus frame drawn over the cell
    view.resize(300, 400)
    view.show()
    qtbot.waitExposed(view)
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for row in range(len(KINDS)):
        view.selectionModel().select(model.index(row, 0), flags)
    side = _side(view)
    assert side >= 12
    for row, kind in enumerate(KINDS):
        shown = _visible_pixels(view, row, theme)
        # the glyph stands out (a thin one, STAT's bolt: ~28 px of 256; a status colour on the highlight: 0)
        assert shown >= side * side // 12, f"{kind!r} icon on a selected row ({theme.name}): {shown} px visible"
