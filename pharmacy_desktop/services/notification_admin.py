"""The people's side of patient notifications (issue 16 items 1 and 5): templates, a patient's contact
preferences and messages, and the pharmacy-wide list of messages that failed or still wait.

Permissions: templates ``settings.manage``; a patient's preferences, and resending or cancelling a
message, ``patient.edit`` (both change what reaches a patient); reading the lists ``patient.view``.

- Templates: ``services/notification_template_edits.py`` (re-exported here for the screens).
- Preferences live on the patient row (channel, consent with who and when, opt-out per channel);
  saving them moves the row's version like any patient edit, and the new version is returned so the
  patient screen's open form stays current.
- Resend is a new attempt of the same row (same message id: a provider or a mail client drops a copy
  it already has): back to 'pending', due now or when quiet hours end, one more try granted, to the
  address the patient has now. It is refused when the patient may no longer be contacted that way.
  Cancel stops a message that was not sent. A message the sender holds ('sending') is left alone.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace

from pharmacy_desktop.db.models.notifications import Notification
from pharmacy_desktop.db.models.patients import Patient
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain import notification_recipients, quiet_hours
from pharmacy_desktop.domain.clock import utcnow
from pharmacy_desktop.domain.notification_templates import CHANNELS, EVENTS
from pharmacy_desktop.errors import ConcurrentUpdate, NotFound, ValidationFailed
from pharmacy_desktop.services.auth import Actor, require
from pharmacy_desktop.services.notification_template_edits import MANAGE_TEMPLATES as MANAGE_TEMPLATES
from pharmacy_desktop.services.notification_template_edits import activate_template as activate_template
from pharmacy_desktop.services.notification_template_edits import deactivate_template as deactivate_template
from pharmacy_desktop.services.notification_template_edits import list_templates as list_templates
from pharmacy_desktop.services.notification_template_edits import preview_template as preview_template
from pharmacy_desktop.services.notification_template_edits import save_template as save_template
from pharmacy_desktop.services.notification_views import (
    CHANNEL_TITLES,
    EVENT_TITLES,
    STATUS_TITLES,
    ContactPreferences,
    MessageRow,
    PatientMessages,
    TemplateEdit,
    TemplateRow,
    message_row,
)
from pharmacy_desktop.services.patient_forms import COMMUNICATION_CHOICES

__all__ = [
    "CHANNELS",
    "CHANNEL_TITLES",
    "EVENTS",
    "EVENT_TITLES",
    "STATUS_TITLES",
    "ContactPreferences",
    "MessageRow",
    "PatientMessages",
    "TemplateEdit",
    "TemplateRow",
]

EDIT = "patient.edit"
VIEW = "patient.view"
HISTORY_LIMIT = 100
OUTSTANDING_LIMIT = 500

# -- a patient's preferences and messages ------------------------------------------------------------


def patient_messages(
    uow_factory: UnitOfWorkFactory, actor: Actor, patient_id: uuid.UUID, *, limit: int = HISTORY_LIMIT
) -> PatientMessages:
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, VIEW, doing="see a patient's messages")
        view = _patient_view(uow, patient_id, limit)
        uow.log_access("view", "patient_messages", patient_id)
        uow.commit()
        return view


def _patient(uow: UnitOfWork, patient_id: uuid.UUID, *, for_update: bool = False) -> Patient:
    patient = uow.notification_admin.patient(patient_id, for_update=for_update)
    if patient is None:
        raise NotFound("The patient was not found; they may have been removed on another workstation.")
    return patient


def _recipient(p: Patient) -> notification_recipients.Recipient:
    return notification_recipients.choose(
        active=p.is_active is not False,
        consent_at=p.contact_consent_at,
        preference=p.communication_preference,
        phone=p.phone_primary,
        email=p.email,
        sms_opt_out_at=p.sms_opt_out_at,
        email_opt_out_at=p.email_opt_out_at,
    )


def _patient_view(uow: UnitOfWork, patient_id: uuid.UUID, limit: int) -> PatientMessages:
    p = _patient(uow, patient_id)
    history = uow.notification_admin.patient_messages(patient_id, limit)
    names = uow.notification_admin.user_names({p.contact_consent_by} if p.contact_consent_by else set())
    who = _recipient(p)
    if who.channel is not None:
        sends_to = f"Messages go by {CHANNEL_TITLES[who.channel]} to {who.address}."
    else:
        sends_to = f"No messages are sent: {who.reason}."
    return PatientMessages(
        patient_id=p.id,
        version=p.version or 1,
        preferences=ContactPreferences(
            channel=p.communication_preference or "sms",
            consent=p.contact_consent_at is not None,
            sms_opt_out=p.sms_opt_out_at is not None,
            email_opt_out=p.email_opt_out_at is not None,
        ),
        consent_at=p.contact_consent_at,
        consent_by=names.get(p.contact_consent_by) if p.contact_consent_by else None,
        sms_opt_out_at=p.sms_opt_out_at,
        email_opt_out_at=p.email_opt_out_at,
        sends_to=sends_to,
        messages=tuple(message_row(n, event) for n, event in history),
    )


def save_preferences(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    patient_id: uuid.UUID,
    preferences: ContactPreferences,
    *,
    now: dt.datetime | None = None,
) -> PatientMessages:
    """Channel, consent (recorded now by ``actor``, or withdrawn) and opt-out per channel."""
    at = now or utcnow()
    if preferences.channel not in COMMUNICATION_CHOICES:
        raise ValidationFailed(
            f"Choose how messages go: {', '.join(COMMUNICATION_CHOICES)}.", {"channel": "unknown channel"}
        )
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, EDIT, doing="change a patient's contact preferences")
        p = _patient(uow, patient_id, for_update=True)
        if preferences.channel == "email" and not (p.email or "").strip():
            raise ValidationFailed(
                "E-mail needs an address: type it on the Details tab (Alt+1, E-mail), save, then choose e-mail.",
                {"channel": "no e-mail address"},
            )
        changed: list[str] = []
        if (p.communication_preference or "sms") != preferences.channel:
            p.communication_preference = preferences.channel
            changed.append("channel")
        if preferences.consent != (p.contact_consent_at is not None):
            p.contact_consent_at, p.contact_consent_by = (at, actor.user_id) if preferences.consent else (None, None)
            changed.append("consent")
        if preferences.sms_opt_out != (p.sms_opt_out_at is not None):
            p.sms_opt_out_at = at if preferences.sms_opt_out else None
            changed.append("sms_opt_out")
        if preferences.email_opt_out != (p.email_opt_out_at is not None):
            p.email_opt_out_at = at if preferences.email_opt_out else None
            changed.append("email_opt_out")
        if changed:
            uow.flush()
            uow.record(
                "PatientContactPreferencesChanged",
                "patient",
                p.id,
                {
                    "fields": changed,
                    "channel": preferences.channel,
                    "consent": preferences.consent,
                    "sms_opt_out": preferences.sms_opt_out,
                    "email_opt_out": preferences.email_opt_out,
                },
            )
            # with the version it made: a screen already showing that version has nothing to reload
            uow.notify("patients", p.id, version=p.version)
        view = _patient_view(uow, patient_id, HISTORY_LIMIT)
        uow.commit()
        return view


# -- the pharmacy-wide list ---------------------------------------------------------------------------


NOT_DELIVERED = frozenset({"failed", "bounced"})  # the statuses of a message someone must look at


def not_delivered_count(rows: list[MessageRow]) -> int:
    """How many of ``rows`` failed or bounced (the home screen's count)."""
    return sum(1 for r in rows if r.status in NOT_DELIVERED)


def outstanding_messages(
    uow_factory: UnitOfWorkFactory, actor: Actor, *, limit: int = OUTSTANDING_LIMIT
) -> list[MessageRow]:
    """Messages that failed or bounced (first), then those waiting to be sent or being sent."""
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, VIEW, doing="see the patients' messages")
        return [
            replace(message_row(n, event), patient_name=f"{last}, {first}", patient_number=number)
            for n, event, first, last, number in uow.notification_admin.outstanding(limit)
        ]


def _message(uow: UnitOfWork, notification_id: uuid.UUID) -> tuple[Notification, str | None]:
    found = uow.notification_admin.message_for_update(notification_id)
    if found is None:
        raise NotFound("The message was not found. Reload the list (Ctrl+L).")
    return found


def _refuse_unless_open(row: Notification, doing: str) -> None:
    if row.status == "sending":
        raise ConcurrentUpdate(
            f"The message is being sent right now, so it cannot be {doing}. Reload in a minute (Ctrl+L) to see how it went."
        )
    if row.status in ("sent", "delivered"):
        raise ValidationFailed(f"The message was already sent, so it cannot be {doing}. Reload the list (Ctrl+L).")
    if row.status == "cancelled":
        raise ValidationFailed(f"The message was cancelled, so it cannot be {doing}. Reload the list (Ctrl+L).")


def resend_message(
    uow_factory: UnitOfWorkFactory, actor: Actor, notification_id: uuid.UUID, *, now: dt.datetime | None = None
) -> MessageRow:
    at = now or utcnow()
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, EDIT, doing="resend patients' messages")
        row, event = _message(uow, notification_id)
        _refuse_unless_open(row, "sent again")
        who = _recipient(_patient(uow, row.patient_id))
        if who.channel is None or who.address is None:
            raise ValidationFailed(f"Not sent again: {who.reason}. Cancel the message instead (Delete).")
        if who.channel != row.notification_type:
            raise ValidationFailed(
                f"Not sent again: the patient now gets messages by {CHANNEL_TITLES[who.channel]}, not "
                f"{CHANNEL_TITLES.get(row.notification_type, row.notification_type)}. Cancel this one (Delete); "
                "their next message goes the new way."
            )
        before = row.status
        moved = row.recipient != who.address
        row.recipient = who.address  # a corrected address or number is used (the reason for most resends)
        row.status = "pending"
        row.claimed_at = row.claimed_by = None
        # the sender gives up once retry_count passes max_retries: one more try at least from here
        row.max_retries = max(row.max_retries or 0, row.retry_count or 0)
        profile = uow.users.pharmacy_profile()
        row.next_attempt_at = (
            quiet_hours.next_allowed(at, profile.quiet_hours_start, profile.quiet_hours_end) if profile else at
        )
        uow.flush()
        uow.record(
            "NotificationResent",
            "notification",
            row.id,
            {"status_before": before, "channel": row.notification_type, "address_changed": moved},
        )
        uow.notify("notifications", row.id, status="pending")
        result = message_row(row, event)
        uow.commit()
        return result


def cancel_message(
    uow_factory: UnitOfWorkFactory, actor: Actor, notification_id: uuid.UUID, *, now: dt.datetime | None = None
) -> MessageRow:
    at = now or utcnow()
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, EDIT, doing="cancel patients' messages")
        row, event = _message(uow, notification_id)
        _refuse_unless_open(row, "cancelled")
        before = row.status
        row.status = "cancelled"
        row.cancelled_at, row.cancelled_by = at, actor.user_id
        row.claimed_at = row.claimed_by = None
        uow.flush()
        uow.record("NotificationCancelled", "notification", row.id, {"status_before": before})
        uow.notify("notifications", row.id, status="cancelled")
        result = message_row(row, event)
        uow.commit()
        return result
