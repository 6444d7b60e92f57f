"""--database-url works before and after the sub-command, for every command.

Each real run has PHARMACY_DATABASE_URL pointing at a second database; the command must act on
the database it was given and leave the other one alone. (Before the fix, a URL before the
sub-command was overwritten by the sub-parser's default and the environment's database was used.)
"""

from __future__ import annotations

import argparse
import io

import pytest

from pharmacy_desktop import cli
from pharmacy_desktop.cli.options import merge_database_url
from pharmacy_desktop.db import migrate
from pharmacy_desktop.logging_setup import teardown_logging
from tests.cli.conftest import scalar

URL = "postgresql://someone@db.example:5433/pharmacy"
POSITIONS = ("before", "after")


@pytest.fixture(autouse=True)
def fresh_logging():
    """cli.main sets up logging once per process; each test gets handlers on its own stderr."""
    teardown_logging()
    yield
    teardown_logging()


def argv(position: str, url: str, *command: str) -> list[str]:
    return ["--database-url", url, *command] if position == "before" else [*command, "--database-url", url]


def run(position: str, url: str, *command: str) -> int:
    return cli.main(argv(position, url, *command))


# -- the parser: every command, every level ----------------------------------------------------


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield path, parser
        return
    for name, child in subs[0].choices.items():
        yield from _commands(child, (*path, name))


def _sample_arguments(parser: argparse.ArgumentParser) -> list[str]:
    """Values for a command's required arguments, so that it parses."""
    values: list[str] = []
    for action in parser._actions:
        value = str(next(iter(action.choices))) if action.choices else "x"
        if not action.option_strings and action.nargs not in ("?", "*"):
            values.append(value)
        elif action.option_strings and action.required:
            values += [action.option_strings[0], value]
    return values


def test_every_command_takes_the_option_before_and_after_itself():
    parser = cli.build_parser()
    commands = list(_commands(parser))
    assert len(commands) >= 15 and ("db", "downgrade") in dict(commands)
    for path, leaf in commands:
        command = [*path, *_sample_arguments(leaf)]
        for where, args in (
            ("before", ["--database-url", URL, *command]),
            ("after", [*command, "--database-url", URL]),
            ("between", [path[0], "--database-url", URL, *command[1:]]),
        ):
            if where == "between" and len(path) < 2:
                continue
            ns = cli.build_parser().parse_args(args)
            merge_database_url(parser, ns)
            assert ns.database_url == URL, (where, path)
            assert not [n for n in vars(ns) if n.startswith("_database_url")]
    app = parser.parse_args(["--database-url", URL])
    merge_database_url(parser, app)
    assert app.command is None and app.database_url == URL  # the app itself


def test_two_different_urls_are_refused_and_the_same_twice_is_fine(capsys):
    with pytest.raises(SystemExit) as raised:
        cli.main(["--database-url", URL, "db", "current", "--database-url", URL + "2"])
    assert raised.value.code == 2
    assert "given twice with different URLs" in capsys.readouterr().err
    parser = cli.build_parser()
    ns = parser.parse_args(["--database-url", URL, "db", "current", "--database-url", URL])
    merge_database_url(parser, ns)
    assert ns.database_url == URL


def test_the_option_is_defined_once_in_the_source():
    from pathlib import Path

    sources = "".join(p.read_text() for p in Path(cli.__file__).parent.glob("*.py"))  # the cli/ package
    assert sources.count('add_argument("--database-url"') == 1


# -- real runs: the right database, the other one untouched --------------------------------------


@pytest.mark.parametrize("position", POSITIONS)
def test_db_current(position, database_url, empty_other_url, capsys):
    assert run(position, database_url, "db", "current") == 0
    assert capsys.readouterr().out.strip() == f"{migrate.head()} (up to date)"


@pytest.mark.parametrize("position", POSITIONS)
def test_db_upgrade(position, empty_database_url, empty_other_url, capsys):
    assert run(position, empty_database_url, "db", "upgrade") == 0
    assert migrate.current(empty_database_url) == migrate.head()
    assert migrate.current(empty_other_url) is None


@pytest.mark.parametrize("position", POSITIONS)
def test_db_downgrade_leaves_the_other_database_untouched(position, database_url, other_url, capsys):
    roles_before = scalar(other_url, "SELECT count(*) FROM user_schema.roles")
    assert roles_before > 0
    assert run(position, database_url, "db", "downgrade", "base", "--yes") == 0
    out, err = capsys.readouterr()
    name = database_url.rsplit("/", 1)[1]
    assert f"About to downgrade to base the database {name} on 127.0.0.1:" in err
    assert "(from --database-url;" in err
    assert "database at revision base (empty)" in out
    assert migrate.current(database_url) is None
    assert scalar(database_url, "SELECT to_regclass('patient_schema.patients')") is None
    assert migrate.current(other_url) == migrate.head()
    assert scalar(other_url, "SELECT count(*) FROM user_schema.roles") == roles_before


@pytest.mark.parametrize("position", POSITIONS)
def test_demo(position, database_url, actors, empty_other_url, capsys):
    # the database given has staff already, so the demo leaves it be; the other must stay empty
    assert run(position, database_url, "demo") == 0
    assert migrate.current(empty_other_url) is None
    assert scalar(database_url, "SELECT count(*) FROM patient_schema.patients") == 0


@pytest.mark.parametrize("position", POSITIONS)
def test_catalog_import_search_and_scan(position, database_url, empty_other_url, tiny_catalog, capsys):
    assert run(position, database_url, "catalog", "import", str(tiny_catalog)) == 0
    assert "rejected:    0" in capsys.readouterr().out
    assert scalar(database_url, "SELECT count(*) FROM prescription_schema.medications") > 0
    assert run(position, database_url, "catalog", "search", "onglyza", "--json") == 0
    assert "ONGLYZA" in capsys.readouterr().out.upper()
    assert run(position, database_url, "scan", "0003-4214-11") == 0
    assert capsys.readouterr().out.startswith("found")
    assert (
        scalar(
            empty_other_url,
            "SELECT count(*) FROM pg_tables WHERE schemaname <> 'pg_catalog' AND schemaname <> 'information_schema'",
        )
        == 0
    )


@pytest.mark.parametrize("position", POSITIONS)
def test_print_test_page_queue_and_label(position, database_url, empty_other_url, tmp_path, capsys):
    target = tmp_path / "printer.bin"
    assert run(position, database_url, "print", "test-page", "--printer", f"file:{target}") == 0
    assert target.stat().st_size > 0
    assert scalar(database_url, "SELECT count(*) FROM notification_schema.print_jobs") == 1
    assert run(position, database_url, "print", "queue", "--all-workstations") == 0
    assert "test" in capsys.readouterr().out.lower()
    # no such prescription in the database given: a clear refusal (exit 2), not a database error
    assert run(position, database_url, "print", "label", "999999", "--printer", f"file:{target}") == 2
    assert "999999" in capsys.readouterr().err


@pytest.mark.parametrize("position", POSITIONS)
def test_users_create_and_list(position, database_url, empty_other_url, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("Harbor-Lantern-2026!\n"))
    assert (
        run(
            position,
            database_url,
            "users",
            "create",
            "--username",
            "boss",
            "--first-name",
            "Bo",
            "--last-name",
            "Ss",
            "--email",
            "boss@pharmacy.test",
            "--role",
            "admin",
            "--password-stdin",
        )
        == 0
    )
    monkeypatch.setenv("PHARMACY_ADMIN_PASSWORD", "Harbor-Lantern-2026!")
    assert run(position, database_url, "users", "list", "--admin", "boss") == 0
    assert "boss" in capsys.readouterr().out
    assert scalar(database_url, "SELECT count(*) FROM user_schema.users") == 1


@pytest.mark.parametrize("position", POSITIONS)
def test_db_create_roles(position, database_url, empty_other_url, capsys):
    owner, app = f"cli_owner_{position}", f"cli_app_{position}"
    other_owner = scalar(
        empty_other_url, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"
    )
    assert run(position, database_url, "db", "create-roles", "--owner-role", owner, "--app-role", app) == 0
    assert (
        scalar(database_url, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()")
        == owner
    )
    assert (
        scalar(empty_other_url, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()")
        == other_owner
    )


@pytest.mark.parametrize("position", POSITIONS)
def test_screenshots(position, qapp, database_url, actors, empty_other_url, tmp_path, capsys):
    assert run(position, database_url, "screenshots", str(tmp_path), "--only", "signin") == 0
    assert (tmp_path / "signin.png").stat().st_size > 0


@pytest.mark.parametrize("position", POSITIONS)
def test_db_connect_refuses_the_option(position, database_url, capsys):
    assert run(position, database_url, "db", "connect", database_url) == 2
    assert "leave out --database-url" in capsys.readouterr().err
