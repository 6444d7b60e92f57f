"""Final verification (pharmacist): label scan, bottle scan, prescribed vs filled, approve or return.

Approval is only possible with the stock bottle scanned again for every filled item, and the
verifying pharmacist is taken from the database (the signed-in user's account and role as they
are now), never from a parameter: neither the screen nor a caller of this module can approve on
someone else's behalf or without the second scan.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pharmacy_desktop.db.models.prescriptions import PrescriptionRefill
from pharmacy_desktop.db.models.users import User
from pharmacy_desktop.db.retry import with_retry
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain import stock
from pharmacy_desktop.domain.clock import utcnow
from pharmacy_desktop.domain.workflow import Permission, RxStatus, transition
from pharmacy_desktop.errors import ConcurrentUpdate, PharmacyError, ValidationFailed
from pharmacy_desktop.services import auth, notification_outbox, print_queue, stock_allocation, will_call
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.prescription_views import (
    DrugView,
    drug_view,
    patient_name,
    rx_number_from_scan,
    rx_numbered,
)
from pharmacy_desktop.services.prescription_views import (
    load_prescription as _rx,
)
from pharmacy_desktop.services.scan_resolution import AMBIGUOUS, FOUND, resolve_scan
from pharmacy_desktop.services.text_checks import require_clean_text
from pharmacy_desktop.services.verify_checks import (
    independent_verification,
    require_independent,
    require_label,
    set_independent_verification,
)
from pharmacy_desktop.services.verify_view import FilledLine, VerifyView, build_view, pending_refills
from pharmacy_desktop.services.work_queues import QueueRow, verify_queue

__all__ = [
    "independent_verification",
    "set_independent_verification",
    "ApproveResult",
    "BottleCheck",
    "BottleMismatch",
    "FilledLine",
    "QueueRow",
    "ReturnResult",
    "VerifyView",
    "approve",
    "check_bottle",
    "open_by_label_scan",
    "open_for_verify",
    "return_to_fill",
    "verify_queue",
]

RETURN = stock_allocation.RETURN


@dataclass(frozen=True)
class BottleCheck:
    ok: bool
    message: str
    item_id: uuid.UUID | None = None
    scanned: DrugView | None = None
    lot: str | None = None
    expiry: dt.date | None = None


@dataclass(frozen=True)
class ApproveResult:
    prescription_id: uuid.UUID
    rx_number: str
    bin_code: str
    patient_name: str
    verified_by: str


@dataclass(frozen=True)
class ReturnResult:
    prescription_id: uuid.UUID
    rx_number: str
    returned: tuple[tuple[str | None, Decimal], ...]  # (lot, quantity) back on the shelf
    label_job_ids: tuple[uuid.UUID, ...]


class BottleMismatch(PharmacyError):
    """A verification bottle scan that does not match what was filled (a hard stop)."""

    def __init__(self, check: BottleCheck):
        super().__init__(check.message)
        self.check = check


# -- queue and open -------------------------------------------------------------------------------


def open_for_verify(uow_factory: UnitOfWorkFactory, actor: Actor, prescription_id: uuid.UUID) -> VerifyView:
    with uow_factory(actor.user_id) as uow:
        auth.require(uow, actor, Permission.FINAL_VERIFY)
        rx = _rx(uow, prescription_id)
        view = build_view(uow, rx)
        uow.log_access("open_for_verify", "patient", rx.patient_id)
        uow.commit()
        return view


def open_by_label_scan(uow_factory: UnitOfWorkFactory, actor: Actor, scan_text: str) -> VerifyView:
    """Step 1: the vial label's Rx barcode opens the prescription it belongs to."""
    number = rx_number_from_scan(scan_text)
    if number is None:
        raise ValidationFailed(
            "That is not a vial label barcode. Scan the Rx barcode on the printed label first, then the stock bottle."
        )
    with uow_factory(actor.user_id) as uow:
        auth.require(uow, actor, Permission.FINAL_VERIFY)
        rx = rx_numbered(uow, number)
        if rx.status != RxStatus.IN_PROGRESS.value:
            raise ValidationFailed(
                f"Rx {number} is '{rx.status.replace('_', ' ')}', not waiting for final verification."
            )
        rx = _rx(uow, rx.id)
        view = build_view(uow, rx)
        uow.log_access("open_for_verify", "patient", rx.patient_id)
        uow.commit()
        return view


# -- bottle check ---------------------------------------------------------------------------------


def _check_bottle(
    uow: UnitOfWork,
    rx: Any,
    scan_text: str,
    today: dt.date,
    done: set[uuid.UUID] = frozenset(),  # type: ignore[assignment]
    pending: list[PrescriptionRefill] | None = None,
) -> BottleCheck:
    scan = resolve_scan(uow, scan_text, today=today)
    pending = [
        r
        for r in (pending if pending is not None else pending_refills(uow, rx.id))
        if r.prescription_item_id not in done
    ]
    if scan.status == AMBIGUOUS:
        keys = set(scan.candidates)
        match = [r for r in pending if r.ndc_code in keys]
        if len(match) != 1:
            return BottleCheck(False, scan.message)
        med = uow.prescriptions.medication(match[0].medication_id)
    elif scan.status != FOUND:
        return BottleCheck(False, scan.message)
    else:
        med = uow.prescriptions.medication(scan.medication_id)
    scanned = drug_view(med)
    if med is None:  # a filled line whose product left the catalog
        return BottleCheck(False, "The scanned product is not in the catalog. Scan the bottle it was filled from.")
    for refill in pending:
        if refill.ndc_code != med.ndc_code:
            continue
        if scan.lot and refill.lot_number and scan.lot.strip().upper() != refill.lot_number.strip().upper():
            return BottleCheck(
                False,
                (
                    f"Different lot: filled from lot {refill.lot_number}, this bottle is lot {scan.lot}. "
                    f"Scan the bottle the prescription was filled from, or return it to fill."
                ),
                refill.prescription_item_id,
                scanned,
                scan.lot,
                scan.expiry,
            )
        problem = stock.lot_problem(scan.lot, scan.expiry, "active", today=today)
        if problem:
            return BottleCheck(False, problem, refill.prescription_item_id, scanned, scan.lot, scan.expiry)
        return BottleCheck(
            True,
            f"Bottle matches the fill: {scanned.title} (NDC {scanned.ndc}).",
            refill.prescription_item_id,
            scanned,
            scan.lot,
            scan.expiry,
        )
    filled = (
        ", ".join(
            f"{drug_view(uow.prescriptions.medication(r.medication_id)).title} (NDC {r.ndc_code})" for r in pending
        )
        or "nothing"
    )
    return BottleCheck(
        False,
        (
            f"Wrong bottle: scanned {scanned.title} (NDC {scanned.ndc}), filled {filled}. "
            "Scan the stock bottle this prescription was filled from, or return it to fill."
        ),
        None,
        scanned,
        scan.lot,
        scan.expiry,
    )


def check_bottle(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    prescription_id: uuid.UUID,
    scan_text: str,
    *,
    today: dt.date | None = None,
) -> BottleCheck:
    """Step 2: does this stock bottle match what was filled (NDC, and lot when both are known)."""
    with uow_factory(actor.user_id) as uow:
        auth.require(uow, actor, Permission.FINAL_VERIFY)
        rx = _rx(uow, prescription_id)
        check = _check_bottle(uow, rx, scan_text, today or dt.date.today())
        if not check.ok:
            uow.record(
                "VerifyHardStop", "prescription", rx.id, {"rx_number": rx.prescription_number, "message": check.message}
            )
            uow.commit()
        return check


# -- the verifying pharmacist ---------------------------------------------------------------------


def _verifying_pharmacist(uow: UnitOfWork, actor: Actor) -> User:
    """The acting user as the database knows them now: active, and their role may verify."""
    auth.require(uow, actor, Permission.FINAL_VERIFY)  # checks the account and its role in the database
    return uow.users.require(actor.user_id)


def _expect_version(rx: Any, expected_version: int | None) -> None:
    if expected_version is not None and rx.version != expected_version:
        raise ConcurrentUpdate(
            f"Rx {rx.prescription_number} was changed on another workstation while you were verifying. "
            "It was reloaded: check it and scan again."
        )


# -- approve --------------------------------------------------------------------------------------


def approve(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    prescription_id: uuid.UUID,
    *,
    bottle_scans: Sequence[str],
    label_scan: str | None = None,
    bin_code: str | None = None,
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> ApproveResult:
    """Approve after the vial label (``label_scan``, the Rx barcode) and the stock bottle of every
    filled item were scanned: ``ready`` in a bin. Refused for the pharmacist who filled it while the
    pharmacy's independent-verification setting is on (the default)."""
    day = today or dt.date.today()
    if isinstance(bottle_scans, str):
        bottle_scans = [bottle_scans]

    def attempt(_: int) -> ApproveResult:
        with uow_factory(actor.user_id) as uow:
            pharmacist = _verifying_pharmacist(uow, actor)
            rx = _rx(uow, prescription_id, lock=True)
            _expect_version(rx, expected_version)
            if rx.status != RxStatus.IN_PROGRESS.value:
                raise ValidationFailed(
                    f"Rx {rx.prescription_number} is '{rx.status.replace('_', ' ')}', not waiting for final verification."
                )
            pending = pending_refills(uow, rx.id)
            if not pending:
                raise ValidationFailed(f"Rx {rx.prescription_number} has no fill to verify. Send it back to fill.")
            require_independent(uow, rx, pending, pharmacist)
            require_label(rx, label_scan)
            done: set[uuid.UUID] = set()
            for text in bottle_scans:
                check = _check_bottle(uow, rx, text, day, done, pending)
                if not check.ok:
                    raise BottleMismatch(check)
                assert check.item_id is not None  # a matching bottle names the item it matched
                done.add(check.item_id)
            missing = [r for r in pending if r.prescription_item_id not in done]
            if missing:
                raise ValidationFailed(
                    f"Scan the stock bottle of every filled item before approving ({len(missing)} not scanned yet)."
                )
            now = utcnow()
            for refill in pending:
                refill.status = "verified"
                refill.verified_by = pharmacist.id
                refill.verified_at = now
            bin_ = will_call.assign_bin(uow, rx.patient_id, bin_code)
            rx.status = transition(rx.status, RxStatus.READY).value
            rx.verified_by = pharmacist.id
            rx.verified_at = now
            rx.ready_at = now
            rx.will_call_bin_id = bin_.id
            uow.flush()
            name = f"{pharmacist.first_name} {pharmacist.last_name}"
            uow.record(
                "PrescriptionVerified",
                "prescription",
                rx.id,
                {
                    "rx_number": rx.prescription_number,
                    "pharmacist": name,
                    "license_number": pharmacist.license_number,
                    "refill_ids": [r.id for r in pending],
                    "bin": bin_.code,
                    # one pharmacist may approve (clinical review) and verify; it is recorded
                    "verifier_also_approved": rx.validated_by == pharmacist.id,
                },
            )
            uow.notify("prescriptions", rx.id, status=rx.status)
            uow.notify("will_call", bin_.id)
            patient = uow.prescriptions.patient(rx.patient_id)
            if patient is not None:  # "ready" in the same transaction: one message for the day's prescriptions
                notification_outbox.enqueue(
                    uow,
                    patient,
                    "prescription_ready",
                    reference_type="prescription",
                    reference_id=rx.id,
                    event_key=notification_outbox.ready_event_key(patient.id, now.astimezone().date()),
                    now=now,
                    details=notification_outbox.ready_details(uow, patient.id, now),
                )
            uow.commit()
            return ApproveResult(rx.id, rx.prescription_number, bin_.code, patient_name(patient), name)

    return with_retry(attempt)


# -- return to fill -------------------------------------------------------------------------------


def return_to_fill(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    prescription_id: uuid.UUID,
    reason: str,
    *,
    expected_version: int | None = None,
) -> ReturnResult:
    """Send the fill back: every stock movement reversed with its own transaction, Rx ``validated``."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            'Say why the prescription goes back to fill (e.g. "wrong count").', {"reason": "required"}
        )
    require_clean_text("reason", PrescriptionRefill.returned_reason, reason, "The reason")

    def attempt(_: int) -> ReturnResult:
        with uow_factory(actor.user_id) as uow:
            auth.require(uow, actor, Permission.FINAL_VERIFY)
            rx = _rx(uow, prescription_id, lock=True)
            _expect_version(rx, expected_version)
            if rx.status != RxStatus.IN_PROGRESS.value:
                raise ValidationFailed(
                    f"Rx {rx.prescription_number} is '{rx.status.replace('_', ' ')}': only a filled prescription "
                    "awaiting final verification can go back to fill."
                )
            pending = pending_refills(uow, rx.id)
            refill_ids = [r.id for r in pending]
            returned, item_ids = stock_allocation.put_back(
                uow,
                refill_ids,
                reason=f"Rx {rx.prescription_number} returned to fill: {reason}",
                performed_by=actor.user_id,
            )
            rx_items = {i.id: i for i in rx.items}
            for refill in pending:
                # a label still waiting for its printer must not come out for a fill that is gone
                print_queue.cancel_waiting_jobs(
                    uow,
                    actor,
                    reference_type="prescription_refill",
                    reference_id=refill.id,
                    reason=f"returned to fill: {reason}",
                )
                refill.status = "returned"
                refill.returned_reason = reason
                item = rx_items.get(refill.prescription_item_id)
                if item is not None:
                    if refill.refill_number > 0:
                        item.refills_remaining = item.refills_remaining + 1
                    item.dispensed_medication_id = None
                    item.dispensed_ndc = None
                    item.dispensed_quantity = None
            rx.status = RxStatus.VALIDATED.value
            rx.returned_note = f"Returned to fill by {actor.display_name}: {reason}"
            uow.flush()
            uow.record(
                "PrescriptionReturnedToFill",
                "prescription",
                rx.id,
                {
                    "rx_number": rx.prescription_number,
                    "reason": reason,
                    "refill_ids": refill_ids,
                    "returned": [{"lot": lot, "quantity": q} for lot, q in returned],
                    "label_job_ids": [r.label_job_id for r in pending if r.label_job_id],
                },
            )
            uow.notify("prescriptions", rx.id, status=rx.status)
            for item_id in item_ids:
                uow.notify("inventory", item_id)
            uow.commit()
            return ReturnResult(
                rx.id, rx.prescription_number, tuple(returned), tuple(r.label_job_id for r in pending if r.label_job_id)
            )

    return with_retry(attempt)
