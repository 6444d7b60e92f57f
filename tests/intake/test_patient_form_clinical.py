"""The patient form's clinical fields by keyboard: weight typed in pounds (shown in kg), pregnancy,
breastfeeding; read back as the service's PatientForm; a service error focuses the field."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from pharmacy_desktop.ui.widgets.patient_form import PatientFormWidget

from .conftest import patient_form

pytestmark = pytest.mark.ui


def test_weight_in_pounds_pregnancy_and_breastfeeding(qtbot, tmp_path):
    widget = PatientFormWidget()
    qtbot.addWidget(widget)
    widget.resize(1100, 640)
    widget.set_form(patient_form("Eva", "Lind"))
    with qtbot.waitExposed(widget):
        widget.show()
    widget.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_W, Qt.KeyboardModifier.AltModifier)  # &Weight
    assert QApplication.focusWidget() is widget.weight
    qtbot.keyClicks(widget.weight, "154 lb")
    assert widget.weight_hint.text() == "= 69.85 kg"
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_G, Qt.KeyboardModifier.AltModifier)  # Pre&gnancy
    assert QApplication.focusWidget() is widget.pregnancy
    qtbot.keyClick(widget.pregnancy, Qt.Key.Key_Down)
    qtbot.keyClick(
        QApplication.focusWidget(), Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier
    )  # Br&eastfeeding toggles it
    qtbot.waitUntil(widget.breastfeeding.isChecked)  # a mnemonic clicks a check box after a short delay
    form = widget.form()
    assert (form.weight_kg, form.pregnancy_status, form.breastfeeding) == (Decimal("69.85"), "pregnant", True)
    widget.grab().save(str(tmp_path / "patient_form_clinical.png"))

    widget.weight.setText("seventy")
    assert widget.form().weight_kg == "seventy"  # the service names what to fix
    widget.show_errors({"weight_kg": "Weight is a number in kg, or in pounds with 'lb' (e.g. 70 or 154 lb)."})
    assert widget.errors["weight_kg"].isVisible() and QApplication.focusWidget() is widget.weight

    widget.set_form(form)
    assert widget.weight.text() == "69.85" and widget.weight_hint.text() == "= 154.0 lb"
    assert widget.pregnancy.currentData() == "pregnant" and widget.breastfeeding.isChecked()
