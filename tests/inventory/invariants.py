"""The inventory invariants of issue 14, as SQL over the whole database.

``inventory_problems(engine)`` lists every row that breaks one (empty: all hold);
``assert_inventory_invariants(engine)`` fails with that list. Run it after every scenario that
changes stock (receiving, filling, adjustments, counts, recalls, expiry, the demo).

1. The ledger chains, per item in ``seq`` order (its total order): after = before + change; each
   row's before is the previous row's after; the last row's after is the item's on hand. Strict by
   default, the first row starts at 0 and an item without any row holds nothing (stock comes in
   through a 'receipt' row). ``allow_unledgered_opening=True`` relaxes that for tests whose stock
   was set up directly by a factory (the opening balance then has no row of its own).
2. quantity_on_hand = the sum of quantity_remaining over the item's available ('active') batches,
   for items that have batches (an item without lots is stock kept as a whole); no batch, and no
   item, below zero.
3. A purchase order line never shows more received than ordered (nor less than nothing).
"""

from __future__ import annotations

from sqlalchemy import text

_CHAIN = """
    WITH t AS (
        SELECT inventory_item_id AS item, seq, quantity_before, quantity_change, quantity_after,
               lag(quantity_after) OVER w AS previous_after,
               row_number() OVER w AS n,
               row_number() OVER (PARTITION BY inventory_item_id ORDER BY seq DESC) AS from_end
        FROM inventory_schema.inventory_transactions
        WHERE inventory_item_id IS NOT NULL
        WINDOW w AS (PARTITION BY inventory_item_id ORDER BY seq)
    )
"""

CHECKS = {
    "ledger arithmetic (item/seq)": _CHAIN
    + """
        SELECT item || '/' || seq FROM t WHERE quantity_after <> quantity_before + quantity_change
    """,
    "ledger chain broken (item/seq)": _CHAIN
    + """
        SELECT item || '/' || seq FROM t WHERE n > 1 AND quantity_before <> previous_after
    """,
    "ledger does not end at on hand (item)": _CHAIN
    + """
        SELECT i.id || ' on hand ' || i.quantity_on_hand || ', ledger ' || t.quantity_after
        FROM t JOIN inventory_schema.inventory_items i ON i.id = t.item
        WHERE t.from_end = 1 AND t.quantity_after <> i.quantity_on_hand
    """,
    "on hand <> available batches (item)": """
        SELECT i.id || ' on hand ' || i.quantity_on_hand || ', active lots ' || b.available
        FROM inventory_schema.inventory_items i
        JOIN (SELECT inventory_item_id,
                     coalesce(sum(quantity_remaining) FILTER (WHERE coalesce(status, 'active') = 'active'), 0)
                        AS available
              FROM inventory_schema.inventory_batches GROUP BY inventory_item_id) b
          ON b.inventory_item_id = i.id
        WHERE i.quantity_on_hand <> b.available
    """,
    "below zero (batch or item)": """
        SELECT 'batch ' || id FROM inventory_schema.inventory_batches WHERE quantity_remaining < 0
        UNION ALL
        SELECT 'item ' || id FROM inventory_schema.inventory_items WHERE quantity_on_hand < 0
    """,
    "order line received more than ordered": """
        SELECT id FROM inventory_schema.purchase_order_items
        WHERE coalesce(quantity_received, 0) > quantity_ordered OR coalesce(quantity_received, 0) < 0
    """,
}

STRICT_OPENING = {
    "ledger does not start at 0 (item/seq)": _CHAIN
    + """
        SELECT item || '/' || seq FROM t WHERE n = 1 AND quantity_before <> 0
    """,
    "stock without a ledger row (item)": """
        SELECT i.id FROM inventory_schema.inventory_items i
        WHERE i.quantity_on_hand <> 0 AND NOT EXISTS (
            SELECT 1 FROM inventory_schema.inventory_transactions t WHERE t.inventory_item_id = i.id)
    """,
}


def inventory_problems(engine, *, allow_unledgered_opening: bool = False) -> list[str]:
    checks = dict(CHECKS) if allow_unledgered_opening else {**CHECKS, **STRICT_OPENING}
    problems = []
    with engine.connect() as conn:
        for name, sql in checks.items():
            rows = [str(r[0]) for r in conn.execute(text(sql))]
            if rows:
                problems.append(f"{name}: {', '.join(rows[:10])}{' ...' if len(rows) > 10 else ''}")
    return problems


def assert_inventory_invariants(engine, *, allow_unledgered_opening: bool = False) -> None:
    problems = inventory_problems(engine, allow_unledgered_opening=allow_unledgered_opening)
    assert not problems, "inventory invariants broken:\n" + "\n".join(problems)
