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

from pharmacy_desktop.services import adjustments, auth, inventory_view
from tests.shell.test_accessibility import check_all
from tests.ui_fit import states
from tests.ui_fit.states import WAIT, WORKSTATION, counters, demo_on, go

pytestmark = [pytest.mark.ui, pytest.mark.db]

DISPLAY = (1280, 800)


@pytest.fixture(scope="module")
def demo(demo_module_url):
    with demo_on(demo_module_url) as demo:
        yield demo


@pytest.fixture
def shell(qtbot, app_look, demo):
    """(window, counter, work) for a role at DISPLAY; the scanner removed afterwards."""
    with counters(qtbot, demo) as make:
        yield lambda role: (*make(role, DISPLAY), demo[3])


def test_the_override_lot_question_and_sign_off_dialogs(qtbot, shell):
    window, counter, work = shell("pharmacist")
    problems: dict[str, list[str]] = {}

    # review: the hard stop's override dialog (Alt+O on the highlighted alert)
    review = states.open_review(counter, work.review_rx)
    dialog = states.open_override(counter, review)
    states.activate(counter, dialog)
    problems["override dialog"] = check_all(qtbot, dialog)
    dialog.reject()
    counter.wait(lambda: review.override_dialog is None, "the override dialog closed")
    states.activate(counter, window)

    # fill: a bottle scanned without its lot, several lots on the shelf: the lot question
    fill = states.open_for_fill(counter, work.fill_rx)
    counter.scan(work.fill_bottle)
    counter.wait(lambda: fill.check is not None, "the bottle checked")
    assert fill.lot_picker.isVisible(), "the demo's bottle has one lot on the shelf: no lot question to look at"
    problems["fill's lot question"] = check_all(qtbot, fill.work_page, fill.lot_picker)
    counter.press(Qt.Key.Key_Escape)  # the question dismissed
    counter.press(Qt.Key.Key_Escape)  # the prescription closed, nothing filled

    # pickup: counseling accepted (Ctrl+K): the pharmacist's PIN or badge in a small dialog
    pickup = states.will_call(counter)
    states.open_bag(counter, pickup, work.bag_label)
    signoff = states.open_signoff(counter, pickup)
    states.activate(counter, signoff)
    problems["pharmacist sign-off"] = check_all(qtbot, signoff)
    signoff.reject()
    counter.wait(lambda: pickup.signoff is None, "the sign-off closed")
    states.activate(counter, window)
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
    # the stock list (inventory_summary) as the demo load left it: refreshed at its end
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
    counter.to_row(page.queue.currentRow, row)
    assert page.selected() is not None and page.selected().id == requested.id
    approval = page.queue.parentWidget()  # the box: the queue, the note, approve and reject
    problems = check_all(qtbot, approval, page.queue)
    assert not problems, "adjustment approval:\n  " + "\n  ".join(problems)
