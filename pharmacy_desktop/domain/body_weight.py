"""A patient's weight as typed at the counter: kilograms, or pounds converted ("154 lb").

The DUR's mg/kg dose checks read ``patients.weight_kg`` (NUMERIC(5, 2), above 0 and below 700).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

KG_PER_LB = Decimal("0.45359237")  # exact, by definition
MAX_KG = Decimal(700)
_TYPED = re.compile(r"^\s*(\d{1,4}(?:\.\d{1,3})?)\s*(kg|kgs|kilos?|lb|lbs|pounds?|#)?\s*$", re.IGNORECASE)


class WeightError(ValueError):
    """The text is not a weight; ``str(exc)`` says what to type."""


def parse_weight_kg(text: str | None) -> Decimal | None:
    """Kilograms (2 decimals) from "70", "70 kg", "154 lb", "154lbs"; None for an empty field.

    Raises ``WeightError`` for anything else, or a weight outside 0-700 kg.
    """
    raw = (text or "").strip()
    if not raw:
        return None
    match = _TYPED.match(raw)
    if match is None:
        raise WeightError("Weight is a number in kg, or in pounds with 'lb' (e.g. 70 or 154 lb).")
    try:
        number = Decimal(match.group(1))
    except InvalidOperation as exc:  # pragma: no cover - the pattern only lets digits through
        raise WeightError("Weight is a number in kg, or in pounds with 'lb'.") from exc
    unit = (match.group(2) or "kg").lower()
    kg = number * KG_PER_LB if unit.startswith(("lb", "pound", "#")) else number
    kg = kg.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if not Decimal(0) < kg < MAX_KG:
        raise WeightError(f"Weight must be above 0 and below {MAX_KG} kg.")
    return kg


def kg_to_lb(kg: Decimal) -> Decimal:
    return (kg / KG_PER_LB).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
