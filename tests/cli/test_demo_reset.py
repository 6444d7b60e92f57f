"""`demo --reset` touches the embedded demo database only; the reset itself drops and recreates
the database, and refuses while the app is connected to it."""

from __future__ import annotations

import psycopg
import pytest

from pharmacy_desktop import cli
from pharmacy_desktop.config import libpq_url
from pharmacy_desktop.db import backup as backup_mod
from pharmacy_desktop.db import migrate
from pharmacy_desktop.db import restore as restore_mod
from tests.cli.conftest import scalar


def test_reset_refuses_a_configured_server(database_url, actors, capsys):
    assert cli.main(["demo", "--reset", "--yes", "--database-url", database_url]) == 2
    err = capsys.readouterr().err
    assert "changes the embedded demo database only" in err and "--database-url" in err
    assert "Nothing was changed" in err
    assert scalar(database_url, "SELECT count(*) FROM user_schema.users") == 4


def test_recreate_empty_refuses_while_in_use_then_empties(database_url, actors, engine):
    engine.dispose()  # the fixtures' pool: only the connection below uses the database
    with psycopg.connect(libpq_url(database_url)):
        with pytest.raises(backup_mod.BackupError, match="is in use"):
            restore_mod.recreate_empty(database_url)
    assert migrate.current(database_url) == migrate.head()
    restore_mod.recreate_empty(database_url)
    assert migrate.current(database_url) is None
    assert scalar(database_url, "SELECT to_regclass('user_schema.users')") is None


class _ServerAt:
    """Stands in for the embedded server: its URL a test database."""

    def __init__(self, url: str):
        self.url, self.data_dir = url, "the test database"

    def start(self) -> str:
        return self.url

    def stop(self) -> None:
        pass


def test_remove_backs_up_and_leaves_an_empty_pharmacy_to_set_up(database_url, actors, engine, monkeypatch, tmp_path):
    import pharmacy_desktop.db.embedded as embedded_mod

    engine.dispose()
    monkeypatch.setattr(embedded_mod, "EmbeddedPostgres", lambda root: _ServerAt(database_url))
    monkeypatch.setenv("PHARMACY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PHARMACY_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("PHARMACY_DATABASE_URL", raising=False)
    assert cli.main(["demo", "--remove"]) == 2  # no terminal, no --yes: nothing happens
    assert scalar(database_url, "SELECT count(*) FROM user_schema.users") == 4

    assert cli.main(["demo", "--remove", "--yes"]) == 0
    assert migrate.current(database_url) == migrate.head()
    assert scalar(database_url, "SELECT count(*) FROM user_schema.users") == 0  # the first start sets up
    saved = list((tmp_path / "backups").glob("before-demo-remove-*.pharmacy-backup"))
    assert len(saved) == 1 and backup_mod.read_manifest(saved[0]).rows["user_schema.users"] == 4


def test_the_sign_in_shows_the_demo_accounts_on_the_demo_only(
    qtbot, database_url, uow_factory, actors, monkeypatch, tmp_path
):
    from pharmacy_desktop.app import Application, mark_demo
    from pharmacy_desktop.config import Config
    from pharmacy_desktop.ui.context import AppContext
    from pharmacy_desktop.ui.signin_window import SignInWindow

    monkeypatch.setenv("PHARMACY_DATA_DIR", str(tmp_path))

    def window(embedded: object) -> SignInWindow:
        app = Application(
            url=database_url, source="test", engine=None, session_factory=None, uow_factory=uow_factory,
            config=Config(workstation_name="test-ws"), embedded=embedded,
        )  # fmt: skip
        shown = SignInWindow(AppContext.from_application(app))
        qtbot.addWidget(shown)
        shown.show()
        qtbot.waitUntil(lambda: shown.decided)
        return shown

    mark_demo(True)
    demo = window(embedded=_ServerAt(database_url))
    assert demo.demo_accounts is not None and demo.demo_accounts.isVisible()
    assert demo.pages.currentWidget() is demo.panel
    text = demo.demo_accounts.text()
    assert "admin" in text and "Blue-Heron-2026" in text and "demo --remove" in text
    demo.resize(900, 560)
    demo.grab().save("/tmp/h7_signin_demo.png")
    assert window(embedded=None).demo_accounts is None  # a configured server: never
    mark_demo(False)
    assert window(embedded=_ServerAt(database_url)).demo_accounts is None  # the demo removed


def test_demo_refuses_a_database_newer_than_the_app(database_url, capsys):
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        conn.execute("UPDATE public.alembic_version SET version_num = '0999'")
    assert cli.main(["demo", "--database-url", database_url]) == 2
    assert "revision 0999" in capsys.readouterr().err
    assert scalar(database_url, "SELECT count(*) FROM user_schema.users") == 0
