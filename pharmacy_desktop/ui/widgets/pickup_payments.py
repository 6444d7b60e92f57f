"""Payments and voids of the pickup screen: the card at the terminal (off the GUI thread), taking a
tender back, and voiding a line, a card payment or the whole sale with a reason (``sale.void_cart``,
which also voids the card approvals at the terminal).

The screen's ``payments``; kept apart so the screen module stays readable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pharmacy_desktop.domain.money import ZERO
from pharmacy_desktop.services import sale
from pharmacy_desktop.services.sale import CardResult, VoidResult
from pharmacy_desktop.ui.ops import run_in_background, user_message
from pharmacy_desktop.ui.widgets.pickup_cart import Cart
from pharmacy_desktop.ui.widgets.pickup_items import ItemRow
from pharmacy_desktop.ui.widgets.pickup_tender import TenderLine
from pharmacy_desktop.ui.widgets.pickup_wiring import tender_in

if TYPE_CHECKING:
    from pharmacy_desktop.ui.screens.pickup import PickupScreen


class Payments:
    def __init__(self, screen: PickupScreen) -> None:
        self.screen = screen
        self.void_kind = ""  # 'line', 'sale' or 'card' while the reason line is open

    # -- tenders ----------------------------------------------------------------------------------

    def take_card(self, amount: Any) -> None:
        """Charge ``amount`` at the terminal. Each attempt has its own reference (``sale_key:seq``),
        except the retry of one that timed out: the same reference, so a charge that went through
        after all is returned, never taken twice."""
        cart, terminal = self.screen.cart, self.screen.context.payment_terminal
        if cart is None or self.screen.busy:
            return
        if cart.unanswered_card is not None and cart.unanswered_card[1] == amount:
            seq = cart.unanswered_card[0]
        else:
            cart.card_seq += 1
            seq = cart.card_seq
        self.screen.busy = True
        self.screen.sale.tender.show_message("Card: follow the terminal (insert, tap or swipe)…", problem=False)
        run_in_background(
            self.screen,
            lambda: sale.take_card(terminal, cart.sale_key, seq, amount),
            lambda result: self._card_done(cart, seq, amount, result),
            self._card_failed,
            busy_message="Waiting for the card terminal…",
        )

    def _card_done(self, cart: Cart, seq: int, amount: Any, result: CardResult) -> None:
        self.screen.busy = False
        cart.unanswered_card = (seq, amount) if result.status == "timed_out" else None
        if cart is not self.screen.cart:
            return
        if result.approved and result.tender is not None:
            t = result.tender
            line = TenderLine(
                t.method, t.amount, None, ZERO, None, t.card_last_four, t.transaction_id, t.auth_code, seq
            )
            self.screen.sale.tender.card_approved(line)
        else:
            self.screen.sale.tender.show_message(result.message)
        self.screen.update_missing()

    def _card_failed(self, exc: Exception) -> None:
        self.screen.busy = False
        self.screen.sale.tender.show_message(user_message(exc))

    def remove_tender(self, index: int) -> None:
        tender = self.screen.sale.tender.tenders[index] if 0 <= index < len(self.screen.sale.tender.tenders) else None
        if tender is None:
            return
        if tender.transaction_id:  # a card approval is voided at the terminal, with a reason
            self.screen.sale.tender.list.setCurrentRow(index)
            self.start_void("card")
        else:
            self.screen.sale.tender.remove_tender(index)
            self.screen.update_missing()

    # -- voids ------------------------------------------------------------------------------------

    def start_void(self, kind: str) -> None:
        if self.screen.cart is None or self.screen.busy:
            return
        row = self.screen.sale.items.current()
        if kind == "line" and row is None:
            return
        self.void_kind = kind
        what = {"line": "this line", "sale": "the whole sale", "card": "this card payment"}[kind]
        self.screen.sale.ask_reason(f"Why is {what} voided? Enter to void, Esc to cancel")

    def confirm_void(self) -> None:
        screen = self.screen
        cart, actor, reason, kind = screen.cart, screen.actor, screen.sale.reason.text().strip(), self.void_kind
        if cart is None or screen.busy or not kind:
            return
        target = self._void_target(kind)  # what is voided, fixed now: the selection may move meanwhile
        if target is None:
            return
        lines, approvals, whole = self._void_scope(cart, kind, target)
        screen.busy = True
        uow_factory, terminal = screen.context.uow_factory, screen.context.payment_terminal
        run_in_background(
            screen,
            lambda: sale.void_cart(
                uow_factory, actor, terminal, cart.sale_key, reason, lines=lines, whole=whole, approvals=approvals
            ),
            lambda result: self._voided(cart, kind, target, result),
            self._void_failed,
            busy_message="Voiding…",
        )

    def _void_target(self, kind: str) -> ItemRow | TenderLine | None:
        page = self.screen.sale
        if kind == "card":
            row = page.tender.list.currentRow()
            return page.tender.tenders[row] if 0 <= row < len(page.tender.tenders) else None
        if kind == "line":
            return page.items.current()
        return TenderLine("sale", ZERO)  # the whole sale: no single target

    def _void_scope(
        self, cart: Cart, kind: str, target: ItemRow | TenderLine
    ) -> tuple[list[sale.VoidLine], list[sale.TenderIn], bool]:
        tenders = self.screen.sale.tender
        if kind == "sale":
            total = cart.quote.patient_pay if cart.quote else ZERO
            lines = [sale.VoidLine("Pickup sale", total)]
            return lines, [tender_in(t) for t in tenders.tenders if t.transaction_id], True
        if isinstance(target, TenderLine):
            return (
                [sale.VoidLine(f"Card payment ····{target.card_last_four}", target.amount)],
                [tender_in(target)],
                False,
            )
        amount = next(
            (line.patient_pay for line in (cart.quote.lines if cart.quote else ()) if line.key == str(target.key)), ZERO
        )
        # the Rx number or "Store item" and the drug or product: never the patient's name
        what = f"{target.who.splitlines()[0]}: {target.drug.splitlines()[0]}"
        return [sale.VoidLine(what, amount)], [], False

    def _voided(self, cart: Cart, kind: str, target: ItemRow | TenderLine, result: VoidResult) -> None:
        screen = self.screen
        screen.busy = False
        screen.sale.hide_reason()
        self.void_kind = ""
        problems = " ".join(result.problems)
        if kind == "sale":
            screen.close_sale(f"Sale voided. {problems}".strip())
            return
        if cart is not screen.cart:
            return
        if isinstance(target, TenderLine):
            index = next((i for i, t in enumerate(screen.sale.tender.tenders) if t is target), -1)
            screen.sale.tender.remove_tender(index)
        elif target.kind == "store":
            cart.store.pop(str(target.key).removeprefix("upc:"), None)
            screen._cart_changed()
        else:
            cart.take[target.key] = False  # type: ignore[index]  # an Rx line voided stays in its bin
            screen._cart_changed()
        screen.sale.result.show_result("warning" if problems else "ok", problems or "Voided.")
        screen.update_missing()

    def _void_failed(self, exc: Exception) -> None:
        self.screen.busy = False
        self.screen.sale.result.show_result("problem", user_message(exc))
