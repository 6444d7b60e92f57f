"""Sign-in, lock/unlock, sign-out; and the one name callers import for everything about users:
permission checks live in ``access``, quick switch in ``quick_switch``, account management in
``accounts``, all re-exported here (``auth.require``, ``auth.quick_switch``, ``auth.create_user``).

Every service that changes pharmacy data takes the acting ``Actor`` and calls ``require``; the UI
hiding a button is a convenience, this is the rule. ``require`` asks the database too, so an
account deactivated (or moved to another role) by an administrator stops working at once, not at
the end of the shift.

``require`` (and ``require_current`` for what needs no permission) also refuses an ``Actor`` whose
account was deactivated, deleted or locked, or whose session ended, since it signed in; the unit
of work refuses such an account on every transaction it opens for it, whatever the service.

Guessing limits, all held in the database (``user_schema.auth_failures``: one row per wrong
password, PIN or badge, written by ``user_schema.record_auth_failure``):

- A wrong *password* (sign-in, lock screen, password change) counts against the account typed.
  Failures count within a sliding window (``LOCKOUT``, 15 minutes) and only since the account's
  last good password sign-in, unlock or reset (``users.failures_counted_from``): four failures
  last week and one today are one failure, not a lockout. At ``MAX_FAILED_ATTEMPTS`` the account
  locks for ``LOCKOUT``. Nobody else's success resets the count.
- A wrong *PIN or badge* cannot say whom it was aimed at (a 4-digit PIN is no username), so it
  counts against every account the workstation could have switched to (every live password
  session there) and against the workstation:
  * per account: after ``MAX_FAILED_ATTEMPTS`` such failures since its last password sign-in,
    the account is not offered to quick switch at all until it signs in with its password again.
    Its PIN is then not even checked, so a right guess reads exactly like a wrong one.
  * per workstation: each failure within the window doubles the wait before the next PIN or
    badge is checked there (1 s, 2 s, 4 s ... ``MAX_SWITCH_DELAY``). A try during the wait is
    refused with the time to try again (``TryLater``), unchecked and uncounted: the database
    decides, the GUI thread never sleeps.
  A technician switching back to themselves resets none of this: no success resets a count; a
  count only ages out of its window or, per account, ends at that account's password sign-in.
  Without knowing the target, five guesses block every candidate; the price is that everyone
  signed in there types their password once more, which is the safe side.
- Sign-in refusals read the same for an unknown user, a wrong password and a locked account
  (``WRONG_PASSWORD``) and cost the same hash; the audit log records which it was.

Writes to the lockout fields, role / active / deleted, credentials and the audit tables go
through SECURITY DEFINER functions (revision 0008) that check the acting user in the database
(``pharmacy.user_id``, set by the unit of work): the application role cannot do them directly.
Sign-in bookkeeping does not bump ``users.version``: an administrator editing an account is not
told "changed on another workstation" because its owner signed in.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Callable

from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
from pharmacy_desktop.domain.clock import utcnow
from pharmacy_desktop.errors import PermissionDenied
from pharmacy_desktop.security import hash_secret, hash_token, needs_rehash, verify_secret
from pharmacy_desktop.services.access import (
    LOCKOUT,
    MAX_FAILED_ATTEMPTS,
    MAX_SWITCH_DELAY,
    NOBODY,
    SESSION_LENGTH,
    WRONG_PASSWORD,
    AccountLocked,
    Actor,
    AuthenticationFailed,
    TryLater,
    actor_of,
    count_password_failure,
    find_user,
    is_locked,
    locked_error,
    require,
    require_current,
    unchecked,
)
from pharmacy_desktop.services.accounts import (
    ROLES,
    UserRow,
    change_password,
    create_user,
    create_user_in,
    delete_user,
    list_users,
    needs_first_run,
    reset_password,
    set_badge,
    set_pin,
    unlock_account,
    update_user,
)
from pharmacy_desktop.services.quick_switch import quick_switch, switch_retry_at

__all__ = [
    "LOCKOUT",
    "MAX_FAILED_ATTEMPTS",
    "MAX_SWITCH_DELAY",
    "ROLES",
    "SESSION_LENGTH",
    "WRONG_PASSWORD",
    "AccountLocked",
    "Actor",
    "AuthenticationFailed",
    "TryLater",
    "UserRow",
    "actor_for",
    "change_password",
    "create_user",
    "create_user_in",
    "delete_user",
    "list_users",
    "needs_first_run",
    "quick_switch",
    "record_lock",
    "require",
    "require_current",
    "reset_password",
    "set_badge",
    "set_pin",
    "sign_in",
    "sign_out",
    "switch_retry_at",
    "unlock",
    "unlock_account",
    "update_user",
]


def actor_for(uow_factory: UnitOfWorkFactory, user_id: uuid.UUID, workstation: str) -> Actor:
    """The ``Actor`` of an existing active account without a sign-in (operator tools only, such as
    ``pharmacy-desktop screenshots``; the app always signs in)."""
    with uow_factory() as uow:
        user = uow.users.require(user_id)
        if not user.is_active:
            raise PermissionDenied(f"The account {user.username} is deactivated.")
        return actor_of(uow, user, None, workstation)


# -- sign-in, lock, sign-out -------------------------------------------------------------------


def sign_in(
    uow_factory: UnitOfWorkFactory,
    username: str,
    password: str,
    workstation: str,
    *,
    now: Callable[[], dt.datetime] = utcnow,
) -> Actor:
    """Password sign-in: a workstation session for one shift. Failures are counted in the database."""
    with uow_factory() as uow:
        at = now()
        user = find_user(uow, username)
        if user is None or not user.is_active:
            verify_secret(None, password)  # same cost as a real check: no timing oracle
            # the typed name is not recorded: people type their password into the username field
            uow.record(
                "SignInFailed",
                "user",
                user.id if user else NOBODY,
                {"reason": "inactive account" if user else "unknown username", "workstation": workstation},
            )
            uow.commit()
            raise AuthenticationFailed(WRONG_PASSWORD)
        if is_locked(user, at):
            verify_secret(None, password)  # a locked account answers as slowly as any other
            uow.record("SignInRefusedLocked", "user", user.id, {"workstation": workstation})
            uow.commit()
            raise AccountLocked(WRONG_PASSWORD)
        if not verify_secret(user.password_hash, password):
            raise count_password_failure(uow, user, at, workstation, "SignInFailed")
        session = uow.users.open_workstation_session(
            user.id, hash_token(secrets.token_urlsafe(32)), at, at + SESSION_LENGTH, workstation, "password"
        )
        uow.actor_id = user.id
        # counters start again and the account's PIN/badge block ends: it proved its password
        uow.users.note_sign_in(user.id, at)
        if needs_rehash(user.password_hash):
            uow.users.set_credential(user.id, "password", hash_secret(password), at)
        uow.flush()
        actor = actor_of(uow, user, session, workstation)
        uow.record("SignedIn", "user", user.id, {"workstation": workstation, "method": "password"})
        uow.commit()
        return actor


def unlock(
    uow_factory: UnitOfWorkFactory, actor: Actor, secret: str, *, now: Callable[[], dt.datetime] = utcnow
) -> Actor:
    """The same user resumes after a lock with their password or PIN; wrong ones count toward the lockout."""
    with unchecked(uow_factory, actor.user_id) as uow:
        at = now()
        user = uow.users.get(actor.user_id)
        if user is None or not user.is_active:
            uow.record("UnlockFailed", "user", actor.user_id, {"workstation": actor.workstation, "reason": "inactive"})
            uow.commit()
            raise AuthenticationFailed("This account is no longer active. Sign in as someone else.")
        if is_locked(user, at):
            uow.record("SignInRefusedLocked", "user", user.id, {"workstation": actor.workstation})
            uow.commit()
            raise locked_error(user, at)
        if actor.session_id is not None:
            session = uow.users.workstation_session(actor.session_id)
            if session is None or session.revoked_at is not None or session.expires_at <= at:
                uow.record(
                    "UnlockFailed", "user", user.id, {"workstation": actor.workstation, "reason": "session ended"}
                )
                uow.commit()
                raise AuthenticationFailed(
                    "Your session has ended (the shift is over or you signed out). "
                    "Sign in again with your username and password."
                )
        ok = verify_secret(user.password_hash, secret) or (
            user.pin_hash is not None and verify_secret(user.pin_hash, secret)
        )
        if not ok:
            raise count_password_failure(uow, user, at, actor.workstation, "UnlockFailed", signed_in=True)
        # no counter is reset: a PIN that opens the lock screen proves less than a password sign-in
        uow.record("Unlocked", "user", actor.user_id, {"workstation": actor.workstation})
        uow.commit()
    return actor


def sign_out(uow_factory: UnitOfWorkFactory, actor: Actor, *, now: Callable[[], dt.datetime] = utcnow) -> None:
    """Revoke the user's sessions on this workstation: no PIN switch back to them afterwards."""
    with unchecked(uow_factory, actor.user_id) as uow:
        uow.users.revoke_workstation_sessions(actor.user_id, actor.workstation, now())
        uow.record("SignedOut", "user", actor.user_id, {"workstation": actor.workstation})
        uow.commit()


def record_lock(uow_factory: UnitOfWorkFactory, actor: Actor, reason: str) -> None:
    with unchecked(uow_factory, actor.user_id) as uow:
        uow.record("WorkstationLocked", "user", actor.user_id, {"workstation": actor.workstation, "reason": reason})
        uow.commit()
