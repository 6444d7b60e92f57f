"""Intake from the keyboard with a SIG the reader refuses (OD): Enter alone is refused next to the
SIG with the reason, Tab reaches the directions line, the typed directions are what is saved."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import Qt

from pharmacy_desktop.ui.screens.intake import IntakeScreen
from tests.intake.test_screens import TIMEOUT, Keyboard, context, focus, show  # noqa: F401 - context is a fixture

pytestmark = [pytest.mark.ui, pytest.mark.db]


def test_refused_sig_needs_typed_directions_at_intake(qtbot, context, actors, meds, make_patient, uow_factory):  # noqa: F811
    make_patient("John", "Smith")
    keys = Keyboard(qtbot)
    screen = IntakeScreen(context, actors["technician"])
    show(qtbot, screen)
    keys.type("smith")
    qtbot.waitUntil(lambda: screen.patient_search.results.count() == 1, timeout=TIMEOUT)
    keys.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.profile is not None, timeout=TIMEOUT)
    assert focus() is screen.drug.edit
    keys.type("lisinopril 10")
    qtbot.waitUntil(lambda: screen.drug.results.count() >= 1, timeout=TIMEOUT)
    keys.press(Qt.Key.Key_Return)
    keys.type("30")
    keys.tab(2)
    keys.type("30")
    keys.tab()
    keys.type("0")
    keys.tab()
    assert focus() is screen.sig.edit
    keys.type("1 tab po od")
    assert "OD is an error-prone abbreviation" in screen.sig.expansion.text()
    assert screen.sig.directions.isVisible()

    keys.press(Qt.Key.Key_Return)  # Enter saves: refused, the reason under the SIG
    qtbot.waitUntil(lambda: screen.errors["items[0].sig"].isVisible(), timeout=TIMEOUT)
    assert "Type the directions" in screen.errors["items[0].sig"].text()
    assert screen.last_saved is None

    screen.sig.edit.setFocus()  # where the error sent the technician
    keys.tab()
    assert focus() is screen.sig.directions
    keys.type("Take 1 tablet by mouth once a day")
    if os.environ.get("PHARMACY_SCREENSHOTS"):
        screen.grab().save("/tmp/intake_sig_od.png")
    keys.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.last_saved is not None, timeout=TIMEOUT)
    with uow_factory() as uow:
        [item] = uow.prescriptions.get_with_items(screen.last_saved.prescription_id).items
        assert (item.sig, item.directions) == ("1 tab po od", "Take 1 tablet by mouth once a day")
