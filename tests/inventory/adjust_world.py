"""Stock for the adjustment and count tests: every unit received through the ledger (so the strict
invariants hold), the pharmacy profile with its approval thresholds."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from pharmacy_desktop.db.models.inventory import InventoryBatch, InventoryItem
from pharmacy_desktop.services import stock_ledger
from tests.fill import factories

TODAY = dt.date.today()


def set_thresholds(uow_factory, units: Decimal | int, value: Decimal | int) -> None:
    with uow_factory() as uow:
        factories.add_pharmacy(uow)
        uow.session.flush()
        profile = uow.users.pharmacy_profile()
        profile.adjustment_approval_units = Decimal(units)
        profile.adjustment_approval_value = Decimal(value)
        profile.dea = "BM1234563"
        uow.commit()


def stocked_item(
    uow_factory,
    user_id: uuid.UUID,
    drug: factories.Drug,
    lots: list[tuple[str, int, int]],
    *,
    unit_cost: Decimal | None = Decimal("0.10"),
    bin_location: str = "A-12",
) -> uuid.UUID:
    """A stock item of ``drug`` with lots (lot, days to expiry, units received, oldest first)."""
    with uow_factory(actor_id=user_id) as uow:
        med = factories.add_medication(uow, drug)
        item = InventoryItem(
            medication_id=med.id,
            ndc_code=med.ndc_code,
            quantity_on_hand=Decimal(0),
            quantity_unit="tablet",
            reorder_point=Decimal(50),
            reorder_quantity=Decimal(500),
            bin_location=bin_location,
            unit_cost=unit_cost,
        )
        uow.session.add(item)
        uow.session.flush()
        for n, (lot, days, qty) in enumerate(lots):
            batch = InventoryBatch(
                inventory_item_id=item.id,
                batch_number=lot,
                expiration_date=TODAY + dt.timedelta(days=days),
                quantity_received=Decimal(qty),
                quantity_remaining=Decimal(0),
                received_date=TODAY - dt.timedelta(days=60 - n),
            )
            uow.session.add(batch)
            uow.session.flush()
            stock_ledger.post(uow, item, change=Decimal(qty), kind=stock_ledger.RECEIPT, batch=batch)
        uow.commit()
        return item.id


def dispense(uow_factory, user_id: uuid.UUID, item_id: uuid.UUID, lot: str, units: int) -> None:
    """Units leaving by a fill, as the fill writes them (a ledger row under the item lock)."""
    with uow_factory(actor_id=user_id) as uow:
        item = uow.inventory.lock_item(item_id)
        (batch,) = [b for b in uow.inventory.batches_of(item_id, for_update=True) if b.batch_number == lot]
        stock_ledger.post(uow, item, change=Decimal(-units), kind=stock_ledger.DISPENSED, batch=batch)
        uow.commit()


def stock_of(uow_factory, item_id: uuid.UUID) -> tuple[Decimal, dict[str, Decimal], int]:
    """(on hand, remaining per lot, ledger rows) of an item."""
    with uow_factory() as uow:
        item = uow.inventory.require(item_id)
        lots = {b.batch_number: b.quantity_remaining for b in uow.inventory.batches_of(item_id)}
        rows = len(stock_ledger.transactions_for(uow, item_id))
        return item.quantity_on_hand, lots, rows


def batch_id(uow_factory, item_id: uuid.UUID, lot: str) -> uuid.UUID:
    with uow_factory() as uow:
        return next(b.id for b in uow.inventory.batches_of(item_id) if b.batch_number == lot)
