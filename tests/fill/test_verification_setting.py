"""The settings screen's Point-of-sale tab carries the independent-verification checkbox: loaded
from the database, saved when toggled from the keyboard (Space)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from pharmacy_desktop.services import verify
from pharmacy_desktop.ui.widgets.pos_settings import PosSettingsPage

pytestmark = [pytest.mark.ui, pytest.mark.db]


def test_checkbox_loads_and_saves_the_setting(qtbot, uow_factory, actors, tmp_path):
    from tests.fill import factories

    factories.world(uow_factory)  # a pharmacy profile row
    page = PosSettingsPage(uow_factory, actors["admin"])
    qtbot.addWidget(page)
    page.resize(1200, 600)
    page.show()
    page.load()
    box = page.verification.checkbox
    qtbot.waitUntil(lambda: box.isChecked(), timeout=10_000)
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "Saved" in page.verification.notice.text(), timeout=10_000)
    assert verify.independent_verification(uow_factory) is False and not box.isChecked()
    page.grab().save(str(tmp_path / "pos_settings.png"))
    qtbot.keyClick(box, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: verify.independent_verification(uow_factory) is True, timeout=10_000)


def test_a_technician_cannot_turn_it_off(qtbot, uow_factory, actors):
    from tests.fill import factories

    factories.world(uow_factory)
    page = PosSettingsPage(uow_factory, actors["technician"])
    qtbot.addWidget(page)
    page.show()
    page.verification.load()
    box = page.verification.checkbox
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "settings.manage" in page.verification.notice.text(), timeout=10_000)
    qtbot.waitUntil(lambda: box.isChecked(), timeout=10_000)  # reloaded: still on
    assert verify.independent_verification(uow_factory) is True
