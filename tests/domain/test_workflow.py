import pytest

from pharmacy_desktop.domain.workflow import (
    TRANSITIONS,
    InvalidTransition,
    Permission,
    RxStatus,
    allowed_targets,
    can_transition,
    get_transition,
    is_open,
    is_terminal,
    required_permission,
    transition,
)

R = RxStatus
ALLOWED = [
    (R.RECEIVED, R.VALIDATED, "validate", Permission.REVIEW),
    (R.VALIDATED, R.RECEIVED, "send_back_to_intake", Permission.REVIEW),
    (R.VALIDATED, R.IN_PROGRESS, "fill", Permission.FILL),
    (R.IN_PROGRESS, R.VALIDATED, "return_to_fill", Permission.FINAL_VERIFY),
    (R.IN_PROGRESS, R.READY, "final_verify", Permission.FINAL_VERIFY),
    (R.READY, R.DISPENSED, "dispense", Permission.DISPENSE),
    (R.DISPENSED, R.COMPLETED, "complete", Permission.DISPENSE),
    (R.READY, R.ON_HOLD, "return_to_stock", Permission.DISPENSE),
    (R.ON_HOLD, R.VALIDATED, "reactivate", Permission.FILL),
    *[
        (s, R.REJECTED, "reject", Permission.REVIEW)
        for s in (R.RECEIVED, R.VALIDATED, R.IN_PROGRESS, R.READY, R.ON_HOLD)
    ],
    *[
        (s, R.CANCELLED, "cancel", Permission.CANCEL)
        for s in (R.RECEIVED, R.VALIDATED, R.IN_PROGRESS, R.READY, R.ON_HOLD)
    ],
]


@pytest.mark.parametrize(("source", "target", "action", "permission"), ALLOWED)
def test_allowed_transitions(source: RxStatus, target: RxStatus, action: str, permission: str) -> None:
    assert transition(source, target) is target
    assert transition(source.value, target.value) is target  # database strings work too
    assert can_transition(source, target)
    assert required_permission(source, target) == permission
    assert get_transition(source, target).action == action


def test_the_table_has_exactly_the_listed_transitions() -> None:
    assert set(TRANSITIONS) == {(s, t) for s, t, _, _ in ALLOWED}


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (R.RECEIVED, R.IN_PROGRESS),  # skip review
        (R.RECEIVED, R.READY),
        (R.VALIDATED, R.READY),  # skip fill
        (R.IN_PROGRESS, R.DISPENSED),  # skip final verification
        (R.READY, R.IN_PROGRESS),
        (R.DISPENSED, R.CANCELLED),  # gone over the counter
        (R.DISPENSED, R.REJECTED),
        (R.COMPLETED, R.RECEIVED),
        (R.REJECTED, R.RECEIVED),
        (R.CANCELLED, R.VALIDATED),
        (R.RECEIVED, R.RECEIVED),
        (R.COMPLETED, R.CANCELLED),
        (R.ON_HOLD, R.READY),  # back on the shelf only by filling it again
        (R.ON_HOLD, R.DISPENSED),
        (R.DISPENSED, R.ON_HOLD),  # medicine that left the counter never goes back to stock
    ],
)
def test_forbidden_transitions(source: RxStatus, target: RxStatus) -> None:
    assert not can_transition(source, target)
    with pytest.raises(InvalidTransition) as raised:
        transition(source, target)
    assert f"from '{source.value}' to '{target.value}'" in str(raised.value)
    with pytest.raises(InvalidTransition):
        required_permission(source, target)


def test_message_lists_what_is_allowed() -> None:
    with pytest.raises(InvalidTransition, match="it can go to: ready, validated, rejected, cancelled"):
        transition("in_progress", "dispensed")
    with pytest.raises(InvalidTransition, match=r"nothing \(final state\)"):
        transition("completed", "received")


def test_invalid_transition_is_a_value_error() -> None:
    assert issubclass(InvalidTransition, ValueError)


def test_unknown_state() -> None:
    with pytest.raises(InvalidTransition, match="unknown prescription state 'filled'"):
        transition("filled", "ready")
    assert not can_transition("filled", "ready")


def test_open_and_terminal_states() -> None:
    assert [s for s in R if is_open(s)] == [R.RECEIVED, R.VALIDATED, R.IN_PROGRESS, R.READY, R.ON_HOLD]
    assert [s for s in R if is_terminal(s)] == [R.COMPLETED, R.REJECTED, R.CANCELLED]
    assert not is_open("dispensed") and not is_terminal("dispensed")


def test_allowed_targets() -> None:
    assert allowed_targets("received") == (R.VALIDATED, R.REJECTED, R.CANCELLED)
    assert allowed_targets(R.DISPENSED) == (R.COMPLETED,)
    assert allowed_targets(R.CANCELLED) == ()


def test_status_values_match_the_database() -> None:
    assert [s.value for s in R] == [
        "received",
        "validated",
        "in_progress",
        "ready",
        "on_hold",  # revision 0010: returned to stock from will-call
        "dispensed",
        "completed",
        "rejected",
        "cancelled",
    ]
    assert str(R.IN_PROGRESS) == "in_progress"
