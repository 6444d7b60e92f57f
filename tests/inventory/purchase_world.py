"""A pharmacy to buy for: the catalog products of tests/fill/factories, stock items made the way the
app makes them (no units until a receipt through stock_ledger.post), three suppliers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from decimal import Decimal

from pharmacy_desktop.db.models.inventory import PurchaseOrder, Supplier
from pharmacy_desktop.services import purchasing
from tests.fill import factories as f
from tests.inventory.ledger_world import new_item, receive

D = Decimal
TODAY = dt.date.today()
LISINOPRIL = f.LISINOPRIL_20_100  # 100 tablets a bottle
LISINOPRIL_1000 = f.LISINOPRIL_20_1000  # 1000 tablets a bottle
METFORMIN = f.METFORMIN_500
OXYCODONE = f.OXYCODONE_5  # C-II, 100 a bottle


@dataclasses.dataclass
class Buyer:
    items: dict[str, uuid.UUID]  # package NDC -> stock item
    suppliers: dict[str, uuid.UUID]  # name -> supplier


def buyer_world(uow_factory, actors) -> Buyer:
    """Lisinopril 20 (100s) with 40 on hand (point 50, quantity 250: 3 bottles), Lisinopril 20 (1000s)
    with nothing (par 1500), Metformin with 200 (above its point), Oxycodone (C-II) with nothing."""
    pharmacist = actors["pharmacist"].user_id
    with uow_factory(actor_id=pharmacist) as uow:
        f.add_pharmacy(uow)
        profile = uow.users.pharmacy_profile_for_saving()
        profile.dea = "BM1234563"
        meds = {d.package_ndc: f.add_medication(uow, d) for d in (LISINOPRIL, LISINOPRIL_1000, METFORMIN, OXYCODONE)}
        items = {ndc: new_item(uow, med, unit_cost="0.0315") for ndc, med in meds.items()}
        items[LISINOPRIL.package_ndc].reorder_quantity = D(250)
        items[LISINOPRIL_1000.package_ndc].par_level = D(1500)
        items[OXYCODONE.package_ndc].reorder_quantity = D(100)
        suppliers = {}
        for name in ("McKesson", "Cardinal Health", "AmerisourceBergen"):
            supplier = Supplier(name=name, contact_name="Order desk", account_number=f"ACCT-{name[:3].upper()}")
            uow.session.add(supplier)
            uow.session.flush()
            suppliers[name] = supplier.id
        uow.commit()
        ids = {ndc: item.id for ndc, item in items.items()}
    receive(uow_factory, ids[LISINOPRIL.package_ndc], "OLD-1", 40, actor_id=pharmacist)
    receive(uow_factory, ids[METFORMIN.package_ndc], "MET-1", 200, actor_id=pharmacist)
    return Buyer(ids, suppliers)


def sent_order(uow_factory, actor, supplier_id, lines, *, dea_order_number=None):
    """A draft of ``lines`` [(item id, units, unit price)], sent: its OrderView."""
    draft = purchasing.create_order(uow_factory, actor, supplier_id, lines)
    return purchasing.send_order(
        uow_factory, actor, draft.id, version=draft.version, dea_order_number=dea_order_number
    ).order


def order_row(uow_factory, order_id) -> PurchaseOrder:
    with uow_factory() as uow:
        order = uow.purchasing.order(order_id)
        uow.session.expunge_all()
        return order
