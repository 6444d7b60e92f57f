"""Shared Hypothesis settings for the property tests: moderate example counts (the folder runs in
well under 30 s), no per-example deadline (a loaded CI machine is not a failure), and the
documented errors each parser may raise."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_message(exc: BaseException) -> None:
    """Every rejection says what is wrong: a non-empty, one-paragraph message."""
    text = str(exc)
    assert text.strip(), f"{type(exc).__name__} without a message"
