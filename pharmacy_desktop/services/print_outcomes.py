"""What the print sender reports: one job's outcome, the printers' state, and their words for a person."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from pharmacy_desktop.printing.addresses import Delivery
from pharmacy_desktop.services.printer_settings import ROLE_TITLES

__all__ = [
    "SendResult",
    "PrinterState",
    "backoff_seconds",
    "MAX_AUTOMATIC_ATTEMPTS",
    "QUEUE_KEY",
    "printer_state",
]

MAX_AUTOMATIC_ATTEMPTS = 6  # 5 + 10 + 20 + 40 + 80 s: about 2.5 minutes of retrying
BACKOFF_BASE = 5.0
BACKOFF_CAP = 300.0
QUEUE_KEY = "F10"  # where the print queue screen is
_WHAT = {"label": "label", "receipt": "receipt", "test_page": "test page", "report": "report"}


def backoff_seconds(attempts: int) -> float:
    """Wait before the next automatic try, after `attempts` failed tries (1 -> 5 s, 2 -> 10 s ...)."""
    return min(BACKOFF_BASE * 2.0 ** max(attempts - 1, 0), BACKOFF_CAP)


@dataclass(frozen=True)
class SendResult:
    job_id: uuid.UUID
    printer_role: str
    printer_uri: str | None
    ok: bool
    message: str  # for a person: what happened and what to do next
    skipped: bool = False  # not tried: its printer had just failed in the same pass
    confirmed: bool = False  # ok and the printer reported ready afterwards (else: sent, not confirmed)


@dataclass(frozen=True)
class PrinterState:
    """What the status bar shows: ok True (all printed), False (jobs waiting on a failure), None (unknown)."""

    ok: bool | None
    detail: str
    waiting: int = 0
    failing: int = 0
    last_error: str | None = None
    roles: dict[str, str] = field(default_factory=dict)  # role -> "ok" | error message


def failure_message(role: str, job_type: str, error: BaseException, retry_in: float | None) -> str:
    title = ROLE_TITLES.get(role, "Printer")
    text = str(error).strip().rstrip(".")
    if text.startswith("Printer "):
        text = f"{title} {text[len('Printer ') :]}"
    elif not text.lower().startswith(title.lower()):
        text = f"{title}: {text}"
    # "...: check it is on" reads as a second sentence
    head, sep, advice = text.partition(": check ")
    text = f"{head}. Check {advice}" if sep else text
    what = _WHAT.get(job_type, "job")
    then = (
        f"it is tried again in {retry_in:g} s"
        if retry_in is not None
        else "retry (Ctrl+R), redirect (Ctrl+D) or cancel it there"
    )
    return f"{text}. The {what} waits in the print queue ({QUEUE_KEY}); {then}."


def unconfirmed_note(uri: str | None, job_type: str, profile: str, delivery: Delivery | None) -> str:
    what = _WHAT.get(job_type, "job")
    if delivery is not None and delivery.asked:
        why = "the printer did not answer the status query"
    else:
        why = f"this printer model ({profile}) cannot report its status"
    return (
        f"Sent to {uri}, not confirmed: {why}. Check that the {what} came out; "
        f"if not, reprint it (Ctrl+P in the print queue, {QUEUE_KEY})."
    )


def no_printer_message(role: str, job_type: str) -> str:
    title = ROLE_TITLES.get(role, "Printer").lower()
    return (
        f"No {title} is set up on this workstation. Enter its address in Settings (Alt+S); "
        f"the {_WHAT.get(job_type, 'job')} waits in the print queue ({QUEUE_KEY})."
    )


INTERRUPTED_MESSAGE = (
    "Sending was interrupted (the program stopped); part of it may have printed. "
    f"Check the printer, then retry (Ctrl+R) or cancel it in the print queue ({QUEUE_KEY})."
)


def printer_state(
    counts: dict[tuple[str, str], int],
    role_errors: dict[str, str],
    *,
    printed_now: bool,
    known_before: bool,
) -> PrinterState:
    """The state after a pass from the waiting jobs' (role, status) counts and each role's last error.

    `role_errors` is pruned in place of roles that no longer have failed jobs.
    """
    waiting = sum(counts.values())
    failing = sum(n for (_, status), n in counts.items() if status == "failed")
    failing_roles = {role for (role, status), n in counts.items() if status == "failed" and n}
    for role in list(role_errors):
        if role not in failing_roles:
            role_errors.pop(role)
    roles = {role: role_errors.get(role, "ok") for role in failing_roles}
    if failing:
        names = ", ".join(ROLE_TITLES.get(r, r).lower() for r in sorted(failing_roles))
        jobs = f"{waiting} job{'s' if waiting != 1 else ''}"
        detail = f"{names} not printing — {jobs} waiting ({QUEUE_KEY})"
        last = next((role_errors[r] for r in sorted(failing_roles) if r in role_errors), None)
        return PrinterState(False, detail[:1].upper() + detail[1:], waiting, failing, last, roles)
    if waiting:
        return PrinterState(True, f"printing ({waiting} waiting)", waiting, 0, None, roles)
    if printed_now or known_before:
        return PrinterState(True, "ready", 0, 0, None, roles)
    return PrinterState(None, "no jobs yet", 0, 0, None, roles)
