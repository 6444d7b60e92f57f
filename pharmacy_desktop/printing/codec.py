"""The JSON form of the printed documents, and their ESC/POS bytes from it.

The print queue stores the JSON with every job so a redirect to a printer of another model can
render the same content again, and so the queue screen can say what a job is without parsing
printer bytes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import fields
from decimal import Decimal
from typing import Any

from pharmacy_desktop.printing.documents import LabelData, PharmacyInfo, ReceiptData, ReceiptLine, ReceiptTender
from pharmacy_desktop.printing.layouts import render_label, render_receipt, render_test_page
from pharmacy_desktop.printing.profiles import get_profile

__all__ = ["label_to_json", "label_from_json", "receipt_to_json", "receipt_from_json", "render_document"]


def _plain(value: Any) -> Any:
    if isinstance(value, (PharmacyInfo, ReceiptLine, ReceiptTender)):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def label_to_json(label: LabelData) -> dict[str, Any]:
    return {"kind": "label", **{f.name: _plain(getattr(label, f.name)) for f in fields(label)}}


def _pharmacy(data: dict[str, Any]) -> PharmacyInfo:
    return PharmacyInfo(**{**data, "address_lines": tuple(data.get("address_lines", ()))})


def label_from_json(data: dict[str, Any]) -> LabelData:
    values = {k: v for k, v in data.items() if k != "kind"}
    values["pharmacy"] = _pharmacy(values["pharmacy"])
    values["date_filled"] = dt.date.fromisoformat(values["date_filled"])
    values["discard_by"] = dt.date.fromisoformat(values["discard_by"])
    values["quantity"] = Decimal(values["quantity"])
    values["warnings"] = tuple(values.get("warnings", ()))
    return LabelData(**values)


def receipt_to_json(receipt: ReceiptData) -> dict[str, Any]:
    return {"kind": "receipt", **{f.name: _plain(getattr(receipt, f.name)) for f in fields(receipt)}}


def _decimals(values: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: Decimal(v) if k in names and v is not None else v for k, v in values.items()}


_LINE_DECIMALS = ("price", "quantity", "unit_price", "dispensing_fee", "discount", "insurance_paid", "tax")


def _receipt_line(data: dict[str, Any]) -> ReceiptLine:
    values = dict(data)
    if "amount" in values:  # stored before the sale receipt (issue 13): the line's price
        values["price"] = values.pop("amount")
    return ReceiptLine(**_decimals(values, *_LINE_DECIMALS))


def _legacy_tenders(values: dict[str, Any]) -> None:
    """A receipt stored before split tenders had one payment method: read it as one tender, so a
    job queued then still prints and reprints after the upgrade."""
    method = values.pop("payment_method", None)
    tendered = values.pop("tendered", None)
    last_four = values.pop("card_last_four", None)
    if method is None or "tenders" in values:
        return
    method = {"card": "credit_card", "credit": "credit_card", "debit": "debit_card"}.get(method, method)
    cash = method == "cash"
    if cash and tendered is None:
        tendered = str(Decimal(values["total"]) + Decimal(values.get("change") or "0"))
    values["tenders"] = [
        {
            "method": method,
            "amount": values["total"],
            "card_last_four": last_four,
            "cash_tendered": tendered if cash else None,
        }
    ]
    if values.get("change") is None:
        values["change"] = "0.00"


def receipt_from_json(data: dict[str, Any]) -> ReceiptData:
    values = {k: v for k, v in data.items() if k != "kind"}
    _legacy_tenders(values)
    values["pharmacy"] = _pharmacy(values["pharmacy"])
    values["datetime"] = dt.datetime.fromisoformat(values["datetime"])
    if values.get("reprinted_at") is not None:
        values["reprinted_at"] = dt.datetime.fromisoformat(values["reprinted_at"])
    values["lines"] = tuple(_receipt_line(line) for line in values["lines"])
    values["tenders"] = tuple(
        ReceiptTender(**_decimals(t, "amount", "cash_tendered")) for t in values.get("tenders", ())
    )
    values["invoice_numbers"] = tuple(values.get("invoice_numbers", ()))
    money = ("subtotal", "tax", "insurance_paid", "copay_total", "total", "change", "discount_total")
    return ReceiptData(**_decimals(values, *money))


def render_document(job_type: str, document: dict[str, Any], profile_name: str, printer_name: str = "") -> bytes:
    """ESC/POS bytes of a stored document for a printer model (used again after a redirect)."""
    profile = get_profile(profile_name)
    if job_type == "label":
        return render_label(label_from_json(document), profile)
    if job_type == "receipt":
        return render_receipt(receipt_from_json(document), profile)
    if job_type == "test_page":
        return render_test_page(printer_name or document.get("printer_name") or "printer", profile)
    raise ValueError(f"print job type {job_type!r} has no ESC/POS layout")
