"""Issue 15 item 5 through the printed label: every SIG of the issue's list goes intake -> review
-> fill -> label job -> PrintSender -> a real TCP listener, and the ESC/POS bytes received are
parsed back. A SIG that is read says exactly the right words; a SIG that is refused (OD) or not
understood gets no automatic directions: intake demands typed directions, review shows a warning,
and the label carries what the technician typed."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from pharmacy_desktop.errors import ValidationFailed
from pharmacy_desktop.services import fill, intake, review
from pharmacy_desktop.services.print_sender import PrintSender
from pharmacy_desktop.services.printer_settings import printer_settings_from
from tests.escpos_parse import parse
from tests.fill import factories as f
from tests.intake.conftest import PRESCRIBER
from tests.printing.conftest import read_all, workstation_config

pytestmark = pytest.mark.db

EXPIRY = f.TODAY + dt.timedelta(days=300)
LOT = "S15"

# SIG as written -> what the label must say, and what it must never say (the old misreads)
READ = [
    ("1 tab po once a week", "Take 1 tablet by mouth once a week", "1 time only"),
    ("1 tab po four times daily", "Take 1 tablet by mouth 4 times a day", "once a day"),
    ("apply bid to aa", "Apply 2 times a day to the affected area", "to to"),
    ("1 tab po daily", "Take 1 tablet by mouth once a day", "daily"),
    ("1 tab po weekly", "Take 1 tablet by mouth once a week", "weekly"),
    ("1 tab po three times a week", "Take 1 tablet by mouth 3 times a week", "times once"),
    ("1 tab po every other day", "Take 1 tablet by mouth every other day", "every other once"),
    ("1 tab po every Monday", "Take 1 tablet by mouth every Monday", "Monday once"),
]
# SIG as written, its token that is not understood, the directions the technician types
TYPED = [
    ("1 tab po od", "od", "Take 1 tablet by mouth once a day"),
    ("1 tab po bid frobnicate", "frobnicate", "Take 1 tablet by mouth 2 times a day with water"),
]


def _world(uow_factory) -> tuple[uuid.UUID, uuid.UUID]:
    with uow_factory() as uow:
        f.add_pharmacy(uow)
        med = f.add_medication(uow, f.LISINOPRIL_20_100)
        f.add_stock(uow, med, [(LOT, EXPIRY, 500)])
        patient = f.add_patient(uow)
        uow.commit()
        return patient.id, med.id


def _form(patient_id: uuid.UUID, med_id: uuid.UUID, sig: str, directions: str | None = None):
    item = intake.ItemInput(med_id, Decimal(30), 30, sig, 0, directions=directions)
    return intake.PrescriptionInput(
        patient_id=patient_id, prescriber=PRESCRIBER, items=(item,), written_date=f.TODAY, source="paper"
    )


def _approve(uow_factory, rph, rx_id: uuid.UUID) -> list[str]:
    """Acknowledge every warning (none of these is a hard stop) and approve; the warnings' texts."""
    detail = review.open_review(uow_factory, rph, rx_id)
    messages = [a.message for a in detail.open_alerts]
    for alert in detail.open_alerts:
        assert not alert.needs_override, alert.message
        review.acknowledge_alert(uow_factory, rph, alert.validation_id)
    review.approve(uow_factory, rph, rx_id)
    return messages


def _printed_label(uow_factory, actors, printer, rx_id: uuid.UUID) -> str:
    """Fill by scanning the bottle, send the label job to a TCP printer, the words it received."""
    tech = actors["technician"]
    fake = printer(read_all)
    cfg = workstation_config(label_uri=fake.uri)
    bottle = f.LISINOPRIL_20_100.datamatrix(LOT, EXPIRY, serial="X1")
    assert fill.check_scan(uow_factory, tech, rx_id, bottle).ok
    fill.fill(uow_factory, tech, rx_id, bottle, printers=printer_settings_from(cfg))
    sender = PrintSender(uow_factory, lambda: printer_settings_from(cfg), tech.workstation)
    assert [r.ok for r in sender.send_pending()] == [True]
    return parse(fake.wait_jobs(1)[0]).words


@pytest.mark.parametrize(("sig", "expected", "never"), READ, ids=[s for s, _, _ in READ])
def test_sig_read_correctly_on_the_printed_label(uow_factory, actors, printer, sig, expected, never):
    patient_id, med_id = _world(uow_factory)
    saved = intake.submit_prescription(uow_factory, actors["technician"], _form(patient_id, med_id, sig))
    _approve(uow_factory, actors["pharmacist"], saved.prescription_id)

    words = _printed_label(uow_factory, actors, printer, saved.prescription_id)

    assert expected in words, f"{expected!r} not on the label:\n{words}"
    assert never not in words.replace(expected, "")


@pytest.mark.parametrize(("sig", "token", "typed"), TYPED, ids=[s for s, _, _ in TYPED])
def test_sig_not_understood_prints_only_what_the_technician_typed(uow_factory, actors, printer, sig, token, typed):
    patient_id, med_id = _world(uow_factory)
    tech = actors["technician"]

    # no automatic directions: intake refuses the SIG alone, saying why
    with pytest.raises(ValidationFailed) as refused:
        intake.submit_prescription(uow_factory, tech, _form(patient_id, med_id, sig))
    why = refused.value.field_errors["items[0].sig"]
    assert "Type the directions" in why
    if token == "od":
        assert "OD is an error-prone abbreviation (once daily or right eye)" in why
    assert intake.preview_sig(sig).understood is False

    saved = intake.submit_prescription(uow_factory, tech, _form(patient_id, med_id, sig, directions=typed))
    with uow_factory() as uow:
        [item] = uow.prescriptions.get_with_items(saved.prescription_id).items
        assert item.directions == typed and item.sig == sig

    warnings = _approve(uow_factory, actors["pharmacist"], saved.prescription_id)
    # the pharmacist sees the SIG flagged before approving
    assert any(token in w.lower() for w in warnings), warnings

    words = _printed_label(uow_factory, actors, printer, saved.prescription_id)

    assert typed in words, f"{typed!r} not on the label:\n{words}"
    assert "right eye" not in words and token not in words.lower()


def test_a_stored_sig_not_understood_without_directions_is_not_printed(uow_factory, actors, pharmacy):
    """Rows saved before directions were stored fall back to the SIG's reading only when it is
    understood; an OD SIG without directions is refused with what to do, nothing is queued."""
    from pharmacy_desktop.db.models.notifications import PrintJob
    from pharmacy_desktop.services.print_enqueue import queue_vial_label
    from tests.printing.conftest import make_fill

    tech = actors["technician"]
    cfg = workstation_config(label_uri="tcp://127.0.0.1:9")
    understood, _ = make_fill(uow_factory, actors, rx_number="6001001", sig="1 tab po four times daily")
    refused, _ = make_fill(uow_factory, actors, rx_number="6001002", sig="1 tab po od")
    with uow_factory(tech.user_id) as uow:
        queue_vial_label(uow, tech, refill_id=understood, printers=printer_settings_from(cfg))
        payload = bytes(uow.session.query(PrintJob).one().payload)
        uow.commit()
    assert "Take 1 tablet by mouth 4 times a day" in parse(payload).words
    with uow_factory(tech.user_id) as uow, pytest.raises(ValidationFailed) as error:
        queue_vial_label(uow, tech, refill_id=refused, printers=printer_settings_from(cfg))
    assert "Rx 6001002: the SIG is not fully understood" in error.value.message
    with uow_factory() as uow:
        assert uow.session.query(PrintJob).count() == 1


def test_directions_an_older_reader_made_of_a_now_refused_sig_are_not_printed(uow_factory, actors, pharmacy):
    """A row saved before directions could be typed holds the old reader's expansion: "1 tab po od"
    was stored as "... in the right eye". The SIG is now refused, and nothing says a technician typed
    those directions, so the label is refused; the same text typed at intake prints."""
    from pharmacy_desktop.db.models.notifications import PrintJob
    from pharmacy_desktop.db.models.prescriptions import PrescriptionItem
    from pharmacy_desktop.services.print_enqueue import queue_vial_label
    from tests.printing.conftest import make_fill

    tech = actors["technician"]
    printers = printer_settings_from(workstation_config(label_uri="tcp://127.0.0.1:9"))
    legacy, legacy_rx = make_fill(
        uow_factory,
        actors,
        rx_number="6001003",
        sig="1 tab po od",
        directions="Take 1 tablet by mouth in the right eye",
    )
    with uow_factory(tech.user_id) as uow, pytest.raises(ValidationFailed) as error:
        queue_vial_label(uow, tech, refill_id=legacy, printers=printers)
    assert "Rx 6001003: the SIG is not fully understood" in error.value.message
    with uow_factory(tech.user_id) as uow:
        item = uow.session.query(PrescriptionItem).filter_by(prescription_id=legacy_rx).one()
        item.directions = "Take 1 tablet by mouth once a day"
        item.directions_typed = True
        uow.commit()
    with uow_factory(tech.user_id) as uow:
        queue_vial_label(uow, tech, refill_id=legacy, printers=printers)
        payload = bytes(uow.session.query(PrintJob).one().payload)
        uow.commit()
    words = parse(payload).words
    assert "Take 1 tablet by mouth once a day" in words and "right eye" not in words
