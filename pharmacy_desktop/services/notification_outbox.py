"""The notification outbox: one function writes every patient message, in the caller's transaction.

`enqueue` is called inside the unit of work of the event that causes the message (final
verification, the refill-due and pickup-reminder jobs, a claim rejection), so the message exists
if and only if the event was committed. It never commits; the sender
(`services/notification_sender.py`) sends it later, outside any transaction.

What it decides:

- who and how (`domain/notification_recipients.py`): consent, the chosen channel, opt-out; a
  patient who may not be contacted gets no row (the outcome says why);
- the text: the active template of the event and channel, rendered with the minimum necessary
  (`domain/notification_templates.py`); a database with no template at all gets the default set
  on first use (`seed_default_templates`, which the demo also calls), so a fresh database sends;
  a pharmacy that deactivated a template without replacing it sends nothing for that event and
  channel;
- when: now, or the end of quiet hours (`domain/quiet_hours.py`);
- one message per patient per event: ``event_key`` is UNIQUE per patient. Several prescriptions
  verified the same day share the key ``ready:{patient}:{local date}``: a second verification
  while the row is still 'pending' re-renders that row (rx_count counts them; same message id,
  same send time), so the patient gets one message. Once the row was claimed or sent, a later
  prescription that day gets a follow-up row ``<key>#2`` (then ``#3``...): a patient told at 10
  that one prescription is ready is told at 3 that another is. Enqueueing the same reference
  again once its message went out does nothing (idempotent).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from pharmacy_desktop.db.models.notifications import NotificationTemplate
from pharmacy_desktop.db.models.patients import Patient
from pharmacy_desktop.db.unit_of_work import UnitOfWork
from pharmacy_desktop.domain import notification_recipients, quiet_hours
from pharmacy_desktop.domain.drug_names import title_case
from pharmacy_desktop.domain.notification_templates import (
    DEFAULT_TEMPLATES,
    EVENTS,
    message_values,
    render,
)
from pharmacy_desktop.errors import ValidationFailed

__all__ = [
    "Enqueued",
    "MessageDetails",
    "MAX_RETRIES",
    "enqueue",
    "ready_details",
    "ready_event_key",
    "seed_default_templates",
]

MAX_RETRIES = 5
MESSAGE_ID_DOMAIN = "pharmacy-desktop.local"


@dataclass(frozen=True)
class MessageDetails:
    """What the event knows beyond the patient (the placeholders it fills)."""

    rx_count: int = 1
    pickup_by: dt.date | None = None
    due_date: dt.date | None = None
    drug_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Enqueued:
    notification_id: uuid.UUID | None  # None: nothing queued (see reason)
    channel: str | None
    queued: bool
    reason: str  # "queued", "updated", "already sent", or why the patient is not contacted
    next_attempt_at: dt.datetime | None = None


def ready_event_key(patient_id: uuid.UUID, local_day: dt.date) -> str:
    return f"ready:{patient_id}:{local_day.isoformat()}"


def _local_day_start(now: dt.datetime) -> dt.datetime:
    local = now.astimezone()
    return dt.datetime.combine(local.date(), dt.time()).astimezone().astimezone(dt.UTC)


def ready_details(uow: UnitOfWork, patient_id: uuid.UUID, now: dt.datetime) -> MessageDetails:
    """The patient's prescriptions that became ready today (local) and still wait: count, pickup-by, drugs."""
    rows = uow.notifications.ready_since(patient_id, _local_day_start(now))
    rx_ids = list(dict.fromkeys(rx_id for rx_id, _ in rows))
    drugs = tuple(dict.fromkeys(title_case(name) for _, name in rows))  # FDA shouts; patients read title case
    profile = uow.users.pharmacy_profile()
    keep_days = profile.will_call_return_days if profile is not None else 10
    return MessageDetails(
        rx_count=max(len(rx_ids), 1),
        pickup_by=now.astimezone().date() + dt.timedelta(days=keep_days),
        drug_names=drugs,
    )


def seed_default_templates(uow: UnitOfWork) -> int:
    """Create the default template of every event and channel that has none active; returns how many.

    Called by the demo, and by `enqueue` on a database that has no template at all yet. A pharmacy
    that has templates and deactivated one meant it: that event and channel then sends nothing.
    """
    created = 0
    for (event, channel), default in DEFAULT_TEMPLATES.items():
        if uow.notifications.active_template(event, channel) is not None:
            continue
        # a concurrent creator (or a template of that name) wins quietly
        uow.notifications.add_template_unless_exists(
            {
                "id": uuid.uuid4(),
                "template_name": default.name,
                "notification_type": channel,
                "event_trigger": event,
                "subject": default.subject,
                "body_template": default.body,
                "is_active": True,
            }
        )
        created += 1
    return created


def _template(uow: UnitOfWork, event: str, channel: str) -> NotificationTemplate | None:
    found = uow.notifications.active_template(event, channel)
    if found is None and not uow.notifications.any_template():
        seed_default_templates(uow)  # first use on a database nobody seeded
        found = uow.notifications.active_template(event, channel)
    return found


def _texts(
    template: NotificationTemplate, uow: UnitOfWork, patient: Patient, channel: str, details: MessageDetails
) -> dict[str, Any]:
    profile = uow.users.pharmacy_profile()
    values = message_values(
        patient_first_name=patient.first_name,
        pharmacy_name=profile.name if profile is not None else "the pharmacy",
        pharmacy_phone=profile.phone if profile is not None else "",
        rx_count=details.rx_count,
        pickup_by=details.pickup_by.strftime("%b %-d") if details.pickup_by else "",
        due_date=details.due_date.strftime("%b %-d") if details.due_date else "",
        drug_names=details.drug_names,
        channel=channel,
        email_drug_names=bool(profile is not None and profile.email_drug_names),
    )
    subject, body = template.subject, template.body_template
    return {
        "template_id": template.id,
        "subject": render(subject, values)[:255] if channel == "email" and subject else None,
        "message": render(body, values),
    }


def _send_after(uow: UnitOfWork, now: dt.datetime) -> dt.datetime:
    profile = uow.users.pharmacy_profile()
    if profile is None:
        return now
    return quiet_hours.next_allowed(now, profile.quiet_hours_start, profile.quiet_hours_end)


def enqueue(
    uow: UnitOfWork,
    patient: Patient,
    event: str,
    *,
    reference_type: str | None,
    reference_id: uuid.UUID | None,
    event_key: str,
    now: dt.datetime,
    details: MessageDetails | None = None,
) -> Enqueued:
    """Write (or update) the patient's message for this event in the caller's transaction; never commits."""
    if event not in EVENTS:
        raise ValueError(f"unknown notification event {event!r}")
    if not event_key:
        raise ValueError("a notification needs an event key")
    details = details or MessageDetails()
    who = notification_recipients.choose(
        active=patient.is_active is not False,
        consent_at=patient.contact_consent_at,
        preference=patient.communication_preference,
        phone=patient.phone_primary,
        email=patient.email,
        sms_opt_out_at=patient.sms_opt_out_at,
        email_opt_out_at=patient.email_opt_out_at,
    )
    if who.channel is None or who.address is None:
        return Enqueued(None, None, False, who.reason)
    channel = who.channel
    template = _template(uow, event, channel)
    if template is None:
        return Enqueued(None, None, False, f"no active {channel} template for {event.replace('_', ' ')}")

    for _ in range(3):  # an insert that lost a race to the same event finds the winner's row next time
        rows = uow.notifications.for_event(patient.id, event_key)
        latest = rows[-1] if rows else None
        if latest is not None and latest.status == "pending" and latest.notification_type == channel:
            latest.recipient = who.address
            for key, value in _texts(template, uow, patient, channel, details).items():
                setattr(latest, key, value)
            uow.flush()
            uow.notify("notifications", latest.id, status=latest.status)
            return Enqueued(latest.id, channel, True, "updated", latest.next_attempt_at)
        if latest is not None and (latest.reference_type, latest.reference_id) == (reference_type, reference_id):
            return Enqueued(latest.id, latest.notification_type, False, "already sent")
        key = event_key if not rows else f"{event_key}#{len(rows) + 1}"
        new_id = uuid.uuid4()
        send_at = _send_after(uow, now)
        inserted = uow.notifications.insert_unless_exists(
            {
                "id": new_id,
                "patient_id": patient.id,
                "notification_type": channel,
                "recipient": who.address,
                "status": "pending",
                "retry_count": 0,
                "max_retries": MAX_RETRIES,
                "reference_type": reference_type,
                "reference_id": reference_id,
                "event_key": key,
                # stable across retries and a crashed sender: the mail client or provider drops a repeat
                "message_id": f"<{new_id.hex}@{MESSAGE_ID_DOMAIN}>",
                "next_attempt_at": send_at,
                "created_at": now,
                **_texts(template, uow, patient, channel, details),
            }
        )
        if inserted is not None:
            uow.notify("notifications", inserted, status="pending")
            return Enqueued(inserted, channel, True, "queued", send_at)
    raise ValidationFailed("Another workstation kept writing this patient's message; nothing was saved. Try again.")
