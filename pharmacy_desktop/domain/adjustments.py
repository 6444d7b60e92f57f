"""Stock adjustments and cycle counts: the pure rules (issue 14 items 3 and 4).

- Which adjustments wait for someone else's approval: every controlled-substance adjustment, and
  any other whose size is above the pharmacy's units threshold OR its value threshold (both on
  ``pharmacy_profile``). "Above" is strict: an adjustment of exactly the threshold is small. An
  item without a unit cost has no known value, so its adjustment cannot be shown to be small and
  waits for approval too.
- Which sign each type allows: damage, theft, loss, expiry and return to supplier only take stock
  away; a physical count and a system-error correction may go either way.
- The ledger kind an approved adjustment is written with ('damaged', 'expired', else 'adjustment').
- The variance of a count line, and the data of a DEA Form 106 (theft or significant loss of a
  controlled substance, 21 CFR 1301.76(b)): registrant, date of loss, drug, NDC, strength, form,
  quantity, lot, type of loss; built from the adjustment's rows, never retyped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, TypeVar

from pharmacy_desktop.domain.money import to_money

PHYSICAL_COUNT = "physical_count"
DAMAGE = "damage"
THEFT = "theft"
LOSS = "loss"
EXPIRY = "expiry"
RETURN_TO_SUPPLIER = "return_to_supplier"
SYSTEM_ERROR = "system_error"
DESTRUCTION = "destruction"  # quarantined stock destroyed (services/quarantine.py), not requested here

# What a person may request (the CHECK of revision 0011 also allows 'destruction').
REQUESTABLE = (PHYSICAL_COUNT, DAMAGE, THEFT, LOSS, EXPIRY, RETURN_TO_SUPPLIER, SYSTEM_ERROR)
TYPE_LABELS = {
    PHYSICAL_COUNT: "physical count",
    DAMAGE: "damage",
    THEFT: "theft",
    LOSS: "loss",
    EXPIRY: "expiry",
    RETURN_TO_SUPPLIER: "return to supplier",
    SYSTEM_ERROR: "system error",
    DESTRUCTION: "destruction",
}
DECREASE_ONLY = frozenset({DAMAGE, THEFT, LOSS, EXPIRY, RETURN_TO_SUPPLIER})
FORM_106_TYPES = frozenset({THEFT, LOSS})

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"

# ledger kinds (the vocabulary of services/stock_ledger.py; repeated here: domain imports no service)
_LEDGER_KIND = {DAMAGE: "damaged", EXPIRY: "expired"}
_DEFAULT_KIND = "adjustment"


def units_text(quantity: Decimal) -> str:
    """A quantity as a person writes it: 40, 2.5 (not 40.00, nor 4E+1)."""
    text = f"{quantity.normalize():f}"
    return "0" if text in ("-0", "") else text


def ledger_kind(adjustment_type: str) -> str:
    """The inventory_transactions type an approved adjustment of this type is written with."""
    return _LEDGER_KIND.get(adjustment_type, _DEFAULT_KIND)


def type_problem(adjustment_type: str, change: Decimal) -> str | None:
    """Why this type and change cannot be requested, or None."""
    if adjustment_type not in REQUESTABLE:
        known = ", ".join(TYPE_LABELS[t] for t in REQUESTABLE)
        return f"'{adjustment_type}' is not an adjustment type. Choose one of: {known}."
    if change == 0:
        return "The quantity does not change, so there is nothing to adjust. Enter the units that differ."
    if adjustment_type in DECREASE_ONLY and change > 0:
        return (
            f"A {TYPE_LABELS[adjustment_type]} adjustment can only take stock away. "
            "Enter the units lost as a decrease, or use physical count / system error for units found."
        )
    return None


def value_of(change: Decimal, unit_cost: Decimal | None) -> Decimal | None:
    """The money the change is worth at the item's unit cost, in cents (None without a cost)."""
    if unit_cost is None:
        return None
    return to_money(change * unit_cost)


@dataclass(frozen=True)
class Thresholds:
    """The pharmacy's sizes above which an adjustment waits for approval (units, dollars)."""

    units: Decimal
    value: Decimal


@dataclass(frozen=True)
class ApprovalNeed:
    required: bool
    why: str  # one sentence: why it waits, or why it was approved at once


def approval_need(*, controlled: bool, change: Decimal, value: Decimal | None, thresholds: Thresholds) -> ApprovalNeed:
    """Whether an adjustment must wait for someone else's approval, and why (see the module)."""
    units = units_text(abs(change))
    limit = units_text(thresholds.units)
    if controlled:
        return ApprovalNeed(True, "Every controlled-substance adjustment needs someone else's approval.")
    if abs(change) > thresholds.units:
        return ApprovalNeed(True, f"{units} units is above the approval threshold of {limit} units.")
    if value is None:
        return ApprovalNeed(True, "The item has no unit cost, so its value cannot be checked against the threshold.")
    if abs(value) > thresholds.value:
        return ApprovalNeed(True, f"${abs(value):,.2f} is above the approval threshold of ${thresholds.value:,.2f}.")
    return ApprovalNeed(
        False,
        f"Approved at once: {units} units and ${abs(value):,.2f} are within the thresholds "
        f"({limit} units, ${thresholds.value:,.2f}).",
    )


def applied_change(requested_change: Decimal, on_hand_now: Decimal) -> Decimal:
    """The change written at approval: the difference that was requested, whatever moved since.

    Why the difference and not the counted quantity: a count (or a loss) describes the shelf at the
    moment it was made; fills and receipts after it are already in the ledger, so applying the
    counted quantity as a new on-hand would undo them. Refused (``ValueError``) when the stock left
    now is too small for a decrease: the shelf should be counted again.
    """
    if on_hand_now + requested_change < 0:
        raise ValueError("the stock left is smaller than the decrease")
    return requested_change


# -- counts ------------------------------------------------------------------------------------


K = TypeVar("K")


@dataclass(frozen=True)
class CountVariance(Generic[K]):
    """One counted line whose count differs from the stock on record."""

    key: K  # what the caller identifies the line by (an item id)
    expected: Decimal
    counted: Decimal

    @property
    def difference(self) -> Decimal:
        return self.counted - self.expected


def variance(expected: Decimal, counted: Decimal) -> Decimal:
    """Counted minus expected: negative when units are missing from the shelf."""
    return counted - expected


def variances(lines: Iterable[tuple[K, Decimal, Decimal | None]]) -> list[CountVariance[K]]:
    """The lines (key, expected, counted) whose counted quantity differs from the expected one;
    uncounted lines (counted None) are not variances: the caller decides what to do with them."""
    return [
        CountVariance(key, expected, counted)
        for key, expected, counted in lines
        if counted is not None and counted != expected
    ]


def bin_prefix_problem(prefix: str) -> str | None:
    """Why a shelf prefix cannot scope a count, or None."""
    if not prefix.strip():
        return "Type the shelf (bin location, or its beginning, e.g. 'A-1') to count."
    if len(prefix.strip()) > 50:
        return "A bin location has at most 50 characters."
    return None


# -- DEA Form 106 -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Form106:
    """What a DEA Form 106 (theft or loss of controlled substances) asks for, from the records."""

    registrant_name: str
    registrant_dea: str | None
    registrant_address: str
    date_of_loss: dt.date
    type_of_loss: str  # 'theft' or 'loss'
    drug_name: str
    ndc: str
    strength: str | None
    dosage_form: str | None
    schedule: str | None
    quantity: Decimal  # units lost (positive)
    quantity_unit: str
    lot_number: str | None
    description: str  # the reason typed with the adjustment


def needs_form_106(adjustment_type: str, controlled: bool) -> bool:
    return controlled and adjustment_type in FORM_106_TYPES


def form_106(
    *,
    registrant_name: str,
    registrant_dea: str | None,
    registrant_address: str,
    date_of_loss: dt.date,
    adjustment_type: str,
    drug_name: str,
    ndc: str,
    strength: str | None,
    dosage_form: str | None,
    schedule: str | None,
    change: Decimal,
    quantity_unit: str,
    lot_number: str | None,
    description: str,
) -> Form106:
    """The Form 106 data of a controlled theft/loss (``ValueError`` for another type)."""
    if adjustment_type not in FORM_106_TYPES:
        raise ValueError("a DEA Form 106 reports a theft or a loss")
    return Form106(
        registrant_name=registrant_name,
        registrant_dea=registrant_dea,
        registrant_address=registrant_address,
        date_of_loss=date_of_loss,
        type_of_loss=adjustment_type,
        drug_name=drug_name,
        ndc=ndc,
        strength=strength,
        dosage_form=dosage_form,
        schedule=schedule,
        quantity=abs(change),
        quantity_unit=quantity_unit,
        lot_number=lot_number,
        description=description,
    )
