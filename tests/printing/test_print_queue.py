"""The durable print queue against a real PostgreSQL and fake printers on 127.0.0.1.

Bytes that reach a printer are parsed back with tests/escpos_parse.py (written independently of
the layouts). A printer failure must never lose or undo the pharmacy work: the job stays queued
with an error a person can act on, and a later attempt prints it.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from pharmacy_desktop.db.models.audit import DomainEvent
from pharmacy_desktop.db.models.notifications import PrintJob
from pharmacy_desktop.db.models.prescriptions import Prescription, PrescriptionRefill
from pharmacy_desktop.errors import PermissionDenied, ValidationFailed
from pharmacy_desktop.printing import codec
from pharmacy_desktop.printing.documents import TRANSFER_CAUTION, PharmacyInfo, ReceiptData, ReceiptLine, ReceiptTender
from pharmacy_desktop.printing.printer_status import STATUS_QUERIES
from pharmacy_desktop.services import print_queue
from pharmacy_desktop.services.print_sender import MAX_AUTOMATIC_ATTEMPTS, PrintSender, backoff_seconds
from pharmacy_desktop.services.printer_settings import printer_settings_from
from tests.escpos_parse import Cut, StatusQuery, parse
from tests.printing.conftest import (
    make_fill,
    never_read,
    read_all,
    read_then_reset,
    refused_uri,
    workstation_config,
)

BIG_JOB = b"\x1b@" + b"X" * (4 * 1024 * 1024)  # more than any socket buffer


class Clock:
    """The dispatcher's idea of now, moved by the test to pass a back-off."""

    def __init__(self) -> None:
        self.offset = dt.timedelta()

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += dt.timedelta(seconds=seconds)


def queue_label(uow_factory, actor, refill_id, cfg, **kwargs) -> uuid.UUID:
    with uow_factory(actor.user_id) as uow:
        job_id = print_queue.queue_vial_label(
            uow, actor, refill_id=refill_id, printers=printer_settings_from(cfg), **kwargs
        )
        uow.commit()
    return job_id


def fill_and_queue_label(uow_factory, actor, refill_id, rx_id, cfg) -> uuid.UUID:
    """The fill's own work (Rx filled) and its label job commit together, as the fill service does."""
    with uow_factory(actor.user_id) as uow:
        rx = uow.session.get(Prescription, rx_id)
        rx.filled_at, rx.filled_by = dt.datetime.now(dt.UTC), actor.user_id
        job_id = print_queue.queue_vial_label(uow, actor, refill_id=refill_id, printers=printer_settings_from(cfg))
        uow.commit()
    return job_id


def job_row(uow_factory, job_id) -> print_queue.PrintJobRow:
    """The job as the print queue screen lists it."""
    [row] = [r for r in print_queue.list_jobs(uow_factory, None, workstation=None, limit=1000) if r.id == job_id]
    return row


def job(uow_factory, job_id) -> PrintJob:
    """The row as stored, detached (readable after the session ends)."""
    with uow_factory() as uow:
        row = uow.print_jobs.require(job_id)
        uow.session.expunge(row)
        return row


def events(uow_factory, event_type: str) -> list[DomainEvent]:
    with uow_factory() as uow:
        rows = list(uow.session.scalars(select(DomainEvent).where(DomainEvent.event_type == event_type)))
        uow.session.expunge_all()
        return rows


def receipt(**changes) -> ReceiptData:
    values = dict(
        pharmacy=PharmacyInfo("Main Street Pharmacy", ("120 Main Street", "Springfield, IL 62701"), "(217) 555-0142"),
        receipt_number="R-000123",
        datetime=datetime(2026, 11, 26, 14, 5),
        cashier="Jordan E",
        lines=(ReceiptLine("Atorvastatin 20 mg Tablet", Decimal("10.00"), rx_number="6001234"),),
        subtotal=Decimal("42.00"),
        tax=Decimal("0.00"),
        insurance_paid=Decimal("32.00"),
        copay_total=Decimal("10.00"),
        total=Decimal("10.00"),
        tenders=(ReceiptTender("cash", Decimal("10.00"), cash_tendered=Decimal("20.00")),),
        change=Decimal("10.00"),
        counseling="offered, accepted",
        footer="Thank you",
    )
    values.update(changes)
    return ReceiptData(**values)


# ---- real bytes over TCP ------------------------------------------------------------------------


def test_vial_label_goes_over_tcp_and_parses_back(uow_factory, actors, fill, printer):
    fake = printer(read_all)
    cfg = workstation_config(label_uri=fake.uri)
    refill_id, _ = fill
    job_id = queue_label(uow_factory, actors["technician"], refill_id, cfg)

    results = PrintSender(uow_factory, lambda: printer_settings_from(cfg), "test-ws").send_pending()

    assert [r.ok for r in results] == [True]
    data = fake.wait_jobs(1)[0]
    stored = job(uow_factory, job_id)
    # the job, then DLE EOT 1, 2, 4: the TM-T88V answers real-time status, so it is asked after the job
    assert data == stored.payload + STATUS_QUERIES
    parsed = parse(data)
    assert parsed.status_queries == [1, 2, 4] and isinstance(parsed.events[-1], StatusQuery)
    assert stored.last_error is None and results[0].confirmed  # it answered "ready"
    words = parsed.words
    # transliterated where CP1252 lacks the letter, never dropped as "?"
    assert parsed.lines[0].text.startswith("Zoë Ångström-")
    assert "Zoë Ångström- Lukasiewicz" in words and "?" not in words
    assert parsed.lines[0].double_height and parsed.lines[0].bold
    assert "Atorvastatin Calcium 20 mg tablet" in words
    assert "Take 1 tablet by mouth 2 times a day" in words  # SIG 1 T PO BID expanded
    assert "Rx: 6001234" in words and "Refills: 2" in words and "Qty: 60 tablets" in words
    assert "Prescriber: Dr. Maria Gonzalez" in words and "Fill #1" in words
    assert f"Discard after: {(dt.date.today().replace(year=dt.date.today().year + 1)):%m/%d/%Y}" in words
    assert "Main Street Pharmacy" in words and "Phone (217) 555-0142" in words
    assert TRANSFER_CAUTION not in words  # not controlled
    assert [b.data for b in parsed.barcodes] == [b"{B6001234"]
    assert parsed.barcodes[0].system == 73  # native CODE128, not a raster image
    assert parsed.cuts == [Cut(partial=True)]
    assert (
        parsed.index("Zoë") < parsed.index("Atorvastatin") < parsed.index("Take 1 tablet") < parsed.index("Main Street")
    )
    assert stored.status == "printed" and stored.attempts == 1 and stored.printed_at is not None
    assert stored.printer_uri == fake.uri and stored.printer_profile == "TM-T88V"
    assert stored.rx_number == "6001234" and stored.reference_type == "prescription_refill"
    assert stored.requested_by == actors["technician"].user_id and stored.workstation == "test-ws"
    with uow_factory() as uow:
        assert uow.session.get(PrescriptionRefill, refill_id).label_job_id == job_id
    # the stored document renders the same label again (what a redirect relies on)
    assert codec.label_from_json(stored.document).rx_number == "6001234"
    assert codec.render_document("label", stored.document, "TM-T88V") == stored.payload


def test_controlled_label_carries_the_transfer_caution_and_item_directions(uow_factory, actors, pharmacy, printer):
    fake = printer(read_all)
    cfg = workstation_config(label_uri=fake.uri)
    refill_id, _ = make_fill(
        uow_factory,
        actors,
        rx_number="6009999",
        schedule="CII",
        refills=0,
        drug="Oxycodone Hydrochloride",
        directions="Take 1 tablet by mouth every 6 hours as needed for pain",
        expiry=dt.date.today() + dt.timedelta(days=90),
    )
    queue_label(uow_factory, actors["technician"], refill_id, cfg)
    PrintSender(uow_factory, lambda: printer_settings_from(cfg), "test-ws").send_pending()
    words = parse(fake.wait_jobs(1)[0]).words
    assert " ".join(TRANSFER_CAUTION.split()) in words
    assert "C-II" in words and "No refills" in words
    assert "Take 1 tablet by mouth every 6 hours as needed for pain" in words
    assert f"Discard after: {dt.date.today() + dt.timedelta(days=90):%m/%d/%Y}" in words  # stock expires first


def test_cash_receipt_kicks_the_drawer_and_cuts(uow_factory, actors, pharmacy, printer):
    fake = printer(read_all)
    cfg = workstation_config(receipt_uri=fake.uri)
    sale_id = uuid.uuid4()
    with uow_factory(actors["technician"].user_id) as uow:
        job_id = print_queue.queue_receipt(
            uow,
            actors["technician"],
            receipt(),
            reference_type="sale",
            reference_id=sale_id,
            printers=printer_settings_from(cfg),
        )
        uow.commit()
    assert PrintSender(uow_factory, lambda: printer_settings_from(cfg), "test-ws").send_pending()[0].ok
    parsed = parse(fake.wait_jobs(1)[0])
    assert "Receipt R-000123" in parsed.words and "Change $10.00" in parsed.words and "Rx 6001234" in parsed.words
    assert len(parsed.kicks) == 1 and parsed.kicks[0].pin == 2
    assert parsed.cuts and parsed.events.index(parsed.kicks[0]) < parsed.events.index(parsed.cuts[-1])
    stored = job(uow_factory, job_id)
    assert (stored.job_type, stored.printer_role, stored.reference_id, stored.rx_number) == (
        "receipt",
        "receipt",
        sale_id,
        "6001234",
    )
    assert codec.receipt_from_json(stored.document) == receipt()


def test_card_receipt_opens_no_drawer(uow_factory, actors, pharmacy, printer):
    fake = printer(read_all)
    cfg = workstation_config(receipt_uri=fake.uri)
    with uow_factory(actors["technician"].user_id) as uow:
        print_queue.queue_receipt(
            uow,
            actors["technician"],
            receipt(
                tenders=(ReceiptTender("credit_card", Decimal("10.00"), card_last_four="4242"),), change=Decimal("0.00")
            ),
            reference_type="sale",
            reference_id=uuid.uuid4(),
            printers=printer_settings_from(cfg),
        )
        uow.commit()
    PrintSender(uow_factory, lambda: printer_settings_from(cfg), "test-ws").send_pending()
    parsed = parse(fake.wait_jobs(1)[0])
    assert parsed.kicks == [] and "Credit card ****4242" in parsed.words


def test_queueing_rolls_back_with_the_work_it_belongs_to(uow_factory, actors, fill):
    refill_id, _ = fill
    with uow_factory(actors["technician"].user_id) as uow:
        job_id = print_queue.queue_vial_label(
            uow, actors["technician"], refill_id=refill_id, printers=printer_settings_from(workstation_config())
        )
        # no commit: the fill failed for another reason
    with uow_factory() as uow:
        assert uow.print_jobs.get(job_id) is None
        assert uow.session.get(PrescriptionRefill, refill_id).label_job_id is None


# ---- printers that fail ---------------------------------------------------------------------------


def test_refused_connection_keeps_the_work_and_the_job_and_a_later_retry_prints(uow_factory, actors, fill, printer):
    uri = refused_uri()
    cfg = workstation_config(label_uri=uri)
    refill_id, rx_id = fill
    clock = Clock()
    dispatcher = PrintSender(uow_factory, lambda: printer_settings_from(cfg), "test-ws", clock=clock, timeout=2.0)
    job_id = fill_and_queue_label(uow_factory, actors["technician"], refill_id, rx_id, cfg)

    [result] = dispatcher.send_pending()

    assert not result.ok
    port = uri.rsplit(":", 1)[1]
    assert result.message == (
        f"Label printer at 127.0.0.1:{port} refused the connection. Check it is on and plugged in to the network. "
        "The label waits in the print queue (F10); it is tried again in 5 s."
    )
    failed = job(uow_factory, job_id)
    assert (failed.status, failed.attempts, failed.last_error) == ("failed", 1, result.message)
    assert failed.payload and failed.printer_uri is None  # still goes to the workstation's label printer
    with uow_factory() as uow:  # the pharmacy work is committed all the same
        assert uow.session.get(Prescription, rx_id).filled_at is not None
        assert uow.session.get(PrescriptionRefill, refill_id).label_job_id == job_id
    assert dispatcher.state.ok is False and "Label printer not printing" in dispatcher.state.detail
    assert dispatcher.send_pending() == []  # not due yet: back-off

    fake = printer(read_all, port=int(port))  # the printer is switched on
    clock.advance(backoff_seconds(1) + 0.1)
    [result] = dispatcher.send_pending()
    assert result.ok
    assert fake.wait_jobs(1)[0] == failed.payload + STATUS_QUERIES
    printed = job(uow_factory, job_id)
    assert (printed.status, printed.attempts, printed.last_error) == ("printed", 2, None)
    assert dispatcher.state.ok is True and dispatcher.state.detail == "ready"


def test_printer_that_accepts_and_never_reads_times_out_and_the_job_waits(uow_factory, actors, fill, printer):
    stalled = printer(never_read, rcvbuf=4096)
    cfg = workstation_config(label_uri=stalled.uri)
    refill_id, rx_id = fill
    job_id = fill_and_queue_label(uow_factory, actors["technician"], refill_id, rx_id, cfg)
    # A label (about 1.5 kB) fits in the kernel's socket buffers, and raw port 9100 acknowledges nothing
    # more (see test_transports' known limit): a job larger than the buffers shows the stall.
    with uow_factory() as uow:
        uow.print_jobs.mark(job_id, payload=BIG_JOB)
        uow.commit()
    dispatcher = PrintSender(uow_factory, lambda: printer_settings_from(cfg), "test-ws", timeout=1.0)
    started = time.monotonic()
    [result] = dispatcher.send_pending()
    assert time.monotonic() - started < 5
    assert not result.ok and "stopped taking data" in result.message and "print queue (F10)" in result.message
    stored = job(uow_factory, job_id)
    assert stored.status == "failed" and stored.attempts == 1 and stored.next_attempt_at is not None
    with uow_factory() as uow:
        assert uow.session.get(Prescription, rx_id).filled_at is not None

    good = printer(read_all)
    cfg.printers["label"].uri = good.uri  # the settings point at a working printer
    print_queue.retry(uow_factory, actors["technician"], job_id)
    [result] = dispatcher.send_pending()
    assert result.ok and good.wait_jobs(1)[0] == BIG_JOB + STATUS_QUERIES
    assert job(uow_factory, job_id).printer_uri == good.uri


def test_printer_that_drops_mid_job_leaves_the_job_queued_then_prints(uow_factory, actors, fill, printer):
    fake = printer(read_then_reset(100))
    cfg = workstation_config(label_uri=fake.uri)
    refill_id, rx_id = fill
    clock = Clock()
    dispatcher = PrintSender(uow_factory, lambda: printer_settings_from(cfg), "test-ws", clock=clock, timeout=2.0)
    job_id = fill_and_queue_label(uow_factory, actors["technician"], refill_id, rx_id, cfg)

    [result] = dispatcher.send_pending()
    assert not result.ok and "dropped the connection" in result.message
    assert job(uow_factory, job_id).status == "failed"
    assert len(fake.wait_jobs(1)[0]) == 100

    fake.serve = read_all  # the printer is fixed
    clock.advance(backoff_seconds(1) + 0.1)
    [result] = dispatcher.send_pending()
    assert result.ok
    assert parse(fake.wait_jobs(2)[1]).barcodes[0].data == b"{B6001234"
    assert job(uow_factory, job_id).status == "printed"


def test_back_off_doubles_then_waits_for_a_person(uow_factory, actors, fill):
    cfg = workstation_config(label_uri=refused_uri())
    refill_id, _ = fill
    clock = Clock()
    dispatcher = PrintSender(uow_factory, lambda: printer_settings_from(cfg), "test-ws", clock=clock)
    job_id = queue_label(uow_factory, actors["technician"], refill_id, cfg)
    waits = []
    for attempt in range(1, MAX_AUTOMATIC_ATTEMPTS + 1):
        [result] = dispatcher.send_pending()
        stored = job(uow_factory, job_id)
        assert stored.attempts == attempt
        if stored.next_attempt_at is None:
            break
        waits.append(round((stored.next_attempt_at - clock()).total_seconds()))
        clock.advance((stored.next_attempt_at - clock()).total_seconds() + 0.1)
    assert waits == [5, 10, 20, 40, 80]
    assert stored.next_attempt_at is None and stored.status == "failed"
    assert "retry (Ctrl+R), redirect (Ctrl+D) or cancel it there" in stored.last_error
    clock.advance(3600)
    assert dispatcher.send_pending() == []  # no surprise labels the next morning
    [row] = print_queue.list_jobs(uow_factory, actors["technician"], workstation="test-ws")
    assert row.status_text == "Failed: needs you"


def test_jobs_behind_a_failed_printer_keep_their_turn_untried(uow_factory, actors, pharmacy, printer):
    cfg = workstation_config(label_uri=refused_uri())
    first, _ = make_fill(uow_factory, actors, rx_number="6000001")
    second, _ = make_fill(uow_factory, actors, rx_number="6000002")
    ids = [queue_label(uow_factory, actors["technician"], r, cfg) for r in (first, second)]
    results = PrintSender(uow_factory, lambda: printer_settings_from(cfg), "test-ws").send_pending()
    assert [(r.ok, r.skipped) for r in results] == [(False, False), (False, True)]
    held = job(uow_factory, ids[1])
    assert held.attempts == 0 and held.status == "queued" and "refused the connection" in held.last_error
    assert held.next_attempt_at == job(uow_factory, ids[0]).next_attempt_at


def test_no_printer_set_up_says_where_to_set_it(uow_factory, actors, fill):
    refill_id, _ = fill
    job_id = queue_label(uow_factory, actors["technician"], refill_id, workstation_config())
    [result] = PrintSender(uow_factory, printer_settings_from(workstation_config()), "test-ws").send_pending()
    assert result.message == (
        "No label printer is set up on this workstation. Enter its address in Settings (Alt+S); "
        "the label waits in the print queue (F10)."
    )
    assert job(uow_factory, job_id).status == "failed"


def test_only_this_workstations_jobs_are_sent(uow_factory, actors, fill, printer):
    fake = printer(read_all)
    cfg = workstation_config(label_uri=fake.uri)
    refill_id, _ = fill
    queue_label(uow_factory, actors["technician"], refill_id, cfg)
    assert PrintSender(uow_factory, lambda: printer_settings_from(cfg), "other-ws").send_pending() == []
    assert len(PrintSender(uow_factory, lambda: printer_settings_from(cfg), "test-ws").send_pending()) == 1


def test_two_senders_never_print_a_job_twice(uow_factory, actors, pharmacy, printer):
    fake = printer(read_all)
    cfg = workstation_config(label_uri=fake.uri)
    refills = [make_fill(uow_factory, actors, rx_number=f"70000{i}")[0] for i in range(6)]
    for refill_id in refills:
        queue_label(uow_factory, actors["technician"], refill_id, cfg)
    dispatchers = [
        PrintSender(uow_factory, lambda: printer_settings_from(cfg), "test-ws", batch_size=2) for _ in range(2)
    ]
    outcomes: list = []
    threads = [threading.Thread(target=lambda d=d: outcomes.extend(d.send_pending())) for d in dispatchers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(r.job_id for r in outcomes) == sorted(set(r.job_id for r in outcomes))
    assert len(outcomes) == 6 and all(r.ok for r in outcomes)
    rx_numbers = sorted(parse(data).barcodes[0].data.decode()[2:] for data in fake.wait_jobs(6))
    assert rx_numbers == sorted(f"70000{i}" for i in range(6))


def test_jobs_another_sender_holds_are_skipped_not_waited_for(uow_factory, actors, pharmacy, printer):
    fake = printer(read_all)
    cfg = workstation_config(label_uri=fake.uri)
    ids = [
        queue_label(uow_factory, actors["technician"], make_fill(uow_factory, actors, rx_number=f"71000{i}")[0], cfg)
        for i in range(4)
    ]
    outcomes: list = []
    with uow_factory() as other:  # another workstation's sender is in the middle of its claim
        held = other.print_jobs.claim_due("test-ws", limit=2)
        assert len(held) == 2
        sender = threading.Thread(
            target=lambda: outcomes.extend(
                PrintSender(uow_factory, lambda: printer_settings_from(cfg), "test-ws").send_pending()
            )
        )
        sender.start()
        sender.join(15)
        assert not sender.is_alive(), "the sender waited for rows locked by another sender"
        sent = {r.job_id for r in outcomes}
        assert sent == set(ids) - {j.id for j in held} and all(r.ok for r in outcomes)
    assert len(fake.wait_jobs(2)) == 2


def test_interrupted_send_goes_back_to_the_queue_flagged(uow_factory, actors, fill):
    refill_id, _ = fill
    job_id = queue_label(uow_factory, actors["technician"], refill_id, workstation_config())
    with uow_factory() as uow:
        uow.print_jobs.mark(job_id, status="sending")
        uow.commit()
    clock = Clock()
    clock.advance(600)
    PrintSender(uow_factory, printer_settings_from(workstation_config()), "test-ws", clock=clock).send_pending()
    stored = job(uow_factory, job_id)
    assert stored.status == "failed" and stored.next_attempt_at is None
    assert "part of it may have printed" in stored.last_error


# ---- reprint, redirect, cancel ------------------------------------------------------------------


def test_reprint_is_marked_logged_and_needs_a_reason(uow_factory, actors, fill, printer):
    fake = printer(read_all)
    cfg = workstation_config(label_uri=fake.uri)
    refill_id, rx_id = fill
    tech = actors["technician"]
    first = queue_label(uow_factory, tech, refill_id, cfg)
    dispatcher = PrintSender(uow_factory, lambda: printer_settings_from(cfg), "test-ws")
    dispatcher.send_pending()

    with pytest.raises(ValidationFailed, match="already has a label"):
        queue_label(uow_factory, tech, refill_id, cfg)
    with pytest.raises(ValidationFailed, match="Say why"):
        print_queue.reprint(uow_factory, tech, first, "  ", printers=printer_settings_from(cfg))
    with pytest.raises(PermissionDenied, match="prescription.fill"):
        print_queue.reprint(uow_factory, actors["admin"], first, "smudged", printers=printer_settings_from(cfg))

    second = print_queue.reprint(
        uow_factory, tech, first, "Label smudged at the counter", printers=printer_settings_from(cfg)
    )
    dispatcher.send_pending()

    copy = job(uow_factory, second)
    assert copy.is_reprint and copy.reprint_of == first and copy.status == "printed"
    parsed = parse(fake.wait_jobs(2)[1])
    assert parsed.lines[0].text.strip() == "REPRINT" and parsed.lines[0].invert
    assert parsed.barcodes[0].data == b"{B6001234"
    [event] = events(uow_factory, "LabelReprinted")
    assert event.aggregate_id == rx_id and event.user_id == tech.user_id
    assert event.event_data["reason"] == "Label smudged at the counter"
    assert event.event_data["reprint_of"] == str(first) and event.event_data["job_id"] == str(second)
    with uow_factory() as uow:
        assert uow.session.get(PrescriptionRefill, refill_id).label_job_id == second
    rows = print_queue.list_jobs(uow_factory, tech, workstation="test-ws")
    assert {r.kind for r in rows} == {"Vial label", "Vial label (reprint)"}


def test_a_job_that_has_not_printed_is_retried_not_reprinted(uow_factory, actors, fill):
    refill_id, _ = fill
    job_id = queue_label(uow_factory, actors["technician"], refill_id, workstation_config())
    with pytest.raises(ValidationFailed, match="has not printed yet"):
        print_queue.reprint(uow_factory, actors["technician"], job_id, "again")


def test_redirect_renders_for_the_other_printer_and_sends_there(uow_factory, actors, fill, printer):
    cfg = workstation_config(label_uri=refused_uri())
    refill_id, _ = fill
    job_id = queue_label(uow_factory, actors["technician"], refill_id, cfg)
    dispatcher = PrintSender(uow_factory, lambda: printer_settings_from(cfg), "test-ws")
    dispatcher.send_pending()
    spare = printer(read_all)

    with pytest.raises(ValidationFailed, match="should look like tcp://"):
        print_queue.redirect(uow_factory, actors["technician"], job_id, "tcp://", "POS-5890")
    print_queue.redirect(uow_factory, actors["technician"], job_id, spare.uri.upper().replace("TCP", "tcp"), "POS-5890")
    redirected = job(uow_factory, job_id)
    assert (redirected.status, redirected.printer_uri, redirected.printer_profile) == ("queued", spare.uri, "POS-5890")

    [result] = dispatcher.send_pending()
    assert result.ok and result.printer_uri == spare.uri
    parsed = parse(spare.wait_jobs(1)[0])
    assert max(len(line.text) for line in parsed.lines) <= 32  # 58 mm paper
    assert "Take 1 tablet by mouth 2 times a day" in parsed.words
    [event] = events(uow_factory, "PrintJobRedirected")
    assert event.event_data["to"] == spare.uri and event.aggregate_id == job_id
    with pytest.raises(ValidationFailed, match="already printed"):
        print_queue.redirect(uow_factory, actors["technician"], job_id, spare.uri)


def test_cancel_takes_a_job_out_of_the_queue_and_logs_it(uow_factory, actors, fill):
    cfg = workstation_config(label_uri=refused_uri())
    refill_id, _ = fill
    job_id = queue_label(uow_factory, actors["technician"], refill_id, cfg)
    clock = Clock()
    dispatcher = PrintSender(uow_factory, lambda: printer_settings_from(cfg), "test-ws", clock=clock)
    dispatcher.send_pending()
    print_queue.cancel(uow_factory, actors["technician"], job_id, "printed on the spare printer by hand")
    clock.advance(3600)
    assert dispatcher.send_pending() == []
    assert job(uow_factory, job_id).status == "cancelled"
    assert dispatcher.state.ok is True  # nothing waits any more
    [event] = events(uow_factory, "PrintJobCancelled")
    assert event.event_data["reason"] == "printed on the spare printer by hand"
    with pytest.raises(ValidationFailed, match="already cancelled"):
        print_queue.cancel(uow_factory, actors["technician"], job_id)


# ---- the background thread ------------------------------------------------------------------------


def test_background_sender_prints_when_woken_and_reports_state(uow_factory, actors, fill, printer):
    fake = printer(read_all)
    cfg = workstation_config(label_uri=fake.uri)
    refill_id, _ = fill
    dispatcher = PrintSender(uow_factory, lambda: printer_settings_from(cfg), "test-ws", poll_interval=30)
    states = []
    dispatcher.add_listener(states.append)
    dispatcher.start()
    try:
        time.sleep(0.3)
        queue_label(uow_factory, actors["technician"], refill_id, cfg)
        dispatcher.wake()
        assert fake.wait_jobs(1, timeout=5)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not any(s.ok for s in states):
            time.sleep(0.05)
        assert states[0].ok is None and states[-1].ok is True
    finally:
        dispatcher.stop()
    assert not dispatcher.running


def test_background_sender_survives_a_database_error(uow_factory, actors, fill, printer):
    calls = []

    class Broken:
        workstation = "test-ws"

        def __call__(self, actor_id=None):
            calls.append(1)
            raise RuntimeError("database away")

    dispatcher = PrintSender(Broken(), printer_settings_from(workstation_config()), "test-ws", poll_interval=0.05)
    dispatcher.start()
    time.sleep(0.4)
    dispatcher.stop()
    assert len(calls) >= 2  # kept trying after the first failure


def test_waiting_labels_of_a_returned_fill_are_cancelled_with_it(uow_factory, actors, fill):
    refill_id, _ = fill
    job_id = queue_label(uow_factory, actors["technician"], refill_id, workstation_config())
    with uow_factory(actors["pharmacist"].user_id) as uow:
        uow.session.get(PrescriptionRefill, refill_id).status = "returned"
        cancelled = print_queue.cancel_waiting_jobs(
            uow,
            actors["pharmacist"],
            reference_type="prescription_refill",
            reference_id=refill_id,
            reason="returned to fill",
        )
        uow.commit()
    assert cancelled == [job_id] and job(uow_factory, job_id).status == "cancelled"
    with pytest.raises(ValidationFailed, match="was returned"):
        print_queue.reprint(uow_factory, actors["technician"], job_id, "again")
