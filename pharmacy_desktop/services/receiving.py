"""Receiving against a purchase order by scanning each package's GS1 DataMatrix (issue 14 item 2).

The screen collects the scans of a delivery, checking each as it comes (``check_package``: nothing
is written), then receives them together (``receive``), in one transaction:

- the order row is locked first (two workstations receiving the same order queue there, so a line
  is never over-received), then the stock items by id, then the lots by id (the lock order of
  services/stock_allocation.py: receiving and filling the same item never deadlock, and the one
  that waits sees the other's stock);
- the packages are planned by domain/receiving.plan_receipt (line by NDC, lot and expiry from the
  barcode, serial once, never more than ordered, no quarantined lot);
- each lot of each line becomes one batch (the lot already in stock is added to; a new lot is a
  new batch at the line's unit cost, with its GTIN and order line), and one 'receipt' ledger row
  through services/stock_ledger.post, referencing the order line;
- every package is recorded (received_packages: GTIN, serial, lot, expiry, units);
- the lines' received quantities move, the order becomes 'partially_received' or, when every line
  is complete, 'received'; ``actual_delivery_date`` is the date of the latest delivery;
- the item's unit cost becomes the line's price when the order had one (the last cost paid).

Permission ``inventory.receive``; a Schedule II order is received by the same permission (the
order and its DEA form were authorised when it was sent).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pharmacy_desktop.db.models.inventory import InventoryBatch, PurchaseOrder, ReceivedPackage
from pharmacy_desktop.db.retry import with_retry
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain import purchasing as rules
from pharmacy_desktop.domain import receiving as plan
from pharmacy_desktop.domain.clock import local_now, utcnow
from pharmacy_desktop.domain.money import ZERO
from pharmacy_desktop.errors import NotFound, ValidationFailed
from pharmacy_desktop.services import stock_ledger
from pharmacy_desktop.services.access import Actor, require
from pharmacy_desktop.services.purchase_views import OrderView, order_view, package_units

__all__ = [
    "RECEIVE",
    "REFERENCE",
    "PackageCheck",
    "ReceiptResult",
    "ReceivedLot",
    "check_package",
    "close_delivery",
    "receivable_orders",
    "receive",
]

RECEIVE = "inventory.receive"
REFERENCE = "purchase_order_item"  # inventory_transactions.reference_type of a receipt row


@dataclass(frozen=True)
class PackageCheck:
    """One scanned package, checked against the order and the scans before it (nothing written)."""

    line_id: uuid.UUID
    drug: str
    ndc: str
    gtin: str
    lot: str
    expiry: dt.date
    serial: str | None
    units: Decimal
    outstanding_after: Decimal  # what the line still waits for once these scans are received


@dataclass(frozen=True)
class ReceivedLot:
    line_id: uuid.UUID
    drug: str
    lot: str
    expiry: dt.date
    quantity: Decimal
    packages: int
    batch_id: uuid.UUID
    new_batch: bool
    transaction_id: uuid.UUID


@dataclass(frozen=True)
class ReceiptResult:
    order: OrderView
    lots: tuple[ReceivedLot, ...]
    message: str


def receivable_orders(uow_factory: UnitOfWorkFactory, actor: Actor) -> list[OrderView]:
    """Orders that stock can be received against (sent, partially received), newest first."""
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, "inventory.view", doing="see the orders to receive")
        return [order_view(uow, o) for o in uow.purchasing.orders(rules.RECEIVABLE_STATUSES)]


def check_package(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    order_id: uuid.UUID,
    scan_text: str,
    *,
    pending: Sequence[str] = (),
    units: Mapping[uuid.UUID, Decimal] | None = None,
) -> PackageCheck:
    """Would this package be received with the ``pending`` scans before it? Nothing is written."""
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, RECEIVE, doing="receive stock")
        order = _order(uow, order_id, lock=False)
        receipts = _plan(uow, order, [*pending, scan_text], units, lock=False)
        last = len(pending) + 1
        for receipt in receipts:
            for package, quantity in receipt.packages:
                if package.number == last:
                    line = next(x for x in order.items if x.id == receipt.line_id)
                    planned = sum((r.quantity for r in receipts if r.line_id == line.id), ZERO)
                    return PackageCheck(
                        line.id,
                        receipt.drug,
                        line.ndc_code,
                        package.gtin,
                        package.lot,
                        package.expiry,
                        package.serial,
                        quantity,
                        line.quantity_ordered - (line.quantity_received or ZERO) - planned,
                    )
    raise AssertionError("a planned package is in one lot receipt")


def receive(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    order_id: uuid.UUID,
    scans: Sequence[str],
    *,
    units: Mapping[uuid.UUID, Decimal] | None = None,
) -> ReceiptResult:
    """Receive the scanned packages on the order (see the module docstring), all or nothing."""
    if not scans:
        raise ValidationFailed("No package was scanned. Scan the 2D barcode of each package, then receive.")

    def attempt(_: int) -> ReceiptResult:
        with uow_factory(actor.user_id) as uow:
            require(uow, actor, RECEIVE, doing="receive stock")
            order = _order(uow, order_id, lock=True)
            receipts = _plan(uow, order, scans, units, lock=True)
            lots = tuple(_receive_lot(uow, actor, order, receipt) for receipt in receipts)
            close_delivery(uow, order, receipts)
            view = order_view(uow, order)
            uow.commit()
            return ReceiptResult(view, lots, plan.describe(receipts))

    return with_retry(attempt)


def close_delivery(uow: UnitOfWork, order: PurchaseOrder, receipts: Sequence[plan.LotReceipt]) -> None:
    """The close-out of a delivery whose lots are in stock (``receive`` and the demo's bulk history,
    demo/history_receiving.py): the lines' received quantities move by the receipts, the order's status
    follows them, its delivery date is today; the StockReceived event (a lot a receipt, in their
    order) and the change notices of the order and of each item."""
    lines = {line.id: line for line in order.items}
    for receipt in receipts:
        line = lines[receipt.line_id]
        line.quantity_received = (line.quantity_received or ZERO) + receipt.quantity
    order.status = rules.order_status_after_receipt(
        (line.quantity_ordered, line.quantity_received or ZERO) for line in order.items
    )
    order.actual_delivery_date = local_now().date()
    order.updated_at = utcnow()
    uow.flush()
    lots = [
        {"ndc": lines[r.line_id].ndc_code, "lot": r.lot, "quantity": r.quantity, "packages": len(r.packages)}
        for r in receipts
    ]
    uow.record(
        "StockReceived",
        "purchase_order",
        order.id,
        {"po_number": order.po_number, "status": order.status, "lots": lots},
    )
    uow.notify("purchase_orders", order.id, status=order.status)
    for receipt in receipts:
        uow.notify("inventory", receipt.item_id)


def _order(uow: UnitOfWork, order_id: uuid.UUID, *, lock: bool) -> PurchaseOrder:
    order = uow.purchasing.order(order_id, lock=lock)
    if order is None:
        raise NotFound("The purchase order was not found; it may have been removed on another workstation.")
    if order.status not in rules.RECEIVABLE_STATUSES:
        what = {
            rules.PENDING: "a draft that was never sent: send it first",
            rules.RECEIVED: "received in full already: set the packages aside and call the supplier",
            rules.CANCELLED: "cancelled: set the packages aside and call the supplier",
        }.get(order.status, order.status)
        raise ValidationFailed(f"Purchase order {order.po_number} is {what}.")
    return order


def _plan(
    uow: UnitOfWork,
    order: PurchaseOrder,
    scans: Sequence[str],
    units: Mapping[uuid.UUID, Decimal] | None,
    *,
    lock: bool,
) -> tuple[plan.LotReceipt, ...]:
    """The lot receipts of the scans (``ValidationFailed`` naming the package that is refused);
    ``lock``: the order's stock items and lots are locked (in that order) before they are read."""
    today = local_now().date()
    try:
        packages = [plan.parse_package(text, n, today=today) for n, text in enumerate(scans, 1)]
        meds = uow.purchasing.medications_of_items([x.inventory_item_id for x in order.items])
        lines = [
            plan.OrderLine(
                line.id,
                line.inventory_item_id,
                line.ndc_code,
                line.medication_name,
                line.quantity_ordered,
                line.quantity_received or ZERO,
                package_units(meds[line.inventory_item_id].package_description)[0]
                if line.inventory_item_id in meds
                else None,
                _digits(meds[line.inventory_item_id].package_ndc) if line.inventory_item_id in meds else None,
            )
            for line in order.items
            if line.inventory_item_id is not None
        ]
        item_ids = {line.item_id for line in lines}
        if lock:
            uow.inventory.lock_items(item_ids)
        lots: dict[tuple[uuid.UUID, str], plan.LotOnRecord] = {}
        wanted = {p.lot for p in packages}
        for item_id in sorted(item_ids):
            for batch in uow.purchasing.batches_for_lots(item_id, wanted, lock=lock):
                lots.setdefault(
                    (item_id, plan.lot_key(batch.batch_number)),
                    plan.LotOnRecord(batch.expiration_date, batch.status or "active"),
                )
        serials = uow.purchasing.received_serials((p.gtin, p.serial) for p in packages if p.serial)
        return plan.plan_receipt(order.po_number, lines, packages, lots=lots, received_serials=serials, units=units)
    except plan.ReceivingRefused as exc:
        raise ValidationFailed(f"Nothing was received. {exc}") from None


def _digits(package_ndc: str | None) -> str | None:
    """The ten digits a package's GTIN carries, from the catalog's labeler form ("64725-1020-1")."""
    digits = (package_ndc or "").replace("-", "")
    return digits if len(digits) == 10 and digits.isdigit() else None


def _receive_lot(uow: UnitOfWork, actor: Actor, order: PurchaseOrder, receipt: plan.LotReceipt) -> ReceivedLot:
    item = uow.inventory.require(receipt.item_id)  # locked by _plan already (the same object in the session)
    line = next(x for x in order.items if x.id == receipt.line_id)
    batch = _active_batch(uow, receipt)
    new = batch is None
    if batch is None:
        batch = uow.purchasing.add_batch(
            InventoryBatch(
                inventory_item_id=item.id,
                batch_number=receipt.lot,
                expiration_date=receipt.expiry,
                quantity_received=ZERO,
                quantity_remaining=ZERO,  # the ledger row brings the units in (stock_ledger.post)
                unit_cost=line.unit_price if line.unit_price > 0 else None,
                received_date=local_now().date(),
                received_by=actor.user_id,
                status="active",
                gtin=receipt.gtin,
                purchase_order_item_id=line.id,
            )
        )
    batch.quantity_received = batch.quantity_received + receipt.quantity
    row = stock_ledger.post(
        uow,
        item,
        change=receipt.quantity,
        kind=stock_ledger.RECEIPT,
        batch=batch,
        reference_type=REFERENCE,
        reference_id=line.id,
        reason=f"{order.po_number} lot {receipt.lot}",
    )
    if line.unit_price > 0:
        item.unit_cost = line.unit_price
    uow.purchasing.add_packages(package_rows(line.id, batch.id, receipt, actor.user_id))
    return ReceivedLot(
        line.id,
        receipt.drug,
        receipt.lot,
        receipt.expiry,
        receipt.quantity,
        len(receipt.packages),
        batch.id,
        new,
        row.id,
    )


def _active_batch(uow: UnitOfWork, receipt: plan.LotReceipt) -> Any:
    """The item's active batch of the lot (already locked by _plan), or None for a new lot."""
    for batch in uow.purchasing.batches_for_lots(receipt.item_id, [receipt.lot], lock=False):
        if (batch.status or "active") == "active":
            return batch
    return None


def package_rows(
    line_id: uuid.UUID, batch_id: uuid.UUID, receipt: plan.LotReceipt, received_by: uuid.UUID
) -> list[ReceivedPackage]:
    """One lot's received packages as rows, each with its id (the demo's bulk history inserts them as they are)."""
    return [
        ReceivedPackage(
            id=uuid.uuid4(),
            purchase_order_item_id=line_id,
            batch_id=batch_id,
            gtin=package.gtin,
            serial_number=package.serial,
            lot_number=package.lot,
            expiration_date=package.expiry,
            quantity=quantity,
            received_by=received_by,
        )
        for package, quantity in receipt.packages
    ]
