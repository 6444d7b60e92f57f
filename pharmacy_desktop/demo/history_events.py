"""The adjustments, the count, the expiry pass and the recall of the demo's year of inventory
history (demo/inventory_history.py calls each on its day, with the clock held at that moment).

- damage approved at once by the system (small, not controlled: under the pharmacy's thresholds);
- a larger damage approved by the manager the next day; a controlled loss (DEA Form 106 data)
  approved by the pharmacist; an increase the manager rejects; two left pending at the end (one
  controlled);
- a blind count of shelf B, each item scanned, one short and one over, submitted: its variance
  adjustments are approved the next day and the count closes;
- the daily expiry pass quarantines a short-dated lot; one expired lot goes back to the supplier;
- a lot that was dispensed is recalled: quarantined, its patients listed for outreach.

The recall and the expired lot concern items today's prescriptions do not use ("quiet" items), so
the day at the counter (demo/prescriptions.py, demo/pickups.py) finds plain stock.
"""

from __future__ import annotations

import functools
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import text

from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
from pharmacy_desktop.domain import clock

_Step = Any  # (uow_factory, actors, items, info, summary) -> None


def events(days: int, expiry_day: int, quiet: set[uuid.UUID]) -> dict[int, list[tuple[int, _Step]]]:
    """What happens on which day (days after the history's first), at which hour: after the day's
    fills (15:30), so the ledger's order and its dates agree."""
    return {
        expiry_day: [(16, _expiry_pass)],
        expiry_day + 7: [(16, _return_expired)],
        45: [(16, _damage_small)],
        75: [(16, _damage_large)],
        76: [(16, _approve_pending)],
        130: [(16, _controlled_loss)],
        131: [(16, _approve_pending)],
        200: [(18, _count_shelf)],
        201: [(16, _approve_pending)],
        250: [(16, _mistaken_increase)],
        251: [(16, _reject_pending)],
        300: [(16, functools.partial(_recall, quiet=quiet))],
        days - 4: [(17, _awaiting_approval)],
    }


def _request(
    uow_factory: UnitOfWorkFactory,
    actors: dict[str, Any],
    item_id: uuid.UUID,
    kind: str,
    change: int,
    reason: str,
    summary: Any,
) -> Any:
    from pharmacy_desktop.services import adjustments

    summary.adjustments += 1
    return adjustments.request_adjustment(
        uow_factory, actors["technician"], item_id=item_id, adjustment_type=kind, reason=reason, change=Decimal(change)
    )


def _item(items: dict[str, uuid.UUID], *choices: str) -> uuid.UUID:
    return next(items[g] for g in choices if g in items)


def _stocked(uow_factory: UnitOfWorkFactory, items: dict[str, uuid.UUID], units: int, *choices: str) -> uuid.UUID:
    """The first of ``choices`` with at least ``units`` on the shelf that day (else the first one)."""
    with uow_factory() as uow:
        for generic in choices:
            if generic in items and uow.inventory.require(items[generic]).quantity_on_hand >= units:
                return items[generic]
    return _item(items, *choices)


def _damage_small(uow_factory, actors, items, info, summary) -> None:  # type: ignore[no-untyped-def]
    # small and not controlled: approved at once by the system (under the pharmacy's thresholds)
    _request(
        uow_factory,
        actors,
        _stocked(uow_factory, items, 3, "lisinopril", "metformin", "amlodipine"),
        "damage",
        -3,
        "Bottle dropped at the counter; three tablets crushed.",
        summary,
    )


def _damage_large(uow_factory, actors, items, info, summary) -> None:  # type: ignore[no-untyped-def]
    _request(
        uow_factory,
        actors,
        _stocked(uow_factory, items, 120, "omeprazole", "metformin", "lisinopril", "atorvastatin"),
        "damage",
        -60,
        "Water leak over shelf C: an opened bottle soaked and discarded.",
        summary,
    )


def _controlled_loss(uow_factory, actors, items, info, summary) -> None:  # type: ignore[no-untyped-def]
    # every controlled-substance adjustment waits for someone else (a loss: DEA Form 106 data)
    _request(
        uow_factory,
        actors,
        _stocked(uow_factory, items, 4, "lorazepam", "hydrocodone"),
        "loss",
        -4,
        "Four tablets missing at the month-end controlled count; not found after a search.",
        summary,
    )


def _mistaken_increase(uow_factory, actors, items, info, summary) -> None:  # type: ignore[no-untyped-def]
    _request(
        uow_factory,
        actors,
        _item(items, "amlodipine", "lisinopril"),
        "system_error",
        120,
        "Stock seems to be missing from the records.",
        summary,
    )


def _awaiting_approval(uow_factory, actors, items, info, summary) -> None:  # type: ignore[no-untyped-def]
    _request(
        uow_factory,
        actors,
        _stocked(uow_factory, items, 70, "atorvastatin", "lisinopril", "metformin", "amlodipine"),
        "damage",
        -70,
        "Tote crushed in the delivery: bottles cracked, set aside for the manager.",
        summary,
    )
    _request(
        uow_factory,
        actors,
        _stocked(uow_factory, items, 2, "hydrocodone", "lorazepam"),
        "physical_count",
        -2,
        "Shelf count two short of the perpetual log at the weekly C-II count.",
        summary,
    )


def _pending(uow_factory: UnitOfWorkFactory, actor: Any) -> list[Any]:
    from pharmacy_desktop.services.adjustment_views import pending_adjustments

    return list(pending_adjustments(uow_factory, actor))


def _approve_pending(uow_factory, actors, items, info, summary) -> None:  # type: ignore[no-untyped-def]
    from pharmacy_desktop.services import adjustments

    for pending in _pending(uow_factory, actors["manager"]):
        approver = actors["pharmacist"] if pending.is_controlled else actors["manager"]
        adjustments.approve_adjustment(uow_factory, approver, pending.id, note="Checked on the shelf.")


def _reject_pending(uow_factory, actors, items, info, summary) -> None:  # type: ignore[no-untyped-def]
    from pharmacy_desktop.services import adjustments

    for pending in _pending(uow_factory, actors["manager"]):
        adjustments.reject_adjustment(
            uow_factory, actors["manager"], pending.id, note="The units are on the open order, not lost: no change."
        )


def _expiry_pass(uow_factory, actors, items, info, summary) -> None:  # type: ignore[no-untyped-def]
    from pharmacy_desktop.services import quarantine

    result = quarantine.quarantine_expired(uow_factory, None, as_of=clock.local_now().date())  # the daily job
    summary.notes.append(f"{len(result.lots)} expired lot(s) quarantined")


def _return_expired(uow_factory, actors, items, info, summary) -> None:  # type: ignore[no-untyped-def]
    from pharmacy_desktop.services import quarantine_disposal

    lots = [lot for lot in quarantine_disposal.quarantined_lots(uow_factory, actors["pharmacist"])]
    for lot in lots[:1] if len(lots) > 1 else ():  # one goes back for credit, the rest wait in quarantine
        quarantine_disposal.return_to_supplier(
            uow_factory,
            actors["pharmacist"],
            lot.batch_id,
            reason="Expired: returned for credit",
            supplier="McKesson",
            day=clock.local_now().date(),
        )


def _count_shelf(uow_factory, actors, items, info, summary) -> None:  # type: ignore[no-untyped-def]
    """A blind count of shelf B: each item scanned and counted; one bottle short, one found."""
    from pharmacy_desktop.services import counts

    tech = actors["technician"]
    sheet = counts.open_count(uow_factory, tech, shelf="B")
    with uow_factory() as uow:  # what the shelf really holds (the counter does not see it)
        on_hand = {i: uow.inventory.require(i).quantity_on_hand for i in (line.item_id for line in sheet.lines)}
    for n, line in enumerate(sheet.lines):
        counted = on_hand[line.item_id] + (-5 if n == 0 else 2 if n == 1 else 0)
        counts.record_count(uow_factory, tech, sheet.id, scan=info[line.item_id][0], quantity=max(counted, Decimal(0)))
    result = counts.submit_count(uow_factory, tech, sheet.id)
    summary.adjustments += len(result.variances)


def _recall(uow_factory, actors, items, info, summary, *, quiet) -> None:  # type: ignore[no-untyped-def]
    """The manufacturer recalls a lot this pharmacy dispensed from: quarantined, patients listed."""
    from pharmacy_desktop.services import quarantine

    with uow_factory() as uow:
        found = uow.active_session.execute(
            text(
                "SELECT i.ndc_code, b.batch_number FROM inventory_schema.inventory_batches b "
                "JOIN inventory_schema.inventory_items i ON i.id = b.inventory_item_id "
                "JOIN prescription_schema.medications m ON m.id = i.medication_id "
                "WHERE b.status = 'active' AND b.quantity_remaining > 0 AND NOT coalesce(m.is_controlled_substance, false) "
                "AND i.id = ANY(:quiet) "
                "AND EXISTS (SELECT 1 FROM inventory_schema.inventory_transactions t "
                "            WHERE t.batch_id = b.id AND t.transaction_type = 'dispensed') "
                "ORDER BY b.received_date, i.ndc_code, b.batch_number LIMIT 1"
            ),
            {"quiet": sorted(quiet)},
        ).first()
    if found is None:
        return
    result = quarantine.recall_lot(
        uow_factory,
        actors["manager"],
        found[0],
        found[1],
        reason="Manufacturer recall: tablets may contain a foreign substance (FDA enforcement report).",
        recall_class="II",
    )
    summary.notes.append(f"lot {result.lot} recalled, {len(result.recipients)} fill(s) to call about")
