"""Import the FDA NDC Directory into the medication catalog, in one transaction.

Rows stream from the files into TEMP staging tables with COPY, then set-based upserts write
``drug_products`` (one per PRODUCTID) and ``medications`` (one per package NDC). Nothing is
deleted: packages of the same catalog source that left the file, or whose marketing ended, are
marked inactive with a discontinuation date, because prescriptions point at them. Any failure
rolls the whole import back, so the previous catalog stays as it was.

A damaged file looks like a catalog that shrank: a truncated ``package.txt`` would mark every
package after the cut inactive, and every fill would then warn "discontinued". So an import that
would deactivate more than :data:`MAX_DEACTIVATE_SHARE` of the active catalog, or that had to
reject rows, is refused (rolled back, with the numbers) unless the caller says so
(``allow_deactivate`` / ``partial``); a file with no packages at all is never imported.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterator

import psycopg
from sqlalchemy.engine import Engine

from pharmacy_desktop.catalog import fields
from pharmacy_desktop.catalog.fda import (
    LAYOUT_FINISHED,
    CatalogFiles,
    CatalogFormatError,
    PackageRow,
    ProductRow,
    Rejection,
    read_packages,
    read_products,
)
from pharmacy_desktop.db.unit_of_work import CHANGE_CHANNEL
from pharmacy_desktop.errors import PharmacyError

# progress(phase, done, total): "reading" counts bytes of both files, "saving" database steps.
Progress = Callable[[str, int, int], None]

SOURCE_FINISHED = "fda-finished"
SOURCE_UNFINISHED = "fda-unfinished"
_LOCK_KEY = 0x5048_4341_5441  # one import at a time across workstations ("PHCATA")
_EVENT_NAMESPACE = uuid.UUID("1b0e7a52-4c0e-4c59-9d2b-6f1c3a0c7d11")
# More than this share of the active packages of a catalog source going inactive in one import
# is far more than FDA's weekly churn: a cut or wrong file, until the person says otherwise.
MAX_DEACTIVATE_SHARE = Decimal("0.05")


@dataclass(frozen=True)
class ImportSummary:
    added: int
    updated: int
    deactivated: int
    rejected: list[Rejection]
    elapsed: float
    catalog_source: str = ""
    packages_read: int = 0
    products_added: int = 0
    products_updated: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


class ImportRefused(PharmacyError):
    """The import was rolled back because it looked like a damaged file; nothing changed.

    ``rejected`` are the rows that could not be used, ``deactivated`` of ``active_before``
    active packages would have been marked inactive.
    """

    def __init__(self, message: str, *, rejected: list[Rejection], deactivated: int,
                 active_before: int, packages_read: int):
        super().__init__(message)
        self.rejected = rejected
        self.deactivated = deactivated
        self.active_before = active_before
        self.packages_read = packages_read


_STAGE_SQL = """
CREATE TEMP TABLE stage_product (
    line integer NOT NULL,
    fda_product_id text NOT NULL,
    product_ndc text NOT NULL,
    product_type text, proprietary_name text, proprietary_name_suffix text,
    nonproprietary_name text, dosage_form text, route text,
    marketing_start_date date, marketing_end_date date,
    marketing_category text, application_number text, labeler_name text, substance_name text,
    active_numerator_strength text, active_ingredient_unit text, pharm_classes text,
    dea_raw text, ndc_exclude_flag text, listing_certified_through date,
    drug_name text NOT NULL, brand_name text, generic_name text, strength text,
    med_dosage_form text, med_route text, manufacturer text, dea_schedule text,
    is_generic boolean NOT NULL, pharmacologic_class text, therapeutic_class text,
    active_ingredients jsonb
) ON COMMIT DROP;
CREATE TEMP TABLE stage_package (
    line integer NOT NULL,
    fda_product_id text NOT NULL,
    package_ndc text NOT NULL,
    ndc_key text NOT NULL,
    description text,
    marketing_start_date date,
    marketing_end_date date,
    skip boolean NOT NULL DEFAULT false
) ON COMMIT DROP;
"""

_PRODUCT_COPY = (
    "COPY stage_product (line, fda_product_id, product_ndc, product_type, proprietary_name, "
    "proprietary_name_suffix, nonproprietary_name, dosage_form, route, marketing_start_date, "
    "marketing_end_date, marketing_category, application_number, labeler_name, substance_name, "
    "active_numerator_strength, active_ingredient_unit, pharm_classes, dea_raw, ndc_exclude_flag, "
    "listing_certified_through, drug_name, brand_name, generic_name, strength, med_dosage_form, "
    "med_route, manufacturer, dea_schedule, is_generic, pharmacologic_class, therapeutic_class, "
    "active_ingredients) FROM STDIN"
)
_PACKAGE_COPY = (
    "COPY stage_package (line, fda_product_id, package_ndc, ndc_key, description, "
    "marketing_start_date, marketing_end_date) FROM STDIN"
)

_DUPLICATE_PRODUCTS = """
DELETE FROM stage_product s USING (
    SELECT line, min(line) OVER (PARTITION BY fda_product_id) AS first_line
    FROM stage_product
    WHERE fda_product_id IN (
        SELECT fda_product_id FROM stage_product GROUP BY 1 HAVING count(*) > 1)
) d
WHERE s.line = d.line AND d.line <> d.first_line
RETURNING s.line, s.fda_product_id, d.first_line
"""

_ORPHAN_PACKAGES = """
UPDATE stage_package p SET skip = true
WHERE NOT EXISTS (SELECT 1 FROM stage_product s WHERE s.fda_product_id = p.fda_product_id)
RETURNING p.line, p.package_ndc, p.fda_product_id
"""

# the package's own end date, else its product's
_END = "coalesce(p.marketing_end_date, s.marketing_end_date)"
_ACTIVE = f"({_END} IS NULL OR {_END} > %(today)s)"

_DUPLICATE_PACKAGES = f"""
WITH ranked AS (
    SELECT p.line, first_value(p.line) OVER w AS kept_line,
           first_value(p.fda_product_id) OVER w AS kept_product, row_number() OVER w AS rn
    FROM stage_package p JOIN stage_product s USING (fda_product_id)
    WHERE NOT p.skip AND p.ndc_key IN (
        SELECT ndc_key FROM stage_package WHERE NOT skip GROUP BY 1 HAVING count(*) > 1)
    WINDOW w AS (PARTITION BY p.ndc_key
                 ORDER BY {_ACTIVE} DESC, s.listing_certified_through DESC NULLS LAST, p.line)
)
UPDATE stage_package p SET skip = true FROM ranked r
WHERE p.line = r.line AND r.rn > 1
RETURNING p.line, p.package_ndc, p.fda_product_id, r.kept_line, r.kept_product
"""

def _distinct(a: str, b: str, columns: tuple[str, ...]) -> str:
    return (
        f"({', '.join(f'{a}.{c}' for c in columns)}) IS DISTINCT FROM "
        f"({', '.join(f'{b}.{c}' for c in columns)})"
    )


_PRODUCT_COLUMNS = (
    "product_ndc", "product_type", "proprietary_name", "proprietary_name_suffix",
    "nonproprietary_name", "dosage_form", "route", "marketing_start_date", "marketing_end_date",
    "marketing_category", "application_number", "labeler_name", "substance_name",
    "active_numerator_strength", "active_ingredient_unit", "pharm_classes", "dea_schedule",
    "ndc_exclude_flag", "listing_certified_through", "catalog_source", "is_active",
)
# Unchanged rows are filtered out before the upsert: ON CONFLICT would lock (and so rewrite)
# every one of them even when its WHERE says there is nothing to update.
_UPSERT_PRODUCTS = f"""
WITH src AS (
    SELECT fda_product_id, product_ndc, product_type, proprietary_name, proprietary_name_suffix,
           nonproprietary_name, dosage_form, route, marketing_start_date, marketing_end_date,
           marketing_category, application_number, labeler_name, substance_name,
           active_numerator_strength, active_ingredient_unit, pharm_classes,
           dea_raw AS dea_schedule, ndc_exclude_flag, listing_certified_through,
           %(source)s::varchar AS catalog_source,
           (marketing_end_date IS NULL OR marketing_end_date > %(today)s) AS is_active
    FROM stage_product
), changed AS (
    SELECT src.* FROM src
    LEFT JOIN prescription_schema.drug_products d ON d.fda_product_id = src.fda_product_id
    WHERE d.id IS NULL OR {_distinct("d", "src", _PRODUCT_COLUMNS)}
), up AS (
    INSERT INTO prescription_schema.drug_products AS d (fda_product_id, {", ".join(_PRODUCT_COLUMNS)})
    SELECT fda_product_id, {", ".join(_PRODUCT_COLUMNS)} FROM changed
    ON CONFLICT (fda_product_id) DO UPDATE SET
        {", ".join(f"{c} = EXCLUDED.{c}" for c in _PRODUCT_COLUMNS)}, updated_at = now()
    WHERE {_distinct("d", "EXCLUDED", _PRODUCT_COLUMNS)}
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up
"""

_MISSING_PRODUCTS = """
UPDATE prescription_schema.drug_products d SET is_active = false, updated_at = now()
WHERE d.catalog_source = %(source)s AND d.is_active
  AND NOT EXISTS (SELECT 1 FROM stage_product s WHERE s.fda_product_id = d.fda_product_id)
"""

# new packages, and known active packages whose marketing end date has now passed
_PACKAGE_COUNTS = f"""
SELECT count(*) FILTER (WHERE m.id IS NULL),
       count(*) FILTER (WHERE m.id IS NOT NULL AND m.is_active IS NOT FALSE AND NOT {_ACTIVE}),
       (SELECT count(*) FROM prescription_schema.medications)
FROM stage_package p
JOIN stage_product s USING (fda_product_id)
LEFT JOIN prescription_schema.medications m ON m.ndc_code = p.ndc_key
WHERE NOT p.skip
"""

_MEDICATION_COLUMNS = (
    "drug_name", "generic_name", "brand_name", "strength", "dosage_form", "route", "manufacturer",
    "is_controlled_substance", "dea_schedule", "is_generic", "therapeutic_class",
    "pharmacologic_class", "is_active", "product_id", "package_ndc", "package_description",
    "marketing_start_date", "marketing_end_date", "active_ingredients", "catalog_source",
)
_UPSERT_MEDICATIONS = f"""
WITH src AS (
    SELECT p.ndc_key AS ndc_code, s.drug_name, s.generic_name, s.brand_name, s.strength,
           s.med_dosage_form AS dosage_form, s.med_route AS route, s.manufacturer,
           s.dea_schedule IS NOT NULL AS is_controlled_substance, s.dea_schedule, s.is_generic,
           s.therapeutic_class, s.pharmacologic_class, {_ACTIVE} AS is_active, d.id AS product_id,
           p.package_ndc::varchar AS package_ndc, p.description AS package_description,
           coalesce(p.marketing_start_date, s.marketing_start_date) AS marketing_start_date,
           {_END} AS marketing_end_date, s.active_ingredients,
           %(source)s::varchar AS catalog_source,
           CASE WHEN NOT {_ACTIVE} THEN {_END} END AS discontinuation_date
    FROM stage_package p
    JOIN stage_product s USING (fda_product_id)
    JOIN prescription_schema.drug_products d ON d.fda_product_id = s.fda_product_id
    WHERE NOT p.skip
), changed AS (
    SELECT src.* FROM src
    LEFT JOIN prescription_schema.medications m ON m.ndc_code = src.ndc_code
    WHERE m.id IS NULL OR {_distinct("m", "src", _MEDICATION_COLUMNS)}
), up AS (
    INSERT INTO prescription_schema.medications AS m
        (ndc_code, {", ".join(_MEDICATION_COLUMNS)}, discontinuation_date)
    SELECT ndc_code, {", ".join(_MEDICATION_COLUMNS)}, discontinuation_date FROM changed
    ON CONFLICT (ndc_code) DO UPDATE SET
        {", ".join(f"{c} = EXCLUDED.{c}" for c in _MEDICATION_COLUMNS)},
        discontinuation_date = CASE WHEN EXCLUDED.is_active THEN NULL
            ELSE coalesce(EXCLUDED.discontinuation_date, m.discontinuation_date, %(today)s) END,
        updated_at = now()
    WHERE {_distinct("m", "EXCLUDED", _MEDICATION_COLUMNS)}
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up
"""

# A first load (the catalog at least doubles) is faster with the secondary indexes built once
# at the end than maintained row by row (the trigram index above all), and with the product key
# checked once by one join instead of by a trigger per row; all of it writes far less WAL. It
# locks the table until commit, which an empty catalog does not mind. Re-imports that add less
# than the catalog holds keep everything in place and never block readers. The unique NDC key
# stays: the upsert needs it.
BULK_MIN_NEW = 20_000
_BULK_INDEXES = """
SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = 'prescription_schema.medications'::regclass AND NOT i.indisunique
"""
_BULK_CONSTRAINTS = """
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
WHERE conrelid = 'prescription_schema.medications'::regclass AND contype = 'f'
"""

_MISSING_PACKAGES = """
UPDATE prescription_schema.medications m
SET is_active = false, discontinuation_date = coalesce(m.discontinuation_date, %(today)s),
    updated_at = now()
WHERE m.catalog_source = %(source)s AND m.is_active IS NOT FALSE
  AND NOT EXISTS (SELECT 1 FROM stage_package p WHERE p.ndc_key = m.ndc_code)
"""

# through the audit function (revision 0008): the application role may not insert events directly
_EVENT = """
SELECT audit_schema.record_event(gen_random_uuid(), 'CatalogImported', 'catalog', %(aggregate)s, %(data)s::jsonb)
"""


def import_catalog(
    url_or_engine: str | Engine,
    path: str | Path,
    *,
    progress: Progress | None = None,
    deactivate_missing: bool = True,
    source: str | None = None,
    today: dt.date | None = None,
    allow_deactivate: bool = False,
    partial: bool = False,
) -> ImportSummary:
    """Import ``product.txt`` + ``package.txt`` (folder or zip) into the catalog; re-runnable.

    ``source`` overrides the catalog family told by the layout ("fda-finished" or
    "fda-unfinished"); ``today`` decides which marketing end dates have passed.
    Raises :class:`ImportRefused` (everything rolled back) when the import would deactivate
    more than :data:`MAX_DEACTIVATE_SHARE` of the active packages unless ``allow_deactivate``,
    or when rows were rejected unless ``partial``; ``CatalogFormatError`` for files that cannot
    be imported at all (no packages, a damaged zip, a missing column).
    """
    started = time.perf_counter()
    today = today or dt.date.today()
    with CatalogFiles(path) as files, _connection(url_or_engine) as conn:
        try:
            summary = _import(conn, files, progress, deactivate_missing, source, today)
            _check(summary, files, allow_deactivate=allow_deactivate, partial=partial)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
    return ImportSummary(**{**summary, "elapsed": time.perf_counter() - started})


@contextlib.contextmanager
def _connection(url_or_engine: str | Engine) -> Iterator[psycopg.Connection]:
    if isinstance(url_or_engine, Engine):
        fairy = url_or_engine.raw_connection()
        try:
            yield fairy.driver_connection
        finally:
            fairy.close()
        return
    from pharmacy_desktop.db import connect

    with connect.connect(str(url_or_engine)) as conn:  # the one connection factory: sslmode applies
        yield conn


class _Clock:
    """Seconds per step, reported in ``ImportSummary.extra['timings']`` (see docs/BENCHMARKS.md)."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(now - self._last, 3)
        self._last = now


_SAVING_STEPS = 6


def _import(
    conn: psycopg.Connection,
    files: CatalogFiles,
    progress: Progress | None,
    deactivate_missing: bool,
    source: str | None,
    today: dt.date,
) -> dict[str, Any]:
    report: Progress = progress or (lambda phase, done, total: None)
    clock = _Clock()
    with conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        cur.execute("SET LOCAL work_mem = '64MB'")
        # JIT compiles for hundreds of milliseconds and these statements run once
        cur.execute("SET LOCAL jit = off")
        # Statistics lag behind rows written earlier in this transaction (a new catalog source
        # looks like 1 row), and a nested loop over thousands of rows then takes seconds; every
        # join here is a bulk set operation, which hash joins do well.
        cur.execute("SET LOCAL enable_nestloop = off")
        cur.execute(_STAGE_SQL)
        rejected, packages_read = _stage(cur, files, report)
        _require_rows(cur, files, packages_read, rejected)
        source = source or (SOURCE_FINISHED if files.layout == LAYOUT_FINISHED else SOURCE_UNFINISHED)
        params = {"source": source, "today": today}
        active_before = cur.execute(_ACTIVE_COUNT, params).fetchone()[0]
        clock.lap("read_and_copy")
        report("saving", 0, _SAVING_STEPS)

        rejected += _set_aside(cur, params, files)
        kept = cur.execute("SELECT count(*) FROM stage_package WHERE NOT skip").fetchone()[0]
        clock.lap("checks")
        report("saving", 1, _SAVING_STEPS)

        products_added, products_updated = cur.execute(_UPSERT_PRODUCTS, params).fetchone()
        if deactivate_missing:
            cur.execute(_MISSING_PRODUCTS, params)
        clock.lap("products")
        report("saving", 2, _SAVING_STEPS)

        added, updated, ended = _write_packages(conn, cur, params, clock)
        report("saving", 4, _SAVING_STEPS)
        missing = cur.execute(_MISSING_PACKAGES, params).rowcount if deactivate_missing else 0
        clock.lap("deactivate")
        if added or updated:  # new names for typo correction; readers keep the old list meanwhile
            cur.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY prescription_schema.drug_words")
            clock.lap("words")
        report("saving", 5, _SAVING_STEPS)

        rejected.sort(key=lambda r: ("package" in r.reason.split(" ", 1)[0], r.line))
        result = {
            "added": added,
            "updated": updated,
            "deactivated": ended + missing,
            "rejected": rejected,
            "catalog_source": source,
            "packages_read": packages_read,
            "products_added": products_added,
            "products_updated": products_updated,
            "extra": {"timings": clock.timings, "active_before": active_before, "packages_kept": kept},
        }
        _announce(cur, result, files, source)
        report("saving", _SAVING_STEPS, _SAVING_STEPS)
    return result


# the active packages this import could deactivate: its source's, and any the file lists
_ACTIVE_COUNT = """
SELECT count(*) FROM prescription_schema.medications m
WHERE m.is_active IS NOT FALSE AND (m.catalog_source = %(source)s
      OR EXISTS (SELECT 1 FROM stage_package p WHERE p.ndc_key = m.ndc_code))
"""


def _require_rows(cur: psycopg.Cursor, files: CatalogFiles, packages: int, rejected: list[Rejection]) -> None:
    """A file without a single usable product or package is damage, never a catalog."""
    products = cur.execute("SELECT count(*) FROM stage_product").fetchone()[0]
    for count, name in ((products, files.product_name), (packages, files.package_name)):
        if not count:
            why = f"all {len(rejected)} rows were rejected" if rejected else "it holds only a header"
            raise CatalogFormatError(
                f"{files.path}: no usable row in {name} ({why}); nothing was imported. "
                "Download the NDC Directory again and import the complete files."
            )


def _check(summary: dict[str, Any], files: CatalogFiles, *, allow_deactivate: bool, partial: bool) -> None:
    """Refuse (the caller rolls back) an import that looks like a damaged file; the message
    gives the numbers and the option that accepts them."""
    rejected: list[Rejection] = summary["rejected"]
    deactivated, active = summary["deactivated"], summary["extra"]["active_before"]
    problems = []
    if deactivated and not allow_deactivate and deactivated > MAX_DEACTIVATE_SHARE * active:
        share = Decimal(deactivated * 100) / active
        problems.append(
            f"it would mark {deactivated:,} of the {active:,} active packages inactive ({share:.1f} %, "
            f"more than {MAX_DEACTIVATE_SHARE * 100:.0f} %): they are missing from {files.package_name} "
            "or their marketing has ended. A truncated or wrong file looks like this. If the packages "
            "really left the directory, run the import again with --allow-deactivate"
        )
    if rejected and not partial:
        first = rejected[0].reason
        problems.append(
            f"{len(rejected):,} row(s) could not be used (first: {first}). Fix or download the files "
            f"again, or run the import again with --partial to import the "
            f"{summary['extra']['packages_kept']:,} good packages and skip these rows"
        )
    if problems:
        raise ImportRefused(
            f"Catalog import from {files.path} refused, nothing was changed: " + "; and ".join(problems) + ".",
            rejected=rejected, deactivated=deactivated, active_before=active,
            packages_read=summary["packages_read"],
        )


def _stage(cur: psycopg.Cursor, files: CatalogFiles, report: Progress) -> tuple[list[Rejection], int]:
    """Stream both files into the staging tables; the rows that could not be read."""
    rejected: list[Rejection] = []
    total = files.product_bytes + files.package_bytes
    with cur.copy(_PRODUCT_COPY) as copy:
        for row in read_products(files.product_reader(), lambda done, _: report("reading", done, total)):
            if isinstance(row, Rejection):
                rejected.append(row)
            else:
                copy.write_row(_product_values(row))
    packages = 0
    on_bytes = lambda done, _: report("reading", files.product_bytes + done, total)  # noqa: E731
    with cur.copy(_PACKAGE_COPY) as copy:
        for pkg in read_packages(files.package_reader(), on_bytes):
            if isinstance(pkg, Rejection):
                rejected.append(pkg)
            else:
                packages += 1
                copy.write_row(_package_values(pkg))
    return rejected, packages


def _set_aside(cur: psycopg.Cursor, params: dict[str, Any], files: CatalogFiles) -> list[Rejection]:
    """Duplicate products, packages without a product, duplicate package NDCs: kept out, reported."""
    products, packages = files.product_name, files.package_name
    out = [
        Rejection(line, f"{products} line {line}: duplicate PRODUCTID {product_id} "
                        f"(first at line {first}); skipped")
        for line, product_id, first in cur.execute(_DUPLICATE_PRODUCTS).fetchall()
    ]
    out += [
        Rejection(line, f"{packages} line {line}: package {ndc} belongs to PRODUCTID {product_id}, "
                        f"which is not in {products} (or was rejected); skipped")
        for line, ndc, product_id in cur.execute(_ORPHAN_PACKAGES).fetchall()
    ]
    out += [
        Rejection(line, f"{packages} line {line}: duplicate package NDC {ndc} (PRODUCTID {product_id}); "
                        f"kept line {kept_line} (PRODUCTID {kept_product})")
        for line, ndc, product_id, kept_line, kept_product in cur.execute(_DUPLICATE_PACKAGES, params).fetchall()
    ]
    return out


def _write_packages(
    conn: psycopg.Connection, cur: psycopg.Cursor, params: dict[str, Any], clock: _Clock
) -> tuple[int, int, int]:
    """Upsert the staged packages: ``(added, updated, deactivated by an ended marketing date)``."""
    new_rows, ended, existing = cur.execute(_PACKAGE_COUNTS, params).fetchone()
    rebuild = _drop_for_bulk(conn, cur) if new_rows >= BULK_MIN_NEW and new_rows > existing else []
    clock.lap("package_counts")
    added, updated = cur.execute(_UPSERT_MEDICATIONS, params).fetchone()
    clock.lap("upsert_medications")
    if rebuild:
        cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for statement in rebuild:
            cur.execute(statement)
        clock.lap("rebuild")
    return added, updated, ended


def _announce(cur: psycopg.Cursor, result: dict[str, Any], files: CatalogFiles, source: str) -> None:
    """A domain event for the audit trail, and a change notice for the other workstations."""
    event = {k: v for k, v in result.items() if k not in ("rejected", "extra")}
    event.update(rejected=len(result["rejected"]), file=str(files.path))
    cur.execute(_EVENT, {"aggregate": uuid.uuid5(_EVENT_NAMESPACE, source), "data": json.dumps(event)})
    notice = json.dumps({"topic": "catalog", "source": source})
    cur.execute("SELECT pg_notify(%s, %s)", (CHANGE_CHANNEL, notice))


# Generic products repeat the same names, ingredients and classes thousands of times; bounded
# caches keep the derivation cheap without letting memory grow with the file.
@functools.lru_cache(maxsize=8192)
def _names(proprietary: str | None, suffix: str | None, generic: str | None) -> tuple[Any, ...]:
    names = fields.medication_names(proprietary, suffix, generic)
    return (
        fields.shorten(names.drug_name, 255),
        fields.shorten(names.brand_name, 255),
        fields.shorten(names.generic_name, 255),
        names.is_generic,
    )


@functools.lru_cache(maxsize=8192)
def _strength(substances: str | None, strengths: str | None, units: str | None) -> tuple[str | None, str | None]:
    items = fields.ingredients(substances, strengths, units)
    as_json = json.dumps([item._asdict() for item in items], ensure_ascii=False) if items else None
    return fields.strength_text(items, 50), as_json


@functools.lru_cache(maxsize=8192)
def _classes(pharm_classes: str | None) -> tuple[str | None, str | None]:
    return fields.pharm_class_fields(pharm_classes)


@functools.lru_cache(maxsize=8192)
def _text_fields(form: str | None, route: str | None, labeler: str | None) -> tuple[str | None, ...]:
    return fields.shorten(form, 50, ", "), fields.shorten(route, 50, "; "), fields.manufacturer_name(labeler, 255)


def _drop_for_bulk(conn: psycopg.Connection, cur: psycopg.Cursor) -> list[str]:
    """Drop what a bulk load rebuilds; returns the statements that restore it exactly, or []
    (everything kept) if this database user may not."""
    indexes = cur.execute(_BULK_INDEXES).fetchall()
    constraints = cur.execute(_BULK_CONSTRAINTS).fetchall()
    try:
        with conn.transaction():
            for name, _ in indexes:
                cur.execute(f'DROP INDEX prescription_schema."{name}"')
            for name, _ in constraints:
                cur.execute(f'ALTER TABLE prescription_schema.medications DROP CONSTRAINT "{name}"')
    except psycopg.errors.InsufficientPrivilege:
        return []
    return [definition for _, definition in indexes] + [
        f'ALTER TABLE prescription_schema.medications ADD CONSTRAINT "{name}" {definition}'
        for name, definition in constraints
    ]


def _product_values(row: ProductRow) -> tuple[Any, ...]:
    drug_name, brand_name, generic_name, is_generic = _names(
        row.proprietary_name, row.proprietary_name_suffix, row.nonproprietary_name
    )
    strength, ingredients_json = _strength(
        row.substance_name, row.active_numerator_strength, row.active_ingredient_unit
    )
    pharmacologic, therapeutic = _classes(row.pharm_classes)
    form, route, manufacturer = _text_fields(row.dosage_form, row.route, row.labeler_name)
    return (
        *row,
        drug_name, brand_name, generic_name, strength, form, route, manufacturer,
        fields.dea_roman(row.dea_schedule), is_generic, pharmacologic, therapeutic, ingredients_json,
    )


def _package_values(row: PackageRow) -> tuple[Any, ...]:
    return (
        row.line, row.product_id, row.package_ndc, row.ndc_key, row.description,
        row.start_date, row.end_date,
    )
