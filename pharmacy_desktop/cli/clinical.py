"""`pharmacy-desktop clinical import DIR [--replace]` and `clinical status`: clinical knowledge
(docs/CLINICAL_DATA.md) into the database, as the owner (like `db upgrade`): the app role reads it."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pharmacy_desktop.cli.options import raw_url


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = subparsers.add_parser("clinical", help="clinical knowledge: import a data set, show what is loaded")
    actions = group.add_subparsers(dest="clinical_command", metavar="ACTION", required=True)
    imp = actions.add_parser(
        "import",
        help="load the CSV files of DIR (format: docs/CLINICAL_DATA.md); every row is checked first and "
        "nothing is written when one is wrong (exit 2, with file and line)",
    )
    imp.add_argument("dir", type=Path, help="folder holding sources.csv and any of the other clinical CSV files")
    imp.add_argument(
        "--replace",
        action="store_true",
        help="empty every clinical table first (DIR becomes all the knowledge); default: add and update rows",
    )
    imp.set_defaults(handler=cmd_clinical_import)
    status = actions.add_parser("status", help="the data sets loaded, their rows and when")
    status.set_defaults(handler=cmd_clinical_status)


@contextlib.contextmanager
def _connection(url: str) -> Iterator[Any]:
    import psycopg
    from sqlalchemy import pool

    from pharmacy_desktop.db import connect

    engine = connect.engine(url, poolclass=pool.NullPool, application_name="pharmacy-desktop-clinical")
    try:
        raw = engine.raw_connection()
        try:
            conn = raw.driver_connection
            assert isinstance(conn, psycopg.Connection)
            yield conn
        finally:
            raw.close()
    finally:
        engine.dispose()


def cmd_clinical_import(args: argparse.Namespace) -> int:
    from pharmacy_desktop.db.clinical_load import load_directory

    with raw_url(args) as url, _connection(url) as conn:
        summary = load_directory(conn, args.dir, replace=args.replace)
    how = "replaced the clinical knowledge" if summary.replaced else "added to the clinical knowledge"
    print(f"{summary.source}: {summary.row_count} rows {how} (checksum {summary.checksum[:12]})")
    for name, count in summary.counts.items():
        print(f"  {name:<24} {count}")
    print(f"  FDA EPC class links from the catalog: {summary.epc_classes} new")
    return 0


def cmd_clinical_status(args: argparse.Namespace) -> int:
    with raw_url(args) as url, _connection(url) as conn:
        rows = conn.execute(
            "SELECT name, row_count, loaded_at, description FROM prescription_schema.clinical_sources ORDER BY name"
        ).fetchall()
    if not rows:
        print("No clinical knowledge loaded: the clinical checks say they could not decide.")
    for name, count, loaded, description in rows:
        print(f"{name:<24} {count:>8} rows  loaded {loaded:%Y-%m-%d %H:%M}  {description}")
    return 0
