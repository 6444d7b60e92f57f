"""The people's side of patient notifications (issue 16 items 1 and 5): templates, a patient's contact
preferences and messages, and the pharmacy-wide list of messages that failed or still wait.

Permissions: templates ``settings.manage``; a patient's preferences, and resending or cancelling a
message, ``patient.edit`` (both change what reaches a patient); reading the lists ``patient.view``.

- A template is checked by ``domain/notification_templates.template_problems`` when saved (an unknown
  placeholder, a drug name in an SMS or a subject, an empty text: refused, nothing written). Edits
  are checked against the template as the editor loaded it (``updated_at``): a second manager's save
  in between is reported, not overwritten. One template per event and channel is active; activating
  one deactivates the other in the same transaction, with the event's templates locked first.
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

from pharmacy_desktop.db.models.notifications import Notification, NotificationTemplate
from pharmacy_desktop.db.models.patients import Patient
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain import notification_recipients, quiet_hours
from pharmacy_desktop.domain.clock import utcnow
from pharmacy_desktop.domain.notification_templates import CHANNELS, EVENTS, message_values, render, template_problems
from pharmacy_desktop.errors import ConcurrentUpdate, NotFound, ValidationFailed
from pharmacy_desktop.services import notification_outbox
from pharmacy_desktop.services.auth import Actor, require
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
    template_row,
)
from pharmacy_desktop.services.patient_forms import COMMUNICATION_CHOICES
from pharmacy_desktop.services.text_checks import text_errors

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

MANAGE_TEMPLATES = "settings.manage"
EDIT = "patient.edit"
VIEW = "patient.view"
HISTORY_LIMIT = 100
OUTSTANDING_LIMIT = 500

# sample values for the preview beside the template editor: what a patient would read
SAMPLE_FIRST_NAME, SAMPLE_RX_COUNT, SAMPLE_PICKUP_BY, SAMPLE_DUE = "Maria", 2, "Dec 12", "Dec 9"
SAMPLE_DRUGS = ("Lisinopril 10 mg", "Atorvastatin 20 mg")


# -- templates -------------------------------------------------------------------------------------


def list_templates(uow_factory: UnitOfWorkFactory, actor: Actor) -> list[TemplateRow]:
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, MANAGE_TEMPLATES, doing="edit patient message templates")
        if not uow.notification_admin.all_templates():
            # a pharmacy that never sent a message: show the texts the outbox would start with
            notification_outbox.seed_default_templates(uow)
            uow.commit()
        return _templates(uow)


def _templates(uow: UnitOfWork) -> list[TemplateRow]:
    order = {event: i for i, event in enumerate(EVENTS)}  # the order of the day: ready, refill, still waiting...
    rows = sorted(
        uow.notification_admin.all_templates(),
        key=lambda t: (order.get(t.event_trigger, 99), t.notification_type != "sms", not t.is_active, t.template_name),
    )
    names = uow.notification_admin.user_names({t.updated_by for t in rows if t.updated_by})
    return [template_row(t, names.get(t.updated_by) if t.updated_by else None) for t in rows]


def preview_template(
    uow_factory: UnitOfWorkFactory, channel: str, subject: str | None, body: str
) -> tuple[str | None, str]:
    """The subject and text as a patient would read them, with this pharmacy's name and phone and
    sample values for the rest (drug names only where the pharmacy allows them in e-mail)."""
    with uow_factory() as uow:
        profile = uow.users.pharmacy_profile()
        values = message_values(
            patient_first_name=SAMPLE_FIRST_NAME,
            pharmacy_name=profile.name if profile is not None else "Your Pharmacy",
            pharmacy_phone=profile.phone if profile is not None else "(555) 555-0100",
            rx_count=SAMPLE_RX_COUNT,
            pickup_by=SAMPLE_PICKUP_BY,
            due_date=SAMPLE_DUE,
            drug_names=SAMPLE_DRUGS,
            channel=channel,
            email_drug_names=bool(profile is not None and profile.email_drug_names),
        )
    return (render(subject, values) if subject else None), render(body, values)


def save_template(uow_factory: UnitOfWorkFactory, actor: Actor, edit: TemplateEdit) -> TemplateRow:
    """Save a changed template (``edit.template_id``) or a new one (None: active at once when its event
    and channel have none active, otherwise saved inactive for the manager to activate)."""
    subject = (edit.subject or "").strip() or None
    body = (edit.body or "").strip()
    name = " ".join((edit.name or "").split())
    errors = _template_errors(edit.event, edit.channel, name, subject, body)
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, MANAGE_TEMPLATES, doing="edit patient message templates")
        repo = uow.notification_admin
        if name and "name" not in errors and repo.name_taken(name, exclude=edit.template_id):
            errors["name"] = f"Another template is called '{name}': choose another name."
        if errors:
            raise ValidationFailed("Not saved: " + " ".join(errors.values()), errors)
        if edit.template_id is None:
            others = repo.templates_of(edit.event, edit.channel)
            row = NotificationTemplate(
                id=uuid.uuid4(),
                template_name=name,
                notification_type=edit.channel,
                event_trigger=edit.event,
                is_active=not any(t.is_active for t in others),
            )
            uow.active_session.add(row)
        else:
            found = repo.template(edit.template_id, for_update=True)
            if found is None:
                raise NotFound("The template was not found; another manager may have removed it. Reload the list.")
            row = found
            if (row.event_trigger, row.notification_type) != (edit.event, edit.channel):
                raise ValidationFailed(
                    "A template keeps its event and channel: save the text as a new template instead (Alt+V)."
                )
            if edit.expected_updated_at is not None and row.updated_at != edit.expected_updated_at:
                raise ConcurrentUpdate(
                    f"'{row.template_name}' was changed by someone else since you opened it. Nothing was saved: "
                    "reload the templates (Ctrl+L), then make your change again."
                )
        row.template_name = name
        row.subject = subject
        row.body_template = body
        row.updated_by = actor.user_id
        row.updated_at = utcnow()
        uow.flush()
        uow.record(
            "NotificationTemplateSaved",
            "notification_template",
            row.id,
            {"name": name, "event": edit.event, "channel": edit.channel, "new": edit.template_id is None},
        )
        uow.notify("notification_templates", row.id)
        result = template_row(row, actor.display_name)
        uow.commit()
        return result


def _template_errors(event: str, channel: str, name: str, subject: str | None, body: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Give the template a name (e.g. 'Ready for pickup, SMS')."
    problems = template_problems(event, channel, subject, body)
    for problem in problems:
        key = "subject" if "subject" in problem else ("event" if problem.startswith("Unknown event") else "body")
        errors[key] = (errors[key] + " " + problem) if key in errors else problem
    errors.update(
        text_errors(
            (
                ("name", NotificationTemplate.template_name, name),
                ("subject", NotificationTemplate.subject, subject),
            ),
            labels={"name": "The name", "subject": "The subject"},
        )
    )
    return errors


def activate_template(uow_factory: UnitOfWorkFactory, actor: Actor, template_id: uuid.UUID) -> list[TemplateRow]:
    """Make this the template its event and channel use from the next message on."""
    return _set_active(uow_factory, actor, template_id, True)


def deactivate_template(uow_factory: UnitOfWorkFactory, actor: Actor, template_id: uuid.UUID) -> list[TemplateRow]:
    """Stop using this template. With none active, the outbox uses the built-in default text."""
    return _set_active(uow_factory, actor, template_id, False)


def _set_active(uow_factory: UnitOfWorkFactory, actor: Actor, template_id: uuid.UUID, on: bool) -> list[TemplateRow]:
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, MANAGE_TEMPLATES, doing="edit patient message templates")
        repo = uow.notification_admin
        target = repo.template(template_id)
        if target is None:
            raise NotFound("The template was not found; another manager may have removed it. Reload the list.")
        family = repo.templates_of(target.event_trigger, target.notification_type)
        target = next(t for t in family if t.id == template_id)
        problems = template_problems(
            target.event_trigger, target.notification_type, target.subject, target.body_template
        )
        if on and problems:
            raise ValidationFailed(f"'{target.template_name}' cannot be used as it is: {' '.join(problems)}")
        for other in family:  # the one-active index is checked per row: switch the others off first
            if other is not target and other.is_active and on:
                other.is_active = False
                other.updated_by = actor.user_id
        uow.flush()
        target.is_active = on
        target.updated_by = actor.user_id
        target.updated_at = utcnow()
        uow.flush()
        uow.record(
            "NotificationTemplateActivated" if on else "NotificationTemplateDeactivated",
            "notification_template",
            target.id,
            {"name": target.template_name, "event": target.event_trigger, "channel": target.notification_type},
        )
        uow.notify("notification_templates", target.id)
        rows = _templates(uow)
        uow.commit()
        return rows


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
        row.max_retries = max(row.max_retries or 0, (row.retry_count or 0) + 1)  # one more try, at least
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
