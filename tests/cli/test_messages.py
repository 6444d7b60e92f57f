"""One clear line on the console, the traceback in the log file only; plain messages in the app
for database failures, with "cannot reach the database at HOST:PORT" when it never connected."""

from __future__ import annotations

import datetime as dt
import socket
import uuid

import psycopg
import pytest
from sqlalchemy import text

from pharmacy_desktop.db import migrate
from pharmacy_desktop.db.engine import make_engine, make_session_factory
from pharmacy_desktop.db.models.patients import Patient
from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
from pharmacy_desktop.error_messages import failure_message
from pharmacy_desktop.errors import DatabaseUnavailable, NotFound
from pharmacy_desktop.ui.ops import error_title, user_message
from tests.cli.conftest import console_lines, run_cli, run_main


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _log_text(data_dir) -> str:
    return "".join(p.read_text() for p in (data_dir / "logs").glob("pharmacy-desktop.log*"))


# -- the console: one line; the log file: the traceback ------------------------------------------
# the commands whose log file is read run as real processes (run_cli: the log goes to their data
# folder); the others through main(argv) in this process (run_main): the same exit code and stderr


def test_an_unknown_revision_is_one_line(database_url, tmp_path):
    result = run_cli(
        "db", "upgrade", "nonsense", "--database-url", database_url, env={"PHARMACY_DATA_DIR": str(tmp_path)}
    )
    assert result.returncode == 1
    assert console_lines(result.stderr) == [
        "error: The migration was refused: Can't locate revision identified by 'nonsense'. "
        f"Known revisions: base, {', '.join(f'{n:04d}' for n in range(1, int(migrate.head()) + 1))}"
        f" (head is {migrate.head()})."
    ]
    assert "Traceback" not in result.stderr
    log = _log_text(tmp_path)
    assert "Traceback" in log and "CommandError" in log


@pytest.mark.parametrize("position", ("before", "after"))
def test_an_unreachable_server_is_one_line(position, tmp_path):
    port = free_port()
    url = f"postgresql://pharmacy_app@127.0.0.1:{port}/pharmacy"
    command = ["db", "current"]
    args = ["--database-url", url, *command] if position == "before" else [*command, "--database-url", url]
    result = run_cli(*args, env={"PHARMACY_DATA_DIR": str(tmp_path)})
    assert result.returncode == 1
    lines = console_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(
        f"error: Cannot reach the database at 127.0.0.1:{port} (the server refused the "
        "connection: is PostgreSQL running there?)"
    )
    log = _log_text(tmp_path)
    assert "Traceback" in log and "OperationalError" in log


def test_an_unreachable_server_for_a_command_that_opens_the_app_database(tmp_path, capsys, monkeypatch):
    port = free_port()
    monkeypatch.setenv("PHARMACY_DATA_DIR", str(tmp_path))
    result = run_main(
        capsys, "--database-url", f"postgresql://pharmacy_app@127.0.0.1:{port}/pharmacy", "print", "queue"
    )
    assert result.returncode == 1
    assert console_lines(result.stderr) == [
        f"error: Cannot reach the database at 127.0.0.1:{port} (the server refused the connection: is PostgreSQL "
        "running there?). Nothing was saved. Check the network, the database server and the database settings, "
        "then try again."
    ]


def test_db_connect_to_an_unreachable_server_is_one_line_and_saves_nothing(tmp_path, capsys, monkeypatch):
    port = free_port()
    monkeypatch.setenv("PHARMACY_DATA_DIR", str(tmp_path))
    result = run_main(capsys, "db", "connect", f"postgresql://pharmacy_app@127.0.0.1:{port}/pharmacy", "--no-password")
    assert result.returncode == 1
    assert console_lines(result.stderr) == [
        f"error: could not connect. Cannot reach the database at 127.0.0.1:{port} (the server refused the "
        "connection: is PostgreSQL running there?). Nothing was saved. Check the network, the database server "
        "and the database settings, then try again."
    ]
    assert not (tmp_path / "config" / "workstation.toml").exists()


@pytest.mark.parametrize("url", ("mysql://root@db/pharmacy", "sqlite:///pharmacy.db"))
def test_a_url_that_is_not_postgresql_is_one_line(url, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PHARMACY_DATA_DIR", str(tmp_path))
    result = run_main(capsys, "--database-url", url, "db", "current")
    assert result.returncode == 2
    lines = console_lines(result.stderr)
    assert len(lines) == 1 and lines[0].startswith("error: Not a PostgreSQL URL:")
    assert "(the URL came from --database-url)" in lines[0]


def test_a_bad_url_in_the_environment_says_where_it_came_from(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PHARMACY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PHARMACY_DATABASE_URL", "mysql://root@db/pharmacy")
    result = run_main(capsys, "scan", "0003-4214-11")
    assert result.returncode == 2
    assert console_lines(result.stderr)[-1].endswith("(the URL came from PHARMACY_DATABASE_URL)")


# -- the app's messages: never the driver's text ---------------------------------------------------


PATIENT = dict(
    first_name="Marguerite",
    last_name="Vandersloot",
    date_of_birth=dt.date(1951, 3, 14),
    phone_primary="(217) 555-0199",
    address_line1="88 Orchard Lane",
    city="Springfield",
    state="IL",
    zip_code="62704",
)
DETAILS = ("Marguerite", "Vandersloot", "1951-03-14", "555-0199", "Orchard")


def _insert(uow_factory, **changes):
    with uow_factory() as uow:
        uow.session.add(Patient(patient_number=changes.pop("patient_number", "P-CLI-1"), **{**PATIENT, **changes}))
        uow.commit()


def _error(fn) -> BaseException:
    try:
        fn()
    except BaseException as exc:  # noqa: BLE001 - the exception is what the test looks at
        return exc
    raise AssertionError("no error")


def test_a_duplicate_is_a_plain_message_without_the_row(uow_factory):
    _insert(uow_factory)
    exc = _error(lambda: _insert(uow_factory))
    assert "Vandersloot" in str(exc) and "DETAIL" in str(exc)  # what the driver says...
    message = user_message(exc)
    assert message.startswith("The database refused the change: it conflicts with a record already stored")
    assert not any(d in message for d in DETAILS)  # ...and what the person reads
    assert error_title(exc) == "Could not save"


@pytest.mark.parametrize(
    "changes", ({"last_name": "V" * 101}, {"first_name": "Margue\x00rite"}, {"address_line1": "88 Orchard Lane\x00"})
)
def test_a_value_that_does_not_fit_is_a_plain_message(uow_factory, changes):
    exc = _error(lambda: _insert(uow_factory, **changes))
    message = user_message(exc)
    assert message.startswith(
        "A value does not fit the database: too long, out of range or with a hidden "
        "control character. Nothing was saved."
    )
    assert not any(d in message for d in DETAILS)


def test_never_connected_is_cannot_reach_not_connection_lost():
    port = free_port()
    engine = make_engine(f"postgresql://pharmacy_app:x@127.0.0.1:{port}/pharmacy")
    try:
        factory = UnitOfWorkFactory(make_session_factory(engine))

        def work():
            with factory() as uow:
                uow.session.execute(text("SELECT 1"))

        exc = _error(work)
    finally:
        engine.dispose()
    assert isinstance(exc, DatabaseUnavailable)
    assert user_message(exc).startswith(f"Cannot reach the database at 127.0.0.1:{port} (the server refused")
    assert "connection was lost" not in user_message(exc)
    assert error_title(exc) == "Database unavailable"


def test_a_connection_lost_mid_work_is_still_connection_lost(uow_factory, pg_server, database_url):
    def work():
        with uow_factory() as uow:
            pid = uow.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
            with psycopg.connect(pg_server.admin_dsn("postgres"), autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            uow.session.execute(text("SELECT 1"))

    exc = _error(work)
    assert isinstance(exc, DatabaseUnavailable)
    assert user_message(exc).startswith("The database connection was lost; nothing was saved.")


def test_expected_errors_keep_their_words_and_bugs_stay_bugs():
    assert failure_message(NotFound("No prescription Rx 12.")) == "No prescription Rx 12."
    assert failure_message(KeyError("x")) is None
    assert user_message(ValueError("bad")).startswith("Something went wrong: bad.")


def test_a_wrapped_database_error_is_found_through_the_cause():
    try:
        try:
            raise psycopg.errors.StringDataRightTruncation("value too long for type character varying(100)")
        except psycopg.Error as inner:
            raise RuntimeError(f"saving {uuid.uuid4()} failed") from inner
    except RuntimeError as exc:
        assert user_message(exc).startswith("A value does not fit the database")


def test_a_specific_unavailable_message_keeps_its_words():
    """Only the unit of work's generic "connection lost" is replaced; a service's own words stay."""
    port = free_port()
    try:
        try:
            psycopg.connect(f"postgresql://x@127.0.0.1:{port}/x", connect_timeout=3)
        except psycopg.OperationalError as cause:
            raise DatabaseUnavailable("The database cannot be reached, so the scan was not checked.") from cause
    except DatabaseUnavailable as exc:
        assert user_message(exc) == "The database cannot be reached, so the scan was not checked."


def test_a_logged_traceback_is_one_line_on_the_console(tmp_path, capsys):
    import logging

    from pharmacy_desktop.logging_setup import LOG_FILE, setup_logging, teardown_logging

    teardown_logging()
    try:
        setup_logging(logging.INFO, console=True, directory=tmp_path)
        try:
            raise RuntimeError("the printer thread fell over")
        except RuntimeError:
            logging.getLogger("pharmacy_desktop.test").exception("print sender stopped")
        logging.getLogger("pharmacy_desktop.test").info("not for the console")
    finally:
        teardown_logging()
    assert capsys.readouterr().err == "error: print sender stopped\n"
    assert "Traceback" in (tmp_path / LOG_FILE).read_text()
