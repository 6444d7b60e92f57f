"""A day at the counter in the real shell: one new prescription from intake to the will-call bin.

The demo pharmacy in a real PostgreSQL database; the real sign-in window, `MainWindow` with every
screen of the registry, a real `ScannerFilter` fed key events at scanner speed (and a person's
typing at a person's speed), the real `PrintSender` sending the vial label to a TCP printer
listening in the test. Keyboard and scanner only: no widget is clicked and no slot is called.

Every step checks the database (status, refill row, stock, domain events with the acting user,
access logs) and where the keyboard focus went: the next keystroke must land where it belongs.
Each step of the shell is also saved as a PNG (1280x800) to ``E2E_SHOTS`` (default /tmp/e2e-shots).
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from sqlalchemy import func, select

from pharmacy_desktop.config import Config, PrinterConfig
from pharmacy_desktop.db.models.audit import AccessLog, DomainEvent
from pharmacy_desktop.db.models.inventory import InventoryBatch, InventoryItem, InventoryTransaction
from pharmacy_desktop.db.models.notifications import PrintJob
from pharmacy_desktop.db.models.prescriptions import (
    Prescription,
    PrescriptionItem,
    PrescriptionRefill,
    WillCallBin,
)
from pharmacy_desktop.db.models.users import User
from pharmacy_desktop.demo import DEMO_PASSWORDS, DEMO_PINS
from pharmacy_desktop.ui.changes import ChangeListener
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.screens.print_queue import connect_status_bar
from tests.counter_driver import Counter, code128_text, story
from tests.escpos_parse import parse
from tests.printing.conftest import FakePrinter, read_all

pytestmark = [pytest.mark.ui, pytest.mark.db]

WORKSTATION = "test-ws"  # the uow_factory fixture's workstation: print jobs are queued for it
SHOTS = Path(os.environ.get("E2E_SHOTS", "/tmp/e2e-shots"))


class Shots:
    def __init__(self, window) -> None:
        self.window = window
        self.count = 0
        SHOTS.mkdir(parents=True, exist_ok=True)
        for old in SHOTS.glob("*.png"):
            old.unlink()

    def __call__(self, name: str) -> Path:
        self.count += 1
        QApplication.processEvents()
        path = SHOTS / f"{self.count:02d}-{name}.png"
        assert self.window.grab().save(str(path)), f"could not save {path}"
        return path


# -- database look-ups -----------------------------------------------------------------------------


def scalar(uow_factory, stmt):
    with uow_factory() as uow:
        return uow.session.scalar(stmt)


def rx_status(uow_factory, rx_id) -> str:
    return scalar(uow_factory, select(Prescription.status).where(Prescription.id == rx_id))


def events(uow_factory, rx_id) -> list[tuple[str, object]]:
    with uow_factory() as uow:
        return [
            (e.event_type, e.user_id)
            for e in uow.session.scalars(
                select(DomainEvent).where(DomainEvent.aggregate_id == rx_id).order_by(DomainEvent.sequence_number)
            )
        ]


def patient_opens(uow_factory, patient_id, user_id) -> int:
    return scalar(
        uow_factory,
        select(func.count())
        .select_from(AccessLog)
        .where(AccessLog.resource_id == patient_id, AccessLog.user_id == user_id),
    )


def on_hand(uow_factory, medication_id) -> tuple[Decimal, Decimal]:
    """(inventory item quantity on hand, sum of its batches' remaining quantity)."""
    with uow_factory() as uow:
        item = uow.session.scalar(select(InventoryItem).where(InventoryItem.medication_id == medication_id))
        batches = uow.session.scalar(
            select(func.coalesce(func.sum(InventoryBatch.quantity_remaining), 0)).where(
                InventoryBatch.inventory_item_id == item.id
            )
        )
        return item.quantity_on_hand, Decimal(batches)


def user_id(uow_factory, username: str):
    return scalar(uow_factory, select(User.id).where(User.username == username))


def assert_nav_fits(window) -> None:
    """Every navigation entry (key, title, queue count) is readable in full, not cut off with an ellipsis."""
    room = window.nav.viewport().width()
    for row in range(window.nav.count()):
        text = window.nav.item(row).text()
        assert window.nav.fontMetrics().horizontalAdvance(text) + 8 <= room, f"navigation entry cut off: {text!r}"


def switch_to(qtbot, hands, window, pin: str, *, expect_ok: bool = True) -> None:
    """On the lock screen: Tab to the PIN field, type the PIN, Enter."""
    assert window.locked
    hands.pin(pin)
    if expect_ok:
        with qtbot.waitSignal(window.lock_changed, timeout=15_000):
            hands.press(Qt.Key.Key_Return)
        assert not window.locked
    else:
        hands.press(Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: window.lock_screen.error.text() != "", timeout=15_000)
        assert window.locked


# -- fixtures --------------------------------------------------------------------------------------


@pytest.fixture
def database_url(demo_database_url):
    """This module's database (and so uow_factory's): a copy of the demo pharmacy (tests/conftest.py
    demo_template), not the empty one."""
    return demo_database_url


@pytest.fixture
def demo(demo_template, database_url):
    summary = demo_template.summary
    assert not summary.skipped
    return summary


@pytest.fixture
def label_printer():
    fake = FakePrinter(read_all)
    yield fake
    fake.close()


@pytest.fixture
def context(uow_factory, database_url, label_printer) -> AppContext:
    config = Config(
        workstation_name=WORKSTATION, printers={"label": PrinterConfig(uri=label_printer.uri, profile="TM-T88V")}
    )
    return AppContext(uow_factory=uow_factory, config=config, workstation=WORKSTATION, database_url=database_url)


@pytest.fixture
def dispatcher(context, uow_factory):
    from pharmacy_desktop.services.print_sender import PrintSender
    from pharmacy_desktop.services.printer_settings import printer_settings_from

    printing = PrintSender(uow_factory, lambda: printer_settings_from(context.config), WORKSTATION, poll_interval=0.3)
    context.print_sender = printing
    printing.start()
    yield printing
    printing.stop()


# -- the day ---------------------------------------------------------------------------------------


def test_counter_day_from_intake_to_will_call(qtbot, demo, context, uow_factory, dispatcher, label_printer):
    from pharmacy_desktop.ui.app import make_application
    from pharmacy_desktop.ui.main_window import MainWindow
    from pharmacy_desktop.ui.screens import registry
    from pharmacy_desktop.ui.signin_window import SignInWindow

    make_application()  # the app's font and style sheet, as the real start-up
    tech_id, rph_id = user_id(uow_factory, "tech"), user_id(uow_factory, "rph")

    # the patient, the drug the doctor wrote and the stock on the shelf, all from the demo pharmacy
    day = story(uow_factory)
    patient_id, patient_last, patient_first = day.patient_id, day.patient_last, day.patient_first
    drug_id, drug_ndc, drug_generic, drug_strength = day.drug_id, day.drug_ndc, day.drug_generic, day.drug_strength
    wrong_ndc, wrong_generic = day.wrong_ndc, day.wrong_generic
    rx_before = scalar(uow_factory, select(func.count()).select_from(Prescription))
    stock_before = on_hand(uow_factory, drug_id)
    assert stock_before[0] == stock_before[1] > 30

    # -- opening: the pharmacist signs in at the sign-in window, locks; the technician signs in -------
    signin = SignInWindow(context)
    qtbot.addWidget(signin)
    signin.resize(1280, 800)
    signin.show()
    signin.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is signin, timeout=5_000)
    # the pharmacist types at once, before the window has heard back from the database: nothing typed is lost
    assert signin.panel.username.hasFocus(), "the sign-in window opens on the username"
    QTest.keyClicks(signin.panel.username, "rph")
    QTest.keyClick(signin.panel.username, Qt.Key.Key_Return)
    assert signin.panel.password.hasFocus(), "Enter after the username must move to the password"
    QTest.keyClicks(signin.panel.password, DEMO_PASSWORDS["rph"])
    qtbot.waitUntil(lambda: signin.decided, timeout=10_000)
    assert signin.pages.currentWidget() is signin.panel
    assert signin.panel.username.text() == "rph" and signin.panel.password.text() == DEMO_PASSWORDS["rph"]
    assert signin.panel.password.hasFocus()
    shot = Shots(signin)
    shot("sign-in")
    with qtbot.waitSignal(signin.signed_in, timeout=15_000) as signed:
        QTest.keyClick(signin.panel.password, Qt.Key.Key_Return)
    rph = signed.args[0]
    assert rph.username == "rph" and rph.role == "pharmacist"
    signin.close()

    # wired as the app's Session does: change notices, database and printer state in the status bar
    window = MainWindow(context, rph, registry.screen_classes())
    qtbot.addWidget(window)
    listener = ChangeListener(context.database_url)
    listener.changed.connect(window.on_change)
    listener.connection_changed.connect(window.set_database_connected)
    listener.changed.connect(lambda notice: dispatcher.wake() if notice.get("topic") == "print_jobs" else None)
    listener.start()
    connect_status_bar(dispatcher, window)
    window.resize(1280, 800)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)
    qtbot.wait(50)
    hands = Counter(window, window.scan_feedback, strict_focus=True)
    shot.window = window
    try:
        qtbot.waitUntil(lambda: "Database: connected" in window.database_status.text(), timeout=10_000)
        assert_nav_fits(window)
        assert "Pharmacist" in window.user_badge.text() and "Priya Raman" in window.user_badge.text()
        shot("home-pharmacist")
        hands.f_key(Qt.Key.Key_F12)
        assert window.locked and window.lock_screen.secret.hasFocus()
        # the technician is not signed in here yet: a PIN is refused, the password sign-in works
        switch_to(qtbot, hands, window, DEMO_PINS["tech"], expect_ok=False)
        assert "Sign in with your username and password first" in window.lock_screen.error.text()
        shot("locked-pin-refused")
        while not window.lock_screen.sign_in.username.hasFocus():
            hands.press(Qt.Key.Key_Tab)
        hands.type("tech")
        hands.press(Qt.Key.Key_Return)
        assert window.lock_screen.sign_in.password.hasFocus()
        hands.type(DEMO_PASSWORDS["tech"])
        with qtbot.waitSignal(window.lock_changed, timeout=15_000):
            hands.press(Qt.Key.Key_Return)
        assert not window.locked and window.actor.username == "tech"
        assert "Technician" in window.user_badge.text() and "Jordan Ellis" in window.user_badge.text()
        shot("home-technician")
        assert_nav_fits(window)

        # -- F2 intake ------------------------------------------------------------------------------
        hands.f_key(Qt.Key.Key_F2)
        intake = window.current_screen()
        assert type(intake).__name__ == "IntakeScreen"
        assert intake.patient_search.edit.hasFocus(), "intake opens on the patient search"
        hands.type(patient_last[:4])
        qtbot.waitUntil(lambda: any(h.patient_id == patient_id for h in intake.patient_search.hits), timeout=10_000)
        shot("intake-patient-search")
        # Down to the patient in the list, Enter picks
        row = next(i for i, h in enumerate(intake.patient_search.hits) if h.patient_id == patient_id)
        assert intake.patient_search.results.currentRow() == 0, "the first patient found is highlighted"
        for _ in range(row):  # Down to the patient (the list highlights the first one)
            hands.press(Qt.Key.Key_Down)
        assert intake.patient_search.results.currentRow() == row
        hands.press(Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: intake.profile is not None and intake.profile.patient_id == patient_id, timeout=10_000)
        assert patient_last in intake.banner.name.text() and patient_first in intake.banner.name.text()
        # the patient's preferred prescriber is filled in; focus moves on to the drug
        assert intake.prescriber_name.text() and intake.prescriber_last.text()  # first and last name apart
        assert intake.prescriber_npi.text() and len(intake.prescriber_npi.text()) == 10
        assert intake.drug.edit.hasFocus()
        assert patient_opens(uow_factory, patient_id, tech_id) >= 1
        shot("intake-patient-chosen")

        # Alt+D: the drug, typed
        hands.press(Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)
        assert intake.drug.edit.hasFocus(), "Alt+D goes to the drug"
        hands.type(f"atorva {drug_strength.split()[0]}")
        qtbot.waitUntil(lambda: any(c.medication_id == drug_id for c in intake.drug.choices), timeout=10_000)
        shot("intake-drug-search")
        row = next(i for i, c in enumerate(intake.drug.choices) if c.medication_id == drug_id)
        for _ in range(row):
            hands.press(Qt.Key.Key_Down)
        assert intake.drug.results.currentRow() == row
        hands.press(Qt.Key.Key_Return)
        assert intake.drug.choice is not None and intake.drug.choice.medication_id == drug_id
        assert intake.quantity.hasFocus(), "after the drug, the quantity"
        hands.type("30")
        hands.press(Qt.Key.Key_Tab)
        assert intake.unit.hasFocus()
        hands.press(Qt.Key.Key_Tab)
        assert intake.days.hasFocus()
        hands.type("30")
        hands.press(Qt.Key.Key_Tab)
        assert intake.refills.hasFocus()
        hands.press(Qt.Key.Key_Backspace)
        hands.type("2")
        hands.press(Qt.Key.Key_Tab)
        assert intake.sig.edit.hasFocus()
        hands.type("1 T PO QHS")
        assert intake.sig.expansion.text() == "Label will read: “Take 1 tablet by mouth at bedtime”"
        shot("intake-ready-to-save")

        hands.press(Qt.Key.Key_Return)  # Enter saves
        qtbot.waitUntil(lambda: intake.last_saved is not None, timeout=15_000)
        saved = intake.last_saved
        rx_id, rx_number = saved.prescription_id, saved.rx_number
        assert f"Rx {rx_number} saved" in intake.message.text()
        assert intake.patient_search.edit.hasFocus() and intake.patient_search.edit.text() == "", (
            "after a save, the patient search for the next prescription"
        )
        assert rx_status(uow_factory, rx_id) == "received"
        assert scalar(uow_factory, select(func.count()).select_from(Prescription)) == rx_before + 1
        with uow_factory() as uow:
            rx = uow.session.get(Prescription, rx_id)
            assert rx.patient_id == patient_id and rx.prescription_number == rx_number
            item = uow.session.scalars(select(PrescriptionItem).where(PrescriptionItem.prescription_id == rx_id)).one()
            assert (item.medication_id, item.quantity, item.days_supply, item.sig, item.refills_authorized) == (
                drug_id,
                Decimal(30),
                30,
                "1 T PO QHS",
                2,
            )
            assert item.directions == "Take 1 tablet by mouth at bedtime"
        assert events(uow_factory, rx_id)[0] == ("PrescriptionReceived", tech_id)
        shot("intake-saved")

        # -- F12, the pharmacist switches in by PIN -------------------------------------------------
        hands.f_key(Qt.Key.Key_F12)
        assert window.locked and window.lock_screen.isVisible() and not intake.isVisible()
        assert patient_last not in window.lock_screen.detail.text()
        shot("locked")
        switch_to(qtbot, hands, window, DEMO_PINS["rph"])
        assert not window.locked and window.actor.username == "rph"
        assert "Pharmacist" in window.user_badge.text() and "Priya Raman" in window.user_badge.text()

        # -- F3 review ------------------------------------------------------------------------------
        review = hands.to_queue(Qt.Key.Key_F3, "ReviewScreen", rx_id)
        assert review.queue.hasFocus(), "the review queue has the focus"
        target = next(i for i, r in enumerate(review.rows) if r.prescription_id == rx_id)
        hands.to_row(lambda: review.queue.currentIndex().row(), target)
        qtbot.waitUntil(lambda: review.detail is not None and review.detail.prescription_id == rx_id, timeout=10_000)
        assert patient_opens(uow_factory, patient_id, rph_id) >= 1
        shot("review-open")
        # every open alert resolved from the keyboard: warnings acknowledged, hard stops overridden
        hands.press(Qt.Key.Key_Tab)
        assert review.alerts.hasFocus()
        hands.resolve_alerts(review)
        assert review.detail.prescription_id == rx_id and not review.detail.open_alerts
        # the last acknowledgement's "Acknowledged." may be redrawn away by the change notice of that
        # same commit (it arrives on its own thread); what must hold is what the pharmacist does next
        qtbot.waitUntil(lambda: "All alerts resolved" in review.message.text(), timeout=10_000)
        assert review.approve_button.isEnabled()
        assert review.alerts.hasFocus()
        shot("review-resolved")
        hands.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: rx_status(uow_factory, rx_id) == "validated", timeout=10_000)
        qtbot.waitUntil(lambda: f"Rx {rx_number} validated" in review.message.text(), timeout=10_000)
        assert ("PrescriptionValidated", rph_id) in events(uow_factory, rx_id)
        shot("review-approved")

        # -- F12, the technician back by PIN; F5 fill -----------------------------------------------
        hands.f_key(Qt.Key.Key_F12)
        switch_to(qtbot, hands, window, DEMO_PINS["tech"])
        assert window.actor.username == "tech"
        fill = hands.to_queue(Qt.Key.Key_F5, "FillScreen", rx_id)
        shot("fill-queue")
        # the queue has the focus: Down/Up to the row, Enter opens it
        assert fill.queue.hasFocus() or fill.queue.isAncestorOf(QApplication.focusWidget()), (
            f"the fill queue must have the focus, not {QApplication.focusWidget()}"
        )
        target = next(i for i, r in enumerate(fill.rows) if r.prescription_id == rx_id)
        hands.to_row(fill.queue.currentRow, target)
        hands.press(Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: fill.view is not None and fill.view.prescription_id == rx_id, timeout=10_000)
        assert fill.pages.currentWidget() is fill.work_page
        assert "SCAN THE STOCK BOTTLE" in fill.prompt.label.text()
        focus = QApplication.focusWidget()
        assert focus is fill.prompt or fill.prompt.isAncestorOf(focus) or focus is fill, (
            f"after opening for fill the focus belongs to the scan prompt, not {focus}"
        )
        assert patient_opens(uow_factory, patient_id, tech_id) >= 2
        shot("fill-open")

        # a wrong bottle first: the hard stop fills the work area until acknowledged
        hands.scan(wrong_ndc)
        qtbot.waitUntil(lambda: fill.pages.currentWidget() is fill.hard_stop, timeout=10_000)
        assert "WRONG" in fill.hard_stop.title.text()
        stop_text = (fill.hard_stop.message.text() + fill.hard_stop.next_step.text()).lower()
        assert drug_generic.split()[0].lower() in stop_text and wrong_generic.split()[0].lower() in stop_text
        assert fill.hard_stop.button.hasFocus()
        shot("fill-hard-stop")
        hands.scan(drug_ndc)  # scanning again is refused until the stop is acknowledged
        assert fill.pages.currentWidget() is fill.hard_stop
        assert "Acknowledge this stop first" in fill.hard_stop.next_step.text()
        hands.press(Qt.Key.Key_Escape)  # Esc does not dismiss a hard stop
        assert fill.pages.currentWidget() is fill.hard_stop
        hands.press(Qt.Key.Key_Return)
        assert fill.pages.currentWidget() is fill.work_page
        assert "SCAN THE STOCK BOTTLE" in fill.prompt.label.text()
        assert rx_status(uow_factory, rx_id) == "validated"
        assert on_hand(uow_factory, drug_id) == stock_before, "a wrong bottle takes nothing from stock"

        # the right bottle: checked, then Enter fills and queues the label
        hands.scan(drug_ndc)
        qtbot.waitUntil(lambda: fill.check is not None, timeout=10_000)
        if fill.lot_picker.isVisible():  # several lots on the shelf: the first listed is a usable one
            assert fill.check.lot_choices[0].problem is None
            hands.press(Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: fill.check is not None and fill.check.ok, timeout=10_000)
        assert fill.fill_button.isEnabled() and fill.fill_button.hasFocus()
        shot("fill-bottle-ok")
        hands.press(Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: fill.last_result is not None, timeout=15_000)
        result = fill.last_result
        assert result.rx_number == rx_number and result.status == "in_progress"
        assert rx_status(uow_factory, rx_id) == "in_progress"
        assert f"Rx {rx_number} filled" in fill.status.text()
        with uow_factory() as uow:
            [refill] = uow.session.scalars(
                select(PrescriptionRefill).where(PrescriptionRefill.prescription_id == rx_id)
            ).all()
            assert (refill.refill_number, refill.quantity_dispensed, refill.filled_by, refill.medication_id) == (
                0,
                Decimal(30),
                tech_id,
                drug_id,
            )
            assert refill.lot_number and refill.verified_by is None
            moves = uow.session.scalars(
                select(InventoryTransaction).where(InventoryTransaction.reference_id == refill.id)
            ).all()
            assert moves and sum(m.quantity_change for m in moves) == Decimal(-30)
            assert {(m.transaction_type, m.performed_by) for m in moves} == {("dispensed", tech_id)}
            job = uow.session.get(PrintJob, result.label_job_id)
            assert job.job_type == "label" and job.workstation == WORKSTATION
        after_fill = on_hand(uow_factory, drug_id)
        assert after_fill == (stock_before[0] - 30, stock_before[1] - 30), "stock goes down by exactly 30"
        assert ("PrescriptionFilled", tech_id) in events(uow_factory, rx_id)
        shot("fill-done")

        # the label reaches the printer: ESC/POS bytes with the Rx number, as text and barcode
        dispatcher.wake()
        label_printer.wait_jobs(1, timeout=15)
        assert label_printer.jobs, "no label reached the printer"
        printed = parse(label_printer.jobs[-1])
        assert rx_number in printed.words and any(rx_number.encode() in b.data for b in printed.barcodes)
        assert patient_last in printed.words and "Take 1 tablet by mouth at bedtime" in printed.words
        assert "Qty: 30 tablets" in printed.words  # counted in the dispensing unit, plural
        qtbot.waitUntil(
            lambda: scalar(uow_factory, select(PrintJob.status).where(PrintJob.id == result.label_job_id)) == "printed",
            timeout=10_000,
        )
        qtbot.waitUntil(
            lambda: "✖" not in window.printer_status.text() and "not checked" not in window.printer_status.text(),
            timeout=10_000,
        )

        # -- the pharmacist by PIN; F6 verify: label, then bottle, Enter ---------------------------
        hands.f_key(Qt.Key.Key_F12)
        switch_to(qtbot, hands, window, DEMO_PINS["rph"])
        assert window.actor.username == "rph"
        verify = hands.to_queue(Qt.Key.Key_F6, "VerifyScreen", rx_id)
        shot("verify-queue")
        label_barcode = code128_text(next(b for b in printed.barcodes if rx_number.encode() in b.data))
        hands.scan(label_barcode)
        qtbot.waitUntil(lambda: verify.view is not None and verify.view.prescription_id == rx_id, timeout=10_000)
        assert "STEP 2" in verify.prompt.label.text()
        assert [verify.rows[i.row()].prescription_id for i in verify.queue.selectionModel().selectedRows()] == [
            rx_id
        ], "the queue highlights the prescription the label opened"
        shot("verify-label-scanned")
        hands.scan(drug_ndc)
        qtbot.waitUntil(lambda: verify.approve_button.isEnabled(), timeout=10_000)
        assert verify.approve_button.hasFocus()
        shot("verify-bottle-ok")
        hands.press(Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: verify.approved is not None, timeout=15_000)
        bin_code = verify.approved.bin_code
        assert rx_status(uow_factory, rx_id) == "ready"
        assert f"will-call bin {bin_code}" in verify.status.text()
        with uow_factory() as uow:
            refill = uow.session.scalars(
                select(PrescriptionRefill).where(PrescriptionRefill.prescription_id == rx_id)
            ).one()
            assert refill.verified_by == rph_id
            assert (
                uow.session.scalar(
                    select(WillCallBin.code)
                    .join(Prescription, Prescription.will_call_bin_id == WillCallBin.id)
                    .where(Prescription.id == rx_id)
                )
                == bin_code
            )
        assert ("PrescriptionVerified", rph_id) in events(uow_factory, rx_id)
        assert on_hand(uow_factory, drug_id) == after_fill, "verification takes no more stock"
        happened = events(uow_factory, rx_id)  # one acknowledgement per warning the checks gave: counted once
        happened = [
            e for i, e in enumerate(happened) if not (i and e == happened[i - 1] == ("DurAlertAcknowledged", rph_id))
        ]
        assert happened == [
            ("PrescriptionReceived", tech_id),
            ("DurChecked", tech_id),
            ("DurAlertAcknowledged", rph_id),
            ("PrescriptionValidated", rph_id),
            ("FillHardStop", tech_id),
            ("PrescriptionFilled", tech_id),
            ("PrescriptionVerified", rph_id),
        ]
        shot("verify-approved")

        # -- F7 pickup's will-call page shows it ----------------------------------------------------
        hands.f_key(Qt.Key.Key_F7)
        will_call = window.current_screen()
        assert type(will_call).__name__ == "PickupScreen"
        qtbot.waitUntil(lambda: any(r.rx_number == rx_number for r in will_call.finder.rows), timeout=10_000)
        waiting = next(r for r in will_call.finder.rows if r.rx_number == rx_number)
        assert waiting.bin_code == bin_code and patient_last in waiting.patient_name
        shot("will-call")
        hands.scan(label_barcode)  # the bag's label opens the patient's pickup
        qtbot.waitUntil(lambda: will_call.cart is not None, timeout=10_000)
        assert {rx.rx_number for rx in will_call.cart.view.prescriptions} >= {rx_number}
        assert patient_last in will_call.sale.patient.text() and bin_code in will_call.sale.bag.text()
        shot("will-call-scan")
    finally:
        hands.close()
        listener.stop()
