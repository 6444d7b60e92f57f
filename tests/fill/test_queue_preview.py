"""Issue 18: before a scan, the fill screen's idle page shows the highlighted prescription (who, the
drug through its strength, the quantity in the dispensing unit, what to do next) instead of a lone
prompt in empty space; it follows the highlight and never outlives the queue or the user."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from pharmacy_desktop.ui.fit_check import find_clipping, find_lost_strength
from pharmacy_desktop.ui.screens.fill import FillScreen
from tests.fill.ui_helpers import Counter, context_for

pytestmark = pytest.mark.ui
WAIT = 15_000


@pytest.mark.parametrize("size", [(1920, 1080), (760, 650)], ids=["1920", "narrow"])
def test_the_idle_page_previews_the_highlighted_prescription(qtbot, app_look, uow_factory, actors, rx_world, size):
    screen = FillScreen(context_for(uow_factory), actors["technician"])
    qtbot.addWidget(screen)
    screen.resize(*size)
    with qtbot.waitActive(screen):
        screen.show()
        screen.activateWindow()
    counter = Counter(screen)
    screen.activate()
    qtbot.waitUntil(lambda: screen.queue.rowCount() == 1, timeout=WAIT)
    preview = screen.preview
    qtbot.waitUntil(preview.isVisible, timeout=WAIT)
    assert preview.title.text().startswith(f"Highlighted: Rx {rx_world.rx_number}")
    assert preview.patient.text().startswith("Gonzalez, Maria")
    assert preview.drug.text() == "Lisinopril 20 mg tablet"
    assert preview.quantity.text() == "Quantity: 30 tablets"
    assert "scan the stock bottle" in preview.next_step.text()
    QApplication.processEvents()
    assert not find_clipping(screen) and not find_lost_strength(screen)
    screen.grab().save(f"/tmp/h4-fill-preview-{size[0]}.png")

    screen.queue.clearSelection()  # nothing highlighted: nothing previewed
    assert not preview.isVisible()
    screen.queue.selectRow(0)
    assert preview.isVisible()

    counter.scan(rx_world.rx_number)  # opened: the work page, not the preview
    qtbot.waitUntil(lambda: screen.view is not None, timeout=WAIT)
    assert screen.pages.currentWidget() is screen.work_page

    screen.clear_sensitive()  # a lock or another user: nothing of the patient stays on the idle page
    assert not preview.isVisibleTo(screen.idle_page) and preview.patient.text() == preview.drug.text() == ""
    counter.close()
