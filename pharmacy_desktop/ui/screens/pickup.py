"""F7 Pickup: find the bag (scan its label, type the patient's name, or pick a bin), then hand it
over: take or leave each prescription, date of birth, who picks up, ID for controlled
substances, counseling, signature, payment; the receipt goes to the print queue.

Will-call is the find page of this screen: the bins, what waits in each, and the bags waiting
longer than the pharmacy's return-to-stock days (Alt+W), returned with one scan per bag.

The cart lives here until the sale completes (``ui/widgets/pickup_cart.py``); every change asks
the server for a new quote, and completion sends the whole cart (``services/sale.py``).
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from pharmacy_desktop.domain.barcodes import rx_number_from_scan
from pharmacy_desktop.domain.money import format_money
from pharmacy_desktop.domain.places import Place
from pharmacy_desktop.domain.workflow import Permission
from pharmacy_desktop.services import cosign, pickup, return_to_stock, sale
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.pickup import BirthDateCheck, PickupView
from pharmacy_desktop.services.printer_settings import printer_settings_from
from pharmacy_desktop.services.return_to_stock import ReturnResult
from pharmacy_desktop.services.sale import SaleQuote, SaleRefused, SaleResult
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.keys import key_for
from pharmacy_desktop.ui.ops import run_in_background, user_message
from pharmacy_desktop.ui.screens.queue_screen import LiveScreen
from pharmacy_desktop.ui.widgets.fill_common import shortcut
from pharmacy_desktop.ui.widgets.pickup_cart import Cart, Counsel, totals_lines
from pharmacy_desktop.ui.widgets.pickup_find import FindPanel
from pharmacy_desktop.ui.widgets.pickup_identity import PickerChoice
from pharmacy_desktop.ui.widgets.pickup_payments import Payments
from pharmacy_desktop.ui.widgets.pickup_sale import LaterSalePage, SalePage
from pharmacy_desktop.ui.widgets.pickup_signoff import PharmacistSignOff
from pharmacy_desktop.ui.widgets.pickup_wiring import (
    missing_for,
    request_for,
    tender_refused,
    wire_keys,
    wire_page,
)


class PickupScreen(LiveScreen):
    key = key_for(Place.PICKUP)
    title = "Pickup"
    permission = Permission.DISPENSE
    change_topics = ("prescriptions", "will_call", "sales")
    help_keys = (
        ("Scan", "the bag or vial label: that patient's pickup; a store item's UPC adds it to the sale"),
        ("Alt+N / Alt+B", "find by patient name / the bins; Enter opens the selected bag"),
        ("Alt+W", "return to stock: bags waiting longer than the days shown; scan each bag"),
        ("Alt+E, Space", "the lines; take / leave the selected prescription (left ones stay in the bin)"),
        ("Alt+D", "date of birth as the person at the counter says it, Enter"),
        ("Alt+P / Alt+Y", "who picks up / the picker's ID (controlled substances)"),
        ("Ctrl+K / Ctrl+D", "counseling accepted (pharmacist's PIN or badge) / declined"),
        ("Alt+G / Alt+C", "the signature pad / clear it"),
        ("Alt+I / Alt+O", "a store item's UPC / discount code"),
        ("Alt+T, Alt+M, Alt+R, Alt+K", "tender amount, cash given, card, check number"),
        ("Alt+L / Alt+V", "void the selected line / the whole sale (with a reason)"),
        ("Ctrl+Enter", "complete the sale (when nothing is missing)"),
        ("Esc", "back to will-call / cancel"),
    )

    def __init__(self, context: AppContext, actor: Actor, parent: QWidget | None = None):
        super().__init__(context, actor, parent)
        self.cart: Cart | None = None
        self.quoting = 0  # quotes in flight: only the newest one is shown
        self.busy = False
        self.completed: SaleResult | None = None
        self.returned: ReturnResult | None = None
        self.signoff: PharmacistSignOff | None = None  # the pharmacist's sign-off dialog, while open
        self.finder = FindPanel(context, actor)
        self.finder.open_requested.connect(self.open_patient)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.finder)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.pages)
        self.payments = Payments(self)
        # the sale page is built a part per idle turn once will-call shows (or whole, the first time
        # anything needs it): will-call's first showing does not pay for it
        self.sale_later = LaterSalePage(self.pages, self._wire_sale)
        wire_keys(self, shortcut)

    @property
    def sale(self) -> SalePage:
        """The sale page, whole and wired (built now if the idle turns have not finished it yet)."""
        return self.sale_later.whole()

    def built_sale(self) -> SalePage | None:
        """The sale page if it is whole (None before: nothing on it can be open yet)."""
        return self.sale_later.built()

    def _wire_sale(self, page: SalePage) -> None:
        page.tender.gate = lambda: tender_refused(self.cart, page)
        wire_page(self, page)

    # -- shell hooks ------------------------------------------------------------------------------

    def set_actor(self, actor: Actor) -> None:
        super().set_actor(actor)
        self.finder.actor = actor
        if self.cart is not None and not self.sale.tender.tenders:
            self.close_sale()  # what someone else opened never counts for the next user

    def clear_sensitive(self) -> None:
        self.finder.clear()
        if self.cart is not None and not self.sale.tender.tenders:
            self.close_sale()

    def on_change(self, notice: dict[str, Any]) -> None:
        if not self.isVisible():
            return
        if self.cart is None:
            super().on_change(notice)
        elif notice.get("topic") in ("prescriptions", "sales", "will_call") and not self.busy:
            self.requote()  # a bag sold or returned at another workstation shows up as a problem now

    def refresh(self) -> None:
        if self.pages.currentWidget() is self.finder:
            self.finder.refresh()
        elif self.cart is not None:
            self.requote()

    def activate(self) -> None:
        super().activate()
        self.sale_later.start()
        actor = self.actor
        run_in_background(
            self, lambda: return_to_stock.return_days(self.context.uow_factory, actor), self.finder.days.setValue
        )

    # -- find page --------------------------------------------------------------------------------

    def focus_search(self) -> None:
        if self.cart is None:
            self.finder.search.setFocus()
            self.finder.search.selectAll()

    def focus_bins(self) -> None:
        if self.cart is None:
            self.finder.bin_table.setFocus()

    def show_stale(self) -> None:
        if self.cart is None:
            self.finder.show_stale()

    def handle_scan(self, text: str) -> bool:
        if self.cart is None and self.finder.return_mode:
            self._return_bag(text)
        elif self.cart is None:
            uow_factory, actor = self.context.uow_factory, self.actor
            self._open(lambda: pickup.find_by_scan(uow_factory, actor, text))
        elif rx_number_from_scan(text) is not None and len(text.strip()) < 11:
            self._scan_in_sale(text)
        else:
            self.add_store_item(text)
        return True

    def _scan_in_sale(self, text: str) -> None:
        assert self.cart is not None
        number = rx_number_from_scan(text)
        found = next((rx for rx in self.cart.view.prescriptions if rx.rx_number == number), None)
        if found is None:
            self.sale.result.show_result(
                "warning", f"Rx {number} is not in this pickup. Finish or close this sale first."
            )
        else:
            self.cart.take[found.refill_id] = True
            self.sale.result.show_result("info", f"Rx {number} is in this pickup (taken).")
            self._cart_changed()

    def open_patient(self, patient_id: uuid.UUID) -> None:
        uow_factory, actor = self.context.uow_factory, self.actor
        self._open(lambda: pickup.open_pickup(uow_factory, actor, patient_id))

    def _open(self, fn: Any) -> None:
        self.sale_later.hurry()  # the sale page's last parts in the turns while the bag is looked up
        run_in_background(
            self, fn, self._show_view, lambda e: self.finder.show_problem(user_message(e)), busy_message="Opening…"
        )

    def _return_bag(self, text: str) -> None:
        actor, adjudicator = self.actor, self.context.adjudicator
        run_in_background(
            self,
            lambda: return_to_stock.return_to_stock(self.context.uow_factory, actor, adjudicator, text),
            self._returned,
            lambda e: self.finder.show_problem(user_message(e)),
            busy_message="Returning to stock…",
        )

    def _returned(self, result: ReturnResult) -> None:
        self.returned = result
        self.finder.show_stale()
        self.finder.show_done(result.message)

    # -- the sale: open, quote, show --------------------------------------------------------------

    def _show_view(self, view: PickupView) -> None:
        self.finder.show_done("")
        if not view.prescriptions:
            self.finder.show_problem(f"Nothing is waiting for {view.patient_name}.")
            return
        self.cart = Cart(view)
        self.completed = None
        self.sale.reset(view.patient_name, sorted({rx.bin_code or "—" for rx in view.prescriptions}))
        pickers = [PickerChoice(p.name, p.relationship, p.patient_id) for p in view.pickers]
        self.sale.identity.reset(pickers)
        self.pages.setCurrentWidget(self.sale)
        self._cart_changed()
        self.sale.items.setFocus()

    def _cart_changed(self) -> None:
        cart = self.cart
        assert cart is not None
        self.sale.identity.set_patients(cart.patients())
        schedules = cart.schedules()
        self.sale.identity.set_controlled(bool(schedules), schedules)
        privacy = not cart.view.privacy_notice_acknowledged
        self.sale.signature.set_acknowledgements(cart.counseling_offered(), privacy)
        self.sale.show_rows(cart.rows())
        self.requote()

    def requote(self) -> None:
        cart, actor = self.cart, self.actor
        if cart is None:
            return
        self.quoting += 1
        ticket, request = self.quoting, cart.request()
        self.update_missing()
        run_in_background(
            self,
            lambda: sale.quote_sale(self.context.uow_factory, actor, request),
            lambda quote: self._show_quote(ticket, cart, quote),
            lambda exc: self._quote_failed(ticket, exc),
            busy_message="Pricing…",
        )

    def _show_quote(self, ticket: int, cart: Cart, quote: SaleQuote) -> None:
        if ticket != self.quoting or cart is not self.cart:
            return  # a newer quote is on its way, or the sale was closed
        self.quoting = 0
        cart.quote = quote
        self.sale.show_rows(cart.rows())
        self.sale.tender.set_totals(totals_lines(quote), quote.patient_pay)
        if cart.discount_code:
            refused = quote.discount_refused
            self.sale.tender.set_discount_status(
                refused is None, refused or f"{cart.discount_code}: −{format_money(quote.discount)}"
            )
        self.update_missing()

    def _quote_failed(self, ticket: int, exc: Exception) -> None:
        if ticket == self.quoting:
            self.quoting = 0
            self.sale.result.show_result("problem", user_message(exc))
            self.update_missing()

    def update_missing(self) -> None:
        if self.cart is not None:
            self.sale.show_missing(missing_for(self.cart, self.sale, pricing=self.quoting > 0))

    # -- lines ------------------------------------------------------------------------------------

    def set_take(self, refill_id: uuid.UUID, take: bool) -> None:
        if self.cart is not None:
            self.cart.take[refill_id] = take
            self._cart_changed()

    def add_store_item(self, text: str) -> None:
        cart, actor = self.cart, self.actor
        if cart is None:
            return
        run_in_background(
            self,
            lambda: sale.scan_store_item(self.context.uow_factory, actor, text),
            lambda item: self._store_item_found(cart, item.upc, item.name),
            lambda exc: self.sale.result.show_result("problem", user_message(exc)),
            busy_message="Looking up the item…",
        )

    def _store_item_found(self, cart: Cart, upc: str, name: str) -> None:
        if cart is self.cart:
            cart.store[upc] = cart.store.get(upc, 0) + 1
            self.sale.store_upc.clear()
            self.sale.result.show_result("info", f"Added {name}.")
            self._cart_changed()

    def apply_discount(self, code: str) -> None:
        if self.cart is not None:
            self.cart.discount_code = code
            if not code:
                self.sale.tender.set_discount_status(None, "")
            self.requote()

    # -- counseling -------------------------------------------------------------------------------

    def counsel_accepted(self) -> None:
        cart, actor = self.cart, self.actor
        row = self.sale.items.current() if cart is not None else None
        if cart is None or row is None or row.kind != "rx":
            return
        rx = cart.rx(row.key)  # type: ignore[arg-type]
        assert rx is not None
        context = self.context

        def check(credential: str, method: str) -> Actor:
            return cosign.pharmacist_signoff(context.uow_factory, credential, method, context.workstation, actor)

        dialog = PharmacistSignOff(f"Rx {rx.rx_number} — {rx.drug}", check, self)
        dialog.accepted.connect(lambda: self._counseled(rx.refill_id, Counsel("accepted", dialog.result_value)))
        dialog.finished.connect(lambda _result: self._back_from_dialog())
        dialog.open()
        self.signoff = dialog

    def _back_from_dialog(self) -> None:
        self.signoff = None
        self.window().activateWindow()  # the keys work on this screen again at once
        self.sale.items.setFocus()

    def counsel_declined(self) -> None:
        row = self.sale.items.current() if self.cart is not None else None
        if self.cart is not None and row is not None and row.kind == "rx":
            self._counseled(row.key, Counsel("declined"))  # type: ignore[arg-type]

    def _counseled(self, refill_id: uuid.UUID, counsel: Counsel) -> None:
        if self.cart is not None:
            self.cart.counsel[refill_id] = counsel
            self.sale.show_rows(self.cart.rows())
            self.update_missing()

    # -- date of birth ----------------------------------------------------------------------------

    def check_dob(self, patient_id: uuid.UUID, typed: str) -> None:
        actor = self.actor
        run_in_background(
            self,
            lambda: pickup.confirm_birth_date(self.context.uow_factory, actor, patient_id, typed),
            lambda check: self._dob_checked(patient_id, check),
            lambda exc: self.sale.identity.set_dob_result(patient_id, False, user_message(exc)),
            busy_message="Checking the date of birth…",
        )

    def _dob_checked(self, patient_id: uuid.UUID, check: BirthDateCheck) -> None:
        self.sale.identity.set_dob_result(patient_id, check.ok, check.message)
        nxt = self.sale.identity.first_unconfirmed()
        (nxt or self.sale.identity.picker).setFocus()

    # -- completion -------------------------------------------------------------------------------

    def complete(self) -> None:
        cart, actor = self.cart, self.actor
        if cart is None or self.busy or cart.quote is None:
            return
        missing = missing_for(cart, self.sale, pricing=self.quoting > 0)
        if missing:
            self.sale.show_missing(missing)
            self.sale.signature.pad.check()
            return
        request = request_for(cart, self.sale)
        printers = printer_settings_from(self.context.config)
        self.busy = True
        self.sale.complete.setEnabled(False)
        run_in_background(
            self,
            lambda: sale.complete_sale(self.context.uow_factory, actor, request, printers=printers),
            self._completed,
            self._complete_failed,
            busy_message="Completing the sale…",
        )

    def _completed(self, result: SaleResult) -> None:
        self.busy = False
        self.completed = result
        self.context.print_sender.wake()
        change = f" Change due {format_money(result.change_due)}." if result.change_due else ""
        rx = f" Rx {', '.join(result.rx_numbers)} handed over." if result.rx_numbers else ""
        self.close_sale(
            f"Sale {result.sale_number} complete: {format_money(result.patient_pay)}.{change}{rx} Receipt queued."
        )

    def _complete_failed(self, exc: Exception) -> None:
        self.busy = False
        message = user_message(exc)
        if isinstance(exc, SaleRefused) and any(t.transaction_id for t in self.sale.tender.tenders):
            message += " If the sale cannot go ahead, void it (Alt+V): that voids the card payments too."
        self.sale.result.show_result("problem", message)
        self.requote()  # the total and the lines as they are now (another workstation may have sold one)

    # -- closing ----------------------------------------------------------------------------------

    def close_sale(self, message: str = "") -> None:
        self.cart = None
        self.quoting = 0
        page = self.built_sale()
        if page is not None:
            page.hide_reason()
        self.pages.setCurrentWidget(self.finder)
        self.finder.refresh()
        if message:
            self.finder.show_done(message)
        self.finder.prompt.setFocus()

    def escape_pressed(self) -> None:
        page = self.built_sale()
        if page is not None and page.reason.isVisible():
            page.hide_reason()
            self.payments.void_kind = ""
        elif self.cart is not None:
            if self.sale.tender.tenders:
                self.sale.result.show_result("warning", "Payments were taken: complete the sale, or void it (Alt+V).")
            else:
                self.close_sale("Pickup closed; nothing was sold. The bags stay in their bins.")
        elif self.finder.return_mode:
            self.finder.show_all()
