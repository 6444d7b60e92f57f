"""The inventory reports from plain data (issue 14 item 7): expiring lots, inventory valuation,
dispensing log and reorder list, each as a PDF (printing/pdf.py's report framework: the pharmacy's
name, title, period, time generated, page X of Y) and as CSV. The controlled-substance log, which
has a block per item, is in printing/controlled_log.py.

CSV everywhere: UTF-8 text, comma-separated, a header row, ISO dates (YYYY-MM-DD), plain decimal
numbers ("1234.50", never "$1,234.50" nor an exponent), NDCs as the 11 digits stored. PDF and CSV
of a report come from the same data, so they never disagree.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass
from decimal import Decimal

from pharmacy_desktop.domain.money import ZERO, format_money
from pharmacy_desktop.domain.stock import format_quantity

from .layouts import format_ndc
from .pdf import ReportColumn, ReportSpec, render_report

__all__ = [
    "EXPIRING_COLUMNS",
    "VALUATION_COLUMNS",
    "DISPENSING_COLUMNS",
    "REORDER_COLUMNS",
    "ExpiringLot",
    "ExpiringReport",
    "ValuationLine",
    "ValuationReport",
    "DispenseLine",
    "DispensingLog",
    "ReorderLine",
    "ReorderReport",
    "plain",
    "csv_text",
    "period_text",
    "expiring_csv",
    "expiring_pdf",
    "valuation_csv",
    "valuation_pdf",
    "dispensing_csv",
    "dispensing_pdf",
    "reorder_csv",
    "reorder_pdf",
]


def plain(value: object) -> str:
    """A CSV cell: ISO dates, plain decimals, empty for None."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        raise TypeError("reports take Decimal, not float")
    return str(value)


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([plain(v) for v in row])
    return out.getvalue()


def period_text(start: dt.date | None, end: dt.date | None) -> str:
    """'Period 01/01/2026 to 12/02/2026', open ends named as such."""
    first = f"{start:%m/%d/%Y}" if start else "the first record"
    last = f"{end:%m/%d/%Y}" if end else "now"
    return f"Period {first} to {last}"


def _qty(value: Decimal | None) -> str:
    return "" if value is None else format_quantity(value)


def _money(value: Decimal | None) -> str:
    return "" if value is None else format_money(value)


# ---- expiring ---------------------------------------------------------------------------------

EXPIRING_COLUMNS = ("ndc", "drug", "lot", "expiration_date", "quantity", "status")


@dataclass(frozen=True)
class ExpiringLot:
    ndc: str
    drug: str
    lot: str
    expiration_date: dt.date
    quantity: Decimal
    status: str  # active, expired, recalled (the batch's status)
    bin_location: str | None = None


@dataclass(frozen=True)
class ExpiringReport:
    pharmacy_name: str
    days: int
    as_of: dt.date
    generated_at: dt.datetime
    lots: tuple[ExpiringLot, ...]


def expiring_csv(report: ExpiringReport) -> str:
    return csv_text(
        EXPIRING_COLUMNS, ((x.ndc, x.drug, x.lot, x.expiration_date, x.quantity, x.status) for x in report.lots)
    )


def expiring_pdf(report: ExpiringReport) -> bytes:
    def when(lot: ExpiringLot) -> str:
        days = (lot.expiration_date - report.as_of).days
        return "EXPIRED" if days < 0 else f"in {days} d"

    spec = ReportSpec(
        title="Expiring stock",
        subtitle=(
            f"Lots with stock expiring by {report.as_of + dt.timedelta(days=report.days):%m/%d/%Y} "
            f"(within {report.days} days of {report.as_of:%m/%d/%Y}), expired ones included · {len(report.lots)} lots"
        ),
        columns=(
            ReportColumn("NDC", 1.2),
            ReportColumn("Drug", 3.0),
            ReportColumn("Lot", 1.1),
            ReportColumn("Expires", 0.9),
            ReportColumn("", 0.8),
            ReportColumn("Quantity", 0.8, "right"),
            ReportColumn("Status", 0.8),
            ReportColumn("Bin", 0.7),
        ),
        rows=[
            (format_ndc(x.ndc), x.drug, x.lot, x.expiration_date, when(x), _qty(x.quantity), x.status, x.bin_location)
            for x in report.lots
        ],
        pharmacy_name=report.pharmacy_name,
        footer_note="Expiring stock · quarantined lots (expired, recalled) are never dispensed",
        printed_at=report.generated_at,
        landscape=True,
    )
    return render_report(spec)


# ---- valuation --------------------------------------------------------------------------------

VALUATION_COLUMNS = ("ndc", "drug", "quantity_on_hand", "unit", "unit_cost", "cost_value", "awp", "awp_value")


@dataclass(frozen=True)
class ValuationLine:
    ndc: str
    drug: str
    on_hand: Decimal
    unit: str
    unit_cost: Decimal | None  # per unit; None when no cost is on record
    cost_value: Decimal | None  # on hand x unit cost, to the cent
    awp: Decimal | None
    awp_value: Decimal | None


@dataclass(frozen=True)
class ValuationReport:
    pharmacy_name: str
    generated_at: dt.datetime
    lines: tuple[ValuationLine, ...]

    @property
    def total_cost(self) -> Decimal:
        return sum((x.cost_value for x in self.lines if x.cost_value is not None), ZERO)

    @property
    def total_awp(self) -> Decimal:
        return sum((x.awp_value for x in self.lines if x.awp_value is not None), ZERO)

    @property
    def unpriced(self) -> int:
        """Items holding stock with no unit cost on record (left out of the cost total)."""
        return sum(1 for x in self.lines if x.unit_cost is None)


def valuation_csv(report: ValuationReport) -> str:
    """One row per item, then a last row with ``drug`` "TOTAL" and the two totals."""
    rows: list[Sequence[object]] = [astuple(x) for x in report.lines]  # fields in the columns' order
    rows.append(("", "TOTAL", None, None, None, report.total_cost, None, report.total_awp))
    return csv_text(VALUATION_COLUMNS, rows)


def valuation_pdf(report: ValuationReport) -> bytes:
    unpriced = f" · {report.unpriced} items have no unit cost on record" if report.unpriced else ""
    spec = ReportSpec(
        title="Inventory valuation",
        subtitle=f"As of {report.generated_at:%m/%d/%Y %H:%M} · {len(report.lines)} items holding stock{unpriced}",
        columns=(
            ReportColumn("NDC", 1.1),
            ReportColumn("Drug", 3.0),
            ReportColumn("On hand", 0.9, "right"),
            ReportColumn("Unit cost", 0.9, "right"),
            ReportColumn("Cost value", 1.0, "right"),
            ReportColumn("AWP / unit", 0.9, "right"),
            ReportColumn("AWP value", 1.0, "right"),
        ),
        rows=[
            (
                format_ndc(x.ndc),
                x.drug,
                f"{_qty(x.on_hand)} {x.unit}",
                "" if x.unit_cost is None else f"${x.unit_cost:,.4f}",
                _money(x.cost_value),
                "" if x.awp is None else f"${x.awp:,.4f}",
                _money(x.awp_value),
            )
            for x in report.lines
        ],
        totals=("", "Total", "", "", _money(report.total_cost), "", _money(report.total_awp)),
        pharmacy_name=report.pharmacy_name,
        footer_note="Inventory valuation · on hand x unit cost and x AWP, rounded half up to the cent",
        printed_at=report.generated_at,
        landscape=True,
    )
    return render_report(spec)


# ---- dispensing log ---------------------------------------------------------------------------

DISPENSING_COLUMNS = ("date", "rx_number", "fill_number", "patient", "drug", "ndc", "quantity", "lot", "pharmacist")


@dataclass(frozen=True)
class DispenseLine:
    at: dt.datetime
    rx_number: str
    fill_number: int | None  # 0 = the original fill
    patient: str
    drug: str
    ndc: str
    quantity: Decimal
    lot: str | None
    pharmacist: str  # who did the final verification; "" while not yet verified


@dataclass(frozen=True)
class DispensingLog:
    pharmacy_name: str
    start: dt.date
    end: dt.date
    generated_at: dt.datetime
    lines: tuple[DispenseLine, ...]


def dispensing_csv(report: DispensingLog) -> str:
    return csv_text(
        DISPENSING_COLUMNS,
        (
            (x.at, x.rx_number, x.fill_number, x.patient, x.drug, x.ndc, x.quantity, x.lot, x.pharmacist)
            for x in report.lines
        ),
    )


def dispensing_pdf(report: DispensingLog) -> bytes:
    total = sum((x.quantity for x in report.lines), Decimal(0))
    spec = ReportSpec(
        title="Dispensing log",
        subtitle=f"{period_text(report.start, report.end)} · {len(report.lines)} dispenses",
        columns=(
            ReportColumn("Date", 1.35),
            ReportColumn("Rx", 0.8),
            ReportColumn("Fill", 0.4, "right"),
            ReportColumn("Patient", 1.5),
            ReportColumn("Drug", 2.2),
            ReportColumn("NDC", 1.1),
            ReportColumn("Qty", 0.55, "right"),
            ReportColumn("Lot", 0.8),
            ReportColumn("Pharmacist", 1.7),
        ),
        rows=[
            (
                x.at,
                x.rx_number,
                x.fill_number,
                x.patient,
                x.drug,
                format_ndc(x.ndc),
                _qty(x.quantity),
                x.lot,
                x.pharmacist or "not verified yet",
            )
            for x in report.lines
        ],
        totals=("Total", "", "", "", "", "", _qty(total), "", ""),
        pharmacy_name=report.pharmacy_name,
        footer_note="Dispensing log · contains patient information: keep it confidential",
        printed_at=report.generated_at,
        landscape=True,
    )
    return render_report(spec)


# ---- reorder ----------------------------------------------------------------------------------

REORDER_COLUMNS = (
    "ndc",
    "drug",
    "quantity_on_hand",
    "unit",
    "reorder_point",
    "reorder_quantity",
    "par_level",
    "on_order",
    "suggested_quantity",
    "unit_cost",
    "estimated_cost",
)


@dataclass(frozen=True)
class ReorderLine:
    ndc: str
    drug: str
    on_hand: Decimal
    unit: str
    reorder_point: Decimal
    reorder_quantity: Decimal
    par_level: Decimal | None
    on_order: Decimal  # still to come on open purchase orders
    suggested: Decimal
    unit_cost: Decimal | None
    estimated_cost: Decimal | None


@dataclass(frozen=True)
class ReorderReport:
    pharmacy_name: str
    generated_at: dt.datetime
    lines: tuple[ReorderLine, ...]

    @property
    def total_cost(self) -> Decimal:
        return sum((x.estimated_cost for x in self.lines if x.estimated_cost is not None), ZERO)


def reorder_csv(report: ReorderReport) -> str:
    return csv_text(REORDER_COLUMNS, (astuple(x) for x in report.lines))  # fields in the columns' order


def reorder_pdf(report: ReorderReport) -> bytes:
    spec = ReportSpec(
        title="Reorder list",
        subtitle=(
            f"As of {report.generated_at:%m/%d/%Y %H:%M} · {len(report.lines)} items below their reorder point · "
            "suggested: up to the par level, else the reorder quantity, less what is on order"
        ),
        columns=(
            ReportColumn("NDC", 1.1),
            ReportColumn("Drug", 2.8),
            ReportColumn("On hand", 0.8, "right"),
            ReportColumn("Reorder at", 0.8, "right"),
            ReportColumn("Par", 0.6, "right"),
            ReportColumn("On order", 0.8, "right"),
            ReportColumn("Suggested", 0.8, "right"),
            ReportColumn("Est. cost", 0.9, "right"),
        ),
        rows=[
            (
                format_ndc(x.ndc),
                x.drug,
                f"{_qty(x.on_hand)} {x.unit}",
                _qty(x.reorder_point),
                _qty(x.par_level),
                _qty(x.on_order),
                _qty(x.suggested),
                _money(x.estimated_cost),
            )
            for x in report.lines
        ],
        totals=("", "Total", "", "", "", "", "", _money(report.total_cost)),
        pharmacy_name=report.pharmacy_name,
        footer_note="Reorder list · quantities in the item's unit",
        printed_at=report.generated_at,
        landscape=True,
    )
    return render_report(spec)
