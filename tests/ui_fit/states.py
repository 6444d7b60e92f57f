"""The working states of the counter, driven through the real shell on the demo pharmacy: what
tests/ui_fit/test_screen_states_fit.py and tests/shell/test_dialogs_a11y.py share.

- :func:`demo_work` finds, once per module, the prescriptions and the order each state needs (a
  prescription with a hard stop and a warning open in review, one waiting for fill with the wrong
  bottle beside it, one waiting for final verification, a bag in will-call, an order to receive);
- :class:`Counter` is the workstation's hands: a wedge scanner (fast keys and Enter through a real
  :class:`~pharmacy_desktop.ui.scanner.ScannerFilter`, handed to the screen on top as the shell
  does) and a person's keys, F-keys through the window system as a keyboard sends them;
- :func:`open_counter` is the shell at a size, signed in as a role, active.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from pharmacy_desktop.config import Config
from pharmacy_desktop.domain.barcodes import GS, build_gs1_element_string, ndc_to_gtin14
from pharmacy_desktop.services import auth, fill, receiving, review, work_queues
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.scanner import ScanDispatcher, ScanFeedback, ScannerFilter
from pharmacy_desktop.ui.screenshots import settle

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


class FakeClock:
    def __init__(self) -> None:
        self.now = 50_000.0

    def __call__(self) -> float:
        return self.now


class Counter:
    """The shell's scanner (a real filter on a fake clock, dispatched to the screen on top) and keys."""

    def __init__(self, window) -> None:
        self.window = window
        self.clock = FakeClock()
        self.scanner = ScannerFilter(clock=self.clock)
        self.scanner.install()
        self.dispatcher = ScanDispatcher(window.scan_target, ScanFeedback(beep=lambda: None))
        self.dispatcher.connect_to(self.scanner)
        self.scans: list[str] = []
        self.scanner.scanned.connect(self.scans.append)

    def close(self) -> None:
        self.scanner.uninstall()
        self.scanner.deleteLater()

    def focus(self) -> QWidget:
        return QApplication.focusWidget() or self.window

    def scan(self, text: str) -> None:
        """Characters 3 ms apart, then Enter, into whatever has the focus: one scan."""
        before = len(self.scans)
        for char in text:
            self.clock.now += 3
            if char == GS:
                QTest.sendKeyEvent(
                    QTest.KeyAction.Click, self.focus(), Qt.Key.Key_unknown, GS, Qt.KeyboardModifier.NoModifier
                )
            else:
                QTest.keyClicks(self.focus(), char)
        self.clock.now += 3
        QTest.keyClick(self.focus(), Qt.Key.Key_Return)
        QApplication.processEvents()
        assert self.scans[before:] == [text], f"the scanner filter did not take {text!r} as one scan"

    def press(self, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        """A person's key, long after the last scan, to the focused widget (its shortcuts included)."""
        self.clock.now += 500
        QTest.keyClick(self.focus(), key, modifier)
        QApplication.processEvents()
        self.clock.now += 500

    def f_key(self, key: Qt.Key) -> None:
        """A function key through the window system (the shell's application shortcuts)."""
        self.clock.now += 500
        QTest.keyClick(self.window.windowHandle(), key)
        QApplication.processEvents()
        self.clock.now += 500

    def sign(self, canvas: QWidget) -> None:
        """A signature drawn with the pen on the pad's canvas."""
        w, h = canvas.width(), canvas.height()
        zigzag = ((0.1, 0.6), (0.2, 0.3), (0.3, 0.7), (0.4, 0.35), (0.5, 0.65), (0.6, 0.3), (0.7, 0.7), (0.85, 0.4))
        points = [QPoint(int(w * x), int(h * y)) for x, y in zigzag]
        QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, points[0])
        for point in points[1:]:
            QTest.mouseMove(canvas, point)
        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, points[-1])
        QApplication.processEvents()


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


def go(counter: Counter, key: Qt.Key, name: str):
    """F-key to a screen; the screen on show (checked by class name)."""
    counter.f_key(key)
    screen = counter.window.current_screen()
    assert type(screen).__name__ == name, f"{key} showed {type(screen).__name__}, not {name}"
    settle(minimum=0.1)
    return screen
