"""`demo --reset` touches the embedded demo database only; the reset itself drops and recreates
the database, and refuses while the app is connected to it."""

from __future__ import annotations

import psycopg
import pytest

from pharmacy_desktop import cli
from pharmacy_desktop.config import libpq_url
from pharmacy_desktop.db import backup as backup_mod
from pharmacy_desktop.db import migrate
from tests.cli.conftest import scalar


def test_reset_refuses_a_configured_server(database_url, actors, capsys):
    assert cli.main(["demo", "--reset", "--yes", "--database-url", database_url]) == 2
    err = capsys.readouterr().err
    assert "resets the embedded demo database only" in err and "--database-url" in err
    assert "Nothing was changed" in err
    assert scalar(database_url, "SELECT count(*) FROM user_schema.users") == 4


def test_recreate_empty_refuses_while_in_use_then_empties(database_url, actors, engine):
    engine.dispose()  # the fixtures' pool: only the connection below uses the database
    with psycopg.connect(libpq_url(database_url)):
        with pytest.raises(backup_mod.BackupError, match="is in use"):
            backup_mod.recreate_empty(database_url)
    assert migrate.current(database_url) == migrate.head()
    backup_mod.recreate_empty(database_url)
    assert migrate.current(database_url) is None
    assert scalar(database_url, "SELECT to_regclass('user_schema.users')") is None
