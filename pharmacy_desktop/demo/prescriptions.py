"""Demo prescriptions in every workflow state, for the demo pharmacy (see loader.py).

History (completed fills from past months) is written directly: it stands for the pharmacy's
records imported from the system it used before this one, so it has no sale, invoice or pickup
here (a real conversion brings prescriptions and fill dates, not the old register's receipts).
Everything current goes through the workflow services (intake, DUR review, fill with its insurance
claims, verification), so the demo's queues hold exactly what the app itself would have produced;
the bags picked up today go through the point-of-sale services in ``demo/pickups.py``. Nothing
dispensed or completed is written here, except that history.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import random
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from pharmacy_desktop.adapters.adjudication import Adjudicator
from pharmacy_desktop.db.models.prescriptions import Medication, Prescription, PrescriptionItem, PrescriptionRefill
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.demo.history_sales import import_history_sale
from pharmacy_desktop.domain.identifiers import split_prescriber_name
from pharmacy_desktop.domain.product_names import strength_of
from pharmacy_desktop.domain.schedules import Schedule, default_expiration, parse_schedule
from pharmacy_desktop.domain.sig import expand_sig

log = logging.getLogger(__name__)

# marks the history imported from the previous system (no sale, invoice or pickup record here)
HISTORY_NOTE = "Imported from the previous pharmacy system (fill history)."

# (patient index, generic) pairs of long-term therapy already on file: DUR has something to find
HISTORY = (
    (1, "warfarin"),
    (1, "metoprolol"),
    (2, "simvastatin"),
    (2, "lisinopril"),
    (3, "metformin"),
    (3, "atorvastatin"),
    (4, "levothyroxine"),
    (5, "lisinopril"),
    (6, "amlodipine"),
    (7, "sertraline"),
    (8, "omeprazole"),
    (9, "gabapentin"),
    (10, "losartan"),
    (11, "hydrochlorothiazide"),
    (12, "carvedilol"),
    (12, "furosemide"),
    (13, "digoxin"),
    (14, "metformin"),
    (15, "atorvastatin"),
)

# a record from before this system in a state no screen produces (cancelled at the prescriber's
# request): (patient index, generic, status)
ON_FILE = ((26, "cephalexin", "cancelled"),)

# today's work: (patient index, generic, stat, where it should end up)
CURRENT = (
    (0, "amoxicillin", False, "received"),  # penicillin allergy: the alert blocks approval
    (1, "ibuprofen", True, "received"),  # on warfarin: serious interaction, STAT
    (2, "clarithromycin", False, "received"),  # on simvastatin: contraindicated
    (16, "lisinopril", False, "received"),
    (17, "hydrocodone", False, "received"),  # C-II: DEA required, no refills
    (18, "cephalexin", False, "validated"),
    (19, "atorvastatin", True, "validated"),
    (20, "amlodipine", False, "validated"),
    (21, "metformin", False, "validated"),
    (22, "lorazepam", False, "validated"),  # C-IV
    (23, "omeprazole", False, "in_progress"),
    (24, "losartan", False, "in_progress"),
    (25, "sertraline", False, "ready"),
    (26, "trazodone", False, "ready"),
    (27, "gabapentin", False, "ready"),
    (28, "metoprolol", False, "rejected"),
    # bags for the point of sale (demo/pickups.py sells, refunds and returns them; see PICKUPS there)
    (8, "cephalexin", False, "ready"),
    (9, "metoprolol", False, "ready"),
    (11, "losartan", False, "ready"),
    (12, "gabapentin", False, "ready"),
    (3, "omeprazole", False, "ready"),
    (14, "hydrocodone", False, "ready"),  # C-II: picked up with the picker's ID, counseled by the pharmacist
    (7, "carvedilol", False, "ready"),
    (6, "omeprazole", False, "ready"),  # waited too long in will-call: returned to stock
    # waiting for the screens: a bag older than the return days, a C-IV, a prior authorization
    # rejection (Onglyza: 75 in the simulated plans), and patient 26's bag that patient 25 may collect
    (4, "losartan", False, "ready"),
    (20, "lorazepam", False, "ready"),
    (28, "saxagliptin", False, "ready"),
)


def _schedule(med: Medication) -> str | None:
    return med.dea_schedule if med.is_controlled_substance else None


def _medication(uow: UnitOfWork, med_id: uuid.UUID) -> Medication:
    med = uow.active_session.get(Medication, med_id)
    if med is None:
        raise LookupError(f"demo medication {med_id} is not in the catalog")
    return med


@functools.cache
def _directions(sig: str) -> str:
    """The SIG in words (the demo's few SIG codes, expanded once each)."""
    return expand_sig(sig)


def new_prescription(
    uow: UnitOfWork,
    rx_number: str,
    patient_id: uuid.UUID,
    prescriber: tuple[str, str, str, str],
    med: Medication,
    sig_qty_days: tuple[str, int, int],
    written: dt.date,
    received_by: uuid.UUID,
    *,
    status: str,
    stat: bool = False,
    refills: int = 3,
) -> Prescription:
    """A prescription and its one line (``prescription_rows``), added to the session and flushed."""
    rx, line = prescription_rows(
        rx_number,
        patient_id,
        prescriber,
        med,
        sig_qty_days,
        written,
        received_by,
        status=status,
        stat=stat,
        refills=refills,
    )
    uow.active_session.add(rx)
    uow.active_session.flush()
    uow.active_session.add(line)
    return rx


def prescription_rows(
    rx_number: str,
    patient_id: uuid.UUID,
    prescriber: tuple[str, str, str, str],
    med: Medication,
    sig_qty_days: tuple[str, int, int],
    written: dt.date,
    received_by: uuid.UUID,
    *,
    status: str,
    stat: bool = False,
    refills: int = 3,
) -> tuple[Prescription, PrescriptionItem]:
    """A prescription and its one line, built with their ids and not added to any session (the
    history's bulk path inserts many at once: demo/history_fills.py)."""
    name, _specialty, npi, dea = prescriber
    first, last = split_prescriber_name(name)
    sig, qty, days = sig_qty_days
    schedule = _schedule(med)
    if schedule and parse_schedule(schedule) is Schedule.CII:
        refills = 0
    rx = Prescription(
        id=uuid.uuid4(),
        prescription_number=rx_number,
        patient_id=patient_id,
        prescriber_name=name,
        prescriber_first_name=first,
        prescriber_last_name=last,
        prescriber_npi=npi,
        prescriber_dea=dea,
        prescriber_dea_schedules="2 2N 3 3N 4 5",  # the demo's prescribers hold every schedule
        prescriber_phone="(217) 555-0190",
        prescription_date=written,
        written_date=written,
        expiration_date=default_expiration(written, schedule),
        source="electronic",
        status=status,
        is_stat=stat,
        received_by=received_by,
    )
    line = PrescriptionItem(
        id=uuid.uuid4(),
        prescription_id=rx.id,
        medication_id=med.id,
        written_medication_name=f"{med.drug_name} {strength_of(med) or ''}".strip(),
        quantity=Decimal(qty),
        quantity_unit="EA",
        days_supply=days,
        sig=sig,
        directions=_directions(sig),
        refills_authorized=refills,
        refills_remaining=refills,
        substitution_allowed=True,
        daw_code="0",
    )
    return rx, line


def load_prescriptions(
    uow_factory: UnitOfWorkFactory,
    actors: dict[str, Any],
    rng: random.Random,
    patient_ids: list[uuid.UUID],
    prescribers: list[tuple[str, str, str, str]],
    meds: dict[str, uuid.UUID],
    formulary: dict[str, tuple[str, str, int, int]],
    today: dt.date,
    adjudicator: Adjudicator,
    ready: dict[tuple[int, str], uuid.UUID] | None = None,
) -> dict[str, int]:
    """The history and today's prescriptions; counts per status. ``ready`` (if given) receives the
    prescriptions that reached will-call, by (patient index, generic), for the point of sale."""
    tech, rph = actors["technician"], actors["pharmacist"]
    counts: dict[str, int] = {}

    def wanted(index: int, generic: str) -> bool:
        return generic in meds and index < len(patient_ids)

    def write(
        uow: UnitOfWork, index: int, generic: str, written: dt.date, status: str, stat: bool = False
    ) -> tuple[Prescription, Medication, int]:
        """Patient ``index``'s prescription of ``generic`` as the formulary writes it; with its days' supply."""
        med = _medication(uow, meds[generic])
        _form, sig, qty, days = formulary[generic]
        rx = new_prescription(
            uow,
            uow.prescriptions.next_rx_number(),
            patient_ids[index],
            prescribers[index % len(prescribers)],
            med,
            (sig, qty, days),
            written,
            tech.user_id,
            status=status,
            stat=stat,
        )
        return rx, med, days

    with uow_factory(tech.user_id) as uow:
        for index, generic in HISTORY:
            if not wanted(index, generic):
                continue
            written = today - dt.timedelta(days=rng.randint(60, 150))
            rx, med, days = write(uow, index, generic, written, "completed")
            rx.validated_by, rx.validated_at = rph.user_id, dt.datetime.combine(written, dt.time(10), dt.UTC)
            rx.notes = HISTORY_NOTE
            uow.active_session.flush()
            item = uow.active_session.query(PrescriptionItem).filter_by(prescription_id=rx.id).one()
            last_fill = today - dt.timedelta(days=days - rng.randint(2, 8))  # due for a refill soon
            refill = PrescriptionRefill(
                prescription_id=rx.id,
                prescription_item_id=item.id,
                refill_number=0,
                medication_id=med.id,
                ndc_code=med.ndc_code,
                quantity_dispensed=item.quantity,
                days_supply=days,
                filled_date=last_fill,
                filled_by=tech.user_id,
                status="dispensed",
                verified_by=rph.user_id,
            )
            uow.active_session.add(refill)
            uow.active_session.flush()
            rx.dispensed_by, rx.dispensed_at = tech.user_id, dt.datetime.combine(last_fill, dt.time(15, 30), dt.UTC)
            import_history_sale(uow, refill, patient_ids[index], item.written_medication_name, tech.user_id, last_fill)
            counts["completed"] = counts.get("completed", 0) + 1
        for index, generic, status in ON_FILE:
            if not wanted(index, generic):
                continue
            rx, _med, _days = write(uow, index, generic, today - dt.timedelta(days=rng.randint(5, 20)), status)
            if status == "cancelled":
                rx.notes = "Cancelled at the prescriber's request (therapy changed)."
            counts[status] = counts.get(status, 0) + 1
        uow.commit()

    current: list[tuple[uuid.UUID, str, tuple[int, str]]] = []
    with uow_factory(tech.user_id) as uow:
        for index, generic, stat, target in CURRENT:
            if not wanted(index, generic):
                continue
            rx, _med, _days = write(uow, index, generic, today - dt.timedelta(days=rng.randint(0, 3)), "received", stat)
            uow.record("PrescriptionReceived", "prescription", rx.id, {"rx_number": rx.prescription_number})
            current.append((rx.id, target, (index, generic)))
        uow.commit()

    for rx_id, target, key in current:
        reached = _advance(uow_factory, actors, adjudicator, rx_id, target)
        counts[reached] = counts.get(reached, 0) + 1
        if reached == "ready" and ready is not None:
            ready[key] = rx_id
    return counts


def _advance(
    uow_factory: UnitOfWorkFactory, actors: dict[str, Any], adjudicator: Adjudicator, rx_id: uuid.UUID, target: str
) -> str:
    """Move a received prescription through the real services towards ``target``; returns where it got.

    The pharmacist reviews (the demo overrides any alert with a stated reason), the technician fills
    by "scanning" the prescribed package's NDC and the fill is billed to the patient's plans (as the
    fill screen does once the fill is saved), the pharmacist verifies with the same scan.
    """
    if target == "received":
        return "received"
    from pharmacy_desktop.demo.approvals import approve_as_demo
    from pharmacy_desktop.services import claims, fill, review, verify  # the workflow, exactly as the app runs it

    rph, tech = actors["pharmacist"], actors["technician"]
    try:
        if target == "rejected":
            review.reject(uow_factory, rph, rx_id, "Duplicate of a prescription already on file (demo).")
            return "rejected"
        approve_as_demo(uow_factory, rph, rx_id)
        if target == "validated":
            return "validated"
        with uow_factory() as uow:
            ndc = uow.active_session.scalars(
                select(Medication.ndc_code)
                .join(PrescriptionItem, PrescriptionItem.medication_id == Medication.id)
                .where(PrescriptionItem.prescription_id == rx_id)
            ).first()
        if ndc is None:
            raise LookupError(f"prescription {rx_id} has no product to scan")
        try:
            filled = fill.fill(uow_factory, tech, rx_id, ndc)
        except fill.StockRefused as asked:  # which lot is in the hand? the demo's technician takes a good one
            choices = asked.check.lot_choices
            usable = [c for c in choices if c.problem is None]
            if not usable:
                raise
            lot = fill.ANY_LOT if len(usable) == len(choices) else usable[0].lot
            filled = fill.fill(uow_factory, tech, rx_id, ndc, lot=lot)
        claims.adjudicate_fill(uow_factory, tech, adjudicator, filled.refill_id)
        if target == "in_progress":
            return "in_progress"
        verify.approve(uow_factory, rph, rx_id, label_scan="RX" + filled.rx_number, bottle_scans=[ndc])
        return "ready"
    except Exception:  # the demo must load even when one step refuses; the log says why
        log.exception("demo prescription %s stopped before %s", rx_id, target)
        with uow_factory() as uow:
            rx = uow.active_session.get(Prescription, rx_id)
            if rx is None:
                raise LookupError(f"demo prescription {rx_id} is gone") from None
            reached = rx.status
        return reached
