"""Completing sales against the real PostgreSQL (services/sale.py): tenders, insurance, discounts,
identity, counseling, household pickup. The ``pos`` fixture checks the billing invariants after each."""

from __future__ import annotations

import dataclasses
import uuid
from decimal import Decimal

from sqlalchemy import func, select

from pharmacy_desktop.db.models.billing import Invoice, Payment, SaleTender
from pharmacy_desktop.db.models.notifications import PrintJob
from pharmacy_desktop.db.models.patients import Patient
from pharmacy_desktop.db.models.prescriptions import Pickup, Prescription, PrescriptionRefill
from pharmacy_desktop.printing import codec
from pharmacy_desktop.services import pickup, sale
from pharmacy_desktop.services.sale import CartRx, Picker, PickerId, SaleRequest, TenderIn
from tests.fill.factories import TODAY
from tests.pos.conftest import PNG, ready_rx

D = Decimal
DOB = "04/12/1958"
LICENSE = PickerId("drivers_license", "D1234567", "IL", TODAY.replace(year=TODAY.year + 3))


def request_for(pos, view, **changes) -> SaleRequest:
    """The whole bag, counseling declined where it is needed, the patient picking up."""
    lines = tuple(
        CartRx(rx.refill_id, "declined" if rx.counseling_required else "not_required") for rx in view.prescriptions
    )
    base = SaleRequest(
        sale_key=uuid.uuid4(),
        patient_id=pos.patient_id,
        prescriptions=lines,
        birth_date=DOB,
        picker=Picker("Maria Gonzalez", "self", pos.patient_id),
        signature_png=PNG,
        acknowledged_receipt=True,
        acknowledged_counseling=True,
        acknowledged_privacy_notice=True,
    )
    return dataclasses.replace(base, **changes)


def priced(uow_factory, actor, request, **changes) -> SaleRequest:
    """The request with the total the screen would have shown (the quote's)."""
    quote = sale.quote_sale(uow_factory, actor, request)
    assert quote.sellable, quote.problems
    return dataclasses.replace(request, expected_patient_pay=quote.patient_pay, **changes)


def count(uow_factory, model, *where):
    with uow_factory() as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where))


# -- cash, card, split ------------------------------------------------------------------------------


def test_cash_with_change_dispenses_and_queues_the_receipt(uow_factory, actors, pos):
    tech = actors["technician"]
    rx_id, refill_id, number = ready_rx(uow_factory, actors, pos)
    view = pickup.open_pickup(uow_factory, tech, pos.patient_id)
    [line] = view.prescriptions
    assert line.rx_number == number and line.counseling_required and line.counseling_reason == "new prescription"
    assert line.price.status == "cash" and line.price.patient_pay == D("17.00")  # 30 x $0.50 + $2.00 fee
    assert not view.privacy_notice_acknowledged and view.pickers[0].relationship == "self"
    request = priced(uow_factory, tech, request_for(pos, view))
    request = dataclasses.replace(request, tenders=(TenderIn("cash", D("17.00"), cash_tendered=D("20.00")),))

    result = sale.complete_sale(uow_factory, tech, request)

    assert result.change_due == D("3.00") and result.patient_pay == D("17.00") and not result.already_completed
    assert result.rx_numbers == (number,) and result.sale_number.startswith("S")
    with uow_factory() as uow:
        rx = uow.session.get(Prescription, rx_id)
        assert rx.status == "completed" and rx.dispensed_by == tech.user_id and rx.counseling_declined
        assert uow.session.get(PrescriptionRefill, refill_id).status == "dispensed"
        [invoice] = uow.session.scalars(select(Invoice).where(Invoice.sale_id == result.sale_id)).all()
        assert invoice.status == "paid" and invoice.prescription_refill_id == refill_id
        [payment] = uow.session.scalars(select(Payment).where(Payment.invoice_id == invoice.id)).all()
        assert payment.amount == D("17.00") and payment.payment_method == "cash" and payment.sale_tender_id
        [tender] = uow.session.scalars(select(SaleTender).where(SaleTender.sale_id == result.sale_id)).all()
        assert (tender.cash_tendered, tender.change_due) == (D("20.00"), D("3.00"))
        [bag] = uow.session.scalars(select(Pickup).where(Pickup.sale_id == result.sale_id)).all()
        assert bag.signature_png == PNG and bag.dob_confirmed and bag.picker_relationship == "self"
        assert uow.session.get(Patient, pos.patient_id).privacy_notice_acknowledged_at is not None
        job = uow.session.get(PrintJob, result.receipt_job_id)
        receipt = codec.receipt_from_json(job.document)
        assert receipt.receipt_number == result.sale_number and receipt.is_cash and receipt.change == D("3.00")
        assert receipt.lines[0].rx_number == number and receipt.total == D("17.00")
    # the bag is gone from will-call
    assert pickup.open_pickup(uow_factory, tech, pos.patient_id).prescriptions == ()
