"""What the inventory screen's Stock page reads: the items list (search as you type by name or NDC,
or a scan; filters), the lots of one item, and the background refresh of inventory_summary.

The list comes from the inventory_summary view (fast enough to search on every key); after a stock
change the screen asks ``refresh_summary`` on a worker thread, in a unit of work of its own, never in
the transaction that changed the stock (a fill must not wait for a rebuild). The item on show and its
lots are read live, so what is about to be counted or adjusted is never a refresh behind.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pharmacy_desktop.db.repositories.inventory_view import search_at_once
from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
from pharmacy_desktop.domain.barcodes import parse_scan
from pharmacy_desktop.domain.dispensing import dispensing_unit, quantity_text
from pharmacy_desktop.domain.drug_names import drug_display_name, title_case
from pharmacy_desktop.domain.gs1 import InvalidScan
from pharmacy_desktop.domain.ndc import InvalidNDC, format_ndc11, to_ndc11
from pharmacy_desktop.errors import NotFound, ValidationFailed
from pharmacy_desktop.services.access import Actor, permitted_read, require
from pharmacy_desktop.services.scan_resolution import AMBIGUOUS, FOUND, resolve_scan

VIEW = "inventory.view"
EXPIRY_WINDOWS = (30, 60, 90)  # the screen's "expiring within" choices, in days
LIST_LIMIT = 100  # rows a search shows (a screenful or two); more means "type more" — a short prefix stays cheap
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2212"


@dataclass(frozen=True)
class StockQuery:
    text: str = ""  # a drug name (words, any order) or NDC digits, with or without dashes
    below_reorder: bool = False
    expiring_days: int | None = None  # one of EXPIRY_WINDOWS
    quarantined: bool = False  # has recalled or expired lots set aside
    controlled: bool = False  # Schedule II-V


@dataclass(frozen=True)
class StockRow:
    item_id: uuid.UUID
    ndc: str  # the 11-digit key
    drug_name: str
    strength: str | None
    dosage_form: str | None
    schedule: str | None  # 'CII'... or None
    on_hand: Decimal
    unit: str
    reorder_point: Decimal
    reorder_quantity: Decimal
    par_level: Decimal | None
    bin_location: str | None
    refrigerated: bool
    unit_cost: Decimal | None
    nearest_expiry: dt.date | None  # of the lots on the shelf with stock
    quarantined: Decimal  # units set aside in recalled or expired lots
    last_counted_at: dt.datetime | None

    @property
    def ndc_shown(self) -> str:
        return format_ndc11(self.ndc) if len(self.ndc) == 11 and self.ndc.isdigit() else self.ndc

    @property
    def title(self) -> str:
        return drug_display_name(self.drug_name, self.strength, self.dosage_form)

    @property
    def on_hand_text(self) -> str:
        """On hand in the unit it is counted out in: '120 tablets', '473 mL' (never '120 EA')."""
        return quantity_text(self.on_hand, self.unit, self.dosage_form)

    @property
    def unit_name(self) -> str:
        """One unit of stock, for prices and counts: 'tablet', 'mL'."""
        return dispensing_unit(1, self.unit, self.dosage_form)

    @property
    def below_reorder(self) -> bool:
        return self.on_hand <= self.reorder_point

    def expires_within(self, days: int, today: dt.date) -> bool:
        return self.nearest_expiry is not None and self.nearest_expiry <= today + dt.timedelta(days=days)


@dataclass(frozen=True)
class StockList:
    rows: tuple[StockRow, ...]
    more: bool  # the search matched more than LIST_LIMIT rows


@dataclass(frozen=True)
class LotRow:
    batch_id: uuid.UUID
    lot: str
    expiry: dt.date
    received: dt.date
    quantity_received: Decimal
    remaining: Decimal
    status: str  # active / recalled / expired / returned / destroyed
    unit_cost: Decimal | None
    quarantined_at: dt.datetime | None
    recall_reason: str | None

    @property
    def on_shelf(self) -> bool:
        """Available stock's lot (status 'active'), even when nothing is left of it (see used_up)."""
        return self.status == "active"

    @property
    def used_up(self) -> bool:
        """An available lot with nothing left: every unit of it went out (dispensed, adjusted)."""
        return self.on_shelf and self.remaining <= 0


@dataclass(frozen=True)
class ItemStock:
    item: StockRow  # as it is now, not as of the last refresh
    lots: tuple[LotRow, ...]


def _row(r: Any) -> StockRow:
    return StockRow(
        item_id=r.id,
        ndc=r.ndc_code,
        drug_name=r.drug_name,
        strength=r.strength,
        dosage_form=r.dosage_form,
        schedule=r.dea_schedule or None,
        on_hand=r.quantity_on_hand,
        unit=r.quantity_unit,
        reorder_point=r.reorder_point,
        reorder_quantity=r.reorder_quantity,
        par_level=r.par_level,
        bin_location=r.bin_location,
        refrigerated=bool(r.requires_refrigeration),
        unit_cost=r.unit_cost,
        nearest_expiry=getattr(r, "nearest_expiry", None),
        quarantined=getattr(r, "quarantined_quantity", None) or Decimal(0),
        last_counted_at=r.last_counted_at,
    )


def search_terms(text: str) -> dict[str, Any]:
    """How typed text searches: NDC digits (a prefix of the 11-digit key, or the keys a 10-digit or
    dashed NDC can be) or words of the drug's name, strength and form."""
    typed = text.strip()
    if not typed:
        return {}
    bare = "".join(c for c in typed if c not in _DASHES)
    if bare.isdigit():
        keys: tuple[str, ...] = ()
        if any(c in _DASHES for c in typed):
            try:
                keys = (to_ndc11(typed),)
            except (InvalidNDC, ValueError):
                keys = ()  # an NDC being typed: its digits so far
        elif len(bare) in (10, 12, 13, 14):
            try:
                keys = parse_scan(bare).ndc_candidates
            except InvalidScan:
                keys = ()
        if keys:
            return {"ndcs": keys}
        return {"ndc_prefix": bare[:11]}
    return {"words": tuple(typed.split())}


def search_stock(uow_factory: UnitOfWorkFactory, actor: Actor, query: StockQuery) -> StockList:
    """The items matching the query and every filter, by drug name (at most LIST_LIMIT)."""
    if query.expiring_days is not None and query.expiring_days not in EXPIRY_WINDOWS:
        raise ValidationFailed("Choose expiring within 30, 60 or 90 days.")
    expiring_by = dt.date.today() + dt.timedelta(days=query.expiring_days) if query.expiring_days else None
    terms = dict(
        search_terms(query.text),
        below_reorder=query.below_reorder,
        expiring_by=expiring_by,
        quarantined=query.quarantined,
        controlled=query.controlled,
        limit=LIST_LIMIT + 1,
    )
    # on every key press: one statement, the permission checked in it (access.permitted_read)
    rows = permitted_read(
        uow_factory,
        actor,
        VIEW,
        lambda permit: search_at_once(uow_factory, *permit, **terms),
        lambda uow: uow.inventory_view.search(**terms),
        doing="see the stock",
    )
    return StockList(tuple(_row(r) for r in rows[:LIST_LIMIT]), more=len(rows) > LIST_LIMIT)


def find_by_scan(uow_factory: UnitOfWorkFactory, actor: Actor, text: str) -> StockList:
    """The stocked item(s) of a scanned package (UPC, GTIN, GS1 DataMatrix or a typed NDC)."""
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, VIEW, doing="see the stock")
        found = resolve_scan(uow, text)
        if found.status not in (FOUND, AMBIGUOUS):
            raise ValidationFailed(found.message)
        rows = uow.inventory_view.search(ndcs=found.candidates, limit=LIST_LIMIT)
        if not rows:
            what = (
                f"{title_case(found.drug_name)} (NDC {found.package_ndc or found.ndc11})"
                if found.drug_name
                else "This product"
            )
            raise NotFound(
                f"{what} is not stocked here: no inventory item for it. Receive it against a purchase order "
                "to add it, or scan another package."
            )
        return StockList(tuple(_row(r) for r in rows), more=False)


def item_stock(uow_factory: UnitOfWorkFactory, actor: Actor, item_id: uuid.UUID) -> ItemStock:
    """The item as it is now and all its lots: those on the shelf with stock first, in the order
    they are used (earliest expiry first), then the quarantined, then the used-up and gone."""
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, VIEW, doing="see the stock")
        live = uow.inventory_view.live_item(item_id)
        if live is None:
            raise NotFound("That stock item was not found; it may have been removed at another workstation.")
        lots = tuple(
            LotRow(
                batch_id=b.id,
                lot=b.batch_number,
                expiry=b.expiration_date,
                received=b.received_date,
                quantity_received=b.quantity_received,
                remaining=b.quantity_remaining,
                status=b.status or "active",
                unit_cost=b.unit_cost,
                quarantined_at=b.quarantined_at,
                recall_reason=b.recall_reason,
            )
            for b in uow.inventory_view.lots(item_id)
        )
        nearest = min((lot.expiry for lot in lots if lot.on_shelf and lot.remaining > 0), default=None)
        set_aside = sum((lot.remaining for lot in lots if lot.status in ("recalled", "expired")), Decimal(0))
        item = _row(live)
        return ItemStock(
            item=StockRow(**{**item.__dict__, "nearest_expiry": nearest, "quarantined": set_aside}),
            lots=lots,
        )


def refresh_summary(uow_factory: UnitOfWorkFactory) -> None:
    """Rebuild inventory_summary (CONCURRENTLY: readers and fills go on) in a transaction of its own."""
    with uow_factory() as uow:
        uow.inventory_view.refresh_summary()
        uow.commit()


@dataclass(frozen=True)
class OpenCount:
    id: uuid.UUID
    count_number: str
    scope: str
    opened_at: dt.datetime


def open_counts(uow_factory: UnitOfWorkFactory, actor: Actor) -> tuple[OpenCount, ...]:
    """The counts still being counted, oldest first (to take one up again at any workstation)."""
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, VIEW, doing="see stock counts")
        return tuple(OpenCount(c.id, c.count_number, c.scope, c.created_at) for c in uow.adjustments.open_counts())
