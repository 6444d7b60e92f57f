"""`db create-roles` and a role another computer made (issue 17): the role exists on the server but
this computer's secret store has no password for it. Going on would give it a new password and cut
off every workstation connecting as it, so the command asks first, as `db downgrade` does: on a
terminal the person types 'reset'; without one, --reset-password (or --yes) is required and
otherwise nothing is changed."""

from __future__ import annotations

import io
import itertools
import os

import psycopg
import pytest

from pharmacy_desktop import cli
from pharmacy_desktop.config import libpq_url, secret_key_for
from pharmacy_desktop.keyring_store import get_secret

pytestmark = [pytest.mark.db]
OTHER_PASSWORD = "set-by-counter-2"
_n = itertools.count()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _execute(url: str, statement: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        cur = conn.execute(statement, params)
        return cur.fetchall() if cur.description else []


def _as(url: str, role: str, password: str) -> str:
    host_part = url.split("@", 1)[1]
    return f"postgresql+psycopg://{role}:{password}@{host_part}"


def _connects(url: str) -> bool:
    try:
        _execute(url, "SELECT 1")
    except psycopg.OperationalError:
        return False
    return True


@pytest.fixture
def made_elsewhere(database_url):
    """The application role exists already, made at another workstation with its own password; the
    owner role does not exist yet."""
    suffix = f"{os.getpid()}_{next(_n)}"
    owner, app = f"rs_owner_{suffix}", f"rs_app_{suffix}"
    _execute(database_url, f"CREATE ROLE {app} LOGIN PASSWORD '{OTHER_PASSWORD}'")
    _execute(database_url, f"GRANT CONNECT ON DATABASE {libpq_url(database_url).rsplit('/', 1)[1]} TO {app}")
    yield owner, app
    me = _execute(database_url, "SELECT current_user")[0][0]
    dbname = libpq_url(database_url).rsplit("/", 1)[1]
    _execute(database_url, f'ALTER DATABASE "{dbname}" OWNER TO "{me}"')
    for role in (owner, app):
        if _execute(database_url, "SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)):
            _execute(database_url, f'REASSIGN OWNED BY "{role}" TO "{me}"')
            _execute(database_url, f'DROP OWNED BY "{role}"')
            _execute(database_url, f'DROP ROLE "{role}"')


def _create_roles(database_url: str, owner: str, app: str, *extra: str) -> int:
    return cli.main(
        ["db", "create-roles", "--database-url", database_url, "--owner-role", owner, "--app-role", app, *extra]
    )


def _owner_of_database(database_url: str) -> str:
    return _execute(database_url, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()")[
        0
    ][0]


def test_without_a_terminal_it_refuses_and_changes_nothing(made_elsewhere, database_url, monkeypatch, capsys):
    owner, app = made_elsewhere
    owner_before = _owner_of_database(database_url)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # a pipe, a cron job
    assert _create_roles(database_url, owner, app) == 2
    err = capsys.readouterr().err
    assert app in err and owner not in err  # names the role whose password would change, only that one
    assert "NEW password" in err and "--reset-password" in err and "Nothing was changed" in err
    assert _connects(_as(database_url, app, OTHER_PASSWORD))  # the other workstations still get in
    assert not _execute(database_url, "SELECT 1 FROM pg_roles WHERE rolname = %s", (owner,))
    assert _owner_of_database(database_url) == owner_before
    assert OTHER_PASSWORD not in err


def test_on_a_terminal_anything_but_reset_stops(made_elsewhere, database_url, monkeypatch, capsys):
    owner, app = made_elsewhere
    monkeypatch.setattr("sys.stdin", Terminal("y\n"))
    assert _create_roles(database_url, owner, app) == 2
    err = capsys.readouterr().err
    assert "Type 'reset'" in err and "not confirmed" in err
    assert _connects(_as(database_url, app, OTHER_PASSWORD))


def test_on_a_terminal_reset_gives_new_passwords(made_elsewhere, database_url, monkeypatch, capsys):
    owner, app = made_elsewhere
    monkeypatch.setattr("sys.stdin", Terminal("reset\n"))
    assert _create_roles(database_url, owner, app) == 0
    assert "application role" in capsys.readouterr().out
    assert not _connects(_as(database_url, app, OTHER_PASSWORD))
    url = libpq_url(database_url)
    stored = get_secret(secret_key_for(f"postgresql+psycopg://{app}@{url.split('@', 1)[1]}"))
    assert stored and _connects(_as(database_url, app, stored))
    assert _owner_of_database(database_url) == owner
    # run again: the passwords are in this computer's store now, nothing to ask
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert _create_roles(database_url, owner, app) == 0
    assert "NEW password" not in capsys.readouterr().err
    assert _connects(_as(database_url, app, stored))


@pytest.mark.parametrize("flag", ["--reset-password", "--yes"])
def test_reset_password_goes_on_without_a_terminal(flag, made_elsewhere, database_url, monkeypatch, capsys):
    owner, app = made_elsewhere
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert _create_roles(database_url, owner, app, flag) == 0
    assert "going on" in capsys.readouterr().err
    assert not _connects(_as(database_url, app, OTHER_PASSWORD))
    assert _owner_of_database(database_url) == owner
