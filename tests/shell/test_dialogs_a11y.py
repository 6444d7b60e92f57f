"""Accessibility of the dialogs and small decisions of a working day, opened where people meet them
(issue 18 item 4): the shell on the demo pharmacy at 1280x800, driven by F-keys, keys and scans
(tests/ui_fit/states.py), and the checks of tests/shell/test_accessibility.py (``ui/a11y_check``):
every control named, Tab reaches each control and leaves again (no trap), the focus is painted, no
status by colour alone.

- the override dialog of a hard stop in review (Alt+O);
- the lot question at fill (a bottle scanned without its lot while several lots are on the shelf);
- the pharmacist's sign-off for counseling at pickup (Ctrl+K: PIN or badge);
- the void of a sale (Alt+V): its reason asked on the sale page, the whole sale page checked;
- the approval of a stock adjustment (inventory, Adjustments: the queue, the note, approve/reject).

Refunds have no screen yet (services/refunds.py only), so no refund dialog is reachable. One shell per role; each state is left without writing anything.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from pharmacy_desktop.services import adjustments, auth, inventory_view
from pharmacy_desktop.ui.screenshots import settle
from tests.shell.test_accessibility import check_all
from tests.ui_fit.states import WAIT, WORKSTATION, Counter, demo_on, go, make_context, open_counter

pytestmark = [pytest.mark.ui, pytest.mark.db]

DISPLAY = (1280, 800)


@pytest.fixture(scope="module")
def demo(demo_module_url):
    with demo_on(demo_module_url) as demo:
        yield demo


@pytest.fixture
def shell(qtbot, app_look, demo):
    """(window, counter, work) for a role at DISPLAY; the scanner removed afterwards."""
    factory, url, accounts, work = demo
    made: list[Counter] = []

    def make(role: str):
        actor = auth.actor_for(factory, accounts[role], WORKSTATION)
        window = open_counter(qtbot, make_context(factory, url), actor, DISPLAY)
        counter = Counter(window)
        made.append(counter)
        return window, counter, work

    yield make
    for counter in made:
        counter.close()
        counter.window.close()


def dialog_active(qtbot, dialog: QWidget) -> None:
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=WAIT)
    settle(minimum=0.1)


def back_to(qtbot, window) -> None:
    """The shell active again after a dialog (the window system's F-keys reach it)."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=WAIT)
    settle(minimum=0.1)


def test_the_override_lot_question_and_sign_off_dialogs(qtbot, shell):
    window, counter, work = shell("pharmacist")
    problems: dict[str, list[str]] = {}

    # review: the hard stop's override dialog (Alt+O on the highlighted alert)
    review = go(counter, Qt.Key.Key_F3, "ReviewScreen")
    qtbot.waitUntil(lambda: any(r.rx_number == work.review_rx for r in review.rows), timeout=WAIT)
    counter.press(Qt.Key.Key_Q, Qt.KeyboardModifier.AltModifier)  # the queue
    assert review.queue.hasFocus()
    target = next(i for i, r in enumerate(review.rows) if r.rx_number == work.review_rx)
    for _ in range(30):
        row = review.queue.currentIndex().row()
        if row == target:
            break
        counter.press(Qt.Key.Key_Down if row < target else Qt.Key.Key_Up)
    qtbot.waitUntil(lambda: review.detail is not None and review.detail.rx_number == work.review_rx, timeout=WAIT)
    counter.press(Qt.Key.Key_Tab)
    hard = next(a for a in review.detail.open_alerts if a.needs_override)
    row = review.detail.alerts.index(hard)
    while review.alerts.currentRow() != row:
        counter.press(Qt.Key.Key_Down if review.alerts.currentRow() < row else Qt.Key.Key_Up)
    counter.press(Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: review.override_dialog is not None and review.override_dialog.isVisible(), timeout=WAIT)
    dialog = review.override_dialog
    dialog_active(qtbot, dialog)
    problems["override dialog"] = check_all(qtbot, dialog)
    dialog.reject()
    qtbot.waitUntil(lambda: review.override_dialog is None, timeout=WAIT)
    back_to(qtbot, window)

    # fill: a bottle scanned without its lot, several lots on the shelf: the lot question
    fill = go(counter, Qt.Key.Key_F5, "FillScreen")
    counter.scan("RX" + work.fill_rx)
    qtbot.waitUntil(lambda: fill.view is not None and fill.view.rx_number == work.fill_rx, timeout=WAIT)
    counter.scan(work.fill_bottle)
    qtbot.waitUntil(lambda: fill.check is not None, timeout=WAIT)
    assert fill.lot_picker.isVisible(), "the demo's bottle has one lot on the shelf: no lot question to look at"
    problems["fill's lot question"] = check_all(qtbot, fill.work_page, fill.lot_picker)
    counter.press(Qt.Key.Key_Escape)  # the question dismissed
    counter.press(Qt.Key.Key_Escape)  # the prescription closed, nothing filled

    # pickup: counseling accepted (Ctrl+K): the pharmacist's PIN or badge in a small dialog
    pickup = go(counter, Qt.Key.Key_F7, "PickupScreen")
    counter.scan(work.bag_label)
    qtbot.waitUntil(lambda: pickup.cart is not None and pickup.cart.quote is not None, timeout=WAIT)
    counter.press(Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: pickup.signoff is not None and pickup.signoff.isVisible(), timeout=WAIT)
    signoff = pickup.signoff
    dialog_active(qtbot, signoff)
    problems["pharmacist sign-off"] = check_all(qtbot, signoff)
    signoff.reject()
    qtbot.waitUntil(lambda: pickup.signoff is None, timeout=WAIT)
    back_to(qtbot, window)
    # the sale voided (Alt+V): the reason is asked on the sale page itself
    counter.press(Qt.Key.Key_V, Qt.KeyboardModifier.AltModifier)
    reason = pickup.sale.reason
    qtbot.waitUntil(lambda: reason.isVisible() and reason.hasFocus(), timeout=WAIT)
    problems["the void question on the sale page"] = check_all(qtbot, pickup.sale, reason)
    reason.setFocus()
    counter.press(Qt.Key.Key_Escape)  # not voided
    counter.press(Qt.Key.Key_Escape)  # the sale closed

    found = {what: p for what, p in problems.items() if p}
    assert not found, "\n".join(f"{what}:\n  " + "\n  ".join(p) for what, p in found.items())


def test_the_adjustment_approval(qtbot, shell, demo):
    from pharmacy_desktop.ui.widgets.inventory_adjustments import AdjustmentsPage

    factory, _, accounts, _ = demo
    tech = auth.actor_for(factory, accounts["technician"], WORKSTATION)
    inventory_view.refresh_summary(factory)  # as the stock page does when shown (no screen has been, here)
    rows = inventory_view.search_stock(factory, tech, inventory_view.StockQuery(controlled=True)).rows
    item = max(rows, key=lambda r: r.on_hand)  # a controlled one always waits for approval
    assert item.on_hand >= 2, [(r.drug_name, r.on_hand) for r in rows]
    requested = adjustments.request_adjustment(
        factory, tech, item_id=item.item_id, adjustment_type="damage", change=Decimal(-2), reason="bottle dropped"
    )
    assert requested.status == "pending"

    role = next(
        r
        for r in ("pharmacist", "manager")
        if auth.actor_for(factory, accounts[r], WORKSTATION).can(adjustments.APPROVE)
    )
    window, counter, _ = shell(role)
    inventory = go(counter, Qt.Key.Key_F8, "InventoryScreen")
    counter.press(Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)
    page = inventory.page(AdjustmentsPage)
    assert inventory.current_page() is page
    qtbot.waitUntil(lambda: any(p.id == requested.id for p in page.pending), timeout=WAIT)
    counter.press(Qt.Key.Key_W, Qt.KeyboardModifier.AltModifier)  # the queue
    assert page.queue.hasFocus()
    row = next(i for i, p in enumerate(page.pending) if p.id == requested.id)
    while page.queue.currentRow() != row:
        counter.press(Qt.Key.Key_Down if page.queue.currentRow() < row else Qt.Key.Key_Up)
    assert page.selected() is not None and page.selected().id == requested.id
    approval = page.queue.parentWidget()  # the box: the queue, the note, approve and reject
    problems = check_all(qtbot, approval, page.queue)
    assert not problems, "adjustment approval:\n  " + "\n  ".join(problems)
