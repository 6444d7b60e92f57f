"""Renders the review screen in the shell at 1280x800: a refused approval (profile changed) with every
alert in view, and the override dialog. Saved to docs/screenshots/ when PHARMACY_SCREENSHOTS=1,
otherwise to a temporary folder; always rendered, so a layout that breaks fails here."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from pharmacy_desktop.config import Config
from pharmacy_desktop.demo.approvals import approve_as_demo
from pharmacy_desktop.services import intake
from pharmacy_desktop.services.patients import ConditionEntry
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.screens.review import ReviewScreen
from tests.shell.windows import DISPLAY, open_shell, settle

from .conftest import rx_form
from .test_stale_dur import add_penicillin_allergy

pytestmark = [pytest.mark.ui, pytest.mark.db]
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
TIMEOUT = 15_000


@pytest.fixture
def out_dir(tmp_path) -> Path:
    if os.environ.get("PHARMACY_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        return DOCS
    return Path(os.environ.get("REVIEW_SHOTS", tmp_path))


@pytest.fixture
def context(uow_factory, qapp):
    return AppContext(uow_factory=uow_factory, config=Config(workstation_name="counter-1"), workstation="counter-1")


def grab(widget, path: Path) -> None:
    settle()
    assert widget.grab().save(str(path))
    assert path.stat().st_size > 10_000


def test_review_screenshots(qtbot, app_look, uow_factory, actors, meds, make_patient, out_dir, context):
    tech = actors["technician"]
    patient = make_patient(
        "Maria",
        "Garcia",
        dt.date(1961, 5, 17),
        conditions=(ConditionEntry("Atrial fibrillation", "I48.91"), ConditionEntry("Essential hypertension", "I10")),
    )
    warfarin = intake.submit_prescription(
        uow_factory, tech, rx_form(patient.patient_id, meds["warfarin"], sig="1 T PO QD", days=30)
    )
    approve_as_demo(uow_factory, actors["pharmacist"], warfarin.prescription_id)
    intake.submit_prescription(
        uow_factory, tech, rx_form(patient.patient_id, meds["aspirin"], sig="1 T PO QD", days=30)
    )
    window, screen = open_shell(qtbot, context, actors["pharmacist"], ReviewScreen)
    qtbot.waitUntil(lambda: screen.detail is not None, timeout=TIMEOUT)
    # the aspirin is open; the patient's penicillin allergy arrives from another workstation, then Ctrl+Enter
    add_penicillin_allergy(uow_factory, actors, patient.patient_id)
    screen.alerts.setFocus()
    qtbot.keyClick(screen.alerts, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: screen.work_area.stale_banner.isVisible(), timeout=TIMEOUT)
    assert (window.width(), window.height()) == DISPLAY
    grab(window, out_dir / "review-stale.png")
    # every alert row is in view without scrolling
    view = screen.alerts.viewport().rect()
    for i in range(screen.alerts.count()):
        rect = screen.alerts.visualItemRect(screen.alerts.item(i))
        assert view.top() <= rect.top() and rect.bottom() <= view.bottom(), f"alert row {i} is out of view"

    qtbot.keyClick(screen.alerts, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: screen.override_dialog is not None and screen.override_dialog.isVisible(), timeout=TIMEOUT)
    dialog = screen.override_dialog
    qtbot.keyClicks(dialog.professional_code, "M0")
    qtbot.keyClicks(dialog.note, "Dr. Chen consulted: low-dose aspirin wanted with warfarin, INR weekly")
    grab(dialog, out_dir / "review-override.png")
    dialog.reject()
    window.close()
