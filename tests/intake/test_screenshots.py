"""Renders the intake, review and patients screens inside the shell at 1280x800 with realistic data.

The shell (navigation, user badge, status bar) with the application's own look (make_application:
Fusion, an 11 pt base font) is what a counter workstation shows, so that is what is rendered and
checked. Always rendered (so a layout that breaks shows up as a failing test); saved to
docs/screenshots/ when PHARMACY_SCREENSHOTS=1, otherwise to a temporary folder.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from pharmacy_desktop.config import Config
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.scanner import ScannerFilter
from pharmacy_desktop.ui.screens.intake import IntakeScreen
from pharmacy_desktop.ui.screens.patients import PatientsScreen
from pharmacy_desktop.ui.screens.review import ReviewScreen
from tests.shell.windows import DISPLAY, open_shell, settle

from .counter_pharmacy import counter_pharmacy

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
def context(uow_factory, qapp):
    scanner = ScannerFilter()
    yield AppContext(
        uow_factory=uow_factory, config=Config(workstation_name="counter-1"), workstation="counter-1", scanner=scanner
    )
    scanner.deleteLater()


@pytest.fixture
def pharmacy(uow_factory, actors, meds, make_patient):
    """A penicillin-allergic patient on warfarin, lisinopril and aspirin, and three prescriptions waiting
    (the alprazolam promised in two hours); namesakes of John Smith for the patient search."""
    promised = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) + dt.timedelta(hours=2)
    return counter_pharmacy(uow_factory, actors, meds, make_patient, smith_namesakes=True, promised_at=promised)


def grab(window, screen, path: Path) -> None:
    settle()
    assert (window.width(), window.height()) == DISPLAY, "rendered in the shell at 1280x800"
    assert window.current_screen() is screen and screen.isVisible()
    assert window.nav.isVisible() and window.user_badge.isVisible()
    assert window.grab().save(str(path))
    assert path.stat().st_size > 10_000


def test_screenshots(qtbot, app_look, uow_factory, actors, pharmacy, out_dir, context):
    # intake: patient chosen, drug chosen, SIG expanding, a promised time
    window, screen = open_shell(qtbot, context, actors["technician"], IntakeScreen)
    qtbot.keyClicks(screen.patient_search.edit, "garcia")
    qtbot.waitUntil(lambda: screen.patient_search.results.count() == 1, timeout=TIMEOUT)
    qtbot.keyClick(screen.patient_search.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.profile is not None, timeout=TIMEOUT)
    qtbot.keyClicks(screen.drug.edit, "amoxicillin 500")
    qtbot.waitUntil(lambda: screen.drug.results.count() >= 1, timeout=TIMEOUT)
    qtbot.keyClick(screen.drug.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.drug.choice is not None, timeout=TIMEOUT)
    qtbot.keyClicks(screen.quantity, "30")
    qtbot.keyClicks(screen.days, "10")
    qtbot.keyClicks(screen.sig.edit, "1 C PO TID X10D")
    screen.stat.setChecked(True)
    qtbot.keyClicks(screen.promised, "+1h")
    screen.notes.setText("Patient waiting; dentist called it in")
    grab(window, screen, out_dir / "intake.png")
    # the closed combo boxes show their whole (short) text, nothing cut off
    for combo in (screen.preferred, screen.daw):
        assert combo.shown_text() == combo.display_text(), f"{combo.objectName()}: {combo.shown_text()!r}"
    window.close()

    # review: the STAT amoxicillin for the penicillin-allergic patient, alerts open
    window, screen = open_shell(qtbot, context, actors["pharmacist"], ReviewScreen)
    qtbot.waitUntil(lambda: screen.detail is not None and screen.model.rowCount() == 3, timeout=TIMEOUT)
    assert screen.detail.is_stat and len(screen.detail.active_medications) == 3
    screen.alerts.setFocus()
    grab(window, screen, out_dir / "review.png")
    window.close()

    # patients: search list and an open profile
    window, screen = open_shell(qtbot, context, actors["technician"], PatientsScreen)
    qtbot.keyClicks(screen.search.edit, "smi")
    qtbot.waitUntil(lambda: screen.search.results.count() == 3, timeout=TIMEOUT)
    screen.open_patient(pharmacy["garcia"].patient_id)
    qtbot.waitUntil(lambda: screen.profile is not None, timeout=TIMEOUT)
    screen.search.results.setVisible(True)
    grab(window, screen, out_dir / "patients.png")
    window.close()
