"""Fill (technician): the queue, one prescription open, scan-to-fill with stock deduction.

``check_scan`` says what a scan would do (read only); ``fill`` does it, checking everything again
in its own transaction, so nothing the screen showed earlier is trusted.

Concurrency. Lock order, the same in every stock-changing service (fill, return to fill): the
prescription row, then inventory items by id, then their batches by id. A fill locks its
prescription, plans the stock lines from an unlocked read, writes the fill, the label job and
the events, and only then locks the item and the planned batches (``SELECT ... FOR UPDATE``),
checks the plan still holds and deducts: the hot row of a busy drug is held for a few statements,
not for the whole fill. If another workstation took the units in between, the transaction is
rolled back and the fill starts again (transparently); from the third attempt on the stock rows
are locked before planning, so a fill under heavy contention always finishes. The version
columns and the CHECK constraints on stock are the last line of defence and are retried too.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Callable, TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, IntegrityError

from pharmacy_desktop.db.models.inventory import InventoryBatch, InventoryItem
from pharmacy_desktop.db.models.patients import Patient
from pharmacy_desktop.db.models.prescriptions import Medication, Prescription, PrescriptionItem, PrescriptionRefill
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain import dispensing as rules
from pharmacy_desktop.domain.barcodes import rx_number_from_scan
from pharmacy_desktop.domain.clock import utcnow as _now
from pharmacy_desktop.domain.dispensing import BatchStock, Product, StockLine
from pharmacy_desktop.domain.schedules import refill_problem
from pharmacy_desktop.domain.product_names import strength_of
from pharmacy_desktop.domain.workflow import Permission, RxStatus, transition
from pharmacy_desktop.errors import ConcurrentUpdate, NotFound, PharmacyError
from pharmacy_desktop.services import auth
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.scan_resolution import AMBIGUOUS, FOUND, ScanResult, resolve_scan

log = logging.getLogger(__name__)
T = TypeVar("T")

OK = "ok"
HARD_STOP = "hard_stop"  # wrong product: the bottle cannot get a label
REFUSED = "refused"  # expired, recalled, unknown lot, no stock record, no refills left
INSUFFICIENT = "insufficient"
AMBIGUOUS_SCAN = "ambiguous"
INVALID = "invalid"  # unreadable or unknown barcode

DISPENSE = "dispense"
REFILL_REFERENCE = "prescription_refill"
MAX_ATTEMPTS = 5
PESSIMISTIC_FROM_ATTEMPT = 3


class _StockMoved(Exception):
    """The planned lots changed between planning and locking: roll back and plan again."""


# -- DTOs -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrugView:
    medication_id: uuid.UUID | None
    name: str  # 'Lisinopril 20 mg tablet'
    ndc: str  # the labeler's hyphenated form
    ndc11: str
    schedule: str | None  # 'C-II' .. 'C-V', None when not controlled
    strength: str | None = None
    dosage_form: str | None = None
    generic_name: str | None = None
    brand_name: str | None = None
    package: str | None = None

    @property
    def title(self) -> str:
        return f"{self.name} [{self.schedule}]" if self.schedule else self.name


@dataclass(frozen=True)
class QueueRow:
    prescription_id: uuid.UUID
    rx_number: str
    is_stat: bool
    patient_name: str
    drug: str
    schedule: str | None
    quantity: str
    received_at: dt.datetime | None
    promised_at: dt.datetime | None
    waiting_minutes: int
    status: str
    returned_note: str | None = None


@dataclass(frozen=True)
class ItemView:
    item_id: uuid.UUID
    drug: DrugView
    written_name: str
    quantity: Decimal
    unit: str
    days_supply: int
    sig: str
    directions: str | None
    refills_authorized: int
    refills_remaining: int
    next_fill_number: int
    daw_code: str | None
    substitution_allowed: bool
    filled: bool
    on_hand: Decimal | None


@dataclass(frozen=True)
class FillView:
    prescription_id: uuid.UUID
    version: int
    rx_number: str
    status: str
    is_stat: bool
    patient_id: uuid.UUID
    patient_name: str
    patient_dob: dt.date | None
    prescriber: str
    written_date: dt.date
    promised_at: dt.datetime | None
    notes: str | None
    returned_note: str | None
    items: tuple[ItemView, ...]

    @property
    def current_item(self) -> ItemView | None:
        return next((i for i in self.items if not i.filled), None)


@dataclass(frozen=True)
class LotLine:
    lot: str | None
    expiry: dt.date | None
    quantity: Decimal


@dataclass(frozen=True)
class Choice:
    medication_id: uuid.UUID
    label: str


@dataclass(frozen=True)
class FillCheck:
    """What a scan means for the open prescription; ``status`` is one of the constants above."""

    status: str
    message: str
    warnings: tuple[str, ...] = ()
    prescribed: DrugView | None = None
    scanned: DrugView | None = None
    match: str | None = None
    lot: str | None = None
    expiry: dt.date | None = None
    serial: str | None = None
    prescribed_quantity: Decimal | None = None
    quantity: Decimal | None = None  # what would be filled
    unit: str = ""
    on_hand: Decimal | None = None
    available: Decimal | None = None
    is_partial: bool = False
    partial_possible: bool = False
    lines: tuple[LotLine, ...] = ()
    choices: tuple[Choice, ...] = ()
    item_id: uuid.UUID | None = None
    scan_text: str = ""

    @property
    def ok(self) -> bool:
        return self.status == OK


@dataclass(frozen=True)
class FillResult:
    prescription_id: uuid.UUID
    rx_number: str
    refill_id: uuid.UUID
    refill_number: int
    quantity: Decimal
    is_partial: bool
    lines: tuple[LotLine, ...]
    label_job_id: uuid.UUID | None
    status: str  # the prescription's status after the fill
    warnings: tuple[str, ...] = ()
    attempts: int = 1
    unit: str = ""  # what was counted out: 'tablets', 'capsules', 'mL'


class FillRefused(PharmacyError):
    """The fill did not happen; ``check`` says why (and what the screen should show)."""

    def __init__(self, check: FillCheck):
        super().__init__(check.message)
        self.check = check


class WrongProduct(FillRefused):
    pass


class InsufficientStock(FillRefused):
    pass


class StockRefused(FillRefused):
    pass


class ScanNotUsable(FillRefused):
    pass


_ERRORS = {HARD_STOP: WrongProduct, INSUFFICIENT: InsufficientStock, REFUSED: StockRefused}


# -- conversions ----------------------------------------------------------------------------------


def product_of(med: Medication) -> Product:
    ingredients: tuple[tuple[str, str], ...] = ()
    if med.active_ingredients:
        try:
            ingredients = tuple(
                (str(i.get("name") or i.get("substance") or ""), _ingredient_strength(i))
                for i in med.active_ingredients
            )
        except AttributeError:
            ingredients = ()
        if not all(n for n, _ in ingredients):
            ingredients = ()
    return Product(
        ndc11=med.ndc_code,
        drug_name=med.drug_name,
        medication_id=med.id,
        package_ndc=med.package_ndc,
        generic_name=med.generic_name,
        brand_name=med.brand_name,
        strength=strength_of(med),  # shown: each ingredient with its own strength
        dosage_form=med.dosage_form,
        route=med.route,
        package_description=med.package_description,
        dea_schedule=med.dea_schedule,
        is_generic=med.is_generic,
        product_id=med.product_id,
        active_ingredients=ingredients,
    )


def _ingredient_strength(item: dict[str, Any]) -> str:
    strength = item.get("strength") or ""
    unit = item.get("unit") or ""
    return f"{strength} {unit}".strip()


def drug_view(med: Medication | None, fallback_name: str = "") -> DrugView:
    if med is None:
        return DrugView(None, fallback_name or "(not in catalog)", "", "", None)
    p = product_of(med)
    size = p.package_size
    return DrugView(
        medication_id=med.id,
        name=p.display_name,
        ndc=p.ndc_display,
        ndc11=med.ndc_code,
        schedule=p.schedule_label,
        strength=p.strength,
        dosage_form=med.dosage_form,
        generic_name=med.generic_name,
        brand_name=med.brand_name,
        package=str(size) if size else med.package_description,
    )


def _lot_lines(lines: tuple[StockLine, ...]) -> tuple[LotLine, ...]:
    return tuple(LotLine(line.lot, line.expiration_date, line.quantity) for line in lines)


def patient_name(patient: Patient | None) -> str:
    return f"{patient.last_name}, {patient.first_name}" if patient else "(patient not found)"


# -- retry ----------------------------------------------------------------------------------------


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, (ConcurrentUpdate, _StockMoved)):
        return True
    if isinstance(exc, DBAPIError) and not isinstance(exc, IntegrityError):
        code = getattr(exc.orig, "sqlstate", None)
        return code in ("40001", "40P01", "55P03")  # serialization failure, deadlock, lock not available
    if isinstance(exc, IntegrityError):
        code = getattr(exc.orig, "sqlstate", None)
        return code == "23514"  # a stock CHECK: someone else took the units first; evaluate again
    return False


def with_retry(action: Callable[[int], T], *, attempts: int = MAX_ATTEMPTS) -> T:
    """Run ``action(attempt)``; a lost race (stale version, deadlock, stock CHECK) runs it again."""
    for attempt in range(1, attempts + 1):
        try:
            return action(attempt)
        except Exception as exc:
            if not _retryable(exc) or attempt == attempts:
                if _retryable(exc):
                    raise ConcurrentUpdate(
                        "Another workstation kept changing this stock; nothing was saved. Try again."
                    ) from exc
                raise
            log.info("fill retry %d after %s", attempt, type(exc).__name__)
            time.sleep(0.005 * attempt)
    raise AssertionError("unreachable")


# -- queue and open -------------------------------------------------------------------------------


def _queue_rows(uow: UnitOfWork, statuses: tuple[str, ...], limit: int, order: tuple) -> list[QueueRow]:
    rxs = list(
        uow.session.scalars(select(Prescription).where(Prescription.status.in_(statuses)).order_by(*order).limit(limit))
    )
    if not rxs:
        return []
    ids = [rx.id for rx in rxs]
    items = list(
        uow.session.execute(
            select(PrescriptionItem, Medication)
            .outerjoin(Medication, Medication.id == PrescriptionItem.medication_id)
            .where(PrescriptionItem.prescription_id.in_(ids))
            .order_by(PrescriptionItem.created_at, PrescriptionItem.id)
        )
    )
    patients = {
        p.id: p for p in uow.session.scalars(select(Patient).where(Patient.id.in_({rx.patient_id for rx in rxs})))
    }
    by_rx: dict[uuid.UUID, list[tuple[PrescriptionItem, Medication | None]]] = {}
    for item, med in items:
        by_rx.setdefault(item.prescription_id, []).append((item, med))
    now = _now()
    rows = []
    for rx in rxs:
        lines = by_rx.get(rx.id, [])
        first, med = lines[0] if lines else (None, None)
        view = drug_view(med, first.written_medication_name if first else "")
        drug = view.name + (f" (+{len(lines) - 1} more)" if len(lines) > 1 else "")
        since = rx.received_at or rx.created_at or now
        rows.append(
            QueueRow(
                prescription_id=rx.id,
                rx_number=rx.prescription_number,
                is_stat=bool(rx.is_stat),
                patient_name=patient_name(patients.get(rx.patient_id)),
                drug=drug,
                schedule=view.schedule,
                quantity=f"{rules.format_quantity(first.quantity)} {first.quantity_unit}" if first else "",
                received_at=rx.received_at,
                promised_at=rx.promised_at,
                waiting_minutes=max(0, int((now - since).total_seconds() // 60)),
                status=rx.status,
                returned_note=rx.returned_note,
            )
        )
    return rows


def status_queue(
    uow_factory: UnitOfWorkFactory, actor: Actor, permission: Permission, status: RxStatus, since: Any, *, limit: int = 200
) -> list[QueueRow]:
    """The prescriptions in ``status``: STAT first, then the earliest promised time, then the oldest by ``since``."""
    with uow_factory(actor.user_id) as uow:
        auth.require(uow, actor, permission)
        order = (
            func.coalesce(Prescription.is_stat, False).desc(),
            Prescription.promised_at.asc().nulls_last(),
            since.asc().nulls_last(),
            Prescription.prescription_number,
        )
        return _queue_rows(uow, (status.value,), limit, order)


def fill_queue(uow_factory: UnitOfWorkFactory, actor: Actor, *, limit: int = 200) -> list[QueueRow]:
    """Validated prescriptions: STAT first, then the earliest promised time, then the oldest."""
    return status_queue(uow_factory, actor, Permission.FILL, RxStatus.VALIDATED, Prescription.received_at, limit=limit)


def _live_refills(uow: UnitOfWork, item_ids: list[uuid.UUID]) -> list[PrescriptionRefill]:
    if not item_ids:
        return []
    return list(
        uow.session.scalars(
            select(PrescriptionRefill).where(
                PrescriptionRefill.prescription_item_id.in_(item_ids), PrescriptionRefill.status != "returned"
            )
        )
    )


def _next_fill_number(refills: list[PrescriptionRefill], item_id: uuid.UUID) -> int:
    numbers = [r.refill_number for r in refills if r.prescription_item_id == item_id]
    return max(numbers) + 1 if numbers else 0


def _pending_fill(refills: list[PrescriptionRefill], item_id: uuid.UUID) -> PrescriptionRefill | None:
    return next((r for r in refills if r.prescription_item_id == item_id and r.status == "filled"), None)


def _on_hand(uow: UnitOfWork, medication_id: uuid.UUID | None) -> Decimal | None:
    if medication_id is None:
        return None
    value = uow.session.scalar(
        select(func.sum(InventoryItem.quantity_on_hand)).where(
            InventoryItem.medication_id == medication_id, InventoryItem.is_active.is_not(False)
        )
    )
    return value


def _load_rx(uow: UnitOfWork, prescription_id: uuid.UUID, *, lock: bool = False) -> Prescription:
    rx = uow.prescriptions.get_with_items(prescription_id, for_update=lock)
    if rx is None:
        raise NotFound("The prescription was not found; it may have been cancelled on another workstation.")
    return rx


def _view(uow: UnitOfWork, rx: Prescription) -> FillView:
    patient = uow.session.get(Patient, rx.patient_id)
    items = sorted(rx.items, key=lambda i: (i.created_at or _now(), i.id))
    refills = _live_refills(uow, [i.id for i in items])
    views = []
    for item in items:
        views.append(
            ItemView(
                item_id=item.id,
                drug=drug_view(item.medication, item.written_medication_name),
                written_name=item.written_medication_name,
                quantity=item.quantity,
                unit=item.quantity_unit,
                days_supply=item.days_supply,
                sig=item.sig,
                directions=item.directions,
                refills_authorized=item.refills_authorized,
                refills_remaining=item.refills_remaining,
                next_fill_number=_next_fill_number(refills, item.id),
                daw_code=item.daw_code,
                substitution_allowed=item.substitution_allowed is not False,
                filled=_pending_fill(refills, item.id) is not None,
                on_hand=_on_hand(uow, item.medication_id),
            )
        )
    return FillView(
        prescription_id=rx.id,
        version=rx.version,
        rx_number=rx.prescription_number,
        status=rx.status,
        is_stat=bool(rx.is_stat),
        patient_id=rx.patient_id,
        patient_name=patient_name(patient),
        patient_dob=patient.date_of_birth if patient else None,
        prescriber=rx.prescriber_name,
        written_date=rx.written_date,
        promised_at=rx.promised_at,
        notes=rx.notes,
        returned_note=rx.returned_note,
        items=tuple(views),
    )


def open_for_fill(uow_factory: UnitOfWorkFactory, actor: Actor, prescription_id: uuid.UUID) -> FillView:
    """The prescription as the fill screen shows it (patient access is logged)."""
    with uow_factory(actor.user_id) as uow:
        auth.require(uow, actor, Permission.FILL)
        rx = _load_rx(uow, prescription_id)
        view = _view(uow, rx)
        uow.log_access("open_for_fill", "patient", rx.patient_id)
        uow.commit()
        return view


def find_by_rx_number(uow_factory: UnitOfWorkFactory, actor: Actor, text: str) -> uuid.UUID | None:
    """The prescription a scanned or typed Rx number names (the label's barcode), or None."""
    number = rx_number_from_scan(text)
    if not number:
        return None
    with uow_factory(actor.user_id) as uow:
        rx = uow.prescriptions.by_number(number)
        return rx.id if rx else None


# -- evaluation -----------------------------------------------------------------------------------


@dataclass
class _Eval:
    check: FillCheck
    rx: Prescription | None = None
    item: PrescriptionItem | None = None
    scanned_med: Medication | None = None
    stock: InventoryItem | None = None
    batches: dict[uuid.UUID, InventoryBatch] = field(default_factory=dict)
    lines: tuple[StockLine, ...] = ()
    refill_number: int = 0
    scan: ScanResult | None = None
    refills: list[PrescriptionRefill] = field(default_factory=list)
    stock_locked: bool = False


def _pick_item(rx: Prescription, refills: list[PrescriptionRefill], item_id: uuid.UUID | None) -> PrescriptionItem | None:
    items = sorted(rx.items, key=lambda i: (i.created_at or _now(), i.id))
    if item_id is not None:
        return next((i for i in items if i.id == item_id), None)
    return next((i for i in items if _pending_fill(refills, i.id) is None), None)


def _evaluate(
    uow: UnitOfWork,
    prescription_id: uuid.UUID,
    scan_text: str,
    *,
    item_id: uuid.UUID | None,
    quantity: Decimal | None,
    partial: bool,
    medication_id: uuid.UUID | None,
    today: dt.date,
    lock: bool,
    lock_stock: bool | None = None,
) -> _Eval:
    """``lock`` locks the prescription; ``lock_stock`` (default: same) the item and its lots too."""
    lock_stock = lock if lock_stock is None else lock_stock
    base = FillCheck(status=INVALID, message="", scan_text=scan_text)
    rx = _load_rx(uow, prescription_id, lock=lock)
    if rx.status != RxStatus.VALIDATED.value:
        who = ""
        if rx.status == RxStatus.IN_PROGRESS.value and rx.filled_at:
            who = f" at {rx.filled_at.astimezone().strftime('%H:%M')}"
        return _Eval(replace(
            base, status=REFUSED,
            message=f"Rx {rx.prescription_number} is '{rx.status.replace('_', ' ')}'{who}, not waiting to be filled. "
                    "Pick another prescription from the queue.",
        ), rx)
    refills = _live_refills(uow, [i.id for i in rx.items])
    item = _pick_item(rx, refills, item_id)
    if item is None:
        return _Eval(replace(base, status=REFUSED, message="Every item of this prescription is already filled."), rx)
    prescribed_med = item.medication
    prescribed = drug_view(prescribed_med, item.written_medication_name)
    base = replace(base, prescribed=prescribed, prescribed_quantity=item.quantity, unit=item.quantity_unit,
                   item_id=item.id)
    if prescribed_med is None:
        return _Eval(replace(base, status=REFUSED, message=(
            f"The prescribed drug '{item.written_medication_name}' is not linked to a catalog product, so the "
            "bottle cannot be checked. Send it back to data entry."
        )), rx, item)

    # refills and the legal window
    fill_number = _next_fill_number(refills, item.id)
    if fill_number > 0 and item.refills_remaining < 1:
        return _Eval(replace(base, status=REFUSED, message=(
            f"No refills left on Rx {rx.prescription_number} ({item.refills_authorized} authorized, all used). "
            "Contact the prescriber for a new prescription."
        )), rx, item)
    legal = refill_problem(
        prescribed_med.dea_schedule, rx.written_date, today, fill_number, expiration_date=rx.expiration_date
    ) if _schedule_ok(prescribed_med.dea_schedule) else None
    if legal:
        return _Eval(replace(base, status=REFUSED, message=f"{legal} Do not fill; tell the pharmacist."), rx, item)

    # what is the bottle
    scan = resolve_scan(uow.session, scan_text, today=today)
    base = replace(base, lot=scan.lot, expiry=scan.expiry, serial=scan.serial)
    if scan.status == AMBIGUOUS:
        chosen = next((c for c in scan.choices if c.medication_id == medication_id), None)
        if chosen is None:
            choices = tuple(
                Choice(c.medication_id, f"{c.package_ndc or c.ndc11} {c.drug_name} {c.strength or ''}".strip())
                for c in scan.choices
            )
            return _Eval(replace(base, status=AMBIGUOUS_SCAN, message=scan.message, choices=choices), rx, item)
        scanned_med = uow.session.get(Medication, chosen.medication_id)
    elif scan.status != FOUND:
        return _Eval(replace(base, status=INVALID, message=scan.message), rx, item)
    else:
        scanned_med = uow.session.get(Medication, scan.medication_id)
    assert scanned_med is not None
    scanned = drug_view(scanned_med)
    base = replace(base, scanned=scanned)

    # is it the right product
    patient = uow.session.get(Patient, rx.patient_id)
    result = rules.match_product(
        product_of(prescribed_med),
        product_of(scanned_med),
        substitution_allowed=item.substitution_allowed,
        daw_code=item.daw_code,
        patient_allows_generic=patient.allow_generic_substitution if patient else True,
    )
    base = replace(base, match=result.match.value)
    if result.hard_stop:
        return _Eval(replace(base, status=HARD_STOP, message=result.message), rx, item, scanned_med)
    warnings = list(result.warnings)
    if scanned_med.is_active is False:
        warnings.append("Discontinued product: check with the pharmacist before dispensing.")

    # the stock it comes from
    stock = uow.inventory.item_by_ndc(scanned_med.ndc_code, for_update=lock_stock)
    if stock is None or stock.is_active is False:
        return _Eval(replace(base, status=REFUSED, message=(
            f"No stock record for {scanned.title} (NDC {scanned.ndc}). Ask the pharmacist or buyer to receive it "
            "into inventory first, then scan again."
        ), warnings=tuple(warnings)), rx, item, scanned_med)
    all_batches = _batches(uow, stock.id, lock=lock_stock)
    on_hand = stock.quantity_on_hand
    lines: tuple[StockLine, ...]
    if scan.lot:
        batch = next((b for b in all_batches if b.batch_number.strip().upper() == scan.lot.strip().upper()), None)
        expiry = scan.expiry or (batch.expiration_date if batch else None)
        problem = rules.lot_problem(scan.lot, expiry, batch.status if batch else "active", today=today)
        if problem is None and batch is not None and batch.expiration_date < today:
            problem = rules.lot_problem(scan.lot, batch.expiration_date, batch.status, today=today)
        if problem:
            return _Eval(replace(base, status=REFUSED, message=problem, warnings=tuple(warnings)), rx, item, scanned_med)
        if batch is None and all_batches:
            known = ", ".join(sorted({b.batch_number for b in all_batches if b.quantity_remaining > 0})) or "none"
            return _Eval(replace(base, status=REFUSED, message=(
                f"Lot {scan.lot} of {scanned.name} is not in the stock records (lots on record: {known}). "
                "Ask the pharmacist or buyer to receive the lot into inventory, or scan a bottle from a recorded lot."
            ), warnings=tuple(warnings)), rx, item, scanned_med)
        available = min(on_hand, batch.quantity_remaining) if batch is not None else on_hand
        if expiry is not None and (w := rules.expiry_warning(expiry, item.days_supply, today=today)):
            warnings.append(w)
        make_lines = lambda q: (StockLine(batch.id if batch else None, scan.lot, q, expiry),)  # noqa: E731
    elif scan.expiry is not None and scan.expiry < today:
        problem = rules.lot_problem(None, scan.expiry, "active", today=today)
        return _Eval(replace(base, status=REFUSED, message=problem or "", warnings=tuple(warnings)),
                     rx, item, scanned_med)
    elif all_batches:
        stocks = [_batch_stock(b) for b in all_batches]
        usable = sum((b.remaining for b in rules.usable_batches(stocks, today=today)), Decimal(0))
        available = min(on_hand, usable)

        def make_lines(q: Decimal) -> tuple[StockLine, ...]:
            allocation = rules.allocate_fefo(stocks, q, today=today)
            return tuple(StockLine(b.batch_id, b.lot, take, b.expiration_date) for b, take in allocation.picks)
    else:
        available = on_hand
        make_lines = lambda q: (StockLine(None, None, q, scan.expiry),)  # noqa: E731

    plan = rules.plan_quantity(
        item.quantity, available, on_hand=on_hand, unit=item.quantity_unit, drug=scanned.title,
        requested=quantity, allow_partial=partial,
    )
    base = replace(base, on_hand=on_hand, available=available, warnings=tuple(warnings),
                   partial_possible=0 < available < (quantity or item.quantity))
    if not plan.ok:
        bad_request = quantity is not None and (quantity <= 0 or quantity > item.quantity)
        status = REFUSED if bad_request else INSUFFICIENT
        return _Eval(replace(base, status=status, message=plan.problem or ""), rx, item, scanned_med, stock)
    lines = make_lines(plan.quantity)
    if not scan.lot and all_batches:
        for line in lines:
            if (w := rules.expiry_warning(line.expiration_date, item.days_supply, today=today)) and w not in warnings:
                warnings.append(w)
    partial_note = (
        f" Partial fill: {rules.format_quantity(plan.quantity)} of {rules.format_quantity(item.quantity)} "
        f"{item.quantity_unit}." if plan.is_partial else ""
    )
    check = replace(
        base, status=OK, message=result.message + partial_note, warnings=tuple(warnings), quantity=plan.quantity,
        is_partial=plan.is_partial, lines=_lot_lines(lines),
        unit=rules.dispensing_unit(plan.quantity, item.quantity_unit, scanned_med.dosage_form),
    )
    return _Eval(check, rx, item, scanned_med, stock, {b.id: b for b in all_batches}, lines, fill_number, scan,
                 refills, lock_stock)


def _schedule_ok(value: str | None) -> bool:
    try:
        from pharmacy_desktop.domain.schedules import parse_schedule

        parse_schedule(value)
        return True
    except (ValueError, TypeError):
        return False


def _batches(uow: UnitOfWork, item_id: uuid.UUID, *, lock: bool) -> list[InventoryBatch]:
    stmt = select(InventoryBatch).where(InventoryBatch.inventory_item_id == item_id).order_by(InventoryBatch.id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return list(uow.session.scalars(stmt))


def _batch_stock(b: InventoryBatch) -> BatchStock:
    return BatchStock(b.id, b.batch_number, b.expiration_date, b.quantity_remaining, b.status, b.received_date)


def check_scan(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    prescription_id: uuid.UUID,
    scan_text: str,
    *,
    item_id: uuid.UUID | None = None,
    quantity: Decimal | None = None,
    partial: bool = False,
    medication_id: uuid.UUID | None = None,
    today: dt.date | None = None,
) -> FillCheck:
    """What filling with this bottle would do; changes nothing (but a hard stop is recorded)."""
    with uow_factory(actor.user_id) as uow:
        return _evaluate_as(
            uow, actor, prescription_id, scan_text, item_id=item_id, quantity=quantity, partial=partial,
            medication_id=medication_id, today=today or dt.date.today(), lock=False,
        ).check


def _evaluate_as(uow: UnitOfWork, actor: Actor, prescription_id: uuid.UUID, scan_text: str, **how: Any) -> _Eval:
    """``_evaluate`` for a filler (``how``: its keyword arguments); a hard stop is recorded and committed."""
    auth.require(uow, actor, Permission.FILL)
    result = _evaluate(uow, prescription_id, scan_text, **how)
    if result.check.status == HARD_STOP:
        _record_hard_stop(uow, actor, result)
        uow.commit()
    return result


def _record_hard_stop(uow: UnitOfWork, actor: Actor, result: _Eval) -> None:
    check = result.check
    uow.record("FillHardStop", "prescription", result.rx.id, {
        "rx_number": result.rx.prescription_number,
        "prescribed_ndc": check.prescribed.ndc11 if check.prescribed else None,
        "scanned_ndc": check.scanned.ndc11 if check.scanned else None,
        "match": check.match,
        "message": check.message,
        "username": actor.username,
    })


# -- fill -----------------------------------------------------------------------------------------


def fill(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    prescription_id: uuid.UUID,
    scan_text: str,
    *,
    item_id: uuid.UUID | None = None,
    quantity: Decimal | None = None,
    partial: bool = False,
    medication_id: uuid.UUID | None = None,
    today: dt.date | None = None,
) -> FillResult:
    """Fill one item with the scanned bottle: deduct stock, record the fill, queue the label.

    Raises ``WrongProduct`` (hard stop), ``StockRefused``, ``InsufficientStock`` (its ``check``
    tells how much is usable; call again with ``partial=True`` to fill that), ``ScanNotUsable``.
    """
    day = today or dt.date.today()

    def attempt(number: int) -> FillResult:
        with uow_factory(actor.user_id) as uow:
            result = _evaluate_as(
                uow, actor, prescription_id, scan_text, item_id=item_id, quantity=quantity, partial=partial,
                medication_id=medication_id, today=day, lock=True, lock_stock=number >= PESSIMISTIC_FROM_ATTEMPT,
            )
            if not result.check.ok:
                raise _ERRORS.get(result.check.status, ScanNotUsable)(result.check)
            outcome = _write_fill(uow, actor, result, day)
            uow.commit()
            return replace(outcome, attempts=number)

    return with_retry(attempt)


def _write_fill(uow: UnitOfWork, actor: Actor, ev: _Eval, day: dt.date) -> FillResult:
    rx, item, med, stock, check = ev.rx, ev.item, ev.scanned_med, ev.stock, ev.check
    assert rx is not None and item is not None and med is not None and stock is not None and check.quantity
    refill_id = uuid.uuid4()
    first = ev.lines[0]
    days = item.days_supply
    if check.is_partial:
        days = max(1, int(item.days_supply * check.quantity / item.quantity))
    refill = PrescriptionRefill(
        id=refill_id,
        prescription_id=rx.id,
        prescription_item_id=item.id,
        refill_number=ev.refill_number,
        medication_id=med.id,
        ndc_code=med.ndc_code,
        quantity_dispensed=check.quantity,
        days_supply=days,
        filled_date=day,
        filled_by=actor.user_id,
        status="filled",
        inventory_item_id=stock.id,
        batch_id=first.batch_id,
        lot_number=check.lot or first.lot,
        expiration_date=check.expiry or min((x.expiration_date for x in ev.lines if x.expiration_date), default=None),
        serial_number=check.serial,
        is_partial=check.is_partial,
    )
    uow.session.add(refill)
    item.dispensed_medication_id = med.id
    item.dispensed_ndc = med.ndc_code
    item.dispensed_quantity = check.quantity
    if ev.refill_number > 0:
        item.refills_remaining = item.refills_remaining - 1
    filled_items = {r.prescription_item_id for r in ev.refills if r.status == "filled"} | {item.id}
    if all(i.id in filled_items for i in rx.items):
        rx.status = transition(rx.status, RxStatus.IN_PROGRESS).value
        rx.filled_at = _now()
        rx.filled_by = actor.user_id
        rx.returned_note = None
    uow.flush()

    label_job_id = _queue_label(uow, actor, refill_id)
    uow.record("PrescriptionFilled", "prescription", rx.id, {
        "rx_number": rx.prescription_number,
        "refill_id": refill_id,
        "refill_number": ev.refill_number,
        "ndc": med.ndc_code,
        "quantity": check.quantity,
        "partial": check.is_partial,
        "lots": [{"lot": x.lot, "batch_id": x.batch_id, "quantity": x.quantity} for x in ev.lines],
        "match": check.match,
        "warnings_acknowledged": list(check.warnings),
        "label_job_id": label_job_id,
        "status": rx.status,
    })
    uow.notify("prescriptions", rx.id, status=rx.status)
    uow.notify("inventory", stock.id)
    _deduct(uow, actor, ev, refill_id, day)
    return FillResult(
        prescription_id=rx.id,
        rx_number=rx.prescription_number,
        refill_id=refill_id,
        refill_number=ev.refill_number,
        quantity=check.quantity,
        is_partial=check.is_partial,
        lines=check.lines,
        label_job_id=label_job_id,
        status=rx.status,
        warnings=check.warnings,
        unit=check.unit,
    )


def _deduct(uow: UnitOfWork, actor: Actor, ev: _Eval, refill_id: uuid.UUID, day: dt.date) -> None:
    """Take the planned lots off the shelf: lock (item, then lots by id), re-check, deduct, ledger."""
    rx, stock, check = ev.rx, ev.stock, ev.check
    assert rx is not None and stock is not None and check.quantity is not None
    batch_ids = sorted({line.batch_id for line in ev.lines if line.batch_id is not None})
    if not ev.stock_locked:
        stock = uow.inventory.item_by_ndc(stock.ndc_code, for_update=True)
        if stock is None or stock.id != ev.stock.id:
            raise _StockMoved("the stock item changed")
        if batch_ids:
            locked = uow.session.scalars(
                select(InventoryBatch).where(InventoryBatch.id.in_(batch_ids)).order_by(InventoryBatch.id)
                .with_for_update().execution_options(populate_existing=True)
            )
            ev.batches.update({b.id: b for b in locked})
        total = sum((line.quantity for line in ev.lines), Decimal(0))
        if stock.quantity_on_hand < total:
            raise _StockMoved("on hand dropped")
        for line in ev.lines:
            if line.batch_id is None:
                continue
            batch = ev.batches[line.batch_id]
            if batch.quantity_remaining < line.quantity or rules.lot_problem(
                batch.batch_number, batch.expiration_date, batch.status, today=day
            ):
                raise _StockMoved(f"lot {batch.batch_number} changed")
    level = stock.quantity_on_hand
    for line in ev.lines:
        if line.batch_id is not None:
            batch = ev.batches[line.batch_id]
            batch.quantity_remaining = batch.quantity_remaining - line.quantity
        uow.inventory.add_transaction(
            stock.id, DISPENSE, -line.quantity, level, batch_id=line.batch_id,
            reference_type=REFILL_REFERENCE, reference_id=refill_id,
            reason=f"Rx {rx.prescription_number} fill {ev.refill_number}" + (" (partial)" if check.is_partial else ""),
            performed_by=actor.user_id,
        )
        level -= line.quantity
    stock.quantity_on_hand = level
    uow.flush()


def _queue_label(uow: UnitOfWork, actor: Actor, refill_id: uuid.UUID) -> uuid.UUID | None:
    from pharmacy_desktop.services.print_queue import queue_vial_label

    return queue_vial_label(uow, actor, refill_id=refill_id)

