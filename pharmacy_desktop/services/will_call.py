"""Will-call: the bins verified prescriptions wait in, what is in each, and for how long.

A patient's prescriptions go to one bin (the bin already holding their bag), otherwise to the
emptiest bin. A pharmacy that has not set up bins gets bins A-H the first time one is needed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.dialects.postgresql import insert

from pharmacy_desktop.db.models.patients import Patient
from pharmacy_desktop.db.models.prescriptions import Medication, Prescription, PrescriptionItem, WillCallBin
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain import dispensing as rules
from pharmacy_desktop.domain.workflow import RxStatus
from pharmacy_desktop.domain.product_names import strength_of
from pharmacy_desktop.domain.text_fields import strip_controls
from pharmacy_desktop.errors import NotFound, ValidationFailed
from pharmacy_desktop.services import auth
from pharmacy_desktop.services.auth import Actor

VIEW_PERMISSION = "patient.view"  # will-call lists show patient names
MANAGE_PERMISSION = "settings.manage"
DEFAULT_BINS = tuple("ABCDEFGH")
READY = RxStatus.READY.value


@dataclass(frozen=True)
class BinSummary:
    bin_id: uuid.UUID
    code: str
    description: str | None
    count: int
    patients: int
    oldest_ready_at: dt.datetime | None

    def waiting_text(self, now: dt.datetime | None = None) -> str:
        return waiting_text(self.oldest_ready_at, now) if self.oldest_ready_at else ""


@dataclass(frozen=True)
class WaitingRx:
    prescription_id: uuid.UUID
    rx_number: str
    patient_id: uuid.UUID
    patient_name: str
    patient_dob: dt.date | None
    drug: str
    schedule: str | None
    quantity: str
    bin_code: str
    ready_at: dt.datetime | None
    waiting_days: int
    waiting: str


def waiting_text(since: dt.datetime | None, now: dt.datetime | None = None) -> str:
    if since is None:
        return ""
    delta = (now or dt.datetime.now(dt.timezone.utc)) - since
    hours = int(delta.total_seconds() // 3600)
    if hours < 1:
        return f"{max(0, int(delta.total_seconds() // 60))} min"
    if hours < 48:
        return f"{hours} h"
    return f"{delta.days} days"


# -- assignment (inside the verifying unit of work) ------------------------------------------------


def ensure_bins(uow: UnitOfWork, codes: tuple[str, ...] = DEFAULT_BINS) -> None:
    stmt = insert(WillCallBin).values([{"code": c, "description": f"Bin {c}"} for c in codes])
    uow.session.execute(stmt.on_conflict_do_nothing(index_elements=["code"]))


def assign_bin(uow: UnitOfWork, patient_id: uuid.UUID, bin_code: str | None = None) -> WillCallBin:
    """The chosen bin, else the bin already holding this patient's bag, else the emptiest one."""
    if bin_code:
        chosen = uow.session.scalars(
            select(WillCallBin).where(func.upper(WillCallBin.code) == bin_code.strip().upper())
        ).first()
        if chosen is None or chosen.is_active is False:
            raise ValidationFailed(f"There is no will-call bin '{bin_code}'. Pick one from the list.")
        return chosen
    current = uow.session.scalars(
        select(WillCallBin)
        .join(Prescription, Prescription.will_call_bin_id == WillCallBin.id)
        .where(Prescription.patient_id == patient_id, Prescription.status == READY, WillCallBin.is_active.is_(True))
        .order_by(Prescription.ready_at)
    ).first()
    if current is not None:
        return current
    for _ in range(2):
        counts = (
            select(Prescription.will_call_bin_id, func.count().label("n"))
            .where(Prescription.status == READY, Prescription.will_call_bin_id.is_not(None))
            .group_by(Prescription.will_call_bin_id)
            .subquery()
        )
        emptiest = uow.session.scalars(
            select(WillCallBin)
            .outerjoin(counts, counts.c.will_call_bin_id == WillCallBin.id)
            .where(WillCallBin.is_active.is_(True))
            .order_by(func.coalesce(counts.c.n, 0), WillCallBin.code)
        ).first()
        if emptiest is not None:
            return emptiest
        ensure_bins(uow)
    raise NotFound("No will-call bin is available. An administrator adds bins in Settings.")


# -- reading ---------------------------------------------------------------------------------------


def _rows(uow: UnitOfWork, *conditions, now: dt.datetime | None = None) -> list[WaitingRx]:
    now = now or dt.datetime.now(dt.timezone.utc)
    stmt = (
        select(Prescription, Patient, WillCallBin)
        .join(Patient, Patient.id == Prescription.patient_id)
        .join(WillCallBin, WillCallBin.id == Prescription.will_call_bin_id)
        .where(Prescription.status == READY, *conditions)
        .order_by(WillCallBin.code, Patient.last_name, Patient.first_name, Prescription.ready_at)
    )
    found = list(uow.session.execute(stmt))
    if not found:
        return []
    items = {}
    for item, med in uow.session.execute(
        select(PrescriptionItem, Medication)
        .outerjoin(Medication, Medication.id == func.coalesce(PrescriptionItem.dispensed_medication_id,
                                                              PrescriptionItem.medication_id))
        .where(PrescriptionItem.prescription_id.in_([rx.id for rx, _, _ in found]))
        .order_by(PrescriptionItem.created_at)
    ):
        items.setdefault(item.prescription_id, (item, med))
    rows = []
    for rx, patient, bin_ in found:
        item, med = items.get(rx.id, (None, None))
        name = rules.describe(med.drug_name, strength_of(med), med.dosage_form) if med else (
            item.written_medication_name if item else "")
        qty = item.dispensed_quantity or item.quantity if item else None
        since = rx.ready_at
        rows.append(WaitingRx(
            prescription_id=rx.id, rx_number=rx.prescription_number, patient_id=patient.id,
            patient_name=f"{patient.last_name}, {patient.first_name}", patient_dob=patient.date_of_birth,
            drug=name, schedule=rules.schedule_label(med.dea_schedule) if med else None,
            quantity=(f"{rules.format_quantity(qty)} "
                      f"{rules.dispensing_unit(qty, item.quantity_unit, med.dosage_form if med else None)}")
            if item and qty is not None else "",
            bin_code=bin_.code, ready_at=since,
            waiting_days=(now - since).days if since else 0, waiting=waiting_text(since, now),
        ))
    return rows


def list_bins(uow_factory: UnitOfWorkFactory, actor: Actor) -> list[BinSummary]:
    with uow_factory(actor.user_id) as uow:
        auth.require(uow, actor, VIEW_PERMISSION)
        stmt = (
            select(
                WillCallBin,
                func.count(Prescription.id),
                func.count(func.distinct(Prescription.patient_id)),
                func.min(Prescription.ready_at),
            )
            .outerjoin(Prescription, (Prescription.will_call_bin_id == WillCallBin.id) & (Prescription.status == READY))
            .where(WillCallBin.is_active.is_(True))
            .group_by(WillCallBin.id)
            .order_by(WillCallBin.code)
        )
        return [BinSummary(b.id, b.code, b.description, n, p, oldest) for b, n, p, oldest in uow.session.execute(stmt)]


def bin_contents(uow_factory: UnitOfWorkFactory, actor: Actor, bin_code: str | None = None,
                 *, now: dt.datetime | None = None) -> list[WaitingRx]:
    """What waits in one bin (or in all bins when ``bin_code`` is None)."""
    with uow_factory(actor.user_id) as uow:
        auth.require(uow, actor, VIEW_PERMISSION)
        conditions = [func.upper(WillCallBin.code) == bin_code.strip().upper()] if bin_code else []
        return _rows(uow, *conditions, now=now)


def find_by_label_scan(uow_factory: UnitOfWorkFactory, actor: Actor, scan_text: str,
                       *, now: dt.datetime | None = None) -> list[WaitingRx]:
    """The scanned prescription's bag: it and every other prescription of that patient waiting."""
    from pharmacy_desktop.services.fill import rx_number_from_scan

    number = rx_number_from_scan(scan_text)
    if number is None:
        raise ValidationFailed("That is not an Rx label barcode. Scan the label on the bag or the vial.")
    with uow_factory(actor.user_id) as uow:
        auth.require(uow, actor, VIEW_PERMISSION)
        rx = uow.prescriptions.by_number(number)
        if rx is None:
            raise NotFound(f"No prescription has the number {number}. Check the label.")
        if rx.status != READY:
            raise ValidationFailed(
                f"Rx {number} is not in will-call: it is '{rx.status.replace('_', ' ')}'."
            )
        return _rows(uow, Prescription.patient_id == rx.patient_id, now=now)


def find_by_patient_name(uow_factory: UnitOfWorkFactory, actor: Actor, text: str,
                         *, now: dt.datetime | None = None) -> list[WaitingRx]:
    """'smi', 'Smith, J', 'john smith': waiting prescriptions of matching patients."""
    # a search stores nothing: control characters (a NUL from a scanner) are dropped, not sent to the
    # database, whose error would carry the typed name as a parameter
    words = [w for w in strip_controls(text or "").replace(",", " ").split() if w][:8]
    if not words:
        return []
    with uow_factory(actor.user_id) as uow:
        auth.require(uow, actor, VIEW_PERMISSION)
        conditions = []
        for w in words:
            conditions.append(or_(Patient.last_name.istartswith(w, autoescape=True),
                                  Patient.first_name.istartswith(w, autoescape=True),
                                  cast(Prescription.prescription_number, String) == w))
        return _rows(uow, *conditions, now=now)


def waiting_longer_than(uow_factory: UnitOfWorkFactory, actor: Actor, days: int,
                        *, now: dt.datetime | None = None) -> list[WaitingRx]:
    """Prescriptions ready for more than ``days`` days (candidates for return to stock)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    with uow_factory(actor.user_id) as uow:
        auth.require(uow, actor, VIEW_PERMISSION)
        rows = _rows(uow, Prescription.ready_at < now - dt.timedelta(days=days), now=now)
        return sorted(rows, key=lambda r: r.ready_at or now)


def create_bins(uow_factory: UnitOfWorkFactory, actor: Actor, codes: list[str]) -> None:
    with uow_factory(actor.user_id) as uow:
        auth.require(uow, actor, MANAGE_PERMISSION)
        clean = tuple(dict.fromkeys(c.strip().upper() for c in codes if c.strip()))
        if any(len(c) > 10 for c in clean):
            raise ValidationFailed("A bin code has at most 10 characters.")
        if clean:
            ensure_bins(uow, clean)
            uow.record("WillCallBinsCreated", "will_call_bin", uuid.UUID(int=0), {"codes": list(clean)})
            uow.notify("will_call")
        uow.commit()

