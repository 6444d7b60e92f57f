"""The sidebar never cuts a count: on a 1024-pixel window a long name elides before its count
("Final verifica…  (2)"), the whole name still in the item's text and tooltip. And the delegate's
size hint, asked for every row on every layout, is worked out once per entry and look."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QWidget

from pharmacy_desktop.ui.sidebar import NAME_ROLE, Sidebar
from tests.shell.sidebar_window import sidebar_window

pytestmark = pytest.mark.ui

ENTRIES = [
    ("Home", None, "Alt+H", 0),
    ("Clinical review", 5, "F3", 1),
    ("Final verification", 2, "F6", 2),
    ("Final verification of the filled bottles", 12, "F7", 3),
    ("Patient messages", None, "F11", 4),
]


class StyleSpy:
    """The sidebar's style, noting each name the delegate hands it and whether the style has room for it
    (the style elides what it has no room for: a count at the end would be the first thing cut)."""

    def __init__(self, view: Sidebar):
        self.view = view
        self.real = view.style()
        self.drawn: list[tuple[str, bool]] = []

    def fits(self, opt) -> bool:
        rect = self.real.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, self.view)
        margin = self.real.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self.view) + 1
        return opt.fontMetrics.horizontalAdvance(opt.text) <= rect.width() - 2 * margin

    def drawControl(self, element, opt, painter, widget):  # noqa: N802 - the style's API
        if element == QStyle.ControlElement.CE_ItemViewItem and opt.text:
            self.drawn.append((opt.text, self.fits(opt)))
        self.real.drawControl(element, opt, painter, widget)

    def __getattr__(self, name):
        return getattr(self.real, name)


def _window(qtbot, width: int) -> tuple[QWidget, Sidebar]:
    return sidebar_window(qtbot, width, ENTRIES)


@pytest.mark.parametrize("width", [1024, 1280, 1920])
def test_a_count_is_drawn_whole_and_a_long_name_elides_before_it(qtbot, app_look, monkeypatch, width):
    window, nav = _window(qtbot, width)
    spy = StyleSpy(nav)
    monkeypatch.setattr(nav, "style", lambda: spy)
    nav.grab()
    drawn = dict(spy.drawn)
    assert len(drawn) == len(ENTRIES), spy.drawn
    for text, fits in spy.drawn:
        assert fits, f"the style would cut {text!r} at {width} px"
    long_one = [t for t in drawn if t.startswith("Final verification of")]
    shown = long_one[0] if long_one else next(t for t in drawn if t.startswith("Final verific") and "12" in t)
    assert shown.endswith("  (12)")
    assert any(t.endswith("  (2)") and t.startswith("Final verif") for t in drawn)
    assert any(t.endswith("  (5)") and t.startswith("Clinical") for t in drawn)
    item = nav.item(3)  # the whole name where a screen reader and the tooltip read it
    assert item.data(NAME_ROLE) == "Final verification of the filled bottles  (12)"
    assert "Final verification of the filled bottles, 12 waiting" in item.toolTip()
    if width == 1024:
        assert "…" in shown  # the name gave way, not the count
    assert window.isVisible()


def test_the_size_hint_is_worked_out_once_per_entry_and_again_after_a_change(qtbot, app_look, monkeypatch):
    window, nav = _window(qtbot, 1920)
    asked: list[int] = []
    real = QStyledItemDelegate.sizeHint  # what the delegate's own sizeHint asks for: the style's work

    def counting(self, option, index):
        asked.append(index.row())
        return real(self, option, index)

    monkeypatch.setattr(QStyledItemDelegate, "sizeHint", counting)
    nav.set_count(1, "Clinical review", 7)  # a new count: worked out again
    for _ in range(3):
        nav.doItemsLayout()
        nav.grab()
    first = len(asked)
    assert first and len(set(asked)) == first  # once per row at most, however many layouts and paints
    nav.set_count(1, "Clinical review", 8)
    nav.doItemsLayout()
    assert len(asked) > first
    assert window.isVisible()
