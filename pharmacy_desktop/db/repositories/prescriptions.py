"""Prescriptions: loading with items, the work queues, a patient's medications, the DUR log."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, String, cast, func, or_, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import InstrumentedAttribute, selectinload

from pharmacy_desktop.db.base import ACTOR_KEY
from pharmacy_desktop.db.models.notifications import PrintJob
from pharmacy_desktop.db.models.patients import Patient
from pharmacy_desktop.db.models.prescriptions import (
    Medication,
    Prescription,
    PrescriptionItem,
    PrescriptionRefill,
    PrescriptionValidation,
    WillCallBin,
)
from pharmacy_desktop.db.repositories.base import Repository

# Prescriptions whose drugs the patient is (or is about to be) taking, for DUR.
_SINCE = {"received_at": "received_at", "filled_at": "filled_at"}

ACTIVE_STATUSES = ("received", "validated", "in_progress", "ready", "dispensed", "completed")


class PrescriptionRepository(Repository[Prescription]):
    model = Prescription
    label = "prescription"

    def get_with_items(self, prescription_id: uuid.UUID, *, for_update: bool = False) -> Prescription | None:
        """The prescription with its items and their written and dispensed medications."""
        stmt = (
            select(Prescription)
            .where(Prescription.id == prescription_id)
            .options(
                selectinload(Prescription.items).selectinload(PrescriptionItem.medication),
                selectinload(Prescription.items).selectinload(PrescriptionItem.dispensed_medication),
            )
        )
        if for_update:
            stmt = stmt.with_for_update(of=Prescription).execution_options(populate_existing=True)
        return self.session.scalars(stmt).first()

    def by_number(self, prescription_number: str) -> Prescription | None:
        stmt = select(Prescription).where(Prescription.prescription_number == prescription_number.strip())
        return self.session.scalars(stmt).first()

    def queue(
        self, status: str, limit: int = 100, *, since: str = "received_at", promised_first: bool = False
    ) -> list[Prescription]:
        """A work queue: STAT first, then (``promised_first``) the earliest promised time, then the
        oldest by ``since`` ('received_at' or 'filled_at')."""
        order: list[ColumnElement[Any] | InstrumentedAttribute[Any]] = [
            func.coalesce(Prescription.is_stat, False).desc()
        ]
        if promised_first:
            order.append(Prescription.promised_at.asc().nulls_last())
        order += [getattr(Prescription, _SINCE[since]).asc().nulls_last(), Prescription.prescription_number]
        stmt = select(Prescription).where(Prescription.status == status).order_by(*order).limit(limit)
        return list(self.session.scalars(stmt))

    def first_items(
        self, prescription_ids: list[uuid.UUID]
    ) -> dict[uuid.UUID, list[tuple[PrescriptionItem, Medication | None]]]:
        """Each prescription's items with their written medication, oldest first."""
        stmt = (
            select(PrescriptionItem, Medication)
            .outerjoin(Medication, Medication.id == PrescriptionItem.medication_id)
            .where(PrescriptionItem.prescription_id.in_(prescription_ids))
            .order_by(PrescriptionItem.created_at, PrescriptionItem.id)
        )
        by_rx: dict[uuid.UUID, list[tuple[PrescriptionItem, Medication | None]]] = {}
        for item, med in self.session.execute(stmt) if prescription_ids else ():
            by_rx.setdefault(item.prescription_id, []).append((item, med))
        return by_rx

    def review_queue(self, limit: int) -> list[Prescription]:
        """Received prescriptions not sent back: STAT first, then the oldest received; items loaded."""
        stmt = (
            select(Prescription)
            .where(Prescription.status == "received", Prescription.returned_note.is_(None))
            .options(selectinload(Prescription.items).selectinload(PrescriptionItem.medication))
            .order_by(
                Prescription.is_stat.is_(True).desc(),
                Prescription.received_at.asc().nulls_last(),
                Prescription.prescription_number,
            )
            .limit(limit)
        )
        return list(self.session.scalars(stmt).all())

    def review_queue_size(self) -> int:
        stmt = (
            select(func.count())
            .select_from(Prescription)
            .where(Prescription.status == "received", Prescription.returned_note.is_(None))
        )
        return self.session.scalar(stmt) or 0

    def status_count(self, status: str) -> int:
        """How many prescriptions are in ``status`` (a work queue's size, the navigation's count)."""
        stmt = select(func.count()).select_from(Prescription).where(Prescription.status == status)
        return self.session.scalar(stmt) or 0

    def live_refills(self, item_ids: list[uuid.UUID]) -> list[PrescriptionRefill]:
        """The fills of these items that were not returned."""
        if not item_ids:
            return []
        stmt = select(PrescriptionRefill).where(
            PrescriptionRefill.prescription_item_id.in_(item_ids), PrescriptionRefill.status != "returned"
        )
        return list(self.session.scalars(stmt))

    def pending_refills(self, prescription_id: uuid.UUID) -> list[PrescriptionRefill]:
        """Fills waiting for final verification, in the order they were made."""
        stmt = (
            select(PrescriptionRefill)
            .where(PrescriptionRefill.prescription_id == prescription_id, PrescriptionRefill.status == "filled")
            .order_by(PrescriptionRefill.created_at, PrescriptionRefill.id)
        )
        return list(self.session.scalars(stmt))

    def pending_lots(
        self, prescription_ids: list[uuid.UUID]
    ) -> dict[uuid.UUID, list[tuple[str | None, dt.date | None]]]:
        """The lots (lot, expiry) of each prescription's fills waiting for final verification, in one query."""
        if not prescription_ids:
            return {}
        stmt = (
            select(
                PrescriptionRefill.prescription_id, PrescriptionRefill.lot_number, PrescriptionRefill.expiration_date
            )
            .where(PrescriptionRefill.prescription_id.in_(prescription_ids), PrescriptionRefill.status == "filled")
            .order_by(PrescriptionRefill.created_at, PrescriptionRefill.id)
        )
        lots: dict[uuid.UUID, list[tuple[str | None, dt.date | None]]] = {}
        for rx_id, lot, expiry in self.session.execute(stmt):
            lots.setdefault(rx_id, []).append((lot, expiry))
        return lots

    def add_refill(self, **values: Any) -> PrescriptionRefill:
        """A new fill row (flushed with the unit of work's next flush)."""
        refill = PrescriptionRefill(**values)
        self.session.add(refill)
        return refill

    # rows of other schemas a prescription points at, read by primary key

    def medication(self, medication_id: uuid.UUID | None) -> Medication | None:
        return self.session.get(Medication, medication_id) if medication_id else None

    def patient(self, patient_id: uuid.UUID | None) -> Patient | None:
        return self.session.get(Patient, patient_id) if patient_id else None

    def patients(self, patient_ids: set[uuid.UUID]) -> dict[uuid.UUID, Patient]:
        if not patient_ids:
            return {}
        return {p.id: p for p in self.session.scalars(select(Patient).where(Patient.id.in_(patient_ids)))}

    def print_job(self, job_id: uuid.UUID | None) -> PrintJob | None:
        return self.session.get(PrintJob, job_id) if job_id else None

    def for_patient(
        self, patient_id: uuid.UUID, statuses: Iterable[str] | None = None, *, limit: int = 200
    ) -> list[Prescription]:
        """The patient's prescriptions, newest first, items loaded."""
        stmt = (
            select(Prescription)
            .where(Prescription.patient_id == patient_id)
            .options(selectinload(Prescription.items).selectinload(PrescriptionItem.medication))
            .order_by(Prescription.received_at.desc().nulls_last(), Prescription.prescription_number.desc())
            .limit(limit)
        )
        if statuses is not None:
            stmt = stmt.where(Prescription.status.in_(list(statuses)))
        return list(self.session.scalars(stmt))

    def active_medications(
        self, patient_id: uuid.UUID, *, excluding: uuid.UUID | None = None, as_of: dt.date | None = None
    ) -> list[PrescriptionItem]:
        """Items of the patient's unexpired, not rejected/cancelled prescriptions (for DUR), each
        with its prescription and medications loaded; ``excluding`` leaves out the one under review."""
        today = as_of or dt.date.today()
        stmt = (
            select(PrescriptionItem)
            .join(PrescriptionItem.prescription)
            .where(
                Prescription.patient_id == patient_id,
                Prescription.status.in_(ACTIVE_STATUSES),
                Prescription.expiration_date >= today,
            )
            .options(
                # not contains_eager: items already in the identity map would keep it unloaded
                selectinload(PrescriptionItem.prescription),
                selectinload(PrescriptionItem.medication),
                selectinload(PrescriptionItem.dispensed_medication),
            )
            .order_by(Prescription.received_at.desc().nulls_last(), PrescriptionItem.created_at)
        )
        if excluding is not None:
            stmt = stmt.where(Prescription.id != excluding)
        return list(self.session.scalars(stmt))

    def add_validation(
        self,
        prescription_id: uuid.UUID,
        validation_type: str,
        validation_status: str,
        details: dict[str, Any] | None = None,
        *,
        performed_by: uuid.UUID | None = None,
    ) -> PrescriptionValidation:
        """One DUR/validation log row; ``performed_by`` defaults to the unit of work's actor."""
        validation = PrescriptionValidation(
            prescription_id=prescription_id,
            validation_type=validation_type,
            validation_status=validation_status,
            details=details,
            performed_by=performed_by or self.session.info.get(ACTOR_KEY),
        )
        self.session.add(validation)
        self.flush()
        return validation

    def validations_for(self, prescription_id: uuid.UUID) -> list[PrescriptionValidation]:
        stmt = (
            select(PrescriptionValidation)
            .where(PrescriptionValidation.prescription_id == prescription_id)
            .order_by(PrescriptionValidation.performed_at, PrescriptionValidation.validation_type)
        )
        return list(self.session.scalars(stmt))

    def refills_for(self, prescription_id: uuid.UUID) -> list[PrescriptionRefill]:
        """Every fill of the prescription, the original (refill 0) first."""
        stmt = (
            select(PrescriptionRefill)
            .where(PrescriptionRefill.prescription_id == prescription_id)
            .order_by(PrescriptionRefill.refill_number, PrescriptionRefill.filled_date)
        )
        return list(self.session.scalars(stmt))

    def next_rx_number(self) -> str:
        """A plain-digit Rx number ("1000001"), from a sequence shared by all workstations."""
        value = self.session.execute(text("SELECT nextval('prescription_schema.rx_number_seq')")).scalar_one()
        return str(value)

    # -- will-call bins ---------------------------------------------------------------------------

    def ensure_bins(self, codes: Iterable[str]) -> None:
        """Create the bins that do not exist yet (another workstation may be creating them too)."""
        stmt = insert(WillCallBin).values([{"code": c, "description": f"Bin {c}"} for c in codes])
        self.session.execute(stmt.on_conflict_do_nothing(index_elements=["code"]))

    def bin_by_code(self, code: str) -> WillCallBin | None:
        return self.session.scalars(
            select(WillCallBin).where(func.upper(WillCallBin.code) == code.strip().upper())
        ).first()

    def bin_holding(self, patient_id: uuid.UUID, ready_status: str) -> WillCallBin | None:
        """The active bin already holding one of this patient's ready prescriptions (the oldest)."""
        return self.session.scalars(
            select(WillCallBin)
            .join(Prescription, Prescription.will_call_bin_id == WillCallBin.id)
            .where(
                Prescription.patient_id == patient_id,
                Prescription.status == ready_status,
                WillCallBin.is_active.is_(True),
            )
            .order_by(Prescription.ready_at)
        ).first()

    def bins_holding(self, patient_ids: set[uuid.UUID], ready_status: str) -> dict[uuid.UUID, str]:
        """Each patient's active bin already holding a ready prescription (the oldest, as ``bin_holding``), in one query."""
        if not patient_ids:
            return {}
        stmt = (
            select(Prescription.patient_id, WillCallBin.code)
            .join(WillCallBin, Prescription.will_call_bin_id == WillCallBin.id)
            .where(
                Prescription.patient_id.in_(patient_ids),
                Prescription.status == ready_status,
                WillCallBin.is_active.is_(True),
            )
            .order_by(Prescription.ready_at.desc())
        )
        return {patient_id: code for patient_id, code in self.session.execute(stmt)}  # the oldest written last

    def emptiest_bin(self, ready_status: str) -> WillCallBin | None:
        """The active bin with the fewest ready prescriptions (then by code)."""
        counts = (
            select(Prescription.will_call_bin_id, func.count().label("n"))
            .where(Prescription.status == ready_status, Prescription.will_call_bin_id.is_not(None))
            .group_by(Prescription.will_call_bin_id)
            .subquery()
        )
        return self.session.scalars(
            select(WillCallBin)
            .outerjoin(counts, counts.c.will_call_bin_id == WillCallBin.id)
            .where(WillCallBin.is_active.is_(True))
            .order_by(func.coalesce(counts.c.n, 0), WillCallBin.code)
        ).first()

    def bin_counts(self, ready_status: str) -> list[tuple[WillCallBin, int, int, dt.datetime | None]]:
        """Each active bin with its ready prescriptions, their patients and the oldest ready time."""
        stmt = (
            select(
                WillCallBin,
                func.count(Prescription.id),
                func.count(func.distinct(Prescription.patient_id)),
                func.min(Prescription.ready_at),
            )
            .outerjoin(
                Prescription, (Prescription.will_call_bin_id == WillCallBin.id) & (Prescription.status == ready_status)
            )
            .where(WillCallBin.is_active.is_(True))
            .group_by(WillCallBin.id)
            .order_by(WillCallBin.code)
        )
        return [(b, n, p, oldest) for b, n, p, oldest in self.session.execute(stmt)]

    def waiting_in_bins(
        self,
        ready_status: str,
        *,
        bin_code: str | None = None,
        patient_id: uuid.UUID | None = None,
        name_words: Iterable[str] = (),
        ready_before: dt.datetime | None = None,
    ) -> list[tuple[Prescription, Patient, WillCallBin, PrescriptionItem | None, Medication | None]]:
        """Ready prescriptions in a bin, by bin, patient and ready time, each with its first item and
        that item's medication (the dispensed one, else the written one). ``name_words``: each word
        starts the patient's last or first name, or is the Rx number."""
        conditions = []
        if bin_code:
            conditions.append(func.upper(WillCallBin.code) == bin_code.strip().upper())
        if patient_id is not None:
            conditions.append(Prescription.patient_id == patient_id)
        for w in name_words:
            conditions.append(
                or_(
                    Patient.last_name.istartswith(w, autoescape=True),
                    Patient.first_name.istartswith(w, autoescape=True),
                    cast(Prescription.prescription_number, String) == w,
                )
            )
        if ready_before is not None:
            conditions.append(Prescription.ready_at < ready_before)
        stmt = (
            select(Prescription, Patient, WillCallBin)
            .join(Patient, Patient.id == Prescription.patient_id)
            .join(WillCallBin, WillCallBin.id == Prescription.will_call_bin_id)
            .where(Prescription.status == ready_status, *conditions)
            .order_by(WillCallBin.code, Patient.last_name, Patient.first_name, Prescription.ready_at)
        )
        found = list(self.session.execute(stmt))
        if not found:
            return []
        first: dict[uuid.UUID, tuple[PrescriptionItem, Medication | None]] = {}
        for item, med in self.session.execute(
            select(PrescriptionItem, Medication)
            .outerjoin(
                Medication,
                Medication.id
                == func.coalesce(PrescriptionItem.dispensed_medication_id, PrescriptionItem.medication_id),
            )
            .where(PrescriptionItem.prescription_id.in_([rx.id for rx, _, _ in found]))
            .order_by(PrescriptionItem.created_at)
        ):
            first.setdefault(item.prescription_id, (item, med))
        return [(rx, patient, bin_, *first.get(rx.id, (None, None))) for rx, patient, bin_ in found]

    def returned_to_intake(self) -> list[Prescription]:
        """Received prescriptions the pharmacist sent back, oldest first, with their items."""
        stmt = (
            select(Prescription)
            .where(Prescription.status == "received", Prescription.returned_note.is_not(None))
            .order_by(Prescription.received_at)
            .options(selectinload(Prescription.items))  # with their items: one query, not one per row
        )
        return list(self.session.scalars(stmt).all())

    # -- pickup and point of sale (issue 13) -----------------------------------------------------

    def ready_fills(
        self, patient_ids: Iterable[uuid.UUID], ready_status: str
    ) -> list[tuple[Prescription, PrescriptionRefill, PrescriptionItem | None, Medication | None, WillCallBin | None]]:
        """The verified fills of these patients' ready prescriptions, oldest ready first, each with its
        item, the medication filled and the bin."""
        ids = list(patient_ids)
        if not ids:
            return []
        stmt = (
            select(Prescription, PrescriptionRefill, PrescriptionItem, Medication, WillCallBin)
            .join(PrescriptionRefill, PrescriptionRefill.prescription_id == Prescription.id)
            .outerjoin(PrescriptionItem, PrescriptionItem.id == PrescriptionRefill.prescription_item_id)
            .outerjoin(Medication, Medication.id == PrescriptionRefill.medication_id)
            .outerjoin(WillCallBin, WillCallBin.id == Prescription.will_call_bin_id)
            .where(
                Prescription.patient_id.in_(ids),
                Prescription.status == ready_status,
                PrescriptionRefill.status == "verified",
            )
            .order_by(
                Prescription.ready_at.asc().nulls_last(),
                Prescription.prescription_number,
                PrescriptionRefill.created_at,
                PrescriptionRefill.id,
            )
        )
        return [(rx, refill, item, med, bin_) for rx, refill, item, med, bin_ in self.session.execute(stmt)]

    def lock_for_sale(self, prescription_ids: Iterable[uuid.UUID]) -> list[Prescription]:
        """Lock the prescriptions ``FOR UPDATE`` in id order (two sales of overlapping carts never
        deadlock: both take the locks in the same order); current values, not the identity map's."""
        ids = sorted(set(prescription_ids))
        if not ids:
            return []
        stmt = (
            select(Prescription)
            .where(Prescription.id.in_(ids))
            .order_by(Prescription.id)
            .with_for_update(of=Prescription)
            .execution_options(populate_existing=True)
        )
        return list(self.session.scalars(stmt))

    def verified_fills(self, prescription_ids: Iterable[uuid.UUID]) -> list[PrescriptionRefill]:
        """The fills verified and waiting to be handed over, of these prescriptions (current values)."""
        ids = list(prescription_ids)
        if not ids:
            return []
        stmt = (
            select(PrescriptionRefill)
            .where(PrescriptionRefill.prescription_id.in_(ids), PrescriptionRefill.status == "verified")
            .order_by(PrescriptionRefill.prescription_id, PrescriptionRefill.created_at, PrescriptionRefill.id)
            .execution_options(populate_existing=True)
        )
        return list(self.session.scalars(stmt))

    def last_dispensed_fill(self, refill: PrescriptionRefill) -> PrescriptionRefill | None:
        """The latest earlier fill of the same prescription item that was handed to the patient."""
        stmt = (
            select(PrescriptionRefill)
            .where(
                PrescriptionRefill.prescription_id == refill.prescription_id,
                PrescriptionRefill.prescription_item_id == refill.prescription_item_id,
                PrescriptionRefill.id != refill.id,
                PrescriptionRefill.status == "dispensed",
            )
            .order_by(PrescriptionRefill.refill_number.desc(), PrescriptionRefill.created_at.desc())
            .limit(1)
        )
        return self.session.scalars(stmt).first()
