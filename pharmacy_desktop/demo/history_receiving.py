"""The deliveries of the demo's year of inventory history (demo/inventory_history.py): every package
scanned by its GS1 DataMatrix, received in bulk.

``receive`` is ``services.receiving.receive`` for imported HISTORY only (never a live delivery), as
``stock_ledger.HistoryLedger`` is ``stock_ledger.post`` for the history's fills: the same unit of
work, lock order and checks (the order locked and receivable, its stock items and lots locked, the
packages planned by domain/receiving.plan_receipt through the service's own ``_plan``: line by NDC,
lot and expiry from the barcode, serial once, never more than ordered, no quarantined lot) and the
same rows (a batch per new lot or the lot's active batch added to, one 'receipt' ledger row per lot
referencing its order line, one received_packages row per package, the item's last cost, and the
service's own close-out, ``receiving.close_delivery``: the lines' received quantities, the order's
status and delivery date, the StockReceived event and the change notices), but the new batches, the ledger rows and the packages go in one INSERT per table instead
of a flush per lot: a year's 52 deliveries carry ~5,700 packages. The order is read in the same
transaction that receives it (``scans_of`` makes the scans from the locked order). What the session
would date now() gets the held clock's moment (the loader runs each delivery on its historical day).
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from pharmacy_desktop.db.models.inventory import InventoryBatch, PurchaseOrder, ReceivedPackage
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.demo.history_sales import insert_objects
from pharmacy_desktop.domain import receiving as plan
from pharmacy_desktop.domain.barcodes import build_gs1_element_string, ndc_to_gtin14
from pharmacy_desktop.domain.clock import local_now
from pharmacy_desktop.domain.money import ZERO
from pharmacy_desktop.services import receiving, stock_ledger
from pharmacy_desktop.services.access import require

SHORT_LIFE = 14  # a short-dated package of the first delivery expires this long after it

Scans = tuple[Sequence[str], Mapping[uuid.UUID, Decimal] | None]


def receive(
    uow_factory: UnitOfWorkFactory, actor: Any, order_id: uuid.UUID, scans_of: Callable[[PurchaseOrder], Scans]
) -> int:
    """Receive the packages ``scans_of(order)`` names (scans, units typed per line) on the order, all
    or nothing (the module docstring); how many packages. No scan: nothing is written."""
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, receiving.RECEIVE, doing="receive stock")
        order = receiving._order(uow, order_id, lock=True)
        scans, units = scans_of(order)
        if not scans:
            return 0
        receipts = receiving._plan(uow, order, scans, units, lock=True)  # locks the items, then the lots
        lines = {line.id: line for line in order.items}
        today = local_now().date()
        items = {i.id: i for i in uow.inventory.lock_items({r.item_id for r in receipts})}  # held since _plan
        active: dict[tuple[uuid.UUID | None, str], Any] = {}  # (item, lot key) -> the lot's active batch
        for found in _lots(uow, set(items), {plan.lot_key(r.lot) for r in receipts}):  # locked by _plan
            if stock_ledger.is_available(found):
                active.setdefault((found.inventory_item_id, plan.lot_key(found.batch_number)), found)
        ledger = stock_ledger.HistoryLedger(uow)
        new_batches: list[InventoryBatch] = []
        packages: list[ReceivedPackage] = []
        for receipt in receipts:
            item = items[receipt.item_id]
            line = lines[receipt.line_id]
            batch = active.get((item.id, plan.lot_key(receipt.lot)))
            if batch is None:
                batch = active[(item.id, plan.lot_key(receipt.lot))] = InventoryBatch(
                    id=uuid.uuid4(),
                    inventory_item_id=item.id,
                    batch_number=receipt.lot,
                    expiration_date=receipt.expiry,
                    quantity_received=ZERO,
                    quantity_remaining=ZERO,  # the ledger row brings the units in
                    unit_cost=line.unit_price if line.unit_price > 0 else None,
                    received_date=today,
                    received_by=actor.user_id,
                    status="active",
                    gtin=receipt.gtin,
                    purchase_order_item_id=line.id,
                )
                new_batches.append(batch)
            batch.quantity_received = batch.quantity_received + receipt.quantity
            ledger.post(
                item,
                change=receipt.quantity,
                kind=stock_ledger.RECEIPT,
                batch=batch,
                reference_type=receiving.REFERENCE,
                reference_id=line.id,
                reason=f"{order.po_number} lot {receipt.lot}",
            )
            if line.unit_price > 0:
                item.unit_cost = line.unit_price
            packages += receiving.package_rows(line.id, batch.id, receipt, actor.user_id)
        insert_objects(uow, new_batches)  # parents first: the lots, their ledger rows, their packages
        ledger.write()  # one INSERT; the items and the lots added to: one UPDATE each
        insert_objects(uow, packages)
        receiving.close_delivery(uow, order, receipts)  # the lines, the order, the event, the notices
        uow.commit()
        return len(packages)


def _lots(uow: UnitOfWork, item_ids: set[uuid.UUID], keys: set[str]) -> list[InventoryBatch]:
    """The batches of these items whose lot is one of ``keys`` (lot_key), by id: the service's
    ``batches_for_lots`` for every item of the delivery at once (one query instead of one a lot)."""
    stmt = (
        select(InventoryBatch)
        .where(
            InventoryBatch.inventory_item_id.in_(sorted(item_ids)),
            func.upper(func.trim(InventoryBatch.batch_number)).in_(sorted(keys)),
        )
        .order_by(InventoryBatch.id)
    )
    return list(uow.active_session.scalars(stmt))


def delivery(
    info: dict[uuid.UUID, Any],
    rng: random.Random,
    day: dt.date,
    today: dt.date,
    *,
    short: set[uuid.UUID] | None = None,
    withhold: set[uuid.UUID] | None = None,
) -> Callable[[PurchaseOrder], Scans]:
    """The scans of a delivery of the order (for ``receive``): every package but those of the lines
    of ``withhold``; the first delivery of a ``short`` item brings one short-dated package (the expiry
    pass finds it). ``info``: stock item -> (package NDC, units a package or None, schedule)."""

    def scans_of(order: PurchaseOrder) -> Scans:  # the lines as the order shows them (purchase_views)
        scans: list[str] = []
        typed: dict[uuid.UUID, Decimal] = {}
        for n, line in enumerate(sorted(order.items, key=lambda x: (x.medication_name, x.ndc_code, x.id))):
            assert line.inventory_item_id is not None  # the demo orders only its stock items
            package_ndc, units, _schedule = info[line.inventory_item_id]
            if units is None:  # the catalog does not say: the receiver types the units of a package
                units = typed[line.id] = Decimal(100) if line.quantity_ordered % 100 == 0 else line.quantity_ordered
            packages = int(line.quantity_ordered / units)
            if withhold and line.inventory_item_id in withhold:  # not in this delivery: the line stays outstanding
                continue
            lot = f"{'KMPRTW'[rng.randint(0, 5)]}{rng.randint(10000, 99999)}"
            expiry = _expiry(rng, day, today, n)
            gtin = ndc_to_gtin14(package_ndc)
            for k in range(packages):
                this_lot, this_expiry = lot, expiry
                if short and line.inventory_item_id in short and k == 0 and packages > 1:
                    this_lot, this_expiry = f"{lot}S", day + dt.timedelta(days=SHORT_LIFE)
                serial = f"{order.po_number[-6:]}{n:02d}{k:03d}"
                scans.append("]d2" + build_gs1_element_string(gtin, expiry=this_expiry, lot=this_lot, serial=serial))
        return scans, typed or None

    return scans_of


def _expiry(rng: random.Random, day: dt.date, today: dt.date, n: int) -> dt.date:
    """A lot's expiry: one to two years out; a few of the last month's lots expire within 60 days."""
    if today - day < dt.timedelta(days=40) and n % 4 == 1:
        return today + dt.timedelta(days=rng.choice((25, 45, 55)))
    return max(day + dt.timedelta(days=rng.randint(330, 720)), today + dt.timedelta(days=120))
