"""The demo pharmacy loads through the app's own services, once, into a migrated database.

The load looked at is the suite's own: ``demo_template`` (tests/conftest.py) is ``load_demo(today=
DEMO_TODAY, patients=30)`` into a copy of the migrated template, once per run (under xdist the other
worker restores its dump); this test gets a copy of that database and the summary the load returned,
and loads again into the copy: nothing changes. A second year of history in the run cost a minute."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from pharmacy_desktop.db.models import (
    InventoryBatch,
    InventoryItem,
    Medication,
    Patient,
    PatientAllergy,
    PharmacyProfile,
    Prescription,
    User,
)
from pharmacy_desktop.db.models.billing import Sale
from pharmacy_desktop.db.models.inventory import inventory_summary
from pharmacy_desktop.demo import DEMO_PASSWORDS, load_demo
from pharmacy_desktop.services import auth
from tests.conftest import DEMO_TODAY


def test_demo_loads_once_and_everyone_can_sign_in(demo_template, demo_database_url, demo_uow_factory):
    today, summary, database_url, uow_factory = DEMO_TODAY, demo_template.summary, demo_database_url, demo_uow_factory
    assert not summary.skipped
    assert summary.patients == 30 and summary.users == 4
    assert summary.interactions >= 3
    assert "received" in (summary.prescriptions or {})

    with uow_factory() as uow:
        s = uow.session
        assert s.scalar(select(func.count()).select_from(User)) == 4
        assert s.get(PharmacyProfile, 1).name == "Riverside Community Pharmacy"
        assert s.scalar(select(func.count()).select_from(Medication)) > 2000
        assert s.scalar(select(func.count()).select_from(Patient)) == 30
        first = s.scalars(select(Patient).order_by(Patient.patient_number)).first()
        allergens = s.scalars(select(PatientAllergy.allergen_name).where(PatientAllergy.patient_id == first.id)).all()
        assert "Penicillin" in allergens
        # stock: every item's on-hand is the sum of its available batches (a recalled or expired lot
        # keeps what sits in quarantine), some items are below reorder point
        for item in s.scalars(select(InventoryItem)):
            batches = s.scalars(
                select(InventoryBatch.quantity_remaining).where(
                    InventoryBatch.inventory_item_id == item.id, InventoryBatch.status == "active"
                )
            )
            assert item.quantity_on_hand == sum(batches)
        assert (
            s.scalar(
                select(func.count())
                .select_from(InventoryItem)
                .where(InventoryItem.quantity_on_hand < InventoryItem.reorder_point)
            )
            >= 1
        )
        assert (
            s.scalar(
                select(func.count())
                .select_from(InventoryBatch)
                .where(InventoryBatch.expiration_date < today + dt.timedelta(days=60))
            )
            >= 1
        )
        statuses = set(s.scalars(select(Prescription.status).distinct()))
        # every workflow state a prescription rests in ('dispensed' lasts only inside the sale's
        # transaction: a bag handed over is 'completed'; 'on_hold' is the bag returned to stock)
        assert statuses == {
            "received",
            "validated",
            "in_progress",
            "ready",
            "completed",
            "rejected",
            "cancelled",
            "on_hold",
        }
        # the stock screens' list (the inventory_summary materialized view) was refreshed at the end
        # of the load: every active item in it, at its on-hand after the day at the counter
        listed = {
            r.id: r.quantity_on_hand
            for r in s.execute(select(inventory_summary.c.id, inventory_summary.c.quantity_on_hand))
        }
        stock = select(InventoryItem.id, InventoryItem.quantity_on_hand).where(InventoryItem.is_active.is_(True))
        active = {r.id: r.quantity_on_hand for r in s.execute(stock)}
        assert listed, "inventory_summary is empty after the demo load: the stock screens list nothing"
        assert listed == active, "inventory_summary is not the stock at the end of the demo load"
        # the day at the counter went through the point of sale (tests/pos/test_demo_pos.py has the rest)
        assert summary.sales >= 7 and summary.store_products >= 5
        made_here = select(func.count()).select_from(Sale).where(Sale.workstation != "imported")
        assert s.scalar(made_here) == summary.sales  # the rest came with the imported history

    for username, password in DEMO_PASSWORDS.items():
        assert auth.sign_in(uow_factory, username, password, "test-ws").username == username

    again = load_demo(database_url, today=today, patients=30)
    assert again.skipped
    assert str(again) == "Demo data already present: nothing changed."
    with uow_factory() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Patient)) == 30
