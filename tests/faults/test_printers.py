"""Label printers that refuse, hang (accept and never read) or drop the connection mid-job, behind
a real fill: the fill stays committed, its label job stays queued with a message a person can act
on, and once the printer works the label prints, once. The fake printers are the print tests'
TCP listeners (tests/printing/conftest.py).
"""

from __future__ import annotations

import time

import pytest

from pharmacy_desktop.services import fill, print_queue
from pharmacy_desktop.services.print_sender import PrintSender
from pharmacy_desktop.services.printer_settings import printer_settings_from
from tests.faults import ledger
from tests.fill import factories as f
from tests.printing.conftest import never_read, printer, read_all, read_then_reset, refused_uri, workstation_config
from tests.printing.test_print_queue import job_row

__all__ = ["printer"]  # the fixture, used by name below

# larger than what the kernel buffers for a printer that never reads (about 24 kB here, with the
# small receive buffer below); a hang shows (see test_print_queue)
BIG_JOB = b"\x1b@" + b"X" * (512 * 1024)
SEND_TIMEOUT = 1.0


def _refusing(printer):
    return refused_uri(), "refused the connection", None


def _hanging(printer):
    # a label (about 1.5 kB) fits in the kernel's socket buffers and raw port 9100 acknowledges
    # nothing more: only a job larger than the buffers shows the hang (as in test_print_queue)
    return printer(never_read, rcvbuf=4096).uri, "stopped taking data", BIG_JOB


def _dropping(printer):
    return printer(read_then_reset(100)).uri, "dropped the connection", None


@pytest.mark.parametrize("make_fault", [_refusing, _hanging, _dropping], ids=["refusing", "hanging", "dropping"])
def test_a_failing_label_printer_keeps_the_fill_and_the_job_and_prints_it_once_fixed(
    uow_factory, actors, printer, figures, make_fault
):
    tech = actors["technician"]
    world = f.world(uow_factory)
    rx_ids = [world.rx_id]
    before = ledger.read(uow_factory, world.item_id, rx_ids)
    result = fill.fill(uow_factory, tech, world.rx_id, f.LISINOPRIL_20_100.upc)
    filled = ledger.after_fills(before, [result.quantity], ("in_progress",))
    uri, says, payload = make_fault(printer)
    if payload is not None:
        with uow_factory() as uow:
            uow.print_jobs.mark(result.label_job_id, payload=payload)
            uow.commit()
    queued = job_row(uow_factory, result.label_job_id)
    cfg = workstation_config(label_uri=uri, profile=queued.printer_profile)  # same model: the payload is sent as is
    dispatcher = PrintSender(uow_factory, lambda: printer_settings_from(cfg), "test-ws", timeout=SEND_TIMEOUT)
    started = time.monotonic()
    [sent] = dispatcher.send_pending()
    failed_in = time.monotonic() - started
    assert not sent.ok and says in sent.message and "print queue (F10)" in sent.message
    assert failed_in < SEND_TIMEOUT + 4  # the send is bounded by its timeouts, never a hang
    job = job_row(uow_factory, result.label_job_id)
    assert job.status == "failed" and job.attempts == 1
    assert ledger.read(uow_factory, world.item_id, rx_ids) == filled  # the pharmacy work stands

    good = printer(read_all)
    cfg.printers["label"].uri = good.uri  # the printer is fixed (or the settings point at another)
    print_queue.retry(uow_factory, tech, result.label_job_id)
    [sent] = dispatcher.send_pending()
    assert sent.ok
    with uow_factory() as uow:
        stored = uow.print_jobs.require(result.label_job_id).payload
    assert good.wait_jobs(1)[0].startswith(stored)  # (a status query may follow the job)
    if payload is None:
        assert b"Maria Gonzalez" in stored
    assert job_row(uow_factory, result.label_job_id).status == "printed"
    assert dispatcher.send_pending() == []  # printed once: nothing left to send
    assert len(good.jobs) == 1
    assert ledger.read(uow_factory, world.item_id, rx_ids) == filled
    figures(
        f"label printer {make_fault.__name__.strip('_')}",
        f"send gave up after {failed_in:.2f} s (timeout {SEND_TIMEOUT} s); fill kept, job queued, "
        "printed once after the retry; work lost 0",
    )
