"""What a bottle scan means for the prescription being filled: a chain of small guard steps.

Each step either lets the scan through or stops it with the check the screen shows: the
prescription is waiting to be filled, an item is left, the prescribed drug is in the catalog,
a refill is left and legal, the barcode names one product, it is the right product (a wrong one
is a hard stop), there is stock, the lot is usable, the quantity is there. The rules themselves
are in ``domain.dispensing``; this module only reads through the unit of work's repositories,
so a fake unit of work can drive it (tests/fakes/fill_uow.py).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from pharmacy_desktop.domain import dispensing as rules
from pharmacy_desktop.domain import stock as stock_rules
from pharmacy_desktop.domain.clock import utcnow
from pharmacy_desktop.domain.drug_names import drug_display_name
from pharmacy_desktop.domain.outcomes import FillOutcome
from pharmacy_desktop.domain.schedules import parse_schedule, refill_problem
from pharmacy_desktop.domain.stock import StockLine
from pharmacy_desktop.domain.workflow import RxStatus
from pharmacy_desktop.services.prescription_views import DrugView, drug_view, load_prescription, product_of
from pharmacy_desktop.services.scan_resolution import AMBIGUOUS, FOUND, ScanResult
from pharmacy_desktop.services.stock_allocation import LotChoice, StockSource, stock_source

# the outcome codes (domain/outcomes.py), under the names this module has always used
OK = FillOutcome.OK
HARD_STOP = FillOutcome.HARD_STOP  # wrong product: the bottle cannot get a label
REFUSED = FillOutcome.REFUSED  # expired, recalled, unknown lot, no stock record, no refills left
INSUFFICIENT = FillOutcome.INSUFFICIENT
AMBIGUOUS_SCAN = FillOutcome.AMBIGUOUS
INVALID = FillOutcome.INVALID  # unreadable or unknown barcode

Resolver = Callable[[str, dt.date], ScanResult]


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
    lot_choices: tuple[LotChoice, ...] = ()  # the scan had no lot: which of these is in the hand?
    item_id: uuid.UUID | None = None
    scan_text: str = ""

    @property
    def ok(self) -> bool:
        return self.status == OK


@dataclass
class Evaluation:
    """The check, and (when it got that far) the rows a fill writes against."""

    check: FillCheck
    rx: Any = None
    item: Any = None
    scanned_med: Any = None
    stock: Any = None
    batches: dict[uuid.UUID, Any] = field(default_factory=dict)
    lines: tuple[StockLine, ...] = ()
    refill_number: int = 0
    scan: ScanResult | None = None
    refills: list[Any] = field(default_factory=list)
    stock_locked: bool = False


# -- small helpers over refills -------------------------------------------------------------------


def next_fill_number(refills: list[Any], item_id: uuid.UUID) -> int:
    numbers = [r.refill_number for r in refills if r.prescription_item_id == item_id]
    return max(numbers) + 1 if numbers else 0


def pending_fill(refills: list[Any], item_id: uuid.UUID) -> Any | None:
    return next((r for r in refills if r.prescription_item_id == item_id and r.status == "filled"), None)


def items_in_order(rx: Any) -> list[Any]:
    return sorted(rx.items, key=lambda i: (i.created_at or utcnow(), i.id))


# -- the guard steps (each returns None to let the scan through, else why not) --------------------


def not_waiting_for_fill(rx: Any) -> str | None:
    if rx.status == RxStatus.VALIDATED.value:
        return None
    who = ""
    if rx.status == RxStatus.IN_PROGRESS.value and rx.filled_at:
        who = f" at {rx.filled_at.astimezone().strftime('%H:%M')}"
    return (
        f"Rx {rx.prescription_number} is '{rx.status.replace('_', ' ')}'{who}, not waiting to be filled. "
        "Pick another prescription from the queue."
    )


def pick_item(rx: Any, refills: list[Any], item_id: uuid.UUID | None) -> Any | None:
    items = items_in_order(rx)
    if item_id is not None:
        return next((i for i in items if i.id == item_id), None)
    return next((i for i in items if pending_fill(refills, i.id) is None), None)


def not_in_catalog(item: Any) -> str | None:
    if item.medication is not None:
        return None
    return (
        f"The prescribed drug '{item.written_medication_name}' is not linked to a catalog product, so the "
        "bottle cannot be checked. Send it back to data entry."
    )


def no_refill_left(rx: Any, item: Any, fill_number: int, today: dt.date) -> str | None:
    if fill_number > 0 and item.refills_remaining < 1:
        return (
            f"No refills left on Rx {rx.prescription_number} ({item.refills_authorized} authorized, all used). "
            "Contact the prescriber for a new prescription."
        )
    schedule = item.medication.dea_schedule
    legal = (
        refill_problem(schedule, rx.written_date, today, fill_number, expiration_date=rx.expiration_date)
        if _schedule_ok(schedule)
        else None
    )
    return f"{legal} Do not fill; tell the pharmacist." if legal else None


def _schedule_ok(value: str | None) -> bool:
    try:
        parse_schedule(value)
        return True
    except (ValueError, TypeError):
        return False


def scanned_product(
    uow: Any, scan: ScanResult, medication_id: uuid.UUID | None, base: FillCheck
) -> tuple[Any, FillCheck | None]:
    """The catalog product the barcode names (the user's pick when it is ambiguous), or the check
    that stops here."""
    if scan.status == AMBIGUOUS:
        chosen = next((c for c in scan.choices if c.medication_id == medication_id), None)
        if chosen is None:
            choices = tuple(
                Choice(c.medication_id, f"{c.package_ndc or c.ndc11} {drug_display_name(c.drug_name, c.strength)}")
                for c in scan.choices
            )
            return None, replace(base, status=AMBIGUOUS_SCAN, message=scan.message, choices=choices)
        return uow.prescriptions.medication(chosen.medication_id), None
    if scan.status != FOUND:
        return None, replace(base, status=INVALID, message=scan.message)
    return uow.prescriptions.medication(scan.medication_id), None


def no_stock_record(stock: Any, scanned: DrugView) -> str | None:
    if stock is not None and stock.is_active is not False:
        return None
    return (
        f"No stock record for {scanned.title} (NDC {scanned.ndc}). Ask the pharmacist or buyer to receive it "
        "into inventory first, then scan again."
    )


# -- the chain ------------------------------------------------------------------------------------


def evaluate(
    uow: Any,
    prescription_id: uuid.UUID,
    scan_text: str,
    *,
    resolve: Resolver,
    item_id: uuid.UUID | None,
    quantity: Decimal | None,
    partial: bool,
    medication_id: uuid.UUID | None,
    today: dt.date,
    lock: bool,
    lock_stock: bool | None = None,
    lot: str | None = None,
) -> Evaluation:
    """``lock`` locks the prescription; ``lock_stock`` (default: same) the item and its lots too."""
    lock_stock = lock if lock_stock is None else lock_stock
    base = FillCheck(status=INVALID, message="", scan_text=scan_text)
    rx = load_prescription(uow, prescription_id, lock=lock)
    if problem := not_waiting_for_fill(rx):
        return Evaluation(replace(base, status=REFUSED, message=problem), rx)
    refills = uow.prescriptions.live_refills([i.id for i in rx.items])
    item = pick_item(rx, refills, item_id)
    if item is None:
        return Evaluation(
            replace(base, status=REFUSED, message="Every item of this prescription is already filled."), rx
        )
    prescribed_med = item.medication
    base = replace(
        base,
        prescribed=drug_view(prescribed_med, item.written_medication_name),
        prescribed_quantity=item.quantity,
        unit=rules.dispensing_unit(
            item.quantity, item.quantity_unit, prescribed_med.dosage_form if prescribed_med else None
        ),
        item_id=item.id,
    )
    fill_number = next_fill_number(refills, item.id)
    if problem := not_in_catalog(item) or no_refill_left(rx, item, fill_number, today):
        return Evaluation(replace(base, status=REFUSED, message=problem), rx, item)

    scan = resolve(scan_text, today)
    base = replace(base, lot=scan.lot, expiry=scan.expiry, serial=scan.serial)
    scanned_med, stop = scanned_product(uow, scan, medication_id, base)
    if stop is not None:
        return Evaluation(stop, rx, item)
    assert scanned_med is not None
    scanned = drug_view(scanned_med)
    base = replace(base, scanned=scanned)

    patient = uow.prescriptions.patient(rx.patient_id)
    result = rules.match_product(
        product_of(prescribed_med),
        product_of(scanned_med),
        substitution_allowed=item.substitution_allowed,
        daw_code=item.daw_code,
        patient_allows_generic=patient.allow_generic_substitution if patient else True,
    )
    base = replace(base, match=result.match.value)
    if result.hard_stop:
        return Evaluation(replace(base, status=HARD_STOP, message=result.message), rx, item, scanned_med)
    warnings = list(result.warnings)
    if scanned_med.is_active is False:
        warnings.append("Discontinued product: check with the pharmacist before dispensing.")

    stock = uow.inventory.item_by_ndc(scanned_med.ndc_code, for_update=lock_stock)
    if problem := no_stock_record(stock, scanned):
        return Evaluation(
            replace(base, status=REFUSED, message=problem, warnings=tuple(warnings)), rx, item, scanned_med
        )
    batches = uow.inventory.batches_of(stock.id, for_update=lock_stock)
    source = stock_source(
        stock,
        batches,
        lot=scan.lot,
        expiry=scan.expiry,
        days_supply=item.days_supply,
        drug_name=scanned.name,
        today=today,
        chosen_lot=lot,
    )
    if source.problem is not None:
        refused = replace(
            base, status=REFUSED, message=source.problem, warnings=tuple(warnings), lot_choices=source.lot_choices
        )
        return Evaluation(refused, rx, item, scanned_med)
    warnings += source.warnings
    ev = Evaluation(
        base, rx, item, scanned_med, stock, {b.id: b for b in batches}, (), fill_number, scan, refills, lock_stock
    )
    return _planned(base, source, ev, warnings, result.message, quantity=quantity, partial=partial, today=today)


def _planned(
    base: FillCheck,
    source: StockSource,
    ev: Evaluation,
    warnings: list[str],
    match_message: str,
    *,
    quantity: Decimal | None,
    partial: bool,
    today: dt.date,
) -> Evaluation:
    """The last step: is the quantity there (or a partial fill asked for), and from which lots."""
    item, stock, scanned = ev.item, ev.stock, base.scanned
    assert scanned is not None
    on_hand, available = stock.quantity_on_hand, source.available
    plan = stock_rules.plan_quantity(
        item.quantity,
        available,
        on_hand=on_hand,
        unit=rules.dispensing_unit(2, item.quantity_unit, ev.scanned_med.dosage_form),  # "20 tablets"
        drug=scanned.title,
        requested=quantity,
        allow_partial=partial,
    )
    base = replace(
        base,
        on_hand=on_hand,
        available=available,
        warnings=tuple(warnings),
        partial_possible=0 < available < (quantity or item.quantity),
    )
    if not plan.ok:
        bad_request = quantity is not None and (quantity <= 0 or quantity > item.quantity)
        status = REFUSED if bad_request else INSUFFICIENT
        return Evaluation(replace(base, status=status, message=plan.problem or ""), ev.rx, item, ev.scanned_med, stock)
    lines = source.lines_for(plan.quantity)
    if source.stocks:
        for line in lines:
            if (
                w := stock_rules.expiry_warning(line.expiration_date, item.days_supply, today=today)
            ) and w not in warnings:
                warnings.append(w)
    partial_note = (
        f" Partial fill: {stock_rules.format_quantity(plan.quantity)} of "
        f"{rules.quantity_text(item.quantity, item.quantity_unit, ev.scanned_med.dosage_form)}."
        if plan.is_partial
        else ""
    )
    ev.check = replace(
        base,
        status=OK,
        message=match_message + partial_note,
        warnings=tuple(warnings),
        quantity=plan.quantity,
        is_partial=plan.is_partial,
        lines=tuple(LotLine(x.lot, x.expiration_date, x.quantity) for x in lines),
        unit=rules.dispensing_unit(plan.quantity, item.quantity_unit, ev.scanned_med.dosage_form),
    )
    ev.lines = lines
    return ev
