"""Issue 15 item 7 on the fill screen: a bottle scan without a lot while a recalled lot and a good
lot are on the shelf shows the lots; ↓ and Enter pick the one in the hand (keyboard only)."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.fill import factories as f
from tests.fill.test_fill_screen import counter, screen  # noqa: F401 - fixtures
from tests.fill.test_fill_service import stock_of

pytestmark = pytest.mark.ui
WAIT = 15_000


def test_lot_picked_by_arrow_and_enter(qtbot, screen, counter, uow_factory, tmp_path):  # noqa: F811
    soon, later = f.TODAY + dt.timedelta(days=40), f.TODAY + dt.timedelta(days=400)
    world = f.world(
        uow_factory, lots=[("RCL7", soon, 60), ("GOOD2", later, 90), ("NEAR1", soon, 50)], statuses={"RCL7": "recalled"}
    )
    screen.activate()
    qtbot.waitUntil(lambda: screen.queue.rowCount() == 1, timeout=WAIT)
    counter.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.view is not None, timeout=WAIT)
    counter.scan(f.LISINOPRIL_20_100.upc)  # a UPC carries no lot
    qtbot.waitUntil(lambda: screen.check is not None, timeout=WAIT)
    picker = screen.lot_picker
    assert picker.isVisible() and QApplication.focusWidget() is picker
    rows = [picker.item(i).text() for i in range(picker.count())]
    assert rows[0].startswith("Lot NEAR1") and rows[1].startswith("Lot GOOD2")
    assert rows[2].startswith("Lot RCL7") and "RECALLED: do not dispense" in rows[2]
    assert picker.count() == 3  # no "several bottles" while a recalled lot is on the shelf
    assert "Which lot is the bottle in your hand?" in screen.result.text.text()
    assert not screen.fill_button.isEnabled()
    screen.grab().save(str(tmp_path / "fill_lot_picker.png"))

    for _ in range(2):
        counter.press(Qt.Key.Key_Down)  # the recalled bottle is the one in the hand
    counter.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.check is not None, timeout=WAIT)
    assert "RECALLED" in screen.result.text.text() and not screen.fill_button.isEnabled()
    assert not picker.isVisible()

    counter.scan(f.LISINOPRIL_20_100.upc)  # the right bottle this time
    qtbot.waitUntil(lambda: screen.check is not None and picker.isVisible(), timeout=WAIT)
    counter.press(Qt.Key.Key_Down)  # GOOD2
    counter.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.check is not None and screen.check.ok, timeout=WAIT)
    assert "lot GOOD2" in screen.lots.text()
    counter.press(Qt.Key.Key_Return)  # fill
    qtbot.waitUntil(lambda: screen.last_result is not None, timeout=WAIT)
    assert [line.lot for line in screen.last_result.lines] == ["GOOD2"]
    assert stock_of(uow_factory, world.item_id)[1] == {"RCL7": 60, "GOOD2": 60, "NEAR1": 50}


def test_two_good_lots_offer_several_bottles_and_escape_closes_the_list(qtbot, screen, counter, uow_factory):  # noqa: F811
    f.world(
        uow_factory, lots=[("A1", f.TODAY + dt.timedelta(days=40), 20), ("B2", f.TODAY + dt.timedelta(days=400), 90)]
    )
    screen.activate()
    qtbot.waitUntil(lambda: screen.queue.rowCount() == 1, timeout=WAIT)
    counter.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.view is not None, timeout=WAIT)
    counter.scan(f.LISINOPRIL_20_100.upc)
    qtbot.waitUntil(lambda: screen.lot_picker.isVisible(), timeout=WAIT)
    assert screen.lot_picker.item(2).text() == "Several bottles: first expiry first"
    counter.press(Qt.Key.Key_Escape)
    assert not screen.lot_picker.isVisible() and screen.view is not None  # the Rx stays open
    counter.scan(f.LISINOPRIL_20_100.upc)
    qtbot.waitUntil(lambda: screen.lot_picker.isVisible(), timeout=WAIT)
    for _ in range(2):
        counter.press(Qt.Key.Key_Down)
    counter.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.check is not None and screen.check.ok, timeout=WAIT)
    counter.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.last_result is not None, timeout=WAIT)
    assert [(line.lot, line.quantity) for line in screen.last_result.lines] == [("A1", 20), ("B2", 10)]
