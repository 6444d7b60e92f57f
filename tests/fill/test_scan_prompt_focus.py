"""Issue 18 item 6: the scan prompt shows where keystrokes go (a solid frame and "waiting for the scan"
when it holds the focus) without a new style sheet on each focus change: one sheet keyed on its
``focused`` and ``state`` properties, the words coloured through their palette."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

from pharmacy_desktop.ui.widgets.fill_common import GREEN, INFO, RED, ScanPrompt

pytestmark = pytest.mark.ui


def _words(prompt: ScanPrompt) -> str:
    return prompt.label.palette().color(QPalette.ColorRole.WindowText).name()


def test_focus_changes_set_a_property_not_a_style_sheet(qtbot, app_look, monkeypatch):
    box = QWidget()
    qtbot.addWidget(box)
    other = QLineEdit()
    prompt = ScanPrompt("▶  SCAN THE STOCK BOTTLE")
    layout = QVBoxLayout(box)
    layout.addWidget(other)
    layout.addWidget(prompt)
    with qtbot.waitActive(box):
        box.show()
        box.activateWindow()
    sheet = prompt.styleSheet()
    sheets: list[str] = []
    monkeypatch.setattr(prompt, "setStyleSheet", sheets.append)

    for _ in range(3):
        prompt.setFocus()
        qtbot.waitUntil(prompt.hasFocus)
        assert prompt.property("focused") is True and prompt.focus_hint.isVisible()
        other.setFocus()
        qtbot.waitUntil(other.hasFocus)
        assert prompt.property("focused") is False and not prompt.focus_hint.isVisible()
    prompt.set_text("Right bottle", "done")  # a state change: a property and the words' palette too
    prompt.set_text("▶  SCAN ANOTHER STOCK BOTTLE", "problem")
    assert sheets == []  # no new sheet: no re-parse, no re-polish of the tree under the prompt
    assert prompt.styleSheet() == sheet and 'focused="true"' in sheet and "solid" in sheet


@pytest.mark.parametrize(("state", "colour"), [("waiting", INFO), ("done", GREEN), ("problem", RED)])
def test_each_state_keeps_its_colour(qtbot, app_look, state, colour):
    prompt = ScanPrompt("▶  SCAN THE STOCK BOTTLE")
    qtbot.addWidget(prompt)
    prompt.set_state("problem" if state != "problem" else "done")
    prompt.set_state(state)
    assert prompt.property("state") == state
    assert _words(prompt) == QColor(colour).name()
    assert prompt.focus_hint.palette().color(QPalette.ColorRole.WindowText).name() == QColor(colour).name()
    prompt.resize(420, 120)
    image = prompt.grab().toImage()  # the frame in the state's colour (the sheet's rule, not the default)
    border = {image.pixelColor(x, image.height() // 2).name() for x in range(0, 6)}
    assert QColor(colour).name() in border
