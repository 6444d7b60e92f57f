"""Issue 18: review at 1920x1080 with one open alert: the alert's detail box is as tall as its text
(three lines at the least), not a tall empty box; the room goes to the queue and the patient's
active medications on the left, and the prescription's panes on the right keep their text whole."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from pharmacy_desktop.config import Config
from pharmacy_desktop.services import intake
from pharmacy_desktop.services.patients import AllergyEntry
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.fit_check import find_clipping
from pharmacy_desktop.ui.screens.registry import screen_classes
from pharmacy_desktop.ui.screens.review import ReviewScreen
from pharmacy_desktop.ui.screenshots import settle

from .conftest import rx_form

pytestmark = [pytest.mark.ui, pytest.mark.db]
TIMEOUT = 15_000


def test_one_alert_at_1920_gets_a_detail_as_tall_as_its_text(
    qtbot, app_look, actors, meds, make_patient, uow_factory, database_url
):
    from pharmacy_desktop.ui.main_window import MainWindow

    patient = make_patient(allergies=(AllergyEntry("Aspirin", "drug", "Hives", "moderate"),))
    saved = intake.submit_prescription(
        uow_factory, actors["technician"], rx_form(patient.patient_id, meds["aspirin"], sig="1 T PO QD")
    )
    context = AppContext(
        uow_factory=uow_factory,
        config=Config(workstation_name="test-ws"),
        workstation="test-ws",
        database_url=database_url,
    )
    window = MainWindow(context, actors["pharmacist"], screen_classes())
    qtbot.addWidget(window)
    window.set_database_connected(True)
    window.resize(1920, 1080)
    window.show()
    screen = next(s for s in window.screens if isinstance(s, ReviewScreen))
    assert window.show_screen(screen)
    qtbot.waitUntil(lambda: screen.detail is not None, timeout=TIMEOUT)
    screen.open_prescription(saved.prescription_id)
    qtbot.waitUntil(
        lambda: screen.detail is not None and screen.detail.prescription_id == saved.prescription_id, timeout=TIMEOUT
    )
    settle(minimum=0.1)
    area = screen.work_area
    assert screen.detail.open_alerts  # the allergy (and what else the checks say)
    detail = area.alert_detail
    text_height = int(detail.document().size().height()) + 2 * detail.frameWidth()
    line = detail.fontMetrics().lineSpacing()
    assert detail.verticalScrollBar().maximum() == 0  # the whole text in view
    assert detail.height() <= max(int(line * 3.7), text_height) + line  # no tall empty box under it
    meds_box = screen.queue_panel.meds_box
    assert meds_box.height() > 0
    QApplication.processEvents()
    assert [str(c) for c in find_clipping(window)] == []
    window.grab().save("/tmp/h4-review-1920-one-alert.png")
    window.close()
    QApplication.processEvents()
