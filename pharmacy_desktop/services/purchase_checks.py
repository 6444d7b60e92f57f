"""Checks of what a buyer types on purchasing screens: supplier fields, quantities, prices, the DEA
Form 222 / CSOS order number, reasons. Each refusal raises ``ValidationFailed`` naming the field."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from pharmacy_desktop.db.models.inventory import PurchaseOrder, Supplier
from pharmacy_desktop.domain.identifiers import dea_problem, normalize_dea
from pharmacy_desktop.domain.money import to_money
from pharmacy_desktop.errors import ValidationFailed
from pharmacy_desktop.services.text_checks import require_clean_text, text_errors

__all__ = ["SupplierForm", "clean_notes", "dea_order_number", "quantity", "reason", "supplier_values", "unit_price"]

MAX_QUANTITY = Decimal("99999999")  # Numeric(10, 2)
MAX_UNIT_PRICE = Decimal("999999")  # Numeric(10, 4)
# DEA Form 222 (single-sheet, 2019) carries a 9-digit order form number; CSOS order numbers are the
# supplier's, letters and digits: accepted as written, checked for shape only.
_ORDER_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,19}$")


@dataclass(frozen=True)
class SupplierForm:
    name: str
    contact_name: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    payment_terms: str | None = None
    minimum_order_amount: Decimal | None = None
    dea_number: str | None = None
    account_number: str | None = None
    is_active: bool = True


def supplier_values(form: SupplierForm) -> dict[str, Any]:
    """The supplier's columns from the form, trimmed and checked; every problem at once."""
    values: dict[str, Any] = {f.name: getattr(form, f.name) for f in fields(form)}
    for key, value in values.items():
        if isinstance(value, str):
            values[key] = value.strip() or None
    errors = text_errors(
        [
            (key, getattr(Supplier, key), values[key])
            for key in values
            if key not in ("is_active", "minimum_order_amount")
        ],
        single_line=("name", "contact_name", "phone", "email", "payment_terms", "account_number", "dea_number"),
    )
    if not values["name"]:
        errors["name"] = "is required"
    if values["dea_number"]:
        values["dea_number"] = normalize_dea(values["dea_number"])
        problem = dea_problem(values["dea_number"])
        if problem:
            errors["dea_number"] = problem
    minimum = values["minimum_order_amount"]
    if minimum is not None:
        if not isinstance(minimum, Decimal) or minimum < 0 or minimum >= MAX_QUANTITY:
            errors["minimum_order_amount"] = "must be an amount of 0 or more"
        else:
            values["minimum_order_amount"] = to_money(minimum)
    if errors:
        listed = "; ".join(f"{key.replace('_', ' ')}: {problem}" for key, problem in errors.items())
        raise ValidationFailed(f"The supplier was not saved: {listed}.", errors)
    values["is_active"] = bool(form.is_active)
    return values


def quantity(value: Decimal) -> Decimal:
    """Units to order: more than 0, at most two decimals (mL of a liquid)."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValidationFailed("The quantity must be a number of units.", {"quantity": "not a number"})
    if value <= 0 or value > MAX_QUANTITY:
        raise ValidationFailed("The quantity must be more than 0 units.", {"quantity": "must be more than 0"})
    if value != value.quantize(Decimal("0.01")):
        raise ValidationFailed("The quantity has at most two decimals.", {"quantity": "too many decimals"})
    return value


def unit_price(value: Decimal) -> Decimal:
    """Price of one unit: 0 (to be quoted by the supplier) or more, at most four decimals."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValidationFailed("The unit price must be an amount.", {"unit_price": "not a number"})
    if value < 0 or value >= MAX_UNIT_PRICE:
        raise ValidationFailed("The unit price cannot be negative.", {"unit_price": "must be 0 or more"})
    if value != value.quantize(Decimal("0.0001")):
        raise ValidationFailed(
            "The unit price has at most four decimals (e.g. 0.0315 a tablet).", {"unit_price": "too many decimals"}
        )
    return value


def dea_order_number(value: str | None) -> str:
    text = (value or "").strip().upper().replace(" ", "")
    if not text:
        raise ValidationFailed(
            "A Schedule II order is sent only with its DEA Form 222 or CSOS order number. Type the number "
            "from the form (or the CSOS order), then send again.",
            {"dea_order_number": "is required"},
        )
    if not _ORDER_NUMBER.fullmatch(text):
        raise ValidationFailed(
            "The DEA Form 222 / CSOS order number is 3 to 20 letters or digits (a Form 222 has 9 digits). "
            "Check it against the form.",
            {"dea_order_number": "not an order number"},
        )
    return text


def reason(value: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed("Say why the order is cancelled.", {"reason": "is required"})
    require_clean_text("reason", PurchaseOrder.notes, text, "The reason")
    return text


def clean_notes(value: str) -> str:
    text = value.strip()
    require_clean_text("notes", PurchaseOrder.notes, text, "The notes")
    return text
