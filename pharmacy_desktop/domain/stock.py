"""Stock at fill: which lots may be used (status, expiry, recalls), first-expiry-first-out
allocation across lots, how much of a prescription can be filled now, and the stock lines a fill
writes to the ledger. Plain data; the locking and the writes are ``services/stock_allocation.py``."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

USABLE_BATCH_STATUS = "active"


@dataclass(frozen=True)
class BatchStock:
    batch_id: uuid.UUID
    lot: str
    expiration_date: dt.date
    remaining: Decimal
    status: str | None = "active"
    received_date: dt.date | None = None


def lot_problem(lot: str | None, expiry: dt.date | None, status: str | None, *, today: dt.date) -> str | None:
    """Why this lot must not be dispensed (expired, recalled, quarantined), or None."""
    shown = f"Lot {lot}" if lot else "This stock"
    if status and status.lower() == "recalled":
        return f"{shown} is RECALLED. Do not dispense: set the bottle aside for return and scan another lot."
    if expiry is not None and expiry < today:
        return (
            f"{shown} EXPIRED on {expiry.isoformat()}. Do not dispense: pull the bottle from the shelf "
            "and scan another bottle."
        )
    if status and status.lower() not in (USABLE_BATCH_STATUS,):
        return f"{shown} is marked '{status}' and cannot be dispensed. Scan another lot."
    return None


def expiry_warning(expiry: dt.date | None, days_supply: int | None, *, today: dt.date) -> str | None:
    """A bottle that expires before the patient finishes the supply is allowed, but worth a look."""
    if expiry is None or not days_supply or expiry < today:
        return None
    end = today + dt.timedelta(days=days_supply)
    if expiry < end:
        return (
            f"Expires {expiry.isoformat()}, before the {days_supply}-day supply runs out: "
            "the label's discard-by date will be the expiry."
        )
    return None


@dataclass(frozen=True)
class Allocation:
    """Which lots give how much, first expiry first; ``shortfall`` > 0 when there is not enough."""

    picks: tuple[tuple[BatchStock, Decimal], ...]
    requested: Decimal
    usable: Decimal

    @property
    def allocated(self) -> Decimal:
        return sum((q for _, q in self.picks), Decimal(0))

    @property
    def shortfall(self) -> Decimal:
        return self.requested - self.allocated

    @property
    def complete(self) -> bool:
        return self.shortfall <= 0


def usable_batches(batches: Iterable[BatchStock], *, today: dt.date) -> list[BatchStock]:
    """Active, unexpired lots with stock, first expiry first (then oldest received, then lot)."""
    usable = [
        b for b in batches if b.remaining > 0 and lot_problem(b.lot, b.expiration_date, b.status, today=today) is None
    ]
    return sorted(usable, key=lambda b: (b.expiration_date, b.received_date or dt.date.min, b.lot, str(b.batch_id)))


def allocate_fefo(batches: Sequence[BatchStock], quantity: Decimal, *, today: dt.date) -> Allocation:
    """Take ``quantity`` from the usable lots, earliest expiry first, spanning lots when needed."""
    if quantity <= 0:
        raise ValueError("quantity to allocate must be positive")
    usable = usable_batches(batches, today=today)
    left = quantity
    picks: list[tuple[BatchStock, Decimal]] = []
    for batch in usable:
        if left <= 0:
            break
        take = min(batch.remaining, left)
        picks.append((batch, take))
        left -= take
    return Allocation(tuple(picks), quantity, sum((b.remaining for b in usable), Decimal(0)))


@dataclass(frozen=True)
class QuantityPlan:
    """How much to fill now: the full quantity, a partial fill, or nothing (with the reason)."""

    quantity: Decimal
    is_partial: bool
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def plan_quantity(
    prescribed: Decimal,
    available: Decimal,
    *,
    on_hand: Decimal,
    unit: str,
    drug: str,
    requested: Decimal | None = None,
    allow_partial: bool = False,
) -> QuantityPlan:
    """Decide the fill quantity. ``requested`` below ``prescribed`` is itself a partial fill."""
    want = prescribed if requested is None else requested
    if want <= 0:
        return QuantityPlan(Decimal(0), False, "The quantity to fill must be more than 0.")
    if want > prescribed:
        return QuantityPlan(
            Decimal(0), False, f"Cannot fill {_q(want)} {unit}: only {_q(prescribed)} {unit} are prescribed."
        )
    if available >= want:
        return QuantityPlan(want, want < prescribed)
    expired_note = ""
    if on_hand > available:
        expired_note = f" ({_q(on_hand - available)} {unit} of it expired, recalled or otherwise unusable)"
    short = f"Not enough stock of {drug}: {_q(want)} {unit} needed, {_q(on_hand)} {unit} on hand{expired_note}."
    if available <= 0:
        return QuantityPlan(Decimal(0), False, f"{short} Nothing can be filled now: order more.")
    if not allow_partial:
        return QuantityPlan(
            Decimal(0),
            False,
            f"{short} Fill {_q(available)} {unit} now as a partial fill, or order more.",
        )
    return QuantityPlan(available, True)


def _q(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def format_quantity(value: Decimal) -> str:
    return _q(value)


@dataclass(frozen=True)
class StockLine:
    """One stock movement of a fill (a lot and how much), for the ledger."""

    batch_id: uuid.UUID | None
    lot: str | None
    quantity: Decimal
    expiration_date: dt.date | None = None
