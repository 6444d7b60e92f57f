"""Renders the intake, review and patients screens at 1280x800 with realistic data.

Always rendered (so a layout that breaks shows up as a failing test); saved to
docs/screenshots/ when PHARMACY_SCREENSHOTS=1, otherwise to a temporary folder.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from pharmacy_desktop.config import Config
from pharmacy_desktop.services import intake
from pharmacy_desktop.services.patients import AllergyEntry, ConditionEntry, InsuranceEntry
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.screens.intake import IntakeScreen
from pharmacy_desktop.ui.screens.patients import PatientsScreen
from pharmacy_desktop.ui.screens.review import ReviewScreen

from .conftest import rx_form

pytestmark = [pytest.mark.ui, pytest.mark.db]
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
TIMEOUT = 10_000


@pytest.fixture
def out_dir(tmp_path) -> Path:
    if os.environ.get("PHARMACY_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        return DOCS
    return tmp_path


@pytest.fixture
def pharmacy(uow_factory, actors, meds, make_patient):
    tech = actors["technician"]
    insurance = (InsuranceEntry("Medicare Part D - SilverScript", "MED493020117", "primary", "004336", "MEDDADV",
                                "RXGRP01"),)
    garcia = make_patient("Maria", "Garcia", dt.date(1961, 5, 17), phone="(217) 555-7788",
                          allergies=(AllergyEntry("Penicillin", "drug", "Hives", "moderate"),
                                     AllergyEntry("Sulfa drugs", "drug", "Rash", "mild"),
                                     AllergyEntry("Peanuts", "food", "Anaphylaxis", "severe")),
                          conditions=(ConditionEntry("Atrial fibrillation", "I48.91"),
                                      ConditionEntry("Essential hypertension", "I10")),
                          insurance=insurance)
    smith = make_patient("John", "Smith", dt.date(1980, 3, 4), phone="(217) 555-0101")
    make_patient("Jane", "Smithers", dt.date(1975, 12, 1), phone="(217) 555-2233")
    make_patient("Robert", "Smithson", dt.date(1949, 8, 30), phone="(217) 555-4410")
    lee = make_patient("Karen", "Lee", dt.date(1990, 2, 14), phone="(217) 555-9001")
    for med, sig in (("warfarin", "1 T PO QD UD"), ("lisinopril", "1 T PO QD")):
        intake.submit_prescription(uow_factory, tech, rx_form(garcia.patient_id, meds[med], sig=sig, days=30))
    from pharmacy_desktop.services import review
    for row in review.review_queue(uow_factory, actors["pharmacist"]):
        review.demo_approve(uow_factory, actors["pharmacist"], row.prescription_id)
    intake.submit_prescription(uow_factory, tech, rx_form(smith.patient_id, meds["lisinopril"], sig="1 T PO QD",
                                                          days=30))
    intake.submit_prescription(uow_factory, tech, rx_form(lee.patient_id, meds["alprazolam"],
                                                          sig="1 T PO BID PRN ANXIETY", quantity="30", days=15,
                                                          refills=2))
    intake.submit_prescription(uow_factory, tech, rx_form(garcia.patient_id, meds["amoxicillin"], stat=True))
    return {"garcia": garcia, "smith": smith}


def render(qtbot, screen, path: Path) -> None:
    screen.resize(1280, 800)
    for _ in range(3):  # let pending layout requests settle, as the event loop would
        QApplication.processEvents()
    assert screen.grab().save(str(path))
    assert path.stat().st_size > 10_000


def show(qtbot, screen) -> None:
    qtbot.addWidget(screen)
    screen.resize(1280, 800)
    screen.show()
    qtbot.waitExposed(screen)
    screen.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is screen, timeout=TIMEOUT)
    screen.activate()


def test_screenshots(qtbot, uow_factory, actors, pharmacy, out_dir):
    context = AppContext(uow_factory=uow_factory, config=Config(workstation_name="counter-1"),
                         workstation="counter-1")
    # intake: patient chosen, drug chosen, SIG expanding
    screen = IntakeScreen(context, actors["technician"])
    show(qtbot, screen)
    qtbot.keyClicks(screen.patient_search.edit, "garcia")
    qtbot.waitUntil(lambda: screen.patient_search.results.count() == 1, timeout=TIMEOUT)
    qtbot.keyClick(screen.patient_search.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.profile is not None, timeout=TIMEOUT)
    qtbot.keyClicks(screen.drug.edit, "amoxicillin 500")
    qtbot.waitUntil(lambda: screen.drug.results.count() >= 1, timeout=TIMEOUT)
    qtbot.keyClick(screen.drug.edit, Qt.Key.Key_Return)
    qtbot.keyClicks(screen.quantity, "30")
    qtbot.keyClicks(screen.days, "10")
    qtbot.keyClicks(screen.sig.edit, "1 C PO TID X10D")
    screen.stat.setChecked(True)
    screen.notes.setText("Patient waiting; dentist called it in")
    render(qtbot, screen, out_dir / "intake.png")

    # review: the STAT amoxicillin for the penicillin-allergic patient, alerts open
    review_screen = ReviewScreen(context, actors["pharmacist"])
    show(qtbot, review_screen)
    qtbot.waitUntil(lambda: review_screen.detail is not None, timeout=TIMEOUT)
    assert review_screen.detail.is_stat
    review_screen.alerts.setFocus()
    render(qtbot, review_screen, out_dir / "review.png")

    # patients: search list and an open profile
    patients_screen = PatientsScreen(context, actors["technician"])
    show(qtbot, patients_screen)
    qtbot.keyClicks(patients_screen.search.edit, "smi")
    qtbot.waitUntil(lambda: patients_screen.search.results.count() == 3, timeout=TIMEOUT)
    patients_screen.open_patient(pharmacy["garcia"].patient_id)
    qtbot.waitUntil(lambda: patients_screen.profile is not None, timeout=TIMEOUT)
    patients_screen.search.results.setVisible(True)
    render(qtbot, patients_screen, out_dir / "patients.png")
