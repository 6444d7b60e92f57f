"""Recalls and expiry: lots taken out of the available stock into quarantine, and who received them.

Which packages a recall covers. A manufacturer's lot number belongs to the product, and the same
lot is often packed in several package sizes (a 100- and a 1000-count bottle of one product share
the NDC's labeler and product segments: the first 9 digits of the 11-digit form, 10 of the 12-digit
one). So ``recall_lot`` accepts any typed NDC (10-digit with dashes, 11 digits, 12-digit 6-4-2),
and quarantines that lot in EVERY package of the product, not only the package typed; the recall
row keeps the NDC as typed (11/12-digit key), and a recall typed with another package's NDC is
the same recall. Lots are compared trimmed and case-insensitively.

Quarantine (the shared design, /work/notes/inv_spec.md): the batch's status becomes 'recalled' or
'expired' and its units leave the available stock through one ledger row ('adjustment' with
reference 'recall' for a recall, 'expired' for expiry); the batch keeps its quantity_remaining
(what sits in the quarantine bin). Fill refuses such lots (domain.stock.lot_problem). A lot
already quarantined as expired that is then recalled becomes 'recalled' without another row.

Both operations are idempotent: a recall of the same NDC and lot again quarantines only lots
received since (same recall row), and the expiry pass only touches lots still 'active'. Rows are
locked in the stock lock order (items by id, then batches by id) and the status re-read under the
lock, so two workstations running the daily pass at once quarantine each lot once.

Return to supplier and destruction of quarantined lots: services/quarantine_disposal.py
(re-exported here); the workstation's daily expiry thread: services/expiry_job.py.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pharmacy_desktop.db.retry import with_retry
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain.clock import utcnow
from pharmacy_desktop.domain.ndc import InvalidNDC, parse_ndc
from pharmacy_desktop.errors import ValidationFailed
from pharmacy_desktop.services import access, stock_ledger
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.quarantine_disposal import DisposalResult as DisposalResult
from pharmacy_desktop.services.quarantine_disposal import Form41 as Form41
from pharmacy_desktop.services.quarantine_disposal import QuarantinedLotRow as QuarantinedLotRow
from pharmacy_desktop.services.quarantine_disposal import destroy as destroy
from pharmacy_desktop.services.quarantine_disposal import quarantined_lots as quarantined_lots
from pharmacy_desktop.services.quarantine_disposal import return_to_supplier as return_to_supplier

PERMISSION = "inventory.recall"
RECALLED, EXPIRED = "recalled", "expired"
GONE = ("returned", "destroyed")
RECALL_CLASSES = ("I", "II", "III")


@dataclass(frozen=True)
class QuarantinedLot:
    batch_id: uuid.UUID
    item_id: uuid.UUID
    ndc: str
    lot: str
    expiration_date: dt.date
    quantity: Decimal  # units in the quarantine bin
    previous_status: str  # 'active' (left the available stock now) or 'expired'
    transaction_id: uuid.UUID | None  # the ledger row, when units left the available stock
    unit: str = ""  # the item's quantity unit and the drug's form: quantity_text(quantity, unit, dosage_form)
    dosage_form: str | None = None


@dataclass(frozen=True)
class Recipient:
    """A fill of the recalled lot: who to call. ``status`` 'dispensed' = the patient has it;
    'filled'/'verified' = the bag is still in the pharmacy (pull it)."""

    patient_id: uuid.UUID
    name: str
    phone: str | None
    email: str | None
    rx_number: str
    fill_date: dt.date
    status: str
    ndc: str
    lot: str | None
    quantity: Decimal
    unit: str = ""  # the prescription's quantity unit and the dispensed drug's form, for quantity_text
    dosage_form: str | None = None


@dataclass(frozen=True)
class RecallResult:
    recall_id: uuid.UUID
    ndc: str
    lot: str
    reason: str
    already_recorded: bool  # the recall existed: only lots not yet quarantined were taken now
    lots: tuple[QuarantinedLot, ...]
    recipients: tuple[Recipient, ...]

    @property
    def quantity_quarantined(self) -> Decimal:
        return sum((lot.quantity for lot in self.lots if lot.previous_status == "active"), Decimal(0))


@dataclass(frozen=True)
class ExpiryResult:
    as_of: dt.date
    lots: tuple[QuarantinedLot, ...]


def product_key(ndc_text: str) -> tuple[str, str]:
    """(the NDC's key as stored, its 10-digit product part in the 12-digit form), or ValidationFailed."""
    try:
        ndc = parse_ndc(ndc_text)
    except InvalidNDC as exc:
        raise ValidationFailed(f"{exc}. Type the NDC from the recall notice, e.g. 64725-1020-01.") from exc
    return ndc.key, ndc.ndc12[:10]


def _locked(uow: UnitOfWork, pairs: list[tuple[uuid.UUID, uuid.UUID]]) -> tuple[dict[uuid.UUID, Any], list[Any]]:
    """Lock the items, then the batches, by id (the stock lock order); both re-read."""
    items = {i.id: i for i in uow.inventory.lock_items({item_id for item_id, _ in pairs})}
    batches = uow.inventory.lock_batches(sorted({batch_id for _, batch_id in pairs}))
    return items, batches


def _quarantine(
    uow: UnitOfWork,
    item: Any,
    batch: Any,
    *,
    status: str,
    kind: str,
    reference_type: str,
    reference_id: uuid.UUID,
    reason: str,
) -> QuarantinedLot | None:
    """Move one locked batch into quarantine (status first, then the ledger row: see stock_ledger)."""
    previous = batch.status or "active"
    if previous in GONE or previous == status or (previous == RECALLED and status == EXPIRED):
        return None
    batch.status = status
    row = None
    if previous == "active":
        batch.quarantined_at = utcnow()
        if batch.quantity_remaining > 0:
            row = stock_ledger.post(
                uow,
                item,
                change=-batch.quantity_remaining,
                kind=kind,
                batch=batch,
                reference_type=reference_type,
                reference_id=reference_id,
                reason=reason,
            )
    uow.notify("inventory", item.id)
    med = uow.quarantine.medication_of(item)
    return QuarantinedLot(
        batch.id,
        item.id,
        item.ndc_code,
        batch.batch_number,
        batch.expiration_date,
        batch.quantity_remaining,
        previous,
        row.id if row is not None else None,
        unit=item.quantity_unit or "",
        dosage_form=med.dosage_form if med is not None else None,
    )


def recall_lot(
    uow_factory: UnitOfWorkFactory,
    actor: Actor | None,
    ndc: str,
    lot: str,
    *,
    reason: str,
    recall_class: str | None = None,
) -> RecallResult:
    """Record the recall of ``lot`` of the product of ``ndc``, quarantine its lots, list its fills.

    ``actor`` None is the command line on this machine; a person needs inventory.recall.
    """
    key, product = product_key(ndc)
    lot, reason = (lot or "").strip(), (reason or "").strip()
    if not lot:
        raise ValidationFailed("Give the recalled lot number (--lot), as printed on the recall notice.")
    if not reason:
        raise ValidationFailed("Give the reason for the recall (--reason), e.g. the recall notice's wording.")
    if recall_class is not None and recall_class not in RECALL_CLASSES:
        raise ValidationFailed("The recall class is I, II or III (or leave it out).")

    def attempt(_: int) -> RecallResult:
        with uow_factory(actor.user_id if actor else None) as uow:
            if actor is not None:
                access.require(uow, actor, PERMISSION, doing="recall a lot")
            uow.quarantine.serialize_recall(product, lot)
            recall = uow.quarantine.recall_for(product, lot)
            existed = recall is not None
            if recall is None:
                recall = uow.quarantine.add_recall(
                    ndc_code=key,
                    lot=lot,
                    reason=reason,
                    recall_class=recall_class,
                    initiated_by=actor.user_id if actor else None,
                )
            items, batches = _locked(uow, uow.quarantine.lot_batches(product, lot))
            lots = []
            for batch in batches:
                if batch.recall_id is None and (batch.status or "active") not in GONE:
                    batch.recall_id = recall.id
                moved = _quarantine(
                    uow,
                    items[batch.inventory_item_id],
                    batch,
                    status=RECALLED,
                    kind=stock_ledger.ADJUSTMENT,
                    reference_type="recall",
                    reference_id=recall.id,
                    reason=f"Recall of lot {lot}: {reason}"[:500],
                )
                if moved is not None:
                    lots.append(moved)
            recipients = _recipients(uow, product, lot, [b.id for b in batches])
            uow.record(
                "LotRecalled",
                "recall",
                recall.id,
                {
                    "ndc": key,
                    "lot": lot,
                    "reason": reason,
                    "recall_class": recall_class,
                    "already_recorded": existed,
                    "lots": [{"batch_id": q.batch_id, "quantity": q.quantity, "was": q.previous_status} for q in lots],
                    "fills": len(recipients),
                    "patients": len({r.patient_id for r in recipients}),
                },
            )
            uow.commit()
            return RecallResult(recall.id, key, lot, recall.reason, existed, tuple(lots), tuple(recipients))

    return with_retry(attempt)


def _recipients(uow: UnitOfWork, product: str, lot: str, batch_ids: list[uuid.UUID]) -> list[Recipient]:
    rows = uow.quarantine.recipients(product, lot, batch_ids)
    for patient_id in sorted({r.patient_id for r in rows}):
        uow.log_access("recall_outreach", "patient", patient_id)  # contact details shown for the recall
    return [
        Recipient(
            r.patient_id,
            f"{r.last_name}, {r.first_name}",
            r.phone_primary,
            r.email,
            r.prescription_number,
            r.filled_date,
            r.status,
            r.ndc_code,
            r.lot_number,
            r.quantity_dispensed,
            unit=r.quantity_unit or "",
            dosage_form=r.dosage_form,
        )
        for r in rows
    ]


def quarantine_expired(
    uow_factory: UnitOfWorkFactory, actor: Actor | None, *, as_of: dt.date | None = None
) -> ExpiryResult:
    """Quarantine every available lot whose expiration date is before ``as_of`` (default today).

    Idempotent (only 'active' lots are touched, re-checked under the lock). ``actor`` None is the
    workstation's daily job or the command line; a person needs inventory.recall.
    """
    day = as_of or dt.date.today()

    def attempt(_: int) -> ExpiryResult:
        with uow_factory(actor.user_id if actor else None) as uow:
            if actor is not None:
                access.require(uow, actor, PERMISSION, doing="quarantine expired stock")
            items, batches = _locked(uow, uow.quarantine.expired_active(day))
            lots = []
            for batch in batches:
                if (batch.status or "active") != "active" or batch.expiration_date >= day:
                    continue  # quarantined meanwhile by another workstation's pass
                moved = _quarantine(
                    uow,
                    items[batch.inventory_item_id],
                    batch,
                    status=EXPIRED,
                    kind=stock_ledger.EXPIRED,
                    reference_type="batch",
                    reference_id=batch.id,
                    reason=f"Lot {batch.batch_number} expired {batch.expiration_date.isoformat()}: quarantined",
                )
                if moved is not None:
                    lots.append(moved)
            if lots:
                uow.record(
                    "ExpiredStockQuarantined",
                    "inventory",
                    uuid.uuid5(uuid.NAMESPACE_URL, f"pharmacy-expiry:{day.isoformat()}"),
                    {
                        "as_of": day,
                        "lots": [{"batch_id": q.batch_id, "quantity": q.quantity, "lot": q.lot} for q in lots],
                    },
                )
            uow.commit()
            return ExpiryResult(day, tuple(lots))

    return with_retry(attempt)
