"""Completing sales against the real PostgreSQL (services/sale.py): tenders, insurance, discounts,
identity, counseling, household pickup. The ``pos`` fixture checks the billing invariants after each."""

from __future__ import annotations

import dataclasses
import time
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from pharmacy_desktop.adapters.payment_terminal import SimulatedTerminal
from pharmacy_desktop.db.models.billing import Discount, DiscountUse, Invoice, Payment, Sale, SaleTender, SaleVoid
from pharmacy_desktop.db.models.inventory import StoreProduct
from pharmacy_desktop.db.models.notifications import PrintJob
from pharmacy_desktop.db.models.patients import Patient
from pharmacy_desktop.db.models.prescriptions import Pickup, Prescription, PrescriptionRefill
from pharmacy_desktop.errors import PermissionDenied, ValidationFailed
from pharmacy_desktop.printing import codec
from pharmacy_desktop.services import auth, cosign, pickup, sale
from pharmacy_desktop.services.access import AuthenticationFailed
from pharmacy_desktop.services.sale import CartItem, CartRx, Picker, PickerId, SaleRefused, SaleRequest, TenderIn
from tests.fill import factories as f
from tests.fill.factories import TODAY
from tests.pos.conftest import ASPIRIN_UPC, BANDAGE_UPC, PNG, add_discount, add_patient, allow_pickup, insure, ready_rx

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


def test_card_tender_stores_only_the_last_four_and_the_terminal_id(uow_factory, actors, pos):
    tech = actors["technician"]
    ready_rx(uow_factory, actors, pos)
    view = pickup.open_pickup(uow_factory, tech, pos.patient_id)
    request = priced(uow_factory, tech, request_for(pos, view))
    terminal = SimulatedTerminal()
    terminal.present_card("debit", "1881")
    card = sale.take_card(terminal, request.sale_key, 1, request.expected_patient_pay)
    assert card.approved and card.tender.method == "debit_card" and card.reference == f"{request.sale_key}:1"
    assert sale.take_card(terminal, request.sale_key, 1, request.expected_patient_pay) == card  # a retry: same
    assert terminal.captures == 1
    result = sale.complete_sale(uow_factory, tech, dataclasses.replace(request, tenders=(card.tender,)))
    with uow_factory() as uow:
        [tender] = uow.session.scalars(select(SaleTender).where(SaleTender.sale_id == result.sale_id)).all()
        assert (tender.method, tender.card_last_four, tender.transaction_id) == (
            "debit_card",
            "1881",
            card.tender.transaction_id,
        )
        [payment] = uow.session.scalars(select(Payment).where(Payment.sale_tender_id == tender.id)).all()
        assert payment.card_last_four == "1881" and payment.amount == D("17.00")


def test_declined_and_timed_out_cards_give_no_tender(uow_factory, actors, pos):
    terminal = SimulatedTerminal()
    key = uuid.uuid4()
    terminal.queue_outcomes("decline", "timeout", "timeout_charged")
    declined = sale.take_card(terminal, key, 1, D("17.00"))
    assert declined.status == "declined" and declined.tender is None and "another card" in declined.message
    lost = sale.take_card(terminal, key, 2, D("17.00"))
    assert lost.status == "timed_out" and lost.tender is None and "nothing was charged" in lost.message
    charged = sale.take_card(terminal, key, 3, D("17.00"))  # timed out after charging: the lookup finds it
    assert charged.approved and charged.tender.transaction_id


def test_split_tender_over_two_prescriptions_and_store_items(uow_factory, actors, pos):
    tech = actors["technician"]
    first = ready_rx(uow_factory, actors, pos)
    second = ready_rx(uow_factory, actors, pos, f.METFORMIN_500)
    view = pickup.open_pickup(uow_factory, tech, pos.patient_id)
    assert [rx.rx_number for rx in view.prescriptions] == [first[2], second[2]]  # oldest first
    request = request_for(pos, view, store_items=(CartItem(ASPIRIN_UPC, 2), CartItem(BANDAGE_UPC)))
    quote = sale.quote_sale(uow_factory, tech, request)
    # 2 x $17.00 Rx; aspirin 2 x 6.49 = 12.98 taxed 8.25 % = 1.07; bandages 3.99 untaxed
    assert (quote.subtotal, quote.tax, quote.patient_pay) == (D("50.97"), D("1.07"), D("52.04"))
    request = dataclasses.replace(
        request,
        expected_patient_pay=quote.patient_pay,
        tenders=(
            TenderIn("check", D("20.00"), check_number="1043"),
            TenderIn("cash", D("12.04"), cash_tendered=D("12.04")),
        ),
    )
    terminal = SimulatedTerminal()
    card = sale.take_card(terminal, request.sale_key, 3, D("20.00"))
    request = dataclasses.replace(request, tenders=(*request.tenders, card.tender))
    result = sale.complete_sale(uow_factory, tech, request)
    assert result.change_due == 0 and len(result.invoice_numbers) == 3
    with uow_factory() as uow:
        invoices = uow.session.scalars(select(Invoice).where(Invoice.sale_id == result.sale_id)).all()
        assert sorted(i.patient_copay for i in invoices) == [D("17.00"), D("17.00"), D("18.04")]
        payments = uow.session.scalars(
            select(Payment).join(Invoice, Invoice.id == Payment.invoice_id).where(Invoice.sale_id == result.sale_id)
        ).all()
        # check 20.00 = 17.00 (Rx 1) + 3.00 (Rx 2); cash 12.04 on Rx 2 ... then the store invoice; card the rest
        assert sum(p.amount for p in payments) == D("52.04") and len(payments) == 5
        assert {p.payment_method for p in payments} == {"check", "cash", "credit_card"}
        assert len(set(p.payment_number for p in payments)) == 5
        shelf = {p.upc: p.quantity_on_hand for p in uow.session.scalars(select(StoreProduct))}
        assert shelf == {ASPIRIN_UPC: 8, BANDAGE_UPC: 0}


def test_out_of_stock_store_item_is_refused_by_name(uow_factory, actors, pos):
    tech = actors["technician"]
    request = SaleRequest(sale_key=uuid.uuid4(), patient_id=pos.patient_id, store_items=(CartItem(BANDAGE_UPC, 2),))
    quote = sale.quote_sale(uow_factory, tech, request)
    assert not quote.sellable and "Bandages 30 ct: only 1 on the shelf" in quote.problems[0]
    with pytest.raises(SaleRefused, match="Bandages 30 ct"):
        sale.complete_sale(uow_factory, tech, dataclasses.replace(request, expected_patient_pay=quote.patient_pay))
    assert count(uow_factory, Sale) == 0


# -- insurance ---------------------------------------------------------------------------------------


def test_insurance_copay_is_what_the_counter_collects(uow_factory, actors, pos):
    tech = actors["technician"]
    insure(uow_factory, pos.patient_id)
    ready_rx(uow_factory, actors, pos, bill=True)
    [line] = pickup.open_pickup(uow_factory, tech, pos.patient_id).prescriptions
    # allowed = 30 x $0.50 + $2.00 = $17.00; BCBS generic copay $10.00, the plan $7.00
    assert line.price.status == "insurance" and line.price.sellable
    assert (line.price.insurance_paid, line.price.patient_pay) == (D("7.00"), D("10.00"))
    view = pickup.open_pickup(uow_factory, tech, pos.patient_id)
    request = priced(uow_factory, tech, request_for(pos, view), tenders=(TenderIn("cash", D("10.00")),))
    result = sale.complete_sale(uow_factory, tech, request)
    assert result.patient_pay == D("10.00")
    with uow_factory() as uow:
        [invoice] = uow.session.scalars(select(Invoice).where(Invoice.sale_id == result.sale_id)).all()
        assert (invoice.total_amount, invoice.insurance_payment, invoice.patient_copay) == (
            D("17.00"),
            D("7.00"),
            D("10.00"),
        )


def test_a_rejected_claim_sells_at_the_cash_price_and_says_why(uow_factory, actors, pos):
    tech = actors["technician"]
    insure(uow_factory, pos.patient_id, member="TERM0001")  # the simulator: 65 coverage terminated
    ready_rx(uow_factory, actors, pos, bill=True)
    [line] = pickup.open_pickup(uow_factory, tech, pos.patient_id).prescriptions
    assert line.price.status == "rejected" and line.price.sellable and line.price.reject_codes == ("65",)
    assert line.price.patient_pay == D("17.00") and line.price.insurance_paid == 0
    assert line.price.reject_lines[0].startswith("65") and "Rejected by Blue Cross" in line.price.message
    view = pickup.open_pickup(uow_factory, tech, pos.patient_id)
    request = priced(uow_factory, tech, request_for(pos, view), tenders=(TenderIn("cash", D("17.00")),))
    result = sale.complete_sale(uow_factory, tech, request)
    with uow_factory() as uow:
        [invoice] = uow.session.scalars(select(Invoice).where(Invoice.sale_id == result.sale_id)).all()
        assert (invoice.insurance_payment, invoice.patient_copay) == (0, D("17.00"))


def test_no_coupon_on_a_line_a_government_plan_pays(uow_factory, actors, pos):
    tech = actors["technician"]
    add_discount(uow_factory, "SAVE10")
    insure(uow_factory, pos.patient_id, "004336", "Medicare Part D - SilverScript")
    ready_rx(uow_factory, actors, pos, bill=True)
    view = pickup.open_pickup(uow_factory, tech, pos.patient_id)
    assert view.prescriptions[0].price.government_plan and view.prescriptions[0].price.patient_pay == D("4.00")
    quote = sale.quote_sale(uow_factory, tech, request_for(pos, view, discount_code="SAVE10"))
    assert "federal anti-kickback" in quote.discount_refused and quote.patient_pay == D("4.00")
    # on the store item in the same sale it applies
    quote = sale.quote_sale(
        uow_factory, tech, request_for(pos, view, discount_code="SAVE10", store_items=(CartItem(ASPIRIN_UPC),))
    )
    assert quote.discount_refused is None and quote.discount == D("0.65")
    assert [line.discount for line in quote.lines] == [0, D("0.65")]


def test_a_claim_without_an_answer_cannot_be_sold(uow_factory, actors, pos):
    tech = actors["technician"]
    insure(uow_factory, pos.patient_id)
    pos.adjudicator.fail_next(1)
    ready_rx(uow_factory, actors, pos, bill=True)
    view = pickup.open_pickup(uow_factory, tech, pos.patient_id)
    [line] = view.prescriptions
    assert line.price.status == "pending" and not line.price.sellable and "resubmit" in line.price.message
    quote = sale.quote_sale(uow_factory, tech, request_for(pos, view))
    assert not quote.sellable and "resubmit it on the fill screen" in quote.problems[0]
    with pytest.raises(SaleRefused, match="resubmit"):
        sale.complete_sale(uow_factory, tech, request_for(pos, view, expected_patient_pay=D("0.00")))


def test_an_insured_fill_never_billed_is_not_sold_at_the_cash_price(uow_factory, actors, pos):
    insure(uow_factory, pos.patient_id)
    ready_rx(uow_factory, actors, pos)  # not billed
    [line] = pickup.open_pickup(uow_factory, actors["technician"], pos.patient_id).prescriptions
    assert line.price.status == "unbilled" and not line.price.sellable and line.price.patient_pay is None


def test_a_fill_without_awp_or_cost_is_not_priced_at_zero(uow_factory, actors, pos):
    with uow_factory() as uow:
        for item in uow.session.scalars(select(f.InventoryItem)):
            item.average_wholesale_price = None
        uow.commit()
    ready_rx(uow_factory, actors, pos)
    [line] = pickup.open_pickup(uow_factory, actors["technician"], pos.patient_id).prescriptions
    assert line.price.status == "unpriced" and not line.price.sellable and line.price.price is None
    assert "No price" in line.price.message


# -- discounts -------------------------------------------------------------------------------------


def test_discount_code_applied_and_counted(uow_factory, actors, pos):
    tech = actors["technician"]
    add_discount(uow_factory, "SAVE10", max_uses=5)
    ready_rx(uow_factory, actors, pos)
    view = pickup.open_pickup(uow_factory, tech, pos.patient_id)
    request = request_for(pos, view, store_items=(CartItem(ASPIRIN_UPC),), discount_code="save10")
    quote = sale.quote_sale(uow_factory, tech, request)
    # 10 % of 17.00 + 6.49 = 2.35 (1.70 on the Rx, 0.65 on the aspirin); tax on 5.84 = 0.48
    assert quote.discount_code == "SAVE10" and quote.discount == D("2.35") and quote.tax == D("0.48")
    assert quote.patient_pay == D("21.62")
    request = dataclasses.replace(
        request, expected_patient_pay=quote.patient_pay, tenders=(TenderIn("cash", D("21.62")),)
    )
    result = sale.complete_sale(uow_factory, tech, request)
    with uow_factory() as uow:
        code = uow.session.scalars(select(Discount).where(Discount.code == "SAVE10")).one()
        assert code.times_used == 1
        [use] = uow.session.scalars(select(DiscountUse)).all()
        assert (use.sale_id, use.amount) == (result.sale_id, D("2.35"))
        assert uow.session.get(Sale, result.sale_id).discount_id == code.id
    # the same patient again: the per-patient limit (1) says why
    ready_rx(uow_factory, actors, pos)
    again = request_for(pos, pickup.open_pickup(uow_factory, tech, pos.patient_id), discount_code="SAVE10")
    assert "this patient already used it" in sale.quote_sale(uow_factory, tech, again).discount_refused


@pytest.mark.parametrize(
    "changes, why",
    [
        ({"expiration_date": TODAY - f.dt.timedelta(days=1)}, "expired on"),
        ({"minimum_purchase_amount": D("50.00")}, "needs a purchase of $50.00"),
        ({"max_uses": 3, "times_used": 3}, "used up (3 of 3)"),
        ({"is_active": False}, "not active"),
    ],
)
def test_discount_refusals_say_why_and_block_completion(uow_factory, actors, pos, changes, why):
    tech = actors["technician"]
    times_used = changes.pop("times_used", 0)
    add_discount(uow_factory, "NOPE", **changes)
    if times_used:
        with uow_factory() as uow:
            uow.session.scalars(select(Discount)).one().times_used = times_used
            uow.commit()
    ready_rx(uow_factory, actors, pos)
    request = request_for(pos, pickup.open_pickup(uow_factory, tech, pos.patient_id), discount_code="NOPE")
    quote = sale.quote_sale(uow_factory, tech, request)
    assert why in quote.discount_refused and quote.discount == 0 and quote.sellable
    request = dataclasses.replace(
        request, expected_patient_pay=quote.patient_pay, tenders=(TenderIn("cash", D("17.00")),)
    )
    with pytest.raises(SaleRefused):
        sale.complete_sale(uow_factory, tech, request)
    assert count(uow_factory, Sale) == 0 and count(uow_factory, DiscountUse) == 0


def test_unknown_discount_code(uow_factory, actors, pos):
    request = SaleRequest(uuid.uuid4(), pos.patient_id, store_items=(CartItem(ASPIRIN_UPC),), discount_code="XYZ")
    assert (
        "There is no discount code XYZ" in sale.quote_sale(uow_factory, actors["technician"], request).discount_refused
    )


# -- identity, controlled substances, counseling, signature ------------------------------------------


def test_schedule_ii_needs_a_valid_id_of_the_picker(uow_factory, actors, pos):
    tech = actors["technician"]
    rx_id, _, number = ready_rx(uow_factory, actors, pos, f.OXYCODONE_5, refills=0, quantity=20)
    view = pickup.open_pickup(uow_factory, tech, pos.patient_id)
    assert view.has_controlled and view.prescriptions[0].schedule == "C-II"
    request = priced(uow_factory, tech, request_for(pos, view))
    request = dataclasses.replace(request, tenders=(TenderIn("cash", request.expected_patient_pay),))
    with pytest.raises(SaleRefused, match="government photo ID") as refused:
        sale.complete_sale(uow_factory, tech, request)
    assert "id_number" in refused.value.field_errors
    expired = dataclasses.replace(LICENSE, id_expiry=TODAY - f.dt.timedelta(days=1))
    with pytest.raises(SaleRefused, match="expired"):
        sale.complete_sale(
            uow_factory,
            tech,
            dataclasses.replace(request, picker=Picker("Maria Gonzalez", "self", pos.patient_id, expired)),
        )
    assert count(uow_factory, Sale) == 0
    ok = dataclasses.replace(request, picker=Picker("Maria Gonzalez", "self", pos.patient_id, LICENSE))
    result = sale.complete_sale(uow_factory, tech, ok)
    with uow_factory() as uow:
        [bag] = uow.session.scalars(select(Pickup).where(Pickup.sale_id == result.sale_id)).all()
        assert bag.has_controlled and (bag.id_type, bag.id_number, bag.id_state) == (
            "drivers_license",
            "D1234567",
            "IL",
        )
        assert uow.session.get(Prescription, rx_id).status == "completed"


def test_counseling_accepted_needs_a_pharmacists_sign_off(uow_factory, actors, pos):
    tech, rph = actors["technician"], actors["pharmacist"]
    auth.set_pin(uow_factory, rph, "2468")
    auth.set_pin(uow_factory, tech, "1357")
    _, refill_id, number = ready_rx(uow_factory, actors, pos)
    view = pickup.open_pickup(uow_factory, tech, pos.patient_id)
    request = priced(uow_factory, tech, request_for(pos, view), tenders=(TenderIn("cash", D("17.00")),))
    for counseling, counselor, why in (
        ("not_required", None, "needs counseling offered"),
        ("accepted", None, "pharmacist's PIN"),
        ("accepted", rph, "pharmacist's PIN"),  # an Actor object is not a sign-off
    ):
        attempt = dataclasses.replace(request, prescriptions=(CartRx(refill_id, counseling, counselor),))
        with pytest.raises(SaleRefused, match=why):
            sale.complete_sale(uow_factory, tech, attempt)
    with pytest.raises(PermissionDenied, match="not a pharmacist"):
        cosign.pharmacist_signoff(uow_factory, "1357", "pin", tech.workstation, tech)
    with pytest.raises(AuthenticationFailed):
        cosign.pharmacist_signoff(uow_factory, "0000", "pin", tech.workstation, tech)
    assert count(uow_factory, Sale) == 0
    time.sleep(1.1)  # the wrong PIN's wait (1 s) before the next PIN is checked on this workstation
    pharmacist = cosign.pharmacist_signoff(uow_factory, "2468", "pin", tech.workstation, tech)
    assert pharmacist.user_id == rph.user_id
    accepted = dataclasses.replace(request, prescriptions=(CartRx(refill_id, "accepted", pharmacist, "side effects"),))
    result = sale.complete_sale(uow_factory, tech, accepted)
    with uow_factory() as uow:
        [bag] = uow.session.scalars(select(Pickup).where(Pickup.sale_id == result.sale_id)).all()
        [item] = uow.pickups.of_sale(result.sale_id)[0].items
        assert (item.counseling, item.counseled_by, item.notes) == ("accepted", rph.user_id, "side effects")
        assert uow.session.scalars(select(Sale)).one().cashier_id == tech.user_id  # still the technician's sale


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"signature_png": b""}, "signature"),
        ({"signature_png": b"GIF89a-not-a-png"}, "signature"),
        ({"birth_date": "04/13/1958"}, "birth_date"),
        ({"birth_date": ""}, "birth_date"),
        ({"acknowledged_privacy_notice": False}, "acknowledged_privacy_notice"),
        ({"acknowledged_receipt": False}, "acknowledged_receipt"),
        ({"expected_patient_pay": D("16.00")}, "total"),
        ({"tenders": (TenderIn("cash", D("10.00")),)}, "tenders"),
        ({"tenders": (TenderIn("credit_card", D("17.00")),)}, "tenders"),
        ({"tenders": (TenderIn("check", D("17.00")),)}, "check_number"),
        ({"picker": Picker("Stranger Danger", "other")}, "picker"),
    ],
)
def test_what_the_counter_must_have_before_the_bag_leaves(uow_factory, actors, pos, changes, field):
    tech = actors["technician"]
    ready_rx(uow_factory, actors, pos)
    view = pickup.open_pickup(uow_factory, tech, pos.patient_id)
    request = priced(uow_factory, tech, request_for(pos, view), tenders=(TenderIn("cash", D("17.00")),))
    with pytest.raises(SaleRefused) as refused:
        sale.complete_sale(uow_factory, tech, dataclasses.replace(request, **changes))
    assert field in refused.value.field_errors, refused.value.message
    assert "1958" not in refused.value.message  # the real date of birth is never shown
    assert count(uow_factory, Sale) == 0 and count(uow_factory, Payment) == 0
    with uow_factory() as uow:
        assert (
            uow.session.scalars(
                select(Prescription.status).where(Prescription.id == view.prescriptions[0].prescription_id)
            ).one()
            == "ready"
        )


def test_selling_prescriptions_needs_the_dispense_permission(uow_factory, actors, pos):
    ready_rx(uow_factory, actors, pos)
    view = pickup.open_pickup(uow_factory, actors["technician"], pos.patient_id)
    with pytest.raises(PermissionDenied):
        sale.quote_sale(uow_factory, actors["manager"], request_for(pos, view))


# -- household --------------------------------------------------------------------------------------


def test_household_pickup_by_a_spouse_who_is_allowed(uow_factory, actors, pos):
    tech = actors["technician"]
    husband = add_patient(uow_factory, "Luis", "Gonzalez", date_of_birth=f.dt.date(1955, 9, 3))
    allow_pickup(uow_factory, pos.patient_id, husband, relationship="spouse")  # Maria lets Luis pick up
    mine = ready_rx(uow_factory, actors, pos)
    his = ready_rx(uow_factory, actors, pos, patient_id=husband)
    # Luis's pickup shows his bag and Maria's
    view = pickup.open_pickup(uow_factory, tech, husband)
    assert {rx.prescription_id for rx in view.prescriptions} == {mine[0], his[0]}
    assert view.household == ((pos.patient_id, "Gonzalez, Maria"),)
    # Maria's pickup shows only hers, and Luis among who may collect it
    maria = pickup.open_pickup(uow_factory, tech, pos.patient_id)
    assert [rx.prescription_id for rx in maria.prescriptions] == [mine[0]]
    assert [(p.name, p.relationship) for p in maria.pickers] == [
        ("Maria Gonzalez", "self"),
        ("Luis Gonzalez", "spouse"),
    ]
    request = request_for(
        pos, view, patient_id=husband, birth_date="09/03/1955", picker=Picker("Luis Gonzalez", "self", husband)
    )
    with pytest.raises(SaleRefused, match=f"Confirm the date of birth of the patient of Rx {mine[2]}"):
        sale.complete_sale(
            uow_factory, tech, priced(uow_factory, tech, request, tenders=(TenderIn("cash", D("34.00")),))
        )
    request = dataclasses.replace(request, household_birth_dates=((pos.patient_id, "1958-04-12"),))
    result = sale.complete_sale(
        uow_factory, tech, priced(uow_factory, tech, request, tenders=(TenderIn("cash", D("34.00")),))
    )
    with uow_factory() as uow:
        bags = {p.patient_id: p for p in uow.pickups.of_sale(result.sale_id)}
        assert bags[husband].picker_relationship == "self" and bags[pos.patient_id].picker_relationship == "spouse"
        assert uow.session.get(Sale, result.sale_id).patient_id == husband


def test_a_named_person_may_collect_and_nobody_else(uow_factory, actors, pos):
    tech = actors["technician"]
    allow_pickup(uow_factory, pos.patient_id, name="Rosa Diaz", relationship="caregiver")
    ready_rx(uow_factory, actors, pos)
    view = pickup.open_pickup(uow_factory, tech, pos.patient_id)
    request = priced(
        uow_factory,
        tech,
        request_for(pos, view, picker=Picker("rosa diaz", "caregiver")),
        tenders=(TenderIn("cash", D("17.00")),),
    )
    result = sale.complete_sale(uow_factory, tech, request)
    with uow_factory() as uow:
        [bag] = uow.pickups.of_sale(result.sale_id)
        assert (bag.picker_name, bag.picker_relationship, bag.picker_patient_id) == ("rosa diaz", "caregiver", None)


# -- idempotency, changed totals, voids -----------------------------------------------------------------


def test_the_same_sale_key_twice_is_one_sale(uow_factory, actors, pos):
    tech = actors["technician"]
    ready_rx(uow_factory, actors, pos)
    view = pickup.open_pickup(uow_factory, tech, pos.patient_id)
    request = priced(uow_factory, tech, request_for(pos, view), tenders=(TenderIn("cash", D("17.00")),))
    first = sale.complete_sale(uow_factory, tech, request)
    again = sale.complete_sale(uow_factory, tech, request)
    assert again.already_completed and again.sale_id == first.sale_id and again.receipt_job_id == first.receipt_job_id
    assert (
        count(uow_factory, Sale) == 1
        and count(uow_factory, Payment) == 1
        and count(uow_factory, PrintJob, PrintJob.job_type == "receipt") == 1
    )


def test_a_price_changed_since_the_quote_refuses_the_sale(uow_factory, actors, pos):
    tech = actors["technician"]
    ready_rx(uow_factory, actors, pos)
    view = pickup.open_pickup(uow_factory, tech, pos.patient_id)
    request = priced(uow_factory, tech, request_for(pos, view), tenders=(TenderIn("cash", D("17.00")),))
    with uow_factory() as uow:
        uow.users.pharmacy_profile_for_saving().dispensing_fee = D("3.00")
        uow.commit()
    with pytest.raises(SaleRefused, match=r"The total is now \$18.00, not the \$17.00 shown"):
        sale.complete_sale(uow_factory, tech, request)


def test_voids_are_recorded_and_card_approvals_voided(uow_factory, actors, pos):
    tech, rph = actors["technician"], actors["pharmacist"]
    key = uuid.uuid4()
    line = sale.void_cart(
        uow_factory,
        tech,
        None,
        key,
        "patient changed their mind",
        lines=(sale.VoidLine("Aspirin 81 mg 120 ct", D("6.49")),),
    )
    assert line.voids == 1 and not line.problems
    terminal = SimulatedTerminal()
    card = sale.take_card(terminal, key, 1, D("17.00"))
    with pytest.raises(PermissionDenied):
        sale.void_cart(uow_factory, tech, terminal, key, "wrong patient", whole=True, approvals=(card.tender,))
    whole = sale.void_cart(
        uow_factory,
        rph,
        terminal,
        key,
        "wrong patient",
        whole=True,
        lines=(sale.VoidLine("Rx", D("17.00")),),
        approvals=(card.tender,),
    )
    assert whole.voided_approvals == (card.tender.transaction_id,) and not whole.problems
    with uow_factory() as uow:
        rows = uow.session.scalars(select(SaleVoid).order_by(SaleVoid.voided_at)).all()
        assert [(v.kind, v.amount, v.voided_by) for v in rows] == [
            ("line", D("6.49"), tech.user_id),
            ("sale", D("17.00"), rph.user_id),
        ]
    with pytest.raises(ValidationFailed):
        sale.void_cart(uow_factory, tech, None, key, " ", lines=(sale.VoidLine("x", D("1.00")),))
