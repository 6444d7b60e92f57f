"""Queries of the notification screens: templates as a manager edits them, a patient's messages, and
the pharmacy-wide list of messages that failed or still wait (services/notification_admin.py).

The outbox writer and the sender have theirs in ``notifications.py``; these only read for people and
lock the one row a person acts on.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from pharmacy_desktop.db.models.notifications import Notification, NotificationTemplate
from pharmacy_desktop.db.models.patients import Patient
from pharmacy_desktop.db.models.users import User
from pharmacy_desktop.db.repositories.base import Repository

# what the pharmacy-wide list shows: not sent yet, or given up on (bounced: the address is wrong)
OUTSTANDING = ("pending", "sending", "failed", "bounced")


class NotificationAdminRepository(Repository[Notification]):
    model = Notification
    label = "message"

    # -- templates -------------------------------------------------------------------------------

    def all_templates(self) -> list[NotificationTemplate]:
        stmt = select(NotificationTemplate).order_by(
            NotificationTemplate.event_trigger,
            NotificationTemplate.notification_type,
            NotificationTemplate.is_active.desc().nulls_last(),
            NotificationTemplate.template_name,
        )
        return list(self.session.scalars(stmt))

    def template(self, template_id: uuid.UUID, *, for_update: bool = False) -> NotificationTemplate | None:
        stmt = select(NotificationTemplate).where(NotificationTemplate.id == template_id)
        if for_update:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return self.session.scalars(stmt).first()

    def templates_of(self, event: str, channel: str) -> list[NotificationTemplate]:
        """Every template of one event and channel, locked in id order: two managers activating
        different ones at once take turns instead of colliding on the one-active index."""
        stmt = (
            select(NotificationTemplate)
            .where(NotificationTemplate.event_trigger == event, NotificationTemplate.notification_type == channel)
            .order_by(NotificationTemplate.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return list(self.session.scalars(stmt))

    def name_taken(self, name: str, exclude: uuid.UUID | None = None) -> bool:
        stmt = select(NotificationTemplate.id).where(NotificationTemplate.template_name == name)
        if exclude is not None:
            stmt = stmt.where(NotificationTemplate.id != exclude)
        return self.session.scalars(stmt).first() is not None

    # -- messages ----------------------------------------------------------------------------------

    def patient_messages(self, patient_id: uuid.UUID, limit: int) -> list[tuple[Notification, str | None]]:
        """The patient's messages, newest first, with the event of the template they came from."""
        stmt = (
            select(Notification, NotificationTemplate.event_trigger)
            .outerjoin(NotificationTemplate, NotificationTemplate.id == Notification.template_id)
            .where(Notification.patient_id == patient_id)
            .order_by(Notification.created_at.desc(), Notification.id)
            .limit(limit)
        )
        return [(n, event) for n, event in self.session.execute(stmt)]

    def outstanding(self, limit: int) -> list[tuple[Notification, str | None, str, str, str]]:
        """Messages not sent yet or given up on, failed first then by when they were written:
        (row, event, patient first name, last name, patient number)."""
        failed_first = Notification.status.in_(("failed", "bounced")).desc()
        stmt = (
            select(
                Notification,
                NotificationTemplate.event_trigger,
                Patient.first_name,
                Patient.last_name,
                Patient.patient_number,
            )
            .join(Patient, Patient.id == Notification.patient_id)
            .outerjoin(NotificationTemplate, NotificationTemplate.id == Notification.template_id)
            .where(Notification.status.in_(OUTSTANDING))
            .order_by(failed_first, Notification.created_at, Notification.id)
            .limit(limit)
            .execution_options(include_deleted=True)  # a removed patient's stuck message is still listed
        )
        return [(n, event, first, last, number) for n, event, first, last, number in self.session.execute(stmt)]

    def message_for_update(self, notification_id: uuid.UUID) -> tuple[Notification, str | None] | None:
        """One message locked for a person's action (resend, cancel), with its event. A sender holding
        it (between its claim and its commit, a moment) is waited for."""
        stmt = (
            select(Notification)
            .where(Notification.id == notification_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        row = self.session.scalars(stmt).first()
        if row is None:
            return None
        event = None
        if row.template_id is not None:
            event = self.session.scalar(
                select(NotificationTemplate.event_trigger).where(NotificationTemplate.id == row.template_id)
            )
        return row, event

    def patient(self, patient_id: uuid.UUID, *, for_update: bool = False) -> Patient | None:
        stmt = select(Patient).where(Patient.id == patient_id)
        if for_update:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return self.session.scalars(stmt).first()

    def user_names(self, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
        """'First Last' of the users who did something (recorded consent, edited a template)."""
        if not ids:
            return {}
        stmt = select(User.id, User.first_name, User.last_name).where(User.id.in_(ids))
        return {
            uid: f"{first} {last}"
            for uid, first, last in self.session.execute(stmt.execution_options(include_deleted=True))
        }
