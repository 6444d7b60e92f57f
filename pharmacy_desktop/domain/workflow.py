"""The prescription state machine: which moves exist, their names, and who may make them.

States are the strings of ``prescriptions.status``. ``received``..``ready`` and ``on_hold`` are
*open* (work is still pending in the pharmacy and the Rx can be rejected or cancelled);
``dispensed`` has left the building and can only complete; ``completed``, ``rejected`` and
``cancelled`` are terminal.

``on_hold``: a bag left in will-call too long was returned to stock (its fill undone, refills
restored, claim reversed). The prescription keeps its number and history; when the patient asks
for it again, ``reactivate`` puts it back in the fill queue (``validated``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RxStatus(StrEnum):
    RECEIVED = "received"
    VALIDATED = "validated"
    IN_PROGRESS = "in_progress"
    READY = "ready"
    ON_HOLD = "on_hold"
    DISPENSED = "dispensed"
    COMPLETED = "completed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class Permission:
    """Permission names of ``user_schema.permissions`` that the workflow relies on."""

    ENTER = "prescription.enter"  # the seeded name (revision 0004)
    REVIEW = "prescription.review"
    OVERRIDE_DUR = "prescription.override_dur"
    FILL = "prescription.fill"
    FINAL_VERIFY = "prescription.final_verify"
    DISPENSE = "prescription.dispense"
    CANCEL = "prescription.cancel"
    # point of sale (revisions 0004 and 0010)
    SELL = "pos.sell"
    VOID = "pos.void"
    REFUND = "pos.refund"
    CLOSE_DRAWER = "pos.close_drawer"


class InvalidTransition(ValueError):
    """A move the state machine does not allow; the message names both states."""


@dataclass(frozen=True)
class Transition:
    source: RxStatus
    target: RxStatus
    action: str  # the domain event name, e.g. "validate"
    permission: str


_S = RxStatus
OPEN_STATES = frozenset({_S.RECEIVED, _S.VALIDATED, _S.IN_PROGRESS, _S.READY, _S.ON_HOLD})
TERMINAL_STATES = frozenset({_S.COMPLETED, _S.REJECTED, _S.CANCELLED})

_FORWARD = (
    Transition(_S.RECEIVED, _S.VALIDATED, "validate", Permission.REVIEW),
    Transition(_S.VALIDATED, _S.IN_PROGRESS, "fill", Permission.FILL),
    Transition(_S.VALIDATED, _S.RECEIVED, "send_back_to_intake", Permission.REVIEW),
    Transition(_S.IN_PROGRESS, _S.READY, "final_verify", Permission.FINAL_VERIFY),
    Transition(_S.IN_PROGRESS, _S.VALIDATED, "return_to_fill", Permission.FINAL_VERIFY),
    Transition(_S.READY, _S.DISPENSED, "dispense", Permission.DISPENSE),
    Transition(_S.READY, _S.ON_HOLD, "return_to_stock", Permission.DISPENSE),
    Transition(_S.ON_HOLD, _S.VALIDATED, "reactivate", Permission.FILL),
    Transition(_S.DISPENSED, _S.COMPLETED, "complete", Permission.DISPENSE),
)
# Rejecting is a clinical decision (pharmacist); cancelling is clerical (patient or prescriber
# asked for it).
_EXITS = tuple(
    t
    for state in sorted(OPEN_STATES, key=list(_S).index)
    for t in (
        Transition(state, _S.REJECTED, "reject", Permission.REVIEW),
        Transition(state, _S.CANCELLED, "cancel", Permission.CANCEL),
    )
)
TRANSITIONS: dict[tuple[RxStatus, RxStatus], Transition] = {(t.source, t.target): t for t in (*_FORWARD, *_EXITS)}


def status(value: RxStatus | str) -> RxStatus:
    """The RxStatus for ``value``; InvalidTransition names an unknown state."""
    try:
        return RxStatus(value)
    except ValueError:
        raise InvalidTransition(f"unknown prescription state {value!r}") from None


def allowed_targets(current: RxStatus | str) -> tuple[RxStatus, ...]:
    source = status(current)
    return tuple(t.target for t in TRANSITIONS.values() if t.source is source)


def can_transition(current: RxStatus | str, target: RxStatus | str) -> bool:
    try:
        return (status(current), status(target)) in TRANSITIONS
    except InvalidTransition:
        return False


def get_transition(current: RxStatus | str, target: RxStatus | str) -> Transition:
    """The Transition from ``current`` to ``target``; raises InvalidTransition if none."""
    source, dest = status(current), status(target)
    found = TRANSITIONS.get((source, dest))
    if found is None:
        allowed = ", ".join(t.value for t in allowed_targets(source)) or "nothing (final state)"
        raise InvalidTransition(
            f"A prescription cannot go from '{source.value}' to '{dest.value}'; "
            f"from '{source.value}' it can go to: {allowed}."
        )
    return found


def transition(current: RxStatus | str, target: RxStatus | str) -> RxStatus:
    """Return ``target`` as RxStatus if the move is allowed, else raise InvalidTransition."""
    return get_transition(current, target).target


def required_permission(current: RxStatus | str, target: RxStatus | str) -> str:
    return get_transition(current, target).permission


def is_open(state: RxStatus | str) -> bool:
    return status(state) in OPEN_STATES


def is_terminal(state: RxStatus | str) -> bool:
    return status(state) in TERMINAL_STATES
