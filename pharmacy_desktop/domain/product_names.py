"""How a product's strength is written next to its name: each ingredient with its own strength.

FDA lists the active ingredients of a combination in alphabetical order (ACETAMINOPHEN;
HYDROCODONE BITARTRATE) while the product's name follows the labeler's order ("Hydrocodone
Bitartrate and Acetaminophen"). Writing FDA's strengths after that name ("... 500 mg; 5 mg")
reads as hydrocodone 500 mg. So the strengths are put in the order of the names in the product
name when every ingredient can be found there ("Hydrocodone Bitartrate and Acetaminophen
5 mg/500 mg"), and otherwise each ingredient is written with its own strength ("Diovan HCT
valsartan 160 mg / hydrochlorothiazide 12.5 mg"). Pure functions; no database, no Qt.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

MAX_LISTED = 4  # beyond this many unnamed ingredients, the rest are counted, not listed
_WORDS = re.compile(r"[^\W_]+")
_DENOMINATOR = re.compile(r"^(\d*\.?\d+)\s*(.+)$")
_PLAIN_UNIT = re.compile(r"[A-Za-z]+")
_UNITS = {"ug": "mcg"}  # "ug" reads as "mg" on a busy counter; pharmacies write mcg


class Ingredient(NamedTuple):
    """One active ingredient as FDA gives it: ``("HYDROCODONE BITARTRATE", "5", "mg/1")``."""

    name: str
    strength: str
    unit: str


def ingredients_from_json(data: Any) -> tuple[Ingredient, ...]:
    """The catalog's ``active_ingredients`` (a JSON list of {name, strength, unit}); () when
    absent or not in that shape, so callers fall back to the stored strength text."""
    if not isinstance(data, list):
        return ()
    out = []
    for item in data:
        if not isinstance(item, dict):
            return ()
        out.append(Ingredient(*(str(item.get(k) or "").strip() for k in ("name", "strength", "unit"))))
    return tuple(out)


def amount(value: str) -> str:
    """FDA's ``.5`` -> ``0.5`` (a leading point is missed on a label)."""
    return "0" + value if value.startswith(".") else value


def readable_unit(unit: str) -> str:
    """``mg/1`` -> ``mg``; ``mg/5mL`` -> ``mg/5 mL``; ``ug/h`` -> ``mcg/h``."""
    numerator, per = split_unit(unit)
    return f"{numerator}/{per}" if per else numerator


def split_unit(unit: str) -> tuple[str, str]:
    """``mg/5mL`` -> ``("mg", "5 mL")``; ``mg/1`` -> ``("mg", "")``."""
    if not unit:
        return "", ""
    numerator, _, denominator = unit.partition("/")
    numerator = _UNITS.get(numerator, numerator)
    if not denominator or denominator == "1":
        return numerator, ""
    m = _DENOMINATOR.match(denominator)
    if m:
        count, per = m.groups()
        per = _UNITS.get(per, per)
        denominator = per if count == "1" else f"{amount(count)} {per}"
    return numerator, denominator


def ingredient_strength(item: Ingredient) -> str:
    """``5 mg``, ``250 mg/5 mL`` ('' when FDA gives neither number nor unit)."""
    return " ".join(p for p in (amount(item.strength), readable_unit(item.unit)) if p)


def _words(text: str) -> list[str]:
    return _WORDS.findall(text.lower())


def _find(words: Sequence[str], wanted: Sequence[str], taken: set[int]) -> list[int]:
    """Start positions of ``wanted`` as consecutive words of ``words``, none of them taken."""
    n = len(wanted)
    return [
        i
        for i in range(len(words) - n + 1)
        if list(words[i : i + n]) == list(wanted) and not taken.intersection(range(i, i + n))
    ]


def name_order(name: str, items: Sequence[Ingredient]) -> list[int] | None:
    """Indexes of ``items`` in the order their names appear in ``name``; None unless every
    ingredient is found at a place of its own (a guess would pair a name with the wrong strength).

    An ingredient is found by its whole name ("hydrocodone bitartrate") or, failing that, by its
    first word when that word occurs once among the words not yet claimed ("neomycin" in
    "Neomycin and Polymyxin B Sulfates": FDA's NEOMYCIN SULFATE).
    """
    words = _words(name)
    taken: set[int] = set()
    place: dict[int, int] = {}
    for index, item in enumerate(items):  # whole names first: they are certain
        wanted = _words(item.name)
        hits = _find(words, wanted, taken) if wanted else []
        if len(hits) == 1:
            place[index] = hits[0]
            taken.update(range(hits[0], hits[0] + len(wanted)))
    for index, item in enumerate(items):
        if index in place:
            continue
        wanted = _words(item.name)[:1]
        hits = _find(words, wanted, taken) if wanted and len(wanted[0]) >= 3 else []
        if len(hits) != 1:
            return None
        place[index] = hits[0]
        taken.add(hits[0])
    return sorted(place, key=place.__getitem__)


def _in_name_order(items: Sequence[Ingredient]) -> str | None:
    """``5 mg/500 mg``; ``2.5 mg/0.025 mg per 5 mL`` when they share the denominator; None when
    the units cannot share one line without ambiguity."""
    units = [split_unit(i.unit) for i in items]
    pers = {per for _, per in units}
    # "10000 [USP'U]/10 mg per mL" would read as a ratio: only plain units share a line
    plain = all(_PLAIN_UNIT.fullmatch(num) for num, _ in units)
    if len(pers) != 1 or not plain or not all(amount(i.strength) for i in items):
        return None
    (per,) = pers
    text = "/".join(" ".join(p for p in (amount(i.strength), num) if p) for i, (num, _) in zip(items, units))
    return f"{text} per {per}" if per else text


def _ingredient_by_ingredient(items: Sequence[Ingredient], order_names: Iterable[str]) -> str:
    order = None
    for name in order_names:  # e.g. the generic name "Valsartan and Hydrochlorothiazide"
        order = name_order(name, items) if name else None
        if order:
            break
    ordered = [items[i] for i in order] if order else list(items)
    parts = [" ".join(p for p in (_lower(i.name), ingredient_strength(i)) if p) for i in ordered]
    if len(parts) > MAX_LISTED:
        parts = parts[: MAX_LISTED - 1] + [f"+ {len(parts) - MAX_LISTED + 1} more ingredients"]
    return " / ".join(parts)


def _lower(name: str) -> str:
    # FDA shouts; lower case reads as a list of substances, not as a brand
    return name.lower() if name.isupper() else name


def product_strength(
    name: str | None,
    ingredients: Sequence[Ingredient],
    fallback: str | None = None,
    *order_names: str | None,
) -> str | None:
    """The strength to write after ``name``: each ingredient paired with its own strength.

    One ingredient: ``10 mg``. Several, all named in ``name``: their strengths in that order
    (``5 mg/500 mg``). Otherwise ``name strength`` per ingredient, in the order of the first of
    ``order_names`` (e.g. the generic name) that names them all, else FDA's order. Without
    ingredient data, ``fallback`` (the catalog's stored strength text) as it is.
    """
    items = [i for i in ingredients if i.name or i.strength or i.unit]
    if not items:
        return fallback
    if len(items) == 1:
        return ingredient_strength(items[0]) or fallback
    order = name_order(name or "", items)
    if order is not None:
        text = _in_name_order([items[i] for i in order])
        if text:
            return text
    return _ingredient_by_ingredient(items, [n for n in (name, *order_names) if n])


def strength_of(record: Any, name: str | None = None) -> str | None:
    """:func:`product_strength` for a catalog record (ORM object or row with ``drug_name``,
    ``generic_name``, ``strength`` and ``active_ingredients``), named as ``name`` (default:
    its drug name)."""
    return product_strength(
        name if name is not None else getattr(record, "drug_name", None),
        ingredients_from_json(getattr(record, "active_ingredients", None)),
        getattr(record, "strength", None),
        getattr(record, "generic_name", None),
    )
