"""The SIG field at intake: a SIG that is not fully understood shows why and asks for the
directions to be typed; an understood SIG shows its reading and asks for nothing."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from pharmacy_desktop.ui.widgets.sig_field import SigField


def _field(qtbot) -> SigField:
    field = SigField()
    field.resize(560, 120)
    qtbot.addWidget(field)
    field.show()
    qtbot.waitExposed(field)
    return field


def test_refused_abbreviation_asks_for_typed_directions(qtbot):
    field = _field(qtbot)
    QTest.keyClicks(field.edit, "1 tab po od")
    assert field.expansion.icon_kind == "warning"
    assert field.expansion.text().startswith("No automatic directions. OD is an error-prone abbreviation")
    assert "right eye" not in field.expansion.text().split("(")[0]
    assert field.directions.isVisible() and field.typed_directions() == ""
    QTest.keyClicks(field.directions, "Take 1 tablet by mouth once a day")
    assert field.typed_directions() == "Take 1 tablet by mouth once a day"
    if os.environ.get("PHARMACY_SCREENSHOTS"):
        field.grab().save("/tmp/sig_field_od.png")

    field.edit.clear()
    QTest.keyClicks(field.edit, "1 tab po four times daily")
    assert field.expansion.text() == "Label will read: “Take 1 tablet by mouth 4 times a day”"
    assert field.expansion.icon_kind == "passed"
    assert not field.directions.isVisible() and field.typed_directions() is None


def test_unknown_word_asks_for_typed_directions(qtbot):
    field = _field(qtbot)
    QTest.keyClicks(field.edit, "1 t po 3 times")
    assert "Not understood: times" in field.expansion.text()
    assert field.directions.isVisible()
    QTest.keyClick(field.edit, Qt.Key.Key_Backspace)  # "1 t po 3 time": still not understood
    assert field.directions.isVisible()
    field.setText("")
    assert field.expansion.text() == "Label will read: —" and not field.directions.isVisible()
