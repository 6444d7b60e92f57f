"""What the screens get of stock adjustments: a frozen view built inside the unit of work, the list
waiting for a decision, and the DEA Form 106 data of a controlled theft or loss."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pharmacy_desktop.db.models.inventory import StockAdjustment
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain import adjustments as rules
from pharmacy_desktop.domain.drug_names import strength_text, title_case
from pharmacy_desktop.domain.schedules import parse_schedule
from pharmacy_desktop.errors import NotFound, ValidationFailed
from pharmacy_desktop.services.access import Actor, require

VIEW = "inventory.view"
REFERENCE = "stock_adjustment"  # inventory_transactions.reference_type of an adjustment's rows


@dataclass(frozen=True)
class AdjustmentView:
    id: uuid.UUID
    item_id: uuid.UUID | None
    ndc: str
    drug_name: str
    strength: str | None
    adjustment_type: str
    type_label: str
    batch_id: uuid.UUID | None
    lot: str | None
    quantity_expected: Decimal
    quantity_actual: Decimal
    change: Decimal
    value: Decimal | None  # the change at the item's unit cost (None without a cost)
    reason: str
    status: str  # pending / approved / rejected
    is_controlled: bool
    requires_approval: bool
    requested_by: uuid.UUID | None
    requested_by_name: str
    requested_at: dt.datetime
    decided_by: uuid.UUID | None  # None with status 'approved': approved at once by the system
    decided_by_name: str | None
    decided_at: dt.datetime | None
    decision_note: str | None
    transaction_id: uuid.UUID | None
    dea_form: str | None
    count_id: uuid.UUID | None
    schedule: str = ""  # 'C-II' ... as every screen marks a controlled drug ('' when not controlled)
    unit: str = ""  # the item's quantity unit and the drug's form: quantity_text(change, unit, dosage_form)
    dosage_form: str | None = None

    @property
    def pending(self) -> bool:
        return self.status == rules.PENDING


def _name(uow: UnitOfWork, user_id: uuid.UUID | None) -> str | None:
    if user_id is None:
        return None
    user = uow.users.get(user_id, include_deleted=True)
    return f"{user.first_name} {user.last_name}" if user is not None else None


def _schedule(value: str | None) -> str:
    try:
        schedule = parse_schedule(value)
    except ValueError:
        return value or ""
    return schedule.display if schedule.roman else ""


def adjustment_view(uow: UnitOfWork, adjustment: Any) -> AdjustmentView:
    uow.flush()
    found = uow.adjustments.item_with_medication(adjustment.inventory_item_id) if adjustment.inventory_item_id else None
    item, med = found if found is not None else (None, None)
    batch = uow.inventory.get_batch(adjustment.batch_id) if adjustment.batch_id else None
    return AdjustmentView(
        id=adjustment.id,
        item_id=adjustment.inventory_item_id,
        ndc=item.ndc_code if item is not None else "",
        drug_name=title_case(med.drug_name) if med is not None else "",
        strength=(strength_text(med.strength) or None) if med is not None else None,
        adjustment_type=adjustment.adjustment_type,
        type_label=rules.TYPE_LABELS.get(adjustment.adjustment_type, adjustment.adjustment_type),
        batch_id=adjustment.batch_id,
        lot=batch.batch_number if batch is not None else None,
        quantity_expected=adjustment.quantity_expected,
        quantity_actual=adjustment.quantity_actual,
        change=adjustment.quantity_difference,
        value=adjustment.value_difference,
        reason=adjustment.reason,
        status=adjustment.status,
        is_controlled=adjustment.is_controlled,
        requires_approval=bool(adjustment.requires_approval),
        requested_by=adjustment.performed_by,
        requested_by_name=_name(uow, adjustment.performed_by) or "",
        requested_at=adjustment.created_at,
        decided_by=adjustment.decided_by,
        decided_by_name=_name(uow, adjustment.decided_by),
        decided_at=adjustment.decided_at,
        decision_note=adjustment.decision_note,
        transaction_id=adjustment.transaction_id,
        dea_form=adjustment.dea_form,
        count_id=adjustment.count_id,
        schedule=_schedule(med.dea_schedule) if med is not None else "",
        unit=item.quantity_unit if item is not None else "",
        dosage_form=med.dosage_form if med is not None else None,
    )


def pending_adjustments(uow_factory: UnitOfWorkFactory, actor: Actor) -> tuple[AdjustmentView, ...]:
    """Adjustments waiting for a decision, oldest first."""
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, VIEW, doing="see stock adjustments")
        return tuple(adjustment_view(uow, a) for a in uow.adjustments.pending())


def get_adjustment(uow_factory: UnitOfWorkFactory, actor: Actor, adjustment_id: uuid.UUID) -> AdjustmentView:
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, VIEW, doing="see stock adjustments")
        return adjustment_view(uow, uow.adjustments.require(adjustment_id))


def form_106(uow_factory: UnitOfWorkFactory, actor: Actor, adjustment_id: uuid.UUID) -> rules.Form106:
    """The DEA Form 106 data of a controlled theft or loss, from the adjustment's rows."""
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, VIEW, doing="see stock adjustments")
        adjustment = uow.adjustments.require(adjustment_id)
        if adjustment.dea_form != "106":
            raise ValidationFailed(
                "This adjustment is not a theft or loss of a controlled substance, so it has no DEA Form 106."
            )
        return form_106_data(uow, adjustment)


def form_106_data(uow: UnitOfWork, adjustment: StockAdjustment) -> rules.Form106:
    found = uow.adjustments.item_with_medication(adjustment.inventory_item_id) if adjustment.inventory_item_id else None
    if found is None:
        raise NotFound("The stock item of this adjustment was not found.")
    item, med = found
    if adjustment.batch_id is not None:
        batch = uow.inventory.get_batch(adjustment.batch_id)
        lots = batch.batch_number if batch is not None else None
    else:  # the lots the approval took the units from (none yet while it is pending)
        rows = uow.inventory.movements_for(REFERENCE, [adjustment.id], rules.ledger_kind(adjustment.adjustment_type))
        batches = [uow.inventory.get_batch(r.batch_id) for r in rows if r.batch_id is not None]
        lots = ", ".join(b.batch_number for b in batches if b is not None) or None
    profile = uow.users.pharmacy_profile()
    address: Sequence[str | None] = (
        (profile.address_line1, profile.address_line2, f"{profile.city}, {profile.state} {profile.zip_code}")
        if profile is not None
        else ()
    )
    return rules.form_106(
        registrant_name=profile.name if profile is not None else "",
        registrant_dea=profile.dea if profile is not None else None,
        registrant_address=", ".join(p for p in address if p),
        date_of_loss=adjustment.adjustment_date,
        adjustment_type=adjustment.adjustment_type,
        drug_name=med.drug_name,
        ndc=med.package_ndc or item.ndc_code,
        strength=med.strength,
        dosage_form=med.dosage_form,
        schedule=med.dea_schedule,
        change=adjustment.quantity_difference,
        quantity_unit=item.quantity_unit,
        lot_number=lots,
        description=adjustment.reason,
    )
