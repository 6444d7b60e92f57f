"""Stock adjustments with approval (issue 14 item 3).

A request (``request_adjustment``, permission ``inventory.adjust``) records what differs and why;
it changes no stock. It waits ('pending') for someone else with ``inventory.approve_adjustment``
when it is a controlled substance or above the pharmacy's units OR value threshold
(domain/adjustments.approval_need); a small non-controlled one is approved at once by the system
(no ``decided_by``, the reason in ``decision_note``). The requester can neither approve nor reject
their own request (refused here, and the database's four-eyes CHECK backs the approval).

Stock changes only at approval, through ``services/stock_ledger.post``, under the item lock (lock
order: the adjustment, then the item, then its batches by id). What is applied is the difference
that was requested, not the counted quantity: fills and receipts since the request are already in
the ledger and must not be undone. If the stock left now is too small for a decrease, the approval
is refused with what to do (count again); the adjustment stays pending.

Where the units go, so that on hand stays the sum of the active batches: the batch named in the
request; without one, a decrease is taken from the active lots soonest expiry first (one ledger
row per lot), an increase goes to the most recently received active lot, and an item without lots
on record moves its on hand only. The adjustment's ``transaction_id`` is its first ledger row;
every row carries reference ('stock_adjustment', id).

A controlled theft or loss is marked ``dea_form = '106'``; its Form 106 data is recorded in the
request's event and rebuilt from the rows by ``form_106``.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from pharmacy_desktop.db.models.inventory import StockAdjustment
from pharmacy_desktop.db.retry import with_retry
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain import adjustments as rules
from pharmacy_desktop.domain.clock import local_now, utcnow
from pharmacy_desktop.domain.schedules import is_controlled
from pharmacy_desktop.errors import NotFound, PermissionDenied, ValidationFailed
from pharmacy_desktop.services import stock_ledger
from pharmacy_desktop.services.access import Actor, refuse, require
from pharmacy_desktop.services.adjustment_views import REFERENCE as REFERENCE
from pharmacy_desktop.services.adjustment_views import VIEW as VIEW
from pharmacy_desktop.services.adjustment_views import AdjustmentView as AdjustmentView
from pharmacy_desktop.services.adjustment_views import adjustment_view, form_106_data
from pharmacy_desktop.services.adjustment_views import form_106 as form_106
from pharmacy_desktop.services.adjustment_views import get_adjustment as get_adjustment
from pharmacy_desktop.services.adjustment_views import pending_adjustments as pending_adjustments
from pharmacy_desktop.services.text_checks import require_clean_text

__all__ = [
    "ADJUST",
    "APPROVE",
    "REFERENCE",
    "AdjustmentView",
    "approve_adjustment",
    "create_in",
    "form_106",
    "get_adjustment",
    "pending_adjustments",
    "reject_adjustment",
    "request_adjustment",
]

ADJUST = "inventory.adjust"
APPROVE = "inventory.approve_adjustment"
DEFAULT_THRESHOLDS = rules.Thresholds(Decimal(50), Decimal(100))  # the column defaults of 0011


def request_adjustment(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    *,
    item_id: uuid.UUID,
    adjustment_type: str,
    reason: str,
    change: Decimal | None = None,
    counted: Decimal | None = None,
    batch_id: uuid.UUID | None = None,
) -> AdjustmentView:
    """Request an adjustment of ``change`` units (signed), or to the ``counted`` quantity (of the
    batch when one is named, else of the item). Pending, or approved at once when small."""
    if (change is None) == (counted is None):
        raise ValueError("give either change or counted")

    def attempt(_: int) -> AdjustmentView:
        with uow_factory(actor.user_id) as uow:
            require(uow, actor, ADJUST, doing="request stock adjustments", subject=("stock item", item_id))
            adjustment = create_in(
                uow,
                actor,
                item_id=item_id,
                adjustment_type=adjustment_type,
                reason=reason,
                change=change,
                counted=counted,
                batch_id=batch_id,
            )
            view = adjustment_view(uow, adjustment)
            uow.commit()
            return view

    return with_retry(attempt)


def create_in(
    uow: UnitOfWork,
    actor: Actor,
    *,
    item_id: uuid.UUID,
    adjustment_type: str,
    reason: str,
    change: Decimal | None = None,
    counted: Decimal | None = None,
    batch_id: uuid.UUID | None = None,
    expected: Decimal | None = None,
    count_id: uuid.UUID | None = None,
) -> StockAdjustment:
    """Record one adjustment in ``uow`` (permission already checked), applied at once when small.

    ``expected`` (a count's: the on hand when the line was counted) replaces the stock read now."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Type the reason for the adjustment: it goes into the stock records.", {"reason": ""})
    require_clean_text("reason", StockAdjustment.reason, reason, "Reason")
    item = uow.inventory.lock_item(item_id)
    batch = _locked_batch(uow, item, batch_id)
    if expected is None:
        expected = batch.quantity_remaining if batch is not None else item.quantity_on_hand
    if counted is not None:
        if counted < 0:
            raise ValidationFailed("A counted quantity cannot be negative.", {"counted": str(counted)})
        change = counted - expected
    assert change is not None
    problem = rules.type_problem(adjustment_type, change)
    if problem:
        raise ValidationFailed(problem, {"change": problem})
    actual = expected + change
    if actual < 0:
        raise ValidationFailed(
            f"Only {rules.units_text(expected)} {item.quantity_unit} are on record, "
            f"so {rules.units_text(abs(change))} cannot be taken away. "
            "Count the shelf and enter what is there.",
            {"change": str(change)},
        )
    med = uow.catalog.by_id(item.medication_id)
    controlled = _controlled(med)
    value = rules.value_of(change, item.unit_cost)
    need = rules.approval_need(controlled=controlled, change=change, value=value, thresholds=_thresholds(uow))
    adjustment = StockAdjustment(
        id=uuid.uuid4(),
        inventory_item_id=item.id,
        batch_id=batch.id if batch is not None else None,
        adjustment_type=adjustment_type,
        quantity_expected=expected,
        quantity_actual=actual,
        quantity_difference=change,
        reason=reason,
        requires_approval=need.required,
        adjustment_date=local_now().date(),
        performed_by=actor.user_id,
        status=rules.PENDING,
        is_controlled=controlled,
        value_difference=value,
        count_id=count_id,
        dea_form="106" if rules.needs_form_106(adjustment_type, controlled) else None,
    )
    uow.adjustments.add(adjustment)
    data: dict[str, Any] = {
        "type": adjustment_type,
        "item_id": item.id,
        "ndc": item.ndc_code,
        "change": change,
        "value": value,
        "controlled": controlled,
        "requires_approval": need.required,
        "why": need.why,
    }
    if adjustment.dea_form == "106":  # the form's data kept with the adjustment, as it was at the request
        data["form_106"] = form_106_data(uow, adjustment).__dict__
    uow.record("StockAdjustmentRequested", "stock_adjustment", adjustment.id, data)
    if not need.required:
        adjustment.status = rules.APPROVED
        adjustment.decided_at = utcnow()
        adjustment.decision_note = need.why
        _apply(uow, adjustment, item, batch)
        uow.record("StockAdjustmentApproved", "stock_adjustment", adjustment.id, {"by": "system", "why": need.why})
    uow.notify("inventory", item.id)
    uow.notify("stock_adjustments", adjustment.id, status=adjustment.status)
    return adjustment


def approve_adjustment(
    uow_factory: UnitOfWorkFactory, actor: Actor, adjustment_id: uuid.UUID, *, note: str | None = None
) -> AdjustmentView:
    """Approve someone else's pending adjustment: the stock changes now (see the module)."""

    def attempt(_: int) -> AdjustmentView:
        with uow_factory(actor.user_id) as uow:
            adjustment = _decidable(uow, actor, adjustment_id, "approve")
            clean_note = _note(note, required=False)
            item = uow.inventory.lock_item(_item_id(adjustment))
            batch = _locked_batch(uow, item, adjustment.batch_id)
            now = utcnow()
            adjustment.status = rules.APPROVED
            adjustment.approved_by = adjustment.decided_by = actor.user_id
            adjustment.approved_at = adjustment.decided_at = now
            adjustment.decision_note = clean_note
            _apply(uow, adjustment, item, batch)
            _close_count_if_done(uow, adjustment)
            uow.record("StockAdjustmentApproved", "stock_adjustment", adjustment.id, {"by": actor.user_id})
            uow.notify("inventory", item.id)
            uow.notify("stock_adjustments", adjustment.id, status=adjustment.status)
            view = adjustment_view(uow, adjustment)
            uow.commit()
            return view

    return with_retry(attempt)


def reject_adjustment(
    uow_factory: UnitOfWorkFactory, actor: Actor, adjustment_id: uuid.UUID, *, note: str
) -> AdjustmentView:
    """Reject someone else's pending adjustment, saying why; the stock never changes."""

    def attempt(_: int) -> AdjustmentView:
        with uow_factory(actor.user_id) as uow:
            adjustment = _decidable(uow, actor, adjustment_id, "reject")
            adjustment.decision_note = _note(note, required=True)
            adjustment.status = rules.REJECTED
            adjustment.decided_by = actor.user_id
            adjustment.decided_at = utcnow()
            _close_count_if_done(uow, adjustment)
            uow.record("StockAdjustmentRejected", "stock_adjustment", adjustment.id, {"by": actor.user_id})
            uow.notify("stock_adjustments", adjustment.id, status=adjustment.status)
            view = adjustment_view(uow, adjustment)
            uow.commit()
            return view

    return with_retry(attempt)


# -- inside a unit of work ---------------------------------------------------------------------


def _decidable(uow: UnitOfWork, actor: Actor, adjustment_id: uuid.UUID, verb: str) -> StockAdjustment:
    """The pending adjustment, locked, that ``actor`` may decide; refusals recorded and raised."""
    require(uow, actor, APPROVE, doing=f"{verb} stock adjustments", subject=("stock_adjustment", adjustment_id))
    adjustment = uow.adjustments.lock(adjustment_id)
    if adjustment.performed_by == actor.user_id:
        refuse(
            uow,
            actor,
            "PermissionDenied",
            {
                "permission": APPROVE,
                "why": "own request",
                "subject_type": "stock_adjustment",
                "subject_id": adjustment_id,
            },
        )
        raise PermissionDenied(
            f"You requested this adjustment, so you cannot {verb} it yourself: someone else with the "
            f"'{APPROVE}' permission (a pharmacist or manager) must {verb} it."
        )
    if adjustment.status != rules.PENDING:
        raise ValidationFailed(
            f"This adjustment was already {adjustment.status} (perhaps on another workstation); nothing was changed. "
            "Refresh the list."
        )
    return adjustment


def _apply(uow: UnitOfWork, adjustment: StockAdjustment, item: Any, batch: Any | None) -> None:
    """Write the approved difference to the ledger (item and batches locked here, in order)."""
    change = adjustment.quantity_difference
    try:
        rules.applied_change(change, batch.quantity_remaining if batch is not None else item.quantity_on_hand)
    except ValueError:
        where = f"lot {batch.batch_number}" if batch is not None else "the item"
        left = batch.quantity_remaining if batch is not None else item.quantity_on_hand
        raise ValidationFailed(
            f"Since this adjustment was requested, the stock of {where} (NDC {item.ndc_code}) went down to "
            f"{rules.units_text(left)}; taking {rules.units_text(abs(change))} away would go below zero, so nothing was changed. Count the shelf again: "
            "reject this adjustment and request a new one."
        ) from None
    kind = rules.ledger_kind(adjustment.adjustment_type)
    why = f"{rules.TYPE_LABELS.get(adjustment.adjustment_type, adjustment.adjustment_type)}: {adjustment.reason}"
    rows = []
    for target, amount in _targets(uow, item, batch, change):
        rows.append(
            stock_ledger.post(
                uow,
                item,
                change=amount,
                kind=kind,
                batch=target,
                reference_type=REFERENCE,
                reference_id=adjustment.id,
                reason=why,
            )
        )
    adjustment.transaction_id = rows[0].id
    uow.flush()


def _targets(uow: UnitOfWork, item: Any, batch: Any | None, change: Decimal) -> list[tuple[Any | None, Decimal]]:
    """(batch, amount) ledger rows for a change: see the module on where the units go."""
    if batch is not None:
        return [(batch, change)]
    lots = uow.adjustments.active_batches(item.id)  # locked, by id
    if not lots:
        return [(None, change)]
    if change > 0:
        newest = max(lots, key=lambda b: (b.received_date, b.created_at, b.id))
        return [(newest, change)]
    targets: list[tuple[Any | None, Decimal]] = []
    left = -change
    for lot in sorted(lots, key=lambda b: (b.expiration_date, b.received_date, b.id)):
        take = min(lot.quantity_remaining, left)
        if take > 0:
            targets.append((lot, -take))
            left -= take
        if left == 0:
            break
    if left > 0:  # on hand and the lots disagree: never invent stock to cover it
        raise ValidationFailed(
            f"The lots of NDC {item.ndc_code} hold less than the decrease; nothing was changed. "
            "Name the lot on the adjustment, or count the lots."
        )
    return targets


def _locked_batch(uow: UnitOfWork, item: Any, batch_id: uuid.UUID | None) -> Any | None:
    if batch_id is None:
        return None
    batch = uow.inventory.get_batch(batch_id, for_update=True)
    if batch is None or batch.inventory_item_id != item.id:
        raise NotFound("That lot is not a lot of this stock item; pick the lot again.")
    if not stock_ledger.is_available(batch):
        raise ValidationFailed(
            f"Lot {batch.batch_number} is {batch.status} (in quarantine or gone), so it is not part of the stock on "
            "hand. Quarantined stock is returned or destroyed from the recalls and expiry list instead."
        )
    return batch


def _close_count_if_done(uow: UnitOfWork, adjustment: StockAdjustment) -> None:
    if adjustment.count_id is None:
        return
    count = uow.adjustments.get_count(adjustment.count_id, for_update=True)
    uow.flush()
    if count is not None and count.status == "submitted" and uow.adjustments.pending_for_count(count.id) == 0:
        count.status = "closed"
        count.closed_at = utcnow()


def _note(note: str | None, *, required: bool) -> str | None:
    note = (note or "").strip() or None
    if note is None and required:
        raise ValidationFailed("Type why the adjustment is rejected: the requester will read it.", {"note": ""})
    require_clean_text("note", StockAdjustment.decision_note, note, "Note")
    return note


def _item_id(adjustment: StockAdjustment) -> uuid.UUID:
    assert adjustment.inventory_item_id is not None  # every adjustment made here names its item
    return adjustment.inventory_item_id


def _controlled(med: Any) -> bool:
    if med is None:
        return False
    try:
        return bool(med.is_controlled_substance) or is_controlled(med.dea_schedule)
    except ValueError:  # a schedule text that names no schedule: treat as controlled (the safe side)
        return True


def _thresholds(uow: UnitOfWork) -> rules.Thresholds:
    profile = uow.users.pharmacy_profile()
    if profile is None:
        return DEFAULT_THRESHOLDS
    return rules.Thresholds(profile.adjustment_approval_units, profile.adjustment_approval_value)
