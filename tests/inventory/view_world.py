"""A small pharmacy shelf for the inventory screen's tests: every unit received through the ledger,
one lot recalled (through the recall service), one item below its reorder point and expiring soon,
a Schedule II item, and a catalog product that is not stocked."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import text

from pharmacy_desktop.services import inventory_view, quarantine
from tests.fill import factories
from tests.inventory.adjust_world import set_thresholds, stocked_item

D = Decimal
INSULIN = factories.Drug(
    "0002-7510-01", "Insulin Lispro", "Insulin Lispro", "100 unit/mL", dosage_form="INJECTION, SOLUTION"
)


def stock_shelf(uow_factory, actors) -> dict[str, uuid.UUID]:
    """lisinopril 20 mg (A-12, 100 in LOT-1, $5.00), metformin (A-13, 30 in M-1 expiring in 20 days:
        below the reorder point of 50), oxycodone C-II (C-2, 60), lisinopril 10 mg (B-1: L10-A 80 recalled,
        L10-B 100), insulin in the fridge (F-1, 60 mL); Zestril in the catalog only. Each lot cost what
    its item costs. The summary refreshed at the end, as the screen does."""
    set_thresholds(uow_factory, 50, 100)
    user = actors["manager"].user_id
    items = {
        "lisinopril": stocked_item(
            uow_factory, user, factories.LISINOPRIL_20_100, [("LOT-1", 300, 100)], unit_cost=D(5), bin_location="A-12"
        ),
        "metformin": stocked_item(uow_factory, user, factories.METFORMIN_500, [("M-1", 20, 30)], bin_location="A-13"),
        "oxycodone": stocked_item(uow_factory, user, factories.OXYCODONE_5, [("O-1", 400, 60)], bin_location="C-2"),
        "lisinopril10": stocked_item(
            uow_factory, user, factories.LISINOPRIL_10, [("L10-A", 45, 80), ("L10-B", 500, 100)], bin_location="B-1"
        ),
        "insulin": stocked_item(
            uow_factory, user, INSULIN, [("INS-7", 200, 60)], unit_cost=D("9.8"), bin_location="F-1"
        ),
    }
    with uow_factory() as uow:
        factories.add_medication(uow, factories.ZESTRIL_20)
        uow.session.execute(
            text(
                "UPDATE inventory_schema.inventory_items SET requires_refrigeration = true, quantity_unit = 'mL' "
                "WHERE id = :id"
            ),
            {"id": items["insulin"]},
        )
        uow.session.execute(
            text(
                "UPDATE inventory_schema.inventory_batches b SET unit_cost = i.unit_cost "
                "FROM inventory_schema.inventory_items i WHERE b.inventory_item_id = i.id"
            )
        )
        uow.commit()
    quarantine.recall_lot(
        uow_factory, actors["pharmacist"], factories.LISINOPRIL_10.package_ndc, "L10-A", reason="Dissolution failure"
    )
    inventory_view.refresh_summary(uow_factory)
    return items
