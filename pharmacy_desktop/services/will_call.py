"""Will-call: the bins verified prescriptions wait in, what is in each, and for how long.

A patient's prescriptions go to one bin (the bin already holding their bag), otherwise to the
emptiest bin. A pharmacy that has not set up bins gets bins A-H the first time one is needed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain import dispensing as rules
from pharmacy_desktop.domain.clock import utcnow
from pharmacy_desktop.domain.product_names import strength_of
from pharmacy_desktop.domain.stock import format_quantity
from pharmacy_desktop.domain.text_fields import strip_controls
from pharmacy_desktop.domain.workflow import RxStatus
from pharmacy_desktop.errors import NotFound, ValidationFailed
from pharmacy_desktop.services import auth
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.prescription_views import RxHeader, header_fields, rx_number_from_scan, rx_numbered

VIEW_PERMISSION = "patient.view"  # will-call lists show patient names
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
class WaitingRx(RxHeader):
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
    delta = (now or utcnow()) - since
    hours = int(delta.total_seconds() // 3600)
    if hours < 1:
        return f"{max(0, int(delta.total_seconds() // 60))} min"
    if hours < 48:
        return f"{hours} h"
    return f"{delta.days} days"


# -- assignment (inside the verifying unit of work) ------------------------------------------------


def ensure_bins(uow: UnitOfWork, codes: tuple[str, ...] = DEFAULT_BINS) -> None:
    uow.prescriptions.ensure_bins(codes)


def assign_bin(uow: UnitOfWork, patient_id: uuid.UUID, bin_code: str | None = None) -> Any:
    """The chosen bin, else the bin already holding this patient's bag, else the emptiest one."""
    if bin_code:
        chosen = uow.prescriptions.bin_by_code(bin_code)
        if chosen is None or chosen.is_active is False:
            raise ValidationFailed(f"There is no will-call bin '{bin_code}'. Pick one from the list.")
        return chosen
    current = uow.prescriptions.bin_holding(patient_id, READY)
    if current is not None:
        return current
    for _ in range(2):
        emptiest = uow.prescriptions.emptiest_bin(READY)
        if emptiest is not None:
            return emptiest
        ensure_bins(uow)
    raise NotFound("No will-call bin is available. An administrator adds bins in Settings.")


# -- reading ---------------------------------------------------------------------------------------


def _rows(uow: UnitOfWork, *, now: dt.datetime | None = None, **which: Any) -> list[WaitingRx]:
    """The waiting prescriptions ``which`` selects (``PrescriptionRepository.waiting_in_bins``)."""
    now = now or utcnow()
    rows = []
    for rx, patient, bin_, item, med in uow.prescriptions.waiting_in_bins(READY, **which):
        name = (
            rules.describe(med.drug_name, strength_of(med), med.dosage_form)
            if med
            else (item.written_medication_name if item else "")
        )
        qty = item.dispensed_quantity or item.quantity if item else None
        since = rx.ready_at
        rows.append(
            WaitingRx(
                **header_fields(rx, patient),
                drug=name,
                schedule=rules.schedule_label(med.dea_schedule) if med else None,
                quantity=(
                    f"{format_quantity(qty)} "
                    f"{rules.dispensing_unit(qty, item.quantity_unit, med.dosage_form if med else None)}"
                )
                if item and qty is not None
                else "",
                bin_code=bin_.code,
                ready_at=since,
                waiting_days=(now - since).days if since else 0,
                waiting=waiting_text(since, now),
            )
        )
    return rows


def list_bins(uow_factory: UnitOfWorkFactory, actor: Actor) -> list[BinSummary]:
    with uow_factory(actor.user_id) as uow:
        auth.require(uow, actor, VIEW_PERMISSION)
        return [
            BinSummary(b.id, b.code, b.description, n, p, oldest)
            for b, n, p, oldest in uow.prescriptions.bin_counts(READY)
        ]


def bin_contents(
    uow_factory: UnitOfWorkFactory, actor: Actor, bin_code: str | None = None, *, now: dt.datetime | None = None
) -> list[WaitingRx]:
    """What waits in one bin (or in all bins when ``bin_code`` is None)."""
    with uow_factory(actor.user_id) as uow:
        auth.require(uow, actor, VIEW_PERMISSION)
        return _rows(uow, bin_code=bin_code, now=now)


def find_by_label_scan(
    uow_factory: UnitOfWorkFactory, actor: Actor, scan_text: str, *, now: dt.datetime | None = None
) -> list[WaitingRx]:
    """The scanned prescription's bag: it and every other prescription of that patient waiting."""
    number = label_scan_number(scan_text)
    with uow_factory(actor.user_id) as uow:
        auth.require(uow, actor, VIEW_PERMISSION)
        rx = rx_numbered(uow, number)
        if rx.status != READY:
            raise ValidationFailed(f"Rx {number} is not in will-call: it is '{rx.status.replace('_', ' ')}'.")
        return _rows(uow, patient_id=rx.patient_id, now=now)


def label_scan_number(scan_text: str) -> str:
    """The Rx number a bag or vial label's barcode carries; ``ValidationFailed`` for any other scan."""
    number = rx_number_from_scan(scan_text)
    if number is None:
        raise ValidationFailed("That is not an Rx label barcode. Scan the label on the bag or the vial.")
    return number


def find_by_patient_name(
    uow_factory: UnitOfWorkFactory, actor: Actor, text: str, *, now: dt.datetime | None = None
) -> list[WaitingRx]:
    """'smi', 'Smith, J', 'john smith': waiting prescriptions of matching patients."""
    # a search stores nothing: control characters (a NUL from a scanner) are dropped, not sent to the
    # database, whose error would carry the typed name as a parameter
    words = [w for w in strip_controls(text or "").replace(",", " ").split() if w][:8]
    if not words:
        return []
    with uow_factory(actor.user_id) as uow:
        auth.require(uow, actor, VIEW_PERMISSION)
        return _rows(uow, name_words=words, now=now)


def waiting_longer_than(
    uow_factory: UnitOfWorkFactory, actor: Actor, days: int, *, now: dt.datetime | None = None
) -> list[WaitingRx]:
    """Prescriptions ready for more than ``days`` days (candidates for return to stock)."""
    now = now or utcnow()
    with uow_factory(actor.user_id) as uow:
        auth.require(uow, actor, VIEW_PERMISSION)
        rows = _rows(uow, ready_before=now - dt.timedelta(days=days), now=now)
        return sorted(rows, key=lambda r: r.ready_at or now)
