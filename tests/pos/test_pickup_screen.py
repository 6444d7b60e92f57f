"""The pickup screen (F7) driven the way the counter drives it: a wedge scanner and the keyboard, the
signature drawn by simulated mouse moves. Against the real PostgreSQL (``pos`` fixture: the billing
invariants are checked after each test), the receipt sent to a fake TCP printer and read back."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from sqlalchemy import select, update

from pharmacy_desktop.db.models.audit import DomainEvent
from pharmacy_desktop.db.models.billing import Invoice, Payment, Sale, SaleTender, SaleVoid
from pharmacy_desktop.db.models.prescriptions import Pickup, PickupItem, Prescription, PrescriptionRefill
from pharmacy_desktop.services import auth
from pharmacy_desktop.services import pickup as pickup_service
from pharmacy_desktop.services import sale as sale_service
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.screens.pickup import PickupScreen
from tests.counter_driver import Counter
from tests.escpos_parse import parse
from tests.fill import factories as f
from tests.pos.conftest import ASPIRIN_UPC, add_discount, add_patient, allow_pickup, insure, ready_rx
from tests.pos.test_signature_pad import darkest_near
from tests.printing.conftest import printer, workstation_config  # noqa: F401 - printer is a fixture
from tests.shell.windows import DISPLAY, open_shell, settle

pytestmark = pytest.mark.ui

D = Decimal
WAIT = 10_000
DOB = "04/12/1958"
SIGNATURE = [(60, 120), (90, 60), (120, 140), (150, 70), (190, 150), (230, 80), (270, 130), (300, 90), (330, 120)]


@pytest.fixture
def counter_screen(qtbot, uow_factory, actors, printer):  # noqa: F811 - the fixture imported above
    receipt_printer = printer()
    context = AppContext(
        uow_factory=uow_factory, config=workstation_config(receipt_uri=receipt_printer.uri), workstation="test-ws"
    )
    screen = PickupScreen(context, actors["technician"])
    qtbot.addWidget(screen)
    screen.resize(1280, 800)
    with qtbot.waitActive(screen):
        screen.show()
        screen.activateWindow()
    counter = Counter.on_screen(screen)
    yield screen, counter, receipt_printer
    counter.close()


def alt(counter, key):
    counter.press(key, Qt.KeyboardModifier.AltModifier)


def sign(canvas, points):
    """The patient signs: a press, moves and a release of the left button on the pad."""
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(*points[0]))
    for x, y in points[1:]:
        QTest.mouseMove(canvas, QPoint(x, y))
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(*points[-1]))


def test_schedule_ii_pickup_by_keyboard_and_scanner(qtbot, uow_factory, actors, pos, counter_screen):
    screen, counter, receipt_printer = counter_screen
    tech, rph = actors["technician"], actors["pharmacist"]
    auth.set_pin(uow_factory, rph, "2468")
    rx_id, refill_id, number = ready_rx(uow_factory, actors, pos, f.OXYCODONE_5, refills=0, quantity=12)
    page = screen.sale

    # the bag's label opens the pickup: the C-II, priced (12 x $0.50 + $2.00 fee), counseling to offer
    counter.scan(number)
    qtbot.waitUntil(lambda: screen.cart is not None and screen.cart.quote is not None, timeout=WAIT)
    assert screen.pages.currentWidget() is page
    assert page.patient.text() == "Gonzalez, Maria"
    [row] = page.items.rows
    assert row.take and row.controlled and row.drug.startswith("[C-II] Oxycodone Hydrochloride 5 mg")
    assert (row.price, row.copay, row.counseling_state) == ("$8.00", "$8.00", "needed")
    assert page.tender.total_due.text() == "Total due  $8.00"
    assert page.identity.id_box.isVisibleTo(page) and "C-II" in page.identity.id_box.title()
    assert not page.complete.isEnabled()
    for needed in ("date of birth", "ID number", "counseling for Rx", "signature", "payment ($8.00 to pay)"):
        assert needed in page.missing.text()

    # date of birth, as the patient says it: a wrong one first
    alt(counter, Qt.Key.Key_D)
    assert page.identity.dobs[0].edit.hasFocus()
    counter.type("04/13/1958")
    counter.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "does not match" in page.identity.dobs[0].status.text(), timeout=WAIT)
    assert "1958" not in page.identity.dobs[0].status.text()  # the real one is never shown
    page.identity.dobs[0].edit.selectAll()
    counter.type(DOB)
    counter.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.identity.dobs[0].ok, timeout=WAIT)
    assert "date of birth" not in page.missing.text()

    # no money is taken for a C-II before the picker's ID is there
    alt(counter, Qt.Key.Key_M)
    counter.type("10")
    counter.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Record the picker's ID first" in page.tender.message.text(), timeout=WAIT)
    assert page.tender.tenders == []

    # the patient picks up; the ID: type (Alt+Y), Tab, number, state, expiry
    assert page.identity.chosen_picker().relationship == "self"
    alt(counter, Qt.Key.Key_Y)
    assert page.identity.id_type.hasFocus()
    counter.press(Qt.Key.Key_Tab)
    counter.type("D1234567")
    counter.press(Qt.Key.Key_Tab)
    counter.type("il")
    counter.press(Qt.Key.Key_Tab)
    counter.type("12/31/2030")
    # the scanner filter holds the last key a moment (is it a scan?) before it reaches the field
    qtbot.waitUntil(lambda: page.identity.id_expiry.text() == "12/31/2030", timeout=WAIT)
    assert page.identity.id_state.text() == "IL"
    assert "ID" not in page.missing.text()

    # counseling accepted: the pharmacist's PIN in the small dialog; the technician stays signed in
    counter.press(Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: screen.signoff is not None and screen.signoff.isVisible(), timeout=WAIT)
    assert screen.signoff.pin.hasFocus()
    counter.type("2468")
    counter.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.items.rows[0].counseling_state == "accepted", timeout=WAIT)
    assert rph.display_name in page.items.rows[0].counseling
    assert screen.actor is tech

    # the signature, drawn on the pad (Alt+G gives it the focus)
    qtbot.waitUntil(screen.isActiveWindow, timeout=WAIT)  # back from the dialog
    alt(counter, Qt.Key.Key_G)
    assert page.signature.pad.canvas.hasFocus()
    canvas = page.signature.pad.canvas
    sign(canvas, SIGNATURE)
    assert page.signature.pad.is_accepted()
    # where the strokes are in the stored image (the pad scales its 600x200 sheet into the widget)
    inked = [canvas.to_image(QPointF(x, y)) for x, y in SIGNATURE]
    inked = [(round(p.x()), round(p.y())) for p in inked]

    # cash: $10 given for $8.00, $2.00 change; then Complete is the only thing left
    alt(counter, Qt.Key.Key_M)
    assert page.tender.cash.hasFocus()
    counter.press(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)  # the refused "10" is still there
    counter.type("10")
    counter.press(Qt.Key.Key_Return)
    assert page.tender.balance.text() == "Change due  $2.00"
    qtbot.waitUntil(page.complete.isEnabled, timeout=WAIT)
    assert page.missing.text().startswith("Everything is there") and page.missing.icon_kind == "passed"
    counter.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: screen.completed is not None, timeout=WAIT)
    result = screen.completed
    assert screen.pages.currentWidget() is screen.finder and screen.cart is None
    assert f"Sale {result.sale_number} complete" in screen.finder.notice.text()
    assert "Change due $2.00" in screen.finder.notice.text()

    with uow_factory() as uow:
        sale = uow.session.get(Sale, result.sale_id)
        assert (sale.status, sale.patient_pay, sale.cash_tendered, sale.change_due) == (
            "completed",
            D("8.00"),
            D("10.00"),
            D("2.00"),
        )
        assert sale.cashier_id == tech.user_id
        [tender] = uow.session.scalars(select(SaleTender).where(SaleTender.sale_id == sale.id)).all()
        assert (tender.method, tender.amount) == ("cash", D("8.00"))
        [invoice] = uow.session.scalars(select(Invoice).where(Invoice.sale_id == sale.id)).all()
        assert (invoice.status, invoice.prescription_id, invoice.patient_copay) == ("paid", rx_id, D("8.00"))
        payments = uow.session.scalars(select(Payment).where(Payment.invoice_id == invoice.id)).all()
        assert sum(p.amount for p in payments) == D("8.00")
        [bag] = uow.session.scalars(select(Pickup).where(Pickup.sale_id == sale.id)).all()
        assert (bag.picker_relationship, bag.dob_confirmed, bag.has_controlled) == ("self", True, True)
        assert (bag.id_type, bag.id_number, bag.id_state) == ("drivers_license", "D1234567", "IL")
        assert bag.id_expiry.isoformat() == "2030-12-31"
        assert bag.acknowledged_receipt and bag.acknowledged_counseling and bag.acknowledged_privacy_notice
        image = Image.open(io.BytesIO(bytes(bag.signature_png))).convert("L")
        assert image.size == (600, 200)
        assert all(darkest_near(image, x, y) < 80 for x, y in inked)
        assert image.getpixel((5, 5)) == 255
        [item] = uow.session.scalars(select(PickupItem).where(PickupItem.pickup_id == bag.id)).all()
        assert (item.prescription_id, item.counseling, item.counseled_by) == (rx_id, "accepted", rph.user_id)
        assert uow.session.get(Prescription, rx_id).status == "completed"
        assert uow.session.get(PrescriptionRefill, refill_id).status == "dispensed"

    # the receipt: what the print sender sends to the receipt printer, read back from the bytes
    screen.context.print_sender.send_pending()
    [job] = receipt_printer.wait_jobs(1)
    printed = parse(job)
    words = printed.words
    assert f"Receipt {result.sale_number}" in words and f"Rx {number} $8.00" in words
    assert "Oxycodone" not in words  # no drug names unless the pharmacy turns them on
    for printed_line in ("TOTAL $8.00", "Cash $8.00", "Tendered $10.00", "Change $2.00", "Cashier: Technician"):
        assert printed_line in words, printed.text
    assert printed.kicks, "a cash sale opens the drawer"
    assert printed.cuts


# -- the picture for the README ------------------------------------------------------------------

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_screenshot_with_a_controlled_prescription_and_an_insurance_rejection(
    qtbot, app_look, uow_factory, actors, pos, tmp_path
):
    """docs/pickup.png (with PHARMACY_SCREENSHOTS=1; a temporary file otherwise): the shell at 1280x800
    mid-pickup: a C-II paid by the plan, a fill the plan rejected (76, plan limits: over 90 days)
    sold at the cash price with the rejection's text, date of birth confirmed, the picker's ID typed,
    counseling still to offer, the signature drawn."""
    insure(uow_factory, pos.patient_id)
    _, _, number = ready_rx(uow_factory, actors, pos, f.OXYCODONE_5, bill=True, refills=0, quantity=28, days=7)
    ready_rx(uow_factory, actors, pos, f.METFORMIN_500, bill=True, quantity=120, days=120, sig="1 T PO BID")
    context = AppContext(uow_factory=uow_factory, config=workstation_config(), workstation="test-ws")
    window, screen = open_shell(qtbot, context, actors["technician"], PickupScreen)
    page = screen.sale
    screen.handle_scan(number)
    qtbot.waitUntil(lambda: screen.cart is not None and screen.cart.quote is not None, timeout=WAIT)
    rows = page.items.rows
    assert [r.claim_state for r in rows] == ["paid", "rejected"]
    assert "REJECTED 76" in rows[1].claim and "Plan Limitations Exceeded" in rows[1].claim_detail
    page.identity.dobs[0].edit.setText(DOB)
    screen.check_dob(pos.patient_id, DOB)
    qtbot.waitUntil(lambda: page.identity.dobs[0].ok, timeout=WAIT)
    page.identity.id_number.setText("D1234567")
    page.identity.id_state.setText("IL")
    page.identity.id_expiry.setText("12/31/2030")
    sign(page.signature.pad.canvas, SIGNATURE)
    screen.update_missing()
    settle()
    assert page.detail.isVisible() and "What to do" in page.detail.text()
    assert window.size().width() == DISPLAY[0] and window.size().height() == DISPLAY[1]
    out = DOCS if os.environ.get("PHARMACY_SCREENSHOTS") == "1" else tmp_path
    assert window.grab().save(str(out / "pickup.png"))


# -- the rest of the counter's keys ---------------------------------------------------------------


def open_bag(qtbot, counter, screen, number):
    counter.scan(number)
    qtbot.waitUntil(lambda: screen.cart is not None and screen.cart.quote is not None, timeout=WAIT)


def wait_priced(qtbot, screen):
    qtbot.waitUntil(lambda: screen.quoting == 0 and screen.cart.quote is not None, timeout=WAIT)


def test_household_store_item_discount_declined_card_then_split_and_void_line(
    qtbot, uow_factory, actors, pos, counter_screen
):
    """Maria picks up her own bag and her husband's (he allows it): a date of birth for each; an item
    by UPC; a code that does not apply says why; a declined card says what to do; card + cash split;
    a line voided with its reason; then the sale completes with two bags."""
    screen, counter, _ = counter_screen
    page = screen.sale
    husband = add_patient(uow_factory, "Jorge", "Gonzalez", date_of_birth=dt.date(1955, 3, 9))
    allow_pickup(uow_factory, husband, pos.patient_id, relationship="spouse")
    add_discount(uow_factory, "BIG50", kind="fixed_amount", value="5", minimum_purchase_amount=D("500"))
    _, _, own = ready_rx(uow_factory, actors, pos)
    _, his_refill, _ = ready_rx(uow_factory, actors, pos, f.METFORMIN_500, patient_id=husband, quantity=60)
    open_bag(qtbot, counter, screen, own)
    assert [r.who.split("\n")[1] for r in page.items.rows] == ["Gonzalez, Maria", "Gonzalez, Jorge (household)"]
    assert [f.name for f in page.identity.dobs] == ["Gonzalez, Maria", "Gonzalez, Jorge"]
    assert page.tender.total_due.text() == "Total due  $49.00"  # $17.00 + 60 x $0.50 + $2.00

    # his bag stays in the bin (Space on his row), then goes back in the sale
    page.items.selectRow(1)
    page.items.setFocus()
    counter.press(Qt.Key.Key_Space)  # the scanner filter holds a printable key a moment (a scan?)
    qtbot.waitUntil(lambda: not screen.cart.take[his_refill], timeout=WAIT)
    wait_priced(qtbot, screen)
    assert page.tender.total_due.text() == "Total due  $17.00" and len(page.identity.dobs) == 1
    assert page.items.rows[1].take is False and page.items.rows[1].copay == "$32.00"  # shown, greyed, not charged
    counter.press(Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: screen.cart.take[his_refill], timeout=WAIT)
    wait_priced(qtbot, screen)
    assert page.tender.total_due.text() == "Total due  $49.00" and len(page.identity.dobs) == 2

    # an item by UPC (scanned), and a code that does not apply
    counter.scan(ASPIRIN_UPC)
    qtbot.waitUntil(lambda: screen.cart.store == {ASPIRIN_UPC: 1}, timeout=WAIT)
    wait_priced(qtbot, screen)
    assert page.items.rows[-1].kind == "store" and page.items.rows[-1].drug.startswith("Aspirin 81 mg 120 ct")
    assert page.tender.total_due.text() == "Total due  $56.03"  # + $6.49 and 8.25 % tax on it ($0.54)
    alt(counter, Qt.Key.Key_O)
    counter.type("BIG50")
    counter.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.tender.discount_status.isVisible(), timeout=WAIT)
    assert page.tender.discount_status.icon_kind == "stop" and "$500.00" in page.tender.discount_status.text()
    assert "discount code that applies" in page.missing.text()
    page.tender.discount.clear()
    counter.press(Qt.Key.Key_Return)  # an empty code takes it off
    wait_priced(qtbot, screen)

    # void the aspirin line (a reason is required)
    page.items.selectRow(2)
    alt(counter, Qt.Key.Key_L)
    assert page.reason.isVisible() and page.reason.hasFocus()
    counter.type("customer changed their mind")
    counter.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.cart.store == {}, timeout=WAIT)
    wait_priced(qtbot, screen)
    assert page.tender.total_due.text() == "Total due  $49.00"

    # both dates of birth, the signature, counseling declined for both
    for field, dob in zip(page.identity.dobs, (DOB, "03/09/1955"), strict=True):
        field.edit.setFocus()
        counter.type(dob)
        counter.press(Qt.Key.Key_Return)
        qtbot.waitUntil(lambda field=field: field.ok, timeout=WAIT)
    alt(counter, Qt.Key.Key_E)  # back to the lines: counseling declined on each (Ctrl+D), Down to the next
    assert page.items.hasFocus()
    page.items.selectRow(0)
    counter.press(Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    counter.press(Qt.Key.Key_Down)
    counter.press(Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert [r.counseling_state for r in page.items.rows] == ["declined", "declined"]
    sign(page.signature.pad.canvas, SIGNATURE)

    # the card is declined first, then $20.00 on a card and the rest in cash
    screen.context.payment_terminal.queue_outcomes("decline")
    alt(counter, Qt.Key.Key_T)
    counter.type("20")
    alt(counter, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: "Declined" in page.tender.message.text(), timeout=WAIT)
    assert "another card" in page.tender.message.text() and page.tender.tenders == []
    alt(counter, Qt.Key.Key_R)  # the amount is still typed: the next card is approved
    qtbot.waitUntil(lambda: len(page.tender.tenders) == 1, timeout=WAIT)
    card = page.tender.tenders[0]
    assert (card.method, card.amount, card.card_last_four, card.seq) == ("credit_card", D("20.00"), "4242", 2)
    assert page.tender.balance.text() == "Remaining  $29.00"
    alt(counter, Qt.Key.Key_M)
    counter.type("30")
    counter.press(Qt.Key.Key_Return)
    assert page.tender.balance.text() == "Change due  $1.00"
    qtbot.waitUntil(page.complete.isEnabled, timeout=WAIT)
    counter.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: screen.completed is not None, timeout=WAIT)

    with uow_factory() as uow:
        sale = uow.session.get(Sale, screen.completed.sale_id)
        assert (sale.total_amount, sale.change_due) == (D("49.00"), D("1.00"))
        tenders = uow.session.scalars(select(SaleTender).where(SaleTender.sale_id == sale.id)).all()
        assert sorted((t.method, t.amount) for t in tenders) == [("cash", D("29.00")), ("credit_card", D("20.00"))]
        bags = uow.session.scalars(select(Pickup).where(Pickup.sale_id == sale.id)).all()
        assert {(b.patient_id, b.picker_relationship) for b in bags} == {
            (pos.patient_id, "self"),
            (husband, "spouse"),
        }
        assert uow.session.get(PrescriptionRefill, his_refill).status == "dispensed"
        [void] = uow.session.scalars(select(SaleVoid)).all()
        assert (void.kind, void.reason, void.amount) == ("line", "customer changed their mind", D("6.49"))


def test_escape_keeps_a_sale_with_payments_and_a_voided_sale_voids_the_card(qtbot, uow_factory, actors, pos):
    """A pharmacist (pos.void) takes a card, Esc refuses to drop the sale, Alt+V voids it and the card."""
    context = AppContext(uow_factory=uow_factory, config=workstation_config(), workstation="test-ws")
    screen = PickupScreen(context, actors["pharmacist"])
    qtbot.addWidget(screen)
    with qtbot.waitActive(screen):
        screen.show()
        screen.activateWindow()
    counter = Counter.on_screen(screen)
    try:
        _, refill_id, number = ready_rx(uow_factory, actors, pos)
        open_bag(qtbot, counter, screen, number)
        alt(counter, Qt.Key.Key_R)
        qtbot.waitUntil(lambda: len(screen.sale.tender.tenders) == 1, timeout=WAIT)
        card_id = screen.sale.tender.tenders[0].transaction_id
        counter.press(Qt.Key.Key_Escape)
        assert screen.cart is not None and "void it" in screen.sale.result.text.text()
        alt(counter, Qt.Key.Key_V)
        counter.press(Qt.Key.Key_Return)  # no reason: nothing voided
        qtbot.waitUntil(lambda: "Say why" in screen.sale.result.text.text(), timeout=WAIT)
        assert screen.cart is not None
        screen.sale.reason.setFocus()
        counter.type("wrong patient")
        counter.press(Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: screen.cart is None, timeout=WAIT)
        assert "Sale voided" in screen.finder.notice.text()
        with uow_factory() as uow:
            [void] = uow.session.scalars(select(SaleVoid)).all()
            assert (void.kind, void.reason, void.amount) == ("sale", "wrong patient", D("17.00"))
            assert uow.session.get(PrescriptionRefill, refill_id).status == "verified"  # still in the bin
            [event] = uow.session.scalars(select(DomainEvent).where(DomainEvent.event_type == "SaleVoided")).all()
            assert event.event_data["card_voids"] == [card_id]  # the approval was voided at the terminal
        assert pickup_service.open_pickup(uow_factory, actors["pharmacist"], pos.patient_id).prescriptions
    finally:
        counter.close()


def test_a_scan_in_the_return_to_stock_list_returns_the_bag(qtbot, uow_factory, actors, pos, counter_screen):
    screen, counter, _ = counter_screen
    rx_id, refill_id, number = ready_rx(uow_factory, actors, pos)
    with uow_factory() as uow:
        uow.session.execute(
            update(Prescription)
            .where(Prescription.id == rx_id)
            .values(ready_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=12))
        )
        uow.commit()
    screen.activate()
    qtbot.waitUntil(lambda: screen.finder.days.value() == 10, timeout=WAIT)  # the pharmacy's setting
    alt(counter, Qt.Key.Key_W)
    qtbot.waitUntil(lambda: [r.rx_number for r in screen.finder.rows] == [number], timeout=WAIT)
    assert screen.finder.return_mode and "RETURN TO STOCK" in screen.finder.prompt.label.text()
    counter.scan(number)
    qtbot.waitUntil(lambda: screen.returned is not None, timeout=WAIT)
    assert screen.cart is None  # the scan returned the bag; it did not open a sale
    qtbot.waitUntil(lambda: screen.finder.rows == [], timeout=WAIT)  # the list reloaded without it ...
    assert f"Rx {number} returned to stock" in screen.finder.notice.text()  # ... and says what happened
    with uow_factory() as uow:
        assert uow.session.get(Prescription, rx_id).status == "on_hold"
        assert uow.session.get(PrescriptionRefill, refill_id).status == "returned"
    counter.press(Qt.Key.Key_Escape)  # leaves the return-to-stock list: a scan opens pickups again
    assert not screen.finder.return_mode


def test_counseling_sign_off_by_badge_scan_and_a_technician_cannot_sign_off(
    qtbot, uow_factory, actors, pos, counter_screen
):
    """The pharmacist's badge scanned into the sign-off dialog counsels; a technician's PIN is refused
    (counseling is a pharmacist's), and Esc leaves the offer open."""
    from pharmacy_desktop.services import accounts

    screen, counter, _ = counter_screen
    tech, rph = actors["technician"], actors["pharmacist"]
    accounts.set_badge(uow_factory, rph, rph.user_id, "BADGE-RPH-0042")
    auth.set_pin(uow_factory, tech, "1357")
    _, _, number = ready_rx(uow_factory, actors, pos)
    open_bag(qtbot, counter, screen, number)
    counter.press(Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: screen.signoff is not None and screen.signoff.isVisible(), timeout=WAIT)
    dialog = screen.signoff
    counter.type("1357")
    counter.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "not a pharmacist" in dialog.error.text(), timeout=WAIT)
    assert dialog.isVisible() and screen.sale.items.rows[0].counseling_state == "needed"
    counter.scan("BADGE-RPH-0042")
    qtbot.waitUntil(lambda: screen.sale.items.rows[0].counseling_state == "accepted", timeout=WAIT)
    assert not dialog.isVisible() and screen.actor is tech
    assert screen.cart.counsel[screen.cart.view.prescriptions[0].refill_id].counselor.user_id == rph.user_id


def test_a_card_that_timed_out_is_tried_again_under_the_same_reference(qtbot, uow_factory, actors, pos, counter_screen):
    screen, counter, _ = counter_screen
    terminal = screen.context.payment_terminal
    _, _, number = ready_rx(uow_factory, actors, pos)
    open_bag(qtbot, counter, screen, number)
    terminal.queue_outcomes("timeout")
    alt(counter, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: "No answer from the card terminal" in screen.sale.tender.message.text(), timeout=WAIT)
    assert "nothing was charged" in screen.sale.tender.message.text() and screen.sale.tender.tenders == []
    alt(counter, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: len(screen.sale.tender.tenders) == 1, timeout=WAIT)
    assert screen.sale.tender.tenders[0].seq == 1  # the same reference as the attempt that timed out
    assert terminal.captures == 1 and screen.sale.tender.balance.text() == "Paid in full"


def test_tender_panel_cash_change_check_split_and_limits(qtbot):
    """The tender panel alone: what it refuses, and what a split leaves to pay."""
    from pharmacy_desktop.ui.widgets.pickup_tender import TenderPanel

    panel = TenderPanel()
    qtbot.addWidget(panel)
    panel.set_totals([("Goods and fees", "$23.45")], D("23.45"))
    panel.check.setText("12a")
    panel.add_check()
    assert "check number" in panel.message.text() and panel.tenders == []
    panel.amount.setText("30")
    panel.check.setText("1001")
    panel.add_check()
    assert "Only $23.45 remains" in panel.message.text() and panel.tenders == []
    panel.amount.setText("10.00")
    panel.add_check()
    assert [(t.method, t.amount, t.check_number) for t in panel.tenders] == [("check", D("10.00"), "1001")]
    assert panel.balance.text() == "Remaining  $13.45"
    panel.cash.setText("abc")
    panel.add_cash()
    assert "cash the customer gave" in panel.message.text()
    panel.cash.setText("5")
    panel.add_cash()  # less than what remains: a part payment, no change
    assert panel.balance.text() == "Remaining  $8.45" and panel.change_due() == D("0.00")
    panel.cash.setText("$20")
    panel.add_cash()
    assert panel.balance.text() == "Change due  $11.55" and panel.fully_paid()
    panel.cash.setText("1")
    panel.add_cash()
    assert "Nothing remains" in panel.message.text() and len(panel.tenders) == 3
    panel.gate = lambda: "Record the picker's ID first."
    panel.remove_tender(2)
    panel.cash.setText("20")
    panel.add_cash()
    assert panel.message.text() == "Record the picker's ID first." and len(panel.tenders) == 2


def test_a_bag_sold_at_another_workstation_meanwhile_is_refused_here(qtbot, uow_factory, actors, pos, counter_screen):
    """Two counters have the same bag open; the other one completes first: here Complete is refused,
    nothing is sold twice, and the screen shows the bag is gone."""
    from tests.pos.test_sale import priced
    from tests.pos.test_sale import request_for as other_counter

    screen, counter, _ = counter_screen
    page = screen.sale
    _, _, number = ready_rx(uow_factory, actors, pos)
    open_bag(qtbot, counter, screen, number)
    page.identity.dobs[0].edit.setText(DOB)
    screen.check_dob(pos.patient_id, DOB)
    qtbot.waitUntil(lambda: page.identity.dobs[0].ok, timeout=WAIT)
    counter.press(Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    sign(page.signature.pad.canvas, SIGNATURE)
    alt(counter, Qt.Key.Key_M)
    counter.type("20")
    counter.press(Qt.Key.Key_Return)
    qtbot.waitUntil(page.complete.isEnabled, timeout=WAIT)

    view = pickup_service.open_pickup(uow_factory, actors["pharmacist"], pos.patient_id)
    request = priced(uow_factory, actors["pharmacist"], other_counter(pos, view))
    first = sale_service.complete_sale(
        uow_factory,
        actors["pharmacist"],
        dataclasses.replace(request, tenders=(sale_service.TenderIn("cash", request.expected_patient_pay),)),
    )

    counter.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.result.isVisible() and "another workstation" in page.result.text.text(), timeout=WAIT)
    assert screen.completed is None and screen.cart is not None
    qtbot.waitUntil(lambda: screen.quoting == 0 and "no longer waiting" in page.missing.text(), timeout=WAIT)
    assert not page.complete.isEnabled()
    with uow_factory() as uow:
        assert [s.id for s in uow.session.scalars(select(Sale)).all()] == [first.sale_id]
