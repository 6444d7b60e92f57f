"""The durable print queue (notification_schema.print_jobs)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from sqlalchemy import case, func, select, update

from pharmacy_desktop.db.models.notifications import PrintJob
from pharmacy_desktop.db.repositories.base import Repository

WAITING = ("queued", "failed")  # still to be printed


class PrintJobRepository(Repository[PrintJob]):
    model = PrintJob
    label = "print job"

    def claim_due(self, workstation: str, *, limit: int = 20, now: dt.datetime | None = None) -> list[PrintJob]:
        """Due jobs of this workstation, oldest first, locked; rows another sender holds are skipped."""
        stmt = (
            select(PrintJob)
            .where(
                PrintJob.workstation == workstation,
                PrintJob.status.in_(WAITING),
                PrintJob.next_attempt_at.is_not(None),
                PrintJob.next_attempt_at <= (now or func.now()),
            )
            .order_by(PrintJob.next_attempt_at, PrintJob.created_at, PrintJob.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
        return list(self.session.scalars(stmt))

    def stale_sending(self, workstation: str, older_than: dt.datetime) -> list[PrintJob]:
        stmt = (
            select(PrintJob)
            .where(PrintJob.workstation == workstation, PrintJob.status == "sending", PrintJob.updated_at < older_than)
            .with_for_update(skip_locked=True)
        )
        return list(self.session.scalars(stmt))

    def listing(
        self,
        *,
        workstation: str | None = None,
        statuses: Iterable[str] | None = None,
        rx_number: str | None = None,
        limit: int = 200,
    ) -> list[PrintJob]:
        """Newest first; waiting jobs before finished ones."""
        stmt = select(PrintJob)
        if workstation is not None:
            stmt = stmt.where(PrintJob.workstation == workstation)
        if statuses is not None:
            stmt = stmt.where(PrintJob.status.in_(list(statuses)))
        if rx_number:
            stmt = stmt.where(PrintJob.rx_number == rx_number.strip())
        # what needs a person first: failed, then waiting, then being sent; the rest newest first
        rank = case({"failed": 0, "queued": 1, "sending": 2}, value=PrintJob.status, else_=3)
        stmt = stmt.order_by(rank, PrintJob.created_at.desc(), PrintJob.id).limit(limit)
        return list(self.session.scalars(stmt))

    def waiting_counts(self, workstation: str) -> dict[tuple[str, str], int]:
        """(printer_role, status) -> jobs not yet printed on this workstation."""
        rows = self.session.execute(
            select(PrintJob.printer_role, PrintJob.status, func.count())
            .where(PrintJob.workstation == workstation, PrintJob.status.in_(WAITING + ("sending",)))
            .group_by(PrintJob.printer_role, PrintJob.status)
        )
        return {(role, status): count for role, status, count in rows}

    def for_reference(self, reference_type: str, reference_id: uuid.UUID) -> list[PrintJob]:
        stmt = (
            select(PrintJob)
            .where(PrintJob.reference_type == reference_type, PrintJob.reference_id == reference_id)
            .order_by(PrintJob.created_at)
        )
        return list(self.session.scalars(stmt))

    def mark(self, job_id: uuid.UUID, **values: object) -> int:
        """A guarded bulk update (no ORM object): returns the rows changed."""
        result = self.session.execute(
            update(PrintJob)
            .where(PrintJob.id == job_id)
            .values(**values, version=PrintJob.version + 1, updated_at=func.now())
            .execution_options(synchronize_session=False)
        )
        return result.rowcount
