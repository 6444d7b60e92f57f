"""Fixtures of the point-of-sale tests: prescriptions made ready through the real fill and verify
services (the validated prescription is written as tests/fill does: intake is tested elsewhere),
insurance billed through the claims service and the simulated adjudicator, store products and
discount codes. Every scenario ends with ``assert_billing_invariants`` (tests/pos/invariants.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from decimal import Decimal

import pytest

from pharmacy_desktop.adapters.adjudication import SimulatedAdjudicator
from pharmacy_desktop.db.models.billing import Discount
from pharmacy_desktop.db.models.inventory import InventoryItem, StoreProduct
from pharmacy_desktop.db.models.patients import PatientInsurance, PatientRelationship
from pharmacy_desktop.db.models.prescriptions import Medication
from pharmacy_desktop.services import claims, fill, verify
from tests.fill import factories as f
from tests.fill.factories import TODAY
from tests.pos.invariants import assert_billing_invariants

D = Decimal
COMMERCIAL = "610014"  # the simulator's BCBS: generic copay $10
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40  # the pad's bytes are tested with the pad; here any PNG
ASPIRIN_UPC, BANDAGE_UPC = "036000291452", "381370044345"


@dataclasses.dataclass
class Pos:
    world: f.World
    patient_id: uuid.UUID
    meds: dict[str, uuid.UUID]
    adjudicator: SimulatedAdjudicator


def ready_rx(uow_factory, actors, pos: Pos, drug: f.Drug = f.LISINOPRIL_20_100, *, patient_id=None, bill=False, **rx):
    """A new prescription of ``drug`` for the patient, filled, (billed,) verified: ready in a bin.
    Returns (prescription id, refill id, rx number)."""
    with uow_factory() as uow:
        patient = uow.session.get(f.Patient, patient_id or pos.patient_id)
        med = uow.session.get(Medication, pos.meds[drug.package_ndc])
        prescription = f.add_prescription(uow, patient, med, **rx)
        uow.commit()
        rx_id, number = prescription.id, prescription.prescription_number
    refill_id = fill.fill(uow_factory, actors["technician"], rx_id, drug.upc).refill_id
    if bill:
        claims.adjudicate_fill(uow_factory, actors["technician"], pos.adjudicator, refill_id)
    verify.approve(
        uow_factory, actors["pharmacist"], rx_id, label_scan=f.label_scan(uow_factory, rx_id), bottle_scans=[drug.upc]
    )
    return rx_id, refill_id, number


def insure(
    uow_factory, patient_id, bin_number=COMMERCIAL, provider="Blue Cross Blue Shield of Illinois", member="COM123456789"
):
    with uow_factory() as uow:
        uow.session.add(
            PatientInsurance(
                patient_id=patient_id,
                insurance_provider=provider,
                insurance_type="primary",
                policy_number=member,
                group_number="GRP1234",
                bin_number=bin_number,
                pcn_number="BCBSIL",
                relationship_to_cardholder="self",
                effective_date=TODAY - dt.timedelta(days=60),
            )
        )
        uow.commit()


def add_patient(uow_factory, first, last, **kw):
    with uow_factory() as uow:
        patient = f.add_patient(uow, first, last, **kw)
        uow.commit()
        return patient.id


def allow_pickup(uow_factory, patient_id, picker_id=None, *, name=None, relationship="spouse"):
    """``picker_id`` (a patient) or ``name`` (a person) may pick up ``patient_id``'s prescriptions."""
    with uow_factory() as uow:
        uow.session.add(
            PatientRelationship(
                patient_id=patient_id,
                related_patient_id=picker_id,
                related_name=name,
                relationship_type=relationship,
                may_pick_up=True,
            )
        )
        uow.commit()


def add_discount(uow_factory, code, *, kind="percentage", value="10", max_uses=None, per_patient=1, **kw):
    with uow_factory() as uow:
        uow.session.add(
            Discount(
                code=code,
                description=f"{code} test code",
                discount_type=kind,
                discount_value=D(value),
                max_uses=max_uses,
                times_used=0,
                max_uses_per_patient=per_patient,
                effective_date=kw.pop("effective_date", TODAY - dt.timedelta(days=10)),
                expiration_date=kw.pop("expiration_date", TODAY + dt.timedelta(days=30)),
                **kw,
            )
        )
        uow.commit()


@pytest.fixture
def pos(uow_factory, engine):
    """A pharmacy with AWP $0.50 a tablet on every stock item, a $2.00 dispensing fee, 8.25 % tax, two
    store products; the patient (DOB 04/12/1958) without insurance. The invariants are checked after."""
    world = f.world(uow_factory)
    with uow_factory() as uow:
        for item in uow.session.query(InventoryItem):
            item.average_wholesale_price = D("0.5000")
        profile = uow.users.pharmacy_profile_for_saving()
        profile.dispensing_fee, profile.tax_rate = D("2.00"), D("0.0825")
        uow.session.add_all(
            [
                StoreProduct(
                    upc=ASPIRIN_UPC, name="Aspirin 81 mg 120 ct", price=D("6.49"), taxable=True, quantity_on_hand=10
                ),
                StoreProduct(
                    upc=BANDAGE_UPC, name="Bandages 30 ct", price=D("3.99"), taxable=False, quantity_on_hand=1
                ),
            ]
        )
        uow.commit()
    yield Pos(world, world.patient_id, world.meds, SimulatedAdjudicator())
    assert_billing_invariants(engine)
