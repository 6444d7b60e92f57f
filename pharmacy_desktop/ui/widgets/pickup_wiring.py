"""How the pickup screen's parts are connected: its keys, the panels' signals, what is still
missing before a sale may complete, and the full ``SaleRequest`` sent at completion.

Kept apart from ``ui/screens/pickup.py`` so the screen holds only the flow (open, quote, tenders,
voids, completion).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pharmacy_desktop.domain.money import format_money
from pharmacy_desktop.services.sale import Picker, PickerId, SaleRequest, TenderIn
from pharmacy_desktop.ui.widgets.pickup_cart import Cart
from pharmacy_desktop.ui.widgets.pickup_sale import SalePage
from pharmacy_desktop.ui.widgets.pickup_tender import TenderLine

if TYPE_CHECKING:
    from pharmacy_desktop.ui.screens.pickup import PickupScreen


def wire_keys(screen: PickupScreen, shortcut: Callable[[Any, str, Callable[[], Any]], Any]) -> None:
    """The screen's own keys (label mnemonics add Alt+D, Alt+P, Alt+Y and the pad's Alt+C). The sale
    page's keys do nothing before the page is built (no bag can be open then): they never build it."""

    def on_page(act: Callable[[SalePage], Any]) -> Callable[[], None]:
        def run() -> None:
            page = screen.built_sale()
            if page is not None:
                act(page)

        return run

    keys: list[tuple[str, Callable[[], Any]]] = [
        ("Alt+N", screen.focus_search),
        ("Alt+B", screen.focus_bins),
        ("Alt+W", screen.show_stale),
        ("Escape", screen.escape_pressed),
        ("Ctrl+R", screen.refresh),
        ("Alt+E", on_page(lambda page: page.items.setFocus())),
        ("Ctrl+K", screen.counsel_accepted),
        ("Ctrl+D", screen.counsel_declined),
        ("Alt+G", on_page(lambda page: page.signature.pad.setFocus())),
        ("Alt+I", on_page(lambda page: page.store_upc.setFocus())),
        ("Alt+O", on_page(lambda page: page.tender.discount.setFocus())),
        ("Alt+T", on_page(lambda page: page.tender.amount.setFocus())),
        ("Alt+M", on_page(lambda page: page.tender.cash.setFocus())),
        ("Alt+R", on_page(lambda page: page.tender.request_card())),
        ("Alt+K", on_page(lambda page: page.tender.check.setFocus())),
        ("Alt+L", lambda: screen.payments.start_void("line")),
        ("Alt+V", lambda: screen.payments.start_void("sale")),
        # F12 locks the workstation (the shell's): completing is Ctrl+Enter only
        ("Ctrl+Return", screen.complete),
        ("Ctrl+Enter", screen.complete),
    ]
    for sequence, slot in keys:
        shortcut(screen, sequence, slot)


def wire_page(screen: PickupScreen, page: SalePage) -> None:
    """The sale page's signals to the screen, once the page is whole."""
    page.items.take_changed.connect(screen.set_take)
    page.identity.dob_entered.connect(screen.check_dob)
    page.identity.changed.connect(screen.update_missing)
    page.signature.pad.changed.connect(screen.update_missing)
    page.tender.tenders_changed.connect(screen.update_missing)
    page.tender.discount_entered.connect(screen.apply_discount)
    page.tender.card_requested.connect(screen.payments.take_card)
    page.tender.remove_requested.connect(screen.payments.remove_tender)
    page.store_upc.returnPressed.connect(lambda: screen.add_store_item(page.store_upc.text()))
    page.reason.returnPressed.connect(screen.payments.confirm_void)
    page.accept_counsel.clicked.connect(screen.counsel_accepted)
    page.decline_counsel.clicked.connect(screen.counsel_declined)
    page.void_line.clicked.connect(lambda: screen.payments.start_void("line"))
    page.void_sale.clicked.connect(lambda: screen.payments.start_void("sale"))
    page.close_button.clicked.connect(screen.escape_pressed)
    page.complete.clicked.connect(screen.complete)


def missing_for(cart: Cart, page: SalePage, *, pricing: bool) -> list[str]:
    """What still stops the sale, in the order the cashier gets to it."""
    missing: list[str] = []
    if cart.is_empty():
        return ["something to sell: take a prescription (Space) or scan an item"]
    quote = cart.quote
    if pricing or quote is None:
        missing.append("the price (being worked out)")
    else:
        missing += list(quote.problems)
        if cart.discount_code and quote.discount_refused:
            missing.append("a discount code that applies (or clear the code)")
    if cart.taken():
        missing += page.identity.missing()
        missing += cart.missing_counseling()
    if page.signature.pad.problem() is not None:
        missing.append("signature")
    if quote is not None and not pricing:
        paid, due = page.tender.paid(), quote.patient_pay
        if paid < due:
            missing.append(f"payment ({format_money(due - paid)} to pay)")
        elif paid > due:
            missing.append(f"tenders {format_money(paid - due)} more than the total: remove one (Delete in the list)")
    return missing


def tender_refused(cart: Cart | None, page: SalePage) -> str | None:
    """No money is taken for a controlled substance before the picker's ID is recorded."""
    if cart is None or not cart.schedules():
        return None
    missing = [m for m in page.identity.missing() if "ID" in m]
    if missing:
        return f"Record the picker's ID first ({', '.join(missing)}; Alt+Y): a controlled substance is in the bag."
    return None


def tender_in(t: TenderLine) -> TenderIn:
    return TenderIn(
        method=t.method,
        amount=t.amount,
        cash_tendered=t.cash_tendered,
        transaction_id=t.transaction_id,
        card_last_four=t.card_last_four,
        auth_code=t.auth_code,
        check_number=t.check_number,
    )


def request_for(cart: Cart, page: SalePage) -> SaleRequest:
    """The whole cart as ``complete_sale`` takes it: identity, counseling, signature, tenders, and the
    total the screen showed."""
    view, identity = cart.view, page.identity
    picker = None
    choice = identity.chosen_picker()
    if cart.taken() and choice is not None:
        pid = identity.picker_id()
        ident = PickerId(pid.id_type, pid.number, pid.state, pid.expiry) if pid is not None else None
        picker = Picker(choice.name, choice.relationship, choice.patient_id, ident)
    household = tuple((pid, identity.typed_dob(pid)) for pid, _ in cart.patients()[1:])
    return cart.request(
        birth_date=identity.typed_dob(view.patient_id),
        household_birth_dates=household,
        picker=picker,
        tenders=tuple(tender_in(t) for t in page.tender.tenders),
        signature_png=page.signature.pad.png_bytes(),
        acknowledged_receipt=True,  # what the signature acknowledges (the text above the pad)
        acknowledged_counseling=cart.counseling_offered(),
        acknowledged_privacy_notice=not view.privacy_notice_acknowledged,
        expected_patient_pay=cart.quote.patient_pay if cart.quote is not None else None,
    )
