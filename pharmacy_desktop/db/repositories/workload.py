"""Counts for the home screen: prescriptions waiting at each step, the day's account alarms.
Counts only, across the prescriptions, users and audit schemas: no patient data leaves here."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pharmacy_desktop.db.models.audit import DomainEvent
from pharmacy_desktop.db.models.prescriptions import Prescription
from pharmacy_desktop.db.models.users import User

WAITING = ("received", "validated", "in_progress", "ready")


class WorkloadRepository:
    def __init__(self, session: Session):
        self.session = session

    def waiting(self, at: dt.datetime) -> list[tuple[str, int, int, int, dt.datetime | None]]:
        """(status, count, STAT count, count promised before ``at``, oldest received) per step."""
        rows = self.session.execute(
            select(
                Prescription.status,
                func.count(),
                func.count().filter(Prescription.is_stat.is_(True)),
                func.count().filter(Prescription.promised_at < at),
                func.min(Prescription.received_at),
            )
            .where(Prescription.status.in_(WAITING))
            .group_by(Prescription.status)
        ).all()
        return [(status, count, stat, overdue, oldest) for status, count, stat, overdue, oldest in rows]

    def locked_accounts(self, at: dt.datetime) -> int:
        return self.session.scalar(select(func.count()).select_from(User).where(User.locked_until > at)) or 0

    def events_since(self, event_type: str, since: dt.datetime) -> int:
        return (
            self.session.scalar(
                select(func.count())
                .select_from(DomainEvent)
                .where(DomainEvent.event_type == event_type, DomainEvent.occurred_at >= since)
            )
            or 0
        )
