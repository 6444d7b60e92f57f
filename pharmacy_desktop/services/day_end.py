"""Day end (issue 13 item 13): the drawer count of a workstation, and the Z report of a business day.

What a drawer should hold is computed from the sales, never typed: per tender, what the day's
sales on that workstation took minus what its refunds gave back, plus the opening float in cash.
A drawer is closed once per business day and workstation (UNIQUE in the database), and the close
keeps expected, counted and variance as they were at that moment.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain.drug_names import drug_display_name
from pharmacy_desktop.domain.money import ZERO, format_money, to_money
from pharmacy_desktop.domain.workflow import Permission
from pharmacy_desktop.errors import ValidationFailed
from pharmacy_desktop.printing.day_end import ControlledPickup, DayEndData, DrawerLine, DrawerSummary, TenderTotal
from pharmacy_desktop.printing.documents import TENDER_NAMES, normalize_schedule
from pharmacy_desktop.services import access
from pharmacy_desktop.services.auth import Actor

__all__ = [
    "TENDER_METHODS",
    "REPORTS_PERMISSION",
    "TenderExpected",
    "DrawerExpected",
    "DrawerCount",
    "DrawerClose",
    "drawer_expected",
    "close_drawer",
    "day_end_data",
]

TENDER_METHODS = tuple(TENDER_NAMES)  # cash, credit_card, debit_card, check
REPORTS_PERMISSION = "reports.view"
CLOSE_PERMISSION = Permission.CLOSE_DRAWER


@dataclass(frozen=True)
class TenderExpected:
    """One tender of a drawer: what the sales took, what refunds gave back, what should be there."""

    method: str
    sales: Decimal
    refunds: Decimal
    expected: Decimal  # sales - refunds, + the opening float for cash


@dataclass(frozen=True)
class DrawerExpected:
    business_date: dt.date
    workstation: str
    opening_float: Decimal
    tenders: tuple[TenderExpected, ...]  # cash first, then the other methods used that day
    closed_at: dt.datetime | None = None  # set when the drawer was already closed (its stored float)

    def expected(self, method: str) -> Decimal:
        return next((t.expected for t in self.tenders if t.method == method), ZERO)


@dataclass(frozen=True)
class DrawerCount:
    method: str
    expected: Decimal
    counted: Decimal
    variance: Decimal  # counted - expected: negative is short


@dataclass(frozen=True)
class DrawerClose:
    id: uuid.UUID
    business_date: dt.date
    workstation: str
    opening_float: Decimal
    counts: tuple[DrawerCount, ...]
    notes: str | None
    closed_by: str
    closed_at: dt.datetime

    @property
    def variance(self) -> Decimal:
        return sum((c.variance for c in self.counts), ZERO)


def _workstation(workstation: str) -> str:
    name = (workstation or "").strip()
    if not name:
        raise ValidationFailed("Name the workstation whose drawer this is.", {"workstation": "required"})
    return name


def _non_negative(value: Decimal, what: str, field: str) -> Decimal:
    amount = to_money(value)  # a float is refused (TypeError): money is never binary floating point
    if amount < 0:
        raise ValidationFailed(f"The {what} cannot be negative ({format_money(amount)}).", {field: "negative"})
    return amount


def _order(methods: set[str]) -> list[str]:
    known = [m for m in TENDER_METHODS if m in methods]
    return known + sorted(methods - set(known))


def _expected(uow: UnitOfWork, day: dt.date, workstation: str, opening_float: Decimal) -> list[TenderExpected]:
    reports = uow.billing_reports
    sales = {s.method: s.amount for s in reports.sales_by_tender(day, workstation)}
    refunds = {r.method: r.amount for r in reports.refunds_by_tender(day, workstation)}
    tenders = []
    for method in _order({"cash", *sales, *refunds}):
        took, gave = sales.get(method, ZERO), refunds.get(method, ZERO)
        float_ = opening_float if method == "cash" else ZERO
        tenders.append(TenderExpected(method, took, gave, took - gave + float_))
    return tenders


def drawer_expected(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    business_date: dt.date,
    workstation: str,
    *,
    opening_float: Decimal = ZERO,
) -> DrawerExpected:
    """What the drawer of ``workstation`` should hold at the end of ``business_date``, per tender.

    The opening float is what the cashier started the day with (it is recorded when the drawer is
    closed); for a drawer already closed, the stored float and ``closed_at`` are returned.
    """
    name = _workstation(workstation)
    start = _non_negative(opening_float, "opening float", "opening_float")
    with uow_factory(actor.user_id) as uow:
        access.require(uow, actor, CLOSE_PERMISSION, doing="count the cash drawer")
        closed = uow.billing_reports.drawer_close(business_date, name)
        if closed is not None:
            start = to_money(closed.opening_float)
        tenders = _expected(uow, business_date, name, start)
        return DrawerExpected(business_date, name, start, tuple(tenders), closed.closed_at if closed else None)


def _counts(counted: Mapping[str, Decimal]) -> dict[str, Decimal]:
    counts: dict[str, Decimal] = {}
    for method, amount in counted.items():
        if method not in TENDER_METHODS:
            raise ValidationFailed(
                f"{method!r} is not a tender; count {', '.join(TENDER_METHODS)}.", {"counted": "unknown tender"}
            )
        counts[method] = _non_negative(amount, f"{TENDER_NAMES[method].lower()} count", method)
    return counts


def close_drawer(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    business_date: dt.date,
    workstation: str,
    opening_float: Decimal,
    counted: Mapping[str, Decimal],
    notes: str | None = None,
) -> DrawerClose:
    """Close the drawer of ``workstation`` for ``business_date`` with what was counted per tender.

    Every tender the day's sales used (and cash, always) must be counted. The expected amounts are
    computed again here, inside the closing transaction; a drawer is closed once per day.
    """
    name = _workstation(workstation)
    start = _non_negative(opening_float, "opening float", "opening_float")
    counts = _counts(counted)
    if business_date > dt.date.today():
        raise ValidationFailed(f"{business_date:%m/%d/%Y} has not begun yet: close today's drawer or an earlier one.")
    with uow_factory(actor.user_id) as uow:
        access.require(uow, actor, CLOSE_PERMISSION, doing="close the cash drawer")
        reports = uow.billing_reports
        already = reports.drawer_close(business_date, name)
        if already is not None:
            who = already.closed_by
            by = (uow.users.display_names([who]).get(who) if who else None) or "someone"
            raise ValidationFailed(
                f"The drawer of {name} for {business_date:%m/%d/%Y} was already closed by {by} at "
                f"{already.closed_at.astimezone():%H:%M}; a drawer is closed once a day. "
                "Print the Z report to see its count."
            )
        tenders = {t.method: t.expected for t in _expected(uow, business_date, name, start)}
        missing = [m for m, amount in tenders.items() if m not in counts and (amount != 0 or m == "cash")]
        if missing:
            what = ", ".join(f"{TENDER_NAMES.get(m, m).lower()} (expected {format_money(tenders[m])})" for m in missing)
            raise ValidationFailed(f"Count every tender before closing: {what}.", {m: "required" for m in missing})
        lines = tuple(
            DrawerCount(m, tenders.get(m, ZERO), counts[m], counts[m] - tenders.get(m, ZERO))
            for m in _order(set(tenders) | set(counts))
        )
        row = reports.add_drawer_close(
            day=business_date,
            workstation=name,
            opening_float=start,
            expected={c.method: str(c.expected) for c in lines},
            counted={c.method: str(c.counted) for c in lines},
            variance={c.method: str(c.variance) for c in lines},
            notes=(notes or "").strip() or None,
            closed_by=actor.user_id,
        )
        uow.record(
            "DrawerClosed",
            "drawer_close",
            row.id,
            {
                "business_date": business_date.isoformat(),
                "workstation": name,
                "opening_float": str(start),
                "variance": {c.method: str(c.variance) for c in lines},
            },
        )
        uow.notify("drawer_closes", row.id, workstation=name, business_date=business_date.isoformat())
        result = DrawerClose(
            row.id, business_date, name, start, lines, row.notes, actor.display_name, row.closed_at.astimezone()
        )
        uow.commit()
        return result


def _stored(values: Mapping[str, object], method: str) -> Decimal | None:
    value = values.get(method)
    return None if value is None else Decimal(str(value))


def _drawer_summaries(uow: UnitOfWork, day: dt.date, workstations: list[str]) -> tuple[DrawerSummary, ...]:
    closes = {c.workstation: c for c in uow.billing_reports.drawer_closes(day)}
    names = uow.users.display_names(c.closed_by for c in closes.values())
    drawers = []
    for ws in workstations:
        close = closes.get(ws)
        if close is None:  # not closed: what it should hold, with no float known yet
            lines = tuple(DrawerLine(t.method, t.expected) for t in _expected(uow, day, ws, ZERO))
            drawers.append(DrawerSummary(ws, lines))
            continue
        methods = _order(set(close.expected) | set(close.counted))
        closed_lines = tuple(
            DrawerLine(m, _stored(close.expected, m) or ZERO, _stored(close.counted, m)) for m in methods
        )
        by = names.get(close.closed_by) if close.closed_by else None
        drawers.append(DrawerSummary(ws, closed_lines, to_money(close.opening_float), by, close.closed_at.astimezone()))
    return tuple(drawers)


def _schedule(value: str) -> str:
    try:
        return normalize_schedule(value) or value
    except ValueError:  # an odd catalog value is still shown, as stored
        return value


def day_end_data(uow_factory: UnitOfWorkFactory, actor: Actor | None, business_date: dt.date) -> DayEndData:
    """Everything the Z report of ``business_date`` shows, for every workstation of the day.

    ``actor`` None is the command line on this machine (like ``print label``); a person needs
    reports.view or pos.close_drawer. Viewing it is recorded: it lists who picked up controlled drugs.
    """
    with uow_factory(actor.user_id if actor else None) as uow:
        if actor is not None:
            permission = REPORTS_PERMISSION if actor.can(REPORTS_PERMISSION) else CLOSE_PERMISSION
            access.require(uow, actor, permission, doing="see the day-end (Z) report")
        reports = uow.billing_reports
        profile = uow.users.pharmacy_profile()
        workstations = reports.workstations(business_date)
        totals = reports.sale_totals(business_date)
        voids, voided = reports.voids(business_date)
        pickups = tuple(
            ControlledPickup(
                rx_number=row.rx_number,
                drug=drug_display_name(row.drug_name, row.strength),
                schedule=_schedule(row.dea_schedule),
                picker_name=row.picker_name,
                id_type=row.id_type or "",
                id_number=row.id_number or "",  # masked to its last four by ControlledPickup
                id_state=row.id_state or "",
                picked_up_at=row.picked_up_at.astimezone(),
            )
            for row in reports.controlled_pickups(business_date)
        )
        data = DayEndData(
            pharmacy_name=profile.name if profile is not None else "Pharmacy",
            business_date=business_date,
            workstations=tuple(workstations),
            generated_at=dt.datetime.now().astimezone().replace(microsecond=0),
            sales_by_tender=tuple(TenderTotal(*s) for s in reports.sales_by_tender(business_date)),
            refunds_by_tender=tuple(TenderTotal(*r) for r in reports.refunds_by_tender(business_date)),
            voids_count=voids,
            voids_amount=voided,
            discounts_total=totals.discount,
            tax_total=totals.tax,
            insurance_paid_total=totals.insurance,
            prescriptions_picked_up=reports.prescriptions_picked_up(business_date),
            controlled_pickups=pickups,
            drawers=_drawer_summaries(uow, business_date, workstations),
        )
        uow.record(
            "DayEndReportViewed",
            "day_end",
            uuid.uuid5(uuid.NAMESPACE_URL, f"day-end:{business_date.isoformat()}"),
            {"business_date": business_date.isoformat(), "controlled_pickups": len(pickups)},
        )
        uow.commit()
        return data
