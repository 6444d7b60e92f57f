"""Card payments and voids at the point of sale (see services/sale.py, which re-exports these).

A card is charged at the terminal before the sale completes, with the reference
``f"{sale_key}:{seq}"``: the terminal is idempotent per reference, so a retry never charges twice,
and a time-out is answered by a lookup. The terminal is called outside any database transaction and
never on the GUI thread. A void records ``sale_voids`` rows and voids the card approvals taken.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from pharmacy_desktop.adapters.payment_terminal import PaymentTerminal, TerminalResult
from pharmacy_desktop.db.models.billing import SaleVoid
from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
from pharmacy_desktop.domain.money import ZERO, format_money, to_money
from pharmacy_desktop.domain.workflow import Permission
from pharmacy_desktop.errors import ValidationFailed
from pharmacy_desktop.services import auth
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.sale_cart import TenderIn

__all__ = ["CardResult", "VoidLine", "VoidResult", "take_card", "void_cart"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CardResult:
    """The terminal's answer: ``tender`` (for SaleRequest.tenders) when approved, else what to do."""

    status: str  # 'approved', 'declined', 'timed_out'
    message: str
    tender: TenderIn | None = None
    reference: str = ""

    @property
    def approved(self) -> bool:
        return self.status == "approved"


@dataclass(frozen=True)
class VoidLine:
    description: str
    amount: Decimal


@dataclass(frozen=True)
class VoidResult:
    voids: int  # sale_voids rows written
    voided_approvals: tuple[str, ...]  # terminal transaction ids voided
    problems: tuple[str, ...]  # approvals the terminal did not void, with what to do


def _card_result(result: TerminalResult, amount: Decimal, reference: str) -> CardResult:
    if result.approved:
        method = "debit_card" if result.card_type == "debit" else "credit_card"
        tender = TenderIn(
            method=method,
            amount=to_money(amount),
            transaction_id=result.transaction_id,
            card_last_four=result.card_last_four,
            auth_code=result.auth_code,
        )
        return CardResult("approved", f"Approved: card ending {result.card_last_four}.", tender, reference)
    if result.status == "declined":
        why = result.message or "the card was declined"
        return CardResult("declined", f"Declined ({why}). Ask for another card or another way to pay.", None, reference)
    return CardResult(
        "timed_out",
        "No answer from the card terminal; nothing was charged. Check the terminal and try the card again.",
        None,
        reference,
    )


def take_card(terminal: PaymentTerminal, sale_key: uuid.UUID, seq: int, amount: Decimal) -> CardResult:
    """Charge the card at the terminal for tender ``seq`` of the sale (never on the GUI thread).

    The reference ``f"{sale_key}:{seq}"`` makes a retry safe: the terminal returns the first answer.
    A time-out is answered by ``lookup``: charged after all (approved) or not (try again).
    """
    reference = f"{sale_key}:{seq}"
    value = to_money(amount)
    if value <= 0:
        raise ValidationFailed("A card tender must be more than $0.00.", {"amount": "more than 0"})
    try:
        result = terminal.charge(value, reference)
    except Exception:  # the terminal's own failure: ask whether the charge went through
        log.exception("card terminal charge failed")
        result = TerminalResult("timed_out", reference=reference)
    if result.status == "timed_out":
        try:
            looked = terminal.lookup(reference)
        except Exception:
            log.exception("card terminal lookup failed")
            looked = None
        if looked is not None:
            result = looked
    return _card_result(result, value, reference)


def void_cart(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    terminal: PaymentTerminal | None,
    sale_key: uuid.UUID,
    reason: str,
    *,
    lines: Sequence[VoidLine] = (),
    whole: bool = False,
    approvals: Sequence[TenderIn] = (),
    today: dt.date | None = None,
) -> VoidResult:
    """Void lines (before any tender: pos.sell) or the whole cart (pos.void), and the card approvals
    taken for it (through the terminal, outside the transaction); ``sale_voids`` rows record it."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why it is voided (e.g. patient changed their mind).", {"reason": "required"})
    if not whole and not lines:
        raise ValidationFailed("Choose the line to void, or void the whole sale.")
    cards = [a for a in approvals if (a.transaction_id or "").strip()]
    needs = Permission.VOID if whole or cards else Permission.SELL
    with uow_factory(actor.user_id) as uow:
        auth.require(uow, actor, needs)
        if uow.sales.by_idempotency_key(sale_key) is not None:
            raise ValidationFailed("This sale was completed: it cannot be voided. Refund it instead.")
    voided, problems = [], []
    for card in cards:
        tid = (card.transaction_id or "").strip()
        try:
            answer = terminal.void(tid) if terminal is not None else None
        except Exception:
            log.exception("card terminal void failed")
            answer = None
        if answer is not None and answer.status == "approved":
            voided.append(tid)
        else:
            problems.append(
                f"The card payment of {format_money(card.amount)} (card ending {card.card_last_four}) was not "
                "voided at the terminal: void it there, or refund it."
            )
    with uow_factory(actor.user_id) as uow:
        rows = []
        if whole:
            total = sum((to_money(line.amount) for line in lines), ZERO)
            rows.append(("sale", f"Sale voided ({len(lines)} line{'s' if len(lines) != 1 else ''})", total))
        else:
            rows += [("line", line.description[:500], to_money(line.amount)) for line in lines]
        for kind, description, amount in rows:
            void = uow.sales.add_void(
                SaleVoid(
                    sale_key=sale_key,
                    kind=kind,
                    description=description,
                    amount=amount,
                    reason=reason,
                    workstation=actor.workstation,
                    business_date=today or dt.date.today(),
                    voided_by=actor.user_id,
                )
            )
            uow.record(
                "SaleVoided" if kind == "sale" else "SaleLineVoided",
                "sale_void",
                void.id,
                {"sale_key": sale_key, "amount": amount, "reason": reason, "card_voids": voided},
            )
        uow.notify("sales", sale_key)
        uow.commit()
    return VoidResult(len(rows), tuple(voided), tuple(problems))
