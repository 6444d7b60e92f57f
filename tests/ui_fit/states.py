"""The working states of the counter, driven through the real shell on the demo pharmacy: what
tests/ui_fit/test_screen_states_fit.py and tests/shell/test_dialogs_a11y.py share.

- :func:`demo_work` finds, once per module, the prescriptions and the order each state needs (a
  prescription with a hard stop and a warning open in review, one waiting for fill with the wrong
  bottle beside it, one waiting for final verification, a bag in will-call, an order to receive);
- :class:`Counter` (tests/counter_driver.py, shared with the counter day and bench/gui_stall.py) is
  the workstation's hands: a wedge scanner (fast keys and Enter through a real
  :class:`~pharmacy_desktop.ui.scanner.ScannerFilter`, handed to the screen on top as the shell
  does) and a person's keys, F-keys through the window system as a keyboard sends them;
- :func:`open_counter` is the shell at a size, signed in as a role, active (:func:`counters`: one
  a role and size, with its counter, for a test's fixture);
- the walks the state and dialog tests share, each ending in the state it names: :func:`open_review`
  (a prescription open in review), :func:`open_override` (its hard stop's override dialog),
  :func:`open_for_fill`, :func:`will_call`, :func:`open_bag` (the bag's sale), :func:`open_signoff`
  (the pharmacist's sign-off for counseling), :func:`activate` (a window or dialog active again);
- for the fit tests that share a shell per size: :func:`demo_factory` (a module's unit-of-work
  factory over its copy of the demo) and :func:`size_params` (the module-scoped sizes, one xdist
  group each).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from pharmacy_desktop.config import Config
from pharmacy_desktop.domain.barcodes import build_gs1_element_string, ndc_to_gtin14
from pharmacy_desktop.services import auth, fill, receiving, review, work_queues
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.screenshots import settle
from tests.counter_driver import Counter, FakeClock

__all__ = ["Counter", "FakeClock"]  # re-exported: the states' tests take the hands from here

WORKSTATION = "states-ws"
WAIT = 15_000


@dataclass(frozen=True)
class DemoWork:
    review_rx: str  # in review: a hard stop (an override) and a warning open
    fill_rx: str  # waiting for fill
    fill_bottle: str  # the prescribed product's NDC as a bare bottle scan (no lot: the lot question when several)
    wrong_bottle: str  # another stocked product: the hard stop
    verify_label: str  # the vial label of a prescription waiting for final verification
    bag_label: str  # a bag waiting in will-call
    order_id: uuid.UUID  # an order with a line still due
    package_scan: str  # a GS1 DataMatrix of one package of that line


def demo_work(factory, accounts: dict[str, uuid.UUID]) -> DemoWork:
    """What each state needs, found in the demo pharmacy through the services (nothing written but
    the access log of the review opened)."""
    rph = auth.actor_for(factory, accounts["pharmacist"], WORKSTATION)
    review_rx = None
    for row in review.review_queue(factory, rph):
        open_alerts = [a for a in review.open_review(factory, rph, row.prescription_id).alerts if a.is_alert]
        if {a.status for a in open_alerts} >= {"failed", "warning"}:
            review_rx = row.rx_number
            break
    assert review_rx is not None, "the demo has no prescription in review with a hard stop and a warning"

    views = [fill.open_for_fill(factory, rph, r.prescription_id) for r in work_queues.fill_queue(factory, rph)]
    stocked = [(v, v.current_item) for v in views if v.current_item is not None and v.current_item.drug.ndc]
    fillable = [(v, i) for v, i in stocked if i.on_hand and i.on_hand >= i.quantity and not i.drug.schedule]
    # one with several usable lots on the shelf first: its bare bottle scan asks which lot is in the hand
    view, item = next(
        (
            (v, i)
            for v, i in fillable
            if len(fill.check_scan(factory, rph, v.prescription_id, i.drug.ndc).lot_choices) > 1
        ),
        fillable[0],
    )
    wrong = next(i.drug.ndc for _, i in stocked if i.drug.name.split()[0] != item.drug.name.split()[0])

    waiting = work_queues.verify_queue(factory, rph)
    assert waiting, "the demo has nothing waiting for final verification"

    orders = receiving.receivable_orders(factory, rph)
    order, line = next(
        (o, line) for o in orders for line in o.lines if not line.complete and line.package_size and line.ndc
    )
    expiry = dt.date.today() + dt.timedelta(days=500)
    gtin = ndc_to_gtin14(_package_ndc(factory, line.item_id))
    scan = "]d2" + build_gs1_element_string(gtin, expiry=expiry, lot="H6LOT1", serial="H6000001")
    return DemoWork(
        review_rx=review_rx,
        fill_rx=view.rx_number,
        fill_bottle=item.drug.ndc,
        wrong_bottle=wrong,
        verify_label="RX" + waiting[0].rx_number,
        bag_label="RX" + _ready_rx(factory),
        order_id=order.id,
        package_scan=scan,
    )


@contextmanager
def demo_on(url: str) -> Iterator[tuple]:
    """(factory, url, accounts, DemoWork) over a copy of the demo pharmacy: a module fixture's body."""
    from pharmacy_desktop.cli.screenshots import active_accounts
    from pharmacy_desktop.db.engine import make_engine, make_session_factory
    from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory

    engine = make_engine(url)
    factory = UnitOfWorkFactory(make_session_factory(engine), workstation=WORKSTATION)
    accounts = active_accounts(factory)
    try:
        yield factory, url, accounts, demo_work(factory, accounts)
    finally:
        engine.dispose()


def _package_ndc(factory, item_id) -> str:
    """The hyphenated package NDC of a stock item (what its barcode carries)."""
    from sqlalchemy import select

    from pharmacy_desktop.db.models.inventory import InventoryItem
    from pharmacy_desktop.db.models.prescriptions import Medication

    with factory() as uow:
        return uow.session.scalars(
            select(Medication.package_ndc)
            .join(InventoryItem, InventoryItem.medication_id == Medication.id)
            .where(InventoryItem.id == item_id)
        ).one()


def _ready_rx(factory) -> str:
    from sqlalchemy import select

    from pharmacy_desktop.db.models.prescriptions import Prescription

    with factory() as uow:
        return uow.session.scalars(
            select(Prescription.prescription_number).where(Prescription.status == "ready").limit(1)
        ).one()


def make_context(factory, url) -> AppContext:
    return AppContext(
        uow_factory=factory, config=Config(workstation_name=WORKSTATION), workstation=WORKSTATION, database_url=url
    )


def open_counter(qtbot, context, actor, size: tuple[int, int]):
    """The shell at ``size`` for ``actor``, connected and active (the window system's keys reach it)."""
    from pharmacy_desktop.ui.main_window import MainWindow
    from pharmacy_desktop.ui.screens.registry import screen_classes

    window = MainWindow(context, actor, screen_classes())
    qtbot.addWidget(window)
    window.set_database_connected(True)
    window.resize(*size)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    settle(minimum=0.1)
    return window


@contextmanager
def counters(qtbot, demo: tuple) -> Iterator[Callable[[str, tuple[int, int]], tuple]]:
    """``make(role, size)`` -> (window, counter): the shell for a role of ``demo`` (:func:`demo_on`)
    at a size, active, with its counter; every scanner removed and window closed afterwards."""
    factory, url, accounts, _work = demo
    made: list[Counter] = []

    def make(role: str, size: tuple[int, int]) -> tuple:
        actor = auth.actor_for(factory, accounts[role], WORKSTATION)
        counter = Counter(open_counter(qtbot, make_context(factory, url), actor, size))
        made.append(counter)
        return counter.window, counter

    try:
        yield make
    finally:
        for counter in made:
            counter.close()
            counter.window.close()


def go(counter: Counter, key: Qt.Key, name: str):
    """F-key to a screen; the screen on show (checked by class name)."""
    counter.f_key(key)
    screen = counter.window.current_screen()
    assert type(screen).__name__ == name, f"{key} showed {type(screen).__name__}, not {name}"
    settle(minimum=0.1)
    return screen


# -- the walks the state and dialog tests share ----------------------------------------------------


def activate(counter: Counter, widget: QWidget) -> None:
    """``widget`` (the shell, a dialog) the active window again: the window system's keys reach it."""
    widget.activateWindow()
    counter.wait(lambda: QApplication.activeWindow() is widget, f"{type(widget).__name__} active")
    settle(minimum=0.1)


def open_review(counter: Counter, rx_number: str):
    """F3, Alt+Q to the queue, Down/Up to the prescription: open in review (the review screen)."""
    review = go(counter, Qt.Key.Key_F3, "ReviewScreen")
    counter.wait(lambda: any(r.rx_number == rx_number for r in review.rows), f"Rx {rx_number} in review's queue")
    counter.press(Qt.Key.Key_Q, Qt.KeyboardModifier.AltModifier)  # the queue
    assert review.queue.hasFocus()
    target = next(i for i, r in enumerate(review.rows) if r.rx_number == rx_number)
    counter.to_row(lambda: review.queue.currentIndex().row(), target)
    counter.wait(
        lambda: review.detail is not None and review.detail.rx_number == rx_number, f"Rx {rx_number} open in review"
    )
    return review


def open_override(counter: Counter, review):
    """Tab to the alerts, Down/Up to the open hard stop, Alt+O: its override dialog, on show."""
    counter.press(Qt.Key.Key_Tab)
    assert review.alerts.hasFocus()
    hard = next(a for a in review.detail.open_alerts if a.needs_override)
    counter.to_row(review.alerts.currentRow, review.detail.alerts.index(hard))
    counter.press(Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)
    counter.wait(
        lambda: review.override_dialog is not None and review.override_dialog.isVisible(), "the override dialog"
    )
    return review.override_dialog


def open_for_fill(counter: Counter, rx_number: str):
    """F5, the vial label scanned: the prescription open for fill (the fill screen)."""
    fill = go(counter, Qt.Key.Key_F5, "FillScreen")
    counter.wait(lambda: len(fill.rows) > 0, "the fill queue")
    counter.scan("RX" + rx_number)
    counter.wait(lambda: fill.view is not None and fill.view.rx_number == rx_number, f"Rx {rx_number} open for fill")
    return fill


def will_call(counter: Counter):
    """F7: pickup's will-call list with the bags waiting in it (the pickup screen)."""
    pickup = go(counter, Qt.Key.Key_F7, "PickupScreen")
    counter.wait(lambda: pickup.finder.table.rowCount() > 0, "the bags in will-call")
    settle(minimum=0.1)  # the drug column's rows sized to their lines
    return pickup


def open_bag(counter: Counter, pickup, bag_label: str) -> None:
    """The bag's label scanned at will-call: its sale open and priced."""
    counter.scan(bag_label)
    counter.wait(lambda: pickup.cart is not None and pickup.cart.quote is not None, "the bag's sale")


def open_signoff(counter: Counter, pickup):
    """Ctrl+K on the sale (counseling accepted): the pharmacist's sign-off dialog, on show."""
    counter.press(Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    counter.wait(lambda: pickup.signoff is not None and pickup.signoff.isVisible(), "the pharmacist's sign-off")
    return pickup.signoff


# -- the fit tests that share a shell per size -----------------------------------------------------


@contextmanager
def demo_factory(url: str, workstation: str) -> Iterator[tuple]:
    """(unit-of-work factory, url) over a module's copy of the demo: a module fixture's body."""
    from pharmacy_desktop.db.engine import make_engine, make_session_factory
    from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory

    engine = make_engine(url)
    try:
        yield UnitOfWorkFactory(make_session_factory(engine), workstation=workstation), url
    finally:
        engine.dispose()


def size_params(sizes, group: str) -> list:
    """The sizes as a module-scoped fixture's params: ids '1024x768', one xdist group a size (its
    tests share the size's shell on one worker)."""
    return [pytest.param(s, id=f"{s[0]}x{s[1]}", marks=pytest.mark.xdist_group(f"{group}-{s[0]}")) for s in sizes]
