"""Who may act: the ``Actor``, permission checks against the database, and the guessing limits
shared by sign-in, unlock, quick switch and password changes (services/auth.py tells the whole
story of the limits).

Every service that changes pharmacy data takes the acting ``Actor`` and calls ``require``; the UI
hiding a button is a convenience, this is the rule. ``require`` asks the database too, so an
account deactivated (or moved to another role) by an administrator stops working at once, not at
the end of the shift. ``require`` (and ``require_current`` for what needs no permission) also
refuses an ``Actor`` whose account was deactivated, deleted or locked, or whose session ended,
since it signed in.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

from pharmacy_desktop.db.models.users import User, UserSession
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain.clock import utcnow
from pharmacy_desktop.errors import PermissionDenied, PharmacyError

MAX_FAILED_ATTEMPTS = 5
LOCKOUT = dt.timedelta(minutes=15)  # the counting window, and how long a lockout lasts
MAX_SWITCH_DELAY = dt.timedelta(seconds=60)
SESSION_LENGTH = dt.timedelta(hours=12)  # one shift
ROLES = ("pharmacist", "technician", "manager", "admin")
NOBODY = uuid.UUID(int=0)  # aggregate id of events about an unknown account
T = TypeVar("T")

_MINUTES = int(LOCKOUT.total_seconds() // 60)
# one refusal for an unknown user, a wrong password and a locked account: it tells nobody which
WRONG_PASSWORD = (
    "Wrong username or password, or the account is locked. Check Caps Lock and try again. "
    f"{MAX_FAILED_ATTEMPTS} wrong passwords within {_MINUTES} minutes lock an account for {_MINUTES} minutes; "
    "an administrator can unlock it sooner."
)


class AuthenticationFailed(PharmacyError):
    pass


class AccountLocked(AuthenticationFailed):
    pass


class TryLater(AuthenticationFailed):
    """Refused without checking the credential: too soon after wrong PINs or badges here."""

    def __init__(self, message: str, retry_at: dt.datetime):
        super().__init__(message)
        self.retry_at = retry_at


@dataclass(frozen=True)
class Actor:
    """Who is acting at this workstation: passed to every service call."""

    user_id: uuid.UUID
    username: str
    display_name: str
    role: str
    permissions: frozenset[str]
    session_id: uuid.UUID | None
    workstation: str
    license_number: str | None = None

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    @property
    def role_title(self) -> str:
        return self.role.capitalize()


# -- permissions -------------------------------------------------------------------------------


def require(
    uow: UnitOfWork,
    actor: Actor,
    permission: str,
    *,
    doing: str | None = None,
    subject: tuple[str, uuid.UUID] | None = None,
) -> None:
    """Raise ``PermissionDenied`` when ``actor`` may not; the denial is recorded as a domain event.

    Call it before changing anything: on a denial the unit of work's pending changes are rolled
    back, and only the denial is committed. ``subject`` (e.g. ``("prescription", rx_id)``) names
    what the refused action was about; the event carries it as ``subject_type`` / ``subject_id``.
    A stale ``Actor`` (see ``require_current``) is refused first, whatever the permission.
    """

    def what() -> str:
        described = uow.users.permission_description(permission)
        return doing or described or permission

    if actor.can(permission):
        require_current(uow, actor, doing=what)
        if uow.users.granted_now(actor.user_id, permission):
            return
    described = what()
    refuse(
        uow,
        actor,
        "PermissionDenied",
        {
            "permission": permission,
            "username": actor.username,
            "role": actor.role,
            **({"subject_type": subject[0], "subject_id": subject[1]} if subject is not None else {}),
        },
    )
    if actor.can(permission):
        raise PermissionDenied(
            f"{actor.display_name} may no longer {described}: the account's role changed. "
            "Sign out, and ask an administrator if this is wrong."
        )
    raise PermissionDenied(
        f"{actor.display_name} ({actor.role}) may not {described}. "
        f"This needs the '{permission}' permission: ask a pharmacist or manager to sign in."
    )


class Permit(NamedTuple):
    """What a repository needs to check a permission inside its own read statement (``permitted_read``)."""

    user_id: uuid.UUID
    session_id: uuid.UUID | None
    permission: str
    at: dt.datetime


def permitted_read(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    permission: str,
    at_once: Callable[[Permit], tuple[bool, T] | None],
    in_uow: Callable[[UnitOfWork], T],
    *,
    doing: str | None = None,
) -> T:
    """A read on every key press, with ``require``'s checks in the read's own statement.

    ``at_once(permit)`` runs the read with require's checks (account standing, session, the role's
    permission, all as of now) in the same statement, outside a unit of work, and returns (allowed,
    result), or None when it cannot run that way. Why not a cache of granted permissions per session:
    an account deactivated or moved to another role at another workstation must stop at its next
    action, and nothing here would hear of it; checked in the statement, the answer is as fresh as
    ``require``'s and costs no round trip of its own. When the statement says no (or cannot run),
    a unit of work decides as ever: ``require`` records and raises the refusal with its usual words,
    or (the app's clock and the database's disagreeing about a session's end) lets the actor
    through, and ``in_uow(uow)`` reads.
    """
    if actor.can(permission):
        answer = at_once(Permit(actor.user_id, actor.session_id, permission, utcnow()))
        if answer is not None and answer[0]:
            return answer[1]
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, permission, doing=doing)
        return in_uow(uow)


def require_current(uow: UnitOfWork, actor: Actor, *, doing: str | Callable[[], str] = "do that") -> None:
    """Refuse (and record) an ``Actor`` whose account was deactivated, deleted or locked, or whose
    workstation session was revoked or expired, since it signed in: an open window is no licence."""
    at = utcnow()
    row = uow.users.standing(actor.user_id, actor.session_id)  # one round trip: runs before every action
    if row is None or row.deleted_at is not None or row.is_active is not True:
        reason = "the account was deactivated"
    elif row.locked_until is not None and row.locked_until > at:
        reason = "the account is locked after too many wrong passwords"
    elif actor.session_id is not None and (row.session is None or row.revoked_at is not None or row.expires_at <= at):
        reason = "the session ended (signed out, or the shift is over)"
    else:
        reason = None
    if reason is None:
        return
    doing = doing() if callable(doing) else doing
    refuse(uow, actor, "StaleSessionRefused", {"reason": reason, "doing": doing})
    raise PermissionDenied(
        f"{actor.display_name} may no longer {doing}: {reason}. Nothing was done. "
        "Sign out and sign in again; ask an administrator if this is wrong."
    )


def refuse(uow: UnitOfWork, actor: Actor, event: str, data: dict[str, Any]) -> None:
    """Roll back the refused work and commit only the refusal, stamped with the refused actor."""
    uow.rollback()
    uow.discard_notices()  # nothing of the refused work may be announced
    uow.check_account = False  # the refusal of a stale account must itself be written
    uow.actor_id = actor.user_id
    uow.record(event, "user", actor.user_id, {**data, "workstation": actor.workstation})
    uow.commit()


def actor_of(uow: UnitOfWork, user: User, session: UserSession | None, workstation: str) -> Actor:
    """The ``Actor`` of ``user`` (its role's permissions as of now) at ``workstation``."""
    return Actor(
        user_id=user.id,
        username=user.username,
        display_name=f"{user.first_name} {user.last_name}",
        role=user.role,
        permissions=uow.users.permissions_of_role(user.role),
        session_id=session.id if session else None,
        workstation=workstation,
        license_number=user.license_number,
    )


def unchecked(uow_factory: UnitOfWorkFactory, user_id: uuid.UUID | None) -> UnitOfWork:
    """A unit of work for what a stale account may still do (sign out, lock, try to unlock)."""
    uow = uow_factory(user_id)
    uow.check_account = False
    return uow


def find_user(uow: UnitOfWork, username: str, *, include_deleted: bool = False) -> User | None:
    """Case-insensitive and exact (no LIKE: '%' and '_' in typed text are plain characters)."""
    if not username.isprintable():  # control characters (NUL cannot even be sent) name no account
        return None
    return uow.users.find_by_username(username, include_deleted=include_deleted)


def is_locked(user: User, at: dt.datetime) -> bool:
    return user.locked_until is not None and user.locked_until > at


def locked_error(user: User, at: dt.datetime) -> AccountLocked:
    """For someone already signed in (lock screen, password change): the account is no secret to them."""
    assert user.locked_until is not None  # asked only of a locked account
    minutes = max(1, int((user.locked_until - at).total_seconds() // 60) + 1)
    return AccountLocked(
        f"This account is locked after {MAX_FAILED_ATTEMPTS} wrong passwords. "
        f"Try again in {minutes} minute{'s' if minutes != 1 else ''}, or ask an administrator to unlock it."
    )


def record_failure(
    uow: UnitOfWork, workstation: str, method: str, user_ids: list[uuid.UUID], at: dt.datetime
) -> tuple[int, dt.datetime | None]:
    """One wrong password/PIN/badge into ``auth_failures`` (the database function counts a password's
    failures within the window and locks the account at the limit); returns (count, locked_until)."""
    return uow.users.record_auth_failure(workstation, method, user_ids, at, MAX_FAILED_ATTEMPTS, LOCKOUT)


def count_password_failure(
    uow: UnitOfWork, user: User, at: dt.datetime, workstation: str, event: str, *, signed_in: bool = False
) -> AuthenticationFailed:
    """Count a wrong password in the database (two workstations failing at once both count), lock the
    account at the limit; commits and returns the error to raise. Only someone already signed in
    (``signed_in``) is told in so many words that the account is now locked."""
    count, locked_until = record_failure(uow, workstation, "password", [user.id], at)
    uow.record(event, "user", user.id, {"attempt": count, "workstation": workstation})
    if locked_until is not None and locked_until > at:
        uow.record("AccountLocked", "user", user.id, {"until": locked_until.isoformat(), "workstation": workstation})
        uow.commit()
        if signed_in:
            return AccountLocked(
                f"Too many wrong passwords: the account is locked for {_MINUTES} minutes. "
                "Ask an administrator if you need it sooner."
            )
        return AccountLocked(WRONG_PASSWORD)
    uow.commit()
    return AuthenticationFailed(WRONG_PASSWORD)
