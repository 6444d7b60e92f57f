"""The one clock: every "now" in the application comes from here.

Stored times are timezone-aware UTC (``utcnow``); what a person reads or types ("4pm",
"tomorrow") is in the workstation's local zone (``local_now``). ``set_at`` holds the clock at a
moment for the calling thread only (the demo's year of history runs the services on its dates).
"""

from __future__ import annotations

import contextvars
import datetime as dt

_held: contextvars.ContextVar[dt.datetime | None] = contextvars.ContextVar("pharmacy_clock", default=None)


def utcnow() -> dt.datetime:
    """Now, timezone-aware, in UTC: for every stored timestamp."""
    held = _held.get()
    return held.astimezone(dt.UTC) if held is not None else dt.datetime.now(dt.UTC)


def local_now() -> dt.datetime:
    """Now, timezone-aware, in the workstation's zone: for times a person types or reads."""
    held = _held.get()
    return held.astimezone() if held is not None else dt.datetime.now().astimezone()


def set_at(moment: dt.datetime | None) -> contextvars.Token[dt.datetime | None]:
    """Hold this thread's clock at ``moment`` (aware; None: the real clock); reset with the token."""
    return _held.set(moment)


def reset(token: contextvars.Token[dt.datetime | None]) -> None:
    _held.reset(token)
