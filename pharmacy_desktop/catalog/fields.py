"""From FDA product fields to the design document's medication columns (pure functions).

The medication columns are narrow (strength 50, classes 100 characters); full values stay on
``drug_products`` and in ``active_ingredients``, so shortening here never loses data.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from pharmacy_desktop.domain.product_names import amount, readable_unit

ELLIPSIS = "\u2026"
_ROMAN = {"CI": "I", "CII": "II", "CIII": "III", "CIV": "IV", "CV": "V"}
_CLASS_SPLIT = re.compile(r"(?<=\]),\s*")
_TAG = re.compile(r"\s*\[(EPC|MoA|PE|CS|Chemical/Ingredient|EXT)\]\s*$", re.IGNORECASE)
_NAME_WORDS = re.compile(r"[^\W_]+")
_XML_TAG = re.compile(r"<[^>]*(?:>|$)")


class Ingredient(NamedTuple):
    name: str
    strength: str
    unit: str


class MedicationNames(NamedTuple):
    drug_name: str
    brand_name: str | None
    generic_name: str | None
    is_generic: bool


def shorten(text: str | None, width: int, sep: str | None = None) -> str | None:
    """``text`` cut to ``width`` characters: at a ``sep`` boundary when one fits, else with an ellipsis."""
    if text is None or len(text) <= width:
        return text
    if sep:
        kept = ""
        for part in text.split(sep):
            candidate = part if not kept else kept + sep + part
            if len(candidate) > width:
                break
            kept = candidate
        if kept:
            return kept
    return text[: width - 1].rstrip() + ELLIPSIS


def dea_roman(raw: str | None) -> str | None:
    """FDA's ``CII`` -> the design document's ``II``; None when not scheduled."""
    return _ROMAN.get((raw or "").strip().upper())


def _name_key(name: str | None) -> tuple[str, ...]:
    words = _NAME_WORDS.findall((name or "").lower())
    return tuple(w for w in words if w not in ("and", "with"))


def medication_names(proprietary: str | None, suffix: str | None, nonproprietary: str | None) -> MedicationNames:
    """Brand + suffix as the drug name, or the generic name when there is no real brand.

    A proprietary name that is only the generic name ("Atorvastatin Calcium", or
    "Amlodipine besylate/atorvastatin calcium") is a generic product, not a brand.
    """
    brand = " ".join(p for p in (proprietary, suffix) if p) if proprietary else None
    generic = nonproprietary or None
    if brand is None or _name_key(proprietary) == _name_key(generic):
        return MedicationNames(brand or generic or "", None, generic, True)
    return MedicationNames(brand, brand, generic, False)


def _split(value: str | None) -> list[str]:
    return [p.strip() for p in value.split(";")] if value else []


def ingredients(substances: str | None, strengths: str | None, units: str | None) -> list[Ingredient]:
    """FDA's parallel ``; `` lists as one entry per active ingredient (raw FDA values)."""
    names, numbers, unit_list = _split(substances), _split(strengths), _split(units)
    count = max(len(names), len(numbers), len(unit_list))

    def pick(items: list[str], i: int) -> str:
        return items[i] if i < len(items) else ""

    return [Ingredient(pick(names, i), pick(numbers, i), pick(unit_list, i)) for i in range(count)]


def strength_text(items: list[Ingredient], width: int = 50) -> str | None:
    """``10 mg``, ``200 mg/5 mL``; several ingredients joined with ``; `` in FDA's order.

    This is the stored ``medications.strength`` (what strength comparisons and search read);
    to show a combination next to its name use ``domain.product_names.product_strength``."""
    parts = [
        " ".join(p for p in (amount(i.strength), readable_unit(i.unit)) if p) for i in items if i.strength or i.unit
    ]
    return shorten("; ".join(parts), width, "; ") if parts else None


def pharm_class_fields(pharm_classes: str | None, width: int = 100) -> tuple[str | None, str | None]:
    """``(pharmacologic_class, therapeutic_class)``: all classes, and the [EPC] ones untagged."""
    if not pharm_classes:
        return None, None
    classes = [c.strip() for c in _CLASS_SPLIT.split(pharm_classes) if c.strip()]
    epc = [_TAG.sub("", c) for c in classes if c.upper().endswith("[EPC]")]
    therapeutic = shorten("; ".join(dict.fromkeys(epc)), width, "; ") if epc else None
    return shorten(", ".join(classes), width, ", "), therapeutic


def manufacturer_name(labeler: str | None, width: int = 255) -> str | None:
    """The labeler as a person reads it: FDA once exported an HL7 fragment as a labeler name."""
    if labeler and "<" in labeler:
        labeler = " ".join(_XML_TAG.sub(" ", labeler).split()) or labeler
    return shorten(labeler, width)
