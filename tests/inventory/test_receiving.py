"""Receiving against a purchase order by scanning each package's GS1 DataMatrix, as a scanner sends
it (AIM prefix ]d2, GS separators), against the real PostgreSQL; strict inventory invariants after
every scenario (every unit came in through a 'receipt' ledger row)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import text

from pharmacy_desktop.db.models.inventory import InventoryBatch, InventoryItem, InventoryTransaction, ReceivedPackage
from pharmacy_desktop.domain.barcodes import GS
from pharmacy_desktop.errors import PermissionDenied, ValidationFailed
from pharmacy_desktop.services import purchasing, receiving
from tests.inventory.invariants import assert_inventory_invariants
from tests.inventory.purchase_world import LISINOPRIL, METFORMIN, OXYCODONE, TODAY, buyer_world, order_row, sent_order

D = Decimal
EXPIRY = TODAY + dt.timedelta(days=540)


@pytest.fixture
def buyer(uow_factory, actors, engine):
    world = buyer_world(uow_factory, actors)
    yield world
    assert_inventory_invariants(engine)


@pytest.fixture
def order(uow_factory, actors, buyer):
    """Sent: 300 Lisinopril 20 mg (3 bottles of 100) at $0.0315, 100 Metformin at $0.02."""
    lines = [
        (buyer.items[LISINOPRIL.package_ndc], D(300), None),
        (buyer.items[METFORMIN.package_ndc], D(100), D("0.02")),
    ]
    return sent_order(uow_factory, actors["technician"], buyer.suppliers["McKesson"], lines)


def lis(lot, serial, expiry=EXPIRY):
    return LISINOPRIL.datamatrix(lot, expiry, serial)


def met(lot, serial, expiry=EXPIRY):
    return METFORMIN.datamatrix(lot, expiry, serial)


def stock(uow_factory, item_id):
    """(on hand, {lot: (received, remaining, unit cost)}, [(kind, change, reference type)] in seq order)."""
    with uow_factory() as uow:
        s = uow.session
        item = s.get(InventoryItem, item_id)
        lots = {
            b.batch_number: (b.quantity_received, b.quantity_remaining, b.unit_cost)
            for b in s.query(InventoryBatch).filter_by(inventory_item_id=item_id)
        }
        rows = [
            (t.transaction_type, t.quantity_change, t.reference_type)
            for t in s.query(InventoryTransaction)
            .filter_by(inventory_item_id=item_id)
            .order_by(InventoryTransaction.seq)
        ]
        return item.quantity_on_hand, lots, rows


def test_partial_then_complete_by_scanned_datamatrix(uow_factory, actors, buyer, order, engine):
    tech = actors["technician"]
    item_id = buyer.items[LISINOPRIL.package_ndc]
    first, second = lis("A1", "1001"), lis("a1", "1002")
    assert first.startswith("]d2") and GS in first  # as the scanner types it
    check = receiving.check_package(uow_factory, tech, order.id, second, pending=[first])
    assert (check.lot, check.serial, check.units, check.outstanding_after) == ("a1", "1002", D(100), D(100))
    assert stock(uow_factory, item_id)[0] == D(40)  # a check writes nothing

    result = receiving.receive(uow_factory, tech, order.id, [first, second])
    assert result.order.status == "partially_received" and result.order.actual_delivery_date == TODAY
    ((lot),) = result.lots
    assert (lot.lot, lot.quantity, lot.packages, lot.new_batch) == ("A1", D(200), 2, True)
    assert "200 units of Lisinopril" in result.message
    on_hand, lots, rows = stock(uow_factory, item_id)
    assert on_hand == D(240)
    assert lots["A1"] == (D(200), D(200), D("0.0315"))  # the line's unit cost
    assert rows[-1] == ("receipt", D(200), "purchase_order_item")  # one row for the lot, not one per package
    assert_inventory_invariants(engine)

    # the next delivery: the same lot again (same batch, a row of its own), a new lot, and the Metformin
    again = receiving.receive(uow_factory, tech, order.id, [lis("A1", "1003"), met("M7", "77")], units=None)
    assert again.order.status == "received" and all(line.complete for line in again.order.lines)
    assert {(x.lot, x.new_batch) for x in again.lots} == {("A1", False), ("M7", True)}
    on_hand, lots, rows = stock(uow_factory, item_id)
    assert on_hand == D(340) and lots["A1"] == (D(300), D(300), D("0.0315"))
    assert [r for r in rows if r[0] == "receipt"][-2:] == [("receipt", D(200), "purchase_order_item")] + [
        ("receipt", D(100), "purchase_order_item")
    ]
    assert stock(uow_factory, buyer.items[METFORMIN.package_ndc])[1]["M7"] == (D(100), D(100), D("0.0200"))
    with uow_factory() as uow:
        packages = uow.session.query(ReceivedPackage).count()
        gtins = {p.gtin for p in uow.session.query(ReceivedPackage)}
        unit_cost = uow.session.get(InventoryItem, buyer.items[METFORMIN.package_ndc]).unit_cost
        events = uow.session.execute(
            text("SELECT count(*) FROM audit_schema.domain_events WHERE event_type = 'StockReceived'")
        ).scalar_one()
    assert packages == 4 and len(gtins) == 2 and events == 2
    assert unit_cost == D("0.0200")  # the last price paid
    with pytest.raises(ValidationFailed, match="received in full already"):
        receiving.receive(uow_factory, tech, order.id, [lis("A1", "1004")])


def test_refusals_change_nothing(uow_factory, actors, buyer, order):
    tech = actors["technician"]
    item_id = buyer.items[LISINOPRIL.package_ndc]
    receiving.receive(uow_factory, tech, order.id, [lis("A1", "1"), lis("A1", "2")])
    before = stock(uow_factory, item_id)

    def refused(scans, match):
        with pytest.raises(ValidationFailed, match=match) as info:
            receiving.receive(uow_factory, tech, order.id, scans)
        assert info.value.message.startswith("Nothing was received.")
        assert stock(uow_factory, item_id) == before

    refused(
        [lis("B2", "3"), lis("B2", "4")],
        r"Package 2 \(lot B2, serial 4\): Lisinopril .*more than ordered \(200 of 300 units received, 100 more",
    )
    refused([lis("B2", "1")], "received before")  # the serial of a package received earlier
    refused([lis("B2", "5"), lis("B2", "5")], "scanned twice")
    refused([OXYCODONE.datamatrix("OX1", EXPIRY, "9")], "not on purchase order")
    refused([LISINOPRIL.upc], "line barcode")
    refused([lis("OLD", "6", expiry=TODAY - dt.timedelta(days=1))], "expired on")
    refused([lis("A1", "7", expiry=EXPIRY + dt.timedelta(days=30))], "on record expiring")
    with pytest.raises(ValidationFailed, match="No package"):
        receiving.receive(uow_factory, tech, order.id, [])
    with pytest.raises(ValidationFailed, match="more than ordered"):  # the screen hears it at the scan
        receiving.check_package(uow_factory, tech, order.id, lis("B2", "9"), pending=[lis("B2", "8")])
    assert order_row(uow_factory, order.id).status == "partially_received"


def test_recalled_lot_is_not_received(uow_factory, actors, buyer, order):
    tech = actors["technician"]
    receiving.receive(uow_factory, tech, order.id, [lis("R1", "1")])
    with uow_factory() as uow:  # lot R1 recalled (the quarantine service's way: status, then the ledger row)
        item = uow.inventory.lock_item(buyer.items[LISINOPRIL.package_ndc])
        (batch,) = [b for b in uow.inventory.batches_of(item.id, for_update=True) if b.batch_number == "R1"]
        batch.status = "recalled"
        from pharmacy_desktop.services import stock_ledger

        stock_ledger.post(
            uow, item, change=-batch.quantity_remaining, kind="adjustment", batch=batch, reference_type="recall"
        )
        uow.commit()
    with pytest.raises(ValidationFailed, match="recalled. Do not receive it"):
        receiving.receive(uow_factory, tech, order.id, [lis("R1", "2")])


def test_permissions_and_order_states(uow_factory, actors, buyer, order):
    with pytest.raises(PermissionDenied):
        receiving.receive(uow_factory, actors["admin"], order.id, [lis("A1", "1")])
    draft = purchasing.create_order(
        uow_factory,
        actors["technician"],
        buyer.suppliers["McKesson"],
        [(buyer.items[LISINOPRIL.package_ndc], D(100), None)],
    )
    with pytest.raises(ValidationFailed, match="never sent"):
        receiving.receive(uow_factory, actors["technician"], draft.id, [lis("A1", "1")])
    assert [o.po_number for o in receiving.receivable_orders(uow_factory, actors["technician"])] == [order.po_number]
    # received in part: it can no longer be cancelled
    receiving.receive(uow_factory, actors["manager"], order.id, [lis("A1", "1")])
    with pytest.raises(ValidationFailed, match="cannot be cancelled"):
        purchasing.cancel_order(uow_factory, actors["technician"], order.id, reason="late")


def test_schedule_ii_order_received(uow_factory, actors, buyer, engine):
    rph = actors["pharmacist"]
    c2 = sent_order(
        uow_factory,
        rph,
        buyer.suppliers["McKesson"],
        [(buyer.items[OXYCODONE.package_ndc], D(200), D("0.40"))],
        dea_order_number="261234567",
    )
    result = receiving.receive(
        uow_factory, rph, c2.id, [OXYCODONE.datamatrix("OX1", EXPIRY, "1"), OXYCODONE.datamatrix("OX1", EXPIRY, "2")]
    )
    assert result.order.status == "received" and result.order.dea_order_number == "261234567"
    on_hand, lots, rows = stock(uow_factory, buyer.items[OXYCODONE.package_ndc])
    assert on_hand == D(200) and rows == [("receipt", D(200), "purchase_order_item")]
    assert_inventory_invariants(engine)


def test_two_receivers_and_a_fill_at_once(uow_factory, database_url, actors, buyer, order, engine):
    """Three workstations at the same instant: two scan two bottles each into the same order (one
    bottle more than ordered between them), one fills from the same item. The order lock lets one
    receiver through whole and refuses the other; the fill's units and the receipts add up."""
    from pharmacy_desktop.services import fill
    from tests.fill import factories as f
    from tests.inventory.test_concurrency import at_once

    tech, manager = actors["technician"], actors["manager"]
    item_id = buyer.items[LISINOPRIL.package_ndc]
    with uow_factory() as uow:
        med = uow.session.get(f.Medication, uow.inventory.require(item_id).medication_id)
        rx_id = f.add_prescription(uow, f.add_patient(uow), med, quantity=30).id
        uow.commit()
    outcomes = at_once(
        database_url,
        [
            lambda factory: receiving.receive(factory, tech, order.id, [lis("W1", "11"), lis("W1", "12")]),
            lambda factory: receiving.receive(factory, manager, order.id, [lis("W2", "21"), lis("W2", "22")]),
            # first expiry first: a receipt committed before the fill reads adds a second lot, and a bottle
            # scanned without its lot is then asked about (a race this test is not about: it failed at random)
            lambda factory: fill.fill(factory, tech, rx_id, LISINOPRIL.upc, lot=fill.ANY_LOT),
        ],
    )
    received = [o for o in outcomes[:2] if isinstance(o, receiving.ReceiptResult)]
    refused = [o for o in outcomes[:2] if isinstance(o, ValidationFailed)]
    assert len(received) == 1 and len(refused) == 1, outcomes
    assert "more than ordered" in refused[0].message
    assert isinstance(outcomes[2], fill.FillResult), outcomes[2]
    on_hand, lots, rows = stock(uow_factory, item_id)
    assert on_hand == D(40 + 200 - 30)
    assert sorted(k for k in lots if k.startswith("W")) in (["W1"], ["W2"])
    assert order_row(uow_factory, order.id).status == "partially_received"
    assert_inventory_invariants(engine)
