"""The insurance claim of a fill, as the fill and verify screens show it.

A rejection or a claim without an answer is shown in the hard-stop colours with each reject
code's meaning and what to do at the counter; it never blocks the work (the fill is saved, the
prescription can be verified): the counter resolves it before the patient pays. A paid claim
is one plain line. The word says it too (REJECTED, NO ANSWER, PAID), never the colour alone.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from pharmacy_desktop.domain.money import format_money
from pharmacy_desktop.services import claims
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.claims import ClaimOutcome, ClaimView, ReversalOutcome
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.ops import run_in_background, user_message
from pharmacy_desktop.ui.style import (
    INFO,
    PASSED,
    PASSED_BACKGROUND,
    PASSED_BORDER,
    STOP_BACKGROUND,
    STOP_BORDER,
    STOP_TEXT,
    TEXT,
    UNKNOWN_BACKGROUND,
)

WORDS = {
    "approved": "PAID",
    "rejected": "CLAIM REJECTED",
    "failed": "CLAIM NOT ANSWERED",
    "not_billable": "CLAIM NOT SENT",
    "in_progress": "CLAIM WAITING",
    "cash": "NO INSURANCE",
    "reversed": "CLAIM REVERSED",
    "submitted": "CLAIM WAITING",
}
_PROBLEM = f"background: {STOP_BACKGROUND}; color: {STOP_TEXT}; border: 3px solid {STOP_BORDER};"
_PAID = f"background: {PASSED_BACKGROUND}; color: {PASSED}; border: 1px solid {PASSED_BORDER};"
_PLAIN = f"background: {UNKNOWN_BACKGROUND}; color: {TEXT}; border: 1px solid {INFO};"


class ClaimBanner(QLabel):
    """``state`` is 'problem', 'paid', 'info' or 'none' (hidden)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("claimBanner")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setAccessibleName("Insurance claim")
        self.state = "none"
        self.hide()

    def _show(self, state: str, lines: Sequence[str]) -> None:
        self.state = state
        style = {"problem": _PROBLEM, "paid": _PAID}.get(state, _PLAIN)
        weight = "bold" if state == "problem" else "normal"
        self.setStyleSheet(f"QLabel#claimBanner {{ {style} border-radius: 6px; padding: 8px; font-weight: {weight}; }}")
        self.setText("\n".join(lines))
        self.show()

    def show_pending(self, message: str) -> None:
        self._show("info", [message])

    def show_message(self, message: str, *, problem: bool = False) -> None:
        self._show("problem" if problem else "info", [message])

    def show_outcome(self, outcome: ClaimOutcome) -> None:
        """The result of billing one fill (``services.claims.adjudicate_fill``)."""
        word = WORDS.get(outcome.status, outcome.status.upper())
        lines = [f"{word} — Rx {outcome.rx_number}: {outcome.message}", *outcome.reject_lines]
        state = "problem" if outcome.is_problem else ("paid" if outcome.status == "approved" else "info")
        self._show(state, lines)

    def show_claims(self, claims: Sequence[ClaimView]) -> None:
        """A prescription's claims: the latest per fill and payer; hidden when it has none."""
        latest: dict[tuple[object, int], ClaimView] = {}
        for claim in claims:
            latest[(claim.refill_id, claim.payer_sequence)] = claim
        if not latest:
            self.clear()
            return
        lines: list[str] = []
        for claim in latest.values():
            word = WORDS.get(claim.status, claim.status.upper())
            if claim.status == "approved":
                detail = f"plan pays {format_money(claim.plan_paid or 0)}, patient pays {format_money(claim.patient_pay or 0)}"
            else:
                detail = claim.message or claim.status
            lines.append(f"{word} — {claim.payer} claim {claim.claim_number} to {claim.plan}: {detail}")
            if claim.is_problem:
                lines.extend(claim.reject_lines)
        problem = any(c.is_problem for c in latest.values())
        paid = all(c.status == "approved" for c in latest.values())
        self._show("problem" if problem else ("paid" if paid else "info"), lines)

    def clear(self) -> None:
        self.state = "none"
        super().clear()
        self.hide()

    # -- the claim services, each off the GUI thread; the answer lands here ------------------------

    def bill(self, context: AppContext, actor: Actor, refill_id: uuid.UUID, rx_number: str) -> None:
        """Bill a saved fill (outside the fill's transaction); never blocks the work."""
        adjudicator = context.adjudicator
        self.show_pending(f"Rx {rx_number}: billing insurance…")
        run_in_background(
            self,
            lambda: claims.adjudicate_fill(context.uow_factory, actor, adjudicator, refill_id),
            self.show_outcome,
            lambda exc: self.show_message(f"Rx {rx_number}: claim not sent: {user_message(exc)}", problem=True),
        )

    def load(self, context: AppContext, actor: Actor, rx_id: uuid.UUID, still_open: Callable[[], bool]) -> None:
        """Show the prescription's claims, if it is still the one open when they arrive."""

        def show(found: list[ClaimView]) -> None:
            if still_open():
                self.show_claims(found)

        run_in_background(self, lambda: claims.claims_for_prescription(context.uow_factory, actor, rx_id), show)

    def reverse_returned(self, context: AppContext, actor: Actor, rx_id: uuid.UUID, reason: str) -> None:
        """Reverse the paid claims of the prescription's returned fills (a new fill is billed anew)."""
        adjudicator = context.adjudicator

        def show(outcomes: list[ReversalOutcome]) -> None:
            problems = [p for o in outcomes for p in o.problems]
            done = [n for o in outcomes for n in o.reversed]
            if problems:
                self.show_message("\n".join(problems), problem=True)
            elif done:
                self.show_message(f"Insurance claim reversed: {', '.join(done)}.")

        run_in_background(
            self,
            lambda: claims.reverse_returned_claims(context.uow_factory, actor, adjudicator, rx_id, reason),
            show,
            lambda exc: self.show_message(f"Claim not reversed: {user_message(exc)}", problem=True),
        )
