"""ElidedLabel: the whole text in text(), the tooltip and (while cut) the accessible name; '…' on show
when narrow; a minimum width of MIN_WIDTH at most; and no Python work on a paint or a layout (the elided
text is worked out when the text, the width or the font changes, and QLabel's C++ paint draws it)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QWidget

from pharmacy_desktop.ui.widgets.elided_label import ElidedLabel

pytestmark = pytest.mark.ui

LONG = "Oxycodone Hydrochloride and Acetaminophen 10 mg/325 mg tablet"


def _shown(qtbot, label: QWidget, width: int) -> QWidget:
    host = QWidget()
    layout = QHBoxLayout(host)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(label)
    qtbot.addWidget(host)
    host.resize(width, 40)
    host.show()
    QApplication.processEvents()
    return host


def test_narrow_it_shows_the_start_and_an_ellipsis_and_keeps_the_whole_text(qtbot):
    label = ElidedLabel(LONG)
    host = _shown(qtbot, label, 160)
    shown = label.shown_text()
    assert shown.endswith("…") and LONG.startswith(shown[:-1]) and len(shown) > 3
    assert label.fontMetrics().horizontalAdvance(shown) <= label.contentsRect().width()
    assert label.text() == LONG and label.toolTip() == LONG
    assert label.accessibleName() == LONG  # a screen reader reads the whole text, not the cut one
    host.resize(1600, 40)  # room again: the whole text, no name of its own
    QApplication.processEvents()
    assert label.shown_text() == LONG and QLabel.text(label) == LONG
    assert label.accessibleName() == ""


def test_set_text_and_clear_follow_and_a_name_given_by_the_screen_stays(qtbot):
    label = ElidedLabel("short")
    label.setAccessibleName("Drug chosen")
    host = _shown(qtbot, label, 120)
    label.setText(LONG)
    assert label.text() == LONG and label.toolTip() == LONG and label.shown_text().endswith("…")
    assert label.accessibleName() == "Drug chosen"
    label.clear()
    assert label.text() == "" and label.shown_text() == "" and label.toolTip() == ""
    assert host.isVisible()


def test_hints_the_whole_text_as_its_size_and_at_most_min_width_as_its_minimum(qtbot):
    label, plain = ElidedLabel(LONG), QLabel(LONG)
    host = _shown(qtbot, label, 160)
    assert label.sizeHint() == plain.sizeHint()  # the whole text's width, as a QLabel asks
    assert label.minimumSizeHint().width() == ElidedLabel.MIN_WIDTH
    assert ElidedLabel("Qty").minimumSizeHint().width() == QLabel("Qty").minimumSizeHint().width()
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * 2)
    label.setFont(font)  # a zoom: measured again, elided again
    plain.setFont(font)
    QApplication.processEvents()
    assert label.sizeHint() == plain.sizeHint()
    assert label.fontMetrics().horizontalAdvance(label.shown_text()) <= label.contentsRect().width()
    assert host.isVisible()


def test_painting_and_laying_out_run_no_python(qtbot, monkeypatch):
    """The shell's first showing spent its time in this label's Python paintEvent and minimumSizeHint."""
    assert "paintEvent" not in ElidedLabel.__dict__
    label = ElidedLabel(LONG)
    host = _shown(qtbot, label, 160)
    calls: list[str] = []
    monkeypatch.setattr(ElidedLabel, "_elide", lambda self: calls.append("elide"))
    monkeypatch.setattr(ElidedLabel, "_measure", lambda self: calls.append("measure"))
    for _ in range(3):
        label.update()
        host.layout().invalidate()
        host.layout().activate()
        host.grab()
    assert calls == []  # nothing worked out again: same text, width and font
