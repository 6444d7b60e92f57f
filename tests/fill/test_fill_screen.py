"""The fill screen driven by scanner input and keys only (pytest-qt, real PostgreSQL)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from pharmacy_desktop.db.models.inventory import InventoryItem
from pharmacy_desktop.db.models.prescriptions import Prescription
from pharmacy_desktop.ui.screens.fill import FillScreen
from tests.counter_driver import Counter, context_for
from tests.fill import factories as f

pytestmark = pytest.mark.ui
WAIT = 15_000


@pytest.fixture
def screen(qtbot, uow_factory, actors):
    screen = FillScreen(context_for(uow_factory), actors["technician"])
    qtbot.addWidget(screen)
    screen.resize(1280, 800)
    with qtbot.waitActive(screen):  # a bare waitActive() would not wait at all
        screen.show()
        screen.activateWindow()
    return screen


@pytest.fixture
def counter(screen):
    c = Counter.on_screen(screen)
    yield c
    c.close()


def status_of(uow_factory, rx_id):
    with uow_factory() as uow:
        return uow.session.get(Prescription, rx_id).status


def on_hand(uow_factory, item_id):
    with uow_factory() as uow:
        return uow.session.get(InventoryItem, item_id).quantity_on_hand


def test_fill_by_scanning_the_label_then_the_bottle_then_enter(qtbot, screen, counter, uow_factory, rx_world):
    screen.activate()
    qtbot.waitUntil(lambda: screen.queue.rowCount() == 1, timeout=WAIT)
    assert screen.queue.item(0, 3).text() == rx_world.rx_number
    assert screen.queue.item(0, 1).text() == "Gonzalez, Maria\nLisinopril 20 mg tablet"

    counter.scan(rx_world.rx_number)
    qtbot.waitUntil(lambda: screen.view is not None, timeout=WAIT)
    assert screen.pages.currentWidget() is screen.work_page
    assert screen.patient.text().startswith("Gonzalez, Maria")
    assert screen.drug.text() == "Lisinopril 20 mg tablet"
    assert "SCAN THE STOCK BOTTLE" in screen.prompt.label.text()

    counter.scan(f.LISINOPRIL_20_100.upc)
    qtbot.waitUntil(lambda: screen.check is not None, timeout=WAIT)
    assert screen.check.ok and screen.result.state == "ok" and screen.fill_button.isEnabled()
    assert on_hand(uow_factory, rx_world.item_id) == 500  # nothing happens before Enter

    counter.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.last_result is not None, timeout=WAIT)
    assert status_of(uow_factory, rx_world.rx_id) == "in_progress"
    assert on_hand(uow_factory, rx_world.item_id) == 470
    assert "label queued" in screen.status.text() and screen.status.icon_kind == "passed"  # words + icon
    qtbot.waitUntil(lambda: screen.queue.rowCount() == 0, timeout=WAIT)


def test_wrong_drug_fills_the_work_area_until_acknowledged(qtbot, screen, counter, uow_factory, rx_world):
    screen.activate()
    qtbot.waitUntil(lambda: screen.queue.rowCount() == 1, timeout=WAIT)
    counter.scan(rx_world.rx_number)
    qtbot.waitUntil(lambda: screen.view is not None, timeout=WAIT)

    counter.scan(f.METFORMIN_500.upc)
    qtbot.waitUntil(lambda: screen.pages.currentWidget() is screen.hard_stop, timeout=WAIT)
    stop = screen.hard_stop
    assert stop.isVisible() and stop.title.text() == "WRONG DRUG — DO NOT FILL"
    assert "scanned Metformin Hydrochloride 500 mg" in stop.message.text()
    assert "prescribed Lisinopril 20 mg" in stop.message.text()
    assert stop.width() >= screen.pages.width() - 2  # the whole work area

    counter.press(Qt.Key.Key_Escape)  # Esc does not dismiss a hard stop
    assert screen.pages.currentWidget() is stop
    counter.scan(f.LISINOPRIL_20_100.upc)  # nor does another scan
    assert screen.pages.currentWidget() is stop and "Acknowledge" in stop.next_step.text()

    counter.press(Qt.Key.Key_Return)
    assert screen.pages.currentWidget() is screen.work_page
    assert not screen.fill_button.isEnabled()
    assert status_of(uow_factory, rx_world.rx_id) == "validated"
    assert on_hand(uow_factory, rx_world.item_id) == 500

    counter.scan(f.LISINOPRIL_20_100.upc)
    qtbot.waitUntil(lambda: screen.check is not None and screen.check.ok, timeout=WAIT)
    counter.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.last_result is not None, timeout=WAIT)
    assert on_hand(uow_factory, rx_world.item_id) == 470


def test_short_stock_offers_a_partial_fill_on_alt_p(qtbot, screen, counter, uow_factory):
    world = f.world(uow_factory, lots=[("LOW", f.TODAY.replace(year=f.TODAY.year + 1), 12)])
    screen.activate()
    qtbot.waitUntil(lambda: screen.queue.rowCount() == 1, timeout=WAIT)
    counter.press(Qt.Key.Key_Return)  # open the selected row
    qtbot.waitUntil(lambda: screen.view is not None, timeout=WAIT)
    counter.scan(f.LISINOPRIL_20_100.upc)
    qtbot.waitUntil(lambda: screen.check is not None, timeout=WAIT)
    assert screen.check.status == "insufficient" and "12 tablets on hand" in screen.result.text.text()
    assert screen.partial_button.isEnabled() and not screen.fill_button.isEnabled()
    counter.press(Qt.Key.Key_Return)  # Enter does not fill what cannot be filled
    assert on_hand(uow_factory, world.item_id) == 12

    counter.press(Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: screen.check is not None and screen.check.ok, timeout=WAIT)
    assert screen.check.is_partial and screen.check.quantity == 12
    counter.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.last_result is not None, timeout=WAIT)
    assert screen.last_result.is_partial and on_hand(uow_factory, world.item_id) == 0
