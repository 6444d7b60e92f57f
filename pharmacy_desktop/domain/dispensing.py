"""Dispensing rules (pure): may this stock bottle fill this prescription, from which lots, how much.

- **Product match.** The scanned package must be the prescribed one, another package of the same
  product (a package-size warning), or a therapeutic equivalent: same active ingredients, same
  strength, same dosage form, same route, and substitution permitted by the prescriber
  (``substitution_allowed``, DAW code) and the patient. Anything else is a hard stop that names
  both drugs.
- **DAW codes (NCPDP).** 1 (prescriber: dispense as written), 2 (patient requested the product)
  and 7 (brand mandated by law) forbid substitution; the other codes describe why a product was
  chosen and permit it.
- **Stock.** Expired or recalled lots are refused. Without a scanned lot, stock is taken
  first-expiry-first-out across usable lots. When there is not enough, the shortfall is reported
  with what is on hand, and a partial fill of what is usable may be offered.

Dosage forms are compared as written in the catalog (case and spacing ignored): "TABLET" and
"TABLET, FILM COATED" are different forms to the FDA and are not silently treated as equal.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pharmacy_desktop.domain.daw import DAW_PHRASE, SUBSTITUTION_FORBIDDING_DAW
from pharmacy_desktop.domain.dosage_units import PIECE_UNITS, counted, form_unit, singular
from pharmacy_desktop.domain.drug_names import drug_display_name
from pharmacy_desktop.domain.schedules import parse_schedule
from pharmacy_desktop.domain.stock import (  # noqa: F401 - the fill rules are known as dispensing's
    USABLE_BATCH_STATUS,
    Allocation,
    BatchStock,
    QuantityPlan,
    StockLine,
    _q,
    allocate_fefo,
    expiry_warning,
    format_quantity,
    lot_problem,
    plan_quantity,
    usable_batches,
)

DAW_MEANING = DAW_PHRASE  # the name the fill screen has used


class Match(StrEnum):
    EXACT = "exact"  # the prescribed package
    SAME_PRODUCT = "same_product"  # another package size of the prescribed product
    EQUIVALENT = "equivalent"  # an allowed substitute (generic for brand, another labeler)
    WRONG_DRUG = "wrong_drug"
    WRONG_STRENGTH = "wrong_strength"
    WRONG_FORM = "wrong_form"
    WRONG_ROUTE = "wrong_route"
    NO_SUBSTITUTION = "no_substitution"  # equivalent, but DAW / prescriber / patient forbid it

    @property
    def accepted(self) -> bool:
        return self in (Match.EXACT, Match.SAME_PRODUCT, Match.EQUIVALENT)


@dataclass(frozen=True)
class Product:
    """One catalog package as the rules see it."""

    ndc11: str
    drug_name: str
    medication_id: uuid.UUID | None = None
    package_ndc: str | None = None
    generic_name: str | None = None
    brand_name: str | None = None
    strength: str | None = None
    dosage_form: str | None = None
    route: str | None = None
    package_description: str | None = None
    dea_schedule: str | None = None
    is_generic: bool | None = None
    product_id: uuid.UUID | None = None
    active_ingredients: tuple[tuple[str, str], ...] = ()  # (name, strength) when the catalog has them

    @property
    def ndc_display(self) -> str:
        if self.package_ndc:
            return self.package_ndc
        k = self.ndc11
        return f"{k[:5]}-{k[5:9]}-{k[9:]}" if len(k) == 11 else k

    @property
    def schedule_label(self) -> str | None:
        """'C-II'.. 'C-V', None for non-controlled (or an unreadable value)."""
        return schedule_label(self.dea_schedule)

    @property
    def display_name(self) -> str:
        """'Lisinopril 20 mg tablet' (strength and form added when the name lacks them)."""
        return describe(self.drug_name, self.strength, self.dosage_form)

    @property
    def package_size(self) -> PackageSize | None:
        return package_size(self.package_description)


def schedule_label(value: Any) -> str | None:
    try:
        s = parse_schedule(value)
    except (ValueError, TypeError):
        return str(value) if value else None
    return s.display if s.roman else None


def describe(name: str, strength: str | None, form: str | None) -> str:
    """The drug as a screen names it (``domain/drug_names``): 'Lisinopril 20 mg tablet'."""
    return drug_display_name(name, strength, form)


# -- normalisation ------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")


def _norm(text: str | None) -> str:
    return _SPACES.sub(" ", (text or "").strip().lower())


_UNIT_ALIASES = {"mcg": "ug", "µg": "ug", "μg": "ug", "gm": "g", "ml": "ml", "units": "unit", "iu": "unit"}


def normalize_strength(text: str | None) -> str:
    """'10 MG', '10mg', '10 mg/1', '10.0 mg' -> '10 mg'; several ingredients sorted."""
    if not text:
        return ""
    parts = []
    for piece in re.split(r"[;,]| and ", text.lower()):
        piece = piece.strip()
        if not piece:
            continue
        piece = re.sub(r"/\s*1(?![0-9.])", "", piece)
        piece = re.sub(r"(\d)\s*([a-zµμ%])", r"\1 \2", piece)
        tokens = []
        for tok in piece.replace("/", " / ").split():
            if re.fullmatch(r"\d*\.?\d+", tok):
                tok = format(Decimal(tok).normalize(), "f")
            tokens.append(_UNIT_ALIASES.get(tok, tok))
        parts.append(" ".join(tokens).replace(" / ", "/"))
    return "; ".join(sorted(parts))


def normalize_generic(text: str | None) -> str:
    """Active ingredients as a sorted set: 'Acetaminophen and Hydrocodone' == 'HYDROCODONE; ACETAMINOPHEN'."""
    if not text:
        return ""
    names = {_norm(p) for p in re.split(r";|,| and | & |/", text.lower()) if p.strip()}
    return "; ".join(sorted(names))


def normalize_form(text: str | None) -> str:
    return _norm(text).replace(" ,", ",")


# -- package size -------------------------------------------------------------------------------

_PACKAGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s+([A-Za-z ,]+?)\s+in\s+1\s+([A-Za-z ,]+?)(?:\s*\(|\s*$|\s*>)", re.I)


@dataclass(frozen=True)
class PackageSize:
    quantity: Decimal
    unit: str
    container: str

    def __str__(self) -> str:
        return f"{format(self.quantity.normalize(), 'f')} {self.unit.lower()} per {self.container.lower()}"


def package_size(description: str | None) -> PackageSize | None:
    """'100 TABLET in 1 BOTTLE (0071-0157-23)' -> 100 tablet per bottle; None if unreadable."""
    if not description:
        return None
    m = _PACKAGE.match(description)
    if not m:
        return None
    return PackageSize(Decimal(m.group(1)), m.group(2).strip(), m.group(3).strip())


# -- substitution -------------------------------------------------------------------------------


def substitution_permitted(
    substitution_allowed: bool | None, daw_code: str | None, *, patient_allows_generic: bool | None = True
) -> tuple[bool, str | None]:
    """Whether another product than the one written may be dispensed, and if not, why not."""
    code = (daw_code or "0").strip() or "0"
    if code in SUBSTITUTION_FORBIDDING_DAW:
        return False, f"DAW {code} ({DAW_MEANING[code]})"
    if substitution_allowed is False:
        return False, "the prescriber did not allow substitution"
    if patient_allows_generic is False:
        return False, "the patient does not accept substitutes"
    return True, None


# -- matching -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchResult:
    match: Match
    prescribed: Product
    scanned: Product
    message: str
    warnings: tuple[str, ...] = ()

    @property
    def accepted(self) -> bool:
        return self.match.accepted

    @property
    def hard_stop(self) -> bool:
        return not self.match.accepted


def same_product(a: Product, b: Product) -> bool:
    """Same labeler and product code (first 9 digits of the 11-digit NDC), or same catalog product."""
    if a.product_id is not None and a.product_id == b.product_id:
        return True
    return len(a.ndc11) == 11 and len(b.ndc11) == 11 and a.ndc11[:9] == b.ndc11[:9]


def _ingredients(p: Product) -> str:
    if p.active_ingredients:
        return "; ".join(sorted(_norm(n) for n, _ in p.active_ingredients))
    return normalize_generic(p.generic_name or p.drug_name)


def _strengths(p: Product) -> str:
    if p.active_ingredients and all(s for _, s in p.active_ingredients):
        return normalize_strength("; ".join(s for _, s in p.active_ingredients))
    return normalize_strength(p.strength)


def _hard_stop(kind: Match, prescribed: Product, scanned: Product, why: str, next_step: str) -> MatchResult:
    return MatchResult(
        kind,
        prescribed,
        scanned,
        f"{why}: scanned {_named(scanned)}, prescribed {_named(prescribed)}. {next_step}",
    )


def _named(p: Product) -> str:
    sched = f" [{p.schedule_label}]" if p.schedule_label else ""
    return f"{p.display_name}{sched} (NDC {p.ndc_display})"


def match_product(
    prescribed: Product,
    scanned: Product,
    *,
    substitution_allowed: bool | None = True,
    daw_code: str | None = None,
    patient_allows_generic: bool | None = True,
) -> MatchResult:
    """Compare the scanned package with the prescribed one (see the module docstring)."""
    warnings: list[str] = []
    if scanned.ndc11 == prescribed.ndc11:
        return MatchResult(Match.EXACT, prescribed, scanned, f"Correct product: {_named(scanned)}.")
    back = f"Put the bottle back and scan {prescribed.display_name}."
    if same_product(prescribed, scanned):
        kind = Match.SAME_PRODUCT
    else:
        if _ingredients(prescribed) != _ingredients(scanned):
            return _hard_stop(Match.WRONG_DRUG, prescribed, scanned, "Wrong drug", back)
        if _strengths(prescribed) != _strengths(scanned):
            return _hard_stop(
                Match.WRONG_STRENGTH,
                prescribed,
                scanned,
                "Wrong strength",
                f"Put the bottle back and scan the {prescribed.strength or 'prescribed'} bottle.",
            )
        if normalize_form(prescribed.dosage_form) != normalize_form(scanned.dosage_form):
            return _hard_stop(
                Match.WRONG_FORM,
                prescribed,
                scanned,
                f"Wrong dosage form ({(scanned.dosage_form or 'unknown').lower()} instead of "
                f"{(prescribed.dosage_form or 'unknown').lower()})",
                back,
            )
        if _norm(prescribed.route) != _norm(scanned.route):
            return _hard_stop(
                Match.WRONG_ROUTE,
                prescribed,
                scanned,
                f"Wrong route ({(scanned.route or 'unknown').lower()} instead of "
                f"{(prescribed.route or 'unknown').lower()})",
                back,
            )
        permitted, why_not = substitution_permitted(
            substitution_allowed, daw_code, patient_allows_generic=patient_allows_generic
        )
        if not permitted:
            return _hard_stop(
                Match.NO_SUBSTITUTION,
                prescribed,
                scanned,
                f"Substitution not allowed, {why_not}",
                f"Dispense exactly {prescribed.display_name} (NDC {prescribed.ndc_display}).",
            )
        kind = Match.EQUIVALENT
        if prescribed.brand_name and not scanned.brand_name:
            warnings.append(f"Generic substitute for {prescribed.brand_name}: the label will say so.")
    size_a, size_b = prescribed.package_size, scanned.package_size
    if size_a != size_b or kind is Match.SAME_PRODUCT:
        shown_a = str(size_a) if size_a else (prescribed.package_description or "unknown size")
        shown_b = str(size_b) if size_b else (scanned.package_description or "unknown size")
        if shown_a != shown_b:
            warnings.append(
                f"Different package size: prescribed package is {shown_a}, this bottle is {shown_b}. "
                "Count the quantity carefully."
            )
    label = "Same product, other package" if kind is Match.SAME_PRODUCT else "Allowed equivalent"
    return MatchResult(kind, prescribed, scanned, f"{label}: {_named(scanned)}.", tuple(warnings))


_EACH = {"", "ea", "each", "un", "count", "ct"}  # a billing 'each': the dosage form says what one is
_UNITS = {"unit", "units", "u", "iu"}  # insulin-style units: the quantity really is in units


def dispensing_unit(quantity: Decimal | int | None, unit: str | None, dosage_form: str | None) -> str:
    """What a quantity is counted out in: '30 tablets', '1 capsule', '150 mL', '1 inhaler', '300 units'.

    The item's quantity unit when it names one ('tablet', 'mL', 'g', 'units' of insulin); when it only
    says 'EA' (each) the product's dosage form tells (``domain/dosage_units``: 'TABLET, FILM COATED'
    -> tablets, 'SUSPENSION' -> mL, 'AEROSOL, METERED' -> inhaler); 'units' only for a form nobody mapped.
    """
    word = (unit or "").strip()
    key = word.lower()
    if key in ("ml", "milliliter", "milliliters"):
        return "mL"
    if key in ("g", "gm", "gram", "grams"):
        return "g"
    if key in _UNITS:
        return counted("unit", quantity)
    if key not in _EACH:
        one = singular(key)
        return counted(one, quantity) if one in PIECE_UNITS else word
    return counted(form_unit(dosage_form) or "unit", quantity)


def quantity_text(quantity: Decimal | int | None, unit: str | None, dosage_form: str | None) -> str:
    """A quantity as a person counts it: '30 tablets', '150 mL', '1 capsule' (never '30 EA')."""
    if quantity is None:
        return ""
    return f"{format_quantity(Decimal(quantity))} {dispensing_unit(quantity, unit, dosage_form)}"
