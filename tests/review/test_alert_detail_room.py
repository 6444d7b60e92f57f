"""Issue 18: with two open DUR alerts at 1280x800 in the shell, each alert's whole text is readable
under the list without scrolling (the list is as tall as its rows; the room left is the detail's)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from pharmacy_desktop.config import Config
from pharmacy_desktop.services import intake
from pharmacy_desktop.services.patients import AllergyEntry
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.screens.registry import screen_classes
from pharmacy_desktop.ui.screens.review import ReviewScreen
from pharmacy_desktop.ui.screenshots import settle

from .conftest import rx_form

pytestmark = [pytest.mark.ui, pytest.mark.db]
TIMEOUT = 15_000


def test_two_open_alerts_read_whole_without_scrolling_at_1280x800(
    qtbot, app_look, actors, meds, make_patient, uow_factory, database_url, tmp_path
):
    from pharmacy_desktop.ui.main_window import MainWindow

    patient = make_patient(allergies=(AllergyEntry("Aspirin", "drug", "Hives", "moderate"),))
    technician = actors["technician"]
    intake.submit_prescription(uow_factory, technician, rx_form(patient.patient_id, meds["warfarin"], sig="1 T PO QD"))
    saved = intake.submit_prescription(
        uow_factory, technician, rx_form(patient.patient_id, meds["aspirin"], sig="1 T PO QD")
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
    window.resize(1280, 800)
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
    window.close()
    QApplication.processEvents()
