"""The day-end (Z) report from plain data: a PDF for the binder and a CSV for the books.

Both come from the same rows, so the PDF and the CSV never disagree. The picker's government ID
number of a controlled pickup is masked to its last four digits when the data is built: the full
number stays in the pickup record and never reaches a report someone can print or mail.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from pharmacy_desktop.domain.money import ZERO, format_money

from .documents import TENDER_NAMES
from .pdf import ReportColumn, ReportSpec, render_report

__all__ = [
    "CSV_COLUMNS",
    "TenderTotal",
    "ControlledPickup",
    "DrawerLine",
    "DrawerSummary",
    "DayEndData",
    "mask_id_number",
    "day_end_pdf",
    "day_end_csv",
]

ID_TYPE_NAMES = {
    "drivers_license": "Driver's license",
    "state_id": "State ID",
    "passport": "Passport",
    "military_id": "Military ID",
    "other": "Other ID",
}


def mask_id_number(number: str) -> str:
    """ "****1234" from any ID number; the same for one already masked. Four characters or fewer
    are masked whole: the last four of a four-character number would be the whole number."""
    kept = "".join(number.split())
    return "****" + kept[-4:] if len(kept) > 4 else "****"


def _decimal(owner: str, **values: object) -> None:
    for name, value in values.items():
        if value is not None and not isinstance(value, Decimal):
            raise TypeError(f"{owner}.{name} must be a Decimal, not {type(value).__name__}")


@dataclass(frozen=True)
class TenderTotal:
    """Sales (or refunds) of one tender method: how many and how much."""

    method: str  # cash, credit_card, debit_card, check
    count: int
    amount: Decimal

    def __post_init__(self) -> None:
        _decimal("TenderTotal", amount=self.amount)


@dataclass(frozen=True)
class ControlledPickup:
    """A Schedule II-V prescription picked up, with the picker's ID (number masked on construction)."""

    rx_number: str
    drug: str
    schedule: str
    picker_name: str
    id_type: str
    id_number: str
    id_state: str
    picked_up_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "id_number", mask_id_number(self.id_number))


@dataclass(frozen=True)
class DrawerLine:
    """One tender in a drawer: what the sales say should be there, what was counted."""

    method: str
    expected: Decimal
    counted: Decimal | None = None

    def __post_init__(self) -> None:
        _decimal("DrawerLine", expected=self.expected, counted=self.counted)

    @property
    def variance(self) -> Decimal | None:
        """Counted minus expected: negative is short, positive is over."""
        return None if self.counted is None else self.counted - self.expected


@dataclass(frozen=True)
class DrawerSummary:
    """A workstation's drawer for the day; not closed when ``closed_at`` is None."""

    workstation: str
    lines: tuple[DrawerLine, ...] = ()
    opening_float: Decimal | None = None
    closed_by: str | None = None
    closed_at: datetime | None = None

    def __post_init__(self) -> None:
        _decimal("DrawerSummary", opening_float=self.opening_float)

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


@dataclass(frozen=True)
class DayEndData:
    """Everything the Z report of one business day shows; amounts are Decimal, as computed by the service."""

    pharmacy_name: str
    business_date: date
    workstations: tuple[str, ...]
    generated_at: datetime
    sales_by_tender: tuple[TenderTotal, ...] = ()
    refunds_by_tender: tuple[TenderTotal, ...] = ()
    voids_count: int = 0
    voids_amount: Decimal = ZERO
    discounts_total: Decimal = ZERO
    tax_total: Decimal = ZERO
    insurance_paid_total: Decimal = ZERO
    prescriptions_picked_up: int = 0
    controlled_pickups: tuple[ControlledPickup, ...] = ()
    drawers: tuple[DrawerSummary, ...] = ()

    def __post_init__(self) -> None:
        _decimal(
            "DayEndData",
            voids_amount=self.voids_amount,
            discounts_total=self.discounts_total,
            tax_total=self.tax_total,
            insurance_paid_total=self.insurance_paid_total,
        )


def _tender_name(method: str) -> str:
    return TENDER_NAMES.get(method, method.replace("_", " ").capitalize())


def _schedule(schedule: str) -> str:
    return schedule if schedule.upper().startswith("C") else f"C-{schedule}"


# ---- one row model for both outputs -----------------------------------------------------------

CSV_COLUMNS = (
    "business_date",
    "section",
    "workstation",
    "item",
    "count",
    "amount",
    "expected",
    "counted",
    "variance",
    "rx_number",
    "drug",
    "schedule",
    "picker_name",
    "id_type",
    "id_number",
    "id_state",
    "picked_up_at",
)


@dataclass(frozen=True)
class _Row:
    section: str
    item: str
    workstation: str = ""
    count: int | None = None
    amount: Decimal | None = None
    expected: Decimal | None = None
    counted: Decimal | None = None
    variance: Decimal | None = None
    pickup: ControlledPickup | None = None


def _tender_rows(section: str, totals: Sequence[TenderTotal]) -> Iterator[_Row]:
    for total in totals:
        yield _Row(section, total.method, count=total.count, amount=total.amount)
    yield _Row(section, "total", count=sum(t.count for t in totals), amount=sum((t.amount for t in totals), ZERO))


def _rows(data: DayEndData) -> Iterator[_Row]:
    yield from _tender_rows("sales", data.sales_by_tender)
    yield from _tender_rows("refunds", data.refunds_by_tender)
    yield _Row("voids", "voids", count=data.voids_count, amount=data.voids_amount)
    yield _Row("discounts", "discounts", amount=data.discounts_total)
    yield _Row("tax", "tax", amount=data.tax_total)
    yield _Row("insurance", "insurance_paid", amount=data.insurance_paid_total)
    yield _Row("prescriptions", "picked_up", count=data.prescriptions_picked_up)
    for pickup in data.controlled_pickups:
        yield _Row("controlled_pickups", "pickup", pickup=pickup)
    for drawer in data.drawers:
        ws = drawer.workstation
        if drawer.is_closed:
            yield _Row("drawer", "opening_float", ws, amount=drawer.opening_float)
        else:
            yield _Row("drawer", "not_closed", ws)
        for line in drawer.lines:
            yield _Row("drawer", line.method, ws, expected=line.expected, counted=line.counted, variance=line.variance)


# ---- CSV --------------------------------------------------------------------------------------


def _plain(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def day_end_csv(data: DayEndData) -> str:
    """The Z report as CSV text (UTF-8 when written; a header row, then one row per figure).

    Columns are CSV_COLUMNS; every row carries the business date (ISO, so several days can be
    concatenated) and its ``section``; empty cells are empty strings; amounts are plain decimals
    ("1234.50", "-0.10"); times are ISO 8601.

    - ``sales`` / ``refunds``: ``item`` a tender method (cash, credit_card, debit_card, check) with
      ``count`` and ``amount``, then ``item`` "total".
    - ``voids``: ``count`` and ``amount`` of voided lines and sales. ``discounts``, ``tax``,
      ``insurance`` (item "insurance_paid"): ``amount``. ``prescriptions`` (item "picked_up"): ``count``.
    - ``controlled_pickups`` (item "pickup"): ``rx_number``, ``drug``, ``schedule``, ``picker_name``,
      ``id_type``, ``id_number`` (masked: "****" and the last four), ``id_state``, ``picked_up_at``.
    - ``drawer``: per ``workstation``, a row "opening_float" (``amount``) when the drawer was closed or
      "not_closed" when it was not, then one row per tender method with ``expected`` and, once
      counted, ``counted`` and ``variance`` (counted - expected; negative is short).
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in _rows(data):
        pickup = row.pickup
        writer.writerow(
            [
                data.business_date.isoformat(),
                row.section,
                row.workstation,
                row.item,
                *map(_plain, (row.count, row.amount, row.expected, row.counted, row.variance)),
                *(
                    map(
                        _plain,
                        (
                            pickup.rx_number,
                            pickup.drug,
                            pickup.schedule,
                            pickup.picker_name,
                            pickup.id_type,
                            pickup.id_number,
                            pickup.id_state,
                            pickup.picked_up_at,
                        ),
                    )
                    if pickup
                    else [""] * 8
                ),
            ]
        )
    return out.getvalue()


# ---- PDF --------------------------------------------------------------------------------------

_SECTION_TITLES = {
    "sales": "Sales by tender",
    "refunds": "Refunds by tender",
    "voids": "Voids",
    "discounts": "Discounts",
    "tax": "Tax",
    "insurance": "Insurance",
    "prescriptions": "Prescriptions",
    "controlled_pickups": "Controlled pickups",
    "drawer": "Drawer",
}
_ITEM_TITLES = {
    "total": "Total",
    "voids": "Voided lines and sales",
    "discounts": "Discounts given",
    "tax": "Tax collected",
    "insurance_paid": "Paid by insurance",
    "picked_up": "Picked up",
    "opening_float": "Opening float",
    "not_closed": "NOT CLOSED",
}
_PDF_COLUMNS = (
    ReportColumn("Section", 1.3),
    ReportColumn("Item", 1.6),
    ReportColumn("Count", 0.55, "right"),
    ReportColumn("Amount / expected", 1.05, "right"),
    ReportColumn("Counted", 0.85, "right"),
    ReportColumn("Variance", 0.85, "right"),
    ReportColumn("Detail", 3.8),
)


def _money(value: Decimal | None) -> str:
    return "" if value is None else format_money(value)


def _pdf_row(row: _Row, first_of_section: bool) -> tuple[object, ...]:
    section = _SECTION_TITLES[row.section] if first_of_section else ""
    if row.pickup is not None:
        p = row.pickup
        item = f"Rx {p.rx_number}"
        identity = f"{ID_TYPE_NAMES.get(p.id_type, p.id_type)} {p.id_number} ({p.id_state})"
        detail = (
            f"{p.drug} · {_schedule(p.schedule)} · picked up by {p.picker_name} · {identity} · {p.picked_up_at:%H:%M}"
        )
        return (section, item, "", "", "", "", detail)
    if row.section == "drawer":
        section = f"Drawer {row.workstation}" if first_of_section else ""
        item = _ITEM_TITLES.get(row.item) or _tender_name(row.item)
        amount = row.amount if row.item == "opening_float" else row.expected
        return (section, item, "", _money(amount), _money(row.counted), _money(row.variance), "")
    item = _ITEM_TITLES.get(row.item) or _tender_name(row.item)
    count = "" if row.count is None else row.count
    return (section, item, count, _money(row.amount), "", "", "")


def _pdf_rows(data: DayEndData) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    previous = ""
    for row in _rows(data):
        key = f"{row.section}:{row.workstation}"
        rows.append(_pdf_row(row, key != previous))
        previous = key
    if not data.controlled_pickups:
        at = next(i for i, r in enumerate(rows) if r[1] == "Picked up") + 1
        rows.insert(at, (_SECTION_TITLES["controlled_pickups"], "None", "", "", "", "", ""))
    if not data.drawers:
        rows.append(("Drawer", "No drawer activity", "", "", "", "", ""))
    return rows


def day_end_pdf(data: DayEndData) -> bytes:
    """The Z report as PDF (Letter landscape): title "Z report", the business date and workstations,
    the time it was generated, page X of Y, and the same figures as :func:`day_end_csv`."""
    workstations = ", ".join(data.workstations) or "none"
    closed = [d for d in data.drawers if d.is_closed]
    closed_by = "; ".join(f"{d.workstation} by {d.closed_by or '?'} at {d.closed_at:%H:%M}" for d in closed)
    spec = ReportSpec(
        title="Z report",
        subtitle=(
            f"Business date {data.business_date:%m/%d/%Y} · Workstations: {workstations}"
            + (f" · Drawers closed: {closed_by}" if closed_by else "")
        ),
        columns=_PDF_COLUMNS,
        rows=_pdf_rows(data),
        pharmacy_name=data.pharmacy_name,
        footer_note="Z report · ID numbers are masked to their last four characters.",
        landscape=True,
        printed_at=data.generated_at,
    )
    return render_report(spec)
