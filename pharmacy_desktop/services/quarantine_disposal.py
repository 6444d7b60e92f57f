"""Quarantined lots leaving the pharmacy: returned to the supplier or destroyed (DEA Form 41 data).

The units already left the available stock when the lot was quarantined (services/quarantine.py),
so on hand does not change again and there is no ledger row: the batch becomes 'returned' or
'destroyed' with nothing remaining, and a ``stock_adjustments`` row records it
('return_to_supplier' / 'destruction', approved by the system, ``dea_form`` '41' for a controlled
destruction). The method and the two witnesses of a destruction live in its domain event (the
schema has no columns for them); ``form_41`` reads them back.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pharmacy_desktop.db.retry import with_retry
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain.drug_names import strength_text, title_case
from pharmacy_desktop.domain.money import to_money
from pharmacy_desktop.domain.schedules import is_controlled
from pharmacy_desktop.errors import NotFound, ValidationFailed
from pharmacy_desktop.services import access
from pharmacy_desktop.services.auth import Actor

PERMISSION = "inventory.recall"
QUARANTINED = ("expired", "recalled")
DESTROYED_EVENT = "QuarantinedStockDestroyed"


@dataclass(frozen=True)
class QuarantinedLotRow:
    """A lot in quarantine with units in it: what the screen offers to return or destroy."""

    batch_id: uuid.UUID
    item_id: uuid.UUID
    ndc: str
    drug: str
    strength: str | None
    schedule: str | None
    lot: str
    expiration_date: dt.date
    quantity: Decimal
    status: str
    quarantined_at: dt.datetime | None
    unit: str = ""  # the item's quantity unit and the drug's form: quantity_text(quantity, unit, dosage_form)
    dosage_form: str | None = None


@dataclass(frozen=True)
class Form41:
    """The data of a DEA Form 41 (registrant record of controlled substances destroyed)."""

    pharmacy_name: str | None
    pharmacy_dea: str | None
    drug: str
    ndc: str
    strength: str | None
    dosage_form: str | None
    schedule: str | None
    quantity: Decimal
    unit: str
    lot: str
    method: str
    witnesses: tuple[tuple[uuid.UUID, str], ...]  # (user id, name), two
    destroyed_on: dt.date
    adjustment_id: uuid.UUID


@dataclass(frozen=True)
class DisposalResult:
    adjustment_id: uuid.UUID
    batch_id: uuid.UUID
    ndc: str
    lot: str
    quantity: Decimal
    status: str  # 'returned' or 'destroyed'
    form_41: Form41 | None  # a controlled destruction
    unit: str = ""  # the item's quantity unit and the drug's form: quantity_text(quantity, unit, dosage_form)
    dosage_form: str | None = None


def quarantined_lots(uow_factory: UnitOfWorkFactory, actor: Actor) -> list[QuarantinedLotRow]:
    with uow_factory(actor.user_id) as uow:
        access.require(uow, actor, "inventory.view", doing="see quarantined stock")
        return [
            QuarantinedLotRow(
                r.batch_id,
                r.item_id,
                r.ndc_code,
                title_case(r.drug_name),
                strength_text(r.strength) or None,
                r.dea_schedule,
                r.batch_number,
                r.expiration_date,
                r.quantity_remaining,
                r.status,
                r.quarantined_at,
                unit=r.quantity_unit or "",
                dosage_form=r.dosage_form,
            )
            for r in uow.quarantine.quarantined()
        ]


def _unit_of(item: Any, med: Any) -> tuple[str, str | None]:
    """The item's quantity unit and the drug's dosage form: what a quantity of it is counted in."""
    return item.quantity_unit or "", med.dosage_form if med is not None else None


def _controlled(med: Any) -> bool:
    try:
        return is_controlled(med.dea_schedule) if med is not None else False
    except ValueError:  # an unreadable schedule: trust the catalog's flag
        return bool(med.is_controlled_substance)


def _locked_quarantined(uow: UnitOfWork, batch_id: uuid.UUID, doing: str) -> tuple[Any, Any]:
    found = uow.quarantine.batch(batch_id)
    if found is None or found.inventory_item_id is None:
        raise NotFound("That lot is not in the stock records. Refresh the quarantine list and pick it again.")
    (item,) = uow.inventory.lock_items({found.inventory_item_id})  # the lock order: item, then batch
    (batch,) = uow.inventory.lock_batches([batch_id])
    if batch.status not in QUARANTINED:
        state = "still in the available stock" if (batch.status or "active") == "active" else f"already {batch.status}"
        raise ValidationFailed(
            f"Lot {batch.batch_number} is {state}, so it cannot be {doing}. "
            "Only a recalled or expired lot in quarantine can be; quarantine it first or refresh the list."
        )
    if batch.quantity_remaining <= 0:
        raise ValidationFailed(f"Lot {batch.batch_number} has nothing left in quarantine to be {doing}.")
    return item, batch


def _dispose(
    uow: UnitOfWork,
    actor: Actor,
    item: Any,
    batch: Any,
    *,
    kind: str,
    status: str,
    reason: str,
    note: str,
    controlled: bool,
    dea_form: str | None,
    day: dt.date,
) -> Any:
    quantity = batch.quantity_remaining
    cost = batch.unit_cost if batch.unit_cost is not None else item.unit_cost
    row = uow.quarantine.add_disposal(
        item_id=item.id,
        batch_id=batch.id,
        kind=kind,
        quantity=quantity,
        reason=reason,
        performed_by=actor.user_id,
        is_controlled=controlled,
        value=to_money(-quantity * cost) if cost is not None else None,
        dea_form=dea_form,
        note=note,
        day=day,
    )
    batch.quantity_remaining = Decimal(0)
    batch.status = status
    uow.flush()
    uow.notify("inventory", item.id)
    return row


def return_to_supplier(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    batch_id: uuid.UUID,
    *,
    reason: str,
    supplier: str | None = None,
    day: dt.date | None = None,
) -> DisposalResult:
    """The quarantined lot goes back to the supplier (or its reverse distributor): all of it."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why the lot goes back (e.g. the recall, or expired), and to whom.")
    when = day or dt.date.today()

    def attempt(_: int) -> DisposalResult:
        with uow_factory(actor.user_id) as uow:
            access.require(uow, actor, PERMISSION, doing="return quarantined stock to the supplier")
            item, batch = _locked_quarantined(uow, batch_id, "returned")
            med = uow.quarantine.medication_of(item)
            quantity = batch.quantity_remaining
            note = f"Returned to {supplier.strip()}" if supplier and supplier.strip() else "Returned to the supplier"
            row = _dispose(
                uow,
                actor,
                item,
                batch,
                kind="return_to_supplier",
                status="returned",
                reason=reason,
                note=note,
                controlled=_controlled(med),
                dea_form=None,
                day=when,
            )
            uow.record(
                "QuarantinedStockReturned",
                "stock_adjustment",
                row.id,
                {"batch_id": batch.id, "ndc": item.ndc_code, "lot": batch.batch_number, "quantity": quantity,
                 "supplier": supplier, "reason": reason},
            )  # fmt: skip
            uow.commit()
            return DisposalResult(
                row.id, batch.id, item.ndc_code, batch.batch_number, quantity, "returned", None, *_unit_of(item, med)
            )

    return with_retry(attempt)


def _witnesses(uow: UnitOfWork, witnesses: tuple[uuid.UUID, ...]) -> tuple[tuple[uuid.UUID, str], ...]:
    if len(witnesses) != 2 or witnesses[0] == witnesses[1]:
        raise ValidationFailed(
            "Destroying a controlled substance needs two different witnesses (DEA Form 41): pick both."
        )
    names = uow.users.display_names(witnesses)
    for user_id in witnesses:
        user = uow.users.get(user_id)
        if user is None or user.is_active is False:
            raise ValidationFailed("A witness is not an active account of this pharmacy: pick a current employee.")
    return tuple((w, names.get(w, "")) for w in witnesses)


def destroy(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    batch_id: uuid.UUID,
    *,
    method: str,
    witnesses: tuple[uuid.UUID, ...] = (),
    reason: str = "",
    day: dt.date | None = None,
) -> DisposalResult:
    """Destroy a quarantined lot, all of it. A controlled substance needs two witnesses (user ids)
    and gives the data of a DEA Form 41; any other drug may name witnesses too."""
    method = (method or "").strip()
    if not method:
        raise ValidationFailed("Say how the stock is destroyed (e.g. 'reverse distributor', 'incineration').")
    when = day or dt.date.today()

    def attempt(_: int) -> DisposalResult:
        with uow_factory(actor.user_id) as uow:
            access.require(uow, actor, PERMISSION, doing="destroy quarantined stock")
            item, batch = _locked_quarantined(uow, batch_id, "destroyed")
            med = uow.quarantine.medication_of(item)
            controlled = _controlled(med)
            named = _witnesses(uow, witnesses) if controlled or witnesses else ()
            quantity = batch.quantity_remaining
            note = f"Destroyed ({method})" + (f", witnessed by {' and '.join(n for _, n in named)}" if named else "")
            row = _dispose(
                uow,
                actor,
                item,
                batch,
                kind="destruction",
                status="destroyed",
                reason=reason.strip() or f"Quarantined lot {batch.batch_number} destroyed",
                note=note,
                controlled=controlled,
                dea_form="41" if controlled else None,
                day=when,
            )
            uow.record(
                DESTROYED_EVENT,
                "stock_adjustment",
                row.id,
                {"batch_id": batch.id, "ndc": item.ndc_code, "lot": batch.batch_number, "quantity": quantity,
                 "method": method, "witnesses": [w for w, _ in named], "controlled": controlled,
                 "destroyed_on": when},
            )  # fmt: skip
            form = _form_41(uow, item, batch, med, quantity, method, named, when, row.id) if controlled else None
            uow.commit()
            return DisposalResult(
                row.id, batch.id, item.ndc_code, batch.batch_number, quantity, "destroyed", form, *_unit_of(item, med)
            )

    return with_retry(attempt)


def _form_41(
    uow: UnitOfWork,
    item: Any,
    batch: Any,
    med: Any,
    quantity: Decimal,
    method: str,
    witnesses: tuple[tuple[uuid.UUID, str], ...],
    day: dt.date,
    adjustment_id: uuid.UUID,
) -> Form41:
    profile = uow.users.pharmacy_profile()
    return Form41(
        pharmacy_name=profile.name if profile else None,
        pharmacy_dea=profile.dea if profile else None,
        drug=med.drug_name if med else item.ndc_code,
        ndc=item.ndc_code,
        strength=med.strength if med else None,
        dosage_form=med.dosage_form if med else None,
        schedule=med.dea_schedule if med else None,
        quantity=quantity,
        unit=item.quantity_unit,
        lot=batch.batch_number,
        method=method,
        witnesses=witnesses,
        destroyed_on=day,
        adjustment_id=adjustment_id,
    )


def form_41(uow_factory: UnitOfWorkFactory, actor: Actor | None, adjustment_id: uuid.UUID) -> Form41:
    """The DEA Form 41 data of a recorded controlled destruction (``actor`` None: the command line)."""
    with uow_factory(actor.user_id if actor else None) as uow:
        if actor is not None:
            access.require(uow, actor, "inventory.view", doing="see a DEA Form 41")
        row = uow.quarantine.disposal(adjustment_id)
        events = uow.audit.events_for("stock_adjustment", adjustment_id)
        event = next((e for e in events if e.event_type == DESTROYED_EVENT), None)
        if row is None or row.dea_form != "41" or event is None or row.batch_id is None:
            raise NotFound("No controlled-substance destruction was recorded under that id.")
        data = event.event_data
        batch = uow.quarantine.batch(row.batch_id)
        item = uow.inventory.require(row.inventory_item_id) if row.inventory_item_id else None
        if batch is None or item is None:
            raise NotFound("The destroyed lot is no longer in the stock records.")
        ids = tuple(uuid.UUID(str(w)) for w in data.get("witnesses", []))
        names = uow.users.display_names(ids)
        return _form_41(
            uow,
            item,
            batch,
            uow.quarantine.medication_of(item),
            -row.quantity_difference,
            str(data.get("method", "")),
            tuple((w, names.get(w, "")) for w in ids),
            row.adjustment_date,
            row.id,
        )
