"""Two workstations at once (real threads, real PostgreSQL connections): the same sale finished twice,
the same prescription sold twice, the last use of a discount code taken twice."""

from __future__ import annotations

import dataclasses
import threading
import uuid
from decimal import Decimal

from sqlalchemy import func, select

from pharmacy_desktop.db.models.billing import Discount, DiscountUse, Invoice, Payment, Sale, SaleTender
from pharmacy_desktop.db.models.prescriptions import Pickup
from pharmacy_desktop.errors import PharmacyError
from pharmacy_desktop.services import pickup, sale
from pharmacy_desktop.services.sale import CartItem, TenderIn
from tests.conftest import make_actor
from tests.pos.conftest import ASPIRIN_UPC, add_discount, add_patient, ready_rx
from tests.pos.test_sale import priced, request_for

D = Decimal


def race(*calls):
    """Run the calls at the same moment on their own threads; each one's result or exception."""
    start = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(n, call):
        start.wait()
        try:
            results[n] = call()
        except Exception as exc:  # noqa: BLE001 - the test looks at what each got
            results[n] = exc

    threads = [threading.Thread(target=run, args=(n, c)) for n, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def count(uow_factory, model, *where):
    with uow_factory() as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where))


def test_two_workstations_finishing_the_same_sale_make_one_sale_and_one_payment(uow_factory, actors, pos):
    tech = actors["technician"]
    other = make_actor(uow_factory, "technician", "tech2", workstation="counter-2")
    ready_rx(uow_factory, actors, pos)
    view = pickup.open_pickup(uow_factory, tech, pos.patient_id)
    request = priced(uow_factory, tech, request_for(pos, view), tenders=(TenderIn("cash", D("17.00")),))
    first, second = race(
        lambda: sale.complete_sale(uow_factory, tech, request),
        lambda: sale.complete_sale(uow_factory, other, request),
    )
    assert not isinstance(first, Exception) and not isinstance(second, Exception), (first, second)
    assert first.sale_id == second.sale_id and {first.already_completed, second.already_completed} == {True, False}
    assert count(uow_factory, Sale) == 1 and count(uow_factory, SaleTender) == 1
    assert count(uow_factory, Payment) == 1 and count(uow_factory, Invoice) == 1 and count(uow_factory, Pickup) == 1


def test_two_sales_of_the_same_prescription_one_completes_the_other_is_refused(uow_factory, actors, pos):
    tech = actors["technician"]
    other = make_actor(uow_factory, "technician", "tech2", workstation="counter-2")
    ready_rx(uow_factory, actors, pos)
    view = pickup.open_pickup(uow_factory, tech, pos.patient_id)
    one = priced(uow_factory, tech, request_for(pos, view), tenders=(TenderIn("cash", D("17.00")),))
    two = dataclasses.replace(one, sale_key=uuid.uuid4())
    results = race(
        lambda: sale.complete_sale(uow_factory, tech, one), lambda: sale.complete_sale(uow_factory, other, two)
    )
    done = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(done) == 1 and len(refused) == 1, results
    assert isinstance(refused[0], sale.SaleRefused), repr(refused[0])
    assert "picked up or returned on another workstation" in refused[0].message
    assert "void the card payments" in refused[0].message
    assert count(uow_factory, Sale) == 1 and count(uow_factory, Payment) == 1 and count(uow_factory, Invoice) == 1


def test_the_last_use_of_a_discount_code_goes_to_exactly_one_sale(uow_factory, actors, pos):
    tech = actors["technician"]
    other = make_actor(uow_factory, "technician", "tech2", workstation="counter-2")
    add_discount(uow_factory, "LAST1", kind="fixed_amount", value="1.00", max_uses=1)
    second_patient = add_patient(uow_factory, "Ann", "Lee")
    requests = []
    for patient_id in (pos.patient_id, second_patient):
        request = sale.SaleRequest(
            uuid.uuid4(), patient_id, store_items=(CartItem(ASPIRIN_UPC),), discount_code="LAST1"
        )
        quote = sale.quote_sale(uow_factory, tech, request)
        assert quote.discount == D("1.00")
        requests.append(
            dataclasses.replace(
                request, expected_patient_pay=quote.patient_pay, tenders=(TenderIn("cash", quote.patient_pay),)
            )
        )
    results = race(
        lambda: sale.complete_sale(uow_factory, tech, requests[0]),
        lambda: sale.complete_sale(uow_factory, other, requests[1]),
    )
    done = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(done) == 1 and len(refused) == 1, results
    assert isinstance(refused[0], PharmacyError) and "used up" in refused[0].message
    with uow_factory() as uow:
        assert uow.session.scalars(select(Discount.times_used).where(Discount.code == "LAST1")).one() == 1
    assert count(uow_factory, DiscountUse) == 1 and count(uow_factory, Sale) == 1
