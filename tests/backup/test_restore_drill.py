"""The restore drill: back up a small pharmacy, drop the database, restore it: the revision, every
table's row count and the key tables' checksums match the manifest and the data before."""

from __future__ import annotations

import io
import tarfile

import psycopg
import pytest

from pharmacy_desktop.config import libpq_url
from pharmacy_desktop.db import backup as backup_mod
from pharmacy_desktop.db import migrate
from pharmacy_desktop.db import restore as restore_mod
from tests.conftest import drop_database
from tests.fill.factories import world


def _name(url: str) -> str:
    return url.rsplit("/", 1)[1]


@pytest.fixture
def pharmacy_url(database_url, uow_factory, actors):
    """A small pharmacy: four staff accounts, a catalog, stock, a patient and a prescription."""
    world(uow_factory)
    return database_url


def test_backup_drop_restore_matches(pharmacy_url, pg_server, tmp_path):
    before = backup_mod.database_snapshot(pharmacy_url)
    assert before.rows["patient_schema.patients"] == 1 and before.rows["user_schema.users"] == 4
    assert before.checksums["prescription_schema.prescriptions"] != before.checksums["patient_schema.patients"]

    file = tmp_path / "drill.pharmacy-backup"
    manifest = backup_mod.backup(pharmacy_url, file)
    assert manifest.revision == migrate.head() and manifest.app_version
    assert manifest.rows == before.rows and manifest.checksums == before.checksums
    with tarfile.open(file) as tar:
        assert sorted(tar.getnames()) == ["database.dump", "manifest.json"]

    drop_database(pg_server, pharmacy_url)  # the disaster
    result = restore_mod.restore(file, pharmacy_url)
    assert result.database == _name(pharmacy_url) and result.kept is None  # nothing left to keep

    after = backup_mod.database_snapshot(pharmacy_url)
    assert after.revision == before.revision
    assert after.rows == before.rows
    assert after.checksums == before.checksums
    assert backup_mod.differences(manifest, after) == []


def test_restore_keeps_the_old_database_until_dropped(pharmacy_url, tmp_path):
    file = tmp_path / "b.pharmacy-backup"
    backup_mod.backup(pharmacy_url, file)
    with psycopg.connect(libpq_url(pharmacy_url), autocommit=True) as conn:
        conn.execute("UPDATE patient_schema.patients SET first_name = 'Changed'")  # after the backup
    result = restore_mod.restore(file, pharmacy_url)
    assert result.kept is not None and result.kept.startswith(_name(pharmacy_url) + "_before_restore_")
    with psycopg.connect(libpq_url(pharmacy_url)) as conn:
        assert conn.execute("SELECT first_name FROM patient_schema.patients").fetchone()[0] == "Maria"
    kept_url = pharmacy_url.rsplit("/", 1)[0] + "/" + result.kept
    with psycopg.connect(libpq_url(kept_url)) as conn:
        assert conn.execute("SELECT first_name FROM patient_schema.patients").fetchone()[0] == "Changed"
    assert restore_mod.kept_databases(pharmacy_url) == [result.kept]
    restore_mod.drop_kept(pharmacy_url, [result.kept])
    assert restore_mod.kept_databases(pharmacy_url) == []


def test_a_damaged_backup_is_refused_and_nothing_changes(pharmacy_url, tmp_path):
    file = tmp_path / "b.pharmacy-backup"
    manifest = backup_mod.backup(pharmacy_url, file)
    damaged = tmp_path / "damaged.pharmacy-backup"
    with tarfile.open(file) as src, tarfile.open(damaged, "w") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name == "database.dump":
                data = data[:-10] + b"x" * 10
            dst.addfile(member, io.BytesIO(data))
    with pytest.raises(backup_mod.BackupError, match="damaged"):
        restore_mod.restore(damaged, pharmacy_url)
    assert restore_mod.kept_databases(pharmacy_url) == []
    assert backup_mod.differences(manifest, backup_mod.database_snapshot(pharmacy_url)) == []


def test_a_restore_that_does_not_match_its_manifest_is_removed(pharmacy_url, tmp_path):
    file = tmp_path / "b.pharmacy-backup"
    manifest = backup_mod.backup(pharmacy_url, file)
    lying = backup_mod.Manifest(**{**manifest.__dict__, "rows": {**manifest.rows, "patient_schema.patients": 2}})
    forged = tmp_path / "forged.pharmacy-backup"
    with tarfile.open(file) as src, tarfile.open(forged, "w") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name == "manifest.json":
                data = lying.to_json().encode()
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    with pytest.raises(backup_mod.BackupError, match="patients: 1 rows instead of 2"):
        restore_mod.restore(forged, pharmacy_url)
    with psycopg.connect(libpq_url(pharmacy_url.rsplit("/", 1)[0] + "/postgres")) as conn:
        leftovers = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE '%restoring%'").fetchall()
    assert leftovers == []
