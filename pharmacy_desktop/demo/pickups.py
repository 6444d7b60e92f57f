"""The demo pharmacy's day at the counter (issue 13 item 15): every bag handed over goes through the
point-of-sale services, exactly as the pickup screen calls them.

At the demo's front counter (its own workstation, ``COUNTER``) the technician, the pharmacist and
the manager sign in with their passwords; then, for each pickup in ``PICKUPS``: open the pickup,
quote the cart, take the cards at the (simulated) terminal, and complete the sale with the typed
date of birth, the picker (and for a controlled substance their ID), counseling (declined, or
accepted and completed by the pharmacist's PIN sign-off) and a signature (one cart has a line voided
before it is paid). Then a manager refunds an unopened front-store item, a bag that waited longer
than the return days goes back to stock by its Rx number, and the pharmacist closes the counter's
drawer for the day (the Z report's data).

The only thing written by hand is the age of two bags (``ready_at`` moved back): the demo cannot
wait ten days for a bag to become a return-to-stock candidate.

Sale keys are derived from the pickup's name, so the demo loads the same way every time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import update

from pharmacy_desktop.adapters.adjudication import Adjudicator
from pharmacy_desktop.adapters.payment_terminal import SimulatedTerminal
from pharmacy_desktop.db.models.patients import Patient
from pharmacy_desktop.db.models.prescriptions import Prescription
from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
from pharmacy_desktop.demo.pos import product_upc
from pharmacy_desktop.demo.signature import signature_png
from pharmacy_desktop.domain.money import ZERO, to_money

log = logging.getLogger(__name__)

COUNTER = "front-counter"  # the demo's register: its drawer is the one closed for the day
OPENING_FLOAT = Decimal("150.00")
CASH_SHORT = Decimal("0.50")  # the count comes out a little short, as real counts do
_KEYS = uuid.UUID("5b1c0e4e-8d2f-4c57-9a43-3f1d2a6b7c80")  # namespace of the demo's sale keys
RETURN_DAYS_AGO = {6: 14, 4: 12}  # patient index -> days its bag has waited (return candidates)


@dataclass(frozen=True)
class DemoPickup:
    """One sale: whose bags (by patient index and generic), store items, how it is paid."""

    name: str
    patient: int
    generics: tuple[str, ...]
    store: tuple[tuple[str, int], ...] = ()  # (product name start, quantity)
    # 'cash' (the rest, handed over rounded up to a $20 note), 'cash:10' ($10 cash), 'card', 'debit', 'check'
    tenders: tuple[str, ...] = ("cash",)
    discount: str | None = None
    counseling: str = "declined"  # for the fills that need it: 'declined', or 'accepted' (pharmacist's PIN)
    photo_id: bool = False  # the picker's driver's license (a controlled substance)
    voided: str | None = None  # a store item scanned, then voided before the sale (the patient changed their mind)


PICKUPS = (
    DemoPickup("cash with change", 8, ("cephalexin",), (("Digital thermometer", 1),)),
    DemoPickup("card", 9, ("metoprolol",), tenders=("card",), counseling="accepted"),
    DemoPickup(
        "split tender",
        11,
        ("losartan",),
        (("Vitamin D3", 1), ("Loratadine", 1)),
        tenders=("cash:10", "card"),
        voided="Lip balm",
    ),
    DemoPickup("insurance copay by check", 12, ("gabapentin",), tenders=("check",)),
    DemoPickup("discount code", 3, ("omeprazole",), (("Reading glasses", 1),), tenders=("debit",), discount="WELCOME5"),
    DemoPickup("controlled substance", 14, ("hydrocodone",), counseling="accepted", photo_id=True),
    DemoPickup("refunded later", 7, ("carvedilol",), (("AA batteries", 1), ("Hand sanitizer", 2))),
)
REFUND = ("refunded later", "AA batteries", "Wrong size: returned unopened the same day.")
RETURNED_TO_STOCK = (6, "omeprazole")


@dataclass
class Counter:
    """The front counter: its units of work, the people signed in at it, its card terminal."""

    uow_factory: UnitOfWorkFactory
    people: dict[str, Any]  # 'tech', 'rph', 'manager' -> their Actor at the counter
    terminal: SimulatedTerminal
    today: dt.date

    @property
    def tech(self) -> Any:
        return self.people["tech"]


def load_pickups(
    uow_factory: UnitOfWorkFactory,
    adjudicator: Adjudicator,
    ready: dict[tuple[int, str], uuid.UUID],
    patient_ids: list[uuid.UUID],
    today: dt.date,
) -> int:
    """The day at the counter (see the module docstring); returns the number of sales."""
    from pharmacy_desktop.demo.loader import DEMO_PASSWORDS
    from pharmacy_desktop.services import auth

    factory = UnitOfWorkFactory(uow_factory.session_factory, workstation=COUNTER)
    people = {name: auth.sign_in(factory, name, DEMO_PASSWORDS[name], COUNTER) for name in ("tech", "rph", "manager")}
    counter = Counter(factory, people, SimulatedTerminal(), today)
    sales: dict[str, Any] = {}
    try:
        for pickup in PICKUPS:
            if all((pickup.patient, g) in ready for g in pickup.generics):
                with _step(f"sale {pickup.name!r}"):
                    sales[pickup.name] = _sell(counter, pickup, ready, patient_ids)
        with _step("refund"):
            _refund(counter, sales)
        _age_bags(counter, ready)
        with _step("return to stock"):
            _return_to_stock(counter, adjudicator, ready)
        with _step("drawer close"):
            _close_drawer(counter)
    finally:
        for actor in people.values():
            auth.sign_out(factory, actor)
    return len(sales)


@contextlib.contextmanager
def _step(what: str) -> Iterator[None]:
    """The demo must load even when one step is refused (the app's first start loads it); the log
    names the step and the kind of error only: a refusal's message may name the patient."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - logged; tests/pos/test_demo_pos.py checks every step happened
        log.warning("demo %s did not happen: %s", what, type(exc).__name__)


def _birth_date(counter: Counter, patient_id: uuid.UUID) -> str:
    with counter.uow_factory() as uow:
        patient = uow.active_session.get(Patient, patient_id)
        if patient is None:
            raise LookupError(f"demo patient {patient_id} is gone")
        return f"{patient.date_of_birth:%m/%d/%Y}"


def _tenders(counter: Counter, pickup: DemoPickup, key: uuid.UUID, due: Decimal) -> list[Any]:
    """The tenders of ``pickup`` for ``due``: cash handed over rounded up to a $20 note, cards charged."""
    from pharmacy_desktop.services import sale

    tenders: list[Any] = []
    left = due
    for seq, kind in enumerate(pickup.tenders, start=1):
        last = seq == len(pickup.tenders)
        amount = left if last else min(left, Decimal(kind.partition(":")[2] or left))
        if kind.startswith("cash"):
            handed = (amount // 20 + 1) * 20 if last else amount
            tenders.append(sale.TenderIn("cash", amount, cash_tendered=to_money(handed)))
        elif kind == "check":
            tenders.append(sale.TenderIn("check", amount, check_number="1042"))
        else:
            debit = kind == "debit"
            counter.terminal.present_card("debit" if debit else "credit", "0119" if debit else "4242")
            card = sale.take_card(counter.terminal, key, seq, amount)
            if card.tender is None:
                raise RuntimeError(f"demo card payment not approved: {card.message}")
            tenders.append(card.tender)
        left -= amount
    return tenders


def _sell(
    counter: Counter, pickup: DemoPickup, ready: dict[tuple[int, str], uuid.UUID], patient_ids: list[uuid.UUID]
) -> Any:
    """One sale, as the pickup screen makes it."""
    from pharmacy_desktop.demo.loader import DEMO_PINS
    from pharmacy_desktop.services import cosign, sale
    from pharmacy_desktop.services import pickup as pickup_service

    patient_id = patient_ids[pickup.patient]
    wanted = {ready[(pickup.patient, g)] for g in pickup.generics}
    view = pickup_service.open_pickup(counter.uow_factory, counter.tech, patient_id)
    lines = [rx for rx in view.prescriptions if rx.prescription_id in wanted]
    accepted = pickup.counseling == "accepted" and any(rx.counseling_required for rx in lines)
    # the pharmacist completes the counseling with their PIN; the technician stays signed in
    counselor = (
        cosign.pharmacist_signoff(counter.uow_factory, DEMO_PINS["rph"], "pin", COUNTER, counter.tech)
        if accepted
        else None
    )
    cart = tuple(
        sale.CartRx(
            rx.refill_id,
            counseling=pickup.counseling if rx.counseling_required else "not_required",
            counselor=counselor if rx.counseling_required else None,
            counseling_notes="How to take it and what to watch for, reviewed." if counselor else None,
        )
        for rx in lines
    )
    photo_id = (
        sale.PickerId("drivers_license", "D400-7812-3391", "IL", counter.today + dt.timedelta(days=900))
        if pickup.photo_id
        else None
    )
    key = uuid.uuid5(_KEYS, pickup.name)
    if pickup.voided:
        item = sale.scan_store_item(counter.uow_factory, counter.tech, product_upc(pickup.voided))
        line = sale.VoidLine(item.name, item.price)
        why = "Patient changed their mind"
        sale.void_cart(counter.uow_factory, counter.tech, counter.terminal, key, why, lines=[line], today=counter.today)
    request = sale.SaleRequest(
        sale_key=key,
        patient_id=patient_id,
        prescriptions=cart,
        store_items=tuple(sale.CartItem(product_upc(name), quantity) for name, quantity in pickup.store),
        discount_code=pickup.discount,
        birth_date=_birth_date(counter, patient_id),
        picker=sale.Picker(view.pickers[0].name, "self", patient_id, photo_id),
        signature_png=signature_png(view.patient_name),
        acknowledged_receipt=True,
        acknowledged_counseling=True,
        acknowledged_privacy_notice=True,
    )
    quote = sale.quote_sale(counter.uow_factory, counter.tech, request, today=counter.today)
    if quote.problems or quote.discount_refused:
        raise RuntimeError(f"demo sale {pickup.name!r}: {quote.discount_refused or quote.problems[0]}")
    tenders = _tenders(counter, pickup, key, quote.patient_pay) if quote.patient_pay > ZERO else []
    request = dataclasses.replace(request, tenders=tuple(tenders), expected_patient_pay=quote.patient_pay)
    return sale.complete_sale(counter.uow_factory, counter.tech, request, today=counter.today)


def _refund(counter: Counter, sales: dict[str, Any]) -> None:
    """The manager refunds an unopened front-store item: money back by the tender, the item on the shelf."""
    from pharmacy_desktop.services import refunds

    name, item_name, reason = REFUND
    if name not in sales:
        return
    manager, number = counter.people["manager"], sales[name].sale_number
    refundable = refunds.open_refund(counter.uow_factory, manager, number)
    item = next(i for i in refundable.items if i.description.startswith(item_name))
    line = refunds.StoreLineRefund(item.invoice_item_id, 1, opened=False)
    refunds.refund(counter.uow_factory, manager, counter.terminal, number, reason=reason, store_lines=[line])


def _age_bags(counter: Counter, ready: dict[tuple[int, str], uuid.UUID]) -> None:
    """Move the ready time of the bags in RETURN_DAYS_AGO back (see the module docstring)."""
    with counter.uow_factory() as uow:
        for (index, _generic), rx_id in ready.items():
            if index in RETURN_DAYS_AGO:
                at = dt.datetime.now(dt.UTC) - dt.timedelta(days=RETURN_DAYS_AGO[index], hours=3)
                uow.active_session.execute(update(Prescription).where(Prescription.id == rx_id).values(ready_at=at))
        uow.commit()


def _return_to_stock(counter: Counter, adjudicator: Adjudicator, ready: dict[tuple[int, str], uuid.UUID]) -> None:
    """The technician scans one old bag's Rx label: back on the shelf, claim reversed, prescription on hold."""
    from pharmacy_desktop.services import return_to_stock

    rx_id = ready.get(RETURNED_TO_STOCK)
    if rx_id is None:
        return
    with counter.uow_factory() as uow:
        rx = uow.active_session.get(Prescription, rx_id)
        number = rx.prescription_number if rx is not None else None
    if number is not None:
        return_to_stock.return_to_stock(
            counter.uow_factory, counter.tech, adjudicator, number, reason="not picked up within 10 days"
        )


def _close_drawer(counter: Counter) -> None:
    """The pharmacist counts the counter's drawer: every tender as expected, the cash a little short."""
    from pharmacy_desktop.services import day_end

    rph = counter.people["rph"]
    expected = day_end.drawer_expected(counter.uow_factory, rph, counter.today, COUNTER, opening_float=OPENING_FLOAT)
    counted = {t.method: t.expected - (CASH_SHORT if t.method == "cash" else ZERO) for t in expected.tenders}
    day_end.close_drawer(
        counter.uow_factory,
        rph,
        counter.today,
        COUNTER,
        OPENING_FLOAT,
        counted,
        notes="Counted twice; cash 50 cents short.",
    )
