"""The inventory reports (issue 14 item 7): the data of each, for the screen, the PDF and the CSV.

- ``controlled_log``: the perpetual inventory of every Schedule II-V item (printing/controlled_log.py).
- ``expiring``: lots with stock expiring within N days (90 by default), expired ones included.
- ``valuation``: on hand x unit cost and x AWP per item, with totals.
- ``dispensing_log``: every dispense in a period: Rx, patient, drug, NDC, quantity, lot, pharmacist.
- ``reorder``: the items below their reorder point, with a suggested quantity.

Who may: the controlled log, the valuation and the dispensing log (patient names) need
``reports.view``; the expiring and reorder lists ``inventory.view`` or ``reports.view``. ``actor``
None is the command line on this machine (like the day-end report). Viewing the dispensing log or
the controlled log is recorded as an event (who looked at which period).

Periods are calendar days in the workstation's time zone, both ends included.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from pharmacy_desktop.db.repositories.inventory_reports import LedgerRow, ReorderRow
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain.clock import local_now
from pharmacy_desktop.domain.drug_names import drug_display_name
from pharmacy_desktop.domain.money import to_money
from pharmacy_desktop.domain.schedules import Schedule, parse_schedule
from pharmacy_desktop.errors import ValidationFailed
from pharmacy_desktop.printing.controlled_log import ControlledLog, ItemLog, LogEntry
from pharmacy_desktop.printing.inventory_reports import (
    DispenseLine,
    DispensingLog,
    ExpiringLot,
    ExpiringReport,
    ReorderLine,
    ReorderReport,
    ValuationLine,
    ValuationReport,
)
from pharmacy_desktop.services import access
from pharmacy_desktop.services.auth import Actor

__all__ = [
    "REPORTS_PERMISSION",
    "INVENTORY_PERMISSION",
    "DEFAULT_EXPIRING_DAYS",
    "controlled_log",
    "expiring",
    "valuation",
    "dispensing_log",
    "reorder",
    "suggested_quantity",
]

REPORTS_PERMISSION = "reports.view"
INVENTORY_PERMISSION = "inventory.view"
DEFAULT_EXPIRING_DAYS = 90
MAX_DAYS = 3660
_LOGGED = frozenset({Schedule.CII, Schedule.CIII, Schedule.CIV, Schedule.CV})  # C-I is never stocked


def _allow(uow: UnitOfWork, actor: Actor | None, doing: str, *, inventory_too: bool = False) -> None:
    if actor is None:
        return
    permission = REPORTS_PERMISSION
    if inventory_too and not actor.can(REPORTS_PERMISSION):
        permission = INVENTORY_PERMISSION
    access.require(uow, actor, permission, doing=doing)


def _pharmacy_name(uow: UnitOfWork) -> str:
    profile = uow.users.pharmacy_profile()
    return profile.name if profile is not None else "Pharmacy"


def _day_start(day: dt.date) -> dt.datetime:
    """Local midnight at the start of ``day`` (aware: compared with timestamptz columns)."""
    return dt.datetime.combine(day, dt.time.min).astimezone()


def _period(start: dt.date | None, end: dt.date | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    if start is not None and end is not None and start > end:
        raise ValidationFailed(
            f"The period starts ({start:%m/%d/%Y}) after it ends ({end:%m/%d/%Y}): swap --from and --to."
        )
    return (
        _day_start(start) if start else None,
        _day_start(end + dt.timedelta(days=1)) if end else None,
    )


def _drug(name: str, strength: str | None) -> str:
    return drug_display_name(name, strength)


# ---- controlled log ---------------------------------------------------------------------------


def _local(at: dt.datetime, offsets: dict[int, dt.tzinfo | None]) -> dt.datetime:
    """``at`` in the workstation's time zone. astimezone() with no zone asks the OS for each value
    (most of a year's controlled log time); the offset is looked up once per hour of UTC instead
    (time zones change their offset on the hour), daylight saving time included."""
    hour = int(at.timestamp()) // 3600
    zone = offsets.get(hour)
    if zone is None:
        zone = offsets[hour] = at.astimezone().tzinfo
    return at.astimezone(zone)


def _entries(rows: list[LedgerRow], opening: Decimal, offsets: dict[int, dt.tzinfo | None]) -> tuple[LogEntry, ...]:
    balance = opening
    entries = []
    for row in rows:
        change = row.quantity_change
        balance += change
        entries.append(
            LogEntry(
                at=_local(row.at, offsets),
                kind=row.kind,
                reference=row.reference,
                quantity_in=change if change > 0 else None,
                quantity_out=-change if change < 0 else None,
                balance=balance,
            )
        )
    return tuple(entries)


def controlled_log(
    uow_factory: UnitOfWorkFactory,
    actor: Actor | None,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> ControlledLog:
    """The perpetual log of every Schedule II-V item over [start, end] (open ends: the whole ledger,
    up to now). The running balance is computed from the opening balance and each row's change, not
    copied from the ledger, so a broken chain would show; up to now it ends at the item's on hand.

    Items that held nothing and had no movement in the period are left out."""
    since, until = _period(start, end)
    with uow_factory(actor.user_id if actor else None) as uow:
        _allow(uow, actor, "see the controlled substance log")
        repo = uow.inventory_reports
        items = [i for i in repo.controlled_items() if _schedule(i.dea_schedule) in _LOGGED]
        ids = [i.item_id for i in items]
        rows_by_item: dict[uuid.UUID, list[LedgerRow]] = {i: [] for i in ids}
        for row in repo.controlled_ledger(ids, since, until):
            rows_by_item[row.item_id].append(row)
        openings = repo.opening_balances(ids, since) if since else {}
        offsets: dict[int, dt.tzinfo | None] = {}
        logs = []
        for item in items:
            rows = rows_by_item[item.item_id]
            if rows:
                opening = rows[0].quantity_before
            else:  # nothing moved since the start: it held then what it holds now
                opening = openings.get(item.item_id, item.on_hand)
            if not rows and opening == 0:  # held nothing and nothing moved in the period
                continue
            opening_date = start or (_local(rows[0].at, offsets).date() if rows else None)
            logs.append(
                ItemLog(
                    ndc=item.ndc,
                    drug=_drug(item.drug_name, item.strength),
                    schedule=_schedule(item.dea_schedule).display,
                    unit=item.unit,
                    opening=opening,
                    opening_date=opening_date,
                    entries=_entries(rows, opening, offsets),
                    on_hand=item.on_hand,
                )
            )
        log = ControlledLog(_pharmacy_name(uow), start, end, local_now().replace(microsecond=0), tuple(logs))
        _viewed(uow, "ControlledLogViewed", start, end, items=len(logs))
        return log


def _schedule(value: str) -> Schedule:
    try:
        return parse_schedule(value)
    except ValueError:  # an odd catalog value: not a schedule the log can name
        return Schedule.NONE


def _viewed(uow: UnitOfWork, event: str, start: dt.date | None, end: dt.date | None, **counts: int) -> None:
    key = f"{event}:{start}:{end}"
    data: dict[str, object] = {"from": start.isoformat() if start else None, "to": end.isoformat() if end else None}
    uow.record(event, "inventory_report", uuid.uuid5(uuid.NAMESPACE_URL, key), {**data, **counts})
    uow.commit()


# ---- expiring, valuation ----------------------------------------------------------------------


def expiring(
    uow_factory: UnitOfWorkFactory,
    actor: Actor | None,
    *,
    days: int = DEFAULT_EXPIRING_DAYS,
    as_of: dt.date | None = None,
) -> ExpiringReport:
    """Lots with stock expiring within ``days`` of ``as_of`` (today), the expired ones too, soonest first."""
    if not 0 <= days <= MAX_DAYS:
        raise ValidationFailed(f"Give a number of days from 0 to {MAX_DAYS} (you gave {days}).", {"days": "range"})
    today = as_of or dt.date.today()
    with uow_factory(actor.user_id if actor else None) as uow:
        _allow(uow, actor, "see the expiring stock", inventory_too=True)
        lots = tuple(
            ExpiringLot(
                r.ndc, _drug(r.drug_name, r.strength), r.lot, r.expiration_date, r.quantity, r.status, r.bin_location
            )  # fmt: skip
            for r in uow.inventory_reports.expiring_batches(today + dt.timedelta(days=days))
        )
        return ExpiringReport(_pharmacy_name(uow), days, today, local_now().replace(microsecond=0), lots)


def _value(quantity: Decimal, price: Decimal | None) -> Decimal | None:
    return None if price is None else to_money(quantity * price)


def valuation(uow_factory: UnitOfWorkFactory, actor: Actor | None) -> ValuationReport:
    """Every active item holding stock: on hand x unit cost and x AWP (to the cent), with totals."""
    with uow_factory(actor.user_id if actor else None) as uow:
        _allow(uow, actor, "see the inventory valuation")
        lines = tuple(
            ValuationLine(
                r.ndc,
                _drug(r.drug_name, r.strength),
                r.on_hand,
                r.unit,
                r.unit_cost,
                _value(r.on_hand, r.unit_cost),
                r.awp,
                _value(r.on_hand, r.awp),
            )
            for r in uow.inventory_reports.valuation()
        )
        return ValuationReport(_pharmacy_name(uow), local_now().replace(microsecond=0), lines)


# ---- dispensing log, reorder ------------------------------------------------------------------


def dispensing_log(
    uow_factory: UnitOfWorkFactory, actor: Actor | None, *, start: dt.date | None = None, end: dt.date | None = None
) -> DispensingLog:
    """Every dispense (one line per lot taken) from ``start`` to ``end`` (default: today), oldest first.
    Fills later returned to stock are left out: they never reached a patient."""
    end = end or dt.date.today()
    start = start or end
    since, until = _period(start, end)
    assert since is not None and until is not None
    with uow_factory(actor.user_id if actor else None) as uow:
        _allow(uow, actor, "see the dispensing log")
        rows = uow.inventory_reports.dispenses(since, until)
        names = uow.users.display_names(r.verified_by for r in rows)
        lines = tuple(
            DispenseLine(
                at=r.at.astimezone(),
                rx_number=r.rx_number or "",
                fill_number=r.refill_number,
                patient=f"{r.patient_last}, {r.patient_first}" if r.patient_last else "",
                drug=_drug(r.drug_name, r.strength),
                ndc=r.ndc,
                quantity=r.quantity,
                lot=r.lot,
                pharmacist=names.get(r.verified_by, "") if r.verified_by else "",
            )
            for r in rows
        )
        log = DispensingLog(_pharmacy_name(uow), start, end, local_now().replace(microsecond=0), lines)
        _viewed(uow, "DispensingLogViewed", start, end, dispenses=len(lines))
        return log


def suggested_quantity(
    on_hand: Decimal, reorder_quantity: Decimal, par_level: Decimal | None, on_order: Decimal
) -> Decimal:
    """Up to the par level when one is set, else the reorder quantity; less what is already on order."""
    wanted = par_level - on_hand if par_level is not None and par_level > on_hand else reorder_quantity
    return max(wanted - on_order, Decimal(0))


def _reorder_line(r: ReorderRow) -> ReorderLine:
    suggested = suggested_quantity(r.on_hand, r.reorder_quantity, r.par_level, r.on_order)
    return ReorderLine(
        r.ndc,
        _drug(r.drug_name, r.strength),
        r.on_hand,
        r.unit,
        r.reorder_point,
        r.reorder_quantity,
        r.par_level,
        r.on_order,
        suggested,
        r.unit_cost,
        _value(suggested, r.unit_cost),
    )


def reorder(uow_factory: UnitOfWorkFactory, actor: Actor | None) -> ReorderReport:
    """The active items below their reorder point, emptiest first, each with a suggested quantity."""
    with uow_factory(actor.user_id if actor else None) as uow:
        _allow(uow, actor, "see the reorder list", inventory_too=True)
        lines = tuple(_reorder_line(r) for r in uow.inventory_reports.below_reorder_point())
        return ReorderReport(_pharmacy_name(uow), local_now().replace(microsecond=0), lines)
