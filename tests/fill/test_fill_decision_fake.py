"""The fill decision on the in-memory unit of work (tests/fakes/fill_uow.py): no PostgreSQL.

The same guard steps ``fill.check_scan`` and ``fill.fill`` run; here they read plain objects, so
every branch of the decision is cheap to pin: the right drug, the wrong drug (a hard stop naming
both), another package size (a warning), generic substitution (allowed, and refused under DAW 1),
expired and recalled lots, too little stock (and the partial fill it allows).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pharmacy_desktop.domain.barcodes import build_gs1_element_string, ndc_to_gtin14
from pharmacy_desktop.services import fill_decision as decision
from pharmacy_desktop.services.stock_allocation import ANY_LOT
from tests.fakes.fill_uow import FakeFillUnitOfWork, FakeMedication

TODAY = dt.date(2026, 12, 2)


def med(
    package_ndc: str,
    name: str,
    generic: str,
    strength: str,
    *,
    brand: str | None = None,
    size: str = "100 TABLET in 1 BOTTLE",
) -> FakeMedication:
    a, b, c = package_ndc.split("-")
    return FakeMedication(
        ndc_code=a.zfill(5) + b.zfill(4) + c.zfill(2),
        package_ndc=package_ndc,
        drug_name=name,
        generic_name=generic,
        strength=strength,
        brand_name=brand,
        is_generic=brand is None,
        package_description=f"{size} ({package_ndc})",
    )


def datamatrix(m: FakeMedication, lot: str, expiry: dt.date) -> str:
    return "]d2" + build_gs1_element_string(ndc_to_gtin14(m.package_ndc), expiry=expiry, lot=lot)


@pytest.fixture
def world():
    uow = FakeFillUnitOfWork()
    drugs = {
        "lisinopril_100": med("64725-1020-1", "Lisinopril", "Lisinopril", "20 mg"),
        "lisinopril_1000": med("64725-1020-3", "Lisinopril", "Lisinopril", "20 mg", size="1000 TABLET in 1 BOTTLE"),
        "zestril": med("0310-0134-10", "Zestril", "Lisinopril", "20 mg", brand="Zestril"),
        "metformin": med("64725-0102-1", "Metformin Hydrochloride", "Metformin Hydrochloride", "500 mg"),
    }
    for m in drugs.values():
        uow.add_medication(m)
    patient = uow.add_patient()
    return uow, drugs, patient


def evaluate(uow, rx, scan: str, **how):
    how = {"item_id": None, "quantity": None, "partial": False, "medication_id": None, **how}
    return decision.evaluate(uow, rx.id, scan, resolve=uow.resolve_scan, today=TODAY, lock=False, **how)


def test_right_drug_fills_first_expiry_first(world):
    uow, drugs, patient = world
    lisinopril = drugs["lisinopril_100"]
    rx = uow.add_prescription(patient, lisinopril)
    uow.add_stock(
        lisinopril, [("LATE", TODAY + dt.timedelta(days=500), 100), ("SOON", TODAY + dt.timedelta(days=200), 20)]
    )

    # two lots on the shelf and none scanned: the technician is asked which (issue 15 item 7)
    asked = evaluate(uow, rx, "64725-1020-01")
    assert asked.check.status == decision.REFUSED and "Which lot" in asked.check.message
    # "several bottles": first expiry first
    ev = evaluate(uow, rx, "64725-1020-01", lot=ANY_LOT)

    assert ev.check.status == decision.OK, ev.check.message
    assert ev.check.match == "exact"
    assert ev.check.message.startswith("Correct product")
    assert ev.check.quantity == Decimal(30) and not ev.check.is_partial
    assert [(line.lot, line.quantity) for line in ev.check.lines] == [("SOON", 20), ("LATE", 10)]
    assert ev.check.available == Decimal(120) and ev.check.on_hand == Decimal(120)
    assert ev.stock is not None and ev.refill_number == 0


def test_wrong_drug_is_a_hard_stop_naming_both(world):
    uow, drugs, patient = world
    rx = uow.add_prescription(patient, drugs["lisinopril_100"])
    uow.add_stock(drugs["metformin"], [("M1", TODAY + dt.timedelta(days=400), 500)])

    ev = evaluate(uow, rx, "64725-0102-01")

    assert ev.check.status == decision.HARD_STOP
    assert ev.check.match == "wrong_drug"
    assert "Lisinopril" in ev.check.message and "Metformin" in ev.check.message
    assert ev.stock is None and ev.lines == ()  # stopped before any stock was looked at


def test_other_package_size_is_accepted_with_a_warning(world):
    uow, drugs, patient = world
    rx = uow.add_prescription(patient, drugs["lisinopril_100"])
    uow.add_stock(drugs["lisinopril_1000"], [("BIG", TODAY + dt.timedelta(days=400), 1000)])

    ev = evaluate(uow, rx, "64725-1020-03")

    assert ev.check.status == decision.OK
    assert ev.check.match == "same_product"
    assert any("Different package size" in w for w in ev.check.warnings), ev.check.warnings


def test_generic_for_brand_is_allowed_and_refused_under_daw_1(world):
    uow, drugs, patient = world
    zestril, generic = drugs["zestril"], drugs["lisinopril_100"]
    uow.add_stock(generic, [("G1", TODAY + dt.timedelta(days=400), 100)])

    allowed = evaluate(uow, uow.add_prescription(patient, zestril), "64725-1020-01")
    assert allowed.check.status == decision.OK, allowed.check.message
    assert allowed.check.match == "equivalent"

    daw = evaluate(
        uow, uow.add_prescription(patient, zestril, daw_code="1", substitution_allowed=False), "64725-1020-01"
    )
    assert daw.check.status == decision.HARD_STOP
    assert daw.check.match == "no_substitution"


def test_expired_lot_is_refused(world):
    uow, drugs, patient = world
    lisinopril = drugs["lisinopril_100"]
    rx = uow.add_prescription(patient, lisinopril)
    uow.add_stock(lisinopril, [("OLD", TODAY - dt.timedelta(days=3), 100)])

    ev = evaluate(uow, rx, datamatrix(lisinopril, "OLD", TODAY - dt.timedelta(days=3)))

    assert ev.check.status == decision.REFUSED
    assert "expired" in ev.check.message.lower()
    assert ev.check.lot == "OLD" and ev.lines == ()


def test_recalled_lot_is_refused(world):
    uow, drugs, patient = world
    lisinopril = drugs["lisinopril_100"]
    rx = uow.add_prescription(patient, lisinopril)
    uow.add_stock(lisinopril, [("BAD", TODAY + dt.timedelta(days=300), 100)], statuses={"BAD": "recalled"})

    ev = evaluate(uow, rx, datamatrix(lisinopril, "BAD", TODAY + dt.timedelta(days=300)))

    assert ev.check.status == decision.REFUSED
    assert "recall" in ev.check.message.lower()


def test_insufficient_stock_then_a_partial_fill_when_asked(world):
    uow, drugs, patient = world
    lisinopril = drugs["lisinopril_100"]
    rx = uow.add_prescription(patient, lisinopril)
    uow.add_stock(lisinopril, [("L1", TODAY + dt.timedelta(days=300), 12)])

    short = evaluate(uow, rx, "64725-1020-01")
    assert short.check.status == decision.INSUFFICIENT
    assert short.check.available == Decimal(12) and short.check.partial_possible
    assert short.lines == ()

    partial = evaluate(uow, rx, "64725-1020-01", partial=True)
    assert partial.check.status == decision.OK
    assert partial.check.is_partial and partial.check.quantity == Decimal(12)
    assert "Partial fill: 12 of 30" in partial.check.message


def test_no_refills_left_is_refused_before_the_scan(world):
    uow, drugs, patient = world
    lisinopril = drugs["lisinopril_100"]
    rx = uow.add_prescription(patient, lisinopril, refills_remaining=0)
    from tests.fakes.fill_uow import FakeRefill

    uow.prescriptions.refills.append(FakeRefill(rx.items[0].id, 0, status="verified"))

    ev = evaluate(uow, rx, "not even a barcode")

    assert ev.check.status == decision.REFUSED
    assert "No refills left" in ev.check.message
