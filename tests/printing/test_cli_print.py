"""`pharmacy-desktop print ...` against the test database and fake printers: a printed test page and an
unreachable printer's exit code 6 as real subprocesses, the other commands through the entry point's
main(argv) in this process."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import select

from pharmacy_desktop.db.models.audit import DomainEvent
from pharmacy_desktop.db.models.notifications import PrintJob
from tests.cli.conftest import run_main
from tests.escpos_parse import parse
from tests.printing.conftest import read_all, read_silently, refused_uri


def run_cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pharmacy_desktop", "print", *args, "--database-url", database_url],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ},
    )


def run_in(capsys, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run_main(capsys, "print", *args, "--database-url", database_url)


def jobs(uow_factory) -> list[PrintJob]:
    with uow_factory() as uow:
        rows = list(uow.session.scalars(select(PrintJob).order_by(PrintJob.created_at)))
        uow.session.expunge_all()
        return rows


def test_test_page_through_the_queue(database_url, uow_factory, printer):
    fake = printer(read_all)
    done = run_cli(database_url, "test-page", "--printer", fake.uri, "--profile", "TM-T20II")
    assert done.returncode == 0, done.stderr
    assert f"Printed on {fake.uri}" in done.stdout
    parsed = parse(fake.wait_jobs(1)[0])
    assert "TEST PAGE" in parsed.words and f"Printer {fake.uri}" in parsed.words
    assert "Profile TM-T20II" in parsed.words and "Columns 48 (24 double width)" in parsed.words
    assert [b.data for b in parsed.barcodes] == [b"{BTEST-1234"] and parsed.cuts
    [job] = jobs(uow_factory)
    assert (job.job_type, job.status, job.printer_uri, job.attempts) == ("test_page", "printed", fake.uri, 1)


def test_test_page_sent_but_not_confirmed_says_so(database_url, printer, capsys):
    fake = printer(read_silently)  # an Epson model that never answers its status query
    done = run_in(capsys, database_url, "test-page", "--printer", fake.uri, "--profile", "TM-T20II")
    assert done.returncode == 0, done.stderr
    assert "Printed on" not in done.stdout
    assert f"Sent to {fake.uri}, not confirmed" in done.stdout


def test_label_reprint_by_rx_number(database_url, uow_factory, actors, fill, printer, capsys):
    fake = printer(read_all)
    first = run_in(capsys, database_url, "label", "6001234", "--printer", fake.uri)
    assert first.returncode == 0, first.stderr
    again = run_in(capsys, database_url, "label", "6001234", "--printer", fake.uri, "--reason", "Vial label torn")
    assert again.returncode == 0, again.stderr
    labels = [parse(data) for data in fake.wait_jobs(2)]
    assert all(p.barcodes[0].data == b"{B6001234" for p in labels)
    assert "REPRINT" not in labels[0].text and labels[1].lines[0].text.strip() == "REPRINT"
    original, reprint = jobs(uow_factory)
    assert not original.is_reprint and reprint.is_reprint and reprint.reprint_of == original.id
    with uow_factory() as uow:
        [event] = uow.session.scalars(select(DomainEvent).where(DomainEvent.event_type == "LabelReprinted"))
        assert event.event_data["reason"] == "Vial label torn" and event.user_id is None


def test_unreachable_printer_exits_6_and_the_job_stays_queued(database_url, uow_factory, printer):
    uri = refused_uri()
    done = run_cli(database_url, "test-page", "--printer", uri)
    assert done.returncode == 6
    assert "refused the connection" in done.stdout and "stays in the queue" in done.stdout
    [job] = jobs(uow_factory)
    assert job.status == "failed" and "refused the connection" in job.last_error


def test_unknown_rx_number_is_a_clear_error(database_url, pharmacy, capsys):
    done = run_in(capsys, database_url, "label", "99999", "--printer", "tcp://127.0.0.1:9")
    assert done.returncode == 2
    assert "No prescription has the number '99999'" in done.stderr


def test_bad_printer_address_is_a_clear_error(database_url, capsys):
    done = run_in(capsys, database_url, "test-page", "--printer", "lpt1")
    assert done.returncode == 2 and "needs a type, e.g. tcp://10.0.0.5:9100" in done.stderr


def test_queue_listing(database_url, uow_factory, printer, capsys):
    run_in(capsys, database_url, "test-page", "--printer", refused_uri())
    done = run_in(capsys, database_url, "queue")
    assert done.returncode == 0, done.stderr
    assert "Failed: retrying" in done.stdout and "Test page" in done.stdout and "refused the connection" in done.stdout
