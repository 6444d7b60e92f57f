"""Stock for a fill: where the units come from, taking them off the shelf, putting them back.

Concurrency. Lock order, the same in every stock-changing service (fill, return to fill): the
prescription row, then inventory items by id, then their batches by id. A fill locks its
prescription, plans the stock lines from an unlocked read, writes the fill, the label job and
the events, and only then locks the item and the planned batches (``SELECT ... FOR UPDATE``),
checks the plan still holds and deducts: the hot row of a busy drug is held for a few statements,
not for the whole fill. If another workstation took the units in between, the transaction is
rolled back and the fill starts again (transparently, ``db.retry.with_retry``); from the third
attempt on the stock rows are locked before planning, so a fill under heavy contention always
finishes. The version columns and the CHECK constraints on stock are the last line of defence
and are retried too.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pharmacy_desktop.db.retry import StockMoved
from pharmacy_desktop.db.unit_of_work import UnitOfWork
from pharmacy_desktop.domain import stock as rules
from pharmacy_desktop.domain.stock import BatchStock, StockLine
from pharmacy_desktop.services import stock_ledger

DISPENSE = "dispensed"  # the design document's ledger vocabulary (revision 0011)
RETURN = "return"
REFILL_REFERENCE = "prescription_refill"

WHOLE, LOT, FEFO = "whole", "lot", "fefo"
# A lot "chosen" at fill meaning: the units come from several bottles, first expiry first (only
# when every lot of the NDC on hand is usable; otherwise the filler names the lot in the hand).
ANY_LOT = "*"
HELD_STATUSES = frozenset({"expired", "recalled"})  # quarantined on the premises
GONE_STATUSES = frozenset({"returned", "destroyed"})  # no longer in the pharmacy


@dataclass(frozen=True)
class LotChoice:
    """A lot on hand offered when a bottle scan did not say which lot it is."""

    lot: str
    expiry: dt.date
    remaining: Decimal
    status: str
    problem: str | None = None  # why it cannot be dispensed (recalled, quarantined, expired); None: usable


def lot_choices(batches: Sequence[Any], *, today: dt.date) -> tuple[LotChoice, ...]:
    """The lots the bottle in the hand may be from, asked when the scan carries no lot and more than
    one lot has units on hand or any lot of the NDC is quarantined or recalled (issue 15 item 7):
    usable lots first, first expiry first, then the ones that must not be dispensed. Empty: no question.
    """
    on_hand = [b for b in batches if b.quantity_remaining > 0 and (b.status or "active").lower() not in GONE_STATUSES]
    held = [b for b in batches if (b.status or "active").lower() in HELD_STATUSES]
    if len(on_hand) <= 1 and not held:
        return ()
    listed = {b.id: b for b in on_hand + held}.values()
    choices = [
        LotChoice(
            b.batch_number,
            b.expiration_date,
            b.quantity_remaining,
            b.status or "active",
            rules.lot_problem(b.batch_number, b.expiration_date, b.status, today=today),
        )
        for b in listed
    ]
    return tuple(sorted(choices, key=lambda c: (c.problem is not None, c.expiry, c.lot)))


def lot_question(choices: Sequence[LotChoice]) -> str:
    bad = [c for c in choices if c.problem]
    why = f"{len(choices)} lots of this product are on record"
    if bad:
        kinds = sorted({("expired" if c.status == "active" else c.status) for c in bad})
        why += f" ({len(bad)} {' or '.join(kinds)}: must not be dispensed)"
    return f"Which lot is the bottle in your hand? {why}. Pick the lot printed on the bottle."


@dataclass(frozen=True)
class StockSource:
    """Where a fill's units would come from: one scanned lot, first-expiry-first-out across the
    usable lots, or the item as a whole (no lots on record); or why none of that is possible."""

    problem: str | None = None
    available: Decimal = Decimal(0)
    warnings: tuple[str, ...] = ()
    mode: str = WHOLE
    lot_choices: tuple[LotChoice, ...] = ()  # with ``problem``: the scan needs the lot in the hand
    batch_id: uuid.UUID | None = None
    lot: str | None = None
    expiry: dt.date | None = None
    stocks: tuple[BatchStock, ...] = ()
    today: dt.date | None = None

    def lines_for(self, quantity: Decimal) -> tuple[StockLine, ...]:
        if self.mode == FEFO:
            assert self.today is not None
            allocation = rules.allocate_fefo(list(self.stocks), quantity, today=self.today)
            return tuple(StockLine(b.batch_id, b.lot, take, b.expiration_date) for b, take in allocation.picks)
        return (StockLine(self.batch_id, self.lot, quantity, self.expiry),)


def batch_stock(b: Any) -> BatchStock:
    return BatchStock(b.id, b.batch_number, b.expiration_date, b.quantity_remaining, b.status, b.received_date)


def stock_source(
    stock: Any,
    batches: Sequence[Any],
    *,
    lot: str | None,
    expiry: dt.date | None,
    days_supply: int,
    drug_name: str,
    today: dt.date,
    chosen_lot: str | None = None,
) -> StockSource:
    """Pure: the source for a bottle scan (``lot``/``expiry`` as scanned) given the item and its lots.

    A scan without a lot asks which lot is in the hand (``lot_choices``) when several lots are on
    hand or one is held; ``chosen_lot`` answers it (a lot number, or ``ANY_LOT`` for several bottles
    taken first expiry first, refused while a held or expired lot is on hand).
    """
    on_hand = stock.quantity_on_hand
    if not lot and chosen_lot and chosen_lot != ANY_LOT:
        lot = chosen_lot.strip()
    if not lot and batches and (choices := lot_choices(batches, today=today)):
        if chosen_lot != ANY_LOT:
            return StockSource(problem=lot_question(choices), lot_choices=choices)
        if any(c.problem for c in choices):
            return StockSource(
                problem=(
                    "A lot of this product that must not be dispensed is on hand: first-expiring-first cannot "
                    "be assumed. " + lot_question(choices)
                ),
                lot_choices=choices,
            )
    if lot:
        batch = next((b for b in batches if b.batch_number.strip().upper() == lot.strip().upper()), None)
        expiry = expiry or (batch.expiration_date if batch else None)
        problem = rules.lot_problem(lot, expiry, batch.status if batch else "active", today=today)
        if problem is None and batch is not None and batch.expiration_date < today:
            problem = rules.lot_problem(lot, batch.expiration_date, batch.status, today=today)
        if problem:
            return StockSource(problem=problem)
        if batch is None and batches:
            known = ", ".join(sorted({b.batch_number for b in batches if b.quantity_remaining > 0})) or "none"
            return StockSource(
                problem=(
                    f"Lot {lot} of {drug_name} is not in the stock records (lots on record: {known}). "
                    "Ask the pharmacist or buyer to receive the lot into inventory, or scan a bottle from a recorded lot."
                )
            )
        warning = rules.expiry_warning(expiry, days_supply, today=today) if expiry is not None else None
        return StockSource(
            available=min(on_hand, batch.quantity_remaining) if batch is not None else on_hand,
            warnings=(warning,) if warning else (),
            mode=LOT,
            batch_id=batch.id if batch else None,
            lot=lot,
            expiry=expiry,
        )
    if expiry is not None and expiry < today:
        return StockSource(problem=rules.lot_problem(None, expiry, "active", today=today) or "")
    if batches:
        stocks = tuple(batch_stock(b) for b in batches)
        usable = sum((b.remaining for b in rules.usable_batches(list(stocks), today=today)), Decimal(0))
        return StockSource(available=min(on_hand, usable), mode=FEFO, stocks=stocks, today=today)
    return StockSource(available=on_hand, mode=WHOLE, expiry=expiry)


def deduct(
    uow: UnitOfWork,
    *,
    stock: Any,
    batches: dict[uuid.UUID, Any],
    lines: tuple[StockLine, ...],
    stock_locked: bool,
    day: dt.date,
    refill_id: uuid.UUID,
    reason: str,
    performed_by: uuid.UUID,
) -> None:
    """Take the planned lots off the shelf: lock (item, then lots by id), re-check, deduct, ledger.

    ``stock_locked``: the item and its lots were locked before planning (nothing to re-check).
    Raises ``StockMoved`` when the plan no longer holds (the caller's retry plans again).
    """
    if not stock_locked:
        planned_id = stock.id
        stock = uow.inventory.item_by_ndc(stock.ndc_code, for_update=True)
        if stock is None or stock.id != planned_id:
            raise StockMoved("the stock item changed")
        batch_ids = sorted({line.batch_id for line in lines if line.batch_id is not None})
        batches.update({b.id: b for b in uow.inventory.lock_batches(batch_ids)})
        total = sum((line.quantity for line in lines), Decimal(0))
        if stock.quantity_on_hand < total:
            raise StockMoved("on hand dropped")
        for line in lines:
            if line.batch_id is None:
                continue
            batch = batches[line.batch_id]
            if batch.quantity_remaining < line.quantity or rules.lot_problem(
                batch.batch_number, batch.expiration_date, batch.status, today=day
            ):
                raise StockMoved(f"lot {batch.batch_number} changed")
    level = stock.quantity_on_hand
    for line in lines:
        if line.batch_id is not None:
            batch = batches[line.batch_id]
            batch.quantity_remaining = batch.quantity_remaining - line.quantity
        uow.inventory.add_transaction(
            stock.id,
            DISPENSE,
            -line.quantity,
            level,
            batch_id=line.batch_id,
            reference_type=REFILL_REFERENCE,
            reference_id=refill_id,
            reason=reason,
            performed_by=performed_by,
        )
        level -= line.quantity
    stock.quantity_on_hand = level
    uow.flush()


def put_back(
    uow: UnitOfWork, refill_ids: list[uuid.UUID], *, reason: str, performed_by: uuid.UUID
) -> tuple[list[tuple[str | None, Decimal]], list[uuid.UUID]]:
    """Reverse the dispensing of these fills, lot by lot, in the lock order (items, then lots, by id).

    Returns the (lot, quantity) put back and the ids of the stock items changed. The ledger rows
    go through ``stock_ledger.post`` and are stamped with the unit of work's actor (the callers
    open it as ``performed_by``). Units of a lot quarantined meanwhile go back into quarantine.
    """
    moves = uow.inventory.movements_for(REFILL_REFERENCE, refill_ids, DISPENSE)
    items = {i.id: i for i in uow.inventory.lock_items({m.inventory_item_id for m in moves if m.inventory_item_id})}
    batch_ids = sorted({m.batch_id for m in moves if m.batch_id})
    batches = {b.id: b for b in uow.inventory.lock_batches(batch_ids)}
    returned: list[tuple[str | None, Decimal]] = []
    for move in moves:
        qty = -move.quantity_change
        assert move.inventory_item_id is not None  # a dispense always names its stock item
        item = items[move.inventory_item_id]
        batch = batches[move.batch_id] if move.batch_id else None
        stock_ledger.post(
            uow,
            item,
            change=qty,
            kind=RETURN,
            batch=batch,
            reference_type=REFILL_REFERENCE,
            reference_id=move.reference_id,
            reason=reason,
        )
        if batch is not None and not stock_ledger.is_available(batch):
            _back_into_quarantine(uow, item, batch, qty, reason)
        returned.append((batch.batch_number if batch else None, qty))
    return returned, list(items)


def _back_into_quarantine(uow: UnitOfWork, item: Any, batch: Any, qty: Decimal, reason: str) -> None:
    """Units of a lot quarantined since they were dispensed (recalled, expired) go back to the
    quarantine bin, not to the shelf: the return row is followed by the lot's quarantine row, so
    on hand stays the sum of the available lots and the ledger shows both steps."""
    recalled = batch.status == "recalled"
    stock_ledger.post(
        uow,
        item,
        change=-qty,
        kind=stock_ledger.ADJUSTMENT if recalled else stock_ledger.EXPIRED,
        batch=batch,
        reference_type="recall" if recalled else "batch",
        reference_id=batch.recall_id if recalled else batch.id,
        reason=f"{reason}: lot {batch.batch_number} is {batch.status}, back into quarantine",
    )
    batch.quantity_remaining = batch.quantity_remaining + qty
