"""A scan's catalog look-up: up to three 11-digit keys in one indexed SELECT (services/scan_resolution.py
decides what the rows mean). From a session factory it is one autocommit read on the driver
cursor, the cheapest way to ask (bench/scan_lookup.py, docs/BENCHMARKS.md)."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.rows import namedtuple_row
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.errors import DatabaseUnavailable

_LOOKUP_SQL = (
    "SELECT id, ndc_code, package_ndc, drug_name, brand_name, generic_name, strength, dosage_form,"
    " package_description, dea_schedule, is_active, discontinuation_date, active_ingredients"
    " FROM prescription_schema.medications WHERE ndc_code = ANY(%s)"
)
_LOOKUP = text(_LOOKUP_SQL.replace("%s", ":keys"))
_OFFLINE = (
    "The database cannot be reached, so the scan was not checked. Check the network or the "
    "database server, then scan again."
)


def lookup_ndc_keys(target: Any, keys: list[str]) -> list[Any]:
    """Catalog rows whose ``ndc_code`` is one of ``keys``; ``target`` is a Session, a unit of work
    (open, or opened here), a unit-of-work factory or a sessionmaker."""
    if isinstance(target, Session):
        return list(target.execute(_LOOKUP, {"keys": keys}))
    if isinstance(target, UnitOfWork):
        if target.session is not None:
            return list(target.session.execute(_LOOKUP, {"keys": keys}))
        with target as uow:
            return list(uow.active_session.execute(_LOOKUP, {"keys": keys}))
    if isinstance(target, UnitOfWorkFactory):
        target = target.session_factory
    if isinstance(target, sessionmaker):
        engine = target.kw.get("bind")
        if isinstance(engine, Engine):
            return _single_read(engine, keys)
        with target() as session:
            return list(session.execute(_LOOKUP, {"keys": keys}))
    raise TypeError(f"resolve_scan needs a unit of work or session factory, not {type(target).__name__}")


def _single_read(engine: Engine, keys: list[str]) -> list[Any]:
    # A scan is one SELECT of its own. Taken straight from the pool (pre-ping included), in
    # autocommit (no BEGIN/ROLLBACK round trips) and on the driver cursor, it costs about 2x the
    # raw query instead of 4x through a Session (bench/scan_lookup.py, docs/BENCHMARKS.md).
    try:
        pooled = engine.raw_connection()
    except (OperationalError, psycopg.OperationalError) as exc:
        raise DatabaseUnavailable(_OFFLINE) from exc
    try:
        driver = pooled.driver_connection
        assert isinstance(driver, psycopg.Connection)  # the psycopg dialect's connection
        driver.autocommit = True
        try:
            with driver.cursor(row_factory=namedtuple_row) as cursor:
                return cursor.execute(_LOOKUP_SQL, (keys,)).fetchall()
        finally:
            if not driver.closed:
                driver.autocommit = False
    except psycopg.OperationalError as exc:
        pooled.invalidate(exc)
        raise DatabaseUnavailable(_OFFLINE) from exc
    finally:
        pooled.close()
