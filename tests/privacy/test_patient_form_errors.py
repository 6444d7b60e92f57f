"""The patient form shows a pasted NUL and an over-long value beside their fields, and saves nothing
(pytest-qt, offscreen, real PostgreSQL; the keyboard only, as at the counter)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import func, select

from pharmacy_desktop.config import Config
from pharmacy_desktop.db.models.patients import Patient
from pharmacy_desktop.ui.context import AppContext

pytestmark = [pytest.mark.ui, pytest.mark.db]
TIMEOUT = 10_000


def _focus():
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    return widget


def test_pasted_nul_and_too_long_city_are_shown_beside_their_fields(qtbot, uow_factory, actors):
    from pharmacy_desktop.ui.screens.patients import PatientsScreen

    context = AppContext(uow_factory=uow_factory, config=Config(workstation_name="test-ws"), workstation="test-ws")
    screen = PatientsScreen(context, actors["technician"])
    qtbot.addWidget(screen)
    screen.resize(1280, 800)
    with qtbot.waitExposed(screen):
        screen.show()
    screen.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is screen, timeout=TIMEOUT)
    screen.activate()

    def type_(text: str) -> None:
        qtbot.keyClicks(_focus(), text)

    def paste(text: str) -> None:  # what a bad paste or a misconfigured scanner delivers
        QApplication.clipboard().setText(text)
        qtbot.keyClick(_focus(), Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)

    def tab(times: int = 1) -> None:
        for _ in range(times):
            qtbot.keyClick(_focus(), Qt.Key.Key_Tab)

    qtbot.keyClick(_focus(), Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    assert _focus() is screen.form.fields["first_name"]
    paste("Ma\x00ria")
    tab(2)  # middle name, last name
    type_("Garcia")
    tab()
    type_("05/17/1961")
    tab(2)  # gender, phone
    type_("(217) 555-7788")
    tab(3)  # second phone, e-mail, address
    type_("9 Elm St")
    tab(2)  # address 2, city
    paste("Springfield" * 20)  # 220 characters; the column holds 100
    tab()
    qtbot.keyClick(_focus(), Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    type_("IL")
    tab()
    type_("62701")
    qtbot.keyClick(_focus(), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)

    first, city = screen.form.errors["first_name"], screen.form.errors["city"]
    qtbot.waitUntil(lambda: first.isVisible() and city.isVisible(), timeout=TIMEOUT)
    assert "NUL character" in first.text() and "retype it" in first.text()
    assert "220 characters" in city.text() and "at most 100" in city.text()
    assert not screen.form.errors["last_name"].isVisible()  # only the fields at fault
    assert _focus() is screen.form.fields["first_name"]  # the first one to fix has the cursor
    assert "\x00" not in screen.message.text() and "Garcia" not in screen.message.text()
    with uow_factory() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Patient)) == 0

    # retyped, it saves: the errors above were the only thing in the way
    qtbot.keyClick(_focus(), Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    type_("Maria")
    tab(10)  # middle, last, birth date, gender, phone, second phone, e-mail, address, address 2, city
    assert _focus() is screen.form.fields["city"]
    qtbot.keyClick(_focus(), Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    type_("Springfield")
    qtbot.keyClick(_focus(), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: screen.profile is not None, timeout=TIMEOUT)
    assert not first.isVisible() and not city.isVisible()
