"""One prescription from `validated` to `ready`: fill by scan, the label's bytes, verify, will-call."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from pharmacy_desktop.db.models.audit import DomainEvent
from pharmacy_desktop.db.models.notifications import PrintJob
from pharmacy_desktop.services import fill, verify, will_call
from tests.escpos_parse import parse
from tests.fill import factories as f
from tests.fill.factories import TODAY


def test_validated_to_ready_with_the_label_bytes(uow_factory, actors):
    expiry = TODAY + dt.timedelta(days=150)
    world = f.world(uow_factory, lots=[("K7781", expiry, 200)])
    tech, rph = actors["technician"], actors["pharmacist"]

    [row] = fill.fill_queue(uow_factory, tech)
    view = fill.open_for_fill(uow_factory, tech, row.prescription_id)
    bottle = f.LISINOPRIL_20_100.datamatrix("K7781", expiry, serial="S42")
    assert fill.check_scan(uow_factory, tech, view.prescription_id, bottle).ok
    result = fill.fill(uow_factory, tech, view.prescription_id, bottle)

    with uow_factory() as uow:
        job = uow.session.get(PrintJob, result.label_job_id)
        payload, status = bytes(job.payload), job.status
    assert status == "queued"
    printed = parse(payload)
    words = printed.words
    for expected in (
        "Maria Gonzalez",
        "Lisinopril",
        "20 mg",
        "Take 1 tablet by mouth once a day",
        "Main Street Pharmacy",
        "(217) 555-0100",
        "Dr. Alan Reyes",
        f"{world.rx_number}",
    ):
        assert expected in words, f"{expected!r} missing from the label:\n{printed.text}"
    assert "Refills: 2" in words or "2 refills" in words.lower() or "Refills 2" in words
    assert expiry.strftime("%m/%d/%Y") in words  # discard-by: the stock expires before a year is up
    assert any(world.rx_number.encode() in b.data for b in printed.barcodes)
    assert "Federal law prohibits" not in words  # not controlled

    opened = verify.open_by_label_scan(uow_factory, rph, world.rx_number)
    assert opened.lines[0].lot == "K7781"
    assert verify.check_bottle(uow_factory, rph, opened.prescription_id, bottle).ok
    approved = verify.approve(
        uow_factory,
        rph,
        opened.prescription_id,
        label_scan=f.label_scan(uow_factory, opened.prescription_id),
        bottle_scans=[bottle],
        expected_version=opened.version,
    )
    [waiting] = will_call.bin_contents(uow_factory, tech, approved.bin_code)
    assert waiting.rx_number == world.rx_number and waiting.patient_name == "Gonzalez, Maria"

    with uow_factory() as uow:
        events = [
            e.event_type
            for e in uow.session.scalars(
                select(DomainEvent).where(DomainEvent.aggregate_id == world.rx_id).order_by(DomainEvent.occurred_at)
            )
        ]
    assert events == ["PrescriptionFilled", "PrescriptionVerified"]
