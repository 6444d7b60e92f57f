"""Domain events and patient-data access logs (append-only: read here, written by the UoW)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, TypeVar

from sqlalchemy import Select, String, cast, func, or_, select

from pharmacy_desktop.db.models.audit import AccessLog, DomainEvent
from pharmacy_desktop.db.models.patients import Patient
from pharmacy_desktop.db.models.users import User
from pharmacy_desktop.db.repositories.base import Repository

T = TypeVar("T", bound=tuple[Any, ...])


def _filtered(
    stmt: Select[T],
    equal: tuple[tuple[Any, object], ...],
    at: Any,
    since: dt.datetime | None,
    until: dt.datetime | None,
) -> Select[T]:
    """``stmt`` narrowed to the rows whose columns equal each value given (None: any), and whose time
    ``at`` falls in [``since``, ``until``) (either end open when None)."""
    for column, value in equal:
        if value is not None:
            stmt = stmt.where(column == value)
    if since is not None:
        stmt = stmt.where(at >= since)
    if until is not None:
        stmt = stmt.where(at < until)
    return stmt


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

    def recent_events(self, **filters: Any) -> list[DomainEvent]:
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
    ) -> Select[tuple[DomainEvent]]:
        """The filtered, newest-first query behind ``recent_events``; callers may add columns and joins."""
        return _filtered(
            select(DomainEvent).order_by(DomainEvent.sequence_number.desc()).limit(limit),
            (
                (DomainEvent.event_type, event_type),
                (DomainEvent.aggregate_type, aggregate_type),
                (DomainEvent.aggregate_id, aggregate_id),
                (DomainEvent.user_id, user_id),
            ),
            DomainEvent.occurred_at,
            since,
            until,
        )

    def access_logs(self, **filters: Any) -> list[AccessLog]:
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
    ) -> Select[tuple[AccessLog]]:
        """The filtered, newest-first query behind ``access_logs``; callers may add columns and joins."""
        return _filtered(
            select(AccessLog).order_by(AccessLog.accessed_at.desc(), AccessLog.id).limit(limit),
            (
                (AccessLog.user_id, user_id),
                (AccessLog.resource_type, resource_type),
                (AccessLog.resource_id, resource_id),
                (AccessLog.action, action),
            ),
            AccessLog.accessed_at,
            since,
            until,
        )

    # -- the audit screen: rows with the names a manager reads ---------------------------------

    def user_names(self) -> dict[str, str]:
        """User id (text) -> "First Last (username)", deleted accounts included."""
        stmt = select(User.id, User.first_name, User.last_name, User.username).execution_options(include_deleted=True)
        return {str(i): f"{f} {l} ({u})" for i, f, l, u in self.session.execute(stmt)}

    def events_with_actors(self, *, about_user: uuid.UUID | None = None, **filters: Any) -> list[tuple[Any, ...]]:
        """(event, username, first name, last name) newest first (filters: see ``events_query``);
        ``about_user``: the acting user or the account the event is about (a failed sign-in has no actor)."""
        stmt = (
            self.events_query(**filters)
            .add_columns(User.username, User.first_name, User.last_name)
            .outerjoin(User, User.id == DomainEvent.user_id)
            .execution_options(include_deleted=True)
        )
        if about_user is not None:
            stmt = stmt.where(
                or_(
                    DomainEvent.user_id == about_user,
                    (DomainEvent.aggregate_type == "user") & (DomainEvent.aggregate_id == about_user),
                )
            )
        return [tuple(row) for row in self.session.execute(stmt)]

    def access_with_names(self, **filters: Any) -> list[tuple[Any, ...]]:
        """(access log, username, first name, last name, "Last, First" of a patient) newest first
        (filters: see ``access_query``)."""
        patient_name = func.concat(Patient.last_name, ", ", Patient.first_name)
        stmt = (
            self.access_query(**filters)
            .add_columns(User.username, User.first_name, User.last_name, patient_name)
            .outerjoin(User, User.id == AccessLog.user_id)
            .outerjoin(Patient, (AccessLog.resource_type == "patient") & (Patient.id == AccessLog.resource_id))
            .execution_options(include_deleted=True)
        )
        return [tuple(row) for row in self.session.execute(stmt)]

    def event_types(self) -> list[str]:
        return list(self.session.scalars(select(DomainEvent.event_type).distinct().order_by(DomainEvent.event_type)))

    def resource_types(self) -> list[str]:
        """Aggregate types of events and resource types of access logs, sorted."""
        events = select(DomainEvent.aggregate_type.label("t")).distinct()
        access = select(cast(AccessLog.resource_type, String).label("t")).distinct()
        return sorted(set(self.session.scalars(events)) | set(self.session.scalars(access)))

    def every_user(self) -> list[User]:
        """Every account, deleted ones included, by name: the trail outlives the account."""
        stmt = select(User).order_by(User.last_name, User.first_name).execution_options(include_deleted=True)
        return list(self.session.scalars(stmt))
