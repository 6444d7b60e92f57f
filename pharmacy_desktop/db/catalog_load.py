"""The FDA NDC Directory into the catalog tables, in one transaction on one psycopg connection
(services/catalog_import.py decides whether to keep it): rows stream into TEMP staging tables with
COPY, then set-based statements (db/catalog_sql.py) write ``drug_products`` and ``medications``."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any, LiteralString

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
from pharmacy_desktop.db import catalog_sql as sql
from pharmacy_desktop.db.clinical_load import derive_epc_classes
from pharmacy_desktop.db.unit_of_work import CHANGE_CHANNEL

# progress(phase, done, total): "reading" counts bytes of both files, "saving" database steps.
Progress = Callable[[str, int, int], None]

SOURCE_FINISHED = "fda-finished"
SOURCE_UNFINISHED = "fda-unfinished"
_LOCK_KEY = 0x5048_4341_5441  # one import at a time across workstations ("PHCATA")
_EVENT_NAMESPACE = uuid.UUID("1b0e7a52-4c0e-4c59-9d2b-6f1c3a0c7d11")

# A first load (the catalog at least doubles) is faster with the secondary indexes built once
# at the end than maintained row by row (the trigram index above all), and with the product key
# checked once by one join instead of by a trigger per row; all of it writes far less WAL. It
# locks the table until commit, which an empty catalog does not mind. Re-imports that add less
# than the catalog holds keep everything in place and never block readers. The unique NDC key
# stays: the upsert needs it.
BULK_MIN_NEW = 20_000


def load_catalog(
    url_or_engine: str | Engine,
    files: CatalogFiles,
    *,
    progress: Progress | None,
    deactivate_missing: bool,
    source: str | None,
    today: dt.date,
    accept: Callable[[dict[str, Any]], None],
) -> dict[str, Any]:
    """Load ``files`` in one transaction; ``accept(summary)`` raises to roll it all back, otherwise
    it is committed. The summary: added, updated, deactivated, rejected, catalog_source,
    packages_read, products_added, products_updated, extra (timings, active_before, packages_kept)."""
    with _connection(url_or_engine) as conn:
        try:
            summary = _load(conn, files, progress, deactivate_missing, source, today)
            accept(summary)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
    return summary


@contextlib.contextmanager
def _connection(url_or_engine: str | Engine) -> Iterator[psycopg.Connection]:
    if isinstance(url_or_engine, Engine):
        fairy = url_or_engine.raw_connection()
        try:
            driver = fairy.driver_connection
            assert isinstance(driver, psycopg.Connection)  # the psycopg dialect's connection
            yield driver
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


def _load(
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
        cur.execute(sql.STAGE_SQL)
        rejected, packages_read = _stage(cur, files, report)
        _require_rows(cur, files, packages_read, rejected)
        source = source or (SOURCE_FINISHED if files.layout == LAYOUT_FINISHED else SOURCE_UNFINISHED)
        params = {"source": source, "today": today}
        active_before = _one(cur, sql.ACTIVE_COUNT, params)[0]
        clock.lap("read_and_copy")
        report("saving", 0, _SAVING_STEPS)

        rejected += _set_aside(cur, params, files)
        kept = _one(cur, "SELECT count(*) FROM stage_package WHERE NOT skip")[0]
        clock.lap("checks")
        report("saving", 1, _SAVING_STEPS)

        products_added, products_updated = _one(cur, sql.UPSERT_PRODUCTS, params)
        if deactivate_missing:
            cur.execute(sql.MISSING_PRODUCTS, params)
        clock.lap("products")
        report("saving", 2, _SAVING_STEPS)

        added, updated, ended = _write_packages(conn, cur, params, clock)
        report("saving", 4, _SAVING_STEPS)
        missing = cur.execute(sql.MISSING_PACKAGES, params).rowcount if deactivate_missing else 0
        clock.lap("deactivate")
        if added or updated:  # new names for typo correction; readers keep the old list meanwhile
            cur.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY prescription_schema.drug_words")
            clock.lap("words")
            derive_epc_classes(cur)  # the FDA classes of new ingredients into the clinical knowledge
            clock.lap("epc_classes")
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


def _one(cur: psycopg.Cursor, query: LiteralString, params: dict[str, Any] | None = None) -> tuple[Any, ...]:
    """The one row of a query that always returns one (a count, an upsert's tallies)."""
    row = cur.execute(query, params).fetchone()
    if row is None:
        raise RuntimeError("a catalog load query returned no row")
    return row


def _require_rows(cur: psycopg.Cursor, files: CatalogFiles, packages: int, rejected: list[Rejection]) -> None:
    """A file without a single usable product or package is damage, never a catalog."""
    products = _one(cur, "SELECT count(*) FROM stage_product")[0]
    for count, name in ((products, files.product_name), (packages, files.package_name)):
        if not count:
            why = f"all {len(rejected)} rows were rejected" if rejected else "it holds only a header"
            raise CatalogFormatError(
                f"{files.path}: no usable row in {name} ({why}); nothing was imported. "
                "Download the NDC Directory again and import the complete files."
            )


def _stage(cur: psycopg.Cursor, files: CatalogFiles, report: Progress) -> tuple[list[Rejection], int]:
    """Stream both files into the staging tables; the rows that could not be read."""
    rejected: list[Rejection] = []
    total = files.product_bytes + files.package_bytes
    with cur.copy(sql.PRODUCT_COPY) as copy:
        for row in read_products(files.product_reader(), lambda done, _: report("reading", done, total)):
            if isinstance(row, Rejection):
                rejected.append(row)
            else:
                copy.write_row(_product_values(row))
    packages = 0
    on_bytes = lambda done, _: report("reading", files.product_bytes + done, total)  # noqa: E731
    with cur.copy(sql.PACKAGE_COPY) as copy:
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
        Rejection(line, f"{products} line {line}: duplicate PRODUCTID {product_id} (first at line {first}); skipped")
        for line, product_id, first in cur.execute(sql.DUPLICATE_PRODUCTS).fetchall()
    ]
    out += [
        Rejection(
            line,
            f"{packages} line {line}: package {ndc} belongs to PRODUCTID {product_id}, "
            f"which is not in {products} (or was rejected); skipped",
        )
        for line, ndc, product_id in cur.execute(sql.ORPHAN_PACKAGES).fetchall()
    ]
    out += [
        Rejection(
            line,
            f"{packages} line {line}: duplicate package NDC {ndc} (PRODUCTID {product_id}); "
            f"kept line {kept_line} (PRODUCTID {kept_product})",
        )
        for line, ndc, product_id, kept_line, kept_product in cur.execute(sql.DUPLICATE_PACKAGES, params).fetchall()
    ]
    return out


def _write_packages(
    conn: psycopg.Connection, cur: psycopg.Cursor, params: dict[str, Any], clock: _Clock
) -> tuple[int, int, int]:
    """Upsert the staged packages: ``(added, updated, deactivated by an ended marketing date)``."""
    new_rows, ended, existing = _one(cur, sql.PACKAGE_COUNTS, params)
    rebuild = _drop_for_bulk(conn, cur) if new_rows >= BULK_MIN_NEW and new_rows > existing else []
    clock.lap("package_counts")
    added, updated = _one(cur, sql.UPSERT_MEDICATIONS, params)
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
    cur.execute(sql.EVENT, {"aggregate": uuid.uuid5(_EVENT_NAMESPACE, source), "data": json.dumps(event)})
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
    indexes = cur.execute(sql.BULK_INDEXES).fetchall()
    constraints = cur.execute(sql.BULK_CONSTRAINTS).fetchall()
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
        drug_name,
        brand_name,
        generic_name,
        strength,
        form,
        route,
        manufacturer,
        fields.dea_roman(row.dea_schedule),
        is_generic,
        pharmacologic,
        therapeutic,
        ingredients_json,
    )


def _package_values(row: PackageRow) -> tuple[Any, ...]:
    return (
        row.line,
        row.product_id,
        row.package_ndc,
        row.ndc_key,
        row.description,
        row.start_date,
        row.end_date,
    )
