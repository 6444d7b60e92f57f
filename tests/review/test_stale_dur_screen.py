"""The issue's stale-DUR scenario at the review screen (pytest-qt, offscreen, real PostgreSQL).

Amoxicillin waits for review; the pharmacist has it open with nothing left to handle; on another
workstation the patient's penicillin anaphylaxis is recorded (the patient service, as that
workstation's screen calls it). The pharmacist presses Ctrl+Enter: approval is refused with the
reason, the new allergy alert is in the list marked NEW, and the prescription can be approved only
after the hard stop is overridden with the three NCPDP codes and a note. Keys only, to whatever has
the focus.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from pharmacy_desktop.config import Config
from pharmacy_desktop.services import intake
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.screens.review import ReviewScreen
from pharmacy_desktop.ui.widgets.review_lists import ICON_KIND_ROLE

from .conftest import rx_form
from .test_stale_dur import add_penicillin_allergy

pytestmark = [pytest.mark.ui, pytest.mark.db]
TIMEOUT = 15_000
STALE = (
    "The patient's profile changed since these checks ran (allergy, condition, weight, pregnancy or "
    "medication). The checks were run again: review the new alerts before approving."
)


@pytest.fixture
def context(uow_factory):
    return AppContext(uow_factory=uow_factory, config=Config(workstation_name="test-ws"), workstation="test-ws")


def focus() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    return widget


def press(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(focus(), key, modifier)


def show(qtbot, screen) -> None:
    qtbot.addWidget(screen)
    screen.resize(1280, 800)
    with qtbot.waitExposed(screen):
        screen.show()
    screen.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is screen, timeout=TIMEOUT)
    screen.activate()


def rows(screen) -> list[str]:
    return [screen.alerts.item(i).text() for i in range(screen.alerts.count())]


def handle_open_warnings(qtbot, screen) -> None:
    """Acknowledge every open warning with Alt+A (the screen highlights the first open alert)."""
    while screen.detail.open_alerts:
        alert = screen.current_alert()
        assert alert is not None and not alert.needs_override, rows(screen)
        before = len(screen.detail.open_alerts)
        press(qtbot, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(lambda: len(screen.detail.open_alerts) < before, timeout=TIMEOUT)


def test_penicillin_allergy_added_while_amoxicillin_waits_refuses_approval(
    qtbot, context, actors, meds, make_patient, uow_factory, tmp_path
):
    patient = make_patient()
    saved = intake.submit_prescription(
        uow_factory, actors["technician"], rx_form(patient.patient_id, meds["amoxicillin"], sig="1 C PO TID X10D")
    )
    screen = ReviewScreen(context, actors["pharmacist"])
    show(qtbot, screen)
    qtbot.waitUntil(lambda: screen.detail is not None, timeout=TIMEOUT)
    assert screen.detail.rx_number == saved.rx_number
    assert not any(a.check == "allergy_check" and a.is_alert and "enicillin" in a.message for a in screen.detail.alerts)
    press(qtbot, Qt.Key.Key_Tab)  # to the alerts
    handle_open_warnings(qtbot, screen)
    assert "Ctrl+Enter approves" in screen.message.text()

    # another workstation records the allergy while the prescription is open here
    add_penicillin_allergy(uow_factory, actors, patient.patient_id)

    press(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # approve: refused
    qtbot.waitUntil(lambda: screen.work_area.stale_banner.isVisible(), timeout=TIMEOUT)
    assert screen.work_area.stale_banner.toolTip() == f"⟳ Not approved. {STALE} 1 new alert(s), marked NEW."
    with uow_factory() as uow:
        assert uow.prescriptions.get(saved.prescription_id).status == "received"
    # the new allergy alert is in the list, highlighted, marked NEW, with every other alert in its own row
    new_rows = [t for t in rows(screen) if t.startswith("NEW HARD STOP")]
    assert len(new_rows) == 1 and "Drug allergy" in new_rows[0] and "enicillin" in new_rows[0]
    assert screen.alerts.currentItem().text() == new_rows[0] and focus() is screen.alerts
    assert screen.alerts.currentItem().data(ICON_KIND_ROLE) == "stop"  # the icon beside the words
    assert screen.current_alert().needs_override
    assert screen.work_area.alerts_box.title().startswith("DUR alerts — 1 hard stop(s)")

    shot = Path(os.environ.get("REVIEW_SHOTS", tmp_path)) / "review-stale-allergy.png"
    assert screen.grab().save(str(shot))  # looked at: the banner, the NEW hard stop highlighted, its detail

    press(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # still refused: the hard stop is open
    qtbot.waitUntil(lambda: "Cannot approve" in screen.message.text(), timeout=TIMEOUT)
    assert "1 hard stop(s) need an override" in screen.message.text()

    press(qtbot, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)  # acknowledging a hard stop is not enough
    assert "cannot just be acknowledged" in screen.message.text()

    press(qtbot, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)  # the override dialog
    qtbot.waitUntil(lambda: screen.override_dialog is not None and screen.override_dialog.isVisible(), timeout=TIMEOUT)
    dialog = screen.override_dialog
    assert dialog.reason_code.currentData() == "DA"  # drug-allergy, from the alert's check
    qtbot.waitUntil(lambda: focus() is dialog.professional_code, timeout=TIMEOUT)
    qtbot.keyClicks(focus(), "M0")  # professional service: prescriber consulted
    assert dialog.professional_code.currentData() == "M0"
    press(qtbot, Qt.Key.Key_Tab)
    press(qtbot, Qt.Key.Key_Tab)  # the result of service left unchosen: to the note
    assert focus() is dialog.note
    qtbot.keyClicks(focus(), "ok ok ok ok ok ok")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=TIMEOUT)
    assert "Choose the NCPDP result of service code" in dialog.error.text()
    assert focus() is dialog.result_code  # to what is missing
    qtbot.keyClicks(focus(), "1G")
    assert dialog.result_code.currentData() == "1G"
    press(qtbot, Qt.Key.Key_Tab)
    press(qtbot, Qt.Key.Key_Return)  # the filler note: refused by the service, in the dialog
    qtbot.waitUntil(lambda: "different words" in dialog.error.text() and not dialog.busy, timeout=TIMEOUT)
    dialog.note.selectAll()
    qtbot.keyClicks(dialog.note, "Dr. Chen consulted: amoxicillin stopped, cephalexin not chosen; filled after review")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.override_dialog is None and not screen.detail.open_alerts, timeout=TIMEOUT)
    allergy = next(a for a in screen.detail.alerts if a.check == "allergy_check")
    assert allergy.resolved and allergy.ncpdp_codes == "DA/M0/1G"
    assert any(t.startswith("NEW RESOLVED") and "[DA/M0/1G]" in t for t in rows(screen))

    press(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "validated" in screen.message.text(), timeout=TIMEOUT)
    with uow_factory() as uow:
        assert uow.prescriptions.get(saved.prescription_id).status == "validated"
        kinds = [e.event_type for e in uow.audit.events_for("prescription", saved.prescription_id)]
    assert "ApprovalRefusedStaleDur" in kinds and kinds[-2:] == ["DurAlertOverridden", "PrescriptionValidated"]
