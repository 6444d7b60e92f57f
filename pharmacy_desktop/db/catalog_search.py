"""The catalog search's SQL (services/drug_search.py decides what to search for; docs/BENCHMARKS.md
has the numbers): name conditions over ``medications.search_text``, pg_trgm spellings over the
``drug_words`` materialized view, NDC and product-NDC look-ups."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.orm import Session

from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory

T = TypeVar("T")
# Ranking computes word similarity per row, the dominant cost: "tab" matches most of the
# catalog. At most this many matching rows are ranked.
CANDIDATES = 500

# For each word: whether some catalog word contains it, and up to three most similar catalog
# words above pg_trgm's similarity threshold (0.3), one row each.
_SPELLINGS = text(
    "SELECT t.word, EXISTS (SELECT 1 FROM prescription_schema.drug_words d"
    "  WHERE d.word LIKE '%' || t.word || '%') AS known, s.word AS similar, s.score"
    " FROM unnest(CAST(:words AS text[])) AS t(word)"
    " LEFT JOIN LATERAL (SELECT d.word, similarity(d.word, t.word) AS score"
    "  FROM prescription_schema.drug_words d WHERE d.word % t.word"
    "  ORDER BY score DESC, d.word LIMIT 3) s ON true"
)
_COLUMNS = (
    "m.id, m.ndc_code, m.package_ndc, m.drug_name, m.brand_name, m.generic_name, m.strength, "
    "m.dosage_form, m.route, m.package_description, m.manufacturer, m.dea_schedule, m.is_active, "
    "m.active_ingredients"
)


class CatalogSearchQueries:
    """The search's queries on one session; rows carry the medication columns plus ``score``."""

    def __init__(self, session: Session):
        self.session = session

    def by_name(self, choices: list[list[str]], limit: int) -> list[Any]:
        """Rows where every token matches one of its spellings (``[[word], ...]`` without typos)."""
        return self._rows(*_name_query(choices, limit))

    def spellings(self, words: list[str]) -> list[tuple[str, bool, str | None, float | None]]:
        """(word, some catalog word contains it, a similar catalog word or None, its similarity)."""
        return [tuple(r) for r in self.session.execute(_SPELLINGS, {"words": words})]

    def by_product_ndc(self, product_ndc: str, limit: int) -> list[Any]:
        """Every package of a product NDC ("0071-0157"), active first."""
        sql = (
            f"SELECT {_COLUMNS}, 1.0 AS score FROM prescription_schema.medications m "
            "WHERE m.package_ndc LIKE :prefix "
            "ORDER BY m.is_active IS NOT FALSE DESC, m.package_ndc LIMIT :limit"
        )
        return self._rows(sql, {"prefix": product_ndc + "-%", "limit": limit})

    def by_ndc_keys(self, keys: list[str], limit: int) -> list[Any]:
        sql = (
            f"SELECT {_COLUMNS}, 1.0 AS score FROM prescription_schema.medications m "
            "WHERE m.ndc_code = ANY(:keys) "
            "ORDER BY m.is_active IS NOT FALSE DESC, m.ndc_code LIMIT :limit"
        )
        return self._rows(sql, {"keys": keys, "limit": limit})

    def refresh_drug_words(self) -> None:
        self.session.execute(text("REFRESH MATERIALIZED VIEW CONCURRENTLY prescription_schema.drug_words"))

    def _rows(self, sql: str, params: dict[str, Any]) -> list[Any]:
        return list(self.session.execute(text(sql), params))


def _name_query(choices: list[list[str]], limit: int) -> tuple[str, dict[str, Any]]:
    params: dict[str, Any] = {"q": " ".join(c[0] for c in choices), "limit": limit}
    conditions = []
    for i, spellings in enumerate(choices):
        alternatives = []
        for j, token in enumerate(spellings):
            key = f"t{i}_{j}"
            if _is_number(token):
                # a whole number: not preceded or followed by a digit or a decimal point
                params[key] = rf"(^|[^0-9.]){re.escape(token)}($|[^0-9]|\.[^0-9])"
                alternatives.append(f"m.search_text ~ :{key}")
            else:
                params[key] = f"%{token}%"
                alternatives.append(f"m.search_text ILIKE :{key}")
        conditions.append(alternatives[0] if len(alternatives) == 1 else f"({' OR '.join(alternatives)})")
    sql = (
        f"SELECT {_COLUMNS}, word_similarity(:q, m.search_text) AS score FROM ("
        f"SELECT * FROM prescription_schema.medications m WHERE {' AND '.join(conditions)} LIMIT :cap"
        ") m "
        "ORDER BY m.is_active IS NOT FALSE DESC, score DESC, length(m.search_text), "
        "m.drug_name, m.strength, m.ndc_code "
        "LIMIT :limit"
    )
    params["cap"] = CANDIDATES
    return sql, params


def _is_number(token: str) -> bool:
    return token[0].isdigit()


def with_search_queries(target: Any, work: Callable[[CatalogSearchQueries], T]) -> T:
    """Run ``work`` on a session of ``target``: a Session, a unit of work (open, or opened here),
    a unit-of-work factory, or a sessionmaker."""
    if isinstance(target, Session):
        return work(CatalogSearchQueries(target))
    if isinstance(target, UnitOfWork):
        if target.session is not None:
            return work(CatalogSearchQueries(target.session))
        with target as uow:
            return work(CatalogSearchQueries(uow.active_session))
    if isinstance(target, UnitOfWorkFactory):
        with target() as uow:
            return work(CatalogSearchQueries(uow.active_session))
    with target() as session:  # a sessionmaker
        return work(CatalogSearchQueries(session))
