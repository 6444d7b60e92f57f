"""The demo pharmacy's year of inventory, made through the inventory services, day by day.

What happens, in date order (day 0 is a year before the demo's ``today``):

- suppliers are saved (``purchasing.save_supplier``; McKesson holds a DEA number: it ships C-II);
- every four weeks the buyer turns the reorder suggestions into draft orders
  (``purchasing.create_draft_orders``; C-II on an order of its own, sent with its CSOS number),
  sends them (``send_order``), and two days later the technician receives every package by its
  scanned GS1 DataMatrix (]d2, GTIN, expiry, lot, GS, serial), through the bulk path for history of
  ``receiving.receive`` (demo/history_receiving.py: its checks, one INSERT per table); the first
  order is spread over the three suppliers, later suggestions follow each item's last supplier;
  the low-stock items of the loader are ordered once and never again;
- every day the history's fills take their stock through ``stock_ledger.HistoryLedger`` (demo/history_fills.py
  says why the fills are imported records rather than ``fill.fill`` runs, and how);
- adjustments, a blind count, the daily expiry pass and a return to the supplier, a recall
  (demo/history_events.py);
- at the end an order sent three days ago, received in part yesterday, stays open, and today's
  reorder suggestions are a draft.

Dates. The services write "now". Each step runs with the clock held at its historical moment
(``domain.clock.set_at``, this thread only), so what the services stamp in Python (order, receipt,
decision and quarantine dates) is that moment; the columns the database would date itself (the
ledger's ``transaction_date``, a package's ``received_at``, every ``created_at`` ...: ``now()``) are
given the same moment by hooks of this loader's sessions when a row is added (or, at the latest,
before it is inserted), in the same transaction. Steps run in chronological order (the fills of the days between
two other steps in one transaction, each day's rows on its own date), so the ledger's ``seq`` order
and its dates agree. The audit trail (domain events, access log, written by database functions)
keeps the time the demo was loaded.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, event, func, select, text
from sqlalchemy import inspect as sa_inspect

from pharmacy_desktop.db.engine import make_session_factory
from pharmacy_desktop.db.models.inventory import InventoryItem, InventoryTransaction
from pharmacy_desktop.db.models.prescriptions import Medication
from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
from pharmacy_desktop.demo import history_events, history_fills, history_receiving
from pharmacy_desktop.demo.history_receiving import SHORT_LIFE
from pharmacy_desktop.demo.prescriptions import CURRENT
from pharmacy_desktop.domain import clock
from pharmacy_desktop.domain.identifiers import dea_check_digit
from pharmacy_desktop.domain.schedules import Schedule, parse_schedule
from pharmacy_desktop.services.purchase_views import package_units

log = logging.getLogger(__name__)

DAYS = 364
CYCLE = 28  # days between the buyer's orders
DELIVERY = 2  # days from sending to receiving
SUPPLIERS = (
    ("McKesson", "Customer service", "RM", "314159"),  # ships C-II: a DEA registration of its own
    ("Cardinal Health", "Order desk", None, None),
    ("AmerisourceBergen", "Account manager", None, None),
)


@dataclass
class HistorySummary:
    orders: int = 0
    deliveries: int = 0
    fills: int = 0
    skipped_fills: int = 0
    adjustments: int = 0
    ledger_rows: int = 0
    notes: list[str] = field(default_factory=list)


class _History:
    """The loader's units of work on the historical clock (see the module docstring)."""

    def __init__(self, engine: Engine) -> None:
        sessions = make_session_factory(engine)
        event.listen(sessions, "before_flush", self._date_new_rows)
        event.listen(sessions, "transient_to_pending", self._date_added_row)
        self.uow_factory = UnitOfWorkFactory(sessions, workstation="demo-history")
        self.at: dt.datetime | None = None
        self._dated: dict[type, tuple[tuple[str, ...], tuple[tuple[str, Any], ...]]] = {}

    def _date_new_rows(self, session: Any, _context: Any, _instances: Any) -> None:
        """Rows about to be inserted get the moment in the columns the database would date now()."""
        if self.at is None:
            return
        for row in session.new:
            for name in self._dated_columns(type(row)):
                if getattr(row, name) is None:
                    setattr(row, name, self.at)

    def _date_added_row(self, _session: Any, row: Any) -> None:
        """A row added now keeps this moment even when it is flushed later (the fills' bulk path),
        and the plain literal defaults of the columns it leaves unset (``'filled'``, ``false``, ``0``):
        with nothing left for the database to fill, the ORM inserts many rows in one statement
        instead of one statement per row to read the defaults back."""
        if self.at is None:
            return
        dated, literals = self._defaults(type(row))
        for name in dated:
            if getattr(row, name) is None:
                setattr(row, name, self.at)
        for name, value in literals:
            if name not in row.__dict__:
                setattr(row, name, value)

    def _dated_columns(self, cls: type) -> tuple[str, ...]:
        return self._defaults(cls)[0]

    def _defaults(self, cls: type) -> tuple[tuple[str, ...], tuple[tuple[str, Any], ...]]:
        """(the columns the database dates now(), (column, literal default) pairs) of a mapped class."""
        found = self._dated.get(cls)
        if found is None:
            dated: tuple[str, ...] = ()
            literals: tuple[tuple[str, Any], ...] = ()
            for prop in sa_inspect(cls).column_attrs:  # type: ignore[var-annotated]
                column = prop.columns[0]
                arg = str(getattr(column.server_default, "arg", "")).strip()
                if "current_timestamp" in arg.lower() or "now()" in arg.lower():
                    dated += (prop.key,)
                elif (value := _literal(arg, column.type)) is not _NO_LITERAL:
                    literals += ((prop.key, value),)
            found = self._dated[cls] = (dated, literals)
        return found

    def set(self, day: dt.date, hour: int, minute: int = 0) -> None:
        """Move the moment within a step (the caller's ``on`` puts the clock back afterwards)."""
        self.at = dt.datetime.combine(day, dt.time(hour, minute)).astimezone()
        clock.set_at(self.at)

    @contextmanager
    def on(self, day: dt.date, hour: int = 10, minute: int = 0) -> Iterator[None]:
        self.at = dt.datetime.combine(day, dt.time(hour, minute)).astimezone()
        token = clock.set_at(self.at)
        try:
            yield
        finally:
            clock.reset(token)
            self.at = None


_NO_LITERAL = object()


def _literal(arg: str, sql_type: Any) -> Any:
    """The Python value of a plain server default (a quoted string, true/false, a number), else _NO_LITERAL."""
    if len(arg) >= 2 and arg[0] == arg[-1] == "'" and "'" not in arg[1:-1]:
        return arg[1:-1]
    if arg.lower() in ("true", "false"):
        return arg.lower() == "true"
    try:
        python_type = sql_type.python_type
    except NotImplementedError:
        return _NO_LITERAL
    if python_type in (int, Decimal) and arg.replace(".", "", 1).isdigit():
        return python_type(arg)
    return _NO_LITERAL


def load_inventory_history(
    engine: Engine,
    actors: dict[str, Any],
    meds: dict[str, uuid.UUID],
    patient_ids: list[uuid.UUID],
    prescribers: list[tuple[str, str, str, str]],
    formulary: dict[str, tuple[str, str, int, int]],
    low_stock: frozenset[str],
    today: dt.date,
) -> HistorySummary:
    """A year of stock history up to ``today`` (the module docstring); the stock items exist, empty."""
    from pharmacy_desktop.services import purchasing

    history = _History(engine)
    uow_factory = history.uow_factory
    rng = random.Random(14)
    start = today - dt.timedelta(days=DAYS)
    summary = HistorySummary()
    items, info = _items(uow_factory, meds)
    low = {items[g] for g in low_stock if g in items}
    everything, regular = set(items.values()), set(items.values()) - low

    with history.on(start, 8):
        suppliers = [_supplier(uow_factory, actors["manager"], *s) for s in SUPPLIERS]
    fills = history_fills.plan_fills(rng, meds, formulary, low_stock, len(patient_ids), DAYS)
    by_day: dict[int, list[history_fills.Fill]] = defaultdict(list)
    for f in fills:
        by_day[f.day].append(f)
    early: dict[uuid.UUID, int] = defaultdict(int)  # units the first weeks take of each item
    for f in fills:
        if f.day <= DELIVERY + SHORT_LIFE and f.generic in items:
            early[items[f.generic]] += f.qty
    today_uses = {generic for _, generic, _, _ in CURRENT}
    quiet = {item for generic, item in items.items() if generic not in today_uses}  # see history_events
    # slow movers: a short-dated package (used first: first expiry first out) outlives their use
    short = {i for i in quiet if early[i] < (info[i][1] or 100)}
    _par_levels(uow_factory, fills, items, low)
    events = history_events.events(DAYS, DELIVERY + SHORT_LIFE + 1, quiet)
    receiving: dict[int, list[uuid.UUID]] = defaultdict(list)
    rxs = history_fills.Prescriptions({})
    waiting: list[tuple[dt.date, list[history_fills.Fill]]] = []

    def dispense(days: list[tuple[dt.date, list[history_fills.Fill]]]) -> None:
        """The fills of consecutive days in one transaction, each day's rows on its own date."""
        if not days:
            return
        with history.on(days[0][0], 15, 30):
            done, skipped = history_fills.dispense_days(
                uow_factory,
                actors,
                days,
                meds,
                items,
                low,
                patient_ids,
                prescribers,
                rxs,
                lambda d: history.set(d, 15, 30),
            )
        summary.fills += done
        summary.skipped_fills += skipped

    for offset in range(DAYS + 1):
        day = start + dt.timedelta(days=offset)
        if offset % CYCLE == 0 and offset < DAYS - 7:
            with history.on(day, 9):
                orders = _order(uow_factory, actors, everything if offset == 0 else regular, suppliers, items)
            summary.orders += len(orders)
            receiving[offset + DELIVERY].extend(orders)
        for order_id in receiving.pop(offset, []):
            with history.on(day, 11):
                scans = history_receiving.delivery(info, rng, day, today, short=short if offset == DELIVERY else set())
                history_receiving.receive(uow_factory, actors["technician"], order_id, scans)
            summary.deliveries += 1
        if by_day.get(offset):
            waiting.append((day, by_day[offset]))
        if events.get(offset) or receiving.get(offset + 1) or (offset + 1) % CYCLE == 0 or offset == DAYS:
            dispense(waiting)  # before the next step that moves stock: the ledger stays in date order
            waiting = []
        for hour, step in events.get(offset, ()):
            with history.on(day, hour):
                step(uow_factory, actors, items, info, summary)
    history_fills.count_refills(uow_factory, rxs)
    # the end: an order sent three days ago and received in part, today's suggestions as a draft
    need: dict[uuid.UUID, int] = defaultdict(int)  # what today's prescriptions will take
    for _, generic, _, _ in CURRENT:
        if generic in items:
            need[items[generic]] += formulary[generic][2]
    backorder = min(i for i in quiet & regular if parse_schedule(info[i][2]) is not Schedule.CII)
    with history.on(today - dt.timedelta(days=3), 9):
        open_order = _top_up(
            uow_factory, actors["pharmacist"], regular & set(need), info, suppliers[1], need, backorder
        )
    yesterday = today - dt.timedelta(days=1)
    with history.on(yesterday, 11):
        scans = history_receiving.delivery(info, rng, yesterday, today, withhold={backorder})
        history_receiving.receive(uow_factory, actors["technician"], open_order, scans)
    with history.on(today, 8):
        drafts = purchasing.create_draft_orders(uow_factory, actors["pharmacist"], default_supplier_id=suppliers[0])
    summary.orders += 1 + len(drafts)
    with uow_factory() as uow:
        summary.ledger_rows = int(uow.active_session.scalar(select(func.count()).select_from(InventoryTransaction)))
    log.info("demo inventory history: %s", summary)
    return summary


# -- stock items, suppliers, orders, receipts -------------------------------------------------


def _par_levels(
    uow_factory: UnitOfWorkFactory, fills: list[history_fills.Fill], items: dict[str, uuid.UUID], low: set[uuid.UUID]
) -> None:
    """The buyer's settings from the pharmacy's usage (what a cycle of ``CYCLE`` days takes): reorder
    below one cycle's use, up to two cycles' (par level). The low-stock items keep the loader's."""
    use: dict[uuid.UUID, int] = defaultdict(int)
    for f in fills:
        if f.generic in items:
            use[items[f.generic]] += f.qty
    with uow_factory() as uow:
        for item in uow.inventory.lock_items(set(use) - low):
            cycle = use[item.id] * CYCLE // DAYS
            item.reorder_point = Decimal(max(100, -(-cycle // 50) * 50))
            item.par_level = Decimal(max(500, -(-2 * cycle // 100) * 100))
        uow.commit()


def _items(
    uow_factory: UnitOfWorkFactory, meds: dict[str, uuid.UUID]
) -> tuple[dict[str, uuid.UUID], dict[uuid.UUID, Any]]:
    """generic -> stock item; stock item -> (package NDC, units a package, schedule)."""
    items: dict[str, uuid.UUID] = {}
    info: dict[uuid.UUID, Any] = {}
    with uow_factory() as uow:
        rows = uow.active_session.execute(
            select(
                InventoryItem.id,
                InventoryItem.medication_id,
                Medication.package_ndc,
                Medication.package_description,
                Medication.dea_schedule,
                Medication.is_controlled_substance,
            ).join(Medication, Medication.id == InventoryItem.medication_id)
        ).all()
    by_med = {r.medication_id: r for r in rows}
    for generic, med_id in meds.items():
        row = by_med.get(med_id)
        if row is None:
            continue
        items[generic] = row.id
        units = package_units(row.package_description)[0]  # None: the receiver types it in
        info[row.id] = (row.package_ndc, units, row.dea_schedule if row.is_controlled_substance else None)
    return items, info


def _supplier(
    uow_factory: UnitOfWorkFactory, actor: Any, name: str, contact: str, dea: str | None, six: str | None
) -> uuid.UUID:
    from pharmacy_desktop.services import purchasing

    form = purchasing.SupplierForm(
        name=name,
        contact_name=contact,
        phone="(800) 555-0100",
        email=f"orders@{name.split()[0].lower()}.example",
        payment_terms="Net 30",
        dea_number=f"{dea}{six}{dea_check_digit(six)}" if dea and six else None,
        account_number=f"RCP-{name[:3].upper()}-0142",
    )
    return purchasing.save_supplier(uow_factory, actor, form).id


def _order(
    uow_factory: UnitOfWorkFactory,
    actors: dict[str, Any],
    wanted: set[uuid.UUID],
    suppliers: list[uuid.UUID],
    items: dict[str, uuid.UUID],
) -> list[uuid.UUID]:
    """Draft orders from the reorder suggestions (of ``wanted``), sent; their ids. The opening
    order spreads the items over the suppliers (later suggestions follow each item's supplier)."""
    from pharmacy_desktop.services import purchasing

    buyer = actors["pharmacist"]  # orders C-II too (inventory.order_schedule_ii)
    drafts = []
    opening = not _ever_ordered(uow_factory)
    if opening:
        ordered = sorted(wanted, key=lambda i: next(g for g in sorted(items) if items[g] == i))
        for n, supplier in enumerate(suppliers):
            share = set(ordered[n :: len(suppliers)])
            drafts += purchasing.create_draft_orders(uow_factory, buyer, default_supplier_id=supplier, item_ids=share)
    else:
        drafts = purchasing.create_draft_orders(uow_factory, buyer, default_supplier_id=suppliers[0], item_ids=wanted)
    sent = []
    for draft in drafts:
        csos = f"CSOS-{draft.po_number[-6:]}" if draft.is_schedule_ii else None
        purchasing.send_order(uow_factory, buyer, draft.id, version=draft.version, dea_order_number=csos)
        sent.append(draft.id)
    return sent


def _top_up(
    uow_factory: UnitOfWorkFactory,
    buyer: Any,
    candidates: set[uuid.UUID],
    info: dict[uuid.UUID, Any],
    supplier: uuid.UUID,
    need: dict[uuid.UUID, int],
    backorder: uuid.UUID,
) -> uuid.UUID:
    """The buyer's top-up before the demo's day: whatever today's prescriptions will take, where the
    shelf would be left under its reorder point (not C-II: that goes on a DEA Form 222 order of its
    own), and ``backorder`` (the supplier ships it later: the order stays open); sent."""
    from pharmacy_desktop.services import purchasing

    with uow_factory() as uow:
        on_hand = {i: uow.inventory.require(i).quantity_on_hand for i in sorted(candidates | {backorder})}
    usual = sorted(i for i in candidates if parse_schedule(info[i][2]) is not Schedule.CII)
    wanted = [i for i in usual if on_hand[i] - need.get(i, 0) < 100] + [backorder]
    lines = []
    for i in dict.fromkeys(wanted):
        units = info[i][1] or Decimal(100)
        lines.append((i, units * max(1, -(-500 // int(units))), None))  # about 500, whole packages
    draft = purchasing.create_order(uow_factory, buyer, supplier, lines, notes="Top-up before the weekend")
    purchasing.send_order(uow_factory, buyer, draft.id, version=draft.version)
    return draft.id


def _ever_ordered(uow_factory: UnitOfWorkFactory) -> bool:
    with uow_factory() as uow:
        return bool(uow.active_session.execute(text("SELECT 1 FROM inventory_schema.purchase_orders LIMIT 1")).first())
