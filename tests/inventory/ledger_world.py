"""Stock made the way the app makes it: items with no units, lots received through stock_ledger.post."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from pharmacy_desktop.db.models.inventory import InventoryBatch, InventoryItem
from pharmacy_desktop.services import stock_ledger

TODAY = dt.date.today()


def new_item(uow, med, *, unit_cost: str | None = "0.50") -> InventoryItem:
    item = InventoryItem(
        medication_id=med.id,
        ndc_code=med.ndc_code,
        quantity_on_hand=Decimal(0),
        quantity_unit="tablet",
        reorder_point=Decimal(50),
        reorder_quantity=Decimal(500),
        unit_cost=Decimal(unit_cost) if unit_cost else None,
    )
    uow.session.add(item)
    uow.session.flush()
    return item


def new_batch(uow, item, lot: str, *, expiry: dt.date | None = None, days: int = 400) -> InventoryBatch:
    """An empty active lot: ``post`` brings its units in (remaining moves with the receipt)."""
    batch = InventoryBatch(
        inventory_item_id=item.id,
        batch_number=lot,
        expiration_date=expiry or TODAY + dt.timedelta(days=days),
        quantity_received=Decimal(0),
        quantity_remaining=Decimal(0),
        received_date=TODAY,
    )
    uow.session.add(batch)
    uow.session.flush()
    return batch


def receive(uow_factory, item_id: uuid.UUID, lot: str, quantity, *, expiry: dt.date | None = None, actor_id=None):
    """One receipt of a new lot, in its own transaction (item locked first, as the ledger requires)."""
    with uow_factory(actor_id=actor_id) as uow:
        item = uow.inventory.lock_item(item_id)
        batch = new_batch(uow, item, lot, expiry=expiry)
        batch.quantity_received = Decimal(quantity)
        stock_ledger.post(uow, item, change=Decimal(quantity), kind=stock_ledger.RECEIPT, batch=batch)
        uow.commit()
        return batch.id
