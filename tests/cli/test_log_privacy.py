"""No patient detail in the log: hostile input pushed to the real database through a service, the
failure logged by the app's own logging set-up and its background-operation path, then the log
file grepped. Log folder 0700, log files 0600, rotated ones included."""

from __future__ import annotations

import datetime as dt
import logging
import os
import stat

import pytest
from PySide6.QtWidgets import QWidget

from pharmacy_desktop.db.models.patients import Patient
from pharmacy_desktop.errors import PharmacyError
from pharmacy_desktop.logging_setup import LOG_FILE, PrivateRotatingFileHandler, scrub, setup_logging, teardown_logging
from pharmacy_desktop.services import patients
from pharmacy_desktop.ui.ops import run_in_background, user_message

# the hostile patient: every detail below must stay out of the log and the messages
FIRST, LAST, PHONE, STREET = "Marguerite", "Vandersloot", "(217) 555-0199", "88 Orchard Lane"
DOB = dt.date(1951, 3, 14)
SECRETS = ("Marguerite", "Vandersloot", "1951", "555-0199", "Orchard")


def form(**changes) -> patients.PatientForm:
    values = dict(
        first_name=FIRST,
        last_name=LAST,
        date_of_birth=DOB,
        phone_primary=PHONE,
        address_line1=STREET,
        city="Springfield",
        state="IL",
        zip_code="62704",
    )
    return patients.PatientForm(**{**values, **changes})


HOSTILE = {
    "NUL in the first name": form(first_name="Margue\x00rite"),
    "NUL in the address": form(address_line1=f"{STREET}\x00"),
    "last name of 300 characters": form(last_name=LAST * 28),
    "first name of 150 characters": form(first_name=FIRST * 15),
    "address of 400 characters": form(address_line1=STREET * 27),
}


@pytest.fixture
def log_file(tmp_path):
    """The app's logging set-up writing into a folder of this test; SQL echo on (statements and
    parameters are logged at INFO by sqlalchemy.engine), to prove the parameters are hidden too."""
    root = logging.getLogger()
    level = root.level
    sql_logger = logging.getLogger("sqlalchemy.engine")
    sql_level = sql_logger.level
    teardown_logging()
    setup_logging(logging.DEBUG, console=True, directory=tmp_path / "logs")
    sql_logger.setLevel(logging.INFO)
    try:
        yield tmp_path / "logs" / LOG_FILE
    finally:
        sql_logger.setLevel(sql_level)
        teardown_logging()
        root.setLevel(level)


def _read(path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


def test_hostile_patients_through_the_service_leave_no_detail_in_the_log_or_the_dialog(
    qtbot, uow_factory, actors, log_file
):
    widget = QWidget()
    qtbot.addWidget(widget)
    failures: list[BaseException] = []
    for hostile in HOSTILE.values():
        run_in_background(
            widget,
            lambda f=hostile: patients.create_patient(uow_factory, actors["technician"], f),
            lambda _: failures.append(AssertionError("saved")),
            failures.append,
        )
    qtbot.waitUntil(lambda: len(failures) == len(HOSTILE), timeout=20_000)

    for label, exc in zip(HOSTILE, failures):
        assert not isinstance(exc, AssertionError), f"{label}: saved"
        message = user_message(exc)
        assert not [s for s in SECRETS if s in message], (label, message)
    # whatever the field validation does not stop yet reaches the database and its error is logged
    reached_database = [e for e in failures if not isinstance(e, PharmacyError)]
    text = _read(log_file)
    assert text.count("Background operation failed") == len(reached_database)
    assert not [s for s in SECRETS if s in text], [
        line for line in text.splitlines() if any(s in line for s in SECRETS)
    ]
    with uow_factory() as uow:
        assert uow.session.query(Patient).count() == 0


def test_database_errors_that_carry_a_row_are_logged_without_it(uow_factory, log_file):
    """The safety net on its own: errors that certainly reach the database (no validation before
    them), logged with their traceback: too long, NUL, a duplicate (DETAIL: Key (...)=(...)), a
    check that fails (DETAIL: Failing row contains (...))."""
    log = logging.getLogger("pharmacy_desktop.test")
    values = dict(
        first_name=FIRST,
        last_name=LAST,
        date_of_birth=DOB,
        phone_primary=PHONE,
        address_line1=STREET,
        city="Springfield",
        state="IL",
        zip_code="62704",
    )

    def insert(number: str, **changes) -> None:
        with uow_factory() as uow:
            uow.session.add(Patient(patient_number=number, **{**values, **changes}))
            uow.commit()

    insert(f"P-{LAST}")
    attempts = {
        "too long": lambda: insert("P-2", last_name=LAST * 20),
        "NUL": lambda: insert("P-3", first_name="Mar\x00guerite"),
        "duplicate": lambda: insert(f"P-{LAST}"),
        "not null": lambda: insert("P-4", city=None),
    }
    seen = {}
    for label, attempt in attempts.items():
        try:
            attempt()
        except Exception as exc:  # logged as the app logs an unexpected failure
            seen[label] = exc
            log.exception("saving the patient failed (%s)", label)
    assert set(seen) == set(attempts)
    assert "Key (patient_number)=(P-Vandersloot)" in str(seen["duplicate"])  # what the driver said
    assert "Failing row contains" in str(seen["not null"])
    text = _read(log_file)
    assert text.count("saving the patient failed") == len(attempts) and "Traceback" in text
    assert "[parameters: (hidden)]" in text and "[SQL: (hidden)]" in text
    assert "DETAIL: (hidden)" in text and "duplicate key value violates unique constraint" in text
    assert not [s for s in SECRETS if s in text], [
        line for line in text.splitlines() if any(s in line for s in SECRETS)
    ]


def test_scrub_takes_out_statements_parameters_and_row_values():
    message = (
        '(psycopg.errors.UniqueViolation) duplicate key value violates unique constraint "uq"\n'
        "DETAIL:  Key (email)=(ann.lee@example.com) already exists.\n"
        "[SQL: INSERT INTO patient_schema.patients (first_name, last_name)\n"
        "VALUES (%(first_name)s::VARCHAR, %(last_name)s::VARCHAR)]\n"
        "[parameters: {'first_name': 'Ann', 'last_name': 'Lee ]\\n[x'}]\n"
        "(Background on this error at: https://sqlalche.me/e/20/gkpj)"
    )
    cleaned = scrub(message)
    assert "ann.lee" not in cleaned and "'Ann'" not in cleaned and "VALUES" not in cleaned
    assert cleaned.splitlines()[0].startswith("(psycopg.errors.UniqueViolation) duplicate key value")
    assert "(Background on this error" in cleaned
    assert scrub('invalid input syntax for type date: "Ann Lee"') == 'invalid input syntax for type date: "(hidden)"'
    assert scrub("connecting to postgresql://app:Secret-1@db/x") == "connecting to postgresql://app:***@db/x"
    assert scrub("value too long for type character varying(100)") == "value too long for type character varying(100)"


def test_log_folder_and_files_are_owner_only_even_after_rotation(tmp_path):
    folder = tmp_path / "logs"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    old = umask = None
    try:
        umask = os.umask(0o022)  # what a desktop session has: new files 0644 unless the app says otherwise
        (folder / LOG_FILE).write_text("an older, world-readable log\n")
        (folder / f"{LOG_FILE}.1").write_text("an older rotated log\n")
        os.chmod(folder / LOG_FILE, 0o644)
        teardown_logging()
        setup_logging(logging.INFO, directory=folder)
        logging.getLogger("pharmacy_desktop.test").warning("first line")
        handler = next(h for h in logging.getLogger().handlers if isinstance(h, PrivateRotatingFileHandler))
        handler.doRollover()
        logging.getLogger("pharmacy_desktop.test").warning("after the rotation")
        handler.flush()
        old = sorted(folder.iterdir())
    finally:
        teardown_logging()
        if umask is not None:
            os.umask(umask)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert [p.name for p in old] == [LOG_FILE, f"{LOG_FILE}.1", f"{LOG_FILE}.2"]
    for path in old:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    assert "after the rotation" in (folder / LOG_FILE).read_text()


def test_a_new_log_folder_is_created_owner_only(tmp_path):
    try:
        teardown_logging()
        setup_logging(logging.INFO, directory=tmp_path / "state" / "logs")
        logging.getLogger("pharmacy_desktop.test").warning("hello")
    finally:
        teardown_logging()
    assert stat.S_IMODE((tmp_path / "state" / "logs").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "state" / "logs" / LOG_FILE).stat().st_mode) == 0o600
