"""The stock ledger's one writer: every change of an item's on-hand quantity is one row, here.

``post`` is called inside the caller's unit of work, with the item row already locked
(``uow.inventory.lock_item``, or ``lock_items``; lock order: the item, then its batches by id, as
services/stock_allocation.py documents). Under that lock it:

- takes ``quantity_before`` from the locked item (never from a value read earlier),
- writes the ``inventory_transactions`` row (``quantity_after = before + change``; ``seq``, an
  identity column, gives the per-item total order),
- sets ``item.quantity_on_hand`` to ``quantity_after``,
- and, when a ``batch`` is given and it is available (status 'active'), moves the batch's
  ``quantity_remaining`` by the same change.

Conventions the callers follow, so that on hand = the remaining of the item's active batches:

- receiving: create the batch with ``quantity_remaining = 0`` and status 'active' (or reuse the
  active batch of the same lot), then ``post(change=+received, kind=RECEIPT, batch=batch)``;
- quarantine (recall, expiry): set the batch's status to 'recalled'/'expired' FIRST, then
  ``post(change=-batch.quantity_remaining, batch=batch)``: the batch keeps what is physically in
  quarantine, only the available stock drops;
- return to supplier / destruction of a quarantined batch: no post (on hand already excludes it).

``HistoryLedger`` is the bulk path of imported HISTORY only (the demo's year of fills): the same
checks and arithmetic as ``post``, its rows kept in memory and written in one INSERT.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from pharmacy_desktop.db.models.inventory import InventoryTransaction
from pharmacy_desktop.db.unit_of_work import UnitOfWork
from pharmacy_desktop.domain import clock
from pharmacy_desktop.errors import ValidationFailed

# The design document's ledger vocabulary (the CHECK of revision 0011).
RECEIPT = "receipt"
DISPENSED = "dispensed"
ADJUSTMENT = "adjustment"
RETURN = "return"
EXPIRED = "expired"
DAMAGED = "damaged"
TRANSFER = "transfer"
KINDS = frozenset({RECEIPT, DISPENSED, ADJUSTMENT, RETURN, EXPIRED, DAMAGED, TRANSFER})

AVAILABLE = "active"  # the batch status whose remaining counts as on hand


def is_available(batch: Any) -> bool:
    """A batch whose remaining is part of the item's on hand (a NULL status is the default 'active')."""
    return (batch.status or AVAILABLE) == AVAILABLE


def post(
    uow: UnitOfWork,
    item: Any,
    *,
    change: Decimal,
    kind: str,
    batch: Any | None = None,
    reference_type: str | None = None,
    reference_id: uuid.UUID | None = None,
    reason: str | None = None,
) -> InventoryTransaction:
    """Write one ledger row for ``item`` (locked by the caller) and move its on hand by ``change``.

    Raises ``ValidationFailed`` when the change would take the item, or an available batch, below
    zero (nothing is written then). ``ValueError`` for a programming error (unknown kind, zero
    change, a batch of another item).
    """
    change = Decimal(change)
    before, after, moving = _checked(item, change, kind, batch)
    row = uow.inventory.add_transaction(
        item.id,
        kind,
        change,
        before,
        batch_id=batch.id if batch is not None else None,
        reference_type=reference_type,
        reference_id=reference_id,
        reason=reason,
    )
    _move(item, moving, change, after)
    uow.flush()
    return row


def _checked(item: Any, change: Decimal, kind: str, batch: Any | None) -> tuple[Decimal, Decimal, Any | None]:
    """(before, after, the batch whose remaining moves or None), or the refusal ``post`` documents."""
    if kind not in KINDS:
        raise ValueError(f"unknown ledger kind {kind!r}")
    if change == 0:
        raise ValueError("a ledger row must change the quantity")
    if batch is not None and batch.inventory_item_id != item.id:
        raise ValueError("the batch belongs to another stock item")
    before = item.quantity_on_hand
    after = before + change
    if after < 0:
        raise ValidationFailed(
            f"This would take the stock of NDC {item.ndc_code} below zero ({before} on hand, change {change}). "
            "Nothing was changed: count the shelf and record an adjustment first."
        )
    moving = batch if batch is not None and is_available(batch) else None
    if moving is not None and moving.quantity_remaining + change < 0:
        raise ValidationFailed(
            f"Lot {moving.batch_number} of NDC {item.ndc_code} has only {moving.quantity_remaining} left "
            f"(change {change}). Nothing was changed: check the lot and its count."
        )
    return before, after, moving


def _move(item: Any, moving: Any | None, change: Decimal, after: Decimal) -> None:
    if moving is not None:
        moving.quantity_remaining = moving.quantity_remaining + change
    item.quantity_on_hand = after


class HistoryLedger:
    """The ledger's bulk path, for imported HISTORY only (the demo's year of fills; never a live
    change): ``post`` checks and computes exactly as ``stock_ledger.post`` does, in the order of the
    calls, but keeps the row in memory; ``write`` inserts them all in one statement, in that order
    (``seq`` follows it). The items and batches (locked by the caller, as for ``post``) move in
    memory and reach the database with the session's next flush: one UPDATE per item and per batch
    however many rows moved them. Each row is dated ``clock.utcnow()`` at its ``post`` (the history
    runs on a held clock). Nothing else may post to these items until ``write``.
    """

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._rows: list[dict[str, Any]] = []

    def post(
        self,
        item: Any,
        *,
        change: Decimal,
        kind: str,
        batch: Any | None = None,
        reference_type: str | None = None,
        reference_id: uuid.UUID | None = None,
        reason: str | None = None,
    ) -> None:
        change = Decimal(change)
        before, after, moving = _checked(item, change, kind, batch)
        at = clock.utcnow()
        self._rows.append(
            {
                "id": uuid.uuid4(),
                "inventory_item_id": item.id,
                "batch_id": batch.id if batch is not None else None,
                "transaction_type": kind,
                "quantity_change": change,
                "quantity_before": before,
                "quantity_after": after,
                "reference_type": reference_type,
                "reference_id": reference_id,
                "reason": reason,
                "transaction_date": at,
                "created_at": at,
            }
        )
        _move(item, moving, change, after)

    def write(self) -> int:
        """Insert the rows kept so far (one statement) and flush the items and batches; how many."""
        rows, self._rows = self._rows, []
        self._uow.inventory.add_transactions(rows)
        self._uow.flush()
        return len(rows)


def transactions_for(uow: UnitOfWork, item_id: uuid.UUID, limit: int = 200) -> list[InventoryTransaction]:
    """The item's ledger rows, newest first, in the ledger's total order (``seq``)."""
    return uow.inventory.transactions_for(item_id, limit)
