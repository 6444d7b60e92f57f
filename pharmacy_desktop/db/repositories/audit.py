"""Domain events and patient-data access logs (append-only: read here, written by the UoW)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Select, select

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

    def recent_events(self, **filters) -> list[DomainEvent]:
        """Newest first; ``since`` inclusive, ``until`` exclusive (filters: see ``events_query``)."""
        return list(self.session.scalars(self.events_query(**filters)))

    @staticmethod
    def events_query(
        *,
        event_type: str | None = None,
        aggregate_type: str | None = None,
        aggregate_id: uuid.UUID | None = None,
        user_id: uuid.UUID | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        limit: int = 200,
    ) -> Select:
        """The filtered, newest-first query behind ``recent_events``; callers may add columns and joins."""
        stmt = select(DomainEvent).order_by(DomainEvent.sequence_number.desc()).limit(limit)
        for column, value in ((DomainEvent.event_type, event_type), (DomainEvent.aggregate_type, aggregate_type),
                              (DomainEvent.aggregate_id, aggregate_id), (DomainEvent.user_id, user_id)):
            if value is not None:
                stmt = stmt.where(column == value)
        if since is not None:
            stmt = stmt.where(DomainEvent.occurred_at >= since)
        if until is not None:
            stmt = stmt.where(DomainEvent.occurred_at < until)
        return stmt

    def access_logs(self, **filters) -> list[AccessLog]:
        """Who opened what, newest first (filters: see ``access_query``)."""
        return list(self.session.scalars(self.access_query(**filters)))

    @staticmethod
    def access_query(
        *,
        user_id: uuid.UUID | None = None,
        resource_type: str | None = None,
        resource_id: uuid.UUID | None = None,
        action: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        limit: int = 200,
    ) -> Select:
        """The filtered, newest-first query behind ``access_logs``; callers may add columns and joins."""
        stmt = select(AccessLog).order_by(AccessLog.accessed_at.desc(), AccessLog.id).limit(limit)
        for column, value in ((AccessLog.user_id, user_id), (AccessLog.resource_type, resource_type),
                              (AccessLog.resource_id, resource_id), (AccessLog.action, action)):
            if value is not None:
                stmt = stmt.where(column == value)
        if since is not None:
            stmt = stmt.where(AccessLog.accessed_at >= since)
        if until is not None:
            stmt = stmt.where(AccessLog.accessed_at < until)
        return stmt
