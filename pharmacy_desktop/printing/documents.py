"""What gets printed: plain, frozen inputs of the layouts (no database, no Qt)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

__all__ = [
    "PharmacyInfo",
    "LabelData",
    "ReceiptLine",
    "ReceiptData",
    "discard_by_date",
    "normalize_schedule",
    "needs_transfer_caution",
    "TRANSFER_CAUTION",
]

TRANSFER_CAUTION = (
    "Caution: Federal law prohibits the transfer of this drug to any person "
    "other than the patient for whom it was prescribed."
)

_ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV", "5": "V"}
_SCHEDULES = {"I", "II", "IIN", "III", "IIIN", "IV", "V"}


def normalize_schedule(schedule: str | None) -> str | None:
    """Canonical DEA schedule ("C-II", "C-IIIN", ...) from "CII", "2", "C-2", "II"; None if not controlled.

    An unknown value raises: guessing could drop the transfer caution from a controlled drug.
    """
    if schedule is None or not schedule.strip():
        return None
    s = schedule.strip().upper().replace(" ", "").replace("-", "")
    if s.startswith("C") and s != "C":
        s = s[1:]
    if s[:1] in _ROMAN:
        s = _ROMAN[s[:1]] + s[1:]
    if s not in _SCHEDULES:
        raise ValueError(f"unknown DEA schedule {schedule!r}")
    return f"C-{s}"


def needs_transfer_caution(schedule: str | None) -> bool:
    """True for Schedules II to IV (21 CFR 290.5), including the non-narcotic IIN/IIIN."""
    return normalize_schedule(schedule) in {"C-II", "C-IIN", "C-III", "C-IIIN", "C-IV"}


def _one_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # Feb 29 -> Feb 28: never later than a year
        return day.replace(year=day.year + 1, day=28)


def discard_by_date(filled: date, stock_expiry: date | None) -> date:
    """The earlier of one year from the fill date and the stock bottle's expiry."""
    if stock_expiry is not None and stock_expiry < filled:
        raise ValueError(f"stock expired on {stock_expiry.isoformat()}, before the fill date")
    year = _one_year_after(filled)
    return year if stock_expiry is None else min(year, stock_expiry)


def _require_decimal(owner: str, **values: object) -> None:
    for name, value in values.items():
        if value is not None and not isinstance(value, Decimal):
            raise TypeError(f"{owner}.{name} must be a Decimal, not {type(value).__name__}")


@dataclass(frozen=True)
class PharmacyInfo:
    name: str
    address_lines: tuple[str, ...]
    phone: str
    npi: str = ""
    ncpdp: str = ""
    dea: str = ""


@dataclass(frozen=True)
class LabelData:
    """One vial label. `directions` is already plain language (SIG expanded)."""

    pharmacy: PharmacyInfo
    rx_number: str
    patient_name: str
    prescriber_name: str
    date_filled: date
    drug_name: str
    strength: str
    ndc11: str
    quantity: Decimal
    quantity_unit: str
    directions: str
    refills_remaining: int
    discard_by: date
    fill_number: int = 1
    patient_address: str | None = None
    generic_for: str | None = None
    manufacturer: str | None = None
    schedule: str | None = None
    is_reprint: bool = False
    pharmacist_initials: str | None = None
    technician_initials: str | None = None
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _require_decimal("LabelData", quantity=self.quantity)
        if self.quantity <= 0:
            raise ValueError("quantity must be positive")
        if self.refills_remaining < 0:
            raise ValueError("refills_remaining cannot be negative")
        if self.discard_by < self.date_filled:
            raise ValueError("discard-by date is before the fill date")
        if not self.rx_number.strip() or not all(32 <= ord(c) < 127 for c in self.rx_number):
            raise ValueError("rx_number must be printable ASCII (it is printed as a barcode)")
        object.__setattr__(self, "schedule", normalize_schedule(self.schedule))

    @property
    def transfer_caution(self) -> bool:
        return needs_transfer_caution(self.schedule)


@dataclass(frozen=True)
class ReceiptLine:
    description: str
    amount: Decimal
    rx_number: str | None = None

    def __post_init__(self) -> None:
        _require_decimal("ReceiptLine", amount=self.amount)


@dataclass(frozen=True)
class ReceiptData:
    """A point-of-sale receipt. Amounts are printed as given; the sale service computes them."""

    pharmacy: PharmacyInfo
    receipt_number: str
    datetime: datetime
    cashier: str
    lines: tuple[ReceiptLine, ...]
    subtotal: Decimal
    tax: Decimal
    insurance_paid: Decimal
    copay_total: Decimal
    total: Decimal
    payment_method: str
    tendered: Decimal | None = None
    change: Decimal | None = None
    card_last_four: str | None = None
    counseling: str = ""
    footer: str = ""

    def __post_init__(self) -> None:
        _require_decimal(
            "ReceiptData",
            subtotal=self.subtotal,
            tax=self.tax,
            insurance_paid=self.insurance_paid,
            copay_total=self.copay_total,
            total=self.total,
            tendered=self.tendered,
            change=self.change,
        )
        # A receipt must never carry more of a card number than the last four digits.
        if self.card_last_four is not None and not (len(self.card_last_four) == 4 and self.card_last_four.isdigit()):
            raise ValueError("card_last_four must be exactly 4 digits")

    @property
    def is_cash(self) -> bool:
        return self.payment_method.strip().lower() == "cash"
