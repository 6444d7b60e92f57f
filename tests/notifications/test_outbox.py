"""The outbox on the real PostgreSQL: final verification writes the "ready" message in its transaction."""

from __future__ import annotations

import datetime as dt

from pharmacy_desktop.domain.clock import utcnow
from pharmacy_desktop.services import notification_outbox
from tests.fill import factories as f
from tests.notifications.conftest import add_rx, fill_and_verify, notifications, set_patient, set_profile


def test_final_verification_queues_one_ready_email_without_drug_names(uow_factory, actors, world):
    fill_and_verify(uow_factory, actors, world.rx_id)
    [row] = notifications(uow_factory, world.patient_id)
    assert row.notification_type == "email" and row.recipient == "maria.gonzalez@example.org"
    assert row.status == "pending" and row.reference_id == world.rx_id
    assert row.event_key == f"ready:{world.patient_id}:{dt.datetime.now().astimezone().date().isoformat()}"
    assert row.message_id.startswith("<") and row.message_id.endswith("@pharmacy-desktop.local>")
    assert row.subject == "Ready for pickup at Main Street Pharmacy"
    assert "Hello Maria" in row.message and "1 prescription ready" in row.message
    assert "(217) 555-0100" in row.message
    text = (row.subject + row.message).lower()
    assert "lisinopril" not in text and "gonzalez" not in text and "{{" not in text
    # the default templates were created on first use
    with uow_factory() as uow:
        names = {t.template_name for t in uow.notifications.templates()}
    assert {"prescription_ready_email", "prescription_ready_sms"} <= names


def test_opted_out_or_unconsented_or_phone_preferring_patient_gets_no_row(uow_factory, actors, world):
    set_patient(uow_factory, world.patient_id, email_opt_out_at=utcnow())
    fill_and_verify(uow_factory, actors, world.rx_id)
    assert notifications(uow_factory, world.patient_id) == []
    with uow_factory() as uow:
        patient = uow.session.get(f.Patient, world.patient_id)
        out = notification_outbox.enqueue(
            uow, patient, "prescription_ready", reference_type=None, reference_id=None, event_key="k", now=utcnow()
        )
        assert not out.queued and out.reason == "the patient opted out of e-mail"
        patient.email_opt_out_at = None
        patient.contact_consent_at = None
        out = notification_outbox.enqueue(
            uow, patient, "prescription_ready", reference_type=None, reference_id=None, event_key="k", now=utcnow()
        )
        assert not out.queued and "consent" in out.reason
        patient.contact_consent_at = utcnow()
        patient.communication_preference = "phone"
        out = notification_outbox.enqueue(
            uow, patient, "prescription_ready", reference_type=None, reference_id=None, event_key="k", now=utcnow()
        )
        assert not out.queued and "phone call" in out.reason


def test_three_prescriptions_verified_together_are_one_message(uow_factory, actors, world):
    rx_ids = [world.rx_id, add_rx(uow_factory, world), add_rx(uow_factory, world, f.METFORMIN_500)]
    fill_and_verify(uow_factory, actors, rx_ids[0])
    fill_and_verify(uow_factory, actors, rx_ids[1])
    fill_and_verify(uow_factory, actors, rx_ids[2], f.METFORMIN_500)
    [row] = notifications(uow_factory, world.patient_id)
    assert "3 prescriptions ready" in row.message and row.reference_id == rx_ids[0]
    assert "metformin" not in row.message.lower()


def test_a_later_prescription_after_the_message_went_out_gets_a_follow_up(uow_factory, actors, world):
    fill_and_verify(uow_factory, actors, world.rx_id)
    with uow_factory() as uow:
        [first] = uow.notifications.for_patient(world.patient_id)
        first.status, first.sent_at = "sent", utcnow()
        uow.commit()
    second = add_rx(uow_factory, world)
    fill_and_verify(uow_factory, actors, second)
    rows = notifications(uow_factory, world.patient_id)
    assert [r.status for r in rows] == ["sent", "pending"]
    assert rows[1].event_key == rows[0].event_key + "#2" and rows[1].message_id != rows[0].message_id
    assert "2 prescriptions ready" in rows[1].message  # both still waiting in will-call
    # the same event for the same prescription again: nothing new
    with uow_factory() as uow:
        rows[1].status = "sent"
        uow.session.merge(rows[1])
        uow.commit()
    with uow_factory() as uow:
        patient = uow.session.get(f.Patient, world.patient_id)
        out = notification_outbox.enqueue(
            uow,
            patient,
            "prescription_ready",
            reference_type="prescription",
            reference_id=second,
            event_key=rows[0].event_key,
            now=utcnow(),
        )
        assert not out.queued and out.reason == "already sent"


def test_sms_never_names_a_drug_and_email_only_when_allowed(uow_factory, actors, world):
    set_profile(uow_factory, email_drug_names=True)
    with uow_factory() as uow:
        uow.notifications.add_template_unless_exists(
            {
                "template_name": "ready with names",
                "notification_type": "email",
                "event_trigger": "prescription_ready",
                "subject": "Ready",
                "body_template": "Hi {{patient_first_name}}: {{drug_names}} ready.",
                "is_active": True,
            }
        )
        assert notification_outbox.seed_default_templates(uow) == 7  # all but the one just written
        uow.commit()
    fill_and_verify(uow_factory, actors, world.rx_id)
    [row] = notifications(uow_factory, world.patient_id)
    assert row.message == "Hi Maria: Lisinopril ready."

    set_patient(uow_factory, world.patient_id, communication_preference="sms")
    second = add_rx(uow_factory, world)
    with uow_factory() as uow:
        row = uow.notifications.for_patient(world.patient_id)[0]
        row.status = "sent"
        uow.commit()
    fill_and_verify(uow_factory, actors, second)
    sms = [r for r in notifications(uow_factory, world.patient_id) if r.notification_type == "sms"]
    assert len(sms) == 1 and sms[0].recipient == "+12175550142" and sms[0].subject is None
    assert "lisinopril" not in sms[0].message.lower() and "STOP" in sms[0].message


def test_inside_quiet_hours_the_message_waits_for_their_end(uow_factory, actors, world):
    now = dt.datetime.now().astimezone()
    start = (now - dt.timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (now + dt.timedelta(hours=2)).time().replace(second=0, microsecond=0)
    set_profile(uow_factory, quiet_hours_start=start, quiet_hours_end=end)
    fill_and_verify(uow_factory, actors, world.rx_id)
    [row] = notifications(uow_factory, world.patient_id)
    waits = row.next_attempt_at - dt.datetime.now(dt.UTC)
    assert dt.timedelta(hours=1, minutes=50) < waits <= dt.timedelta(hours=2)
    assert row.next_attempt_at.astimezone().time().replace(tzinfo=None) == end


def test_texts_through_the_simulator_delivery_callback_and_stop(uow_factory, actors, world):
    from pharmacy_desktop.adapters.sms import DeliveryReport, SmsSimulator
    from pharmacy_desktop.services.notification_sender import (
        NotificationSender,
        record_delivery,
        record_inbound_sms,
    )

    set_patient(uow_factory, world.patient_id, communication_preference="sms")
    fill_and_verify(uow_factory, actors, world.rx_id)
    sms = SmsSimulator()
    sms.fail_next(1)
    sender = NotificationSender(uow_factory, workstation="ws", sms=sms)
    assert [o.status for o in sender.send_pending()] == ["pending"]  # provider outage: retried later
    later = utcnow() + dt.timedelta(minutes=2)
    assert [
        o.status for o in NotificationSender(uow_factory, workstation="ws", sms=sms, clock=lambda: later).send_pending()
    ] == ["sent"]
    [text] = sms.sent
    [row] = notifications(uow_factory, world.patient_id)
    assert text.to == "+12175550142" and text.message_id == row.message_id and row.external_id == text.external_id
    assert record_delivery(uow_factory, DeliveryReport(text.external_id, "delivered"))
    assert notifications(uow_factory, world.patient_id)[0].status == "delivered"
    assert not record_delivery(uow_factory, DeliveryReport("nobody", "delivered"))

    # a second prescription's text is waiting when the patient replies STOP: it never goes out
    second = add_rx(uow_factory, world)
    fill_and_verify(uow_factory, actors, second)
    assert record_inbound_sms(uow_factory, "+1 217 555 0142", "Stop") == 1
    assert record_inbound_sms(uow_factory, "+1 217 555 0142", "thanks!") == 0
    rows = notifications(uow_factory, world.patient_id)
    assert [r.status for r in rows] == ["delivered", "cancelled"] and "STOP" in rows[1].error_message
    with uow_factory() as uow:
        assert uow.session.get(f.Patient, world.patient_id).sms_opt_out_at is not None
    assert NotificationSender(uow_factory, workstation="ws", sms=sms, clock=lambda: later).send_pending() == []
    assert len(sms.sent) == 1


def test_two_workstations_enqueueing_the_same_event_at_once_write_one_row(uow_factory, world):
    import threading

    key = "ready:race"
    with uow_factory() as uow:
        notification_outbox.seed_default_templates(uow)
        uow.commit()
    first = uow_factory()
    with first:
        patient = first.session.get(f.Patient, world.patient_id)
        out_a = notification_outbox.enqueue(
            first, patient, "prescription_ready", reference_type="prescription", reference_id=world.rx_id,
            event_key=key, now=utcnow(), details=notification_outbox.MessageDetails(rx_count=1),
        )  # fmt: skip
        assert out_a.reason == "queued"
        result = {}

        def second() -> None:  # blocks on the first's uncommitted row, then finds it and updates it
            with uow_factory() as uow:
                other = uow.session.get(f.Patient, world.patient_id)
                result["out"] = notification_outbox.enqueue(
                    uow, other, "prescription_ready", reference_type="prescription", reference_id=world.rx_id,
                    event_key=key, now=utcnow(), details=notification_outbox.MessageDetails(rx_count=2),
                )  # fmt: skip
                uow.commit()

        thread = threading.Thread(target=second)
        thread.start()
        thread.join(1.0)
        assert thread.is_alive()  # waiting for the first transaction
        first.commit()
    thread.join(30)
    assert result["out"].reason == "updated" and result["out"].notification_id == out_a.notification_id
    [row] = notifications(uow_factory, world.patient_id)
    assert "2 prescriptions ready" in row.message
