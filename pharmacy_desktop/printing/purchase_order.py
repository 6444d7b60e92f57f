"""The purchase order as a PDF for the supplier, from plain data, with the report framework of
printing/pdf.py (pharmacy name, title, print time and "Page X of Y" on every page).

A Schedule II order carries its DEA Form 222 / CSOS order number and the pharmacy's DEA
registration in the title block: the supplier ships C-II stock only against that number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from pharmacy_desktop.domain.money import ZERO, format_money
from pharmacy_desktop.domain.stock import format_quantity

from .layouts import format_ndc
from .pdf import ReportColumn, ReportSpec, render_report

__all__ = ["PurchaseOrderLine", "PurchaseOrderDocument", "purchase_order_pdf"]


@dataclass(frozen=True)
class PurchaseOrderLine:
    ndc: str  # 11 (or 12) digits
    drug: str
    package: str  # "100 tablet per bottle", or "" when the catalog does not say
    quantity: Decimal  # units
    unit_price: Decimal  # per unit; 0 when not known (printed as "to be quoted")
    amount: Decimal

    def __post_init__(self) -> None:
        for name in ("quantity", "unit_price", "amount"):
            if not isinstance(getattr(self, name), Decimal):
                raise TypeError(f"PurchaseOrderLine.{name} must be a Decimal")


@dataclass(frozen=True)
class PurchaseOrderDocument:
    po_number: str
    order_date: date
    pharmacy_name: str
    pharmacy_address: str
    pharmacy_phone: str
    supplier_name: str
    lines: Sequence[PurchaseOrderLine]
    total: Decimal
    pharmacy_dea: str = ""
    account_number: str = ""
    supplier_contact: str = ""
    expected_delivery: date | None = None
    is_schedule_ii: bool = False
    dea_order_number: str = ""
    ordered_by: str = ""
    notes: str = ""
    printed_at: datetime | None = None


_COLUMNS = (
    ReportColumn("NDC", 1.3),
    ReportColumn("Drug", 3.2),
    ReportColumn("Package", 1.8),
    ReportColumn("Quantity", 0.9, "right"),
    ReportColumn("Unit price", 1.0, "right"),
    ReportColumn("Amount", 1.0, "right"),
)


def _price(value: Decimal) -> str:
    # unit prices carry four decimals (a tablet may cost $0.0315); amounts are cents
    return "to be quoted" if value == ZERO else f"${value:,.4f}"


def purchase_order_pdf(doc: PurchaseOrderDocument) -> bytes:
    """PDF bytes of the order: who orders from whom, the lines, the total."""
    subtitle = [
        f"Order date {doc.order_date:%m/%d/%Y}"
        + (f" · expected {doc.expected_delivery:%m/%d/%Y}" if doc.expected_delivery else ""),
        f"To: {doc.supplier_name}"
        + (f" ({doc.supplier_contact})" if doc.supplier_contact else "")
        + (f" · account {doc.account_number}" if doc.account_number else ""),
        f"Ship to: {doc.pharmacy_name}, {doc.pharmacy_address} · {doc.pharmacy_phone}",
    ]
    if doc.is_schedule_ii:
        subtitle.append(
            f"SCHEDULE II ORDER · DEA Form 222 / CSOS order number {doc.dea_order_number or '(not yet entered)'}"
            + (f" · pharmacy DEA {doc.pharmacy_dea}" if doc.pharmacy_dea else "")
        )
    if doc.ordered_by:
        subtitle.append(f"Ordered by {doc.ordered_by}")
    if doc.notes:
        subtitle.append(f"Notes: {doc.notes}")
    rows = [
        (
            format_ndc(line.ndc),
            line.drug,
            line.package,
            format_quantity(line.quantity),
            _price(line.unit_price),
            "" if line.unit_price == ZERO else format_money(line.amount),
        )
        for line in doc.lines
    ]
    count = len(doc.lines)
    spec = ReportSpec(
        title=f"Purchase order {doc.po_number}",
        columns=_COLUMNS,
        rows=rows,
        pharmacy_name=doc.pharmacy_name,
        subtitle="\n".join(subtitle),
        footer_note=f"Purchase order {doc.po_number} · {count} line{'s' if count != 1 else ''}",
        printed_at=doc.printed_at,
        totals=("", "Total", "", "", "", format_money(doc.total)),
    )
    return render_report(spec)
