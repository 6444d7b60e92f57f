"""The notification sender: claim due outbox rows, send them outside any transaction, record the outcome.

One pass (`send_pending`), like the print sender:

1. claim, in one short transaction: due rows locked with ``FOR UPDATE SKIP LOCKED`` (two senders
   never take the same row), set 'sending' with ``claimed_at``/``claimed_by`` (the lease); a
   patient who opted out or withdrew consent since the row was written gets it cancelled
   instead; commit.
2. send each through its adapter (`adapters/smtp_mail.py`, `adapters/sms.py`), holding no lock and
   no connection.
3. record, in a new transaction: 'sent' with ``sent_at`` and the provider's id; a temporary failure
   puts it back to 'pending' with ``retry_count`` + 1 and an exponential back-off
   (``next_attempt_at``), until ``max_retries``, then 'failed'; a refused address is 'bounced'.

A sender that dies between 2 and 3 leaves the row 'sending'. Once its lease (`LEASE`) has run out
another pass claims it again, counts that as a retry and sends it once more, with the same
message id: at most one duplicate, which the mail client or provider can drop by that id.

`start()` runs passes on a daemon thread every ``poll_interval`` seconds and whenever `wake()` is
called; before each, ``daily_jobs`` (the refill-due and pickup-reminder jobs, once per day). The app starts it only on the pharmacy's sending workstation
(``pharmacy_profile.notification_workstation``); ``pharmacy-desktop notifications run`` runs the
same passes from a server or a cron job. Errors are logged by kind, never with an address, a
message text or SQL.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from pharmacy_desktop.adapters.sms import DeliveryReport, SmsError, SmsProvider, is_stop
from pharmacy_desktop.adapters.smtp_mail import EmailError, SmtpEmailSender
from pharmacy_desktop.db.failures import database_unreachable
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain.clock import utcnow as _utcnow
from pharmacy_desktop.domain.notification_recipients import sms_number
from pharmacy_desktop.services.background_worker import BackgroundWorker

__all__ = [
    "LEASE",
    "NotificationSender",
    "SendOutcome",
    "backoff",
    "record_delivery",
    "record_inbound_sms",
    "sending_workstation",
]

log = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=5)


def backoff(retry_count: int) -> dt.timedelta:
    """1, 2, 4 ... minutes after the n-th failure, at most an hour."""
    return dt.timedelta(minutes=min(60, 2 ** max(retry_count - 1, 0)))


@dataclass(frozen=True)
class SendOutcome:
    notification_id: uuid.UUID
    channel: str
    status: str  # 'sent', 'pending' (retry later), 'failed', 'bounced', 'cancelled'
    message: str


@dataclass(frozen=True)
class _Claimed:
    id: uuid.UUID
    channel: str
    recipient: str
    subject: str
    body: str
    message_id: str
    claimed_at: dt.datetime


class NotificationSender(BackgroundWorker):
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        *,
        workstation: str,
        email: SmtpEmailSender | None = None,
        sms: SmsProvider | None = None,
        from_name: str = "",
        lease: dt.timedelta = LEASE,
        batch_size: int = 20,
        poll_interval: float = 30.0,
        clock: Callable[[], dt.datetime] = _utcnow,
        after_send: Callable[[uuid.UUID], None] | None = None,
        daily_jobs: Callable[[dt.datetime], object] | None = None,
        chosen_only: bool = False,
    ) -> None:
        self.uow_factory = uow_factory
        self.workstation = workstation
        self.email = email
        self.sms = sms
        self.from_name = from_name
        self.lease = lease
        self.batch_size = batch_size
        super().__init__(poll_interval)
        self._clock = clock
        self._after_send = after_send  # between sending and recording (the crash tests stop here)
        self._daily_jobs = daily_jobs  # notification_jobs.DailyJobs.run_due: refill due, pickup reminders
        # the app's thread: work only while this is the pharmacy's sending workstation (read at each
        # pass, so choosing another workstation in the settings needs no restart)
        self.chosen_only = chosen_only
        self._pass_lock = threading.Lock()
        self._trouble: str | None = None

    # -- the thread ------------------------------------------------------------------------------

    thread_name = "notification-sender"

    def stop_timeout(self) -> float:
        return 30.0

    def run_pass(self) -> object:
        if self.chosen_only and sending_workstation(self.uow_factory) != self.workstation:
            return None
        return self.run_once()

    def pass_failed(self, error: Exception) -> None:  # the messages are safe in the outbox
        kind = "database" if database_unreachable(error) else type(error).__name__
        if self._trouble != kind:
            log.warning("notification pass failed (%s); retrying every %g s", kind, self.poll_interval)
        self._trouble = kind

    def pass_succeeded(self) -> None:
        if self._trouble is not None:
            log.info("notification sender resumed")
        self._trouble = None

    # -- one pass --------------------------------------------------------------------------------

    def run_once(self) -> list[SendOutcome]:
        """The daily jobs (if not run yet today), then one sending pass (``notifications run --once``)."""
        if self._daily_jobs is not None:
            self._daily_jobs(self._clock())
        return self.send_pending()

    def send_pending(self) -> list[SendOutcome]:
        """Claim, send and record every due message (in batches); returns what happened to each."""
        with self._pass_lock:
            outcomes: list[SendOutcome] = []
            while not self._stop.is_set():
                claimed, cancelled = self._claim()
                outcomes += cancelled
                for item in claimed:
                    outcomes.append(self._send_one(item))
                if len(claimed) + len(cancelled) < self.batch_size:
                    break
            return outcomes

    def _claim(self) -> tuple[list[_Claimed], list[SendOutcome]]:
        now = self._clock()
        claimed: list[_Claimed] = []
        cancelled: list[SendOutcome] = []
        with self.uow_factory() as uow:
            for row in uow.notifications.claim_due(now, now - self.lease, limit=self.batch_size):
                reason = _withdrawn(uow, row.patient_id, row.notification_type)
                if reason is not None:
                    row.status, row.cancelled_at, row.error_message = "cancelled", now, reason
                    row.next_attempt_at = None
                    cancelled.append(SendOutcome(row.id, row.notification_type, "cancelled", reason))
                    continue
                if row.status == "sending":  # its sender's lease ran out: it may have been sent
                    row.retry_count = (row.retry_count or 0) + 1
                    if row.retry_count > (row.max_retries or 0):
                        row.status, row.next_attempt_at = "failed", None
                        row.error_message = "The sender stopped while sending, too many times."
                        cancelled.append(SendOutcome(row.id, row.notification_type, "failed", row.error_message))
                        continue
                row.status, row.claimed_at, row.claimed_by = "sending", now, self.workstation
                claimed.append(
                    _Claimed(
                        row.id,
                        row.notification_type,
                        row.recipient,
                        row.subject or "",
                        row.message,
                        row.message_id or f"<{row.id.hex}@pharmacy-desktop.local>",
                        now,
                    )
                )
                uow.notify("notifications", row.id, status="sending")
            uow.commit()
        return claimed, cancelled

    def _send_one(self, item: _Claimed) -> SendOutcome:
        try:
            external = self._deliver(item)
        except (EmailError, SmsError) as error:
            return self._record_failure(item, error.message, permanent=error.permanent, bounced=error.bounced)
        except Exception as error:  # a bug must not leave the row 'sending' until its lease runs out
            log.error("sending notification %s failed unexpectedly (%s)", item.id, type(error).__name__)
            return self._record_failure(item, f"Sending failed ({type(error).__name__}).", permanent=False)
        if self._after_send is not None:
            self._after_send(item.id)
        return self._record_sent(item, external)

    def _deliver(self, item: _Claimed) -> str:
        if item.channel == "email":
            if self.email is None:
                raise EmailError("No mail server is configured ([notifications] smtp_url).")
            return self.email.send(
                to=item.recipient,
                subject=item.subject,
                body=item.body,
                message_id=item.message_id,
                from_name=self.from_name,
            )
        if item.channel == "sms":
            if self.sms is None:
                raise SmsError("No SMS provider is configured.")
            return self.sms.send(to=item.recipient, body=item.body, message_id=item.message_id)
        raise SmsError(f"Messages of type {item.channel} cannot be sent.", permanent=True)

    def _record_sent(self, item: _Claimed, external_id: str) -> SendOutcome:
        with self.uow_factory() as uow:
            row = uow.notifications.get(item.id, for_update=True)
            if row is not None and row.status in ("sending", "pending"):
                row.status, row.sent_at, row.external_id = "sent", self._clock(), external_id
                row.error_message, row.next_attempt_at = None, None
                uow.notify("notifications", row.id, status="sent")
            uow.commit()
        return SendOutcome(item.id, item.channel, "sent", "Sent.")

    def _record_failure(self, item: _Claimed, message: str, *, permanent: bool, bounced: bool = False) -> SendOutcome:
        now = self._clock()
        with self.uow_factory() as uow:
            row = uow.notifications.get(item.id, for_update=True)
            if row is None or row.status not in ("sending", "pending"):
                uow.commit()
                return SendOutcome(item.id, item.channel, row.status if row else "cancelled", message)
            row.error_message = message
            if bounced:
                row.status, row.next_attempt_at = "bounced", None
            elif permanent:
                row.status, row.next_attempt_at = "failed", None
            else:
                row.retry_count = (row.retry_count or 0) + 1
                if row.retry_count > (row.max_retries or 0):
                    row.status, row.next_attempt_at = "failed", None
                else:
                    row.status, row.next_attempt_at = "pending", now + backoff(row.retry_count)
            status = row.status
            uow.notify("notifications", row.id, status=status)
            uow.commit()
        log.info("notification %s not sent (%s): %s", item.id, status, message)
        return SendOutcome(item.id, item.channel, status, message)


def _withdrawn(uow: UnitOfWork, patient_id: uuid.UUID, channel: str) -> str | None:
    """Why a queued message may no longer go out (opt-out or consent withdrawn since), or None."""
    patient = uow.patients.get(patient_id)
    if patient is None or patient.contact_consent_at is None:
        return "Consent to be contacted was withdrawn before it was sent."
    if channel == "sms" and patient.sms_opt_out_at is not None:
        return "The patient opted out of text messages before it was sent."
    if channel == "email" and patient.email_opt_out_at is not None:
        return "The patient opted out of e-mail before it was sent."
    return None


# -- provider callbacks ---------------------------------------------------------------------------


def record_delivery(uow_factory: UnitOfWorkFactory, report: DeliveryReport) -> bool:
    """A provider's delivery callback: 'delivered', 'failed' or 'bounced' on the row it sent. False: unknown id."""
    with uow_factory() as uow:
        row = uow.notifications.by_external_id(report.external_id)
        if row is None:
            return False
        if row.status in ("sent", "sending", "delivered"):
            row.status = report.status
            if report.status == "delivered":
                row.delivered_at = _utcnow()
            else:
                row.error_message = f"The provider reported it {report.status}" + (
                    f" (code {report.error_code})." if report.error_code else "."
                )
            uow.notify("notifications", row.id, status=row.status)
        uow.commit()
        return True


def record_inbound_sms(uow_factory: UnitOfWorkFactory, from_number: str, body: str) -> int:
    """An inbound text: "STOP" opts every patient with that mobile number out of texts (their
    pending texts are cancelled). Returns how many patients were opted out."""
    number = sms_number(from_number)
    if number is None or not is_stop(body):
        return 0
    now = _utcnow()
    with uow_factory() as uow:
        patients = uow.notifications.patients_with_sms_number(number[2:])
        for patient in patients:
            if patient.sms_opt_out_at is None:
                patient.sms_opt_out_at = now
            uow.record("PatientSmsOptOut", "patient", patient.id, {"source": "STOP reply"})
            for row in uow.notifications.waiting_for(patient.id, "sms"):
                row.status, row.cancelled_at, row.next_attempt_at = "cancelled", now, None
                row.error_message = "The patient replied STOP."
            uow.notify("patients", patient.id)
        uow.commit()
        return len(patients)


def sending_workstation(uow_factory: UnitOfWorkFactory) -> str | None:
    """The workstation the pharmacy chose to run the sender (None: no workstation sends)."""
    with uow_factory() as uow:
        profile = uow.users.pharmacy_profile()
        return profile.notification_workstation if profile is not None else None
