"""The inventory reports' queries (issue 14 item 7): controlled-substance log, expiring lots,
valuation, dispensing log, reorder list; and the item search as you type the bench times.

Each report is one or two statements returning plain tuples (no ORM objects): a year of ledger
rows (200,000 and more) must come back in well under two seconds, so the joins that name a row's
reference (Rx number, purchase order, adjustment, recall) are done by PostgreSQL, not row by row.

The controlled log is read in the ledger's total order (``seq``) over a contiguous range of each
item's rows: from the first row dated on or after the period's start to the last row dated before
its end. Rows of one item written by overlapping transactions may carry dates out of ``seq`` order;
taking the range by ``seq`` keeps every row between the first and the last, so the running balance
never skips a movement.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple

import psycopg
from psycopg.rows import args_row
from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from pharmacy_desktop.db.models.inventory import InventoryItem
from pharmacy_desktop.db.repositories.base import Repository

__all__ = [
    "InventoryReportsRepository",
    "ControlledItemRow",
    "LedgerRow",
    "ExpiringRow",
    "ValuationRow",
    "DispenseRow",
    "ReorderRow",
    "SearchRow",
]


class ControlledItemRow(NamedTuple):
    item_id: uuid.UUID
    ndc: str
    drug_name: str
    strength: str | None
    dea_schedule: str
    on_hand: Decimal
    unit: str


class LedgerRow(NamedTuple):
    item_id: uuid.UUID
    at: dt.datetime
    kind: str
    quantity_before: Decimal
    quantity_change: Decimal
    reference: str  # "Rx 2000123 fill 2 lot AB1", "PO000042 lot AB1", "damage (DEA 106) lot AB1", "recall lot AB1"


class ExpiringRow(NamedTuple):
    ndc: str
    drug_name: str
    strength: str | None
    lot: str
    expiration_date: dt.date
    quantity: Decimal
    status: str
    bin_location: str | None


class ValuationRow(NamedTuple):
    ndc: str
    drug_name: str
    strength: str | None
    on_hand: Decimal
    unit: str
    unit_cost: Decimal | None
    awp: Decimal | None


class DispenseRow(NamedTuple):
    at: dt.datetime
    rx_number: str | None
    refill_number: int | None
    patient_last: str | None
    patient_first: str | None
    drug_name: str
    strength: str | None
    ndc: str
    quantity: Decimal
    lot: str | None
    verified_by: uuid.UUID | None


class ReorderRow(NamedTuple):
    item_id: uuid.UUID
    ndc: str
    drug_name: str
    strength: str | None
    on_hand: Decimal
    unit: str
    reorder_point: Decimal
    reorder_quantity: Decimal
    par_level: Decimal | None
    on_order: Decimal
    unit_cost: Decimal | None


class SearchRow(NamedTuple):
    item_id: uuid.UUID
    ndc: str
    drug_name: str
    strength: str | None
    on_hand: Decimal


_CONTROLLED_ITEMS = text("""
SELECT i.id, i.ndc_code, m.drug_name, m.strength, m.dea_schedule, i.quantity_on_hand, i.quantity_unit
FROM inventory_schema.inventory_items i
JOIN prescription_schema.medications m ON m.id = i.medication_id
WHERE m.dea_schedule IS NOT NULL AND btrim(m.dea_schedule) <> ''
ORDER BY m.drug_name, m.strength, i.ndc_code
""")

_ITEMS = bindparam("items", type_=ARRAY(UUID(as_uuid=True)))

# A ledger row and a few words naming what it was for (Rx and fill, PO, adjustment, recall; lot).
_LEDGER_ROW = """
SELECT t.inventory_item_id, t.transaction_date, t.transaction_type, t.quantity_before, t.quantity_change,
       btrim(CASE
           WHEN p.prescription_number IS NOT NULL
               THEN 'Rx ' || p.prescription_number || CASE WHEN r.refill_number > 0 THEN ' fill ' || r.refill_number ELSE '' END
           WHEN po.po_number IS NOT NULL THEN po.po_number
           WHEN a.adjustment_type IS NOT NULL
               THEN replace(a.adjustment_type, '_', ' ') || COALESCE(' (DEA ' || a.dea_form || ')', '')
           WHEN t.reference_type = 'recall' THEN 'recall'
           ELSE left(COALESCE(t.reason, t.reference_type, ''), 60)
       END || COALESCE(' lot ' || b.batch_number, ''))
{source}
LEFT JOIN inventory_schema.inventory_batches b ON b.id = t.batch_id
LEFT JOIN prescription_schema.prescription_refills r
  ON t.reference_type = 'prescription_refill' AND r.id = t.reference_id
LEFT JOIN prescription_schema.prescriptions p ON p.id = r.prescription_id
LEFT JOIN inventory_schema.purchase_order_items poi ON poi.id = COALESCE(
    b.purchase_order_item_id,
    CASE WHEN t.reference_type = 'purchase_order_item' THEN t.reference_id END)
LEFT JOIN inventory_schema.purchase_orders po ON po.id = COALESCE(
    poi.purchase_order_id,
    CASE WHEN t.reference_type = 'purchase_order' THEN t.reference_id END)
LEFT JOIN inventory_schema.stock_adjustments a ON a.transaction_id = t.id
{where}
ORDER BY t.inventory_item_id, t.seq
"""
# The whole ledger of the items.
_LEDGER_ALL = text(
    _LEDGER_ROW.format(
        source="FROM inventory_schema.inventory_transactions t", where="WHERE t.inventory_item_id = ANY(:items)"
    )
).bindparams(_ITEMS)
# The range of each item's rows (by seq) the period covers; NULL bounds = from the first / to the last.
_LEDGER_PERIOD = text(
    """
WITH bounds AS (
    SELECT inventory_item_id AS item_id,
           min(seq) FILTER (WHERE CAST(:start AS timestamptz) IS NULL OR transaction_date >= :start) AS lo,
           max(seq) FILTER (WHERE CAST(:stop AS timestamptz) IS NULL OR transaction_date < :stop) AS hi
    FROM inventory_schema.inventory_transactions
    WHERE inventory_item_id = ANY(:items)
    GROUP BY inventory_item_id
)"""
    + _LEDGER_ROW.format(
        source="FROM bounds JOIN inventory_schema.inventory_transactions t\n"
        "  ON t.inventory_item_id = bounds.item_id AND t.seq BETWEEN bounds.lo AND bounds.hi",
        where="",
    )
).bindparams(_ITEMS)

# Where an item's balance stood at the start of the period: before its first row on or after it.
_OPENING = text("""
SELECT DISTINCT ON (inventory_item_id) inventory_item_id, quantity_before
FROM inventory_schema.inventory_transactions
WHERE inventory_item_id = ANY(:items) AND transaction_date >= :start
ORDER BY inventory_item_id, seq
""").bindparams(_ITEMS)

_EXPIRING = text("""
SELECT i.ndc_code, m.drug_name, m.strength, b.batch_number, b.expiration_date, b.quantity_remaining,
       COALESCE(b.status, 'active'), i.bin_location
FROM inventory_schema.inventory_batches b
JOIN inventory_schema.inventory_items i ON i.id = b.inventory_item_id
JOIN prescription_schema.medications m ON m.id = i.medication_id
WHERE b.quantity_remaining > 0 AND b.expiration_date <= :until
  AND COALESCE(b.status, 'active') IN ('active', 'expired', 'recalled')
ORDER BY b.expiration_date, m.drug_name, i.ndc_code, b.batch_number
""")

_VALUATION = text("""
SELECT i.ndc_code, m.drug_name, m.strength, i.quantity_on_hand, i.quantity_unit, i.unit_cost,
       i.average_wholesale_price
FROM inventory_schema.inventory_items i
JOIN prescription_schema.medications m ON m.id = i.medication_id
WHERE i.is_active IS NOT false AND i.quantity_on_hand <> 0
ORDER BY m.drug_name, m.strength, i.ndc_code
""")

_DISPENSES = text("""
SELECT t.transaction_date, p.prescription_number, r.refill_number, pt.last_name, pt.first_name,
       m.drug_name, m.strength, i.ndc_code, -t.quantity_change, COALESCE(b.batch_number, r.lot_number),
       r.verified_by
FROM inventory_schema.inventory_transactions t
JOIN inventory_schema.inventory_items i ON i.id = t.inventory_item_id
JOIN prescription_schema.medications m ON m.id = i.medication_id
LEFT JOIN inventory_schema.inventory_batches b ON b.id = t.batch_id
LEFT JOIN prescription_schema.prescription_refills r
  ON t.reference_type = 'prescription_refill' AND r.id = t.reference_id
LEFT JOIN prescription_schema.prescriptions p ON p.id = r.prescription_id
LEFT JOIN patient_schema.patients pt ON pt.id = p.patient_id
WHERE t.transaction_type = 'dispensed' AND t.transaction_date >= :start AND t.transaction_date < :stop
  AND COALESCE(r.status, 'filled') <> 'returned'
ORDER BY t.transaction_date, t.seq
""")

_REORDER = text("""
SELECT i.id, i.ndc_code, m.drug_name, m.strength, i.quantity_on_hand, i.quantity_unit, i.reorder_point,
       i.reorder_quantity, i.par_level,
       COALESCE((SELECT sum(poi.quantity_ordered - COALESCE(poi.quantity_received, 0))
                 FROM inventory_schema.purchase_order_items poi
                 JOIN inventory_schema.purchase_orders po ON po.id = poi.purchase_order_id
                 WHERE poi.inventory_item_id = i.id
                   AND po.status IN ('pending', 'sent', 'partially_received')), 0),
       i.unit_cost
FROM inventory_schema.inventory_items i
JOIN prescription_schema.medications m ON m.id = i.medication_id
WHERE i.is_active IS NOT false AND i.quantity_on_hand < i.reorder_point
ORDER BY i.quantity_on_hand - i.reorder_point, m.drug_name, i.ndc_code
""")

# Name prefix of any word, or the NDC's digits; the NDC digits are matched as typed with or without dashes.
_SEARCH = text("""
SELECT i.id, i.ndc_code, m.drug_name, m.strength, i.quantity_on_hand
FROM inventory_schema.inventory_items i
JOIN prescription_schema.medications m ON m.id = i.medication_id
WHERE i.is_active IS NOT false
  AND (lower(m.drug_name) LIKE :name OR lower(m.drug_name) LIKE :word OR i.ndc_code LIKE :digits)
ORDER BY m.drug_name, m.strength, i.ndc_code
LIMIT :limit
""")


def _like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class InventoryReportsRepository(Repository[InventoryItem]):
    model = InventoryItem
    label = "stock item"

    def controlled_items(self) -> list[ControlledItemRow]:
        """Every stock item (active or not) whose medication carries a DEA schedule, by drug name."""
        return [ControlledItemRow(*row) for row in self.session.execute(_CONTROLLED_ITEMS)]

    def controlled_ledger(
        self, item_ids: Sequence[uuid.UUID], start: dt.datetime | None, stop: dt.datetime | None
    ) -> list[LedgerRow]:
        """The ledger rows of these items in [start, stop) as a contiguous seq range per item, by item
        then seq, each with a few words naming its reference (Rx and fill, PO, adjustment, recall; lot)."""
        if not item_ids:
            return []
        whole = start is None and stop is None  # the whole ledger: no range to work out first
        statement = _LEDGER_ALL if whole else _LEDGER_PERIOD
        # Tens of thousands of rows: read on the session's own connection (same transaction) with the
        # driver's cursor, straight into LedgerRow: SQLAlchemy's Row objects cost as much as the query.
        driver = self.session.connection().connection.driver_connection
        assert isinstance(driver, psycopg.Connection)  # the psycopg dialect's connection
        sql = re.sub(r":(\w+)", r"%(\1)s", statement.text)
        with driver.cursor(row_factory=args_row(LedgerRow)) as cursor:
            return cursor.execute(sql, {"items": list(item_ids), "start": start, "stop": stop}).fetchall()

    def opening_balances(self, item_ids: Sequence[uuid.UUID], start: dt.datetime) -> dict[uuid.UUID, Decimal]:
        """Item -> quantity before its first ledger row dated on or after ``start`` (items with none
        since then are left out: their balance is still what they hold now)."""
        if not item_ids:
            return {}
        rows = self.session.execute(_OPENING, {"items": list(item_ids), "start": start})
        return {item_id: before for item_id, before in rows}

    def expiring_batches(self, until: dt.date) -> list[ExpiringRow]:
        """Lots with stock left expiring on or before ``until`` (already expired and quarantined ones
        too: they are still on a shelf), soonest first."""
        return [ExpiringRow(*row) for row in self.session.execute(_EXPIRING, {"until": until})]

    def valuation(self) -> list[ValuationRow]:
        """Active items holding stock, with their unit cost and AWP per unit."""
        return [ValuationRow(*row) for row in self.session.execute(_VALUATION)]

    def dispenses(self, start: dt.datetime, stop: dt.datetime) -> list[DispenseRow]:
        """'dispensed' ledger rows in [start, stop), one per lot taken, with the Rx, the patient and
        the verifying pharmacist; fills later returned to stock are left out."""
        return [DispenseRow(*row) for row in self.session.execute(_DISPENSES, {"start": start, "stop": stop})]

    def below_reorder_point(self) -> list[ReorderRow]:
        """Active items under their reorder point, emptiest first, with what is already on order."""
        return [ReorderRow(*row) for row in self.session.execute(_REORDER)]

    def search_items(self, typed: str, limit: int = 50) -> list[SearchRow]:
        """Items whose drug name (or a word of it) starts with ``typed``, or whose NDC has its digits."""
        words = typed.strip().lower()
        digits = "".join(c for c in typed if c.isdigit())
        params = {
            "name": f"{_like(words)}%",
            "word": f"% {_like(words)}%",
            "digits": f"%{digits}%" if len(digits) >= 3 else "-",  # a few digits match half the shelf
            "limit": limit,
        }
        return [SearchRow(*row) for row in self.session.execute(_SEARCH, params)]
