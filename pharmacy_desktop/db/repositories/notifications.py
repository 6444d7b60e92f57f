"""The outgoing message queue and its templates."""

from __future__ import annotations

from sqlalchemy import select

from pharmacy_desktop.db.models.notifications import Notification, NotificationTemplate
from pharmacy_desktop.db.repositories.base import Repository


class NotificationRepository(Repository[Notification]):
    model = Notification
    label = "notification"

    def pending(self, limit: int = 50, *, claim: bool = False) -> list[Notification]:
        """Pending messages with retries left, oldest first. ``claim`` locks them (skipping rows
        another sender holds) so two workstations never send the same message."""
        stmt = (
            select(Notification)
            .where(
                Notification.status == "pending",
                Notification.retry_count.is_(None) | (Notification.retry_count < Notification.max_retries),
            )
            .order_by(Notification.created_at, Notification.id)
            .limit(limit)
        )
        if claim:
            stmt = stmt.with_for_update(skip_locked=True)
        return list(self.session.scalars(stmt))

    def template_by_name(self, template_name: str, *, active_only: bool = True) -> NotificationTemplate | None:
        stmt = select(NotificationTemplate).where(NotificationTemplate.template_name == template_name)
        if active_only:
            stmt = stmt.where(NotificationTemplate.is_active.is_not(False))
        return self.session.scalars(stmt).first()

    def templates(self, *, active_only: bool = True) -> list[NotificationTemplate]:
        stmt = select(NotificationTemplate).order_by(NotificationTemplate.template_name)
        if active_only:
            stmt = stmt.where(NotificationTemplate.is_active.is_not(False))
        return list(self.session.scalars(stmt))
