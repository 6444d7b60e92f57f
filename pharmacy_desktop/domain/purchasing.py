"""Purchasing rules: how much to reorder, order money, what a receipt may add to an order line.

Reorder suggestion. An item needs ordering when its stock position (on hand plus what open orders
still bring) is at or below its reorder point: the reorder point is the level at which the buyer
orders, the same test as the inventory screen's "below reorder point" list
(``InventoryRepository.low_stock``). Counting what is already on order keeps a second run of the
suggestions from ordering the same shortage twice. The quantity is the item's reorder quantity, or,
when the item has a par level, what brings the position up to par; either way rounded up to whole
packages of the catalog package size (a wholesaler sells bottles, not tablets).

Pure: plain values in, plain values out; no database, no Qt.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from pharmacy_desktop.domain.money import ZERO, to_money
from pharmacy_desktop.domain.schedules import Schedule, parse_schedule
from pharmacy_desktop.domain.stock import format_quantity

__all__ = [
    "OPEN_STATUSES",
    "ReorderNeed",
    "is_schedule_ii",
    "line_total",
    "order_status_after_receipt",
    "order_total",
    "over_receipt_problem",
    "reorder_quantity",
    "round_up_to_packages",
]

PENDING, SENT, PARTIAL, RECEIVED, CANCELLED = "pending", "sent", "partially_received", "received", "cancelled"
# orders whose outstanding quantities count as "on order"
OPEN_STATUSES = (PENDING, SENT, PARTIAL)
# orders that can be received against
RECEIVABLE_STATUSES = (SENT, PARTIAL)


@dataclass(frozen=True)
class ReorderNeed:
    """One item's stock figures, as the reorder suggestion needs them (units of the item)."""

    on_hand: Decimal
    reorder_point: Decimal
    reorder_quantity: Decimal
    par_level: Decimal | None = None
    on_order: Decimal = ZERO
    package_size: Decimal | None = None  # units in one catalog package; None when unknown

    @property
    def position(self) -> Decimal:
        return self.on_hand + self.on_order

    @property
    def needed(self) -> bool:
        return self.position <= self.reorder_point


def round_up_to_packages(quantity: Decimal, package_size: Decimal | None) -> Decimal:
    """``quantity`` rounded up to whole packages (250 tablets in bottles of 100 -> 300); without a
    known package size, up to whole units."""
    if quantity <= 0:
        return ZERO
    if package_size is None or package_size <= 0:
        return quantity.to_integral_value(rounding=ROUND_CEILING)
    packages = (quantity / package_size).to_integral_value(rounding=ROUND_CEILING)
    return packages * package_size


def reorder_quantity(need: ReorderNeed) -> Decimal:
    """Units to order for ``need`` (0 when the item does not need ordering).

    With a par level: up to par (par - position); otherwise the reorder quantity. A par level at
    or under the position (a misconfigured item) falls back to the reorder quantity rather than
    suggesting nothing for an item that is short.
    """
    if not need.needed:
        return ZERO
    wanted = need.reorder_quantity
    if need.par_level is not None and need.par_level > need.position:
        wanted = need.par_level - need.position
    return round_up_to_packages(wanted, need.package_size)


def line_total(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """An order line's amount in cents, half-up (unit prices carry four decimals)."""
    return to_money(quantity * unit_price)


def order_total(line_totals: Iterable[Decimal]) -> Decimal:
    return to_money(sum(line_totals, ZERO))


def is_schedule_ii(schedules: Iterable[str | None]) -> bool:
    """Whether an order with lines of these DEA schedules is a Schedule II order (DEA Form 222/CSOS)."""
    return any(_schedule(s) is Schedule.CII for s in schedules)


def _schedule(value: str | None) -> Schedule:
    try:
        return parse_schedule(value)
    except ValueError:  # a catalog value nobody can read is not taken for C-II
        return Schedule.NONE


def over_receipt_problem(
    drug: str, ordered: Decimal, received: Decimal, adding: Decimal, *, scanned: Decimal = ZERO
) -> str | None:
    """Why receiving ``adding`` more units on a line would be refused, or None. ``scanned``: units
    of the packages scanned before this one in the same delivery."""
    if received + scanned + adding <= ordered:
        return None
    left = max(ordered - received - scanned, ZERO)
    counted = f"{format_quantity(received)} of {format_quantity(ordered)} units received"
    if scanned:
        counted += f", {format_quantity(scanned)} more in the packages scanned before it"
    return (
        f"{drug}: this package ({format_quantity(adding)} units) is more than ordered ({counted}; "
        f"{format_quantity(left)} left). Set it aside and call the supplier (it goes back, or on a new order)."
    )


def order_status_after_receipt(lines: Iterable[tuple[Decimal, Decimal]]) -> str:
    """'received' when every line (ordered, received) is complete, else 'partially_received' when
    anything came, else 'sent'."""
    pairs = list(lines)
    if pairs and all(received >= ordered for ordered, received in pairs):
        return RECEIVED
    if any(received > 0 for _, received in pairs):
        return PARTIAL
    return SENT
