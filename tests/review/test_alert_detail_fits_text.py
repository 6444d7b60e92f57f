"""Issue 18: review at 1920x1080 with one open alert: the alert's detail box is as tall as its text
(three lines at the least), not a tall empty box; the room goes to the queue and the patient's
active medications on the left, and the prescription's panes on the right keep their text whole."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from pharmacy_desktop.services import intake
from pharmacy_desktop.services.patients import AllergyEntry
from pharmacy_desktop.ui.fit_check import find_clipping

from .conftest import rx_form
from .review_shell import close, review_in_shell

pytestmark = [pytest.mark.ui, pytest.mark.db]


def test_one_alert_at_1920_gets_a_detail_as_tall_as_its_text(
    qtbot, app_look, actors, meds, make_patient, uow_factory, database_url
):
    patient = make_patient(allergies=(AllergyEntry("Aspirin", "drug", "Hives", "moderate"),))
    saved = intake.submit_prescription(
        uow_factory, actors["technician"], rx_form(patient.patient_id, meds["aspirin"], sig="1 T PO QD")
    )
    window, screen = review_in_shell(
        qtbot, uow_factory, database_url, actors["pharmacist"], saved.prescription_id, (1920, 1080)
    )
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
    close(window)
