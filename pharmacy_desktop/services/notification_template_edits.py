"""Patient message templates as a manager edits them (issue 16 item 1; services/notification_admin.py
re-exports these for the screens): list, check and save, put in use or turn off, preview.

Permission ``settings.manage``. A template is checked by ``domain/notification_templates.template_problems``
when saved (an unknown placeholder, a drug name in an SMS or a subject, an empty text: refused, nothing
written). Edits are checked against the template as the editor loaded it (``updated_at``): a second
manager's save in between is reported, not overwritten. One template per event and channel is in use;
activating one turns the other off in the same transaction, with the event's templates locked first.
"""

from __future__ import annotations

import uuid

from pharmacy_desktop.db.models.notifications import NotificationTemplate
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain.clock import utcnow
from pharmacy_desktop.domain.notification_templates import EVENTS, message_values, render, template_problems
from pharmacy_desktop.errors import ConcurrentUpdate, NotFound, ValidationFailed
from pharmacy_desktop.services import notification_outbox
from pharmacy_desktop.services.auth import Actor, require
from pharmacy_desktop.services.notification_views import TemplateEdit, TemplateRow, template_row
from pharmacy_desktop.services.text_checks import text_errors

MANAGE_TEMPLATES = "settings.manage"

# sample values for the preview beside the template editor: what a patient would read
SAMPLE_FIRST_NAME, SAMPLE_RX_COUNT, SAMPLE_PICKUP_BY, SAMPLE_DUE = "Maria", 2, "Dec 12", "Dec 9"
SAMPLE_DRUGS = ("Lisinopril 10 mg", "Atorvastatin 20 mg")


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
