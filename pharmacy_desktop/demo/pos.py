"""The demo pharmacy's point of sale (issue 13 item 15): what the counter sells and the day's sales.

Reference data the pharmacy would set up once (front-store products with their UPCs, pricing
rules, discount codes, a household allowed to pick up) is written directly, as the demo writes
its stock and insurance; the settings (tax rate, dispensing fee, will-call days) go through the
settings service. Every pickup goes through the real services, as the counter runs them
(``demo/pickups.py``): nothing dispensed is written by hand.

UPCs are made up (a number system 0 and 8 manufacturer code no real company uses here) and carry a
correct UPC-A check digit, so the scanner and the sale read them as they would a real product.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pharmacy_desktop.db.models.billing import Discount, PricingRule
from pharmacy_desktop.db.models.inventory import StoreProduct
from pharmacy_desktop.db.models.patients import PatientRelationship
from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
from pharmacy_desktop.services import pharmacy

# the pharmacy's point-of-sale settings (Settings, Alt+S, "Point of sale")
TAX_PERCENT = "8.25"
DISPENSING_FEE = "2.50"
RETURN_DAYS = 10
# the "$4 list" is what the patient pays: the rule prices the ingredient, the fee comes on top
FOUR_DOLLAR_LIST_INGREDIENT = Decimal("4.00") - Decimal(DISPENSING_FEE)
FOUR_DOLLAR_GENERICS = ("lisinopril", "metformin", "amlodipine", "hydrochlorothiazide", "furosemide", "prednisone")


def upc_a(eleven: str) -> str:
    """The 12-digit UPC-A of 11 digits: odd positions x3 plus even positions, check to a multiple of 10."""
    if len(eleven) != 11 or not eleven.isdigit():
        raise ValueError("a UPC-A body has 11 digits")
    odd = sum(int(d) for d in eleven[0::2])
    even = sum(int(d) for d in eleven[1::2])
    return eleven + str((10 - (odd * 3 + even) % 10) % 10)


@dataclass(frozen=True)
class DemoProduct:
    upc: str
    name: str
    price: Decimal
    taxable: bool
    on_hand: int


# OTC medicine and medical supplies are tax-exempt in the demo's state; the rest is taxable
PRODUCTS = (
    DemoProduct(upc_a("08451200101"), "Acetaminophen 500 mg caplets, 100 ct", Decimal("8.99"), False, 48),
    DemoProduct(upc_a("08451200204"), "Ibuprofen 200 mg tablets, 50 ct", Decimal("6.49"), False, 36),
    DemoProduct(upc_a("08451200307"), "Loratadine 10 mg tablets, 30 ct", Decimal("12.99"), False, 24),
    DemoProduct(upc_a("08451200402"), "Adhesive bandages, assorted, 30 ct", Decimal("4.99"), False, 60),
    DemoProduct(upc_a("08614300118"), "Digital thermometer", Decimal("11.99"), True, 12),
    DemoProduct(upc_a("08614300215"), "Hand sanitizer, 8 oz", Decimal("3.49"), True, 80),
    DemoProduct(upc_a("08614300312"), "Lip balm SPF 15", Decimal("2.79"), True, 3),  # nearly sold out
    DemoProduct(upc_a("07330500519"), "AA batteries, 4 pack", Decimal("6.99"), True, 40),
    DemoProduct(upc_a("07330500616"), "Vitamin D3 1000 IU softgels, 100 ct", Decimal("9.49"), True, 30),
    DemoProduct(upc_a("07330500713"), "Reading glasses +2.00", Decimal("14.99"), True, 10),
)


def product_upc(name_start: str) -> str:
    return next(p.upc for p in PRODUCTS if p.name.startswith(name_start))


# discount codes: (code, description, type, value, max uses, per patient, minimum, applicable, days valid)
DISCOUNTS: tuple[tuple[str, str, str, Decimal, int | None, int | None, Decimal | None, list[str], int], ...] = (
    ("HEALTHY10", "10% off front-store items", "percentage", Decimal(10), None, 3, None, ["front_store"], 365),
    ("WELCOME5", "$5.00 off a first visit of $10.00 or more", "fixed_amount", Decimal(5), 25, 1, Decimal(10), [], 365),
    ("SUMMER20", "Summer promotion, 20% off (ended)", "percentage", Decimal(20), None, 1, None, [], -60),
)


@dataclass(frozen=True)
class Household:
    """Who may pick up for whom: (patient index, picker's patient index or None, name, relationship)."""

    patient: int
    picker: int | None
    name: str | None
    relationship: str


# patient 26 lets patient 25 (spouse) collect; patient 27's caregiver is not a patient here
HOUSEHOLDS = (
    Household(26, 25, None, "spouse"),
    Household(27, None, "Ruth Okafor", "caregiver"),
)


def load_reference(
    uow_factory: UnitOfWorkFactory,
    actors: dict[str, Any],
    patient_ids: list[uuid.UUID],
    meds: dict[str, uuid.UUID],
    today: dt.date,
) -> int:
    """Settings, products, pricing rules, discount codes and households; returns the products added."""
    admin, manager = actors["admin"], actors["manager"]
    pharmacy.save_pos_settings(
        uow_factory, admin, pharmacy.parse_pos_settings(TAX_PERCENT, DISPENSING_FEE, RETURN_DAYS, False)
    )
    with uow_factory(manager.user_id) as uow:
        s = uow.active_session
        for product in PRODUCTS:
            s.add(
                StoreProduct(
                    upc=product.upc,
                    name=product.name,
                    price=product.price,
                    taxable=product.taxable,
                    quantity_on_hand=product.on_hand,
                )
            )
        year_ago = today - dt.timedelta(days=365)
        four_dollar = [str(meds[g]) for g in FOUR_DOLLAR_GENERICS if g in meds]
        for name, kind, conditions, method, value, priority, start, end in (
            ("Generics: AWP minus 15%", "usual_and_customary", {"brand_generic": "generic"}, "awp_minus_percentage",
             Decimal(15), 10, year_ago, None),
            ("$4 generic list (ingredient; the fee makes $4.00)", "usual_and_customary",
             {"medication_id": four_dollar}, "fixed_price", FOUR_DOLLAR_LIST_INGREDIENT, 20, year_ago, None),
            ("Seniors 65+: 10% off the cash price", "usual_and_customary", {"patient_category": "senior"},
             "percentage_discount", Decimal(10), 30, year_ago, None),
            ("Spring generic promotion: AWP minus 40% (ended)", "usual_and_customary", {"brand_generic": "generic"},
             "awp_minus_percentage", Decimal(40), 40, year_ago, today - dt.timedelta(days=120)),
        ):  # fmt: skip
            s.add(
                PricingRule(
                    rule_name=name,
                    rule_type=kind,
                    conditions=conditions,
                    pricing_method=method,
                    pricing_value=value,
                    priority=priority,
                    effective_date=start,
                    expiration_date=end,
                    created_by=manager.user_id,
                )
            )
        for code, description, kind, value, max_uses, per_patient, minimum, applicable, days in DISCOUNTS:
            start, end = (
                (today - dt.timedelta(days=30), today + dt.timedelta(days=days))
                if days > 0
                else (today - dt.timedelta(days=150), today + dt.timedelta(days=days))
            )
            s.add(
                Discount(
                    code=code,
                    description=description,
                    discount_type=kind,
                    discount_value=value,
                    max_uses=max_uses,
                    max_uses_per_patient=per_patient,
                    minimum_purchase_amount=minimum,
                    applicable_medications=applicable or None,
                    effective_date=start,
                    expiration_date=end,
                )
            )
        for household in HOUSEHOLDS:
            if household.patient >= len(patient_ids) or (household.picker or 0) >= len(patient_ids):
                continue
            s.add(
                PatientRelationship(
                    patient_id=patient_ids[household.patient],
                    related_patient_id=patient_ids[household.picker] if household.picker is not None else None,
                    related_name=household.name,
                    relationship_type=household.relationship,
                    may_pick_up=True,
                    created_by=manager.user_id,
                )
            )
        uow.commit()
    return len(PRODUCTS)
