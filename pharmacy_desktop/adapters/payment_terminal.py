"""The card terminal: the interface a real payment gateway plugs into, and a simulator.

The card never passes through the app: the customer taps, inserts or swipes at the terminal,
and the app gets back an outcome, the gateway's transaction ID, the authorization code, credit
or debit, and the card's last four digits. Nothing here sees or stores a card number.

Every charge carries a ``reference`` (the POS uses ``f"{sale_key}:{seq}"``): the terminal is
idempotent per reference, like a gateway's idempotency key. Charging a reference again returns
the first answer (the same approval, never a second charge); a reference whose charge timed out
is answered by ``lookup(reference)`` (did it go through?) and may be charged again safely.

``SimulatedTerminal`` (thread-safe, in memory) decides each charge in this order:

1. the next outcome queued with ``queue_outcomes(...)``: ``"approve"``, ``"decline"``,
   ``"timeout"`` (never reached the processor: nothing charged) or ``"timeout_charged"`` (charged,
   but the answer was lost: ``lookup`` finds the approval, a retry returns it);
2. otherwise these trigger amounts (for the demo): $666.66 declined, $777.77 timed out (not
   charged), $888.88 timed out after charging;
3. otherwise approved.

The card it "reads" is the one last given to ``present_card`` (default: credit ending 4242).
"""

from __future__ import annotations

import hashlib
import itertools
import threading
import time
from collections import deque
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Literal, Protocol

from pharmacy_desktop.domain.money import ZERO, format_money, to_money

TerminalStatus = Literal["approved", "declined", "timed_out"]
CardType = Literal["credit", "debit"]
Outcome = Literal["approve", "decline", "timeout", "timeout_charged"]

TRIGGER_AMOUNTS: dict[Decimal, Outcome] = {
    Decimal("666.66"): "decline",
    Decimal("777.77"): "timeout",
    Decimal("888.88"): "timeout_charged",
}


@dataclass(frozen=True)
class TerminalResult:
    """One answer from the terminal. ``transaction_id`` is the gateway's; the card only as last four."""

    status: TerminalStatus
    transaction_id: str | None = None
    card_last_four: str | None = None
    auth_code: str | None = None
    card_type: CardType | None = None
    message: str = ""
    amount: Decimal = ZERO  # what was charged, voided or refunded
    reference: str = ""

    @property
    def approved(self) -> bool:
        return self.status == "approved"


class PaymentTerminal(Protocol):
    def charge(self, amount: Decimal, reference: str) -> TerminalResult:
        """Charge the card presented at the terminal; idempotent per ``reference``."""
        ...

    def void(self, transaction_id: str) -> TerminalResult:
        """Cancel an approved charge before settlement (a sale that did not complete)."""
        ...

    def refund(self, transaction_id: str, amount: Decimal) -> TerminalResult:
        """Return part or all of an approved charge to the card."""
        ...

    def lookup(self, reference: str) -> TerminalResult | None:
        """The standing charge under ``reference`` (approved, or declined), or None if no money moved."""
        ...


def _amount(value: object, what: str = "amount") -> Decimal:
    if not isinstance(value, Decimal):
        raise TypeError(f"{what} must be a Decimal, not {type(value).__name__}")
    if not value.is_finite() or value <= 0 or to_money(value) != value:
        raise ValueError(f"{what} must be a positive number of dollars and cents")
    return to_money(value)


def _reference(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        raise ValueError("a charge needs a reference of 1 to 64 characters (the sale's key and tender number)")
    return value


@dataclass
class _Charge:
    """What the simulated processor knows about one reference."""

    amount: Decimal
    state: Literal["approved", "declined", "lost"]
    result: TerminalResult  # the approval or the decline (for 'lost': the time-out)
    voided: bool = False
    refunded: Decimal = ZERO


class SimulatedTerminal:
    """An in-memory terminal for the demo and the tests (see the module docstring)."""

    def __init__(self, latency: float = 0.0) -> None:
        self._latency = latency  # seconds a charge takes (tests use it to overlap retries)
        self._lock = threading.Lock()
        self._reference_locks: dict[str, threading.Lock] = {}
        self._by_reference: dict[str, _Charge] = {}
        self._by_transaction: dict[str, _Charge] = {}
        self._outcomes: deque[Outcome] = deque()
        self._card: tuple[CardType, str] = ("credit", "4242")
        self._ids = itertools.count(1)
        self._captures = 0

    def present_card(self, card_type: CardType = "credit", last_four: str = "4242") -> None:
        """The card the customer uses next (the simulator only ever knows its last four digits)."""
        if card_type not in ("credit", "debit"):
            raise ValueError("card type is 'credit' or 'debit'")
        if len(last_four) != 4 or not last_four.isascii() or not last_four.isdigit():
            raise ValueError("last four must be 4 digits")
        with self._lock:
            self._card = (card_type, last_four)

    def queue_outcomes(self, *outcomes: Outcome) -> None:
        """The next charges' outcomes, in order (before the trigger amounts)."""
        for outcome in outcomes:
            if outcome not in ("approve", "decline", "timeout", "timeout_charged"):
                raise ValueError(f"unknown outcome {outcome!r}")
        with self._lock:
            self._outcomes.extend(outcomes)

    @property
    def captures(self) -> int:
        """How many charges actually took money (a retried reference counts once)."""
        with self._lock:
            return self._captures

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}"  # caller holds self._lock

    def _reference_lock(self, reference: str) -> threading.Lock:
        with self._lock:
            return self._reference_locks.setdefault(reference, threading.Lock())

    def charge(self, amount: Decimal, reference: str) -> TerminalResult:
        amount, reference = _amount(amount), _reference(reference)
        # one charge per reference at a time: a retry arriving during the first waits for its answer
        with self._reference_lock(reference):
            with self._lock:
                known = self._by_reference.get(reference)
            if known is not None and known.state != "lost":
                return self._repeat(known, amount, reference)
            with self._lock:
                outcome = self._outcomes.popleft() if self._outcomes else TRIGGER_AMOUNTS.get(amount, "approve")
                card_type, last_four = self._card
            if self._latency:
                time.sleep(self._latency)
            if outcome in ("timeout", "decline"):
                return self._unpaid(outcome, amount, reference)
            with self._lock:
                transaction_id = self._next_id("SIMTXN")
                approval = TerminalResult(
                    status="approved",
                    transaction_id=transaction_id,
                    card_last_four=last_four,
                    auth_code=hashlib.sha256(transaction_id.encode()).hexdigest()[:6].upper(),
                    card_type=card_type,
                    message=f"Approved: {format_money(amount)} on {card_type} card ending {last_four}.",
                    amount=amount,
                    reference=reference,
                )
                charge = _Charge(amount, "approved", approval)
                self._by_reference[reference] = charge
                self._by_transaction[transaction_id] = charge
                self._captures += 1
            if outcome == "timeout_charged":
                return self._timed_out(amount, reference)
            return approval

    def _repeat(self, known: _Charge, amount: Decimal, reference: str) -> TerminalResult:
        if known.amount != amount:
            return TerminalResult(
                "declined",
                message="This payment reference was already used for another amount: start a new card payment.",
                amount=amount,
                reference=reference,
            )
        if known.voided:
            return TerminalResult(
                "declined",
                message="This payment was voided: start a new card payment.",
                amount=amount,
                reference=reference,
            )
        return known.result  # the first answer, never a second charge

    def _timed_out(self, amount: Decimal, reference: str) -> TerminalResult:
        return TerminalResult(
            "timed_out",
            message="The terminal did not answer: check whether the payment went through before trying again.",
            amount=amount,
            reference=reference,
        )

    def _unpaid(self, outcome: Outcome, amount: Decimal, reference: str) -> TerminalResult:
        if outcome == "timeout":
            result = self._timed_out(amount, reference)
            state: Literal["declined", "lost"] = "lost"
        else:
            result = TerminalResult(
                "declined",
                message="Card declined by the issuer: ask for another card or another way to pay.",
                amount=amount,
                reference=reference,
            )
            state = "declined"
        with self._lock:
            self._by_reference[reference] = _Charge(amount, state, result)
        return result

    def lookup(self, reference: str) -> TerminalResult | None:
        reference = _reference(reference)
        with self._reference_lock(reference), self._lock:
            known = self._by_reference.get(reference)
            if known is None or known.state == "lost" or known.voided:
                return None
            return known.result

    def void(self, transaction_id: str) -> TerminalResult:
        with self._lock:
            charge = self._by_transaction.get(transaction_id)
            if charge is None:
                return TerminalResult("declined", transaction_id, message="No charge with this transaction ID.")
            done = replace(charge.result, message="Voided.")
            if charge.voided:
                return replace(done, message="Already voided.")
            if charge.refunded > 0:
                return replace(
                    done, status="declined", message="Part of this charge was refunded: refund the rest instead."
                )
            charge.voided = True
            return done

    def refund(self, transaction_id: str, amount: Decimal) -> TerminalResult:
        amount = _amount(amount, "refund amount")
        with self._lock:
            charge = self._by_transaction.get(transaction_id)
            if charge is None:
                return TerminalResult("declined", message="No charge with this transaction ID.", amount=amount)
            original = charge.result
            left = charge.amount - charge.refunded
            if charge.voided or amount > left:
                why = "it was voided" if charge.voided else f"only {format_money(left)} is left to refund"
                return replace(original, status="declined", message=f"Refund refused: {why}.", amount=amount)
            charge.refunded += amount
            refund_id = self._next_id("SIMRFD")
            return replace(
                original,
                transaction_id=refund_id,
                auth_code=hashlib.sha256(refund_id.encode()).hexdigest()[:6].upper(),
                message=f"Refunded {format_money(amount)} to the card ending {original.card_last_four}.",
                amount=amount,
            )
