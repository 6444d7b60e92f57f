"""Sales for the day-end and receipt tests, made through the real services (pickup.open_pickup,
sale.quote_sale / take_card / complete_sale / void_cart, refunds.refund) on the ``pos`` fixture's
pharmacy (tests/pos/conftest.py), at the counter an ``Actor`` names as its workstation."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal

from pharmacy_desktop.adapters.payment_terminal import SimulatedTerminal
from pharmacy_desktop.services import pickup, refunds, sale
from pharmacy_desktop.services.printer_settings import PrinterSettings
from pharmacy_desktop.services.sale import CartItem, CartRx, Picker, PickerId, SaleRequest, SaleResult, TenderIn
from tests.pos.conftest import PNG

D = Decimal
DOB = "04/12/1958"  # the pos fixture's patient
LICENSE = PickerId("drivers_license", "D1234567", "IL", dt.date.today().replace(year=dt.date.today().year + 3))
Pay = Callable[[Decimal, uuid.UUID], Sequence[TenderIn]]  # (total, sale key) -> the tenders


def at(actor, workstation: str):
    """The same signed-in person at another counter (sales record the actor's workstation)."""
    return dataclasses.replace(actor, workstation=workstation)


def cash(tendered: str | None = None) -> Pay:
    return lambda total, _key: [TenderIn("cash", total, cash_tendered=D(tendered) if tendered else None)]


def check(number: str) -> Pay:
    return lambda total, _key: [TenderIn("check", total, check_number=number)]


def card(
    terminal: SimulatedTerminal, kind: str, last_four: str, amount: str | None = None, then: Pay | None = None
) -> Pay:
    """A card at the terminal for `amount` (all of it when None), then `then` for the rest."""

    def pay(total: Decimal, key: uuid.UUID) -> list[TenderIn]:
        terminal.present_card(kind, last_four)  # type: ignore[arg-type]
        charged = D(amount) if amount else total
        result = sale.take_card(terminal, key, 1, charged)
        assert result.approved and result.tender is not None, result.message
        return [result.tender, *(then(total - charged, key) if then else [])]

    return pay


def sell(
    uow_factory,
    cashier,
    patient_id: uuid.UUID,
    *,
    pay: Pay,
    refills: Sequence[uuid.UUID] = (),
    store: Sequence[str] = (),
    discount_code: str | None = None,
    picker: Picker | None = None,
    printers: PrinterSettings | None = None,
) -> SaleResult:
    """Sell the ready fills `refills` (counseling declined where needed) and store items by UPC."""
    lines: tuple[CartRx, ...] = ()
    if refills:
        view = pickup.open_pickup(uow_factory, cashier, patient_id)
        lines = tuple(
            CartRx(rx.refill_id, "declined" if rx.counseling_required else "not_required")
            for rx in view.prescriptions
            if rx.refill_id in set(refills)
        )
        assert len(lines) == len(refills), "a fill is not ready for pickup"
    request = SaleRequest(
        sale_key=uuid.uuid4(),
        patient_id=patient_id,
        prescriptions=lines,
        store_items=tuple(CartItem(upc) for upc in store),
        discount_code=discount_code,
        birth_date=DOB,
        picker=picker or Picker("Maria Gonzalez", "self", patient_id),
        signature_png=PNG,
        acknowledged_receipt=True,
        acknowledged_counseling=True,
        acknowledged_privacy_notice=True,
    )
    quote = sale.quote_sale(uow_factory, cashier, request)
    assert quote.sellable, quote.problems
    total = quote.patient_pay
    request = dataclasses.replace(request, expected_patient_pay=total, tenders=tuple(pay(total, request.sale_key)))
    return sale.complete_sale(uow_factory, cashier, request, printers=printers)


def refund_all(uow_factory, manager, number: str, terminal: SimulatedTerminal | None = None) -> None:
    """The whole sale refunded, its items unopened (back on the shelf)."""
    refunds.refund(
        uow_factory, manager, terminal or SimulatedTerminal(), number, reason="returned unopened", whole_sale=True
    )


def void_line(uow_factory, cashier, description: str, amount: str) -> None:
    sale.void_cart(
        uow_factory,
        cashier,
        None,
        uuid.uuid4(),
        "patient changed their mind",
        lines=[sale.VoidLine(description, D(amount))],
    )
