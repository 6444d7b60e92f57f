"""Fill (technician): the queue, one prescription open, scan-to-fill with stock deduction.

``check_scan`` says what a scan would do (read only); ``fill`` does it, checking everything again
in its own transaction, so nothing the screen showed earlier is trusted. The decision is
``fill_decision`` (small guard steps); the stock, its lock order and its retry are
``stock_allocation`` and ``db.retry``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from pharmacy_desktop.db.retry import with_retry
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain.clock import utcnow
from pharmacy_desktop.domain.workflow import Permission, RxStatus, transition
from pharmacy_desktop.errors import PharmacyError
from pharmacy_desktop.services import auth, stock_allocation
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.fill_decision import (
    AMBIGUOUS_SCAN,
    HARD_STOP,
    INSUFFICIENT,
    INVALID,
    OK,
    REFUSED,
    Choice,
    Evaluation,
    FillCheck,
    LotLine,
    evaluate,
    items_in_order,
    next_fill_number,
    pending_fill,
)
from pharmacy_desktop.services.prescription_views import (
    DrugView,
    RxHeader,
    drug_view,
    header_fields,
    load_prescription,
    rx_number_from_scan,
)
from pharmacy_desktop.services.printer_settings import PrinterSettings
from pharmacy_desktop.services.scan_resolution import resolve_scan
from pharmacy_desktop.services.stock_allocation import ANY_LOT, LotChoice
from pharmacy_desktop.services.work_queues import QueueRow, fill_queue

__all__ = [
    "ANY_LOT",
    "LotChoice",
    "AMBIGUOUS_SCAN",
    "HARD_STOP",
    "INSUFFICIENT",
    "INVALID",
    "OK",
    "REFUSED",
    "Choice",
    "DrugView",
    "FillCheck",
    "FillRefused",
    "FillResult",
    "FillView",
    "InsufficientStock",
    "ItemView",
    "LotLine",
    "QueueRow",
    "ScanNotUsable",
    "StockRefused",
    "WrongProduct",
    "check_scan",
    "fill",
    "fill_queue",
    "find_by_rx_number",
    "open_for_fill",
]

PESSIMISTIC_FROM_ATTEMPT = 3


# -- DTOs -----------------------------------------------------------------------------------------


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
class FillView(RxHeader):
    written_date: dt.date
    promised_at: dt.datetime | None
    returned_note: str | None
    items: tuple[ItemView, ...]

    @property
    def current_item(self) -> ItemView | None:
        return next((i for i in self.items if not i.filled), None)


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


_ERRORS: dict[str, type[FillRefused]] = {
    HARD_STOP: WrongProduct,
    INSUFFICIENT: InsufficientStock,
    REFUSED: StockRefused,
}


# -- open -----------------------------------------------------------------------------------------


def _view(uow: UnitOfWork, rx: Any) -> FillView:
    patient = uow.prescriptions.patient(rx.patient_id)
    items = items_in_order(rx)
    refills = uow.prescriptions.live_refills([i.id for i in items])
    views = tuple(
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
            next_fill_number=next_fill_number(refills, item.id),
            daw_code=item.daw_code,
            substitution_allowed=item.substitution_allowed is not False,
            filled=pending_fill(refills, item.id) is not None,
            on_hand=uow.inventory.on_hand_for_medication(item.medication_id),
        )
        for item in items
    )
    return FillView(
        **header_fields(rx, patient),
        written_date=rx.written_date,
        promised_at=rx.promised_at,
        returned_note=rx.returned_note,
        items=views,
    )


def open_for_fill(uow_factory: UnitOfWorkFactory, actor: Actor, prescription_id: uuid.UUID) -> FillView:
    """The prescription as the fill screen shows it (patient access is logged)."""
    with uow_factory(actor.user_id) as uow:
        auth.require(uow, actor, Permission.FILL)
        rx = load_prescription(uow, prescription_id)
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


# -- check ----------------------------------------------------------------------------------------


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
    lot: str | None = None,
) -> FillCheck:
    """What filling with this bottle would do; changes nothing (but a hard stop is recorded)."""
    with uow_factory(actor.user_id) as uow:
        return _evaluate_as(
            uow,
            actor,
            prescription_id,
            scan_text,
            item_id=item_id,
            quantity=quantity,
            partial=partial,
            medication_id=medication_id,
            today=today or dt.date.today(),
            lock=False,
            lot=lot,
        ).check


def _evaluate_as(uow: UnitOfWork, actor: Actor, prescription_id: uuid.UUID, scan_text: str, **how: Any) -> Evaluation:
    """The decision for a filler (``how``: its keyword arguments); a hard stop is recorded and committed."""
    auth.require(uow, actor, Permission.FILL)
    result = evaluate(
        uow, prescription_id, scan_text, resolve=lambda text, day: resolve_scan(uow, text, today=day), **how
    )
    if result.check.status == HARD_STOP:
        _record_hard_stop(uow, actor, result)
        uow.commit()
    return result


def _record_hard_stop(uow: UnitOfWork, actor: Actor, result: Evaluation) -> None:
    check = result.check
    uow.record(
        "FillHardStop",
        "prescription",
        result.rx.id,
        {
            "rx_number": result.rx.prescription_number,
            "prescribed_ndc": check.prescribed.ndc11 if check.prescribed else None,
            "scanned_ndc": check.scanned.ndc11 if check.scanned else None,
            "match": check.match,
            "message": check.message,
            "username": actor.username,
        },
    )


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
    printers: PrinterSettings | None = None,
    lot: str | None = None,
) -> FillResult:
    """Fill one item with the scanned bottle: deduct stock, record the fill, queue the label.

    ``printers`` (this workstation's, from the composition root) picks the label's printer model.
    ``lot``: the lot in the hand when the scan carried none and the check asked (``lot_choices``);
    ``ANY_LOT`` for several bottles first expiry first (refused while a held lot is on hand).

    Raises ``WrongProduct`` (hard stop), ``StockRefused``, ``InsufficientStock`` (its ``check``
    tells how much is usable; call again with ``partial=True`` to fill that), ``ScanNotUsable``.
    """
    day = today or dt.date.today()

    def attempt(number: int) -> FillResult:
        with uow_factory(actor.user_id) as uow:
            result = _evaluate_as(
                uow,
                actor,
                prescription_id,
                scan_text,
                item_id=item_id,
                quantity=quantity,
                partial=partial,
                medication_id=medication_id,
                today=day,
                lock=True,
                lot=lot,
                lock_stock=number >= PESSIMISTIC_FROM_ATTEMPT,
            )
            if not result.check.ok:
                raise _ERRORS.get(result.check.status, ScanNotUsable)(result.check)
            outcome = _write_fill(uow, actor, result, day, printers)
            uow.commit()
            return replace(outcome, attempts=number)

    return with_retry(attempt)


def _write_fill(
    uow: UnitOfWork, actor: Actor, ev: Evaluation, day: dt.date, printers: PrinterSettings | None = None
) -> FillResult:
    rx, item, med, stock, check = ev.rx, ev.item, ev.scanned_med, ev.stock, ev.check
    assert rx is not None and item is not None and med is not None and stock is not None and check.quantity
    refill_id = uuid.uuid4()
    first = ev.lines[0]
    days = item.days_supply
    if check.is_partial:
        days = max(1, int(item.days_supply * check.quantity / item.quantity))
    uow.prescriptions.add_refill(
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
    item.dispensed_medication_id = med.id
    item.dispensed_ndc = med.ndc_code
    item.dispensed_quantity = check.quantity
    if ev.refill_number > 0:
        item.refills_remaining = item.refills_remaining - 1
    filled_items = {r.prescription_item_id for r in ev.refills if r.status == "filled"} | {item.id}
    if all(i.id in filled_items for i in rx.items):
        rx.status = transition(rx.status, RxStatus.IN_PROGRESS).value
        rx.filled_at = utcnow()
        rx.filled_by = actor.user_id
        rx.returned_note = None
    uow.flush()

    label_job_id = _queue_label(uow, actor, refill_id, printers)
    uow.record(
        "PrescriptionFilled",
        "prescription",
        rx.id,
        {
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
        },
    )
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


# The two steps below are module functions on purpose: the fault and race tests step in after them
# (tests/faults/test_killed_mid_fill.py, tests/fill/test_concurrency.py).


def _deduct(uow: UnitOfWork, actor: Actor, ev: Evaluation, refill_id: uuid.UUID, day: dt.date) -> None:
    """Take the planned lots off the shelf (``stock_allocation.deduct``: lock, re-check, deduct, ledger)."""
    rx, check = ev.rx, ev.check
    stock_allocation.deduct(
        uow,
        stock=ev.stock,
        batches=ev.batches,
        lines=ev.lines,
        stock_locked=ev.stock_locked,
        day=day,
        refill_id=refill_id,
        performed_by=actor.user_id,
        reason=f"Rx {rx.prescription_number} fill {ev.refill_number}" + (" (partial)" if check.is_partial else ""),
    )


def _queue_label(
    uow: UnitOfWork, actor: Actor, refill_id: uuid.UUID, printers: PrinterSettings | None
) -> uuid.UUID | None:
    from pharmacy_desktop.services.print_enqueue import queue_vial_label

    return queue_vial_label(uow, actor, refill_id=refill_id, printers=printers)
