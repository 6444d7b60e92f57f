"""The audit trail: who opened which patient record (access logs) and what happened (domain events).

``record_patient_access`` is called by every service that shows a patient record, inside its own
unit of work, so the access is logged exactly when the data is read (and not when it is not).
The queries below serve the manager's audit screen (permission ``audit.view``).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.services.auth import Actor, require

PATIENT_ACTIONS = ("view", "search", "edit", "print", "export")
DEFAULT_LIMIT = 500

# the events a manager looks for first, in words
EVENT_LABELS = {
    "SignedIn": "Signed in",
    "SignedOut": "Signed out",
    "SignInFailed": "Sign-in failed",
    "SignInRefusedLocked": "Sign-in refused (locked)",
    "AccountLocked": "Account locked",
    "AccountUnlocked": "Account unlocked",
    "UserSwitched": "Switched user",
    "SwitchFailed": "Switch failed",
    "SwitchRefused": "Switch refused",
    "WorkstationLocked": "Workstation locked",
    "Unlocked": "Unlocked",
    "UnlockFailed": "Unlock failed",
    "PermissionDenied": "Permission denied",
    "StaleSessionRefused": "Refused: account no longer usable",
    "UserCreated": "User created",
    "UserUpdated": "User changed",
    "UserDeleted": "User deleted",
    "PasswordReset": "Password reset",
    "PasswordChanged": "Password changed",
    "PinChanged": "PIN changed",
    "BadgeAssigned": "Badge assigned",
    "PharmacyProfileSaved": "Pharmacy details saved",
}
# event types that mean trouble: shown with a warning marker
WARNING_EVENTS = frozenset(
    {
        "SignInFailed",
        "SignInRefusedLocked",
        "AccountLocked",
        "SwitchFailed",
        "SwitchRefused",
        "UnlockFailed",
        "PermissionDenied",
        "PasswordChangeFailed",
        "StaleSessionRefused",
    }
)


_ACRONYMS = {"dur": "DUR", "rx": "Rx", "pos": "POS", "ndc": "NDC", "pin": "PIN"}


def event_label(event_type: str) -> str:
    if event_type in EVENT_LABELS:
        return EVENT_LABELS[event_type]
    words = "".join(f" {c.lower()}" if c.isupper() else c for c in event_type).split()
    words = [_ACRONYMS.get(w, w) for w in words]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def record_patient_access(uow: UnitOfWork, actor: Actor, patient_id: uuid.UUID, action: str = "view") -> None:
    """Log that ``actor`` opened (or searched, edited, printed) patient ``patient_id``.

    Written in the caller's unit of work: it is committed with the read it describes. Callers
    check ``patient.view`` (or stronger) themselves before reading.
    """
    if action not in PATIENT_ACTIONS:
        raise ValueError(f"unknown patient access action {action!r}; one of {PATIENT_ACTIONS}")
    if uow.actor_id != actor.user_id:  # the database stamps the unit of work's acting user
        uow.actor_id = actor.user_id
    uow.log_access(action, "patient", patient_id, user_agent=f"pharmacy-desktop@{actor.workstation}")


@dataclass(frozen=True)
class AuditFilter:
    user_id: uuid.UUID | None = None
    event_type: str | None = None  # events only
    resource_type: str | None = None  # aggregate type of an event, resource type of an access
    resource_id: uuid.UUID | None = None
    since: dt.datetime | None = None  # inclusive
    until: dt.datetime | None = None  # exclusive
    limit: int = DEFAULT_LIMIT


@dataclass(frozen=True)
class EventRow:
    occurred_at: dt.datetime
    event_type: str
    label: str
    username: str
    user_name: str
    aggregate_type: str
    aggregate_id: uuid.UUID
    workstation: str
    details: str
    warning: bool
    sequence_number: int
    subject: str = ""  # the account an account event is about ("Dana Whitfield (manager)")


@dataclass(frozen=True)
class AccessRow:
    accessed_at: dt.datetime
    username: str
    user_name: str
    action: str
    resource_type: str
    resource_id: uuid.UUID
    resource_name: str
    workstation: str


@dataclass(frozen=True)
class UserChoice:
    id: uuid.UUID
    username: str
    full_name: str
    role: str


def _value(value: Any, names: dict[str, str]) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    text = str(value)
    if text in names:
        return names[text]
    if len(text) >= 19 and text[4] == "-" and "T" in text:  # an ISO timestamp
        try:
            return dt.datetime.fromisoformat(text).astimezone().strftime("%m/%d/%Y %H:%M")
        except ValueError:
            pass
    return text


def _details(data: dict[str, Any], names: dict[str, str]) -> str:
    shown = {
        k: v for k, v in (data or {}).items() if k not in ("workstation", "username") and v not in (None, "", [], {})
    }
    return ", ".join(f"{k.replace('_', ' ')}: {_value(v, names)}" for k, v in shown.items())


def _user_names(uow: UnitOfWork) -> dict[str, str]:
    return uow.audit.user_names()


def list_events(uow_factory: UnitOfWorkFactory, actor: Actor, flt: AuditFilter = AuditFilter()) -> list[EventRow]:
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, "audit.view")
        found = uow.audit.events_with_actors(
            event_type=flt.event_type or None,
            aggregate_type=flt.resource_type or None,
            aggregate_id=flt.resource_id,
            since=flt.since,
            until=flt.until,
            limit=flt.limit,
            about_user=flt.user_id,
        )
        names = _user_names(uow)
        rows = []
        for event, username, first, last in found:
            data = event.event_data or {}
            subject = ""
            if event.aggregate_type == "user":
                subject = names.get(str(event.aggregate_id), "unknown username" if event.aggregate_id.int == 0 else "")
            elif data.get("rx_number"):  # staff know prescriptions by their Rx number, not an id
                subject = f"Rx {data['rx_number']}"
            rows.append(
                EventRow(
                    occurred_at=event.occurred_at,
                    event_type=event.event_type,
                    label=event_label(event.event_type),
                    username=username or "",
                    user_name=f"{first} {last}" if username else "",
                    aggregate_type=event.aggregate_type,
                    aggregate_id=event.aggregate_id,
                    workstation=str(data.get("workstation") or ""),
                    details=_details(data, names),
                    warning=event.event_type in WARNING_EVENTS,
                    sequence_number=event.sequence_number,
                    subject=subject,
                )
            )
        return rows


def list_access(uow_factory: UnitOfWorkFactory, actor: Actor, flt: AuditFilter = AuditFilter()) -> list[AccessRow]:
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, "audit.view")
        found = uow.audit.access_with_names(
            user_id=flt.user_id,
            resource_type=flt.resource_type or None,
            resource_id=flt.resource_id,
            since=flt.since,
            until=flt.until,
            limit=flt.limit,
        )
        rows = []
        for log, username, first, last, name in found:
            agent = log.user_agent or ""
            rows.append(
                AccessRow(
                    accessed_at=log.accessed_at,
                    username=username or "",
                    user_name=f"{first} {last}" if username else "",
                    action=log.action,
                    resource_type=log.resource_type,
                    resource_id=log.resource_id,
                    resource_name=name if name and name != ", " else "",
                    workstation=agent.partition("@")[2],
                )
            )
        return rows


def event_types(uow_factory: UnitOfWorkFactory, actor: Actor) -> list[str]:
    """Every event type recorded so far, for the filter list."""
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, "audit.view")
        return uow.audit.event_types()


def resource_types(uow_factory: UnitOfWorkFactory, actor: Actor) -> list[str]:
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, "audit.view")
        return uow.audit.resource_types()


def user_choices(uow_factory: UnitOfWorkFactory, actor: Actor) -> list[UserChoice]:
    """Every account, deleted ones included: the trail outlives the account."""
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, "audit.view")
        return [UserChoice(u.id, u.username, f"{u.first_name} {u.last_name}", u.role) for u in uow.audit.every_user()]
