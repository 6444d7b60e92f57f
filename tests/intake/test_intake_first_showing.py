"""Issue 18 item 6: the intake screen's first showing without a stall.

The F2 turn makes the title, the patient box (the search has the focus) and the actions; the prescriber
box and then the prescription and drug boxes are made in the event loop's next turns, each widget made
in its box (the app's style sheet goes through it once, not again at every move into a new parent).
Reading one of the later fields sooner, or a key pressed in the patient search before then, makes the
rest at once. No database: nothing here searches or saves.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from pharmacy_desktop.ui.screens.intake import IntakeScreen
from tests.offline_screen import StyleChanges, any_actor, offline_context

pytestmark = pytest.mark.ui

ACTOR = any_actor("tech", "Tess Tech", "technician")


def _shown_host(qtbot) -> tuple[QWidget, QVBoxLayout]:
    """An active window to make the screen in (as the shell's stack): the screen shows at once."""
    host = QWidget()
    qtbot.addWidget(host)
    layout = QVBoxLayout(host)
    host.resize(1280, 800)
    with qtbot.waitActive(host):
        host.show()
        host.activateWindow()
    return host, layout


def test_the_patient_box_first_the_rest_in_the_next_turns(qtbot, app_look):
    app = QApplication.instance()
    changes = StyleChanges()
    app.installEventFilter(changes)
    try:
        _host, layout = _shown_host(qtbot)
        screen = IntakeScreen(offline_context(), ACTOR)
        layout.addWidget(screen)
        screen.show()  # as the stack's setCurrentWidget: visible in this turn
        screen.patient_search.edit.setFocus()
        assert not screen.form_built() and "prescriber_box" not in vars(screen)  # nothing of it made yet
        assert screen.patient_search.isVisible() and screen.banner.isVisible()
        qtbot.waitUntil(screen.form_built, timeout=2000)
        QApplication.processEvents()
    finally:
        app.removeEventFilter(changes)
    boxes = (screen.prescriber_box, screen.rx_box, screen.item_box)
    assert all(box.isVisible() and box.parentWidget() is screen.columns.widget() for box in boxes)
    widgets = len(screen.findChildren(QWidget)) + 1
    # about once a widget (built bottom-up in one turn: ~290 style changes for ~110 widgets)
    assert changes.count <= widgets * 3 // 2, f"{changes.count} style changes for {widgets} widgets"
    assert screen.patient_search.edit.hasFocus()

    keys = [screen.patient_search.edit]  # Tab from the patient goes through the form in reading order
    for _ in range(4):
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        keys.append(QApplication.focusWidget())
    assert keys[1:] == [screen.preferred, screen.prescriber_name, screen.prescriber_last, screen.prescriber_npi]


def test_a_field_read_before_its_turn_is_made_then(qtbot, app_look):
    screen = IntakeScreen(offline_context(), ACTOR)
    qtbot.addWidget(screen)
    assert not screen.form_built()
    drug = screen.drug  # a test, a scan's answer or a returned prescription reading the form at once
    assert screen.form_built() and drug is screen.item_box.drug and screen.prescriber_name is not None
    assert vars(screen)["drug"] is drug  # from now on a plain attribute


def test_a_mnemonic_typed_before_the_form_is_made_finds_its_field(qtbot, app_look):
    _host, layout = _shown_host(qtbot)
    screen = IntakeScreen(offline_context(), ACTOR)
    layout.addWidget(screen)
    screen.show()
    screen.patient_search.edit.setFocus()
    assert not screen.form_built()
    # Alt+T ("Promised &time") in the same turn as F2: the key's shortcut override makes the form first
    QTest.keyClick(screen.patient_search.edit, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)
    assert screen.form_built()
    assert QApplication.focusWidget() is screen.promised
