"""The perpetual controlled-substance log (issue 14 item 7, ``controlled-log``) from plain data.

One block per Schedule II-V item: its opening balance, every ledger row of the period in the
ledger's order (receipts with their purchase order, dispenses with their Rx number, adjustments,
returns, quarantine) with the running balance, which ends at what the item holds at the end of the
period (now, by default: its current on hand).

CSV columns, in this order: ``ndc,drug,schedule,date,kind,reference,quantity_in,quantity_out,balance``.
Each item starts with a row of kind ``opening_balance`` (date: the period's start, or the date of
its first row when the period is open; only ``balance`` set), then one row per ledger row (kind as
the ledger says: receipt, dispensed, adjustment, return, expired, damaged, transfer).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from pharmacy_desktop.domain.stock import format_quantity

from .inventory_reports import csv_text, period_text
from .layouts import format_ndc
from .pdf import ReportColumn, ReportSpec, render_report

__all__ = ["CONTROLLED_LOG_COLUMNS", "LogEntry", "ItemLog", "ControlledLog", "controlled_log_csv", "controlled_log_pdf"]

CONTROLLED_LOG_COLUMNS = (
    "ndc",
    "drug",
    "schedule",
    "date",
    "kind",
    "reference",
    "quantity_in",
    "quantity_out",
    "balance",
)
OPENING = "opening_balance"
_KIND_NAMES = {
    OPENING: "Opening balance",
    "receipt": "Receipt",
    "dispensed": "Dispensed",
    "adjustment": "Adjustment",
    "return": "Return",
    "expired": "Expired",
    "damaged": "Damaged",
    "transfer": "Transfer",
}


@dataclass(frozen=True)
class LogEntry:
    at: dt.datetime
    kind: str
    reference: str
    quantity_in: Decimal | None
    quantity_out: Decimal | None
    balance: Decimal  # the running balance after this row


@dataclass(frozen=True)
class ItemLog:
    ndc: str
    drug: str
    schedule: str  # "C-II" ... "C-V"
    unit: str
    opening: Decimal
    opening_date: dt.date | None
    entries: tuple[LogEntry, ...]
    on_hand: Decimal  # what the item holds now (the closing balance matches it for a period up to now)

    @property
    def closing(self) -> Decimal:
        return self.entries[-1].balance if self.entries else self.opening


@dataclass(frozen=True)
class ControlledLog:
    pharmacy_name: str
    start: dt.date | None
    end: dt.date | None
    generated_at: dt.datetime
    items: tuple[ItemLog, ...]


def controlled_log_csv(log: ControlledLog) -> str:
    def rows() -> object:
        for item in log.items:
            yield (item.ndc, item.drug, item.schedule, item.opening_date, OPENING, "", None, None, item.opening)
            for e in item.entries:
                yield (item.ndc, item.drug, item.schedule, e.at, e.kind, e.reference, e.quantity_in, e.quantity_out,
                       e.balance)  # fmt: skip

    return csv_text(CONTROLLED_LOG_COLUMNS, rows())  # type: ignore[arg-type]


def _q(value: Decimal | None) -> str:
    return "" if value is None else format_quantity(value)


def controlled_log_pdf(log: ControlledLog) -> bytes:
    rows: list[tuple[object, ...]] = []
    up_to_now = log.end is None or log.end >= log.generated_at.date()
    for item in log.items:
        name = f"{item.drug} · {format_ndc(item.ndc)} · {item.schedule}"
        rows.append((name, item.opening_date, _KIND_NAMES[OPENING], "", "", "", _q(item.opening)))
        for e in item.entries:
            kind = _KIND_NAMES.get(e.kind, e.kind)
            rows.append(("", e.at, kind, e.reference, _q(e.quantity_in), _q(e.quantity_out), _q(e.balance)))
        check = ""
        if up_to_now:  # the closing balance is the shelf's: say so, or say loudly that it is not
            same = item.closing == item.on_hand
            check = f"{'=' if same else 'DOES NOT MATCH'} on hand {_q(item.on_hand)} {item.unit}"
        rows.append(("", "", "Closing balance", check, "", "", _q(item.closing)))
    spec = ReportSpec(
        title="Controlled substance log (perpetual inventory)",
        subtitle=f"{period_text(log.start, log.end)} · Schedules II-V · {len(log.items)} items",
        columns=(
            ReportColumn("Drug · NDC · schedule", 2.6),
            ReportColumn("Date", 1.05),
            ReportColumn("Kind", 1.1),
            ReportColumn("Reference", 2.0),
            ReportColumn("In", 0.6, "right"),
            ReportColumn("Out", 0.6, "right"),
            ReportColumn("Balance", 0.8, "right"),
        ),
        rows=rows,
        pharmacy_name=log.pharmacy_name,
        footer_note="Controlled substance log · every movement of the stock ledger, in its order",
        printed_at=log.generated_at,
        landscape=True,
    )
    return render_report(spec)
