"""The intake screen's prescriber box by keyboard: first and last name apart ("de la Cruz"),
DEA schedules ticked with Space, read back as the service's PrescriberInput; a preferred
prescriber's one-field name is split keeping the particles."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from pharmacy_desktop.services.patient_forms import PrescriberEntry
from pharmacy_desktop.services.prescription_form import PrescriberInput
from pharmacy_desktop.ui.screens.intake import IntakeScreen

from .test_screens import Keyboard, context, show  # noqa: F401 - fixture re-used

pytestmark = [pytest.mark.ui, pytest.mark.db]


def test_prescriber_typed_by_keyboard_with_multi_word_surname_and_schedules(qtbot, context, actors, tmp_path):  # noqa: F811
    keys = Keyboard(qtbot)
    screen = IntakeScreen(context, actors["technician"])
    show(qtbot, screen)
    keys.press(Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)  # Na&me
    assert QApplication.focusWidget() is screen.prescriber_name
    keys.type("Maria")
    keys.tab()
    assert QApplication.focusWidget() is screen.prescriber_last
    keys.type("de la Cruz")
    keys.tab()
    keys.type("1234567893")
    keys.tab()
    keys.type("AD1234563")
    keys.tab()  # schedule 2
    keys.press(Qt.Key.Key_Space)
    keys.press(Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)  # S&chedules: back to the first box
    assert QApplication.focusWidget() is screen.prescriber_box.schedule_boxes["2"]
    keys.tab(4)  # 2N, 3, 3N, 4
    keys.press(Qt.Key.Key_Space)
    p = screen.prescriber_box.prescriber()
    assert (p.first_name, p.last_name, p.name, p.full_name) == (
        "Maria",
        "de la Cruz",
        "Maria de la Cruz",
        "Maria de la Cruz",
    )
    assert (p.npi, p.dea, p.dea_schedules) == ("1234567893", "AD1234563", ("2", "4"))
    screen.grab().save(str(tmp_path / "intake_prescriber.png"))


def test_setting_a_prescriber_fills_the_parts(qtbot, context, actors):  # noqa: F811
    screen = IntakeScreen(context, actors["technician"])
    show(qtbot, screen)
    box = screen.prescriber_box
    box.set_prescriber(PrescriberEntry("Dr. Martin Van Buren", "1234567893", "BV1234563", None, None, True))
    assert (box.prescriber_name.text(), box.prescriber_last.text()) == ("Martin", "Van Buren")
    assert box.prescriber().dea_schedules is None  # none ticked: not recorded
    box.set_prescriber(
        PrescriberInput("x", "1234567893", None, first_name="Ana", last_name="da Silva", dea_schedules=("3N", "5"))
    )
    assert [c for c, b in box.schedule_boxes.items() if b.isChecked()] == ["3N", "5"]
    assert box.prescriber().full_name == "Ana da Silva"
    box.clear()
    assert not box.has_name() and not any(b.isChecked() for b in box.schedule_boxes.values())
