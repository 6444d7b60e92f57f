"""Item 9 of issue 11: a label counts as printed only when the printer says it is ready afterwards.

Fake printers on 127.0.0.1 read the job, answer DLE EOT 1/2/4 with real status bytes (or never),
and the bytes they received are parsed back with tests/escpos_parse.py.
"""

from __future__ import annotations

import time

import pytest

from pharmacy_desktop.printing.printer_status import STATUS_QUERIES, read_status
from pharmacy_desktop.printing.profiles import get_profile
from pharmacy_desktop.services import print_queue
from pharmacy_desktop.services.print_sender import PrintSender
from pharmacy_desktop.services.printer_settings import printer_settings_from
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.screens.print_queue import PrintQueueScreen
from tests.escpos_parse import StatusQuery, parse
from tests.printing.conftest import (
    COVER_OPEN,
    PAPER_LOW,
    PAPER_OUT,
    READY,
    answering,
    make_fill,
    never_read,
    read_silently,
    workstation_config,
)
from tests.printing.test_print_queue import job, job_row, queue_label


def send_label(uow_factory, actors, fill, uri, profile="TM-T88V"):
    cfg = workstation_config(label_uri=uri, profile=profile)
    job_id = queue_label(uow_factory, actors["technician"], fill[0], cfg)
    dispatcher = PrintSender(uow_factory, lambda: printer_settings_from(cfg), "test-ws", timeout=2.0)
    started = time.monotonic()
    [result] = dispatcher.send_pending()
    return job_id, result, dispatcher, time.monotonic() - started


def job_then_queries(data: bytes, payload: bytes) -> None:
    """The printer got the whole job first, then DLE EOT 1, 2, 4 and nothing else."""
    assert data == payload + STATUS_QUERIES
    parsed = parse(data)
    assert parsed.barcodes and parsed.cuts  # the label itself parses back
    assert [e for e in parsed.events if isinstance(e, StatusQuery)] == parsed.events[-3:]
    assert parsed.status_queries == [1, 2, 4]


@pytest.mark.parametrize(
    ("replies", "words"),
    [
        (PAPER_OUT, "reports: out of paper"),
        (COVER_OPEN, "reports: cover open"),
        (PAPER_LOW, "reports: paper nearly out"),
    ],
    ids=["paper-out", "cover-open", "paper-near-end"],
)
def test_a_printer_reporting_a_problem_fails_the_job_for_a_person(uow_factory, actors, fill, printer, replies, words):
    fake = printer(answering(replies))
    job_id, result, dispatcher, _ = send_label(uow_factory, actors, fill, fake.uri)

    stored = job(uow_factory, job_id)
    job_then_queries(fake.wait_jobs(1)[0], stored.payload)
    assert not result.ok and not result.confirmed
    assert words in result.message and "took the job" in result.message
    assert "print queue (F10)" in result.message and "retry (Ctrl+R)" in result.message
    # not printed, and not retried by itself: the label may still come out once the printer is fixed
    assert (stored.status, stored.attempts, stored.printed_at, stored.next_attempt_at) == ("failed", 1, None, None)
    assert stored.last_error == result.message
    assert dispatcher.state.ok is False and "Label printer not printing" in dispatcher.state.detail
    row = job_row(uow_factory, job_id)
    assert row.status_text == "Failed: needs you" and row.waiting

    fake.serve = answering(READY)  # paper loaded, cover closed; the technician retries
    print_queue.retry(uow_factory, actors["technician"], job_id)
    [again] = dispatcher.send_pending()
    assert again.ok and again.confirmed
    stored = job(uow_factory, job_id)
    assert (stored.status, stored.attempts, stored.last_error) == ("printed", 2, None)
    assert job_row(uow_factory, job_id).status_text == "Printed"


def test_a_problem_holds_the_next_labels_for_that_printer_unsent(uow_factory, actors, pharmacy, printer):
    fake = printer(answering(PAPER_OUT))
    cfg = workstation_config(label_uri=fake.uri)
    ids = [
        queue_label(uow_factory, actors["technician"], make_fill(uow_factory, actors, rx_number=f"600210{i}")[0], cfg)
        for i in range(2)
    ]
    results = PrintSender(uow_factory, lambda: printer_settings_from(cfg), "test-ws", timeout=2.0).send_pending()
    assert [(r.ok, r.skipped) for r in results] == [(False, False), (False, True)]
    assert len(fake.wait_jobs(1)) == 1 and fake.connections == 1  # the second label never went out
    assert [job(uow_factory, i).status for i in ids] == ["failed", "queued"]


def test_a_printer_that_never_answers_is_sent_not_confirmed(uow_factory, actors, fill, printer):
    fake = printer(read_silently)
    job_id, result, _, took = send_label(uow_factory, actors, fill, fake.uri)

    stored = job(uow_factory, job_id)
    job_then_queries(fake.wait_jobs(1)[0], stored.payload)
    assert took < 6  # the status wait is short (1.5 s), not a transport timeout per query
    assert result.ok and not result.confirmed
    assert stored.status == "printed" and stored.printed_at is not None and stored.next_attempt_at is None
    assert stored.last_error == result.message
    assert result.message.startswith(f"Sent to {fake.uri}, not confirmed: the printer did not answer")
    assert "Check that the label came out" in result.message and "reprint it (Ctrl+P" in result.message
    assert job_row(uow_factory, job_id).status_text == "Sent, not confirmed"


def test_a_printer_that_accepts_and_never_reads_does_not_count_as_printed(uow_factory, actors, fill, printer):
    # the label fits in the kernel's buffers, so TCP alone says "all delivered": only the status tells
    fake = printer(never_read)
    job_id, result, _, took = send_label(uow_factory, actors, fill, fake.uri)
    assert took < 6
    assert result.ok and not result.confirmed and "not confirmed" in result.message
    assert job_row(uow_factory, job_id).confirmed is False


def test_a_model_that_cannot_answer_is_not_asked_and_not_confirmed(uow_factory, actors, fill, printer):
    assert not get_profile("default").answers_status and get_profile("TM-T88V").answers_status
    fake = printer(answering(READY))  # it could answer, but the profile says the model cannot
    job_id, result, _, took = send_label(uow_factory, actors, fill, fake.uri, profile="default")

    stored = job(uow_factory, job_id)
    assert fake.wait_jobs(1)[0] == stored.payload  # no DLE EOT in the bytes
    assert parse(stored.payload).status_queries == []
    assert took < 1.5  # no status wait
    assert result.ok and not result.confirmed
    assert "this printer model (default) cannot report its status" in stored.last_error
    assert job_row(uow_factory, job_id).status_text == "Sent, not confirmed"


def test_the_queue_screen_says_confirmation_was_not_possible(qtbot, uow_factory, actors, pharmacy, printer):
    silent, ready = printer(read_silently), printer(answering(READY))
    tech = actors["technician"]
    for rx_number, uri in (("6003001", silent.uri), ("6003002", ready.uri)):
        refill_id, _ = make_fill(uow_factory, actors, rx_number=rx_number)
        cfg = workstation_config(label_uri=uri)
        queue_label(uow_factory, tech, refill_id, cfg)
        PrintSender(uow_factory, lambda: printer_settings_from(cfg), "test-ws", timeout=2.0).send_pending()
    context = AppContext(uow_factory=uow_factory, config=cfg, workstation="test-ws")
    screen = PrintQueueScreen(context, tech)
    qtbot.addWidget(screen)
    screen.show()
    screen.activate()
    qtbot.waitUntil(lambda: screen.model.rowCount() == 2, timeout=5000)
    by_rx = {row.rx_number: i for i, row in enumerate(screen.model.rows)}

    screen.table.selectRow(by_rx["6003001"])
    assert screen.model.data(screen.model.index(by_rx["6003001"], 0)) == "Sent, not confirmed"
    detail = screen.detail.text()
    assert "Not confirmed:" in detail and "did not answer the status query" in detail and "Sent at" in detail
    assert screen.reprint_button.isEnabled()

    screen.table.selectRow(by_rx["6003002"])
    assert screen.model.data(screen.model.index(by_rx["6003002"], 0)) == "Printed"
    assert "Printed at" in screen.detail.text() and "Not confirmed" not in screen.detail.text()


# ---- the replies themselves (no sockets) ----------------------------------------------------------


def test_status_replies_are_read_from_dle_eot_bytes_and_asb_blocks():
    assert read_status(bytes(READY[n] for n in (1, 2, 4))).ready
    assert read_status(bytes(READY[n] for n in (1, 2))) is None  # not all there yet
    out = read_status(bytes(PAPER_OUT[n] for n in (1, 2, 4)))
    assert (out.online, out.paper_out, out.problems) == (False, True, ["out of paper"])
    cover = read_status(bytes(COVER_OPEN[n] for n in (1, 2, 4)))
    assert cover.problems == ["cover open"]
    assert read_status(bytes(PAPER_LOW[n] for n in (1, 2, 4))).problems == ["paper nearly out"]
    offline = read_status(b"\x1e\x12\x12")
    assert offline.problems == ["offline"]
    # ASB (automatic status back): cover open + paper end in one 4-byte block; noise around it is skipped
    asb = read_status(b"\x00" + bytes([0x10 | 0x20 | 0x08, 0x00, 0x0C, 0x00]))
    assert asb.cover_open and asb.paper_out and not asb.online
    assert read_status(bytes([0x10, 0x00, 0x00, 0x00])).ready
    assert read_status(b"\x00\xff\x41") is None
