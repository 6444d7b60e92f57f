"""The sender against a real SMTP server on loopback (aiosmtpd) and the real PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import ssl
import subprocess
import sys
from pathlib import Path

import pytest

from pharmacy_desktop.adapters.smtp_mail import SmtpEmailSender, parse_smtp_url
from pharmacy_desktop.domain.clock import utcnow
from pharmacy_desktop.services.notification_sender import LEASE, NotificationSender
from tests.fill import factories as f
from tests.notifications.conftest import add_rx, fill_and_verify, notifications, set_patient
from tests.notifications.smtp_server import SmtpServer
from tests.tls.conftest import self_signed_certificate

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


def plain_url(server: SmtpServer) -> str:
    return f"smtp://127.0.0.1:{server.port}?starttls=no&from=rx@mainstreet.example"


def make_sender(uow_factory, server: SmtpServer, clock=utcnow, **kwargs) -> NotificationSender:
    return NotificationSender(
        uow_factory,
        workstation="sender-ws",
        email=SmtpEmailSender(parse_smtp_url(plain_url(server))),
        from_name="Main Street Pharmacy",
        clock=clock,
        **kwargs,
    )


def test_ready_email_reaches_the_smtp_server_after_final_verification_without_drug_names(
    uow_factory, actors, world, smtp
):
    fill_and_verify(uow_factory, actors, world.rx_id)
    outcomes = make_sender(uow_factory, smtp).send_pending()
    assert [o.status for o in outcomes] == ["sent"]
    [mail] = smtp.messages
    [row] = notifications(uow_factory, world.patient_id)
    assert mail["To"] == "maria.gonzalez@example.org" and mail["Message-ID"] == row.message_id
    assert mail["From"] == "Main Street Pharmacy <rx@mainstreet.example>"
    assert mail["Subject"] == "Ready for pickup at Main Street Pharmacy"
    body = mail.get_content()
    assert "Hello Maria" in body and "1 prescription ready" in body
    text = (mail.as_string() + body).lower()
    assert "lisinopril" not in text and "20 mg" not in text
    assert "gonzalez" not in (mail["Subject"] + body).lower()  # the address has it; the text does not
    assert row.status == "sent" and row.sent_at is not None and row.external_id == row.message_id
    assert row.retry_count == 0 and row.error_message is None
    assert make_sender(uow_factory, smtp).send_pending() == [] and len(smtp.messages) == 1


def test_an_opted_out_patient_gets_nothing_even_when_opting_out_after_the_row_was_written(
    uow_factory, actors, world, smtp
):
    set_patient(uow_factory, world.patient_id, email_opt_out_at=utcnow())
    fill_and_verify(uow_factory, actors, world.rx_id)
    assert make_sender(uow_factory, smtp).send_pending() == []
    # opted in again, verified, then opted out before the sender ran: cancelled, not sent
    set_patient(uow_factory, world.patient_id, email_opt_out_at=None)
    second = add_rx(uow_factory, world)
    fill_and_verify(uow_factory, actors, second)
    set_patient(uow_factory, world.patient_id, email_opt_out_at=utcnow())
    outcomes = make_sender(uow_factory, smtp).send_pending()
    assert [o.status for o in outcomes] == ["cancelled"]
    assert smtp.messages == []
    [row] = notifications(uow_factory, world.patient_id)
    assert row.status == "cancelled" and "opted out of e-mail" in row.error_message


def test_three_prescriptions_verified_together_reach_the_patient_as_one_message(uow_factory, actors, world, smtp):
    rx_ids = [world.rx_id, add_rx(uow_factory, world), add_rx(uow_factory, world, f.METFORMIN_500)]
    fill_and_verify(uow_factory, actors, rx_ids[0])
    fill_and_verify(uow_factory, actors, rx_ids[1])
    fill_and_verify(uow_factory, actors, rx_ids[2], f.METFORMIN_500)
    make_sender(uow_factory, smtp).send_pending()
    [mail] = smtp.messages
    assert "3 prescriptions ready" in mail.get_content()


def test_a_refusing_server_is_retried_with_back_off_and_the_message_sent_once(uow_factory, actors, world, smtp):
    fill_and_verify(uow_factory, actors, world.rx_id)
    smtp.recorder.refuse_data = 2
    now = utcnow()
    first = make_sender(uow_factory, smtp, clock=lambda: now).send_pending()
    assert [o.status for o in first] == ["pending"] and "451" in first[0].message
    [row] = notifications(uow_factory, world.patient_id)
    assert row.retry_count == 1 and row.next_attempt_at == now + dt.timedelta(minutes=1)
    assert "maria" not in (row.error_message or "").lower()
    # not due yet: nothing is tried
    assert make_sender(uow_factory, smtp, clock=lambda: now + dt.timedelta(seconds=30)).send_pending() == []
    later = now + dt.timedelta(minutes=1, seconds=1)
    assert [o.status for o in make_sender(uow_factory, smtp, clock=lambda: later).send_pending()] == ["pending"]
    [row] = notifications(uow_factory, world.patient_id)
    assert row.retry_count == 2 and row.next_attempt_at == later + dt.timedelta(minutes=2)
    last = later + dt.timedelta(minutes=3)
    assert [o.status for o in make_sender(uow_factory, smtp, clock=lambda: last).send_pending()] == ["sent"]
    assert len(smtp.messages) == 1
    [row] = notifications(uow_factory, world.patient_id)
    assert row.status == "sent" and row.retry_count == 2 and row.error_message is None


def test_a_refused_address_is_bounced_and_not_retried(uow_factory, actors, world, smtp):
    smtp.recorder.refuse_rcpt = {"maria.gonzalez@example.org"}
    fill_and_verify(uow_factory, actors, world.rx_id)
    assert [o.status for o in make_sender(uow_factory, smtp).send_pending()] == ["bounced"]
    later = utcnow() + dt.timedelta(days=1)
    assert make_sender(uow_factory, smtp, clock=lambda: later).send_pending() == []
    [row] = notifications(uow_factory, world.patient_id)
    assert row.status == "bounced" and "550" in row.error_message and smtp.messages == []


def test_failures_stop_after_max_retries(uow_factory, actors, world, smtp):
    fill_and_verify(uow_factory, actors, world.rx_id)
    smtp.recorder.refuse_data = 100
    moment = utcnow()
    statuses = []
    for _ in range(8):
        moment += dt.timedelta(hours=2)
        statuses += [o.status for o in make_sender(uow_factory, smtp, clock=lambda m=moment: m).send_pending()]
    assert statuses == ["pending"] * 5 + ["failed"]
    [row] = notifications(uow_factory, world.patient_id)
    assert row.status == "failed" and row.retry_count == row.max_retries + 1 == 6 and row.next_attempt_at is None


def test_sender_killed_between_sending_and_recording_sends_once_more_with_the_same_message_id(
    uow_factory, actors, world, smtp, database_url
):
    fill_and_verify(uow_factory, actors, world.rx_id)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "tests.notifications.crash_sender", database_url, plain_url(smtp)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == -9, done.stderr.decode()[-2000:]
    assert len(smtp.messages) == 1
    [row] = notifications(uow_factory, world.patient_id)
    assert row.status == "sending" and row.claimed_by == "doomed-ws"
    # within the lease nobody touches it: the dead sender might still have been working
    assert make_sender(uow_factory, smtp).send_pending() == [] and len(smtp.messages) == 1
    after_lease = utcnow() + LEASE + dt.timedelta(seconds=1)
    outcomes = make_sender(uow_factory, smtp, clock=lambda: after_lease).send_pending()
    assert [o.status for o in outcomes] == ["sent"]
    first, second = smtp.messages
    assert first["Message-ID"] == second["Message-ID"] == row.message_id  # a mail client shows it once
    [row] = notifications(uow_factory, world.patient_id)
    assert row.status == "sent" and row.claimed_by == "sender-ws" and row.retry_count == 1
    much_later = utcnow() + dt.timedelta(days=1)
    assert make_sender(uow_factory, smtp, clock=lambda: much_later).send_pending() == []
    assert len(smtp.messages) == 2


def test_starttls_is_required_and_used(uow_factory, actors, world, tmp_path):
    cert, key = self_signed_certificate()
    (tmp_path / "cert.pem").write_bytes(cert)
    (tmp_path / "key.pem").write_bytes(key)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    client_ctx = ssl.create_default_context(cafile=str(tmp_path / "cert.pem"))
    fill_and_verify(uow_factory, actors, world.rx_id)
    # a server without STARTTLS: refused, nothing sent in clear text, tried again later
    with SmtpServer() as plain:
        email = SmtpEmailSender(parse_smtp_url(f"smtp://127.0.0.1:{plain.port}"), context=client_ctx)
        [outcome] = NotificationSender(uow_factory, workstation="ws", email=email).send_pending()
        assert outcome.status == "pending" and "STARTTLS" in outcome.message and plain.messages == []
    later = utcnow() + dt.timedelta(minutes=2)
    with SmtpServer(starttls=server_ctx) as secure:
        email = SmtpEmailSender(parse_smtp_url(f"smtp://127.0.0.1:{secure.port}"), context=client_ctx)
        [outcome] = NotificationSender(uow_factory, workstation="ws", email=email, clock=lambda: later).send_pending()
        assert outcome.status == "sent" and len(secure.messages) == 1


def test_smtp_url_rules():
    s = parse_smtp_url("smtps://rx%40mainstreet.example@mail.example.org")
    assert (s.host, s.port, s.security, s.username, s.from_address) == (
        "mail.example.org",
        465,
        "tls",
        "rx@mainstreet.example",
        "rx@mainstreet.example",
    )
    assert parse_smtp_url("smtp://mail.example.org").port == 587
    for bad, words in (
        ("smtp://u:secret@mail.example.org", "keyring"),
        ("http://mail.example.org", "smtp://"),
        ("smtp://mail.example.org?starttls=no", "this machine"),
    ):
        with pytest.raises(ValueError, match=words) as caught:
            parse_smtp_url(bad)
        assert "secret" not in str(caught.value)


def test_notifications_run_once_and_plan_from_the_command_line(
    uow_factory, actors, world, smtp, database_url, capsys, monkeypatch
):
    from tests.cli.conftest import run_cli, run_main  # the first run a real process, the others main(argv) here
    from tests.notifications.test_jobs import DAY, dispensed_rx

    fill_and_verify(uow_factory, actors, world.rx_id)
    dispensed_rx(uow_factory, world, ran_out_in=3)
    with uow_factory() as uow:
        number = uow.session.get(f.Patient, world.patient_id).patient_number
    planned = run_main(capsys, "notifications", "plan", "--date", DAY.isoformat(), "--database-url", database_url)
    assert planned.returncode == 0, planned.stderr
    assert "refill_due" in planned.stdout and number in planned.stdout and "would send" in planned.stdout
    assert "Maria" not in planned.stdout and "Gonzalez" not in planned.stdout
    bad = run_main(capsys, "notifications", "plan", "--date", "12/02/2026", "--database-url", database_url)
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr

    done = run_cli(
        "notifications", "run", "--once", "--database-url", database_url, env={"PHARMACY_SMTP_URL": plain_url(smtp)}
    )
    assert done.returncode == 0, done.stderr
    assert "Notifications: 2 sent." in done.stdout
    assert sorted(m["Subject"] for m in smtp.messages) == [
        "A refill is due soon",
        "Ready for pickup at Main Street Pharmacy",
    ]
    monkeypatch.setenv("PHARMACY_SMTP_URL", plain_url(smtp))
    again = run_main(capsys, "notifications", "run", "--once", "--database-url", database_url)
    assert "nothing due" in again.stdout and len(smtp.messages) == 2


def test_the_app_sender_works_only_on_the_chosen_workstation(uow_factory, actors, world, smtp, tmp_path, monkeypatch):
    import time

    from pharmacy_desktop import config as config_mod
    from pharmacy_desktop.app import make_notification_sender
    from pharmacy_desktop.keyring_store import set_secret
    from tests.notifications.conftest import set_profile

    path = tmp_path / "workstation.toml"
    url = f"smtp://rx%40mainstreet.example@127.0.0.1:{smtp.port}?starttls=no"
    config_mod.save(config_mod.Config(workstation_name="counter-2", smtp_url=url, sms_url="simulator"), path)
    cfg = config_mod.load(path)
    assert (cfg.smtp_url, cfg.sms_url) == (url, "simulator")
    monkeypatch.setenv("PHARMACY_SMTP_URL", plain_url(smtp))
    assert config_mod.smtp_url(cfg) == plain_url(smtp)  # the environment wins
    monkeypatch.delenv("PHARMACY_SMTP_URL")
    set_secret(config_mod.smtp_secret_key(url), "mail-secret")
    sender = make_notification_sender(uow_factory, cfg, "counter-2")
    assert sender.email is not None and sender.email._password == "mail-secret" and sender.sms is not None
    assert sender.email.settings.username == "rx@mainstreet.example"

    # the aiosmtpd server accepts no AUTH on a plain connection: use the password-less URL for sending
    sender = make_notification_sender(uow_factory, config_mod.Config(smtp_url=plain_url(smtp)), "counter-2")
    sender.poll_interval = 0.2
    fill_and_verify(uow_factory, actors, world.rx_id)
    sender.start()
    try:
        time.sleep(1.5)
        assert smtp.messages == []  # no workstation chosen yet
        set_profile(uow_factory, notification_workstation="counter-2")
        deadline = time.monotonic() + 20
        while not smtp.messages and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(smtp.messages) == 1
    finally:
        sender.stop()
    assert not sender.running


def test_two_senders_at_once_send_each_message_once(uow_factory, actors, world, smtp):
    import threading

    from pharmacy_desktop.services.notification_outbox import enqueue

    with uow_factory() as uow:
        patients = [f.add_patient(uow, f"Pat{i}", "Example", email=f"pat{i}@example.org") for i in range(12)]
        for p in patients:
            p.communication_preference, p.contact_consent_at = "email", utcnow()
        uow.flush()
        for p in patients:
            assert enqueue(
                uow, p, "refill_due", reference_type=None, reference_id=None, event_key=f"k:{p.id}", now=utcnow()
            ).queued
        uow.commit()
    senders = [make_sender(uow_factory, smtp, batch_size=3) for _ in range(2)]
    results: list = [None, None]
    threads = [threading.Thread(target=lambda i=i: results.__setitem__(i, senders[i].send_pending())) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    sent = [o.notification_id for r in results for o in r if o.status == "sent"]
    assert len(sent) == len(set(sent)) == 12
    ids = [m["Message-ID"] for m in smtp.messages]
    assert len(ids) == len(set(ids)) == 12
