"""The one clock: every "now" in the application comes from here.

Stored times are timezone-aware UTC (``utcnow``); what a person reads or types ("4pm",
"tomorrow") is in the workstation's local zone (``local_now``).
"""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    """Now, timezone-aware, in UTC: for every stored timestamp."""
    return dt.datetime.now(dt.UTC)


def local_now() -> dt.datetime:
    """Now, timezone-aware, in the workstation's zone: for times a person types or reads."""
    return dt.datetime.now().astimezone()
