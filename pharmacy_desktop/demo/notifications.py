"""The demo pharmacy's patient messages (issue 16 item 6).

Two steps around the day's prescriptions (demo/loader.py):

- ``prepare_patients`` before them: the default template of every event and channel, consent on
  record for most patients (recorded by the technician on their first visit), e-mail for those who
  gave an address and chose it, SMS for the rest who text, one patient who texted STOP (opted out of
  SMS), a few without consent. Today's final verifications then write their "ready" messages
  through the real outbox (services/verify.py), and they stay pending: the next
  ``pharmacy-desktop notifications run`` sends them.
- ``load_history`` after them: the messages of the weeks before, written by the same outbox with
  the time they were written, then given the outcome the sender recorded (delivered, sent, failed
  after its retries, bounced, cancelled by staff), and a refill reminder waiting for tomorrow
  morning. A "ready" message of a patient who has since picked everything up is marked sent (it went
  out before they came in).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select

from pharmacy_desktop.db.models.notifications import Notification
from pharmacy_desktop.db.models.patients import Patient
from pharmacy_desktop.db.models.prescriptions import Prescription
from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
from pharmacy_desktop.domain import notification_recipients
from pharmacy_desktop.services import notification_outbox
from pharmacy_desktop.services.notification_outbox import MessageDetails

if TYPE_CHECKING:
    from pharmacy_desktop.services.auth import Actor

STOP_PATIENT = 4  # the patient (index in the demo's list) who texted STOP
NO_CONSENT = frozenset({6, 13, 20, 27})  # never asked: nothing is sent to them


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute)).astimezone().astimezone(dt.UTC)


def prepare_patients(
    uow_factory: UnitOfWorkFactory, actors: dict[str, Actor], patient_ids: Sequence[uuid.UUID], today: dt.date
) -> int:
    """Templates, consent, channels and one opt-out; returns how many patients may be contacted."""
    tech = actors["technician"].user_id
    reachable = 0
    with uow_factory(tech) as uow:
        notification_outbox.seed_default_templates(uow)
        for i, patient_id in enumerate(patient_ids):
            patient = uow.active_session.get(Patient, patient_id)
            if patient is None or i in NO_CONSENT:
                continue
            patient.contact_consent_at = _at(today - dt.timedelta(days=30 + 11 * i), 10, 15)
            patient.contact_consent_by = tech
            if patient.email and i % 2:
                patient.communication_preference = "email"
            elif patient.communication_preference == "email" and not patient.email:
                patient.communication_preference = "sms"
            if i == STOP_PATIENT:
                patient.communication_preference = "sms"
                patient.sms_opt_out_at = _at(today - dt.timedelta(days=9), 18, 42)  # the provider's STOP
            elif patient.communication_preference in ("sms", "email"):
                reachable += 1
        uow.commit()
    return reachable


# (event, days ago, hour, channel, outcome) for the weeks before today, each to the next patient who
# gets messages on that channel
_HISTORY = (
    ("prescription_ready", 12, 11, "sms", "delivered"),
    ("refill_due", 8, 9, "email", "sent"),
    ("pickup_reminder", 6, 10, "sms", "delivered"),
    ("prescription_ready", 5, 15, "email", "failed"),
    ("prescription_delayed", 4, 14, "email", "sent"),
    ("refill_due", 3, 9, "email", "bounced"),
    ("pickup_reminder", 2, 10, "sms", "cancelled"),
    ("prescription_ready", 1, 16, "sms", "delivered"),
    ("prescription_delayed", 1, 12, "sms", "failed"),
    ("refill_due", -1, 9, "email", "pending"),  # tomorrow morning
)
_ERRORS = {
    ("failed", "email"): "The mail server did not answer (timed out after 30 s); gave up after the last try.",
    ("failed", "sms"): "The SMS provider answered 503 (service unavailable); gave up after the last try.",
    ("bounced", "email"): "550 5.1.1 The e-mail account that you tried to reach does not exist.",
    ("bounced", "sms"): "The number cannot receive text messages (a landline).",
}


def load_history(
    uow_factory: UnitOfWorkFactory, actors: dict[str, Actor], patient_ids: Sequence[uuid.UUID], today: dt.date
) -> int:
    """Earlier messages in each status; today's ready messages of patients who already picked up: sent."""
    tech = actors["technician"].user_id
    written = 0
    with uow_factory(tech) as uow:
        session = uow.active_session
        by_channel: dict[str, list[Patient]] = {"sms": [], "email": []}
        for patient_id in patient_ids:
            patient = session.get(Patient, patient_id)
            if patient is not None and (channel := _channel(patient)) is not None:
                by_channel[channel].append(patient)
        turns = {"sms": 0, "email": 0}
        for event, days_ago, hour, channel, outcome in _HISTORY:
            if not by_channel[channel]:
                continue
            patient = by_channel[channel][turns[channel] % len(by_channel[channel])]
            turns[channel] += 1
            day = today - dt.timedelta(days=days_ago)
            at = _at(day, hour, 5)
            details = MessageDetails(
                rx_count=1 + turns[channel] % 2,
                pickup_by=day + dt.timedelta(days=10),
                due_date=day + dt.timedelta(days=3) if event == "refill_due" else None,
            )
            result = notification_outbox.enqueue(
                uow,
                patient,
                event,
                reference_type="demo",
                reference_id=None,
                event_key=f"{event}:{patient.id}:{day.isoformat()}",
                now=at,
                details=details,
            )
            if result.notification_id is None:
                continue  # the patient may not be contacted (no consent, opted out, a phone call)
            row = session.get(Notification, result.notification_id)
            assert row is not None
            _record(row, outcome, at, tech)
            written += 1
        still_ready = set(
            session.scalars(select(Prescription.patient_id).where(Prescription.status == "ready").distinct())
        )
        today_start = _at(today, 0)
        for row in session.scalars(
            select(Notification).where(
                Notification.status == "pending",
                Notification.created_at >= today_start,
                Notification.reference_type.is_distinct_from("demo"),
            )
        ):
            if row.patient_id not in still_ready:  # everything picked up: the message went out before
                _record(row, "sent", row.created_at or _at(today, 9), tech)
        uow.commit()
    return written


def _channel(patient: Patient) -> str | None:
    return notification_recipients.choose(
        active=patient.is_active is not False,
        consent_at=patient.contact_consent_at,
        preference=patient.communication_preference,
        phone=patient.phone_primary,
        email=patient.email,
        sms_opt_out_at=patient.sms_opt_out_at,
        email_opt_out_at=patient.email_opt_out_at,
    ).channel


def _record(row: Notification, outcome: str, at: dt.datetime, by: uuid.UUID) -> None:
    """What the sender (or a person) recorded for the message."""
    row.created_at = min(at, dt.datetime.now(dt.UTC))  # a reminder due tomorrow was written today
    if outcome == "pending":
        row.next_attempt_at = at
        return
    if outcome == "cancelled":
        row.status, row.cancelled_at, row.cancelled_by = "cancelled", at + dt.timedelta(hours=3), by
        return
    row.status = outcome
    row.next_attempt_at = None
    if outcome in ("sent", "delivered"):
        row.retry_count = 0
        row.sent_at = at + dt.timedelta(minutes=1)
        row.external_id = f"demo-{row.id.hex[:12]}"
        if outcome == "delivered":
            row.delivered_at = at + dt.timedelta(minutes=2)
        return
    row.retry_count = row.max_retries if outcome == "failed" else 1
    row.error_message = _ERRORS[(outcome, row.notification_type)]
