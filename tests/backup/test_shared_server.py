"""Backup and restore on a shared server set up with `db create-roles`: the owner backs up; the
restore (by a role that may create databases) keeps the owner, the application role's rights and
its CONNECT, so the workstations go on working against the restored data; the application role
can neither back up nor read the revision table directly."""

from __future__ import annotations

import itertools
import os

import psycopg
import pytest

from pharmacy_desktop.cli.roles import create_roles
from pharmacy_desktop.config import libpq_url, with_keyring_password
from pharmacy_desktop.db import backup as backup_mod
from pharmacy_desktop.db import migrate
from pharmacy_desktop.db import restore as restore_mod
from tests.fill.factories import world

_n = itertools.count()


@pytest.fixture
def shared(database_url, uow_factory, engine):
    world(uow_factory)
    engine.dispose()
    suffix = f"{os.getpid()}_{next(_n)}"
    owner, app = f"bk_owner_{suffix}", f"bk_app_{suffix}"
    urls = create_roles(database_url, owner, app)
    return with_keyring_password(urls[owner]), with_keyring_password(urls[app]), owner


def test_owner_backs_up_superuser_restores_and_the_app_role_still_works(shared, database_url, tmp_path):
    owner_url, app_url, owner = shared
    file = tmp_path / "shared.pharmacy-backup"
    with pytest.raises(backup_mod.BackupError, match="owner's credentials"):
        backup_mod.backup(app_url, file)
    manifest = backup_mod.backup(owner_url, file)
    assert manifest.rows["patient_schema.patients"] == 1

    with pytest.raises(backup_mod.BackupError, match="may create databases"):
        restore_mod.restore(file, owner_url)  # the owner role has no CREATEDB
    result = restore_mod.restore(file, database_url)  # the server's administrator
    assert result.kept is not None

    with psycopg.connect(libpq_url(app_url)) as conn:  # CONNECT and the table rights came along
        assert conn.execute("SELECT count(*) FROM patient_schema.patients").fetchone()[0] == 1
        conn.execute("UPDATE patient_schema.patients SET first_name = first_name")
    with psycopg.connect(libpq_url(database_url)) as conn:
        assert (
            conn.execute(
                "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"
            ).fetchone()[0]
            == owner
        )
        assert (
            conn.execute("SELECT has_database_privilege('public', current_database(), 'CONNECT')").fetchone()[0]
            is False
        )
    assert migrate.inspect_revision(app_url).status == "current"  # the stamp came along
    restore_mod.drop_kept(database_url, [result.kept])
