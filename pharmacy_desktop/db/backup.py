"""Backups and restores of the pharmacy database: `pharmacy-desktop db backup|restore`, the nightly job.

A backup is one file, ``<name>.pharmacy-backup``: an uncompressed tar holding ``database.dump``
(``pg_dump --format=custom``, made with the server's own tools, found as db/embedded.py finds the
server binaries) and ``manifest.json`` — the app version, the Alembic revision, the row count of
every table of the seven schemas, an md5 of the ordered content of the key tables and the dump's
sha256.

A restore never overwrites: the dump goes into a NEW database on the same server, which is checked
against the manifest (revision, every row count, every checksum); only then does it take the
configured database's name (the old one is renamed ``<name>_before_restore_<time>`` and kept until
the person drops it), so every workstation of the pharmacy uses the restored data without a
configuration change. A restore that does not match is dropped and the old database is untouched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from pharmacy_desktop.config import libpq_url
from pharmacy_desktop.errors import PharmacyError

log = logging.getLogger(__name__)

SUFFIX = ".pharmacy-backup"
MANIFEST = "manifest.json"
DUMP = "database.dump"
FORMAT = 1
SCHEMAS = (
    "user_schema",
    "patient_schema",
    "prescription_schema",
    "inventory_schema",
    "billing_schema",
    "notification_schema",
    "audit_schema",
)
# the tables whose content is checksummed (every table's rows are counted)
KEY_TABLES = (
    "user_schema.users",
    "user_schema.pharmacy_profile",
    "patient_schema.patients",
    "patient_schema.patient_allergies",
    "patient_schema.patient_insurance",
    "prescription_schema.prescriptions",
    "prescription_schema.prescription_refills",
    "prescription_schema.pickups",
    "inventory_schema.inventory_items",
    "inventory_schema.inventory_batches",
    "inventory_schema.inventory_transactions",
    "billing_schema.sales",
    "billing_schema.payments",
    "audit_schema.domain_events",
)
KEPT_MARK = "_before_restore_"
# the same text for the same rows on both sides of a dump and restore
_SESSION = (
    "SET TIME ZONE 'UTC'",
    "SET DateStyle = 'ISO, MDY'",
    "SET IntervalStyle = 'postgres'",
    "SET extra_float_digits = 1",
)


class BackupError(PharmacyError):
    """A backup or restore could not be made or did not verify; the message says what to do."""


@dataclass(frozen=True)
class Manifest:
    app_version: str
    revision: str | None
    created_at: str
    database: str
    server_version: str
    rows: dict[str, int]
    checksums: dict[str, str]
    dump_sha256: str = ""
    dump_bytes: int = 0
    format: int = FORMAT

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        raw = json.loads(text)
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise BackupError("This file is not a pharmacy-desktop backup this version can read (unknown manifest).")
        names = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in raw.items() if k in names})


@dataclass(frozen=True)
class Snapshot:
    """What a database holds, as the manifest records it."""

    revision: str | None
    server_version: str
    database: str
    rows: dict[str, int] = field(default_factory=dict)
    checksums: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RestoreResult:
    database: str  # the name the restored data now has (the configured one)
    kept: str | None  # the old database, renamed and kept until dropped
    manifest: Manifest


# -- connections and tools ------------------------------------------------------------------------


def _conninfo(url: str) -> dict[str, str]:
    from pharmacy_desktop.db.connect import resolve_url

    return {k: str(v) for k, v in conninfo_to_dict(libpq_url(resolve_url(url))).items() if v is not None}


def _connect(info: dict[str, str], dbname: str | None = None) -> psycopg.Connection:
    params = dict(info)
    if dbname is not None:
        params["dbname"] = dbname
    return psycopg.connect(make_conninfo(**params), autocommit=True, connect_timeout=10)


def _tool_env(info: dict[str, str], dbname: str | None = None) -> tuple[str, dict[str, str]]:
    """A conninfo without the password (so it never shows in a process list) and the environment
    carrying it."""
    params = dict(info)
    password = params.pop("password", None)
    if dbname is not None:
        params["dbname"] = dbname
    env = dict(os.environ)
    if password:
        env["PGPASSWORD"] = password
    return make_conninfo(**params), env


def pg_tool(name: str) -> Path:
    from pharmacy_desktop.db.embedded import find_bindir

    path = find_bindir() / name
    if not path.exists():
        raise BackupError(f"{name} was not found beside the PostgreSQL server binaries ({path.parent}).")
    return path


def _run_tool(args: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(args, capture_output=True, text=True, env=env, timeout=3600)
    if result.returncode != 0:
        # the tools' messages name objects, not row values; kept for the log file only
        log.info("%s failed: %s", what, result.stderr.strip()[-2000:])
        first = next((line for line in result.stderr.splitlines() if line.strip()), "no message")
        raise BackupError(f"{what} failed (exit {result.returncode}): {first.strip()[:300]}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# -- what a database holds ------------------------------------------------------------------------


def snapshot(conn: psycopg.Connection) -> Snapshot:
    """Revision, row counts of every table of the seven schemas, checksums of the key tables."""
    for statement in _SESSION:
        conn.execute(statement)
    revision = None
    if conn.execute("SELECT to_regclass('public.alembic_version')").fetchone() != (None,):
        readable = conn.execute("SELECT has_table_privilege('public.alembic_version', 'SELECT')").fetchone()
        if not (readable and readable[0]):
            raise BackupError(
                "A backup or restore needs the database owner's credentials (an administrator's), not the "
                "application role's: give --database-url postgresql://pharmacy_schema_owner@HOST/DATABASE."
            )
        row = conn.execute("SELECT version_num FROM public.alembic_version").fetchone()
        revision = row[0] if row else None
    tables = conn.execute(
        "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = ANY(%s) AND c.relkind IN ('r', 'p') ORDER BY 1",
        (list(SCHEMAS),),
    ).fetchall()
    rows: dict[str, int] = {}
    checksums: dict[str, str] = {}
    for (name,) in tables:
        schema, table = name.split(".", 1)
        ident = sql.Identifier(schema, table)
        if name in KEY_TABLES:
            count, digest = conn.execute(
                sql.SQL(
                    "SELECT count(*), md5(coalesce(string_agg(md5(t::text), '' ORDER BY md5(t::text)), '')) FROM {} t"
                ).format(ident)
            ).fetchone() or (0, "")
            checksums[name] = str(digest)
        else:
            count = (conn.execute(sql.SQL("SELECT count(*) FROM {}").format(ident)).fetchone() or (0,))[0]
        rows[name] = int(count)
    server = conn.execute("SHOW server_version").fetchone()
    return Snapshot(
        revision=revision,
        server_version=str(server[0]) if server else "",
        database=conn.info.dbname,
        rows=rows,
        checksums=checksums,
    )


def database_snapshot(url: str) -> Snapshot:
    with _connect(_conninfo(url)) as conn:
        return snapshot(conn)


def differences(manifest: Manifest, found: Snapshot) -> list[str]:
    """How ``found`` differs from what the manifest recorded (empty: the same)."""
    problems = []
    if found.revision != manifest.revision:
        problems.append(f"revision {found.revision} instead of {manifest.revision}")
    for table, count in sorted(manifest.rows.items()):
        if found.rows.get(table) != count:
            problems.append(f"{table}: {found.rows.get(table)} rows instead of {count}")
    for table, digest in sorted(manifest.checksums.items()):
        if found.checksums.get(table) != digest:
            problems.append(f"{table}: content differs (checksum)")
    return problems


# -- backup ---------------------------------------------------------------------------------------


def default_name(now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now()
    return f"pharmacy-{now:%Y-%m-%d-%H%M%S}{SUFFIX}"


def backup(url: str, output: Path) -> Manifest:
    """Dump the database of ``url`` into ``output`` (a ``.pharmacy-backup`` tar) with its manifest."""
    from pharmacy_desktop.db.migrate import app_version

    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    info = _conninfo(url)
    with tempfile.TemporaryDirectory(prefix="pharmacy-backup-", dir=output.parent) as tmp:
        dump = Path(tmp) / DUMP
        with _connect(info) as conn:
            # the snapshot and the dump see the same data: one exported snapshot, held open
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            snapshot_id = (conn.execute("SELECT pg_export_snapshot()").fetchone() or ("",))[0]
            found = snapshot(conn)
            conninfo, env = _tool_env(info)
            _run_tool(
                [
                    str(pg_tool("pg_dump")),
                    "--format=custom",
                    "--no-password",
                    f"--snapshot={snapshot_id}",
                    f"--file={dump}",
                    f"--dbname={conninfo}",
                ],
                env,
                "pg_dump",
            )
            conn.execute("COMMIT")
        manifest = Manifest(
            app_version=app_version(),
            revision=found.revision,
            created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            database=found.database,
            server_version=found.server_version,
            rows=found.rows,
            checksums=found.checksums,
            dump_sha256=_sha256(dump),
            dump_bytes=dump.stat().st_size,
        )
        (Path(tmp) / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
        partial = Path(tmp) / "backup.tar"
        with tarfile.open(partial, "w") as tar:
            tar.add(Path(tmp) / MANIFEST, arcname=MANIFEST)
            tar.add(dump, arcname=DUMP)
        os.chmod(partial, 0o600)  # patient data: the person's eyes only
        os.replace(partial, output)  # never a half-written backup under the final name
    log.info("backup written: %s (revision %s)", output.name, manifest.revision)
    return manifest


@contextmanager
def opened(path: Path) -> Iterator[tuple[Manifest, Path]]:
    """The manifest and the dump (extracted to a temporary folder, its sha256 checked)."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"There is no backup file at {path}.")
    try:
        tar = tarfile.open(path, "r")
    except tarfile.TarError:
        raise BackupError(f"{path.name} is not a pharmacy-desktop backup (not a backup archive).") from None
    with tar, tempfile.TemporaryDirectory(prefix="pharmacy-restore-") as tmp:
        names = set(tar.getnames())
        if not {MANIFEST, DUMP} <= names:
            raise BackupError(f"{path.name} is not a pharmacy-desktop backup (no manifest or dump inside).")
        manifest_file = tar.extractfile(MANIFEST)
        assert manifest_file is not None
        manifest = Manifest.from_json(manifest_file.read().decode("utf-8"))
        tar.extract(DUMP, tmp, filter="data")
        dump = Path(tmp) / DUMP
        if _sha256(dump) != manifest.dump_sha256:
            raise BackupError(
                f"{path.name} is damaged: its dump does not match the manifest's sha256. Nothing was changed."
            )
        yield manifest, dump


def read_manifest(path: Path) -> Manifest:
    with opened(path) as (manifest, _dump):
        return manifest


# -- restore --------------------------------------------------------------------------------------


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


def backup_dir() -> Path:
    """Where this workstation keeps its backups (nightly ones and those taken before an upgrade)."""
    from pharmacy_desktop import config as config_mod

    return config_mod.data_dir() / "backups"


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
