"""sslmode=require reaches every connection the app makes (item 6 of issue 11).

On the TLS-only server (tests/tls/conftest.py) each kind of connection succeeds and, where the
connection stays open long enough to look, pg_stat_ssl shows its backend encrypted. On the suite's
ordinary server (no TLS) the same calls with sslmode=require fail, and say it is about SSL: that is
what proves the setting was passed, since libpq's default ("prefer") would happily fall back to
plaintext there.
"""

from __future__ import annotations

import io
import time
from urllib.parse import urlsplit

import psycopg
import pytest
from sqlalchemy import text

from pharmacy_desktop import cli
from pharmacy_desktop.app import open_database
from pharmacy_desktop.db import connect, migrate
from pharmacy_desktop.db.engine import make_engine
from pharmacy_desktop.demo import CATALOG_DIR
from pharmacy_desktop.services.catalog_import import import_catalog

OWN_BACKEND_SSL = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
LISTENER_SSL = (
    "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) "
    "WHERE a.application_name = 'pharmacy-desktop-listener' AND a.datname = current_database()"
)


def _wait_for(predicate, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


# -- the factory itself ------------------------------------------------------------------------


def test_resolve_url_adds_sslmode_and_keeps_one_the_url_already_has():
    url = "postgresql://app:pw@db.example:5432/pharmacy"
    assert (
        connect.resolve_url(url, sslmode="require")
        == "postgresql+psycopg://app:pw@db.example:5432/pharmacy?sslmode=require"
    )
    assert connect.sslmode_of(connect.resolve_url(url + "?sslmode=verify-full", sslmode="require")) == "verify-full"
    assert connect.sslmode_of(connect.resolve_url(url)) is None
    with pytest.raises(ValueError, match="sslmode must be one of"):
        connect.resolve_url(url, sslmode="required")


# -- TLS server: everything connects, encrypted -----------------------------------------------


def test_app_engine_and_live_update_listener_are_encrypted(tls_url, require_tls, qapp):
    from pharmacy_desktop.ui.changes import ChangeListener

    db = open_database(tls_url, cfg=require_tls)
    listener = ChangeListener(db.url, retry_seconds=0.2)
    try:
        assert connect.sslmode_of(db.url) == "require"  # what the listener, demo and migrations are given
        with db.engine.connect() as conn:
            assert conn.scalar(text(OWN_BACKEND_SSL)) is True
        listener.start()
        assert _wait_for(lambda: listener.connected), "the listener never connected to the TLS server"
        with db.engine.connect() as conn:
            assert conn.scalars(text(LISTENER_SSL)).all() == [True]
    finally:
        listener.stop()
        db.close()


def test_raw_connection_is_encrypted_and_verify_full_checks_the_certificate(tls_url, tls_server):
    with connect.connect(tls_url, sslmode="require") as conn:
        assert conn.execute(OWN_BACKEND_SSL).fetchone() == (True,)
    trusted = f"{tls_url}?sslrootcert={tls_server.ca_file}"
    with connect.connect(trusted, sslmode="verify-full") as conn:
        assert conn.execute(OWN_BACKEND_SSL).fetchone() == (True,)


def test_migrations_and_create_roles_over_tls(tls_empty_url, require_tls, capsys):
    assert cli.main(["db", "upgrade", "--database-url", tls_empty_url]) == 0
    assert migrate.current(connect.resolve_url(tls_empty_url, sslmode="require")) == migrate.head()
    assert cli.main(["db", "create-roles", "--database-url", tls_empty_url]) == 0
    out = capsys.readouterr().out
    assert "application role" in out
    with connect.connect(tls_empty_url, sslmode="require") as conn:
        assert conn.execute("SELECT count(*) FROM pg_roles WHERE rolname = 'pharmacy_app'").fetchone() == (1,)


def test_catalog_copy_path_over_tls(tls_url):
    # partial: the shipped extract has a row the importer rejects; the point here is the connection
    summary = import_catalog(connect.resolve_url(tls_url, sslmode="require"), CATALOG_DIR, partial=True)
    assert summary.added > 2000


def test_db_connect_checks_over_tls(tls_url, require_tls, monkeypatch, capsys):
    parts = urlsplit(tls_url)
    bare = parts._replace(netloc=f"{parts.username}@{parts.netloc.split('@', 1)[1]}").geturl()
    monkeypatch.setattr("sys.stdin", io.StringIO(parts.password + "\n"))
    assert cli.main(["db", "connect", bare, "--sslmode", "require"]) == 0
    assert "connected" in capsys.readouterr().out


def test_demo_loads_over_tls(tls_empty_url, require_tls, monkeypatch, capsys):
    # the command as typed (its migrations, then load_demo), the demo brief: the demo's connections are
    # one engine made from the URL the command gives it (demo/loader.py), which the catalog's COPY path
    # and the year of history share; brief stops after the catalog, staff, patients and shelves. The
    # whole demo is loaded by tests/db/test_demo.py and the suite's demo template.
    from pharmacy_desktop import demo

    loaded = []

    def brief(url, **kwargs):
        loaded.append(url)
        return real(url, patients=8, brief=True)

    real = demo.load_demo
    monkeypatch.setattr(demo, "load_demo", brief)
    assert cli.main(["demo", "--database-url", tls_empty_url]) == 0
    assert len(loaded) == 1  # over TLS: this server refuses any other connection (tests/tls/conftest.py)
    with connect.connect(tls_empty_url, sslmode="require") as conn:
        assert conn.execute("SELECT count(*) FROM user_schema.users").fetchone()[0] == 4
        assert conn.execute("SELECT count(*) FROM prescription_schema.medications").fetchone()[0] > 2000


# -- server without TLS: the same calls refuse, clearly ---------------------------------------


def _says_ssl(message: str) -> bool:
    """The failure is named as a TLS one (the driver's words, or the CLI's plain rewording)."""
    return "SSL" in message or "TLS" in message


def test_without_tls_raw_connections_and_engines_refuse(database_url):
    with pytest.raises(psycopg.OperationalError) as raw:
        connect.connect(database_url, sslmode="require")
    assert _says_ssl(str(raw.value))
    engine = make_engine(database_url, sslmode="require")
    try:
        with pytest.raises(Exception) as pooled:
            engine.connect()
        assert _says_ssl(str(pooled.value))
    finally:
        engine.dispose()
    with pytest.raises(psycopg.OperationalError) as copy_path:
        import_catalog(connect.resolve_url(database_url, sslmode="require"), CATALOG_DIR, partial=True)
    assert _says_ssl(str(copy_path.value))


def test_without_tls_the_listener_never_connects(database_url, require_tls, qapp):
    from pharmacy_desktop.ui.changes import ChangeListener

    db = open_database(database_url, cfg=require_tls)
    listener = ChangeListener(db.url, retry_seconds=0.2)
    try:
        listener.start()
        assert not _wait_for(lambda: listener.connected, timeout=2.0)
    finally:
        listener.stop()
        db.close()
    # the same listener told to skip TLS does connect (the URL's sslmode beats the configuration):
    # the assertion above can fail
    plain = ChangeListener(f"{database_url}?sslmode=disable", retry_seconds=0.2)
    try:
        plain.start()
        assert _wait_for(lambda: plain.connected)
    finally:
        plain.stop()


@pytest.mark.parametrize(
    "argv",
    [
        ["db", "upgrade"],
        ["db", "current"],
        ["db", "create-roles"],
        ["demo"],
    ],
    ids=lambda argv: " ".join(argv),
)
def test_without_tls_every_command_refuses_and_says_ssl(argv, database_url, require_tls, capsys):
    assert cli.main([*argv, "--database-url", database_url]) != 0
    assert _says_ssl(capsys.readouterr().err)


def test_without_tls_db_connect_saves_nothing(database_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PHARMACY_CONFIG_DIR", str(tmp_path / "config"))
    parts = urlsplit(database_url)
    bare = parts._replace(netloc=f"{parts.username}@{parts.netloc.split('@', 1)[1]}").geturl()
    monkeypatch.setattr("sys.stdin", io.StringIO(parts.password + "\n"))
    assert cli.main(["db", "connect", bare, "--sslmode", "require"]) == 1
    err = capsys.readouterr().err
    assert _says_ssl(err) and "Nothing was saved" in err
    assert not (tmp_path / "config" / "workstation.toml").exists()


def test_the_configured_sslmode_applies_only_when_the_configuration_names_a_server(tmp_path, monkeypatch):
    from pharmacy_desktop import config as config_mod

    monkeypatch.setenv("PHARMACY_CONFIG_DIR", str(tmp_path / "config"))
    url = "postgresql://app:pw@db.example/pharmacy"
    config_mod.save(config_mod.Config(sslmode="require"))  # embedded server only: nothing to encrypt
    assert connect.sslmode_of(connect.resolve_url(url)) is None
    config_mod.save(config_mod.Config(database_url="postgresql://app@db.example/pharmacy", sslmode="verify-full"))
    assert connect.sslmode_of(connect.resolve_url(url)) == "verify-full"
    assert connect.sslmode_of(connect.resolve_url(url, sslmode="disable")) == "disable"
