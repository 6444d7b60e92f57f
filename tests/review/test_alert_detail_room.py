"""Issue 18: with two open DUR alerts at 1280x800 in the shell, each alert's whole text is readable
under the list without scrolling (the list is as tall as its rows; the room left is the detail's)."""

from __future__ import annotations

import pytest

from pharmacy_desktop.services import intake
from pharmacy_desktop.services.patients import AllergyEntry
from pharmacy_desktop.ui.screenshots import settle

from .conftest import rx_form
from .review_shell import close, review_in_shell

pytestmark = [pytest.mark.ui, pytest.mark.db]


def test_two_open_alerts_read_whole_without_scrolling_at_1280x800(
    qtbot, app_look, actors, meds, make_patient, uow_factory, database_url, tmp_path
):
    patient = make_patient(allergies=(AllergyEntry("Aspirin", "drug", "Hives", "moderate"),))
    technician = actors["technician"]
    intake.submit_prescription(uow_factory, technician, rx_form(patient.patient_id, meds["warfarin"], sig="1 T PO QD"))
    saved = intake.submit_prescription(
        uow_factory, technician, rx_form(patient.patient_id, meds["aspirin"], sig="1 T PO QD")
    )
    window, screen = review_in_shell(
        qtbot, uow_factory, database_url, actors["pharmacist"], saved.prescription_id, (1280, 800)
    )
    area = screen.work_area
    open_rows = [r for r, alert in enumerate(area.row_alerts) if alert is not None and not alert.resolved]
    assert len(open_rows) >= 2, [area.alerts.item(r).text() for r in range(area.alerts.count())]
    assert area.alerts.verticalScrollBar().maximum() == 0  # every alert's row in view
    for row in open_rows:
        area.alerts.setCurrentRow(row)
        settle(minimum=0.05)
        bar = area.alert_detail.verticalScrollBar()
        assert bar.maximum() == 0, f"{area.alerts.item(row).text()!r} scrolls ({bar.maximum()} px hidden)"
        assert area.alert_detail.toPlainText().strip()
    last = area.alerts.visualItemRect(area.alerts.item(area.alerts.count() - 1))
    assert (
        area.alerts.viewport().height() - last.bottom() < 3 * area.alerts.fontMetrics().lineSpacing()
    )  # no empty list
    window.grab().save(str(tmp_path / "review-two-alerts.png"))
    close(window)
