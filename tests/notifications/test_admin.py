"""services/notification_admin.py on the real PostgreSQL: templates, a patient's preferences and
messages, the pharmacy-wide list with resend and cancel. The messages are written by the real
outbox (a final verification), never inserted by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from pharmacy_desktop.adapters.smtp_mail import SmtpEmailSender, parse_smtp_url
from pharmacy_desktop.db.models.notifications import Notification
from pharmacy_desktop.domain.clock import utcnow
from pharmacy_desktop.errors import ConcurrentUpdate, PermissionDenied, ValidationFailed
from pharmacy_desktop.services import notification_admin as admin
from pharmacy_desktop.services.notification_admin import ContactPreferences, TemplateEdit
from pharmacy_desktop.services.notification_sender import NotificationSender
from tests.notifications.conftest import add_rx, fill_and_verify, notifications, set_patient, set_profile
from tests.notifications.smtp_server import SmtpServer


def _set_row(uow_factory, notification_id, **values):
    """What the sender records after a try (the sender's own tests cover how it decides)."""
    with uow_factory() as uow:
        row = uow.session.get(Notification, notification_id)
        for key, value in values.items():
            setattr(row, key, value)
        uow.commit()


def _row(uow_factory, notification_id) -> Notification:
    with uow_factory() as uow:
        row = uow.session.get(Notification, notification_id)
        uow.session.expunge(row)
        return row


@pytest.fixture
def ready(uow_factory, actors, world):
    """The patient's "ready" e-mail, queued by a final verification."""
    fill_and_verify(uow_factory, actors, world.rx_id)
    [row] = notifications(uow_factory, world.patient_id)
    return row


# -- templates ---------------------------------------------------------------------------------------


def test_templates_are_checked_when_saved_and_one_per_event_and_channel_is_active(uow_factory, actors, world, ready):
    manager = actors["admin"]  # settings.manage
    rows = admin.list_templates(uow_factory, manager)
    email = next(t for t in rows if (t.event, t.channel) == ("prescription_ready", "email"))
    assert email.active and "{{patient_first_name}}" in email.body

    # an unknown placeholder is refused, and nothing is written
    bad = TemplateEdit(
        email.id, email.name, email.event, email.channel, email.subject, "Hi {{first_name}}", email.updated_at
    )
    with pytest.raises(ValidationFailed) as refused:
        admin.save_template(uow_factory, manager, bad)
    assert "{{first_name}}" in refused.value.field_errors["body"]
    # an SMS naming drugs is refused (minimum necessary)
    sms = next(t for t in rows if (t.event, t.channel) == ("prescription_ready", "sms"))
    with pytest.raises(ValidationFailed) as refused:
        admin.save_template(
            uow_factory,
            manager,
            TemplateEdit(sms.id, sms.name, "prescription_ready", "sms", None, "{{drug_names}} ready"),
        )
    assert "may not name drugs" in refused.value.message
    assert next(t for t in admin.list_templates(uow_factory, manager) if t.id == email.id).body == email.body

    # a good edit is saved with who did it
    edited = admin.save_template(
        uow_factory,
        manager,
        TemplateEdit(
            email.id,
            email.name,
            email.event,
            email.channel,
            "Ready at {{pharmacy_name}}",
            "Hi {{ patient_first_name }}, {{rx_count}} {{rx_plural}} ready.",
            email.updated_at,
        ),
    )
    assert edited.subject == "Ready at {{pharmacy_name}}" and edited.updated_by == manager.display_name
    # a second manager who loaded the old version is told, not allowed to overwrite
    with pytest.raises(ConcurrentUpdate):
        admin.save_template(
            uow_factory,
            manager,
            TemplateEdit(email.id, email.name, email.event, email.channel, email.subject, "Old text", email.updated_at),
        )

    # a new template of the same event and channel is saved inactive; activating it switches
    new = admin.save_template(
        uow_factory,
        manager,
        TemplateEdit(None, "Ready, short", "prescription_ready", "email", "Ready", "{{patient_first_name}}: ready."),
    )
    assert not new.active
    with pytest.raises(ValidationFailed) as refused:  # names are unique
        admin.save_template(
            uow_factory, manager, TemplateEdit(None, "Ready, short", "refill_due", "sms", None, "Refill due.")
        )
    assert "name" in refused.value.field_errors
    after = admin.activate_template(uow_factory, manager, new.id)
    active = [t for t in after if (t.event, t.channel) == ("prescription_ready", "email") and t.active]
    assert [t.id for t in active] == [new.id]

    # the outbox now renders the new template
    add = add_rx(uow_factory, world)
    set_patient(uow_factory, ready.patient_id, email="maria.new@example.org")
    fill_and_verify(uow_factory, actors, add)
    latest = notifications(uow_factory, ready.patient_id)[-1]
    assert latest.message.startswith("Maria: ready.")

    # the preview shows what a patient reads: the pharmacy's name and phone, never braces or drugs
    subject, body = admin.preview_template(uow_factory, "email", "At {{pharmacy_name}}", "{{drug_names}} {{rx_count}}")
    assert subject == "At Main Street Pharmacy" and "{{" not in body and "Lisinopril" not in body
    set_profile(uow_factory, email_drug_names=True)
    assert "Lisinopril" in admin.preview_template(uow_factory, "email", "x", "{{drug_names}}")[1]
    assert admin.preview_template(uow_factory, "sms", None, "{{drug_names}}")[1] == ""


def test_only_settings_managers_edit_templates(uow_factory, actors, ready):
    for role in ("technician", "pharmacist", "manager"):
        with pytest.raises(PermissionDenied):
            admin.list_templates(uow_factory, actors[role])
    template = admin.list_templates(uow_factory, actors["admin"])[0]
    with pytest.raises(PermissionDenied):
        admin.activate_template(uow_factory, actors["pharmacist"], template.id)


def test_deactivating_the_only_template_is_allowed_and_activating_a_broken_one_is_not(uow_factory, actors, ready):
    manager = actors["admin"]
    sms = next(t for t in admin.list_templates(uow_factory, manager) if (t.event, t.channel) == ("refill_due", "sms"))
    rows = admin.deactivate_template(uow_factory, manager, sms.id)
    assert not next(t for t in rows if t.id == sms.id).active
    with uow_factory() as uow:  # a template broken outside the screen (an import, an old version)
        uow.notification_admin.template(sms.id).body_template = "{{diagnosis}}"
        uow.commit()
    with pytest.raises(ValidationFailed, match="diagnosis"):
        admin.activate_template(uow_factory, manager, sms.id)


# -- a patient's preferences and messages -------------------------------------------------------------


def test_preferences_record_consent_with_who_and_when_and_opt_out_per_channel(uow_factory, actors, world, ready):
    tech = actors["technician"]
    view = admin.patient_messages(uow_factory, tech, ready.patient_id)
    assert view.preferences == ContactPreferences("email", True, False, False)
    assert view.sends_to == "Messages go by e-mail to maria.gonzalez@example.org."
    [message] = view.messages
    assert (message.event, message.status, message.channel) == ("prescription_ready", "pending", "email")
    assert message.event_title == "Ready for pickup" and message.status_title == "waiting" and message.open

    before = view.version
    at = dt.datetime(2026, 12, 2, 15, 30, tzinfo=dt.UTC)
    saved = admin.save_preferences(
        uow_factory, tech, ready.patient_id, ContactPreferences("email", True, False, True), now=at
    )
    assert saved.email_opt_out_at == at and saved.version == before + 1
    assert saved.sends_to == "No messages are sent: the patient opted out of e-mail."
    # the outbox honours it: the next verification writes nothing
    add = add_rx(uow_factory, world)
    _set_row(uow_factory, ready.id, status="sent", sent_at=utcnow())  # the first one went out
    fill_and_verify(uow_factory, actors, add)
    assert len(notifications(uow_factory, ready.patient_id)) == 1

    # consent withdrawn, then recorded again by the pharmacist: who and when are theirs
    admin.save_preferences(uow_factory, tech, ready.patient_id, ContactPreferences("sms", False, False, False), now=at)
    later = at + dt.timedelta(hours=1)
    again = admin.save_preferences(
        uow_factory, actors["pharmacist"], ready.patient_id, ContactPreferences("sms", True, False, False), now=later
    )
    assert again.consent_at == later and again.consent_by == actors["pharmacist"].display_name
    assert again.preferences == ContactPreferences("sms", True, False, False) and again.email_opt_out_at is None
    assert again.sends_to.startswith("Messages go by SMS to +1")
    with uow_factory() as uow:
        changes = [str(e.event_data) for e in _domain_events(uow) if e.event_type == "PatientContactPreferencesChanged"]
    assert len(changes) == 3 and all("maria" not in data.lower() for data in changes)


def _domain_events(uow):
    from pharmacy_desktop.db.models.audit import DomainEvent

    return list(uow.session.query(DomainEvent))


def test_preferences_are_refused_without_permission_or_an_address(uow_factory, actors, ready):
    with pytest.raises(PermissionDenied):  # a manager may look, not change what reaches a patient
        admin.save_preferences(
            uow_factory, actors["manager"], ready.patient_id, ContactPreferences("sms", True, False, False)
        )
    assert admin.patient_messages(uow_factory, actors["manager"], ready.patient_id).messages
    set_patient(uow_factory, ready.patient_id, email=None, communication_preference="sms")
    with pytest.raises(ValidationFailed, match="E-mail needs an address"):
        admin.save_preferences(
            uow_factory, actors["technician"], ready.patient_id, ContactPreferences("email", True, False, False)
        )
    with pytest.raises(ValidationFailed):
        admin.save_preferences(
            uow_factory, actors["technician"], ready.patient_id, ContactPreferences("pigeon", True, False, False)
        )


# -- the pharmacy-wide list: resend and cancel ---------------------------------------------------------


def _sender(uow_factory, server: SmtpServer) -> NotificationSender:
    url = f"smtp://127.0.0.1:{server.port}?starttls=no&from=rx@mainstreet.example"
    return NotificationSender(uow_factory, workstation="sender-ws", email=SmtpEmailSender(parse_smtp_url(url)))


def test_a_bounced_email_resent_to_the_corrected_address_goes_out_with_the_same_message_id(uow_factory, actors, ready):
    """A real SMTP server refuses the address; staff correct it and resend; the sender sends the same row."""
    tech = actors["technician"]
    with SmtpServer() as smtp:
        smtp.recorder.refuse_rcpt.add("maria.gonzalez@example.org")
        _sender(uow_factory, smtp).send_pending()
        assert _row(uow_factory, ready.id).status == "bounced"
        [listed] = admin.outstanding_messages(uow_factory, actors["manager"])
        assert (listed.id, listed.patient_name, listed.status_title) == (ready.id, "Gonzalez, Maria", "BOUNCED")
        assert "550" in listed.error

        set_patient(uow_factory, ready.patient_id, email="maria.fixed@example.org")
        resent = admin.resend_message(uow_factory, tech, ready.id)
        assert resent.status == "pending" and resent.recipient == "maria.fixed@example.org"
        [outcome] = _sender(uow_factory, smtp).send_pending()
        assert outcome.status == "sent"
        [message] = smtp.messages
        assert message["To"] == "maria.fixed@example.org" and message["Message-ID"] == ready.message_id
    row = _row(uow_factory, ready.id)
    assert (row.status, row.message_id) == ("sent", ready.message_id)
    assert admin.outstanding_messages(uow_factory, tech) == []
    assert admin.patient_messages(uow_factory, tech, ready.patient_id).messages[0].status_title == "sent"


def test_a_message_that_failed_after_its_retries_gets_one_more_try_when_resent(uow_factory, actors, ready):
    """The sender gives up after max_retries; resend grants exactly one more attempt, then it fails again."""
    with SmtpServer() as smtp:
        smtp.recorder.refuse_data = 100  # "451 try again later", every time
        _set_row(uow_factory, ready.id, max_retries=0)  # no back-off retries: fail at the first refusal
        _sender(uow_factory, smtp).send_pending()
        failed = _row(uow_factory, ready.id)
        assert (failed.status, failed.retry_count) == ("failed", 1)
        admin.resend_message(uow_factory, actors["technician"], ready.id)
        with uow_factory() as uow:  # due at once for the sender's own claim query
            assert [n.id for n in uow.notifications.claim_due(utcnow(), utcnow() - dt.timedelta(minutes=5))] == [
                ready.id
            ]
        [outcome] = _sender(uow_factory, smtp).send_pending()
        assert outcome.status == "failed"
        assert _row(uow_factory, ready.id).retry_count == 2
        assert smtp.messages == []


def test_resend_waits_for_the_end_of_quiet_hours(uow_factory, actors, ready):
    _set_row(uow_factory, ready.id, status="failed", retry_count=5, max_retries=5)
    set_profile(uow_factory, quiet_hours_start=dt.time(21), quiet_hours_end=dt.time(8))
    late = dt.datetime.combine(dt.date(2026, 12, 2), dt.time(23, 0)).astimezone()
    admin.resend_message(uow_factory, actors["technician"], ready.id, now=late)
    expected = dt.datetime.combine(dt.date(2026, 12, 3), dt.time(8, 0)).astimezone()
    assert _row(uow_factory, ready.id).next_attempt_at == expected


def test_resend_is_refused_when_the_patient_may_no_longer_be_contacted_that_way(uow_factory, actors, ready):
    tech = actors["technician"]
    _set_row(uow_factory, ready.id, status="failed", retry_count=5, max_retries=5)
    set_patient(uow_factory, ready.patient_id, email_opt_out_at=utcnow())
    with pytest.raises(ValidationFailed, match="opted out of e-mail"):
        admin.resend_message(uow_factory, tech, ready.id)
    set_patient(uow_factory, ready.patient_id, email_opt_out_at=None, communication_preference="sms")
    with pytest.raises(ValidationFailed, match="now gets messages by SMS"):
        admin.resend_message(uow_factory, tech, ready.id)
    assert _row(uow_factory, ready.id).status == "failed"


def test_cancel_stops_a_waiting_message_and_a_message_being_sent_is_left_alone(uow_factory, actors, ready):
    tech = actors["technician"]
    _set_row(uow_factory, ready.id, status="sending", claimed_at=utcnow(), claimed_by="counter-2")
    for act in (admin.cancel_message, admin.resend_message):
        with pytest.raises(ConcurrentUpdate, match="being sent right now"):
            act(uow_factory, tech, ready.id)
    _set_row(uow_factory, ready.id, status="pending", claimed_at=None, claimed_by=None)
    with pytest.raises(PermissionDenied):
        admin.cancel_message(uow_factory, actors["manager"], ready.id)

    cancelled = admin.cancel_message(uow_factory, tech, ready.id)
    row = _row(uow_factory, ready.id)
    assert row.status == "cancelled" and row.cancelled_by == tech.user_id and cancelled.cancelled_at is not None
    assert admin.outstanding_messages(uow_factory, tech) == []
    with pytest.raises(ValidationFailed, match="was cancelled"):
        admin.resend_message(uow_factory, tech, ready.id)
    with uow_factory() as uow:  # the sender never takes it
        assert uow.notifications.claim_due(utcnow(), utcnow()) == []
    _set_row(uow_factory, ready.id, status="sent")
    with pytest.raises(ValidationFailed, match="already sent"):
        admin.cancel_message(uow_factory, tech, ready.id)


def test_cancel_racing_the_sender_either_stops_the_message_or_is_refused_never_both(uow_factory, actors, world):
    """Two workstations: one cancels while the sender claims. Either the cancel came first (nothing
    reaches the SMTP server) or the sender did (the cancel is refused, the message is sent once)."""
    import threading

    from pharmacy_desktop.errors import PharmacyError

    tech = actors["technician"]
    with SmtpServer() as smtp:
        for round_ in range(4):
            set_patient(uow_factory, world.patient_id, email=f"maria.{round_}@example.org")
            rx_id = add_rx(uow_factory, world) if round_ else world.rx_id
            fill_and_verify(uow_factory, actors, rx_id)
            row = notifications(uow_factory, world.patient_id)[-1]
            assert row.status == "pending"
            refused: list[PharmacyError] = []
            start = threading.Barrier(2)

            def cancel(row_id=row.id, refused=refused, start=start):
                start.wait()
                try:
                    admin.cancel_message(uow_factory, tech, row_id)
                except PharmacyError as error:
                    refused.append(error)

            def send(start=start):
                start.wait()
                _sender(uow_factory, smtp).send_pending()

            threads = [threading.Thread(target=cancel), threading.Thread(target=send)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            final = _row(uow_factory, row.id)
            delivered = [m for m in smtp.messages if m["Message-ID"] == row.message_id]
            if refused:
                assert final.status == "sent" and len(delivered) == 1
            else:
                assert final.status == "cancelled" and delivered == []
    # which one won each round is up to the scheduler; each outcome is checked above
