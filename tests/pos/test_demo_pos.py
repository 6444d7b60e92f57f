"""The demo pharmacy's point of sale (issue 13 item 15), loaded once into a real database: products,
rules, codes, households and settings are there; every bag handed over went through the sale
services (cash with change, card, split tender, check, a discount code, a C-II with the picker's ID
and a pharmacist's counseling); one refund, one return to stock, a closed drawer; the screens
still have bags to show (a controlled one, a rejected claim, a household member's, one to return)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from pharmacy_desktop.db.engine import make_engine, make_session_factory
from pharmacy_desktop.db.models import Patient, PharmacyProfile, Prescription
from pharmacy_desktop.db.models.billing import (
    Discount,
    DiscountUse,
    DrawerClose,
    InsuranceClaim,
    Invoice,
    Payment,
    PricingRule,
    Sale,
    SaleTender,
)
from pharmacy_desktop.db.models.inventory import StoreProduct
from pharmacy_desktop.db.models.prescriptions import Pickup, PickupItem, PrescriptionRefill
from pharmacy_desktop.db.models.users import User
from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
from pharmacy_desktop.demo import DEMO_PASSWORDS
from pharmacy_desktop.demo import pos as demo_pos
from pharmacy_desktop.demo.pickups import CASH_SHORT, COUNTER, OPENING_FLOAT, PICKUPS
from pharmacy_desktop.demo.prescriptions import HISTORY_NOTE
from pharmacy_desktop.domain.barcodes import parse_scan
from pharmacy_desktop.services import auth, day_end, pickup, sale_pricing
from tests.conftest import DEMO_TODAY
from tests.pos.invariants import assert_billing_invariants

TODAY = DEMO_TODAY  # today: the drawer of a future day cannot be closed


@pytest.fixture(scope="module")
def demo(demo_template, demo_module_url):
    """The demo pharmacy in a database of this module's own (a copy of the worker's demo template)."""
    engine = make_engine(demo_module_url)
    factory = UnitOfWorkFactory(make_session_factory(engine), workstation="test-ws")
    yield demo_template.summary, factory, engine
    engine.dispose()


def patient_by_index(uow, index: int) -> Patient:
    return uow.session.scalars(select(Patient).order_by(Patient.patient_number).offset(index).limit(1)).one()


def test_reference_data_and_settings(demo):
    summary, factory, _ = demo
    assert summary.store_products == len(demo_pos.PRODUCTS) >= 5
    with factory() as uow:
        s = uow.session
        profile = s.get(PharmacyProfile, 1)
        assert (profile.tax_rate, profile.dispensing_fee, profile.will_call_return_days) == (
            Decimal("0.08250"),
            Decimal("2.50"),
            10,
        )
        products = s.scalars(select(StoreProduct)).all()
        assert {p.taxable for p in products} == {True, False}
        for product in products:  # real UPC-A: 12 digits, the check digit right, not an NDC barcode
            scan = parse_scan(product.upc)
            assert scan.kind == "upc-a" and scan.gtin == "00" + product.upc and not scan.ndc_candidates
        rules = {r.rule_name: r for r in s.scalars(select(PricingRule))}
        methods = {r.pricing_method for r in rules.values()}
        assert methods == {"awp_minus_percentage", "fixed_price", "percentage_discount"}
        assert any(r.expiration_date and r.expiration_date < TODAY for r in rules.values())  # an expired rule
        assert any("senior" in str(r.conditions) for r in rules.values())
        codes = {d.code: d for d in s.scalars(select(Discount))}
        assert {codes[c].discount_type for c in codes} == {"percentage", "fixed_amount"}
        assert codes["SUMMER20"].expiration_date < TODAY  # expired
        assert codes["WELCOME5"].max_uses == 25 and codes["WELCOME5"].times_used == 1  # used once, atomically
        assert s.scalar(select(func.count()).select_from(DiscountUse)) == 1


def test_every_bag_handed_over_went_through_a_sale(demo):
    summary, factory, _ = demo
    assert summary.sales == len(PICKUPS)
    with factory() as uow:
        s = uow.session
        done = s.scalars(select(Prescription).where(Prescription.status.in_(("dispensed", "completed")))).all()
        today_s = [rx for rx in done if rx.notes != HISTORY_NOTE]
        assert len(today_s) == len(PICKUPS)
        for rx in today_s:
            items = s.scalars(select(PickupItem).where(PickupItem.prescription_id == rx.id)).all()
            assert len(items) == 1, rx.prescription_number
            bag = s.get(Pickup, items[0].pickup_id)
            assert bag.signature_png.startswith(b"\x89PNG") and bag.dob_confirmed
            invoices = s.scalars(select(Invoice).where(Invoice.prescription_id == rx.id)).all()
            assert [i.status for i in invoices] == ["paid"], rx.prescription_number
        # the history from the previous system: months old, imported with its sales and pickups
        history = [rx for rx in done if rx.notes == HISTORY_NOTE]
        assert history and all(rx.dispensed_at is not None for rx in history)
        refills = s.scalars(
            select(PrescriptionRefill).where(PrescriptionRefill.prescription_id.in_([rx.id for rx in history]))
        ).all()
        assert all(r.filled_date < TODAY for r in refills)  # a year of it, up to days ago (demo/history_fills.py)
        imported = s.scalars(select(Sale).where(Sale.workstation == "imported")).all()
        assert len(imported) == len(refills)  # one imported sale per fill handed over
        # every sale made here has its receipt in the print queue
        assert all(
            sale.receipt_job_id is not None for sale in s.scalars(select(Sale)) if sale.workstation != "imported"
        )


def test_the_ways_of_paying(demo):
    _, factory, _ = demo
    with factory() as uow:
        s = uow.session
        sales = s.scalars(select(Sale).where(Sale.workstation != "imported")).all()
        tenders = s.scalars(select(SaleTender).where(SaleTender.sale_id.in_([sale.id for sale in sales]))).all()
        by_sale: dict = {}
        for tender in tenders:
            by_sale.setdefault(tender.sale_id, []).append(tender)
        assert {t.method for t in tenders} == {"cash", "credit_card", "debit_card", "check"}
        assert any(t.method == "cash" and t.change_due > 0 for t in tenders)  # cash with change
        assert any(len(ts) == 2 and {t.method for t in ts} == {"cash", "credit_card"} for ts in by_sale.values())
        cards = [t for t in tenders if t.method.endswith("_card")]
        assert all(len(t.card_last_four) == 4 and t.transaction_id for t in cards)
        assert any(t.method == "check" and t.check_number for t in tenders)
        assert any(sale.discount_amount > 0 and sale.discount_id is not None for sale in sales)
        assert any(sale.insurance_payment > 0 for sale in sales)  # insurance copays
        assert all(sale.business_date == TODAY and sale.workstation == COUNTER for sale in sales)


def test_controlled_pickup_with_id_and_pharmacist_counseling(demo):
    _, factory, _ = demo
    with factory() as uow:
        s = uow.session
        controlled = s.scalars(
            select(Pickup).where(Pickup.has_controlled.is_(True), Pickup.workstation != "imported")
        ).all()
        assert len(controlled) == 1
        bag = controlled[0]
        assert (bag.id_type, bag.id_state) == ("drivers_license", "IL") and bag.id_number and bag.id_expiry > TODAY
        rph = s.scalars(select(User).where(User.username == "rph")).one()
        items = s.scalars(select(PickupItem).where(PickupItem.pickup_id == bag.id)).all()
        assert [(i.counseling, i.counseled_by) for i in items] == [("accepted", rph.id)]
        counsel = {i.counseling for i in s.scalars(select(PickupItem))}
        assert {"accepted", "declined"} <= counsel


def test_return_to_stock_and_closed_drawer(demo):
    _, factory, _ = demo
    with factory() as uow:
        s = uow.session
        held = s.scalars(select(Prescription).where(Prescription.status == "on_hold")).all()
        assert len(held) == 1
        refills = s.scalars(select(PrescriptionRefill).where(PrescriptionRefill.prescription_id == held[0].id)).all()
        assert [r.status for r in refills] == ["returned"]
        claims = s.scalars(select(InsuranceClaim).where(InsuranceClaim.prescription_id == held[0].id)).all()
        assert claims and all(c.status in ("reversed", "rejected") for c in claims)
        assert any(c.status == "reversed" and c.reversed_at is not None for c in claims)
        close = s.scalars(select(DrawerClose)).one()
        assert (close.business_date, close.workstation, close.opening_float) == (TODAY, COUNTER, OPENING_FLOAT)
        assert Decimal(close.variance["cash"]) == -CASH_SHORT
        assert all(Decimal(v) == 0 for m, v in close.variance.items() if m != "cash")
        assert s.scalar(select(func.count()).select_from(Payment).where(Payment.status == "refunded")) >= 1


def test_bags_still_waiting_for_the_screens(demo):
    _, factory, _ = demo
    tech = auth.sign_in(factory, "tech", DEMO_PASSWORDS["tech"], "test-ws")
    with factory() as uow:
        ready = uow.session.scalars(select(Prescription).where(Prescription.status == "ready")).all()
        owners = {rx.patient_id for rx in ready}
        household_owner = patient_by_index(uow, 25).id
    views = [pickup.open_pickup(factory, tech, owner) for owner in owners]
    lines = [line for view in views for line in view.prescriptions]
    assert any(line.is_controlled for line in lines)  # a C-IV waiting
    rejected = [line for line in lines if line.price.status == "rejected"]
    assert rejected and "75" in rejected[0].price.reject_codes and rejected[0].price.sellable
    assert all(line.price.sellable for line in lines)  # every bag billed: nothing "unbilled"
    spouse = next(view for view in views if view.patient_id == household_owner)
    assert spouse.household and len({line.patient_id for line in spouse.prescriptions}) == 2
    from pharmacy_desktop.services import return_to_stock

    old = return_to_stock.return_candidates(factory, tech)
    assert len(old) == 1
    with factory() as uow:
        for line in lines:
            refill = uow.session.get(PrescriptionRefill, line.refill_id)
            assert sale_pricing.fill_price(uow, refill).sellable


def test_one_refund_of_an_unopened_item(demo):
    _, factory, _ = demo
    with factory() as uow:
        s = uow.session
        refunds = s.scalars(select(Payment).where(Payment.status == "refunded")).all()
        assert len(refunds) == 1 and refunds[0].amount > 0 and refunds[0].reason and refunds[0].refund_of
        sale = s.scalars(select(Sale).where(Sale.status == "partially_refunded")).one()
        batteries = s.scalars(select(StoreProduct).where(StoreProduct.name.like("AA batteries%"))).one()
        bought_and_back = next(p.on_hand for p in demo_pos.PRODUCTS if p.name.startswith("AA batteries"))
        assert batteries.quantity_on_hand == bought_and_back  # sold one, got it back unopened
        assert sale.patient_pay > refunds[0].amount


def test_billing_invariants_hold_on_the_demo_database(demo):
    """Issue 13's four invariants over everything the demo wrote, the imported history included
    (demo/history_sales.py: the previous system's sales and signed pickups come with it)."""
    _, _, engine = demo
    assert_billing_invariants(engine)


def test_the_z_report_of_the_demo_day(demo):
    """What the day-end report shows for the demo's day: every tender, the refund, the voided line,
    the discount, tax, insurance, the prescriptions handed over, the C-II with the ID, the closed drawer."""
    _, factory, _ = demo
    data = day_end.day_end_data(factory, None, TODAY)
    assert {t.method for t in data.sales_by_tender} == {"cash", "credit_card", "debit_card", "check"}
    assert [t.method for t in data.refunds_by_tender] == ["cash"]
    assert data.voids_count == 1 and data.voids_amount == next(
        p.price for p in demo_pos.PRODUCTS if "Lip balm" in p.name
    )
    assert data.discounts_total == Decimal("5.00") and data.tax_total > 0 and data.insurance_paid_total > 0
    assert data.prescriptions_picked_up == len(PICKUPS)
    [controlled] = data.controlled_pickups
    assert controlled.id_type and controlled.id_state == "IL" and "7812" not in controlled.id_number  # masked
    [drawer] = [d for d in data.drawers if d.workstation == COUNTER]
    assert drawer.closed_at is not None and drawer.opening_float == OPENING_FLOAT
