"""What the notification screens are given (frozen DTOs, built inside the session) and the words for
events, channels and statuses (services/notification_admin.py builds them)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from pharmacy_desktop.db.models.notifications import Notification, NotificationTemplate

EVENT_TITLES = {
    "prescription_ready": "Ready for pickup",
    "refill_due": "Refill due",
    "pickup_reminder": "Still in will-call",
    "prescription_delayed": "Delayed",
}
CHANNEL_TITLES = {"sms": "SMS", "email": "e-mail", "push": "app"}
STATUS_TITLES = {
    "pending": "waiting",
    "sending": "sending",
    "sent": "sent",
    "delivered": "delivered",
    "failed": "FAILED",
    "bounced": "BOUNCED",
    "cancelled": "cancelled",
}
# the key-prefix the outbox writes for each event (ready:{patient}:{day}), for rows without a template
_KEY_EVENTS = {"ready": "prescription_ready", "refill": "refill_due", "pickup": "pickup_reminder"}


@dataclass(frozen=True)
class TemplateRow:
    id: uuid.UUID
    name: str
    event: str
    channel: str
    subject: str | None
    body: str
    active: bool
    updated_at: dt.datetime | None
    updated_by: str | None

    @property
    def event_title(self) -> str:
        return EVENT_TITLES.get(self.event, self.event)

    @property
    def channel_title(self) -> str:
        return CHANNEL_TITLES.get(self.channel, self.channel)


@dataclass(frozen=True)
class TemplateEdit:
    template_id: uuid.UUID | None  # None: a new template
    name: str
    event: str
    channel: str
    subject: str | None
    body: str
    expected_updated_at: dt.datetime | None = None  # the template as the editor loaded it


@dataclass(frozen=True)
class ContactPreferences:
    channel: str  # patients.communication_preference: sms, email, phone, mail, none
    consent: bool  # consent to be contacted is on record
    sms_opt_out: bool
    email_opt_out: bool


@dataclass(frozen=True)
class MessageRow:
    id: uuid.UUID
    patient_id: uuid.UUID
    event: str | None
    channel: str
    recipient: str
    subject: str | None
    message: str
    status: str
    created_at: dt.datetime | None
    next_attempt_at: dt.datetime | None
    sent_at: dt.datetime | None
    delivered_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    tries: int
    max_tries: int
    error: str | None
    message_id: str | None
    patient_name: str = ""  # the pharmacy-wide list: "Last, First"
    patient_number: str = ""

    @property
    def event_title(self) -> str:
        return EVENT_TITLES.get(self.event or "", self.event or "message")

    @property
    def channel_title(self) -> str:
        return CHANNEL_TITLES.get(self.channel, self.channel)

    @property
    def status_title(self) -> str:
        return STATUS_TITLES.get(self.status, self.status)

    @property
    def open(self) -> bool:
        """Not sent and not given up by a person: it can be resent or cancelled."""
        return self.status in ("pending", "failed", "bounced")

    @property
    def last_event_at(self) -> dt.datetime | None:
        return self.delivered_at or self.sent_at or self.cancelled_at or self.created_at


@dataclass(frozen=True)
class PatientMessages:
    patient_id: uuid.UUID
    version: int  # the patient row's version after a save (the patient screen's form keeps it)
    preferences: ContactPreferences
    consent_at: dt.datetime | None
    consent_by: str | None
    sms_opt_out_at: dt.datetime | None
    email_opt_out_at: dt.datetime | None
    sends_to: str  # "Messages go by SMS to +1217...", or why none are sent
    messages: tuple[MessageRow, ...]


def template_row(t: NotificationTemplate, updated_by: str | None) -> TemplateRow:
    return TemplateRow(
        t.id,
        t.template_name,
        t.event_trigger,
        t.notification_type,
        t.subject,
        t.body_template,
        bool(t.is_active),
        t.updated_at,
        updated_by,
    )


def event_of(n: Notification, template_event: str | None) -> str | None:
    if template_event:
        return template_event
    prefix = (n.event_key or "").split(":", 1)[0]
    return _KEY_EVENTS.get(prefix, prefix or None)


def message_row(n: Notification, template_event: str | None) -> MessageRow:
    return MessageRow(
        id=n.id,
        patient_id=n.patient_id,
        event=event_of(n, template_event),
        channel=n.notification_type,
        recipient=n.recipient,
        subject=n.subject,
        message=n.message,
        status=n.status,
        created_at=n.created_at,
        next_attempt_at=n.next_attempt_at,
        sent_at=n.sent_at,
        delivered_at=n.delivered_at,
        cancelled_at=n.cancelled_at,
        tries=n.retry_count or 0,
        max_tries=n.max_retries or 0,
        error=n.error_message,
        message_id=n.message_id,
    )
