"""Pickup (issue 13 items 1-3): find the bag, show what waits for the patient and their household,
and who may collect it. Reads only; the sale itself is ``services/sale.py``.

A bag is found by scanning a vial or bag label (its Rx barcode), by the patient's name, or by bin.
``open_pickup`` shows every READY prescription of the patient and of the patients who allow this
patient to collect for them (``patient_relationships`` rows with ``may_pick_up``), oldest first,
one line per verified fill (the sale makes one invoice per fill), each with its price
(``services/sale_pricing.fill_price``) and whether counseling must be offered (OBRA '90: a new
prescription, or a product different from the last one handed over).

The date of birth is confirmed every time by typing it; the view never carries it, and a mismatch
never shows it: whoever stands at the counter must know it.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from decimal import Decimal

from pharmacy_desktop.db.models.prescriptions import Medication, PrescriptionRefill
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain import dispensing as rules
from pharmacy_desktop.domain.clock import utcnow
from pharmacy_desktop.domain.product_names import strength_of
from pharmacy_desktop.domain.schedules import is_controlled
from pharmacy_desktop.domain.stock import format_quantity
from pharmacy_desktop.domain.text_fields import strip_controls
from pharmacy_desktop.domain.workflow import Permission, RxStatus
from pharmacy_desktop.errors import NotFound, ValidationFailed
from pharmacy_desktop.services import auth
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.prescription_views import patient_name, rx_numbered
from pharmacy_desktop.services.sale_pricing import FillPrice, fill_price
from pharmacy_desktop.services.will_call import label_scan_number, waiting_text

__all__ = [
    "BirthDateCheck",
    "PickupMatch",
    "PickupPerson",
    "PickupRx",
    "PickupView",
    "confirm_birth_date",
    "find_by_bin",
    "find_by_name",
    "find_by_scan",
    "open_pickup",
    "parse_birth_date",
]

READY = RxStatus.READY.value
VIEW_PERMISSION = Permission.DISPENSE
DOB_FORMATS = "MM/DD/YYYY, MMDDYYYY or YYYY-MM-DD"


@dataclass(frozen=True)
class PickupPerson:
    """Someone who may collect: the patient ('self') or a person the patient named."""

    name: str
    relationship: str  # 'self', 'spouse', 'parent', 'child', 'guardian', 'caregiver', 'sibling', 'other'
    patient_id: uuid.UUID | None  # None: a person who is not a patient here


@dataclass(frozen=True)
class PickupRx:
    """One verified fill waiting in will-call (a prescription with two items has two lines)."""

    prescription_id: uuid.UUID
    refill_id: uuid.UUID
    rx_number: str
    refill_number: int  # 0 = original fill
    patient_id: uuid.UUID
    patient_name: str
    drug: str  # 'Lisinopril 20 mg tablet'
    ndc: str
    quantity: str  # '30 tablets'
    quantity_value: Decimal
    schedule: str | None  # 'C-II' .. 'C-V'
    is_controlled: bool
    bin_code: str | None
    ready_at: dt.datetime | None
    waiting: str  # '3 days'
    counseling_required: bool
    counseling_reason: str  # 'new prescription', 'different product than last time', ''
    price: FillPrice
    version: int  # the prescription's version when read


@dataclass(frozen=True)
class PickupView:
    patient_id: uuid.UUID
    patient_name: str
    patient_number: str
    privacy_notice_acknowledged: bool  # the HIPAA notice is acknowledged once per patient
    pickers: tuple[PickupPerson, ...]  # the patient first
    household: tuple[tuple[uuid.UUID, str], ...]  # other patients whose prescriptions are included
    prescriptions: tuple[PickupRx, ...]

    @property
    def has_controlled(self) -> bool:
        return any(rx.is_controlled for rx in self.prescriptions)


@dataclass(frozen=True)
class PickupMatch:
    """A patient with prescriptions waiting (the result of a name or bin search)."""

    patient_id: uuid.UUID
    patient_name: str
    ready_count: int
    bins: tuple[str, ...]
    oldest_ready_at: dt.datetime | None
    waiting: str


@dataclass(frozen=True)
class BirthDateCheck:
    ok: bool
    message: str


# -- date of birth --------------------------------------------------------------------------------

_US = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_COMPACT = re.compile(r"^(\d{2})(\d{2})(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def parse_birth_date(text: str) -> dt.date:
    """A typed date of birth (MM/DD/YYYY, MMDDYYYY or YYYY-MM-DD); ValidationFailed when unreadable."""
    typed = strip_controls(text or "").strip()
    for pattern, order in ((_ISO, (1, 2, 3)), (_US, (3, 1, 2)), (_COMPACT, (3, 1, 2))):
        found = pattern.match(typed)
        if found:
            year, month, day = (int(found.group(i)) for i in order)
            try:
                return dt.date(year, month, day)
            except ValueError:
                break
    raise ValidationFailed(f"Type the date of birth as {DOB_FORMATS}.", {"birth_date": f"type it as {DOB_FORMATS}"})


def birth_date_matches(uow: UnitOfWork, patient_id: uuid.UUID, typed: str) -> bool:
    """Inside a unit of work: does the typed date match the patient's (ValidationFailed if unreadable)."""
    day = parse_birth_date(typed)
    patient = uow.patients.get(patient_id)
    if patient is None:
        raise NotFound("The patient was not found. Search again.")
    return bool(patient.date_of_birth == day)


def confirm_birth_date(
    uow_factory: UnitOfWorkFactory, actor: Actor, patient_id: uuid.UUID, typed: str
) -> BirthDateCheck:
    """Check the date of birth the person at the counter gives; a mismatch never shows the real one."""
    with uow_factory(actor.user_id) as uow:
        auth.require(uow, actor, VIEW_PERMISSION)
        if birth_date_matches(uow, patient_id, typed):
            return BirthDateCheck(True, "Date of birth confirmed.")
        uow.record("PickupBirthDateMismatch", "patient", patient_id, {"workstation": actor.workstation})
        uow.commit()
    return BirthDateCheck(
        False,
        "That date of birth does not match our records. Ask again; do not hand over the bag until it matches.",
    )


# -- the view -------------------------------------------------------------------------------------


def counseling_need(uow: UnitOfWork, refill: PrescriptionRefill, med: Medication | None) -> str:
    """Why counseling must be offered for this fill ('' when it need not be)."""
    if refill.refill_number == 0:
        return "new prescription"
    last = uow.prescriptions.last_dispensed_fill(refill)
    if last is None:
        return "first fill handed over"
    if last.ndc_code == refill.ndc_code:
        return ""
    before = uow.prescriptions.medication(last.medication_id)
    if before is None or med is None:
        return "different product than last time"
    if rules.normalize_generic(before.generic_name or before.drug_name) != rules.normalize_generic(
        med.generic_name or med.drug_name
    ):
        return "different drug than last time"
    if rules.normalize_strength(strength_of(before)) != rules.normalize_strength(strength_of(med)):
        return "different strength than last time"
    return "different product (manufacturer) than last time"


def pickup_rx_lines(uow: UnitOfWork, patient_ids: list[uuid.UUID], now: dt.datetime) -> list[PickupRx]:
    """The waiting fills of these patients, oldest first (used by the view and by the sale)."""
    names = {pid: patient_name(p) for pid, p in uow.prescriptions.patients(set(patient_ids)).items()}
    lines = []
    for rx, refill, item, med, bin_ in uow.prescriptions.ready_fills(patient_ids, READY):
        quantity = Decimal(refill.quantity_dispensed)
        unit = rules.dispensing_unit(quantity, item.quantity_unit if item else None, med.dosage_form if med else None)
        drug = (
            rules.describe(med.drug_name, strength_of(med), med.dosage_form)
            if med is not None
            else (item.written_medication_name if item is not None else "(not in catalog)")
        )
        schedule = rules.schedule_label(med.dea_schedule) if med is not None else None
        controlled = med is not None and _controlled(med.dea_schedule)
        reason = counseling_need(uow, refill, med)
        lines.append(
            PickupRx(
                prescription_id=rx.id,
                refill_id=refill.id,
                rx_number=rx.prescription_number,
                refill_number=refill.refill_number,
                patient_id=rx.patient_id,
                patient_name=names.get(rx.patient_id, patient_name(None)),
                drug=drug,
                ndc=refill.ndc_code,
                quantity=f"{format_quantity(quantity)} {unit}",
                quantity_value=quantity,
                schedule=schedule,
                is_controlled=controlled,
                bin_code=bin_.code if bin_ is not None else None,
                ready_at=rx.ready_at,
                waiting=waiting_text(rx.ready_at, now),
                counseling_required=bool(reason),
                counseling_reason=reason,
                price=fill_price(uow, refill),
                version=rx.version,
            )
        )
    return lines


def _controlled(value: object) -> bool:
    try:
        return is_controlled(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def build_view(uow: UnitOfWork, patient_id: uuid.UUID, *, now: dt.datetime | None = None) -> PickupView:
    patient = uow.patients.get(patient_id)
    if patient is None:
        raise NotFound("The patient was not found; the record may have been merged or removed. Search again.")
    pickers = [PickupPerson(f"{patient.first_name} {patient.last_name}", "self", patient.id)]
    related_ids = {r.related_patient_id for r in uow.patients.may_pick_up_for(patient_id) if r.related_patient_id}
    related = uow.prescriptions.patients(related_ids)
    for row in uow.patients.may_pick_up_for(patient_id):
        other = related.get(row.related_patient_id) if row.related_patient_id else None
        name = f"{other.first_name} {other.last_name}" if other is not None else (row.related_name or "").strip()
        if name:
            pickers.append(PickupPerson(name, row.relationship_type, row.related_patient_id))
    # this patient may collect for the patients who authorized them
    household_ids = [r.patient_id for r in uow.patients.authorized_by(patient_id) if r.patient_id != patient_id]
    household_ids = list(dict.fromkeys(household_ids))
    household = uow.prescriptions.patients(set(household_ids))
    lines = pickup_rx_lines(uow, [patient_id, *household_ids], now or utcnow())
    return PickupView(
        patient_id=patient.id,
        patient_name=patient_name(patient),
        patient_number=patient.patient_number,
        privacy_notice_acknowledged=patient.privacy_notice_acknowledged_at is not None,
        pickers=tuple(pickers),
        household=tuple((pid, patient_name(household[pid])) for pid in household_ids if pid in household),
        prescriptions=tuple(lines),
    )


def open_pickup(
    uow_factory: UnitOfWorkFactory, actor: Actor, patient_id: uuid.UUID, *, now: dt.datetime | None = None
) -> PickupView:
    """What waits for the patient (and the household members who authorized them), priced."""
    with uow_factory(actor.user_id) as uow:
        auth.require(uow, actor, VIEW_PERMISSION)
        view = build_view(uow, patient_id, now=now)
        uow.log_access("open_pickup", "patient", patient_id)
        uow.commit()
        return view


def find_by_scan(
    uow_factory: UnitOfWorkFactory, actor: Actor, scan_text: str, *, now: dt.datetime | None = None
) -> PickupView:
    """A vial or bag label scanned: the pickup of that prescription's patient."""
    number = label_scan_number(scan_text)
    with uow_factory(actor.user_id) as uow:
        auth.require(uow, actor, VIEW_PERMISSION)
        rx = rx_numbered(uow, number)
        if rx.status != READY:
            raise ValidationFailed(
                f"Rx {number} is not waiting in will-call: it is '{rx.status.replace('_', ' ')}'."
                + (" It was already picked up." if rx.status in ("dispensed", "completed") else "")
            )
        view = build_view(uow, rx.patient_id, now=now)
        uow.log_access("open_pickup", "patient", rx.patient_id)
        uow.commit()
        return view


def _matches(uow: UnitOfWork, now: dt.datetime, **which: object) -> list[PickupMatch]:
    grouped: dict[uuid.UUID, list[tuple[str, dt.datetime | None]]] = {}
    names: dict[uuid.UUID, str] = {}
    for rx, patient, bin_, _item, _med in uow.prescriptions.waiting_in_bins(READY, **which):  # type: ignore[arg-type]
        grouped.setdefault(patient.id, []).append((bin_.code, rx.ready_at))
        names[patient.id] = patient_name(patient)
    found = []
    for pid, rows in grouped.items():
        times = [t for _, t in rows if t is not None]
        oldest = min(times) if times else None
        bins = tuple(dict.fromkeys(code for code, _ in rows))
        found.append(PickupMatch(pid, names[pid], len(rows), bins, oldest, waiting_text(oldest, now)))
    return sorted(found, key=lambda m: m.patient_name)


def find_by_name(
    uow_factory: UnitOfWorkFactory, actor: Actor, text: str, *, now: dt.datetime | None = None
) -> list[PickupMatch]:
    """'smi', 'Smith, J', 'john smith', or an Rx number: patients with prescriptions waiting."""
    words = [w for w in strip_controls(text or "").replace(",", " ").split() if w][:8]
    if not words:
        return []
    with uow_factory(actor.user_id) as uow:
        auth.require(uow, actor, VIEW_PERMISSION)
        return _matches(uow, now or utcnow(), name_words=words)


def find_by_bin(
    uow_factory: UnitOfWorkFactory, actor: Actor, bin_code: str, *, now: dt.datetime | None = None
) -> list[PickupMatch]:
    """The patients whose bags wait in one bin."""
    code = strip_controls(bin_code or "").strip()
    if not code:
        raise ValidationFailed("Type or pick a bin.", {"bin": "required"})
    with uow_factory(actor.user_id) as uow:
        auth.require(uow, actor, VIEW_PERMISSION)
        return _matches(uow, now or utcnow(), bin_code=code)
