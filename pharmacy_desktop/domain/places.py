"""Places in the application a message can send a person to.

A service names the place ("reprint it from the print queue"); only the UI knows which key
opens it (``ui/keys.py``) and adds it.
"""

from __future__ import annotations

from enum import StrEnum


class Place(StrEnum):
    """The value is how a message names the place."""

    HOME = "home"
    INTAKE = "intake"
    REVIEW = "clinical review"
    DRUG_LOOKUP = "drug lookup"
    FILL = "fill"
    VERIFY = "final verification"
    PICKUP = "pickup"  # will-call (the bins) is part of the pickup screen
    WILL_CALL = "pickup"  # an alias of PICKUP: messages that send someone to will-call reach pickup
    PATIENTS = "patients"
    PRINT_QUEUE = "print queue"
    USERS = "users"
    AUDIT_LOG = "audit log"
    SETTINGS = "Settings"
    MESSAGES = "patient messages"  # texts and e-mails that failed or wait (issue 16)
    INVENTORY = "inventory"  # stock, orders, receiving, counts, adjustments, recalls, reports
