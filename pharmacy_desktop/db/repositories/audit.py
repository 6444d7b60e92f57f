"""Domain events and patient-data access logs (append-only: read here, written by the UoW)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from pharmacy_desktop.db.models.audit import AccessLog, DomainEvent
from pharmacy_desktop.db.repositories.base import Repository


class AuditRepository(Repository[DomainEvent]):
    model = DomainEvent
    label = "event"

    def events_for(self, aggregate_type: str, aggregate_id: uuid.UUID) -> list[DomainEvent]:
        """The history of one aggregate, in the order it happened."""
        stmt = (
            select(DomainEvent)
            .where(DomainEvent.aggregate_type == aggregate_type, DomainEvent.aggregate_id == aggregate_id)
            .order_by(DomainEvent.sequence_number)
        )
        return list(self.session.scalars(stmt))

    def recent_events(
        self,
        *,
        event_type: str | None = None,
        aggregate_type: str | None = None,
        user_id: uuid.UUID | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        limit: int = 200,
    ) -> list[DomainEvent]:
        """Newest first; ``since`` inclusive, ``until`` exclusive."""
        stmt = select(DomainEvent).order_by(DomainEvent.sequence_number.desc()).limit(limit)
        if event_type is not None:
            stmt = stmt.where(DomainEvent.event_type == event_type)
        if aggregate_type is not None:
            stmt = stmt.where(DomainEvent.aggregate_type == aggregate_type)
        if user_id is not None:
            stmt = stmt.where(DomainEvent.user_id == user_id)
        if since is not None:
            stmt = stmt.where(DomainEvent.occurred_at >= since)
        if until is not None:
            stmt = stmt.where(DomainEvent.occurred_at < until)
        return list(self.session.scalars(stmt))

    def access_logs(
        self,
        *,
        user_id: uuid.UUID | None = None,
        resource_type: str | None = None,
        resource_id: uuid.UUID | None = None,
        action: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        limit: int = 200,
    ) -> list[AccessLog]:
        """Who opened what, newest first; ``since`` inclusive, ``until`` exclusive."""
        stmt = select(AccessLog).order_by(AccessLog.accessed_at.desc(), AccessLog.id).limit(limit)
        if user_id is not None:
            stmt = stmt.where(AccessLog.user_id == user_id)
        if resource_type is not None:
            stmt = stmt.where(AccessLog.resource_type == resource_type)
        if resource_id is not None:
            stmt = stmt.where(AccessLog.resource_id == resource_id)
        if action is not None:
            stmt = stmt.where(AccessLog.action == action)
        if since is not None:
            stmt = stmt.where(AccessLog.accessed_at >= since)
        if until is not None:
            stmt = stmt.where(AccessLog.accessed_at < until)
        return list(self.session.scalars(stmt))
