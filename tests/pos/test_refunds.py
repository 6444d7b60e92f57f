"""Refunds after a sale (issue 13 item 11) against the real PostgreSQL: sales completed through
services/sale.py, refunds through services/refunds.py, the card through the simulated terminal. The
``pos`` fixture checks the billing invariants after each test; the scenarios check them between
steps too, and that the store stock and the prescription stock stay balanced."""

from __future__ import annotations

import dataclasses
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import select

from pharmacy_desktop.adapters.payment_terminal import SimulatedTerminal
from pharmacy_desktop.db.models.audit import DomainEvent
from pharmacy_desktop.db.models.billing import Invoice, InvoiceItem, Payment, Sale, SaleTender
from pharmacy_desktop.db.models.inventory import StoreProduct
from pharmacy_desktop.db.models.notifications import PrintJob
from pharmacy_desktop.db.models.prescriptions import Prescription
from pharmacy_desktop.errors import NotFound, PermissionDenied, ValidationFailed
from pharmacy_desktop.printing import codec
from pharmacy_desktop.services import pickup, refunds, sale
from pharmacy_desktop.services.refunds import StoreLineRefund
from pharmacy_desktop.services.sale import CartItem, CartRx, Picker, SaleRequest, TenderIn
from tests.fill.test_fill_service import stock_of
from tests.pos.conftest import ASPIRIN_UPC, BANDAGE_UPC, PNG, insure, ready_rx
from tests.pos.invariants import assert_billing_invariants
from tests.pos.test_return_to_stock import assert_stock_balanced

D = Decimal
KICK = b"\x1bp"  # ESC p: the cash drawer kick


def request_for(pos, view, **changes) -> SaleRequest:
    """The whole bag, counseling declined where it is needed, the patient picking up."""
    lines = tuple(
        CartRx(rx.refill_id, "declined" if rx.counseling_required else "not_required") for rx in view.prescriptions
    )
    base = SaleRequest(
        sale_key=uuid.uuid4(),
        patient_id=pos.patient_id,
        prescriptions=lines,
        birth_date="04/12/1958",
        picker=Picker("Maria Gonzalez", "self", pos.patient_id),
        signature_png=PNG,
        acknowledged_receipt=True,
        acknowledged_counseling=True,
        acknowledged_privacy_notice=True,
    )
    return dataclasses.replace(base, **changes)


def priced(uow_factory, actor, request) -> SaleRequest:
    """The request with the total the screen would have shown (the quote's)."""
    quote = sale.quote_sale(uow_factory, actor, request)
    assert quote.sellable, quote.problems
    return dataclasses.replace(request, expected_patient_pay=quote.patient_pay)


@dataclasses.dataclass
class Sold:
    sale_id: uuid.UUID
    sale_number: str
    invoice_numbers: tuple[str, ...]
    rx_id: uuid.UUID | None
    patient_pay: Decimal


def sell(uow_factory, actors, pos, *, rx=True, items=(), pay="cash", terminal=None, bill=False) -> Sold:
    """Sell a new ready prescription (and store ``items``: (upc, quantity)) paid by ``pay``: 'cash',
    'card', 'check', or 'split' ($5.00 cash, the rest by card)."""
    tech = actors["technician"]
    rx_id = ready_rx(uow_factory, actors, pos, bill=bill)[0] if rx else None
    view = pickup.open_pickup(uow_factory, tech, pos.patient_id)
    request = request_for(pos, view, store_items=tuple(CartItem(u, q) for u, q in items))
    request = priced(uow_factory, tech, request)
    total = request.expected_patient_pay
    if pay == "cash":
        tenders = (TenderIn("cash", total, cash_tendered=total + D("5.00")),)
    elif pay == "check":
        tenders = (TenderIn("check", total, check_number="1042"),)
    elif pay == "card":
        tenders = (sale.take_card(terminal, request.sale_key, 1, total).tender,)
    else:
        card = sale.take_card(terminal, request.sale_key, 2, total - D("5.00")).tender
        tenders = (TenderIn("cash", D("5.00"), cash_tendered=D("5.00")), card)
    result = sale.complete_sale(uow_factory, tech, dataclasses.replace(request, tenders=tenders))
    assert_billing_invariants_now(uow_factory)
    return Sold(result.sale_id, result.sale_number, result.invoice_numbers, rx_id, result.patient_pay)


def assert_billing_invariants_now(uow_factory) -> None:
    with uow_factory() as uow:
        assert_billing_invariants(uow.session.get_bind())
        assert_stock_balanced(uow.session.get_bind())


def rows(uow_factory, model, *where):
    with uow_factory() as uow:
        found = uow.session.scalars(select(model).where(*where)).all()
        uow.session.expunge_all()
        return found


def shelf(uow_factory, upc) -> int:
    return rows(uow_factory, StoreProduct, StoreProduct.upc == upc)[0].quantity_on_hand


def receipt_of(uow_factory, job_id):
    [job] = rows(uow_factory, PrintJob, PrintJob.id == job_id)
    return codec.receipt_from_json(job.document), bytes(job.payload)


def refunds_of(uow_factory, sale_id):
    invoices = [i.id for i in rows(uow_factory, Invoice, Invoice.sale_id == sale_id)]
    return rows(uow_factory, Payment, Payment.invoice_id.in_(invoices), Payment.status == "refunded")


# -- prescriptions: refunded whole, invoice cancelled, medicine not restocked ----------------------------


def test_whole_sale_in_cash_cancels_the_invoice_and_keeps_the_prescription_dispensed(uow_factory, actors, pos):
    manager = actors["manager"]
    sold = sell(uow_factory, actors, pos)
    item_stock = stock_of(uow_factory, pos.world.item_id)

    result = refunds.refund(
        uow_factory, manager, SimulatedTerminal(), sold.sale_number, reason="patient changed pharmacy", whole_sale=True
    )

    assert result.amount == sold.patient_pay == D("17.00") and result.sale_status == "refunded"
    assert result.invoices_cancelled == sold.invoice_numbers and "does not go back to stock" in result.message
    assert [(b.method, b.back_as, b.amount) for b in result.money_back] == [("cash", "cash", D("17.00"))]
    [invoice] = rows(uow_factory, Invoice, Invoice.sale_id == sold.sale_id)
    assert invoice.status == "cancelled" and invoice.patient_copay == D("17.00")  # its lines and totals stay
    [back] = refunds_of(uow_factory, sold.sale_id)
    [original] = rows(uow_factory, Payment, Payment.id == back.refund_of)
    assert (back.amount, back.payment_method, back.reason) == (D("17.00"), "cash", "patient changed pharmacy")
    assert back.processed_by == manager.user_id and back.sale_tender_id == original.sale_tender_id
    assert original.status == "completed"
    [tender] = rows(uow_factory, SaleTender, SaleTender.sale_id == sold.sale_id)
    assert tender.status == "refunded"
    [rx] = rows(uow_factory, Prescription, Prescription.id == sold.rx_id)
    assert rx.status == "completed"
    assert stock_of(uow_factory, pos.world.item_id) == item_stock  # medicine that left never goes back
    receipt, payload = receipt_of(uow_factory, result.receipt_job_id)
    assert receipt.receipt_number == f"{sold.sale_number}-R1" and receipt.total == D("17.00")
    assert receipt.is_cash and KICK in payload and "REFUND" in receipt.footer
    events = [e.event_type for e in rows(uow_factory, DomainEvent, DomainEvent.aggregate_id == sold.sale_id)]
    assert "SaleRefunded" in events
    assert_billing_invariants_now(uow_factory)

    with pytest.raises(ValidationFailed, match="already refunded"):
        refunds.refund(uow_factory, manager, SimulatedTerminal(), sold.sale_number, reason="again", whole_sale=True)
    with pytest.raises(ValidationFailed, match="already refunded"):
        refunds.refund(
            uow_factory,
            manager,
            SimulatedTerminal(),
            sold.invoice_numbers[0],
            reason="again",
            invoice_ids=[invoice.id],
        )
    assert len(refunds_of(uow_factory, sold.sale_id)) == 1


def test_refund_needs_pos_refund_a_reason_and_a_known_number(uow_factory, actors, pos):
    sold = sell(uow_factory, actors, pos)
    terminal = SimulatedTerminal()
    with pytest.raises(PermissionDenied):
        refunds.refund(uow_factory, actors["technician"], terminal, sold.sale_number, reason="x", whole_sale=True)
    with pytest.raises(PermissionDenied):
        refunds.open_refund(uow_factory, actors["technician"], sold.sale_number)
    with pytest.raises(ValidationFailed, match="Say why"):
        refunds.refund(uow_factory, actors["manager"], terminal, sold.sale_number, reason="  ", whole_sale=True)
    with pytest.raises(NotFound):
        refunds.refund(uow_factory, actors["manager"], terminal, "S999999", reason="x", whole_sale=True)
    with pytest.raises(ValidationFailed, match="Choose what to refund"):
        refunds.refund(uow_factory, actors["manager"], terminal, sold.sale_number, reason="x")
    assert refunds_of(uow_factory, sold.sale_id) == []
    [s] = rows(uow_factory, Sale, Sale.id == sold.sale_id)
    assert s.status == "completed"
    # a pharmacist may refund too (the role has pos.refund), by the invoice number
    result = refunds.refund(
        uow_factory, actors["pharmacist"], terminal, sold.invoice_numbers[0], reason="wrong patient", whole_sale=True
    )
    assert result.sale_status == "refunded"


# -- front-store lines: negative lines, tax back, unopened back on the shelf ------------------------------


def test_partial_refunds_of_store_items_then_the_prescription(uow_factory, actors, pos):
    manager, terminal = actors["manager"], SimulatedTerminal()
    sold = sell(uow_factory, actors, pos, items=[(ASPIRIN_UPC, 2), (BANDAGE_UPC, 1)])
    # 17.00 Rx + 2 x 6.49 aspirin + 3.99 bandages + tax 8.25 % of 12.98 = 1.07
    assert sold.patient_pay == D("17.00") + D("12.98") + D("3.99") + D("1.07")
    assert (shelf(uow_factory, ASPIRIN_UPC), shelf(uow_factory, BANDAGE_UPC)) == (8, 0)
    view = refunds.open_refund(uow_factory, manager, sold.invoice_numbers[-1])  # by the front-store invoice
    assert view.sale_number == sold.sale_number and len(view.prescriptions) == 1
    items = {i.description: i for i in view.items}
    aspirin, bandage = items["Aspirin 81 mg 120 ct"], items["Bandages 30 ct"]
    assert (aspirin.sold, aspirin.left, bandage.left) == (2, 2, 1)

    first = refunds.refund(
        uow_factory,
        manager,
        terminal,
        sold.sale_number,
        reason="duplicate",
        store_lines=[StoreLineRefund(aspirin.invoice_item_id, 1)],
    )
    assert first.amount == D("7.03") and first.sale_status == "partially_refunded"  # 6.49 + 0.54 tax
    assert first.items == (("Aspirin 81 mg 120 ct", 1, True),) and shelf(uow_factory, ASPIRIN_UPC) == 9
    left = {i.description: i.left for i in refunds.open_refund(uow_factory, manager, sold.sale_number).items}
    assert left == {"Aspirin 81 mg 120 ct": 1, "Bandages 30 ct": 1}
    [store] = [i for i in rows(uow_factory, Invoice, Invoice.sale_id == sold.sale_id) if i.prescription_id is None]
    added = rows(uow_factory, InvoiceItem, InvoiceItem.invoice_id == store.id, InvoiceItem.total_price < 0)
    assert sorted((i.item_type, i.quantity, i.unit_price, i.total_price) for i in added) == [
        ("refund", D("-1"), D("6.49"), D("-6.49")),
        ("tax", D("-1"), D("0.54"), D("-0.54")),
    ]
    assert (store.subtotal, store.tax_amount, store.total_amount, store.status) == (
        D("10.48"),
        D("0.53"),
        D("11.01"),
        "paid",
    )
    assert_billing_invariants_now(uow_factory)

    opened = refunds.refund(
        uow_factory,
        manager,
        terminal,
        sold.sale_number,
        reason="opened, did not work",
        store_lines=[
            StoreLineRefund(aspirin.invoice_item_id, 1, opened=True),
            StoreLineRefund(bandage.invoice_item_id, 1),
        ],
    )
    assert opened.amount == D("6.49") + D("0.53") + D("3.99") and opened.sale_status == "partially_refunded"
    assert shelf(uow_factory, ASPIRIN_UPC) == 9 and shelf(uow_factory, BANDAGE_UPC) == 1  # opened stays off
    receipt, _ = receipt_of(uow_factory, opened.receipt_job_id)
    assert receipt.receipt_number == f"{sold.sale_number}-R2" and receipt.total == opened.amount
    assert receipt.subtotal - receipt.discount_total + receipt.tax == receipt.total
    assert_billing_invariants_now(uow_factory)
    with pytest.raises(ValidationFailed, match="all of it was refunded already"):
        refunds.refund(
            uow_factory,
            manager,
            terminal,
            sold.sale_number,
            reason="x",
            store_lines=[StoreLineRefund(aspirin.invoice_item_id, 1)],
        )

    last = refunds.refund(uow_factory, manager, terminal, sold.sale_number, reason="patient left", whole_sale=True)
    assert last.amount == D("17.00") and last.sale_status == "refunded" and last.items == ()
    given = sum((p.amount for p in refunds_of(uow_factory, sold.sale_id)), D(0))
    assert given == sold.patient_pay
    assert refunds.open_refund(uow_factory, manager, sold.sale_number).refunded == sold.patient_pay
    assert_billing_invariants_now(uow_factory)


def test_too_many_units_or_a_line_of_another_sale_is_refused(uow_factory, actors, pos):
    manager, terminal = actors["manager"], SimulatedTerminal()
    sold = sell(uow_factory, actors, pos, rx=False, items=[(ASPIRIN_UPC, 1)])
    [item] = refunds.open_refund(uow_factory, manager, sold.sale_number).items
    with pytest.raises(ValidationFailed, match="cannot refund that many"):
        refunds.refund(
            uow_factory,
            manager,
            terminal,
            sold.sale_number,
            reason="x",
            store_lines=[StoreLineRefund(item.invoice_item_id, 2)],
        )
    with pytest.raises(ValidationFailed, match="not a front-store item of this sale"):
        refunds.refund(
            uow_factory, manager, terminal, sold.sale_number, reason="x", store_lines=[StoreLineRefund(uuid.uuid4(), 1)]
        )
    assert refunds_of(uow_factory, sold.sale_id) == [] and shelf(uow_factory, ASPIRIN_UPC) == 9


# -- tenders: card through the terminal, check back as cash, split -------------------------------------


def test_card_refund_goes_through_the_terminal_and_no_drawer_opens(uow_factory, actors, pos):
    terminal = SimulatedTerminal()
    terminal.present_card("debit", "1881")
    sold = sell(uow_factory, actors, pos, pay="card", terminal=terminal)
    result = refunds.refund(
        uow_factory, actors["manager"], terminal, sold.sale_number, reason="allergy", whole_sale=True
    )
    [back] = result.money_back
    assert (back.back_as, back.amount, back.card_last_four) == ("debit_card", D("17.00"), "1881")
    assert back.transaction_id.startswith("SIMRFD")
    [row] = refunds_of(uow_factory, sold.sale_id)
    assert (row.payment_method, row.transaction_id, row.card_last_four) == ("debit_card", back.transaction_id, "1881")
    receipt, payload = receipt_of(uow_factory, result.receipt_job_id)
    assert not receipt.is_cash and KICK not in payload and receipt.tenders[0].card_last_four == "1881"
    # the terminal has nothing left to refund on that charge
    [tender] = rows(uow_factory, SaleTender, SaleTender.sale_id == sold.sale_id)
    assert tender.status == "refunded" and not terminal.refund(tender.transaction_id, D("0.01")).approved


def test_a_declined_terminal_refund_changes_nothing(uow_factory, actors, pos):
    terminal = SimulatedTerminal()
    sold = sell(uow_factory, actors, pos, pay="card", terminal=terminal, items=[(ASPIRIN_UPC, 1)])
    [tender] = rows(uow_factory, SaleTender, SaleTender.sale_id == sold.sale_id)
    terminal.refund(tender.transaction_id, sold.patient_pay)  # refunded outside the app: nothing left
    before = rows(uow_factory, Invoice, Invoice.sale_id == sold.sale_id)
    with pytest.raises(refunds.RefundDeclined, match="Nothing was refunded or recorded"):
        refunds.refund(uow_factory, actors["manager"], terminal, sold.sale_number, reason="x", whole_sale=True)
    with pytest.raises(refunds.RefundDeclined):  # a terminal that never made the charge declines too
        refunds.refund(
            uow_factory, actors["manager"], SimulatedTerminal(), sold.sale_number, reason="x", whole_sale=True
        )
    assert refunds_of(uow_factory, sold.sale_id) == []
    after = rows(uow_factory, Invoice, Invoice.sale_id == sold.sale_id)
    assert [(i.status, i.total_amount) for i in after] == [(i.status, i.total_amount) for i in before]
    assert rows(uow_factory, Sale, Sale.id == sold.sale_id)[0].status == "completed"
    assert rows(uow_factory, SaleTender, SaleTender.sale_id == sold.sale_id)[0].status == "approved"
    assert shelf(uow_factory, ASPIRIN_UPC) == 9
    assert_billing_invariants_now(uow_factory)


def test_a_check_comes_back_as_cash(uow_factory, actors, pos):
    sold = sell(uow_factory, actors, pos, pay="check")
    result = refunds.refund(
        uow_factory, actors["manager"], SimulatedTerminal(), sold.sale_number, reason="x", whole_sale=True
    )
    [back] = result.money_back
    assert (back.method, back.back_as) == ("check", "cash")
    [row] = refunds_of(uow_factory, sold.sale_id)
    assert row.payment_method == "cash"
    receipt, payload = receipt_of(uow_factory, result.receipt_job_id)
    assert receipt.is_cash and KICK in payload


def test_split_tender_store_refund_credits_the_last_tender_first(uow_factory, actors, pos):
    terminal = SimulatedTerminal()
    sold = sell(uow_factory, actors, pos, rx=False, items=[(ASPIRIN_UPC, 2)], pay="split", terminal=terminal)
    assert sold.patient_pay == D("14.05")  # 12.98 + 1.07 tax: $5.00 cash, $9.05 card
    [item] = refunds.open_refund(uow_factory, actors["manager"], sold.sale_number).items
    first = refunds.refund(
        uow_factory,
        actors["manager"],
        terminal,
        sold.sale_number,
        reason="x",
        store_lines=[StoreLineRefund(item.invoice_item_id, 1)],
    )
    assert [(b.back_as, b.amount) for b in first.money_back] == [("credit_card", D("7.03"))]
    second = refunds.refund(uow_factory, actors["manager"], terminal, sold.sale_number, reason="x", whole_sale=True)
    assert [(b.back_as, b.amount) for b in second.money_back] == [("cash", D("5.00")), ("credit_card", D("2.02"))]
    statuses = {t.method: t.status for t in rows(uow_factory, SaleTender, SaleTender.sale_id == sold.sale_id)}
    assert statuses == {"cash": "refunded", "credit_card": "refunded"} and second.sale_status == "refunded"
    assert shelf(uow_factory, ASPIRIN_UPC) == 10
    assert_billing_invariants_now(uow_factory)


def test_insurance_copay_refund_gives_back_only_what_the_patient_paid(uow_factory, actors, pos):
    insure(uow_factory, pos.patient_id)
    sold = sell(uow_factory, actors, pos, bill=True)
    assert sold.patient_pay == D("10.00")  # the plan's generic copay
    result = refunds.refund(
        uow_factory, actors["manager"], SimulatedTerminal(), sold.sale_number, reason="x", whole_sale=True
    )
    assert result.amount == D("10.00") and result.sale_status == "refunded"
    [invoice] = rows(uow_factory, Invoice, Invoice.sale_id == sold.sale_id)
    assert invoice.status == "cancelled" and invoice.insurance_payment > 0
    assert_billing_invariants_now(uow_factory)


# -- two workstations refunding the same sale ----------------------------------------------------------


class RacingTerminal(SimulatedTerminal):
    """At its first refund, another workstation refunds first (``race``), then this one goes on."""

    def __init__(self) -> None:
        super().__init__()
        self.race = None

    def refund(self, transaction_id, amount):
        race, self.race = self.race, None
        if race is not None:
            race()
        return super().refund(transaction_id, amount)


def test_the_same_invoice_refunded_on_two_workstations_is_recorded_once(uow_factory, actors, pos):
    terminal = RacingTerminal()
    sold = sell(uow_factory, actors, pos, items=[(ASPIRIN_UPC, 5)], pay="card", terminal=terminal)
    view = refunds.open_refund(uow_factory, actors["manager"], sold.sale_number)
    [rx] = view.prescriptions
    other = []
    terminal.race = lambda: other.append(
        refunds.refund(
            uow_factory, actors["pharmacist"], terminal, sold.sale_number, reason="a", invoice_ids=[rx.invoice_id]
        )
    )
    with pytest.raises(refunds.RefundChanged, match="refunded on another workstation") as caught:
        refunds.refund(
            uow_factory, actors["manager"], terminal, sold.sale_number, reason="b", invoice_ids=[rx.invoice_id]
        )
    assert "a manager must check the sale" in str(caught.value)
    [first] = other
    [row] = refunds_of(uow_factory, sold.sale_id)
    assert row.amount == D("17.00") and row.reason == "a" and first.sale_status == "partially_refunded"
    events = [e.event_type for e in rows(uow_factory, DomainEvent, DomainEvent.aggregate_id == sold.sale_id)]
    assert events.count("SaleRefunded") == 1 and "SaleRefundNotRecorded" in events
    assert_billing_invariants_now(uow_factory)


def test_a_store_refund_meanwhile_is_no_conflict_for_the_prescription(uow_factory, actors, pos):
    terminal = RacingTerminal()
    sold = sell(uow_factory, actors, pos, items=[(ASPIRIN_UPC, 1)], pay="card", terminal=terminal)
    view = refunds.open_refund(uow_factory, actors["manager"], sold.sale_number)
    [rx], [item] = view.prescriptions, view.items
    terminal.race = lambda: refunds.refund(
        uow_factory,
        actors["pharmacist"],
        terminal,
        sold.sale_number,
        reason="a",
        store_lines=[StoreLineRefund(item.invoice_item_id, 1)],
    )
    result = refunds.refund(
        uow_factory, actors["manager"], terminal, sold.sale_number, reason="b", invoice_ids=[rx.invoice_id]
    )
    assert result.sale_status == "refunded" and result.amount == D("17.00")
    assert sum((p.amount for p in refunds_of(uow_factory, sold.sale_id)), D(0)) == sold.patient_pay
    assert_billing_invariants_now(uow_factory)


def test_a_store_refund_gives_back_the_tax_at_the_rate_it_was_sold_at(uow_factory, actors, pos):
    sold = sell(uow_factory, actors, pos, rx=False, items=[(ASPIRIN_UPC, 1)])
    assert sold.patient_pay == D("7.03")  # 6.49 + 8.25 % tax (0.54)
    with uow_factory() as uow:  # the tax rate goes up after the sale
        uow.users.pharmacy_profile().tax_rate = D("0.10")
        uow.commit()
    [item] = refunds.open_refund(uow_factory, actors["manager"], sold.sale_number).items
    back = refunds.refund(
        uow_factory,
        actors["manager"],
        SimulatedTerminal(),
        sold.sale_number,
        reason="wrong item",
        store_lines=[StoreLineRefund(item.invoice_item_id, 1)],
    )
    assert back.amount == D("7.03")  # not 6.49 + 10 % (0.65)
    with uow_factory() as uow:
        assert uow.sales.get(sold.sale_id).tax_rate == D("0.08250")
    assert_billing_invariants_now(uow_factory)
