"""Composition root: find the database, start the embedded server if needed, build the factories."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from pharmacy_desktop import config as config_mod
from pharmacy_desktop.db.connect import resolve_url
from pharmacy_desktop.db.engine import make_engine, make_session_factory
from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)


@dataclass
class Database:
    url: str
    source: str  # "command line", "environment", "configuration file", "embedded"
    engine: Engine
    session_factory: sessionmaker[Session]
    uow_factory: UnitOfWorkFactory
    embedded: object | None = None
    notes: list[str] = field(default_factory=list)

    def close(self) -> None:
        self.engine.dispose()
        if self.embedded is not None:
            self.embedded.stop()


def configured_url(cli_url: str | None, cfg: config_mod.Config) -> tuple[str | None, str]:
    if cli_url:
        return cli_url, "command line"
    env = os.environ.get("PHARMACY_DATABASE_URL")
    if env:
        return env, "environment"
    if cfg.database_url:
        return cfg.database_url, "configuration file"
    return None, "embedded"


def open_database(
    cli_url: str | None = None,
    *,
    cfg: config_mod.Config | None = None,
    migrate_embedded: bool = True,
    seed_demo: bool = True,
) -> Database:
    """Connect to the configured server, or start the private embedded one (migrated, seeded)."""
    cfg = cfg or config_mod.load()
    url, source = configured_url(cli_url, cfg)
    embedded = None
    notes: list[str] = []
    if url is None:
        from pharmacy_desktop.db.embedded import EmbeddedPostgres

        embedded = EmbeddedPostgres(config_mod.data_dir() / "embedded")
        first_start = not embedded.initialized
        url = embedded.start()
        log.info("embedded database started (%s)", embedded.data_dir)
        if migrate_embedded:
            from pharmacy_desktop.db import migrate

            if not migrate.is_up_to_date(url):
                migrate.upgrade(url)
        if first_start and seed_demo:
            notes.append("first start: demo data loaded")
            _seed_demo(url)
    else:
        # keyring password and sslmode go into the URL: everything built from db.url (the listener,
        # migrations, the catalog import) then connects the same way as this engine
        url = resolve_url(url, sslmode=cfg.sslmode or None)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    return Database(
        url=url,
        source=source,
        engine=engine,
        session_factory=factory,
        uow_factory=UnitOfWorkFactory(factory, workstation=cfg.workstation_name),
        embedded=embedded,
        notes=notes,
    )


def _seed_demo(url: str) -> None:
    from pharmacy_desktop.demo import load_demo

    load_demo(url)
