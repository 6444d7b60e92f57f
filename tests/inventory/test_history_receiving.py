"""demo/history_receiving.receive, the bulk receiving path of the demo's history, against the service
it stands in for (services/receiving.receive): the same deliveries, scanned the same way into two
copies of the same pharmacy, leave the same rows (lots, ledger, packages, order, items, the event)
and the same refusals; strict inventory invariants after each."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import text

from pharmacy_desktop.db.engine import make_engine, make_session_factory
from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
from pharmacy_desktop.demo import history_receiving
from pharmacy_desktop.errors import ValidationFailed
from pharmacy_desktop.services import receiving
from tests.conftest import create_database, drop_database, make_actor
from tests.inventory.invariants import assert_inventory_invariants
from tests.inventory.purchase_world import LISINOPRIL, METFORMIN, TODAY, buyer_world, sent_order

D = Decimal
EXPIRY = TODAY + dt.timedelta(days=540)
SHELF_EXPIRY = TODAY + dt.timedelta(days=400)  # the lots buyer_world put on the shelf (ledger_world.new_batch)


class Pharmacy:
    """A buyer's pharmacy (tests/inventory/purchase_world) and an order sent: 300 Lisinopril 20 mg
    (3 bottles of 100, no price) and 200 Metformin at $0.02 (its lot MET-1 is on the shelf)."""

    def __init__(self, engine, uow_factory, actors) -> None:
        self.engine, self.uow_factory, self.tech = engine, uow_factory, actors["technician"]
        world = buyer_world(uow_factory, actors)
        lines = [
            (world.items[LISINOPRIL.package_ndc], D(300), None),
            (world.items[METFORMIN.package_ndc], D(200), D("0.02")),
        ]
        self.order = sent_order(uow_factory, self.tech, world.suppliers["McKesson"], lines)

    def rows(self) -> dict[str, list[tuple]]:
        """What receiving wrote, without ids and the audit trail's time: rows named by NDC, lot, serial.
        Not the lots' version counters either: they count UPDATEs (the service flushes a new lot three
        times, the bulk path inserts it whole), a concurrency token rather than content."""
        queries = {
            "lots": """SELECT i.ndc_code, b.batch_number, b.expiration_date, b.quantity_received,
                       b.quantity_remaining, b.unit_cost, b.received_date, b.status, b.gtin,
                       l.ndc_code, b.received_by IS NOT NULL
                       FROM inventory_schema.inventory_batches b
                       JOIN inventory_schema.inventory_items i ON i.id = b.inventory_item_id
                       LEFT JOIN inventory_schema.purchase_order_items l ON l.id = b.purchase_order_item_id""",
            "ledger": """SELECT i.ndc_code, t.seq - min(t.seq) OVER (PARTITION BY t.inventory_item_id),
                         t.transaction_type, t.quantity_change, t.quantity_before, t.quantity_after,
                         b.batch_number, t.reference_type, l.ndc_code, t.reason, t.performed_by IS NOT NULL,
                         t.transaction_date = t.created_at
                         FROM inventory_schema.inventory_transactions t
                         JOIN inventory_schema.inventory_items i ON i.id = t.inventory_item_id
                         LEFT JOIN inventory_schema.inventory_batches b ON b.id = t.batch_id
                         LEFT JOIN inventory_schema.purchase_order_items l ON l.id = t.reference_id""",
            "packages": """SELECT p.gtin, p.serial_number, p.lot_number, p.expiration_date, p.quantity,
                           l.ndc_code, b.batch_number, p.received_by IS NOT NULL
                           FROM inventory_schema.received_packages p
                           JOIN inventory_schema.purchase_order_items l ON l.id = p.purchase_order_item_id
                           JOIN inventory_schema.inventory_batches b ON b.id = p.batch_id""",
            "order": """SELECT o.po_number, o.status, o.actual_delivery_date, l.ndc_code, l.quantity_received
                        FROM inventory_schema.purchase_orders o
                        JOIN inventory_schema.purchase_order_items l ON l.purchase_order_id = o.id""",
            "items": "SELECT ndc_code, quantity_on_hand, unit_cost FROM inventory_schema.inventory_items",
            "events": """SELECT event_type, aggregate_type, event_data::text FROM audit_schema.domain_events
                         WHERE event_type = 'StockReceived'""",
        }
        with self.engine.connect() as conn:
            return {name: sorted(tuple(map(str, r)) for r in conn.execute(text(sql))) for name, sql in queries.items()}

    def receive(self, path: str, scans: list[str]):
        if path == "service":
            return len(receiving.receive(self.uow_factory, self.tech, self.order.id, scans).order.lines)
        return history_receiving.receive(self.uow_factory, self.tech, self.order.id, lambda _order: (scans, None))


@pytest.fixture
def pharmacies(pg_server, template_db, engine, uow_factory, actors):
    """The same pharmacy twice: received through the service, and through the history's bulk path."""
    url = create_database(pg_server, template_db)
    other = make_engine(url)
    try:
        factory = UnitOfWorkFactory(make_session_factory(other), workstation="test-ws")
        twin = {role: make_actor(factory, role) for role in ("technician", "pharmacist", "manager")}
        yield Pharmacy(engine, uow_factory, actors), Pharmacy(other, factory, twin)
    finally:
        other.dispose()
        drop_database(pg_server, url)


def lis(lot, serial):
    return LISINOPRIL.datamatrix(lot, EXPIRY, serial)


def met(lot, serial, expiry=EXPIRY):
    return METFORMIN.datamatrix(lot, expiry, serial)


def test_bulk_receipts_write_what_the_service_writes(pharmacies):
    service, bulk = pharmacies
    deliveries = [
        # a new lot (two bottles, one lower case: the same lot), the lot on the shelf added to, a new one
        [lis("A1", "1001"), lis("a1", "1002"), met("met-1", "2001", SHELF_EXPIRY), met("M2", "2002")],
        # the last bottle, of the lot the first delivery brought: the order is complete
        [lis("A1", "1003")],
    ]
    for n, scans in enumerate(deliveries):
        service.receive("service", scans)
        assert bulk.receive("history", scans) == len(scans)  # how many packages
        by_service, by_bulk = service.rows(), bulk.rows()
        for table, rows in by_service.items():
            assert set(by_bulk[table]) ^ set(rows) == set(), (
                f"{table} after delivery {n + 1}: {sorted(set(by_bulk[table]) ^ set(rows))}"
            )
            assert by_bulk[table] == rows, f"{table} after delivery {n + 1}"
        assert_inventory_invariants(bulk.engine)
    rows = bulk.rows()
    assert len(rows["packages"]) == 5
    assert len([r for r in rows["ledger"] if r[7] == receiving.REFERENCE]) == 4  # a row per lot of a delivery
    assert {(r[1], r[2], r[4]) for r in rows["order"]} == {
        ("received", str(TODAY), "300.00"),
        ("received", str(TODAY), "200.00"),
    }
    assert [r[3] for r in rows["lots"] if r[1] == "MET-1"] == ["300.00"]  # the shelf's lot grew (200 + 100)


def test_bulk_refuses_what_the_service_refuses_and_writes_nothing(pharmacies):
    service, bulk = pharmacies
    before = bulk.rows()
    refused = [
        [lis("A1", "1001"), lis("A1", "1001")],  # the same serial twice
        [lis("A1", "1"), lis("A1", "2"), lis("A1", "3"), lis("A1", "4")],  # four bottles of three ordered
    ]
    for scans in refused:
        with pytest.raises(ValidationFailed) as by_service:
            service.receive("service", scans)
        with pytest.raises(ValidationFailed) as by_bulk:
            bulk.receive("history", scans)
        assert by_bulk.value.message == by_service.value.message
    assert bulk.receive("history", []) == 0  # nothing scanned: nothing written
    assert bulk.rows() == before == service.rows()
