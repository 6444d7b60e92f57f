"""The verify screen and issue 15 item 8: opened from the queue, approval waits for the vial label
scan (the service checks it); the pharmacist who filled is told another pharmacist must verify."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from pharmacy_desktop.services import fill
from pharmacy_desktop.ui.screens.verify import VerifyScreen
from tests.conftest import make_actor
from tests.counter_driver import Counter, context_for
from tests.fill import factories as f
from tests.fill.test_fill_screen import WAIT, status_of
from tests.fill.test_verify_screen import show

pytestmark = pytest.mark.ui


def test_queue_open_needs_the_label_scan_then_approves(qtbot, uow_factory, actors, rx_world, tmp_path):
    fill.fill(uow_factory, actors["technician"], rx_world.rx_id, f.LISINOPRIL_20_100.upc)
    screen = show(qtbot, VerifyScreen(context_for(uow_factory), actors["pharmacist"]))
    counter = Counter.on_screen(screen)
    try:
        screen.activate()
        qtbot.waitUntil(lambda: screen.queue.rowCount() == 1, timeout=WAIT)
        counter.press(Qt.Key.Key_Return)  # opened from the queue: no label scanned
        qtbot.waitUntil(lambda: screen.view is not None, timeout=WAIT)
        counter.scan(f.LISINOPRIL_20_100.upc)
        qtbot.waitUntil(screen.approve_button.isEnabled, timeout=WAIT)
        counter.press(Qt.Key.Key_Return)
        qtbot.waitUntil(
            lambda: "NOT APPROVED: Scan the Rx barcode on the printed label" in screen.result.text.text(), timeout=WAIT
        )
        assert status_of(uow_factory, rx_world.rx_id) == "in_progress"
        screen.grab().save(str(tmp_path / "verify_label_needed.png"))
        counter.scan(rx_world.rx_number)  # the label of this prescription
        qtbot.waitUntil(lambda: "Label scanned" in screen.result.text.text(), timeout=WAIT)
        counter.press(Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: screen.approved is not None, timeout=WAIT)
        assert status_of(uow_factory, rx_world.rx_id) == "ready"
    finally:
        counter.close()


def test_the_pharmacist_who_filled_is_refused_on_screen(qtbot, uow_factory, actors, rx_world):
    rph = make_actor(uow_factory, "pharmacist", "pharmacist9")
    fill.fill(uow_factory, rph, rx_world.rx_id, f.LISINOPRIL_20_100.upc)
    screen = show(qtbot, VerifyScreen(context_for(uow_factory), rph))
    counter = Counter.on_screen(screen)
    try:
        counter.scan(rx_world.rx_number)
        qtbot.waitUntil(lambda: screen.view is not None, timeout=WAIT)
        counter.scan(f.LISINOPRIL_20_100.upc)
        qtbot.waitUntil(screen.approve_button.isEnabled, timeout=WAIT)
        counter.press(Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "another pharmacist must verify" in screen.result.text.text(), timeout=WAIT)
        assert status_of(uow_factory, rx_world.rx_id) == "in_progress"
    finally:
        counter.close()
