"""The wizard's connection test against the suite's real PostgreSQL: each failure is named plainly."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import psycopg
import pytest

from pharmacy_desktop import config as config_mod
from pharmacy_desktop.db.embedded import free_port
from pharmacy_desktop.domain import connection_diagnosis as cd
from pharmacy_desktop.services.connection_check import ServerChoice, field_problems, save_connection, try_connection


def choice_for(url: str, **changes: object) -> ServerChoice:
    parts = urlsplit(url)
    values: dict[str, object] = {
        "host": parts.hostname,
        "port": parts.port,
        "database": parts.path.lstrip("/"),
        "user": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "sslmode": "prefer",
    }
    values.update(changes)
    return ServerChoice(**values)  # type: ignore[arg-type]


def test_a_migrated_database_connects(database_url):
    found = try_connection(choice_for(database_url))
    assert found.ok and found.diagnosis.kind == cd.OK
    assert found.facts.server_version_num and found.facts.server_version_num >= cd.MIN_SERVER_VERSION_NUM


def test_wrong_port_is_a_closed_port(database_url):
    found = try_connection(choice_for(database_url, port=free_port()))
    assert found.diagnosis.kind == cd.PORT_CLOSED and not found.ok


def test_unknown_host_name(database_url):
    found = try_connection(choice_for(database_url, host="no-such-host.invalid"), timeout=3)
    assert found.diagnosis.kind == cd.HOST_UNREACHABLE


def test_wrong_password_is_refused_and_never_shown(database_url):
    found = try_connection(choice_for(database_url, password="not-the-password-xyz"))
    assert found.diagnosis.kind == cd.PASSWORD_REFUSED
    assert "not-the-password-xyz" not in found.diagnosis.text()


def test_missing_database(database_url):
    found = try_connection(choice_for(database_url, database="no_such_pharmacy"))
    assert found.diagnosis.kind == cd.DATABASE_MISSING and "no_such_pharmacy" in found.diagnosis.title


def test_unmigrated_database(empty_database_url):
    found = try_connection(choice_for(empty_database_url))
    assert found.diagnosis.kind == cd.NOT_MIGRATED and "db upgrade" in found.diagnosis.advice


def test_database_newer_than_this_app(database_url):
    with psycopg.connect(config_mod.libpq_url(database_url), autocommit=True) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    found = try_connection(choice_for(database_url))
    assert found.diagnosis.kind == cd.DATABASE_NEWER and not found.ok
    assert "9999" in found.diagnosis.advice


def test_tls_asked_of_a_server_without_it(database_url, pg_server):
    with psycopg.connect(config_mod.libpq_url(database_url)) as conn:
        ssl_on = conn.execute("SHOW ssl").fetchone()[0] == "on"
    if ssl_on:
        pytest.skip("the suite's server has TLS on")
    found = try_connection(choice_for(database_url, sslmode="require"))
    assert found.diagnosis.kind == cd.TLS_UNAVAILABLE


def test_field_problems():
    assert set(field_problems(ServerChoice(host="", port=0, database="", user="", sslmode="x"))) == {
        "host",
        "port",
        "database",
        "user",
        "sslmode",
    }
    assert field_problems(ServerChoice(host="counter1")) == {}


def test_save_keeps_the_password_in_the_keyring_only(tmp_path):
    from pharmacy_desktop.keyring_store import get_secret

    choice = ServerChoice(host="db.pharmacy.lan", password="s3cret pass", sslmode="verify-full")
    path = save_connection(choice, tmp_path / "workstation.toml")
    text = path.read_text()
    assert "s3cret" not in text and "db.pharmacy.lan" in text and "verify-full" in text
    cfg = config_mod.load(path)
    assert get_secret(config_mod.secret_key_for(cfg.database_url)) == "s3cret pass"
