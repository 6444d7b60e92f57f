"""The work queues: clinical review, fill and final verification, as one kind of row.

Review: ``received`` prescriptions not sent back to intake, STAT first, then the oldest received.
Fill and verification: STAT first, then the earliest promised time, then the oldest (received for
fill, filled for verification).

A queue is a listing (patient, date of birth, drug, directions, prescriber, lots), read in one unit
of work with one query per kind for the whole page: no claim on a prescription and no access-log
row per row or per highlight move. Opening a prescription (``fill.open_for_fill``,
``verify.open_for_verify``) is what logs the patient's access.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
from pharmacy_desktop.domain.clock import utcnow
from pharmacy_desktop.domain.dispensing import quantity_text
from pharmacy_desktop.domain.stock import allocate_fefo
from pharmacy_desktop.domain.workflow import Permission, RxStatus
from pharmacy_desktop.services import auth, dur_review
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.prescription_views import drug_view, medication_name, patient_name
from pharmacy_desktop.services.stock_allocation import batch_stock


@dataclass(frozen=True)
class QueueLot:
    """A lot in a queue row: for fill one the shelf would give (first expiry first) and how many units
    from it; for verification one a waiting fill was made from (``quantity`` None)."""

    lot: str | None
    expiry: dt.date | None
    quantity: Decimal | None = None


@dataclass(frozen=True)
class QueueRow:
    prescription_id: uuid.UUID
    rx_number: str
    is_stat: bool
    patient_name: str
    drug: str
    received_at: dt.datetime | None
    promised_at: dt.datetime | None
    schedule: str | None = None
    quantity: str = ""
    waiting_minutes: int = 0
    status: str = ""
    returned_note: str | None = None
    date_of_birth: dt.date | None = None
    blocking: int = 0  # review: failed alerts not yet overridden
    warnings: int = 0  # review: warnings not yet acknowledged
    directions: str = ""  # the first item's directions as the label will read them (else its SIG code)
    prescriber: str = ""
    lots: tuple[QueueLot, ...] = ()  # fill: the lots FEFO would take (none: no stock); verify: the lots filled
    bin_code: str | None = None  # verify: the will-call bin already holding the patient's bag (None: not binned)

    @property
    def stat_marker(self) -> str:
        return "STAT" if self.is_stat else ""

    def waiting(self, now: dt.datetime | None = None) -> str:
        if self.received_at is None:
            return ""
        minutes = int(((now or utcnow()) - self.received_at).total_seconds() // 60)
        return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h {minutes % 60:02d} min"


def _minutes_since(since: dt.datetime, now: dt.datetime) -> int:
    return max(0, int((now - since).total_seconds() // 60))


def status_queue(
    uow_factory: UnitOfWorkFactory, actor: Actor, permission: str, status: RxStatus, since: str, *, limit: int = 200
) -> list[QueueRow]:
    """The prescriptions in ``status``: STAT first, then the earliest promised time, then the oldest
    by ``since`` ('received_at' or 'filled_at'). Batched: the prescriptions, their items, their
    patients, then the lots (fill: FEFO per drug; verification: the lots filled and the patients'
    will-call bins), one query each for the whole page (no claim, no access-log row: a listing)."""
    with uow_factory(actor.user_id) as uow:
        auth.require(uow, actor, permission)
        rxs = uow.prescriptions.queue(status.value, limit, since=since, promised_first=True)
        if not rxs:
            return []
        ids = [rx.id for rx in rxs]
        by_rx = uow.prescriptions.first_items(ids)
        patients = uow.prescriptions.patients({rx.patient_id for rx in rxs})
        verifying = status is RxStatus.IN_PROGRESS
        if verifying:
            filled = uow.prescriptions.pending_lots(ids)
            bins = uow.prescriptions.bins_holding({rx.patient_id for rx in rxs}, RxStatus.READY.value)
        else:
            medications = {
                item.medication_id for lines in by_rx.values() for item, _ in lines[:1] if item.medication_id
            }
            shelf = uow.inventory.stocked_batches_for_medications(medications)
        now = utcnow()
        rows = []
        for rx in rxs:
            lines = by_rx.get(rx.id, [])
            first, med = lines[0] if lines else (None, None)
            view = drug_view(med, first.written_medication_name if first else "")
            patient = patients.get(rx.patient_id)
            if verifying:
                lots = tuple(QueueLot(lot, expiry) for lot, expiry in filled.get(rx.id, []))
            else:
                on_shelf = shelf.get(first.medication_id, []) if first and first.medication_id else []
                lots = fefo_preview(on_shelf, first.quantity if first else Decimal(0), today=dt.date.today())
            rows.append(
                QueueRow(
                    prescription_id=rx.id,
                    rx_number=rx.prescription_number,
                    is_stat=bool(rx.is_stat),
                    patient_name=patient_name(patient),
                    date_of_birth=patient.date_of_birth if patient else None,
                    drug=view.name + (f" (+{len(lines) - 1} more)" if len(lines) > 1 else ""),
                    schedule=view.schedule,
                    quantity=quantity_text(first.quantity, first.quantity_unit, med.dosage_form if med else None)
                    if first
                    else "",
                    received_at=rx.received_at,
                    promised_at=rx.promised_at,
                    waiting_minutes=_minutes_since(rx.received_at or rx.created_at or now, now),
                    status=rx.status,
                    returned_note=rx.returned_note,
                    directions=(first.directions or first.sig or "") if first else "",
                    prescriber=rx.prescriber_name or "",
                    lots=lots,
                    bin_code=bins.get(rx.patient_id) if verifying else None,
                )
            )
        return rows


def fefo_preview(batches: list[Any], quantity: Decimal | None, *, today: dt.date) -> tuple[QueueLot, ...]:
    """The lots a fill of ``quantity`` would take and how many from each (``domain.stock.allocate_fefo``:
    the fill's own rule); all the usable ones when the shelf holds less (the fill screen then offers a
    partial fill)."""
    if not batches or not quantity or quantity <= 0:
        return ()
    allocation = allocate_fefo([batch_stock(b) for b in batches], Decimal(quantity), today=today)
    return tuple(QueueLot(b.lot, b.expiration_date, take) for b, take in allocation.picks)


def fill_queue(uow_factory: UnitOfWorkFactory, actor: Actor, *, limit: int = 200) -> list[QueueRow]:
    """Validated prescriptions: STAT first, then the earliest promised time, then the oldest."""
    return status_queue(uow_factory, actor, Permission.FILL, RxStatus.VALIDATED, "received_at", limit=limit)


def verify_queue(uow_factory: UnitOfWorkFactory, actor: Actor, *, limit: int = 200) -> list[QueueRow]:
    """Filled prescriptions awaiting final verification: STAT first, then the earliest filled."""
    return status_queue(uow_factory, actor, Permission.FINAL_VERIFY, RxStatus.IN_PROGRESS, "filled_at", limit=limit)


def review_queue(uow_factory: UnitOfWorkFactory, actor: Actor, limit: int = 200) -> list[QueueRow]:
    """Received prescriptions waiting for clinical review, with their open DUR alert counts."""
    with uow_factory(actor.user_id) as uow:
        auth.require(uow, actor, Permission.REVIEW, doing="see the clinical review queue")
        rows = uow.prescriptions.review_queue(limit)
        if not rows:
            return []
        patients = uow.prescriptions.patients({r.patient_id for r in rows})
        counts = dur_review.open_alert_counts(uow, [r.id for r in rows])
        now = utcnow()
        result = []
        for rx in rows:
            patient = patients.get(rx.patient_id)
            items = sorted(rx.items, key=lambda i: i.created_at or utcnow())
            drug = medication_name(items[0].medication, items[0].written_medication_name) if items else ""
            if len(items) > 1:
                drug += f" +{len(items) - 1}"
            schedule = dur_review.schedule_of(items[0].medication) if items else None
            if schedule is not None and schedule.roman:
                drug += f" [{schedule.display}]"
            blocking, warnings = counts.get(rx.id, (0, 0))
            result.append(
                QueueRow(
                    prescription_id=rx.id,
                    rx_number=rx.prescription_number,
                    is_stat=bool(rx.is_stat),
                    patient_name=patient.display_name if patient else "(unknown patient)",
                    date_of_birth=patient.date_of_birth if patient else None,
                    drug=drug,
                    received_at=rx.received_at,
                    promised_at=rx.promised_at,
                    blocking=blocking,
                    warnings=warnings,
                    waiting_minutes=_minutes_since(rx.received_at or rx.created_at or now, now),
                    status=rx.status,
                    returned_note=rx.returned_note,
                )
            )
        return result


def review_queue_size(uow_factory: UnitOfWorkFactory) -> int:
    """How many prescriptions wait for clinical review (no permission: a count names no one)."""
    with uow_factory() as uow:
        return uow.prescriptions.review_queue_size()


def fill_queue_size(uow_factory: UnitOfWorkFactory, actor: Actor) -> int | None:
    """How many prescriptions wait to be filled; None for who may not fill (the count is not theirs to see)."""
    return _status_size(uow_factory, actor, Permission.FILL, RxStatus.VALIDATED)


def verify_queue_size(uow_factory: UnitOfWorkFactory, actor: Actor) -> int | None:
    """How many filled prescriptions wait for final verification; None for who may not verify."""
    return _status_size(uow_factory, actor, Permission.FINAL_VERIFY, RxStatus.IN_PROGRESS)


def _status_size(uow_factory: UnitOfWorkFactory, actor: Actor, permission: str, status: RxStatus) -> int | None:
    if not actor.can(permission):
        return None
    with uow_factory(actor.user_id) as uow:
        return uow.prescriptions.status_count(status.value)
