"""Issue 15 item 7: a bottle scan without a lot, when more than one lot is on hand or a lot of that
NDC is held (recalled, quarantined), asks which lot is in the hand instead of taking the
first-expiring one; the answer is checked like a scanned lot."""

from __future__ import annotations

import datetime as dt

import pytest

from pharmacy_desktop.services import fill as svc
from tests.fill import factories as f
from tests.fill.factories import TODAY
from tests.fill.test_fill_service import rx_state, stock_of

pytestmark = pytest.mark.db
UPC = f.LISINOPRIL_20_100.upc
SOON, LATER = TODAY + dt.timedelta(days=60), TODAY + dt.timedelta(days=300)


def test_two_lots_on_hand_ask_which_and_the_answer_is_recorded(uow_factory, actors):
    world = f.world(uow_factory, lots=[("EARLY", SOON, 100), ("LATE", LATER, 100)])
    check = svc.check_scan(uow_factory, actors["technician"], world.rx_id, UPC)
    assert check.status == svc.REFUSED and "Which lot is the bottle in your hand?" in check.message
    assert [(c.lot, c.problem) for c in check.lot_choices] == [("EARLY", None), ("LATE", None)]
    with pytest.raises(svc.StockRefused) as caught:  # fill asks the same question; nothing is written
        svc.fill(uow_factory, actors["technician"], world.rx_id, UPC)
    assert caught.value.check.lot_choices
    assert stock_of(uow_factory, world.item_id)[1] == {"EARLY": 100, "LATE": 100}

    assert svc.check_scan(uow_factory, actors["technician"], world.rx_id, UPC, lot="LATE").ok
    result = svc.fill(uow_factory, actors["technician"], world.rx_id, UPC, lot="LATE")
    assert [(line.lot, line.quantity) for line in result.lines] == [("LATE", 30)]
    assert stock_of(uow_factory, world.item_id)[1] == {"EARLY": 100, "LATE": 70}
    _, [refill], _ = rx_state(uow_factory, world.rx_id)
    assert refill.lot_number == "LATE" and refill.expiration_date == LATER


def test_a_recalled_lot_on_the_shelf_is_offered_marked_and_refused_when_picked(uow_factory, actors):
    world = f.world(uow_factory, lots=[("GOOD1", LATER, 100), ("RCL9", SOON, 100)], statuses={"RCL9": "recalled"})
    check = svc.check_scan(uow_factory, actors["technician"], world.rx_id, UPC)
    assert check.status == svc.REFUSED and "recalled" in check.message
    choices = {c.lot: c for c in check.lot_choices}
    assert list(choices) == ["GOOD1", "RCL9"] and "RECALLED" in (choices["RCL9"].problem or "")
    with pytest.raises(svc.StockRefused, match="RECALLED"):
        svc.fill(uow_factory, actors["technician"], world.rx_id, UPC, lot="RCL9")
    with pytest.raises(svc.StockRefused, match="first-expiring-first cannot be assumed"):
        svc.fill(uow_factory, actors["technician"], world.rx_id, UPC, lot=svc.ANY_LOT)
    assert svc.fill(uow_factory, actors["technician"], world.rx_id, UPC, lot="GOOD1").lines[0].lot == "GOOD1"


def test_one_lot_and_a_quarantined_lot_with_no_units_still_asks(uow_factory, actors):
    world = f.world(uow_factory, lots=[("ONLY", LATER, 100), ("Q1", SOON, 0)], statuses={"Q1": "expired"})
    check = svc.check_scan(uow_factory, actors["technician"], world.rx_id, UPC)
    assert [c.lot for c in check.lot_choices] == ["ONLY", "Q1"]


def test_a_single_lot_needs_no_question(uow_factory, actors):
    world = f.world(uow_factory, lots=[("ONLY", LATER, 100), ("GONE", SOON, 0)], statuses={"GONE": "returned"})
    assert svc.check_scan(uow_factory, actors["technician"], world.rx_id, UPC).ok


def test_a_scanned_lot_needs_no_question(uow_factory, actors):
    two = f.world(uow_factory, lots=[("AB1", SOON, 100), ("CD2", LATER, 100)])
    check = svc.check_scan(uow_factory, actors["technician"], two.rx_id, f.LISINOPRIL_20_100.datamatrix("CD2", LATER))
    assert check.ok and not check.lot_choices


def test_several_bottles_first_expiry_first_when_every_lot_is_usable(uow_factory, actors):
    world = f.world(uow_factory, lots=[("EARLY", SOON, 20), ("LATE", LATER, 100)])
    result = svc.fill(uow_factory, actors["technician"], world.rx_id, UPC, lot=svc.ANY_LOT)
    assert [(line.lot, line.quantity) for line in result.lines] == [("EARLY", 20), ("LATE", 10)]
