"""Alembic, driven from code: `pharmacy-desktop db upgrade|downgrade|current`, and the revision guard.

The guard (:func:`inspect_revision`, :func:`require_compatible`): an app never runs against a
database at a revision its migrations directory does not contain (a newer app migrated it), and a
database behind this app's head is migrated only by whoever may (the embedded server: the app,
after a backup; a shared server: an administrator with ``pharmacy-desktop db upgrade``).

Which app version a revision needs: :data:`FIRST_APP_VERSION` (revision -> the first release that
carries it). A revision not in the table is this app's own version. Every upgrade also stamps the
database (a comment on ``public.alembic_version``, readable by any role, unlike the table itself)
with its revision and the app version that migrated it, so an older app can name the release to
install, and the application role (which cannot read ``alembic_version``) can still be checked.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import pool, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from pharmacy_desktop import paths
from pharmacy_desktop.db import connect
from pharmacy_desktop.errors import PharmacyError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = paths.migrations_dir()
APP_NAME = "pharmacy-desktop"

# revision -> the first pharmacy-desktop release that knows it (a revision missing here: this release)
FIRST_APP_VERSION: dict[str, str] = {f"{n:04d}": "0.1.0" for n in range(1, 14)}


def app_version() -> str:
    try:
        return metadata.version(APP_NAME)
    except metadata.PackageNotFoundError:  # a source tree without an install
        return "0.0.0+source"


def first_app_version(revision: str) -> str:
    return FIRST_APP_VERSION.get(revision, app_version())


class DatabaseTooNew(PharmacyError):
    """The database was migrated by a newer pharmacy-desktop than this one."""


class DatabaseNeedsUpgrade(PharmacyError):
    """The database is behind this app; only an administrator may migrate it."""


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # the URL carries the keyring password and sslmode (connect.resolve_url), so migrations/env.py
    # connects exactly like the app; ConfigParser interpolation: escape % in passwords
    cfg.set_main_option("sqlalchemy.url", connect.resolve_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)
    stamp(url)
    seed_clinical(url)


def seed_clinical(url: str) -> None:
    """The curated clinical knowledge (``resources/clinical/``) when it changed (db/clinical_load.py)."""
    from pharmacy_desktop.db import clinical_load

    engine = _engine(url)
    try:
        raw = engine.raw_connection()
        try:
            clinical_load.ensure_seed(raw.driver_connection)  # type: ignore[arg-type]
        finally:
            raw.close()
    finally:
        engine.dispose()


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)
    stamp(url)


def _engine(url: str) -> Engine:
    return connect.engine(url, poolclass=pool.NullPool, application_name="pharmacy-desktop-migrate")


def current(url: str) -> str | None:
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def _script() -> ScriptDirectory:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(cfg)


def head() -> str:
    current = _script().get_current_head()
    if current is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS_DIR}")
    return current


def known_revisions() -> set[str]:
    """Every revision in this app's migrations directory."""
    return {script.revision for script in _script().walk_revisions()}


def is_up_to_date(url: str) -> bool:
    return current(url) == head()


def stamp(url: str) -> None:
    """Write the revision and this app's version into the comment of ``public.alembic_version``
    (best effort: a role that does not own the table cannot comment on it)."""
    engine = _engine(url)
    try:
        with engine.begin() as conn:
            if conn.execute(text("SELECT to_regclass('public.alembic_version')")).scalar() is None:
                return
            revision = conn.execute(text("SELECT version_num FROM public.alembic_version")).scalar()
            note = json.dumps(
                {
                    "revision": revision,
                    "app_version": app_version(),
                    "min_app_version": first_app_version(revision) if revision else None,
                }
            )
            conn.execute(text(f"COMMENT ON TABLE public.alembic_version IS '{note.replace(chr(39), '')}'"))
    except DBAPIError:
        log.warning("could not stamp the database's revision (not the owner of alembic_version)")
    finally:
        engine.dispose()


@dataclass(frozen=True)
class RevisionState:
    """Where a database stands against this app."""

    revision: str | None  # None: no schema yet (or unknown to a role that cannot read it)
    head: str
    known: bool  # the revision is in this app's migrations directory
    stamped_by: str | None  # the first app version that knows the revision (from the stamp), when stamped
    readable: bool = True  # False: the role could read neither alembic_version nor a stamp

    @property
    def status(self) -> str:
        """'empty', 'current', 'older', 'newer' or 'unknown' (the role cannot tell)."""
        if not self.readable:
            return "unknown"
        if self.revision is None:
            return "empty"
        if not self.known:
            return "newer"
        return "current" if self.revision == self.head else "older"

    def too_new_message(self) -> str:
        needed = f"pharmacy-desktop {self.stamped_by} or newer" if self.stamped_by else "a newer pharmacy-desktop"
        return (
            f"This database is at revision {self.revision}, which this pharmacy-desktop ({app_version()}, "
            f"revision {self.head}) does not know: it was upgraded by a newer release. Install {needed} on this "
            "workstation, then start again. Nothing was changed."
        )

    def needs_upgrade_message(self) -> str:
        return (
            f"This database is at revision {self.revision}; this pharmacy-desktop ({app_version()}) needs revision "
            f"{self.head}. An administrator must upgrade it first, on a workstation with the owner's credentials: "
            "'pharmacy-desktop db upgrade' (it takes a backup first). Nothing was changed."
        )


def inspect_revision(url: str) -> RevisionState:
    """Read the database's revision (the table, else the stamp a migration left for every role)."""
    head_rev = head()
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            exists = conn.execute(text("SELECT to_regclass('public.alembic_version')")).scalar() is not None
            if not exists:
                return RevisionState(None, head_rev, True, None)
            raw = conn.execute(text("SELECT obj_description('public.alembic_version'::regclass, 'pg_class')")).scalar()
            note = _parse_stamp(raw)
            readable = conn.execute(text("SELECT has_table_privilege('public.alembic_version', 'SELECT')")).scalar_one()
            if readable:
                revision = conn.execute(text("SELECT version_num FROM public.alembic_version")).scalar()
            elif note.get("revision"):
                revision = note["revision"]
            else:
                return RevisionState(None, head_rev, True, None, readable=False)
    finally:
        engine.dispose()
    known = revision is None or revision in known_revisions()
    return RevisionState(revision, head_rev, known, note.get("min_app_version") or note.get("app_version"))


def _parse_stamp(raw: object) -> dict[str, str]:
    if not isinstance(raw, str):
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return {k: str(v) for k, v in value.items() if v is not None} if isinstance(value, dict) else {}


def require_compatible(url: str, *, may_migrate: bool = False) -> RevisionState:
    """Refuse a database newer than this app; refuse an older one unless ``may_migrate`` (the
    caller migrates it then). Returns the state read."""
    state = inspect_revision(url)
    if state.status == "newer":
        raise DatabaseTooNew(state.too_new_message())
    if state.status == "older" and not may_migrate:
        raise DatabaseNeedsUpgrade(state.needs_upgrade_message())
    if state.status == "unknown":
        log.warning("the database's revision cannot be read by this role; started without the revision check")
    return state


def can_migrate(url: str) -> bool:
    """Is the connected role allowed to migrate: a superuser, or a member of the database owner's role?"""
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            return bool(
                conn.execute(
                    text(
                        "SELECT r.rolsuper OR pg_has_role(current_user, d.datdba, 'MEMBER') "
                        "FROM pg_roles r, pg_database d WHERE r.rolname = current_user "
                        "AND d.datname = current_database()"
                    )
                ).scalar()
            )
    finally:
        engine.dispose()


def upgrade_with_backup(url: str, backup_dir: Path, revision: str = "head") -> Path | None:
    """Migrate a database behind this app, after a backup of it in ``backup_dir`` (none for an empty
    database: nothing to lose). Refuses a database newer than this app. Returns the backup's path."""
    from pharmacy_desktop.db import backup

    state = require_compatible(url, may_migrate=True)
    if state.status == "current" and revision in ("head", state.head):
        return None
    saved = None
    if state.revision is not None:
        import datetime as dt

        saved = backup_dir / f"before-upgrade-{state.revision}-{dt.datetime.now():%Y-%m-%d-%H%M%S}{backup.SUFFIX}"
        backup.backup(url, saved)
        log.info("backup before the upgrade from %s: %s", state.revision, saved.name)
    upgrade(url, revision)
    return saved
