"""A catalog medication as the DUR sees it: ``DrugFacts`` with ingredients, strengths and release.

Split from ``services/dur_review.py`` (which re-exports ``drug_facts`` and ``schedule_of``).
Strengths come, in this order, from the medication's ``active_ingredients`` (the catalog's JSON
list of {name, strength, unit}), from the FDA product's parallel ';'-separated lists
(``substance_name``, ``active_numerator_strength``, ``active_ingredient_unit``), and for a
single-ingredient drug from its strength text ("500 mg", "250 mg/5 mL"). Release (immediate or
extended) from the dosage form ("TABLET, EXTENDED RELEASE") or an ER/XL/SR word in a name.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from pharmacy_desktop.domain import dur_facts
from pharmacy_desktop.domain.drug_names import title_case
from pharmacy_desktop.domain.product_names import ingredients_from_json, strength_of
from pharmacy_desktop.domain.schedules import Schedule, parse_schedule

# a product row from ``uow.dur.products``: (pharm_classes, substance_name, strengths, units, dosage_form, name)
ProductRow = tuple[Any, ...]

_EXTENDED_WORDS = re.compile(r"\b(ER|XL|XR|SR|CR|LA|CD|XLS?|ER24|24\s*HR|12\s*HR|EXTENDED)\b", re.IGNORECASE)
_STRENGTH_TEXT = re.compile(
    r"^\s*(\d+(?:\.\d+)?|\.\d+)\s*(mg|mcg|ug|g|meq|unit|units)\s*(?:/\s*(\d+(?:\.\d+)?)?\s*(ml|g))?\s*$",
    re.IGNORECASE,
)


def schedule_of(med: Any) -> Schedule:
    if med is None:
        return Schedule.NONE
    try:
        return parse_schedule(med.dea_schedule)
    except ValueError:
        # an unreadable schedule on a controlled product: treat it as the strictest dispensable one
        return Schedule.CII if med.is_controlled_substance else Schedule.NONE


def _decimal(text: str) -> Decimal | None:
    text = (text or "").strip()
    if text.startswith("."):
        text = "0" + text
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() and value > 0 else None


def _strength(name: str, amount: str, unit: str) -> dur_facts.IngredientStrength | None:
    value = _decimal(amount)
    ingredient = dur_facts.normalize_ingredient(name or "")
    unit = (unit or "").strip()
    if value is None or not ingredient or not unit:
        return None
    return dur_facts.IngredientStrength(ingredient, value, unit)


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(";")]


def strengths_of(med: Any, product: ProductRow | None, generic: str) -> tuple[dur_facts.IngredientStrength, ...]:
    """Per-unit amount of each active ingredient; () when it cannot be known for every ingredient."""
    found = [_strength(i.name, i.strength, i.unit) for i in ingredients_from_json(med.active_ingredients)]
    if found and all(found):
        return tuple(s for s in found if s is not None)
    if product is not None:
        names, amounts, units = _split(product[1]), _split(product[2]), _split(product[3])
        if names and len(names) == len(amounts) == len(units):
            found = [_strength(n, a, u) for n, a, u in zip(names, amounts, units)]
            if found and all(found):
                return tuple(s for s in found if s is not None)
    ingredients = dur_facts.split_ingredients(generic)
    match = _STRENGTH_TEXT.match(med.strength or "")
    if len(ingredients) == 1 and match:
        amount, numerator, per_amount, per_unit = match.groups()
        numerator = "ug" if numerator.lower() == "mcg" else numerator.lower()
        per = f"{per_amount or ''}{'mL' if per_unit.lower() == 'ml' else per_unit}" if per_unit else "1"
        unit = f"{numerator}/{per}"  # as FDA writes it: "mg/1", "mg/5mL", "ug/1"
        strength = _strength(ingredients[0], amount, unit)
        if strength is not None:
            return (strength,)
    return ()


def release_of(med: Any, product: ProductRow | None) -> str:
    """'extended' for an extended-release form or an ER/XL/SR name, 'immediate' for any other known
    form, 'any' when nothing says (the dose limits written for every release apply)."""
    forms = [med.dosage_form, product[4] if product else None]
    names = [med.drug_name, med.brand_name, product[5] if product else None]
    if any("EXTENDED" in (f or "").upper() for f in forms):
        return "extended"
    if any(_EXTENDED_WORDS.search(n or "") for n in names):
        return "extended"
    # delayed release (enteric coated) releases the same daily amount: the immediate-release limits apply
    return "immediate" if any(f for f in forms) else "any"


def drug_facts(med: Any, written_name: str, product: ProductRow | str | None = None) -> dur_facts.DrugFacts:
    """``product``: the FDA product row (``uow.dur.products``) or, as before, its pharm_classes text."""
    if med is None:
        return dur_facts.DrugFacts(generic_name=written_name)
    if isinstance(product, str):
        product = (product, None, None, None, None, None)
    ingredients: tuple[str, ...] = ()
    if isinstance(med.active_ingredients, list):
        ingredients = tuple(str(i.get("name")) for i in med.active_ingredients if isinstance(i, dict) and i.get("name"))
    pharm_classes = product[0] if product is not None else None
    classes = tuple(c.strip() for c in (pharm_classes or med.pharmacologic_class or "").split(",") if c.strip())
    generic = med.generic_name or med.drug_name
    brand = med.brand_name
    return dur_facts.DrugFacts(
        # the FDA catalog shouts ("AMOXICILLIN"); alerts name drugs as every screen does (domain/drug_names)
        generic_name=title_case(generic),
        brand_name=title_case(brand) or None,
        strength=strength_of(med, generic),  # paired in the order of the name the alert shows
        dosage_form=med.dosage_form,
        route=med.route,
        therapeutic_class=med.therapeutic_class,
        pharm_classes=classes,
        schedule=schedule_of(med),
        ingredients=ingredients,
        strengths=strengths_of(med, product, generic),
        release=release_of(med, product),
    )
