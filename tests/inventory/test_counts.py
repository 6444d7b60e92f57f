"""Cycle counts by scanning, blind (issue 14 item 4), against the real PostgreSQL; the inventory
invariants after each scenario."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text

from pharmacy_desktop.errors import ValidationFailed
from pharmacy_desktop.services import adjustments, counts
from tests.fill import factories
from tests.inventory.adjust_world import TODAY, dispense, set_thresholds, stock_of, stocked_item
from tests.inventory.invariants import assert_inventory_invariants

D = Decimal
OLD_EXPIRY_DAYS = 300


@pytest.fixture
def shelf(uow_factory, actors):
    """Shelf A-1: lisinopril (A-12, $5.00), metformin (A-13, 10 cents), oxycodone (A-14, C-II);
    lisinopril 10 mg on shelf B-1."""
    set_thresholds(uow_factory, 50, 100)
    user = actors["manager"].user_id
    lots = [("LOT-1", OLD_EXPIRY_DAYS, 100)]
    return {
        "lisinopril": stocked_item(
            uow_factory, user, factories.LISINOPRIL_20_100, lots, unit_cost=D(5), bin_location="A-12"
        ),
        "metformin": stocked_item(uow_factory, user, factories.METFORMIN_500, lots, bin_location="A-13"),
        "oxycodone": stocked_item(uow_factory, user, factories.OXYCODONE_5, lots, bin_location="a-14"),
        "other": stocked_item(uow_factory, user, factories.LISINOPRIL_10, lots, bin_location="B-1"),
    }


def last_counted(uow_factory, item_id):
    with uow_factory() as uow:
        return uow.inventory.require(item_id).last_counted_at


def test_blind_shelf_count_by_scanning_gives_variances_and_adjustments(uow_factory, engine, actors, shelf):
    tech, manager = actors["technician"], actors["manager"]
    sheet = counts.open_count(uow_factory, tech, shelf="A-1")
    assert sheet.count_number.startswith("CNT") and sheet.status == "open" and sheet.scope == "shelf A-1"
    assert [line.item_id for line in sheet.lines] == [shelf["lisinopril"], shelf["metformin"], shelf["oxycodone"]]
    assert all(line.expected is None and line.counted is None for line in sheet.lines)  # blind

    # a scan of the bottle (UPC, GS1 DataMatrix) and the quantity typed
    line = counts.record_count(uow_factory, tech, sheet.id, scan=factories.LISINOPRIL_20_100.upc, quantity="70")
    assert (line.item_id, line.counted, line.expected) == (shelf["lisinopril"], D(70), None)
    with pytest.raises(ValidationFailed, match="not counted yet: Metformin"):
        counts.submit_count(uow_factory, tech, sheet.id)
    datamatrix = factories.METFORMIN_500.datamatrix("LOT-1", TODAY.replace(year=TODAY.year + 1))
    counts.record_count(uow_factory, tech, sheet.id, scan=datamatrix, quantity=D(104))
    counts.record_count(uow_factory, tech, sheet.id, scan=factories.OXYCODONE_5.upc, quantity=D(101))
    counts.record_count(uow_factory, tech, sheet.id, scan=factories.OXYCODONE_5.upc, quantity=D(100))  # recounted
    assert all(line.expected is None for line in counts.count_sheet(uow_factory, manager, sheet.id).lines)
    assert stock_of(uow_factory, shelf["lisinopril"])[0] == D(100)  # counting changes nothing

    result = counts.submit_count(uow_factory, tech, sheet.id)
    by_item = {v.item_id: v for v in result.variances}
    assert set(by_item) == {shelf["lisinopril"], shelf["metformin"]}  # oxycodone counted right: no variance
    short, over = by_item[shelf["lisinopril"]], by_item[shelf["metformin"]]
    assert (short.expected, short.counted, short.variance) == (D(100), D(70), D(-30))
    assert (over.expected, over.counted, over.variance) == (D(100), D(104), D(4))
    # $150 short waits for approval; 4 units at 10 cents is approved at once
    assert (short.adjustment.adjustment_type, short.adjustment.status, short.adjustment.count_id) == (
        "physical_count",
        "pending",
        sheet.id,
    )
    assert (over.adjustment.status, over.adjustment.decided_by) == ("approved", None)
    assert stock_of(uow_factory, shelf["lisinopril"])[0] == D(100)
    assert stock_of(uow_factory, shelf["metformin"])[:2] == (D(104), {"LOT-1": D(104)})
    assert result.sheet.status == "submitted"
    assert [line.expected for line in result.sheet.lines] == [D(100)] * 3  # shown once submitted
    for name in ("lisinopril", "metformin", "oxycodone"):
        assert last_counted(uow_factory, shelf[name]) is not None
    assert last_counted(uow_factory, shelf["other"]) is None

    with pytest.raises(ValidationFailed, match="already submitted"):
        counts.submit_count(uow_factory, tech, sheet.id)
    with pytest.raises(ValidationFailed, match="is submitted"):
        counts.record_count(uow_factory, tech, sheet.id, scan=factories.METFORMIN_500.upc, quantity=1)
    adjustments.approve_adjustment(uow_factory, manager, short.adjustment.id)
    assert stock_of(uow_factory, shelf["lisinopril"])[0] == D(70)
    assert counts.count_sheet(uow_factory, manager, sheet.id).status == "closed"  # nothing left to decide
    assert_inventory_invariants(engine)


def test_a_controlled_variance_always_waits(uow_factory, engine, actors, shelf):
    tech = actors["technician"]
    sheet = counts.open_count(uow_factory, tech, item_ids=[shelf["oxycodone"]])
    assert sheet.scope == "list of 1 item"
    counts.record_count(uow_factory, tech, sheet.id, scan="0406-0552-01", quantity=D(99))
    (variance,) = counts.submit_count(uow_factory, tech, sheet.id).variances
    assert (variance.variance, variance.adjustment.status, variance.adjustment.is_controlled) == (
        D(-1),
        "pending",
        True,
    )
    assert stock_of(uow_factory, shelf["oxycodone"])[0] == D(100)
    assert_inventory_invariants(engine)


def test_fills_during_the_count_are_not_a_variance(uow_factory, engine, actors, shelf):
    tech, manager = actors["technician"], actors["manager"]
    sheet = counts.open_count(uow_factory, tech, item_ids=[shelf["metformin"]])
    dispense(uow_factory, manager.user_id, shelf["metformin"], "LOT-1", 10)  # filled before the shelf is counted
    counts.record_count(uow_factory, tech, sheet.id, scan=factories.METFORMIN_500.upc, quantity=D(90))
    result = counts.submit_count(uow_factory, tech, sheet.id)
    assert result.variances == () and result.sheet.status == "closed"
    assert last_counted(uow_factory, shelf["metformin"]) is not None
    assert_inventory_invariants(engine)


def test_what_a_counter_gets_wrong_is_refused_with_what_to_do(uow_factory, engine, actors, shelf):
    tech = actors["technician"]
    with pytest.raises(ValidationFailed, match="No stock item has a bin location starting with 'Z-9'"):
        counts.open_count(uow_factory, tech, shelf="Z-9")
    with pytest.raises(ValidationFailed, match="Type the shelf"):
        counts.open_count(uow_factory, tech, shelf="  ")
    with pytest.raises(ValidationFailed, match="No stock item"):
        counts.open_count(uow_factory, tech, shelf="%")  # typed text, not a wildcard
    sheet = counts.open_count(uow_factory, tech, shelf="A-12")
    assert len(sheet.lines) == 1
    with pytest.raises(ValidationFailed, match="Metformin.*is not on this count's list"):
        counts.record_count(uow_factory, tech, sheet.id, scan=factories.METFORMIN_500.upc, quantity=D(1))
    with pytest.raises(ValidationFailed, match="0 or more"):
        counts.record_count(uow_factory, tech, sheet.id, scan=factories.LISINOPRIL_20_100.upc, quantity="-3")
    with pytest.raises(ValidationFailed, match="not a quantity"):
        counts.record_count(uow_factory, tech, sheet.id, scan=factories.LISINOPRIL_20_100.upc, quantity="ten")
    with pytest.raises(ValidationFailed):
        counts.record_count(uow_factory, tech, sheet.id, scan="12345", quantity=D(1))
    cancelled = counts.cancel_count(uow_factory, tech, sheet.id)
    assert cancelled.status == "cancelled"
    with pytest.raises(ValidationFailed, match="is cancelled"):
        counts.record_count(uow_factory, tech, sheet.id, scan=factories.LISINOPRIL_20_100.upc, quantity=D(1))
    assert last_counted(uow_factory, shelf["lisinopril"]) is None
    with uow_factory() as uow:
        assert uow.session.execute(text("SELECT count(*) FROM inventory_schema.stock_adjustments")).scalar_one() == 0
    assert_inventory_invariants(engine)
