"""Final verification and the pickup screen's will-call page driven by scanner input and keys (pytest-qt)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from pharmacy_desktop.services import fill
from pharmacy_desktop.ui.screens.pickup import PickupScreen
from pharmacy_desktop.ui.screens.verify import VerifyScreen
from tests.counter_driver import Counter, context_for
from tests.fill import factories as f
from tests.fill.test_fill_screen import WAIT, on_hand, status_of

pytestmark = pytest.mark.ui


def show(qtbot, screen):
    qtbot.addWidget(screen)
    screen.resize(1280, 800)
    with qtbot.waitActive(screen):  # a bare waitActive() would not wait at all
        screen.show()
        screen.activateWindow()
    return screen


@pytest.fixture
def filled(uow_factory, actors, rx_world):
    fill.fill(uow_factory, actors["technician"], rx_world.rx_id, f.LISINOPRIL_20_100.upc)
    return rx_world


@pytest.fixture
def verify_screen(qtbot, uow_factory, actors):
    screen = show(qtbot, VerifyScreen(context_for(uow_factory), actors["pharmacist"]))
    counter = Counter.on_screen(screen)
    yield screen, counter
    counter.close()


def test_label_then_wrong_bottle_stops_then_right_bottle_and_enter_approves(qtbot, verify_screen, uow_factory, filled):
    screen, counter = verify_screen
    counter.press(Qt.Key.Key_Return)  # nothing scanned: Enter approves nothing
    assert screen.view is None

    counter.scan(f.LISINOPRIL_20_100.upc)  # a bottle before the label
    assert "Scan the vial label" in screen.status.text() and screen.status.icon_kind == "stop"

    counter.scan(filled.rx_number)
    qtbot.waitUntil(lambda: screen.view is not None, timeout=WAIT)
    assert screen.patient.text().startswith("Gonzalez, Maria")
    assert screen.cells["Drug"][0].text() == screen.cells["Drug"][1].text() == "Lisinopril 20 mg tablet"
    assert screen.cells["Lot"][1].text() == "L100"
    assert screen.cells["Drug"][2].text() == "same" and screen.cells["Drug"][2].icon_kind == "passed"
    assert screen.cells["Lot"][2].text() == "" and screen.cells["Lot"][2].icon_kind is None
    assert "Maria Gonzalez" in screen.label_text.text()
    assert not screen.approve_button.isEnabled()
    counter.press(Qt.Key.Key_Return)
    assert status_of(uow_factory, filled.rx_id) == "in_progress"  # no approval without the bottle

    counter.scan(f.LISINOPRIL_10.upc)
    qtbot.waitUntil(lambda: screen.pages.currentWidget() is screen.hard_stop, timeout=WAIT)
    assert "Wrong bottle: scanned Lisinopril 10 mg" in screen.hard_stop.message.text()
    counter.press(Qt.Key.Key_Return)
    assert screen.pages.currentWidget() is screen.work_page and not screen.approve_button.isEnabled()

    counter.scan(f.LISINOPRIL_20_100.upc)
    qtbot.waitUntil(screen.approve_button.isEnabled, timeout=WAIT)
    counter.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.approved is not None, timeout=WAIT)
    assert status_of(uow_factory, filled.rx_id) == "ready"
    assert "will-call bin A" in screen.status.text() and screen.status.icon_kind == "passed"


def test_return_to_fill_by_alt_r_reason_and_enter(qtbot, verify_screen, uow_factory, filled):
    screen, counter = verify_screen
    counter.scan(filled.rx_number)
    qtbot.waitUntil(lambda: screen.view is not None, timeout=WAIT)
    counter.press(Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
    assert screen.reason.isVisible() and screen.reason.hasFocus()
    counter.press(Qt.Key.Key_Return)  # no reason yet
    assert screen.returned is None and "Type why" in screen.result.text.text()
    counter.type("count was 28")
    counter.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.returned is not None, timeout=WAIT)
    assert status_of(uow_factory, filled.rx_id) == "validated"
    assert on_hand(uow_factory, filled.item_id) == 500
    assert "Stock put back: 30 to lot L100" in screen.status.text()


def test_will_call_scan_shows_the_bag_and_its_bin(qtbot, uow_factory, actors, filled):
    """F7's will-call page lists the bag; a scan of its label opens that patient's pickup."""
    from pharmacy_desktop.services import verify

    verify.approve(
        uow_factory,
        actors["pharmacist"],
        filled.rx_id,
        label_scan=f.label_scan(uow_factory, filled.rx_id),
        bottle_scans=[f.LISINOPRIL_20_100.upc],
    )
    screen = show(qtbot, PickupScreen(context_for(uow_factory), actors["technician"]))
    counter = Counter.on_screen(screen)
    try:
        screen.activate()
        qtbot.waitUntil(
            lambda: screen.finder.bin_table.rowCount() == 8 and screen.finder.table.rowCount() == 1, timeout=WAIT
        )
        assert screen.finder.table.item(0, 3).text() == "Lisinopril 20 mg tablet"
        counter.scan(filled.rx_number)
        qtbot.waitUntil(lambda: screen.cart is not None, timeout=WAIT)
        assert screen.sale.patient.text().startswith("Gonzalez, Maria")
        assert screen.sale.bag.text() == "Bin A"
        assert screen.sale.items.rows[0].drug.startswith("Lisinopril 20 mg tablet")
    finally:
        counter.close()
