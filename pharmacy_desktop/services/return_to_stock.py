"""Return to stock (issue 13 item 12): bags left in will-call too long go back on the shelf.

One scan of the bag's (or vial's) Rx label undoes the fill in one transaction: the units go back
into the very lots (and stock item) they were taken from, each with an inventory transaction that
references the fill; the fill row is ``returned``; the refill it used is restored; the
prescription moves ``ready -> on_hold`` (workflow action ``return_to_stock``) and leaves its
will-call bin. The paid claims are reversed afterwards, outside that transaction, through
``services/claims.reverse_claims`` (it records the request before and the answer after each call;
an unanswered reversal leaves the claim paid and says so, and may be tried again).

``reactivate`` puts an ``on_hold`` prescription back in the fill queue (``validated``) when the
patient asks for it after all.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from pharmacy_desktop.adapters.adjudication import Adjudicator
from pharmacy_desktop.db.models.prescriptions import PrescriptionRefill
from pharmacy_desktop.db.retry import with_retry
from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
from pharmacy_desktop.domain.barcodes import rx_number_from_scan
from pharmacy_desktop.domain.clock import utcnow
from pharmacy_desktop.domain.workflow import Permission, RxStatus, required_permission, transition
from pharmacy_desktop.errors import ValidationFailed
from pharmacy_desktop.services import auth, claims, stock_allocation, will_call
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.prescription_views import load_prescription, rx_numbered
from pharmacy_desktop.services.text_checks import require_clean_text
from pharmacy_desktop.services.will_call import WaitingRx

__all__ = [
    "DEFAULT_RETURN_DAYS",
    "ReactivateResult",
    "ReturnResult",
    "WaitingRx",
    "reactivate",
    "return_candidates",
    "return_days",
    "return_to_stock",
]

DEFAULT_RETURN_DAYS = 10  # user_schema.pharmacy_profile.will_call_return_days when not set
RETURNED_TO_STOCK = "returned to stock"  # how a fill's returned_reason starts (return to fill writes its own)


@dataclass(frozen=True)
class ReturnResult:
    """What one scan did. ``already_returned``: the bag was returned before (nothing changed now)."""

    prescription_id: uuid.UUID
    rx_number: str
    already_returned: bool
    returned: tuple[tuple[str | None, Decimal], ...]  # (lot, quantity) back on the shelf
    refill_ids: tuple[uuid.UUID, ...]
    claims_reversed: tuple[str, ...]  # claim numbers
    claim_problems: tuple[str, ...]  # reversals refused or unanswered: try again from the claims view
    message: str


@dataclass(frozen=True)
class ReactivateResult:
    prescription_id: uuid.UUID
    rx_number: str
    status: str


def return_days(uow_factory: UnitOfWorkFactory, actor: Actor) -> int:
    """Days a bag may wait in will-call before it is a return candidate (the pharmacy's setting)."""
    with uow_factory(actor.user_id) as uow:
        auth.require(uow, actor, Permission.DISPENSE, doing="see the bags to return to stock")
        profile = uow.users.pharmacy_profile()
        days = profile.will_call_return_days if profile is not None else None
        return days if days is not None and days >= 0 else DEFAULT_RETURN_DAYS


def return_candidates(
    uow_factory: UnitOfWorkFactory, actor: Actor, *, now: dt.datetime | None = None
) -> list[WaitingRx]:
    """Prescriptions ready in will-call longer than the pharmacy's return days, oldest first."""
    days = return_days(uow_factory, actor)
    return will_call.waiting_longer_than(uow_factory, actor, days, now=now)


def _already_returned(rx_number: str, refills: list[PrescriptionRefill]) -> str:
    stock_returns = [
        r for r in refills if r.status == "returned" and (r.returned_reason or "").startswith(RETURNED_TO_STOCK)
    ]
    if not stock_returns:
        return ""
    return (
        f"Rx {rx_number} was already returned to stock; it is on hold. "
        "Put the bag aside for checking, or reactivate the prescription if the patient asks for it."
    )


def return_to_stock(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    adjudicator: Adjudicator,
    scan_text: str,
    *,
    reason: str | None = None,
) -> ReturnResult:
    """Scan of a bag's Rx label: the fill goes back on the shelf, the prescription on hold, claims reversed."""
    number = rx_number_from_scan(scan_text)
    if number is None:
        raise ValidationFailed("That is not an Rx label barcode. Scan the Rx label on the bag or the vial.")
    why = (reason or "").strip() or "not picked up in time"
    require_clean_text("reason", PrescriptionRefill.returned_reason, why, "The reason")
    note = f"{RETURNED_TO_STOCK}: {why}"

    def attempt(_: int) -> ReturnResult:
        with uow_factory(actor.user_id) as uow:
            auth.require(uow, actor, Permission.DISPENSE, doing="return a bag to stock")
            rx = load_prescription(uow, rx_numbered(uow, number).id, lock=True)
            refills = uow.prescriptions.refills_for(rx.id)
            if rx.status == RxStatus.ON_HOLD.value:
                message = _already_returned(rx.prescription_number, refills)
                if message:
                    return ReturnResult(rx.id, rx.prescription_number, True, (), (), (), (), message)
            if rx.status != RxStatus.READY.value:
                raise ValidationFailed(
                    f"Rx {rx.prescription_number} is '{rx.status.replace('_', ' ')}', not waiting in will-call: "
                    "only a bag in will-call goes back to stock."
                )
            ready = [r for r in refills if r.status == "verified"]
            refill_ids = [r.id for r in ready]
            returned, item_ids = stock_allocation.put_back(
                uow, refill_ids, reason=f"Rx {rx.prescription_number} {note}", performed_by=actor.user_id
            )
            rx_items = {i.id: i for i in rx.items}
            for refill in ready:
                refill.status = "returned"
                refill.returned_reason = note
                item = rx_items.get(refill.prescription_item_id)
                if item is not None:
                    if refill.refill_number > 0:  # the original fill used no refill
                        item.refills_remaining = item.refills_remaining + 1
                    item.dispensed_medication_id = None
                    item.dispensed_ndc = None
                    item.dispensed_quantity = None
            bin_id = rx.will_call_bin_id
            rx.status = transition(rx.status, RxStatus.ON_HOLD).value
            rx.will_call_bin_id = None
            rx.returned_note = f"Returned to stock by {actor.display_name} on {utcnow():%Y-%m-%d}: {why}"
            uow.flush()
            uow.record(
                "PrescriptionReturnedToStock",
                "prescription",
                rx.id,
                {
                    "rx_number": rx.prescription_number,
                    "reason": why,
                    "refill_ids": refill_ids,
                    "returned": [{"lot": lot, "quantity": q} for lot, q in returned],
                },
            )
            uow.notify("prescriptions", rx.id, status=rx.status)
            if bin_id is not None:
                uow.notify("will_call", bin_id)
            for item_id in item_ids:
                uow.notify("inventory", item_id)
            uow.commit()
            return ReturnResult(rx.id, rx.prescription_number, False, tuple(returned), tuple(refill_ids), (), (), "")

    result = with_retry(attempt)
    if result.already_returned:
        return result
    # The claims switch is called outside any transaction; reverse_claims records before and after.
    reversed_numbers: list[str] = []
    problems: list[str] = []
    for refill_id in result.refill_ids:
        outcome = claims.reverse_claims(uow_factory, actor, adjudicator, refill_id, f"Rx {note}")
        reversed_numbers.extend(outcome.reversed)
        problems.extend(outcome.problems)
    lots = ", ".join(f"{q.normalize():f} to lot {lot}" if lot else f"{q.normalize():f}" for lot, q in result.returned)
    message = f"Rx {result.rx_number} returned to stock ({lots or 'no stock movement on record'}); it is on hold."
    if reversed_numbers:
        message += f" Claim{'s' if len(reversed_numbers) > 1 else ''} {', '.join(reversed_numbers)} reversed."
    if problems:
        message += " " + " ".join(problems)
    return ReturnResult(
        result.prescription_id,
        result.rx_number,
        False,
        result.returned,
        result.refill_ids,
        tuple(reversed_numbers),
        tuple(problems),
        message,
    )


def reactivate(uow_factory: UnitOfWorkFactory, actor: Actor, prescription_id: uuid.UUID) -> ReactivateResult:
    """An on-hold prescription back in the fill queue (``validated``): the patient wants it after all."""

    def attempt(_: int) -> ReactivateResult:
        with uow_factory(actor.user_id) as uow:
            permission = required_permission(RxStatus.ON_HOLD, RxStatus.VALIDATED)
            auth.require(uow, actor, permission, doing="put a prescription on hold back in the fill queue")
            rx = load_prescription(uow, prescription_id, lock=True)
            if rx.status != RxStatus.ON_HOLD.value:
                raise ValidationFailed(
                    f"Rx {rx.prescription_number} is '{rx.status.replace('_', ' ')}', not on hold: "
                    "only a prescription returned to stock can be reactivated."
                )
            rx.status = transition(rx.status, RxStatus.VALIDATED).value
            uow.flush()
            uow.record("PrescriptionReactivated", "prescription", rx.id, {"rx_number": rx.prescription_number})
            uow.notify("prescriptions", rx.id, status=rx.status)
            uow.commit()
            return ReactivateResult(rx.id, rx.prescription_number, rx.status)

    return with_retry(attempt)
