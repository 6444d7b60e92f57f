"""Alembic, driven from code: `pharmacy-desktop db upgrade|downgrade|current`."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import pool

from pharmacy_desktop.db import connect

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # the URL carries the keyring password and sslmode (connect.resolve_url), so migrations/env.py
    # connects exactly like the app; ConfigParser interpolation: escape % in passwords
    cfg.set_main_option("sqlalchemy.url", connect.resolve_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def current(url: str) -> str | None:
    engine = connect.engine(url, poolclass=pool.NullPool, application_name="pharmacy-desktop-migrate")
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def head() -> str:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    current = ScriptDirectory.from_config(cfg).get_current_head()
    if current is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS_DIR}")
    return current


def is_up_to_date(url: str) -> bool:
    return current(url) == head()
