"""Restoring a backup (db/backup.py makes them) in place of a database, and the copies it keeps.

The dump goes into a NEW database on the same server, which is checked against the manifest
(revision, every row count, every checksum); only then does it take the database's name. The old
database is renamed ``<name>_before_restore_<time>`` (its owner and database-level grants copied to
the new one) and kept until :func:`drop_kept`. A restore that does not match is dropped and the
database in use is untouched.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from pharmacy_desktop.db.backup import (
    BackupError,
    Manifest,
    _connect,
    _conninfo,
    _run_tool,
    _tool_env,
    differences,
    opened,
    pg_tool,
    snapshot,
)

log = logging.getLogger(__name__)

KEPT_MARK = "_before_restore_"


@dataclass(frozen=True)
class RestoreResult:
    database: str  # the name the restored data now has (the configured one)
    kept: str | None  # the old database, renamed and kept until dropped
    manifest: Manifest


def _exists(conn: psycopg.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def _maintenance(info: dict[str, str], avoid: str) -> psycopg.Connection:
    """A connection to the server outside the databases being renamed."""
    last: Exception | None = None
    for name in ("postgres", "template1"):
        if name == avoid:
            continue
        try:
            return _connect(info, name)
        except psycopg.OperationalError as exc:
            last = exc
    raise BackupError(
        "Cannot reach the server's maintenance database (postgres) to restore; check the access rights."
    ) from last


def _copy_database_rights(conn: psycopg.Connection, source: str, target: str) -> None:
    """The old database's owner and database-level grants (CONNECT for the app role) on the new one."""
    row = conn.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", (source,)).fetchone()
    if row is None:
        return
    conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(target), sql.Identifier(row[0])))
    grants = conn.execute(
        "SELECT a.grantee, a.privilege_type FROM pg_database d, aclexplode(d.datacl) a WHERE d.datname = %s",
        (source,),
    ).fetchall()
    if not grants:
        return
    conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(target)))
    for grantee, privilege in grants:
        who = (
            sql.SQL("PUBLIC")
            if grantee == 0
            else sql.SQL("{}").format(
                sql.Identifier((conn.execute("SELECT pg_get_userbyid(%s)", (grantee,)).fetchone() or ("",))[0])
            )
        )
        conn.execute(sql.SQL("GRANT {} ON DATABASE {} TO {}").format(sql.SQL(privilege), sql.Identifier(target), who))


def _base(name: str) -> str:
    return re.sub(r"_before_restore_\d{8}_\d{6}$", "", name)[:30]


def restore(path: Path, url: str, *, now: dt.datetime | None = None) -> RestoreResult:
    """Restore the backup at ``path`` in place of the database of ``url`` (same server), verified
    first; the old database is kept under another name."""
    info = _conninfo(url)
    target = info.get("dbname") or info.get("user") or "postgres"
    stamp = f"{(now or dt.datetime.now()):%Y%m%d_%H%M%S}"
    fresh = f"{_base(target)}_restoring_{stamp}"
    kept = f"{_base(target)}{KEPT_MARK}{stamp}"
    with opened(path) as (manifest, dump):
        with _maintenance(info, target) as admin:
            try:
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(fresh)))
            except psycopg.errors.InsufficientPrivilege:
                raise BackupError(
                    "A restore needs a role that may create databases (on a shared server its administrator, "
                    "e.g. --database-url postgresql://postgres@HOST/pharmacy). Nothing was changed."
                ) from None
        try:
            conninfo, env = _tool_env(info, fresh)
            _run_tool(
                [str(pg_tool("pg_restore")), "--exit-on-error", "--no-password", f"--dbname={conninfo}", str(dump)],
                env,
                "pg_restore",
            )
            with _connect(info, fresh) as conn:
                problems = differences(manifest, snapshot(conn))
            if problems:
                raise BackupError(
                    "The restored copy does not match the backup's manifest ("
                    + "; ".join(problems[:5])
                    + "). It was removed; the database in use is unchanged."
                )
        except BaseException:
            with _maintenance(info, target) as admin:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(fresh)))
            raise
    with _maintenance(info, target) as admin:
        had_old = _exists(admin, target)
        if had_old:
            _copy_database_rights(admin, target, fresh)
            # every workstation reconnects to the restored data under the name it already uses
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (target,),
            )
            admin.execute(
                sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(target), sql.Identifier(kept))
            )
        admin.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(fresh), sql.Identifier(target)))
    log.info("restored %s into %s (old kept: %s)", Path(path).name, target, kept if had_old else "none")
    return RestoreResult(database=target, kept=kept if had_old else None, manifest=manifest)


def kept_databases(url: str) -> list[str]:
    """The databases earlier restores kept (``<name>_before_restore_<time>``), oldest first."""
    info = _conninfo(url)
    target = info.get("dbname", "")
    with _maintenance(info, target) as admin:
        rows = admin.execute(
            "SELECT datname FROM pg_database WHERE starts_with(datname, %s) ORDER BY datname",
            (f"{_base(target)}{KEPT_MARK}",),
        ).fetchall()
    return [name for (name,) in rows]


def drop_kept(url: str, names: list[str]) -> None:
    info = _conninfo(url)
    with _maintenance(info, info.get("dbname", "")) as admin:
        for name in names:
            if KEPT_MARK not in name:
                raise BackupError(f"{name} is not a database kept by a restore; it was not dropped.")
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def database_exists(url: str) -> bool:
    info = _conninfo(url)
    target = info.get("dbname", "")
    with _maintenance(info, target) as admin:
        return _exists(admin, target)


def recreate_empty(url: str) -> None:
    """Drop the database of ``url`` and create it again, empty (``demo --reset``). Refused while
    another connection uses it (the app is running)."""
    info = _conninfo(url)
    target = info.get("dbname", "")
    with _maintenance(info, target) as admin:
        others = admin.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (target,)).fetchone()
        if others and others[0]:
            raise BackupError(f"The database {target} is in use (is the app open?): close the app, then try again.")
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(target)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(target)))
