"""What gets printed: plain, frozen inputs of the layouts (no database, no Qt)."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from pharmacy_desktop.domain.money import ZERO

__all__ = [
    "PharmacyInfo",
    "LabelData",
    "ReceiptLine",
    "ReceiptTender",
    "ReceiptData",
    "TENDER_NAMES",
    "CARD_METHODS",
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


TENDER_NAMES = {"cash": "Cash", "credit_card": "Credit card", "debit_card": "Debit card", "check": "Check"}
CARD_METHODS = frozenset({"credit_card", "debit_card"})


def _check_last_four(owner: str, last_four: str | None) -> None:
    # A receipt must never carry more of a card number than the last four digits.
    if last_four is not None and not (len(last_four) == 4 and last_four.isascii() and last_four.isdigit()):
        raise ValueError(f"{owner}: card_last_four must be exactly 4 digits")


@dataclass(frozen=True)
class ReceiptLine:
    """One item of a sale.

    A prescription line (``rx_number`` set) prints as "Rx 1234567"; its ``description`` (the drug)
    prints only when the pharmacy turns drug names on (``ReceiptData.show_drug_names``): a receipt
    left on a counter should not say what someone takes. A front-store line prints its description
    (the product name). ``price`` is the item price (quantity x unit price) before the fee, the
    discount and insurance; ``tax`` is the line's share when the sale service knows it (the sale's
    tax is printed in the totals either way).
    """

    description: str
    price: Decimal
    rx_number: str | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    dispensing_fee: Decimal = ZERO
    discount: Decimal = ZERO
    discount_code: str | None = None
    insurance_paid: Decimal = ZERO
    tax: Decimal = ZERO

    def __post_init__(self) -> None:
        _require_decimal(
            "ReceiptLine",
            price=self.price,
            quantity=self.quantity,
            unit_price=self.unit_price,
            dispensing_fee=self.dispensing_fee,
            discount=self.discount,
            insurance_paid=self.insurance_paid,
            tax=self.tax,
        )
        for name in ("dispensing_fee", "discount", "insurance_paid", "tax"):
            if getattr(self, name) < 0:
                raise ValueError(f"ReceiptLine.{name} cannot be negative")

    @property
    def is_prescription(self) -> bool:
        return self.rx_number is not None

    @property
    def gross(self) -> Decimal:
        """Price plus dispensing fee: what the line adds to the subtotal."""
        return self.price + self.dispensing_fee

    @property
    def total(self) -> Decimal:
        """What the line is worth: price + fee + tax - discount."""
        return self.gross + self.tax - self.discount

    @property
    def copay(self) -> Decimal:
        """What the patient pays for the line: its total less what insurance paid."""
        return self.total - self.insurance_paid


@dataclass(frozen=True)
class ReceiptTender:
    """One tender of a sale. ``amount`` is what was applied to the sale; for cash,
    ``cash_tendered`` is what was handed over (the change comes from it)."""

    method: str  # cash, credit_card, debit_card, check
    amount: Decimal
    card_last_four: str | None = None
    check_number: str | None = None
    cash_tendered: Decimal | None = None
    auth_code: str | None = None

    def __post_init__(self) -> None:
        _require_decimal("ReceiptTender", amount=self.amount, cash_tendered=self.cash_tendered)
        if not self.method.strip():
            raise ValueError("ReceiptTender.method is required")
        if self.amount < 0:
            raise ValueError("ReceiptTender.amount cannot be negative")
        _check_last_four("ReceiptTender", self.card_last_four)
        if self.cash_tendered is not None and self.cash_tendered < self.amount:
            raise ValueError("ReceiptTender.cash_tendered is less than the amount applied")

    @property
    def is_cash(self) -> bool:
        return self.method.strip().lower() == "cash"

    @property
    def title(self) -> str:
        """How the receipt names the tender: "Credit card ****4242", "Check #1043", "Cash"."""
        method = self.method.strip().lower()
        name = TENDER_NAMES.get(method, method.replace("_", " ").capitalize())
        if self.card_last_four:
            return f"{name} ****{self.card_last_four}"
        if self.check_number:
            return f"{name} #{self.check_number}"
        return name


@dataclass(frozen=True)
class ReceiptData:
    """A point-of-sale receipt. Amounts are printed as given; the sale service computes them.

    ``receipt_number`` is the sale number ("S000123"); ``invoice_numbers`` the sale's invoices (one
    per filled prescription, one for the front-store items). Totals read top-down as the
    arithmetic goes: ``subtotal`` (lines' price + fee) - ``discount_total`` - ``insurance_paid`` +
    ``tax`` = ``total``, what the patient pays; ``copay_total`` is the prescriptions' part of it.
    ``reprinted_at`` set makes it a reprint: REPRINT at top and bottom, and the drawer stays shut.
    """

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
    tenders: tuple[ReceiptTender, ...] = ()
    change: Decimal = ZERO
    invoice_numbers: tuple[str, ...] = ()
    discount_total: Decimal = ZERO
    discount_code: str | None = None
    show_drug_names: bool = False
    reprinted_at: _dt.datetime | None = None  # `datetime` is a field name in this class body
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
            change=self.change,
            discount_total=self.discount_total,
        )
        # Change comes only from cash: what was handed over beyond what was applied.
        handed_back = sum(
            (t.cash_tendered - t.amount for t in self.tenders if t.is_cash and t.cash_tendered is not None), ZERO
        )
        if self.change != handed_back:
            raise ValueError(f"change {self.change} does not match the cash tendered beyond the sale ({handed_back})")

    @property
    def is_cash(self) -> bool:
        """Any part paid in cash: the drawer opens."""
        return any(t.is_cash for t in self.tenders)

    @property
    def is_reprint(self) -> bool:
        return self.reprinted_at is not None

    @property
    def payment_summary(self) -> str:
        """The tender methods in one word or a few ("cash", "cash + credit_card"; "no payment")."""
        return " + ".join(dict.fromkeys(t.method for t in self.tenders)) or "no payment"
