"""Find catalog packages by brand or generic name fragments and strength ("atorv 10").

Every word must match ``medications.search_text`` (brand, generic, strength, form, lower-cased):
letters as a substring (ILIKE, served by the trigram index), numbers as a whole number (so "10"
is not "100"). When nothing matches, each letter word that is no part of any catalog word
stands for its most similar catalog words (pg_trgm similarity over the ``drug_words``
materialized view, a few thousand words), and the search runs once more: "atorvastatn",
"metfromin" and "zolpdem" find their drugs. Active packages come first, then the closest names.
Text that looks like an NDC or barcode goes to the NDC path instead (a product NDC such as
``0071-0157`` lists its packages).

Limits that keep every search fast at 300,000 packages (docs/BENCHMARKS.md): a query needs one
word of at least three letters; at most CANDIDATES (db/catalog_search.py) matching rows are ranked.

Why not ``<%`` (word similarity) over the packages, as first planned: its recheck costs ~20 us a
row, so a typo that matched nothing scanned thousands of rows (33 ms at 300,000 packages), and
its 0.6 threshold missed short names ("zolpdem" is 0.55 from zolpidem, "metfromin" 0.43).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, fields
from typing import Any

from pharmacy_desktop.db.catalog_search import CatalogSearchQueries, with_search_queries
from pharmacy_desktop.domain.barcodes import parse_scan
from pharmacy_desktop.domain.drug_names import drug_display_name
from pharmacy_desktop.domain.gs1 import GS, InvalidScan
from pharmacy_desktop.domain.product_names import strength_of

_TOKEN = re.compile(r"\d+(?:\.\d+)?|\.\d+|[^\W\d_]+")
_NDC_LIKE = re.compile(r"^[\d\s\-\u2010-\u2015\u2212]+$")
_PRODUCT_NDC = re.compile(r"^(\d{4,5})-(\d{3,4})$")
_MAX_TOKENS = 8
MIN_WORD = 3  # a query needs one word this long: shorter ones have no trigram to use the index

# A misspelling can itself be a catalog word (FDA lists "amoxicilin trihydrate"): a known word
# also tries its close variants. An unknown word tries the suggestions near the best one.
CLOSE_VARIANT = 0.6
NEAR_BEST = 0.8
_MIN_TYPO = 4  # "cap", "tab", "inj": form abbreviations, not typos


def product_title(drug_name: str | None, strength: str | None, dosage_form: str | None) -> str:
    """How a catalog product is named on screen and in messages: 'Lisinopril 20 mg tablet'
    (``domain/drug_names``)."""
    return drug_display_name(drug_name, strength, dosage_form)


@dataclass(frozen=True)
class CatalogProduct:
    """A package of the catalog as the screens show it (a search hit, the lookup's details)."""

    medication_id: uuid.UUID | None
    ndc11: str
    package_ndc: str | None
    drug_name: str
    brand_name: str | None
    generic_name: str | None
    strength: str | None
    dosage_form: str | None
    route: str | None
    package_description: str | None
    manufacturer: str | None
    dea_schedule: str | None
    is_active: bool

    @property
    def title(self) -> str:
        return product_title(self.drug_name, self.strength, self.dosage_form)

    def catalog_fields(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(CatalogProduct)}


@dataclass(frozen=True)
class DrugHit(CatalogProduct):
    score: float


def search_drugs(session_or_uow: Any, query: str, limit: int = 25) -> list[DrugHit]:
    """Packages matching ``query``, active first, best match first; [] for blank text."""
    query = (query or "").strip()
    if not query or limit <= 0:
        return []
    if _looks_like_code(query):
        return [_hit(r) for r in with_search_queries(session_or_uow, lambda q: _search_ndc(q, query, limit))]
    tokens = _tokens(query)
    if not any(not _is_number(t) and len(t) >= MIN_WORD for t in tokens):
        return []

    def search(queries: CatalogSearchQueries) -> list[Any]:
        rows = queries.by_name([[t] for t in tokens], limit)
        if rows:
            return rows
        choices = _spellings(queries, tokens)
        if choices == [[t] for t in tokens]:
            return []
        return queries.by_name(choices, limit)

    return [_hit(r) for r in with_search_queries(session_or_uow, search)]


def refresh_drug_words(session_or_uow: Any) -> None:
    """Rebuild the typo-correction word list after medications were added outside the catalog
    import (which refreshes it itself); readers keep the old list until the caller commits."""
    with_search_queries(session_or_uow, lambda q: q.refresh_drug_words())


def _spellings(queries: CatalogSearchQueries, tokens: list[str]) -> list[list[str]]:
    """Per token, the catalog words it may have meant, best first: itself if some catalog word
    contains it, then similar catalog words (letter words of 4+ characters; numbers as typed)."""
    words = [t for t in tokens if not _is_number(t) and len(t) >= _MIN_TYPO]
    known: dict[str, bool] = {}
    similar: dict[str, list[tuple[str, float]]] = {}
    for word, is_known, other, score in queries.spellings(words):
        known[word] = is_known
        if other is not None and score is not None and other != word:
            similar.setdefault(word, []).append((other, score))
    choices = []
    for token in tokens:
        if token not in known:
            choices.append([token])
            continue
        found = similar.get(token, [])
        floor = CLOSE_VARIANT if known[token] else (found[0][1] * NEAR_BEST if found else 1.0)
        others = [w for w, score in found if score >= floor]
        choices.append(([token] if known[token] else []) + others or [token])
    return choices


def _looks_like_code(query: str) -> bool:
    if sum(c.isdigit() for c in query) < 8:
        return False
    return bool(_NDC_LIKE.match(query)) or query[0] in "](" or GS in query or query.startswith("01")


def _tokens(query: str) -> list[str]:
    tokens = []
    for token in _TOKEN.findall(query.lower()):
        if token.startswith("."):
            token = "0" + token
        if token not in tokens:
            tokens.append(token)
    return tokens[:_MAX_TOKENS]


def _is_number(token: str) -> bool:
    return token[0].isdigit()


def _search_ndc(queries: CatalogSearchQueries, query: str, limit: int) -> list[Any]:
    compact = query.replace(" ", "")  # not str.split(): Python counts the GS separator as space
    m = _PRODUCT_NDC.match(compact)
    if m:  # a product NDC: every package of it
        return queries.by_product_ndc(compact, limit)
    try:
        scan = parse_scan(query)
    except InvalidScan:
        return []
    keys = list(scan.ndc_candidates) + ([scan.ndc12] if scan.ndc12 else [])
    if not keys:
        return []
    rows = queries.by_ndc_keys(keys, limit)
    if scan.ndc10 and scan.kind != "ndc":  # a barcode: the stored shape must agree
        rows = [r for r in rows if not r.package_ndc or r.package_ndc.replace("-", "") == scan.ndc10]
    return rows


def _hit(row: Any) -> DrugHit:
    return DrugHit(
        medication_id=row.id,
        ndc11=row.ndc_code,
        package_ndc=row.package_ndc,
        drug_name=row.drug_name,
        brand_name=row.brand_name,
        generic_name=row.generic_name,
        strength=strength_of(row),  # each ingredient with its own strength
        dosage_form=row.dosage_form,
        route=row.route,
        package_description=row.package_description,
        manufacturer=row.manufacturer,
        dea_schedule=row.dea_schedule,
        is_active=row.is_active is not False,
        score=float(row.score),
    )
