"""The durable print queue (notification_schema.print_jobs), and the rows its documents are built from."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import case, func, select, update

from pharmacy_desktop.db.models.notifications import PrintJob
from pharmacy_desktop.db.models.patients import Patient
from pharmacy_desktop.db.models.prescriptions import Medication, Prescription, PrescriptionItem, PrescriptionRefill
from pharmacy_desktop.db.models.users import PharmacyProfile, User
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
        changed: int = result.rowcount  # type: ignore[attr-defined]  # a CursorResult for DML
        return changed

    # -- what a vial label is built from ----------------------------------------------------------

    def label_sources(self, refill_id: uuid.UUID) -> LabelSources | None:
        """The rows a fill's vial label is printed from (None: no such fill); missing rows are None."""
        refill = self.session.get(PrescriptionRefill, refill_id)
        if refill is None:
            return None
        rx = self.session.get(Prescription, refill.prescription_id)
        item = self.session.get(PrescriptionItem, refill.prescription_item_id) if refill.prescription_item_id else None
        dispensed = written = patient = None
        if rx is not None and item is not None:
            dispensed = self.session.get(
                Medication, refill.medication_id or item.dispensed_medication_id or item.medication_id
            )
            written = self.session.get(Medication, item.medication_id) if item.medication_id else None
            patient = self.session.scalars(
                select(Patient).where(Patient.id == rx.patient_id).execution_options(include_deleted=True)
            ).first()
        return LabelSources(refill, rx, item, dispensed, written, patient)

    def refill(self, refill_id: uuid.UUID) -> PrescriptionRefill | None:
        return self.session.get(PrescriptionRefill, refill_id)

    def prescription_number(self, prescription_id: uuid.UUID) -> str | None:
        rx = self.session.get(Prescription, prescription_id)
        return rx.prescription_number if rx is not None else None

    def pharmacy_profile(self) -> PharmacyProfile | None:
        return self.session.get(PharmacyProfile, 1)

    def initials(self, user_id: uuid.UUID | None) -> str | None:
        """A user's initials for a label ('JD'), None without a user."""
        if user_id is None:
            return None
        user = self.session.get(User, user_id)
        return f"{user.first_name[:1]}{user.last_name[:1]}".upper() if user else None


@dataclass(frozen=True)
class LabelSources:
    refill: PrescriptionRefill
    prescription: Prescription | None
    item: PrescriptionItem | None
    dispensed: Medication | None  # the drug in the vial
    written: Medication | None  # the drug the prescriber wrote
    patient: Patient | None  # soft-deleted patients included: the label of a past fill still prints
