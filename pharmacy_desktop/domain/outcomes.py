"""Outcome codes the services return and the screens compare: enums, never bare strings.

Each is a ``StrEnum``, so a value equals the string it has always been (stored rows, logs and
existing callers keep working) while the UI compares against a name a tool can follow.
"""

from __future__ import annotations

from enum import StrEnum


class FillOutcome(StrEnum):
    """What a bottle scan at fill came to."""

    OK = "ok"
    HARD_STOP = "hard_stop"  # wrong product: the bottle cannot get a label
    REFUSED = "refused"  # expired, recalled, unknown lot, no stock record, no refills left
    INSUFFICIENT = "insufficient"
    AMBIGUOUS = "ambiguous"  # the barcode fits several products: choose one
    INVALID = "invalid"  # unreadable or unknown barcode


class ScanLookup(StrEnum):
    """What a scanned barcode was found to be in the catalog."""

    FOUND = "found"
    AMBIGUOUS = "ambiguous"
    UNKNOWN = "unknown"
    INVALID = "invalid"


class DurStatus(StrEnum):
    """A DUR check's result: a hard stop needs an override, a warning an acknowledgement."""

    PASSED = "passed"
    WARNING = "warning"
    FAILED = "failed"


class PrintJobStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    PRINTED = "printed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class NotificationStatus(StrEnum):
    """notification_schema.notifications.status (revision 0012)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    BOUNCED = "bounced"
    CANCELLED = "cancelled"


UNDELIVERABLE = frozenset({NotificationStatus.FAILED, NotificationStatus.BOUNCED})
