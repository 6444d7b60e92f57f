"""`db backup`, `db restore`, `db upgrade` and `db current` as a person runs them: the backup, restore
and drop of the old copy as real processes; the refusals and `db current` through the entry point's
main(argv) in this process (tests/cli/conftest.run_main)."""

from __future__ import annotations

import os

import psycopg

from pharmacy_desktop.config import libpq_url
from pharmacy_desktop.db import migrate
from pharmacy_desktop.db import restore as restore_mod
from tests.cli.conftest import console_lines, run_cli, run_main, scalar


def _name(url: str) -> str:
    return url.rsplit("/", 1)[1]


def test_backup_then_restore_then_drop_the_old_copy(database_url, actors, tmp_path):
    file = tmp_path / "nightly.pharmacy-backup"
    made = run_cli("db", "backup", "--output", str(file), "--database-url", database_url)
    assert made.returncode == 0, made.stderr
    assert f"backup written: {file}" in made.stdout and f"revision {migrate.head()}" in made.stdout
    assert "4 users, 0 patients, 0 prescriptions" in made.stdout

    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        conn.execute("UPDATE user_schema.users SET email = 'changed-' || email")

    refused = run_cli("db", "restore", str(file), "--database-url", database_url)  # no terminal, no --yes
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert scalar(database_url, "SELECT count(*) FROM user_schema.users WHERE email LIKE 'changed-%'") == 4

    restored = run_cli("db", "restore", str(file), "--yes", "--database-url", database_url)
    assert restored.returncode == 0, restored.stderr
    lines = console_lines(restored.stderr)
    assert lines[0].startswith(f"Backup {file.name}: taken ") and "4 users" in lines[0]
    assert any(
        line.startswith(f"About to restore {file.name} in place of the database {_name(database_url)}")
        for line in lines
    )
    assert "restored and verified against the manifest" in restored.stdout
    assert "pharmacy-desktop db restore --confirm-drop-old" in restored.stdout
    assert scalar(database_url, "SELECT count(*) FROM user_schema.users WHERE email LIKE 'changed-%'") == 0
    kept = restore_mod.kept_databases(database_url)
    assert len(kept) == 1

    dropped = run_cli("db", "restore", "--confirm-drop-old", "--yes", "--database-url", database_url)
    assert dropped.returncode == 0, dropped.stderr
    assert f"dropped: {kept[0]}" in dropped.stdout
    assert restore_mod.kept_databases(database_url) == []


def test_a_file_that_is_not_a_backup_is_refused_before_anything(database_url, tmp_path, capsys):
    junk = tmp_path / "photo.pharmacy-backup"
    junk.write_bytes(b"not a tar at all")
    result = run_main(capsys, "db", "restore", str(junk), "--yes", "--database-url", database_url)
    assert result.returncode == 2
    assert console_lines(result.stderr) == [
        "error: photo.pharmacy-backup is not a pharmacy-desktop backup (not a backup archive)."
    ]


def test_upgrade_needs_the_owner_and_current_names_a_newer_database(database_url, capsys):
    role = f"cli_guard_{os.getpid()}"
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        conn.execute(f"DROP ROLE IF EXISTS {role}")
        conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'guard-test-pw'")
    try:
        app_url = f"postgresql+psycopg://{role}:guard-test-pw@{database_url.split('@', 1)[1]}"
        result = run_main(capsys, "db", "upgrade", "--database-url", app_url)
        assert result.returncode == 2
        assert "only an administrator may upgrade this database" in result.stderr
        assert "Nothing was changed" in result.stderr
    finally:
        with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
            conn.execute(f"DROP ROLE {role}")
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        conn.execute("UPDATE public.alembic_version SET version_num = '0999'")
    current = run_main(capsys, "db", "current", "--database-url", database_url)
    assert current.returncode == 0
    assert current.stdout.startswith(f"0999 (newer than this app's head {migrate.head()}:")
    upgrade = run_main(capsys, "db", "upgrade", "--database-url", database_url)
    assert upgrade.returncode == 2 and "does not know" in upgrade.stderr
