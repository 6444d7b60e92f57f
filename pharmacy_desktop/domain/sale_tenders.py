"""How the tenders of a sale pay its invoices (issue 13 item 9): applied in order to the invoices in order.

Only cash may be more than what is left to pay: the excess is change, handed back from the drawer.
A card or check for more than is left is refused before anything is charged (the terminal would
take the whole amount and the pharmacy would owe the difference back). Tenders that do not cover
the sale raise InsufficientPayment naming the shortfall; a $0 sale needs no tender.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from pharmacy_desktop.domain.money import ZERO, InsufficientPayment, format_money, to_money
from pharmacy_desktop.domain.pricing import decimal_field

TENDER_METHODS = ("cash", "credit_card", "debit_card", "check")
_LABELS = {"cash": "cash", "credit_card": "credit card", "debit_card": "debit card", "check": "check"}


class TenderExceedsBalance(ValueError):
    """A card or check tender is more than is left to pay (only cash gives change)."""


class Payable(Protocol):
    """An invoice as the tender plan sees it (sale_math.InvoiceDraft is one)."""

    @property
    def key(self) -> str: ...

    @property
    def patient_copay(self) -> Decimal: ...


@dataclass(frozen=True)
class Tender:
    """One way the patient pays: ``amount`` toward the sale; ``cash_tendered`` the bills handed over (cash)."""

    method: str
    amount: Decimal
    cash_tendered: Decimal | None = None

    def __post_init__(self) -> None:
        if self.method not in TENDER_METHODS:
            raise ValueError(f"payment method must be one of {', '.join(TENDER_METHODS)}")
        if to_money(decimal_field(self.amount, "tender amount")) != self.amount:
            raise ValueError("a tender amount must be in whole cents")
        if self.cash_tendered is not None:
            if self.method != "cash":
                raise ValueError("only a cash tender has cash handed over")
            if to_money(decimal_field(self.cash_tendered, "cash tendered")) != self.cash_tendered:
                raise ValueError("cash handed over must be in whole cents")
            if self.cash_tendered < self.amount:
                raise InsufficientPayment(
                    f"Cash handed over {format_money(self.cash_tendered)} is less than the "
                    f"{format_money(self.amount)} it should pay."
                )


@dataclass(frozen=True)
class Allocation:
    """Part of tender ``tender_index`` paying invoice ``invoice_key`` (one payments row)."""

    invoice_key: str
    tender_index: int
    amount: Decimal


@dataclass(frozen=True)
class PlannedTender:
    """One sale_tenders row: what the tender paid of the sale, the cash handed over and the change."""

    index: int
    method: str
    applied: Decimal
    cash_tendered: Decimal | None
    change_due: Decimal


@dataclass(frozen=True)
class TenderPlan:
    """The allocations (tender order, then invoice order), each tender's part and the change (cash only)."""

    allocations: tuple[Allocation, ...]
    change_due: Decimal
    tenders: tuple[PlannedTender, ...] = ()


def plan_tenders(invoices: Sequence[Payable], tenders: Sequence[Tender]) -> TenderPlan:
    """Tenders applied in order to the invoices' copays in order; raises when they do not fit exactly."""
    keys = [invoice.key for invoice in invoices if invoice.patient_copay > 0]
    owed = [invoice.patient_copay for invoice in invoices if invoice.patient_copay > 0]
    due = sum(owed, ZERO)
    left = due
    allocations: list[Allocation] = []
    planned: list[PlannedTender] = []
    for index, tender in enumerate(tenders):
        label = f"{_LABELS[tender.method]} tender {index + 1} ({format_money(tender.amount)})"
        if tender.amount > 0 and left == 0:
            raise TenderExceedsBalance(f"The sale is already paid; remove the {label}.")
        if tender.amount > left and tender.method != "cash":
            raise TenderExceedsBalance(
                f"The {label} is more than the {format_money(left)} left to pay; take {format_money(left)} instead."
            )
        applied = min(tender.amount, left)
        handed = None
        if tender.method == "cash":
            handed = tender.amount if tender.cash_tendered is None else tender.cash_tendered
        planned.append(
            PlannedTender(index, tender.method, applied, handed, ZERO if handed is None else handed - applied)
        )
        left -= applied
        for n, key in enumerate(keys):  # the earliest invoice with something left takes the next dollars
            if applied == 0:
                break
            part = min(applied, owed[n])
            if part > 0:
                allocations.append(Allocation(key, index, part))
                owed[n] -= part
                applied -= part
    if left > 0:
        raise InsufficientPayment(
            f"The tenders pay {format_money(due - left)} of the {format_money(due)} due "
            f"({format_money(left)} short); add a tender for the rest."
        )
    return TenderPlan(tuple(allocations), sum((p.change_due for p in planned), ZERO), tuple(planned))
