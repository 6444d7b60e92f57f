"""The pickup screen (F7) driven the way the counter drives it: a wedge scanner and the keyboard, the
signature drawn by simulated mouse moves. Against the real PostgreSQL (``pos`` fixture: the billing
invariants are checked after each test), the receipt sent to a fake TCP printer and read back."""

from __future__ import annotations

import io
import os
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from sqlalchemy import select

from pharmacy_desktop.db.models.billing import Invoice, Payment, Sale, SaleTender
from pharmacy_desktop.db.models.prescriptions import Pickup, PickupItem, Prescription, PrescriptionRefill
from pharmacy_desktop.services import auth
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.screens.pickup import PickupScreen
from tests.escpos_parse import parse
from tests.fill import factories as f
from tests.fill.ui_helpers import Counter
from tests.pos.conftest import insure, ready_rx
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
    counter = Counter(screen)
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
    counter.type("10")
    counter.press(Qt.Key.Key_Return)
    assert page.tender.balance.text() == "Change due  $2.00"
    qtbot.waitUntil(page.complete.isEnabled, timeout=WAIT)
    assert page.missing.text().startswith("✔")
    counter.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: screen.completed is not None, timeout=WAIT)
    result = screen.completed
    assert screen.pages.currentWidget() is screen.finder and screen.cart is None
    assert f"Sale {result.sale_number} complete" in screen.finder.headline.text()
    assert "Change due $2.00" in screen.finder.headline.text()

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
