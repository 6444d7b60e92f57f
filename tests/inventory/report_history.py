"""A small stock history for the report tests, made through the services: receipts through
services/stock_ledger.post (the one ledger writer), fills through services/fill, a final
verification, a fill returned to stock (verify.return_to_fill), a damaged-stock adjustment and a
recall quarantine through the ledger. The strict inventory invariants hold at the end.

Items (all start at 0 on hand, stock comes in through 'receipt' rows):
- Oxycodone 5 mg (C-II): lots OX1 100 and OX2 50 received 40 days ago (dated back), then an Rx of
  30 filled and verified, an Rx of 20 filled and returned to fill, 2 tablets damaged -> 118.
- Alprazolam 0.5 mg (C-IV): lot AL1 200 and lot AL2 40 (AL2 then recalled), an Rx of 60 -> 140.
- Lisinopril 20 mg (not controlled): lot LI1 500, then an Rx of 30 -> 470; a lot LI2 of 10
  expiring in 20 days is part of the 500.
- Metformin 500 mg (not controlled): 20 received, reorder point 50, par 200, 100 on an open order.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import text

from pharmacy_desktop.db.models.inventory import (
    InventoryBatch,
    InventoryItem,
    PurchaseOrder,
    PurchaseOrderItem,
    StockAdjustment,
)
from pharmacy_desktop.db.models.prescriptions import Medication
from pharmacy_desktop.services import fill, stock_ledger, verify
from tests.fill import factories as f

D = Decimal
TODAY = dt.date.today()
ALPRAZOLAM = f.Drug("59762-3720-1", "Alprazolam", "Alprazolam", "0.5 mg", dea_schedule="CIV")
DRUGS = (f.OXYCODONE_5, ALPRAZOLAM, f.LISINOPRIL_20_100, f.METFORMIN_500)


@dataclass
class History:
    items: dict[str, uuid.UUID]  # package NDC -> inventory item id
    rx: dict[str, str]  # "oxy", "oxy_returned", "alprazolam", "lisinopril" -> Rx number
    patient: str  # "Last, First"


def _item(uow, med: Medication, *, cost: str, awp: str, reorder_point: int = 50, par: int | None = None):
    item = InventoryItem(
        medication_id=med.id,
        ndc_code=med.ndc_code,
        quantity_on_hand=D(0),
        quantity_unit="tablet",
        reorder_point=D(reorder_point),
        reorder_quantity=D(500),
        par_level=None if par is None else D(par),
        unit_cost=D(cost),
        average_wholesale_price=D(awp),
        bin_location="C-2" if med.dea_schedule else "A-1",
    )
    uow.session.add(item)
    uow.session.flush()
    return item


def _receive(uow, item, lot: str, quantity: int, *, days: int = 400):
    batch = InventoryBatch(
        inventory_item_id=item.id,
        batch_number=lot,
        expiration_date=TODAY + dt.timedelta(days=days),
        quantity_received=D(quantity),
        quantity_remaining=D(0),
        received_date=TODAY,
        unit_cost=item.unit_cost,
    )
    uow.session.add(batch)
    uow.session.flush()
    stock_ledger.post(uow, item, change=D(quantity), kind=stock_ledger.RECEIPT, batch=batch)
    return batch


def _rx(uow_factory, meds, patient_id, drug: f.Drug, quantity: int) -> tuple[uuid.UUID, str]:
    with uow_factory() as uow:
        patient = uow.session.get(f.Patient, patient_id)
        rx = f.add_prescription(uow, patient, uow.session.get(Medication, meds[drug.package_ndc]), quantity=quantity,
                                refills=0)  # fmt: skip
        uow.commit()
        return rx.id, rx.prescription_number


def build(uow_factory, actors) -> History:
    tech, rph = actors["technician"], actors["pharmacist"]
    with uow_factory(actor_id=rph.user_id) as uow:
        f.add_pharmacy(uow)
        meds = {d.package_ndc: f.add_medication(uow, d) for d in DRUGS}
        oxy = _item(uow, meds[f.OXYCODONE_5.package_ndc], cost="0.3350", awp="0.5000")
        alp = _item(uow, meds[ALPRAZOLAM.package_ndc], cost="0.0125", awp="0.1100")
        lis = _item(uow, meds[f.LISINOPRIL_20_100.package_ndc], cost="0.0333", awp="0.2500")
        met = _item(uow, meds[f.METFORMIN_500.package_ndc], cost="0.0200", awp="0.0900", par=200)
        _receive(uow, oxy, "OX1", 100)
        _receive(uow, oxy, "OX2", 50, days=500)
        uow.commit()
        # the oxycodone receipts happened 40 days ago (a --from in between leaves them out)
        uow_ids = {d.package_ndc: i.id for d, i in zip(DRUGS, (oxy, alp, lis, met))}
        med_ids = {d.package_ndc: meds[d.package_ndc].id for d in DRUGS}
    with uow_factory() as uow:
        uow.session.execute(
            text(
                "UPDATE inventory_schema.inventory_transactions SET transaction_date = now() - interval '40 days' "
                "WHERE inventory_item_id = :item"
            ),  # fmt: skip
            {"item": uow_ids[f.OXYCODONE_5.package_ndc]},
        )
        uow.commit()
    with uow_factory(actor_id=rph.user_id) as uow:
        alp, lis, met = (uow.inventory.lock_item(uow_ids[d.package_ndc]) for d in DRUGS[1:])
        _receive(uow, alp, "AL1", 200)
        al2 = _receive(uow, alp, "AL2", 40, days=600)
        _receive(uow, lis, "LI1", 490)
        _receive(uow, lis, "LI2", 10, days=20)
        _receive(uow, met, "ME1", 20)
        order = PurchaseOrder(po_number="PO900001", order_date=TODAY, status="sent")
        order.items = [
            PurchaseOrderItem(
                inventory_item_id=met.id,
                ndc_code=met.ndc_code,
                medication_name="Metformin",
                quantity_ordered=D(100),
                unit_price=D("0.02"),
                total_price=D("2.00"),
            )  # fmt: skip
        ]
        uow.session.add(order)
        # the recall of lot AL2: the batch status first, then the ledger row (it keeps its 40 in quarantine)
        al2.status = "recalled"
        stock_ledger.post(uow, alp, change=-al2.quantity_remaining, kind=stock_ledger.ADJUSTMENT, batch=al2,
                          reference_type="recall", reason="manufacturer recall")  # fmt: skip
        uow.commit()
    with uow_factory() as uow:
        patient = f.add_patient(uow)
        uow.commit()
        patient_id = patient.id
    numbers = {}
    # a bottle scan without a lot names the lot when the shelf has several (first expiry first over
    # several bottles: ANY_LOT; alprazolam has a recalled lot on hand, so its good lot by name)
    for key, drug, quantity, lot in (
        ("oxy", f.OXYCODONE_5, 30, fill.ANY_LOT),
        ("oxy_returned", f.OXYCODONE_5, 20, fill.ANY_LOT),
        ("alprazolam", ALPRAZOLAM, 60, "AL1"),
        ("lisinopril", f.LISINOPRIL_20_100, 30, fill.ANY_LOT),
    ):
        rx_id, numbers[key] = _rx(uow_factory, med_ids, patient_id, drug, quantity)
        fill.fill(uow_factory, tech, rx_id, drug.upc, lot=lot)
        if key == "oxy":
            verify.approve(
                uow_factory, rph, rx_id, label_scan=f.label_scan(uow_factory, rx_id), bottle_scans=[drug.upc]
            )
        if key == "oxy_returned":
            verify.return_to_fill(uow_factory, rph, rx_id, "wrong quantity counted")
    with uow_factory(actor_id=rph.user_id) as uow:
        oxy = uow.inventory.lock_item(uow_ids[f.OXYCODONE_5.package_ndc])
        [ox1] = [b for b in uow.inventory.batches_of(oxy.id, for_update=True) if b.batch_number == "OX1"]
        row = stock_ledger.post(uow, oxy, change=D(-2), kind=stock_ledger.DAMAGED, batch=ox1, reason="dropped")
        uow.session.add(
            StockAdjustment(
                inventory_item_id=oxy.id,
                batch_id=ox1.id,
                adjustment_type="damage",
                quantity_expected=D(120),
                quantity_actual=D(118),
                quantity_difference=D(-2),
                reason="dropped",
                adjustment_date=TODAY,
                performed_by=tech.user_id,
                approved_by=rph.user_id,
                status="approved",
                is_controlled=True,
                transaction_id=row.id,
            )  # fmt: skip
        )
        uow.commit()
    return History(uow_ids, numbers, "Gonzalez, Maria")
