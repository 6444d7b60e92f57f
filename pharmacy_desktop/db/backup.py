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
configuration change. A restore that does not match is dropped and the old database is untouched
(db/restore.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
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
        unreadable = BackupError("This file is not a pharmacy-desktop backup this version can read (unknown manifest).")
        try:
            raw = json.loads(text)
        except ValueError:
            raise unreadable from None
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise unreadable
        names = set(cls.__dataclass_fields__)
        try:
            return cls(**{k: v for k, v in raw.items() if k in names})
        except TypeError:  # a field missing
            raise unreadable from None


@dataclass(frozen=True)
class Snapshot:
    """What a database holds, as the manifest records it."""

    revision: str | None
    server_version: str
    database: str
    rows: dict[str, int] = field(default_factory=dict)
    checksums: dict[str, str] = field(default_factory=dict)


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


def backup_dir() -> Path:
    """Where this workstation keeps its backups (nightly ones and those taken before an upgrade)."""
    from pharmacy_desktop import config as config_mod

    return config_mod.data_dir() / "backups"
