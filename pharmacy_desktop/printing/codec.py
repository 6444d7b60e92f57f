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

from pharmacy_desktop.printing.documents import LabelData, PharmacyInfo, ReceiptData, ReceiptLine
from pharmacy_desktop.printing.layouts import render_label, render_receipt, render_test_page
from pharmacy_desktop.printing.profiles import get_profile

__all__ = ["label_to_json", "label_from_json", "receipt_to_json", "receipt_from_json", "render_document"]


def _plain(value: Any) -> Any:
    if isinstance(value, PharmacyInfo):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, ReceiptLine):
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


def receipt_from_json(data: dict[str, Any]) -> ReceiptData:
    values = {k: v for k, v in data.items() if k != "kind"}
    values["pharmacy"] = _pharmacy(values["pharmacy"])
    values["datetime"] = dt.datetime.fromisoformat(values["datetime"])
    values["lines"] = tuple(
        ReceiptLine(description=line["description"], amount=Decimal(line["amount"]), rx_number=line.get("rx_number"))
        for line in values["lines"]
    )
    for name in ("subtotal", "tax", "insurance_paid", "copay_total", "total", "tendered", "change"):
        if values.get(name) is not None:
            values[name] = Decimal(values[name])
    return ReceiptData(**values)


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
