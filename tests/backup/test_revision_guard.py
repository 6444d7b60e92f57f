"""The revision guard: a database newer than this app is refused with the release to install; an
older one is migrated only after a backup (the embedded server) or by an administrator (a shared
server, `db upgrade`); the application role, which cannot read alembic_version, is still checked."""

from __future__ import annotations

import json
import os

import psycopg
import pytest

from pharmacy_desktop.app import open_database
from pharmacy_desktop.config import libpq_url
from pharmacy_desktop.db import backup as backup_mod
from pharmacy_desktop.db import migrate


def _execute(url: str, statement: str) -> None:
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute(statement)


def _as_newer_app(url: str, *, stamp: bool) -> None:
    """What a newer release leaves behind: a revision this app has never seen (and its stamp)."""
    _execute(url, "UPDATE public.alembic_version SET version_num = '0999'")
    note = json.dumps({"revision": "0999", "app_version": "9.1.0", "min_app_version": "9.0.0"}) if stamp else ""
    _execute(url, f"COMMENT ON TABLE public.alembic_version IS '{note}'")


def test_the_head_comes_from_the_migrations_directory():
    files = sorted(p for p in (migrate.MIGRATIONS_DIR / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))
    assert migrate.head() == files[-1].name[:4]
    assert migrate.head() in migrate.known_revisions()
    assert migrate.first_app_version("0001") == "0.1.0"
    assert migrate.first_app_version("a-revision-of-this-release") == migrate.app_version()


def test_a_migrated_database_is_stamped_and_current(database_url):
    state = migrate.inspect_revision(database_url)
    assert state.status == "current" and state.revision == migrate.head()
    assert state.stamped_by == migrate.first_app_version(migrate.head())
    open_database(database_url).close()


def test_a_newer_database_is_refused_naming_its_revision_and_the_release(database_url):
    _as_newer_app(database_url, stamp=True)
    with pytest.raises(migrate.DatabaseTooNew) as refused:
        open_database(database_url)
    message = refused.value.message
    assert "revision 0999" in message and "pharmacy-desktop 9.0.0 or newer" in message
    assert f"revision {migrate.head()}" in message and "Nothing was changed" in message
    with pytest.raises(migrate.DatabaseTooNew):  # nor migrated, not even with the owner's rights
        migrate.upgrade_with_backup(database_url, backup_mod.backup_dir())


def test_without_a_stamp_the_message_still_says_to_install_a_newer_release(database_url):
    _as_newer_app(database_url, stamp=False)
    with pytest.raises(migrate.DatabaseTooNew, match="Install a newer pharmacy-desktop"):
        open_database(database_url)


def test_an_older_shared_database_is_refused_until_an_administrator_upgrades_it(database_url, tmp_path):
    migrate.downgrade(database_url, "-1")
    older = migrate.current(database_url)
    assert older != migrate.head()
    with pytest.raises(migrate.DatabaseNeedsUpgrade, match=f"at revision {older};.*db upgrade"):
        open_database(database_url)
    # the embedded server's path (app._migrate_embedded) and `db upgrade`: a backup, then the upgrade
    saved = migrate.upgrade_with_backup(database_url, tmp_path)
    assert saved is not None and saved.parent == tmp_path and older in saved.name
    assert backup_mod.read_manifest(saved).revision == older
    assert migrate.current(database_url) == migrate.head()
    assert migrate.upgrade_with_backup(database_url, tmp_path) is None  # current: nothing to do
    open_database(database_url).close()


def test_an_empty_database_is_migrated_without_a_backup(empty_database_url, tmp_path):
    assert migrate.upgrade_with_backup(empty_database_url, tmp_path) is None
    assert list(tmp_path.iterdir()) == []
    assert migrate.current(empty_database_url) == migrate.head()


@pytest.fixture
def app_role_url(database_url):
    """The database as a role like the application's: it may connect, not read alembic_version."""
    role = f"guard_app_{os.getpid()}"
    _execute(database_url, f"DROP ROLE IF EXISTS {role}")
    _execute(database_url, f"CREATE ROLE {role} LOGIN PASSWORD 'guard-test-pw'")
    _execute(database_url, "REVOKE ALL ON TABLE public.alembic_version FROM PUBLIC")
    host_part = database_url.split("@", 1)[1]
    yield f"postgresql+psycopg://{role}:guard-test-pw@{host_part}"
    _execute(database_url, f"DROP OWNED BY {role}")
    _execute(database_url, f"DROP ROLE {role}")


def test_the_application_role_reads_the_stamp(database_url, app_role_url):
    state = migrate.inspect_revision(app_role_url)
    assert state.status == "current" and state.revision == migrate.head()
    assert not migrate.can_migrate(app_role_url) and migrate.can_migrate(database_url)
    _as_newer_app(database_url, stamp=True)
    with pytest.raises(migrate.DatabaseTooNew, match="0999"):
        open_database(app_role_url)


def test_the_app_started_on_a_newer_database_shows_the_message(database_url, qtbot, qapp):
    import argparse

    from pharmacy_desktop.ui.app import Session

    _as_newer_app(database_url, stamp=True)
    session = Session(qapp, argparse.Namespace(database_url=database_url))
    qtbot.addWidget(session.startup)
    session.start()
    qtbot.waitUntil(lambda: "9.0.0" in session.startup.message.text(), timeout=30_000)
    text = session.startup.message.text()
    assert text.startswith("This app cannot use the database.") and "revision 0999" in text
    assert session.database is None and session.signin_window is None
    session.startup.resize(620, 260)
    session.startup.grab().save("/tmp/h7_too_new.png")
    qapp.aboutToQuit.disconnect(session.shutdown)


class _ServerAt:
    """Stands in for the embedded server: already initialized, its URL a test database."""

    def __init__(self, url: str):
        self.url, self.data_dir, self.initialized, self.stopped = url, "test", True, False

    def start(self) -> str:
        return self.url

    def stop(self) -> None:
        self.stopped = True


def _embedded_at(monkeypatch, tmp_path, url: str) -> _ServerAt:
    import pharmacy_desktop.db.embedded as embedded_mod

    server = _ServerAt(url)
    monkeypatch.setattr(embedded_mod, "EmbeddedPostgres", lambda root: server)
    monkeypatch.setenv("PHARMACY_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("PHARMACY_DATABASE_URL", raising=False)
    return server


def test_the_embedded_database_behind_the_app_is_migrated_after_a_backup(database_url, monkeypatch, tmp_path):
    from pharmacy_desktop.config import Config

    migrate.downgrade(database_url, "-1")
    older = migrate.current(database_url)
    _embedded_at(monkeypatch, tmp_path, database_url)
    app = open_database(cfg=Config(), seed_demo=False)
    try:
        assert migrate.current(database_url) == migrate.head()
        saved = list((tmp_path / "backups").glob(f"before-upgrade-{older}-*.pharmacy-backup"))
        assert len(saved) == 1 and backup_mod.read_manifest(saved[0]).revision == older
        assert app.notes == (f"database upgraded after a backup ({saved[0].name})",)
    finally:
        app.engine.dispose()


def test_the_embedded_database_newer_than_the_app_is_refused_and_its_server_stopped(
    database_url, monkeypatch, tmp_path
):
    from pharmacy_desktop.config import Config

    _as_newer_app(database_url, stamp=True)
    server = _embedded_at(monkeypatch, tmp_path, database_url)
    with pytest.raises(migrate.DatabaseTooNew, match="9.0.0"):
        open_database(cfg=Config(), seed_demo=False)
    assert server.stopped and not (tmp_path / "backups").exists()
