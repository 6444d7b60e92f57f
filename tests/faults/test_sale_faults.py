"""The database connection cut in the middle of a sale (issue 13 item 9: "a retry after a dropped
connection never charges or dispenses twice").

The workstation talks to PostgreSQL through the fault proxy (tests/faults/proxy.py); the real
``sale.complete_sale`` runs, and the test cuts every connection at three moments:

- after the sale, its tenders, invoices and payments are written (not yet dispensed);
- after everything is written and the receipt queued, before COMMIT is sent;
- after COMMIT reached the server and was carried out, with its answer lost on the way back (the
  proxy forwards the COMMIT, drops the reply, then cuts the link): the workstation cannot know
  whether the sale was saved.

The card was charged at the terminal before completion, with the sale key's reference. The
cashier presses Complete again with the same request (same sale key): afterwards there is exactly
one sale with one set of tenders and payments, the prescription dispensed once, the store item and
the discount code counted once, one receipt, and the card charged once. A third press gets the
same sale back. The billing invariants hold throughout.
"""

from __future__ import annotations

import dataclasses
import threading
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal

import psycopg
import pytest
from sqlalchemy import event, func, select

from pharmacy_desktop.adapters.adjudication import SimulatedAdjudicator
from pharmacy_desktop.adapters.payment_terminal import SimulatedTerminal
from pharmacy_desktop.db.engine import make_engine, make_session_factory
from pharmacy_desktop.db.models.audit import DomainEvent
from pharmacy_desktop.db.models.billing import (
    Discount,
    DiscountUse,
    Invoice,
    InvoiceItem,
    Payment,
    Sale,
    SaleTender,
)
from pharmacy_desktop.db.models.inventory import InventoryItem, StoreProduct
from pharmacy_desktop.db.models.notifications import PrintJob
from pharmacy_desktop.db.models.prescriptions import Pickup, PickupItem, Prescription, PrescriptionRefill
from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
from pharmacy_desktop.errors import DatabaseUnavailable
from pharmacy_desktop.services import pickup, print_enqueue, sale, sale_record
from pharmacy_desktop.services.sale import CartItem, CartRx, Picker, SaleRequest, TenderIn
from tests.faults.proxy import TcpProxy, _cut
from tests.fill import factories as f
from tests.pos.conftest import ASPIRIN_UPC, PNG, Pos, add_discount, ready_rx
from tests.pos.invariants import assert_billing_invariants

D = Decimal
CODE = "FAULT10"


class LosingReplies(TcpProxy):
    """The fault proxy, and one more fault: while ``deaf`` is set, what the server sends is dropped
    (what the workstation sends still arrives), as a link that dies on the way back does."""

    deaf = False

    def _pump(self, src, dst):  # noqa: ANN001 - the proxy's own signature
        try:
            from_server = src.getpeername()[1] == self.target[1]
        except OSError:
            from_server = False
        if not from_server:  # workstation -> server: as always
            return super()._pump(src, dst)
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if not self.deaf:
                    dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with self._lock:
                    self._sockets.discard(sock)
                _cut(sock)


@dataclass(frozen=True)
class SaleLedger:
    """Everything a sale writes, read back in one go."""

    sales: int
    tenders: int
    invoices: int
    invoice_items: int
    payments: int
    paid: Decimal  # completed payments, summed
    pickups: int
    pickup_items: int
    discount_uses: int
    times_used: int
    on_shelf: int  # the store item's stock
    rx_status: str
    refill_status: str
    receipts: int
    completed_events: int
    rx_stock: Decimal  # the prescribed drug's stock (a sale never moves it: the fill did)


def read_ledger(uow_factory, world: f.World, rx_id, refill_id) -> SaleLedger:
    with uow_factory() as uow:
        s = uow.session

        def n(model, *where):
            return s.scalar(select(func.count()).select_from(model).where(*where))

        return SaleLedger(
            sales=n(Sale),
            tenders=n(SaleTender),
            invoices=n(Invoice),
            invoice_items=n(InvoiceItem),
            payments=n(Payment),
            paid=s.scalar(select(func.coalesce(func.sum(Payment.amount), 0)).where(Payment.status == "completed")),
            pickups=n(Pickup),
            pickup_items=n(PickupItem),
            discount_uses=n(DiscountUse),
            times_used=s.scalar(select(Discount.times_used).where(Discount.code == CODE)),
            on_shelf=s.scalar(select(StoreProduct.quantity_on_hand).where(StoreProduct.upc == ASPIRIN_UPC)),
            rx_status=s.get(Prescription, rx_id).status,
            refill_status=s.get(PrescriptionRefill, refill_id).status,
            receipts=n(PrintJob, PrintJob.job_type == "receipt"),
            completed_events=n(DomainEvent, DomainEvent.event_type == "SaleCompleted"),
            rx_stock=s.scalar(select(InventoryItem.quantity_on_hand).where(InventoryItem.id == world.item_id)),
        )


@pytest.fixture
def counter(uow_factory, engine, actors):
    """A pharmacy with a ready prescription (cash price), a taxable store item, a discount code; the
    workstation's own engine goes through the fault proxy. Invariants checked after the test."""
    world = f.world(uow_factory)
    with uow_factory() as uow:
        for item in uow.session.query(InventoryItem):
            item.average_wholesale_price = D("0.5000")
        profile = uow.users.pharmacy_profile_for_saving()
        profile.dispensing_fee, profile.tax_rate = D("2.00"), D("0.0825")
        uow.session.add(
            StoreProduct(
                upc=ASPIRIN_UPC, name="Aspirin 81 mg 120 ct", price=D("6.49"), taxable=True, quantity_on_hand=10
            )
        )
        uow.commit()
    add_discount(uow_factory, CODE, value="10", max_uses=5)
    pos = Pos(world, world.patient_id, world.meds, SimulatedAdjudicator())
    rx_id, refill_id, _ = ready_rx(uow_factory, actors, pos)
    yield world, rx_id, refill_id
    assert_billing_invariants(engine)


@pytest.fixture
def through_proxy(database_url):
    """(proxy, a unit-of-work factory whose connections go through it)."""
    proxy = LosingReplies(int(database_url.rsplit(":", 1)[1].split("/", 1)[0]))
    engine = make_engine(proxy.url(database_url))
    yield proxy, UnitOfWorkFactory(make_session_factory(engine), workstation="test-ws"), engine
    engine.dispose()
    proxy.close()


def the_request(uow_factory, tech, terminal: SimulatedTerminal, world) -> SaleRequest:
    """The bag and an aspirin, the code, $10 on a card (charged now, before completion), the rest in cash."""
    view = pickup.open_pickup(uow_factory, tech, world.patient_id)
    base = SaleRequest(
        sale_key=uuid.uuid4(),
        patient_id=world.patient_id,
        prescriptions=tuple(CartRx(rx.refill_id, "declined") for rx in view.prescriptions),
        store_items=(CartItem(ASPIRIN_UPC, 1),),
        discount_code=CODE,
        birth_date="04/12/1958",
        picker=Picker("Maria Gonzalez", "self", world.patient_id),
        signature_png=PNG,
        acknowledged_receipt=True,
        acknowledged_counseling=True,
        acknowledged_privacy_notice=True,
    )
    quote = sale.quote_sale(uow_factory, tech, base)
    assert quote.sellable and quote.discount > 0, quote
    card = sale.take_card(terminal, base.sale_key, 1, D("10.00"))
    assert card.approved
    cash = quote.patient_pay - D("10.00")
    tenders = (card.tender, TenderIn("cash", cash, cash_tendered=cash + D("5.00")))
    return dataclasses.replace(base, tenders=tenders, expected_patient_pay=quote.patient_pay)


def cut_after(monkeypatch, module, name: str, proxy: TcpProxy, cuts: list[float]) -> None:
    original = getattr(module, name)

    def then_cut(*args, **kwargs):
        result = original(*args, **kwargs)
        if not cuts:
            cuts.append(time.monotonic())
            proxy.drop()
        return result

    monkeypatch.setattr(module, name, then_cut)


def lose_the_commit_reply(proxy: LosingReplies, engine, admin_dsn: str, key, cuts):
    """When the sale's COMMIT is sent: drop the server's reply; once the sale is committed on the
    server (seen from another connection), cut the link. Returns the listener (to remove)."""

    def on_commit(_conn):
        if cuts:
            return
        cuts.append(time.monotonic())
        proxy.deaf = True

        def cut_when_committed():
            with psycopg.connect(admin_dsn, autocommit=True) as admin:
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline:
                    found = admin.execute(
                        "SELECT 1 FROM billing_schema.sales WHERE idempotency_key = %s", (key,)
                    ).fetchone()
                    if found:
                        break
                    time.sleep(0.02)
            proxy.deaf = False  # the reply was dropped long ago; new connections must work again
            proxy.drop()

        threading.Thread(target=cut_when_committed, daemon=True).start()

    event.listen(engine, "commit", on_commit)
    return on_commit


def assert_one_set_of_payments(uow_factory) -> None:
    """Each tender's payment shares add up to the tender, and every payment is a share of one."""
    with uow_factory() as uow:
        tenders = {t.id: t.amount for t in uow.session.scalars(select(SaleTender))}
        shares: dict = {}
        for payment in uow.session.scalars(select(Payment)):
            assert payment.status == "completed" and payment.sale_tender_id in tenders
            shares[payment.sale_tender_id] = shares.get(payment.sale_tender_id, D(0)) + payment.amount
        assert shares == tenders


CUT_POINTS = {
    "after invoices and payments, before dispensing": (sale_record, "write_invoices"),
    "everything written and the receipt queued, COMMIT not sent": (print_enqueue, "queue_receipt"),
    "COMMIT carried out, its reply lost": None,
}


@pytest.mark.parametrize("point", list(CUT_POINTS), ids=["mid-write", "before-commit", "reply-lost"])
def test_connection_cut_mid_sale_then_the_same_key_completes_exactly_once(
    monkeypatch, uow_factory, actors, counter, through_proxy, pg_server, database_url, figures, point
):
    world, rx_id, refill_id = counter
    proxy, workstation, engine = through_proxy
    tech = actors["technician"]
    terminal = SimulatedTerminal()
    request = the_request(workstation, tech, terminal, world)
    before = read_ledger(uow_factory, world, rx_id, refill_id)
    cuts: list[float] = []
    listener = None
    if CUT_POINTS[point] is None:
        admin_dsn = pg_server.admin_dsn(database_url.rsplit("/", 1)[1])
        listener = lose_the_commit_reply(proxy, engine, admin_dsn, request.sale_key, cuts)
    else:
        module, name = CUT_POINTS[point]
        cut_after(monkeypatch, module, name, proxy, cuts)

    with pytest.raises(DatabaseUnavailable) as raised:
        sale.complete_sale(workstation, tech, request)
    failed_after = time.monotonic() - cuts[0]
    message = raised.value.message
    assert "try again" in message.lower()
    assert not any(word in message for word in ("INSERT", "SELECT", "psycopg", "Traceback", "Gonzalez", "4242"))
    monkeypatch.undo()  # the fault is over: the next press runs the service untouched
    if listener is not None:
        event.remove(engine, "commit", listener)

    middle = read_ledger(uow_factory, world, rx_id, refill_id)
    committed = point == "COMMIT carried out, its reply lost"
    if committed:
        assert middle.sales == 1  # saved, though the workstation could not know it
    else:
        assert middle == before  # all or nothing: nothing half-written

    # the cashier presses Complete again: the same request, the same sale key
    started = time.monotonic()
    again = sale.complete_sale(workstation, tech, request)
    retry_seconds = time.monotonic() - started
    assert again.already_completed is committed
    after = read_ledger(uow_factory, world, rx_id, refill_id)
    assert after.sales == 1 and after.tenders == 2 and after.pickups == 1 and after.pickup_items == 1
    assert after.invoices == 2  # the prescription's and the front-store invoice
    assert after.paid == again.patient_pay
    assert_one_set_of_payments(uow_factory)
    assert (after.rx_status, after.refill_status) == ("completed", "dispensed")
    assert after.discount_uses == 1 and after.times_used == before.times_used + 1
    assert after.on_shelf == before.on_shelf - 1 and after.rx_stock == before.rx_stock
    assert after.receipts == before.receipts + 1 and after.completed_events == 1
    assert terminal.captures == 1  # the card charged once, before the fault; never again

    # and once more (a double press, the other workstation): the same sale, nothing new
    third = sale.complete_sale(workstation, tech, request)
    assert third.already_completed and third.sale_id == again.sale_id
    assert read_ledger(uow_factory, world, rx_id, refill_id) == after
    figures(
        f"connection cut mid-sale ({point})",
        f"error shown {failed_after * 1000:.0f} ms after the cut; the retry "
        f"{'found the committed sale' if committed else 'completed it'} in {retry_seconds * 1000:.0f} ms; "
        "sales 1, card charges 1, work lost 0, done twice 0",
    )
