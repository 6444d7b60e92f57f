"""Sign-in, lockout, quick user switch, lock/unlock, sign-out, and permission checks.

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
import re
import secrets
import uuid
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import func, select, text, update

from pharmacy_desktop.db.models.users import AuthFailure, Permission, Role, RolePermission, User, UserSession
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain.clock import utcnow
from pharmacy_desktop.domain.password_policy import password_problems, pin_problems
from pharmacy_desktop.errors import ConcurrentUpdate, PermissionDenied, PharmacyError, ValidationFailed
from pharmacy_desktop.security import hash_secret, hash_token, needs_rehash, verify_secret
from pharmacy_desktop.services.text_checks import text_errors

MAX_FAILED_ATTEMPTS = 5
LOCKOUT = dt.timedelta(minutes=15)  # the counting window, and how long a lockout lasts
MAX_SWITCH_DELAY = dt.timedelta(seconds=60)
SESSION_LENGTH = dt.timedelta(hours=12)  # one shift
ROLES = ("pharmacist", "technician", "manager", "admin")
_NOBODY = uuid.UUID(int=0)  # aggregate id of events about an unknown account
_FIRST_RUN_LOCK = 0x5048_4152_4D01  # pg advisory lock key: one first-run set-up at a time
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,49}$")

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


def require(uow: UnitOfWork, actor: Actor, permission: str, *, doing: str | None = None,
            subject: tuple[str, uuid.UUID] | None = None) -> None:
    """Raise ``PermissionDenied`` when ``actor`` may not; the denial is recorded as a domain event.

    Call it before changing anything: on a denial the unit of work's pending changes are rolled
    back, and only the denial is committed. ``subject`` (e.g. ``("prescription", rx_id)``) names
    what the refused action was about; the event carries it as ``subject_type`` / ``subject_id``.
    A stale ``Actor`` (see ``require_current``) is refused first, whatever the permission.
    """
    def what() -> str:
        described = uow.session.scalar(select(Permission.description).where(Permission.name == permission))
        return doing or described or permission

    if actor.can(permission):
        require_current(uow, actor, doing=what)
        if _granted_now(uow, actor.user_id, permission):
            return
    what = what()
    _refuse(uow, actor, "PermissionDenied",
            {"permission": permission, "username": actor.username, "role": actor.role,
             **({"subject_type": subject[0], "subject_id": subject[1]} if subject is not None else {})})
    if actor.can(permission):
        raise PermissionDenied(
            f"{actor.display_name} may no longer {what}: the account's role changed. "
            "Sign out, and ask an administrator if this is wrong."
        )
    raise PermissionDenied(
        f"{actor.display_name} ({actor.role}) may not {what}. "
        f"This needs the '{permission}' permission: ask a pharmacist or manager to sign in."
    )


def require_current(uow: UnitOfWork, actor: Actor, *, doing: str | Callable[[], str] = "do that") -> None:
    """Refuse (and record) an ``Actor`` whose account was deactivated, deleted or locked, or whose
    workstation session was revoked or expired, since it signed in: an open window is no licence."""
    at = utcnow()
    row = uow.session.execute(  # one round trip: this runs before every permitted action
        select(User.is_active, User.deleted_at, User.locked_until, UserSession.id.label("session"),
               UserSession.revoked_at, UserSession.expires_at)
        .select_from(User)
        .outerjoin(UserSession, (UserSession.user_id == User.id) & (UserSession.id == actor.session_id))
        .where(User.id == actor.user_id)
        .execution_options(include_deleted=True)
    ).first()
    if row is None or row.deleted_at is not None or row.is_active is not True:
        reason = "the account was deactivated"
    elif row.locked_until is not None and row.locked_until > at:
        reason = "the account is locked after too many wrong passwords"
    elif actor.session_id is not None and (row.session is None or row.revoked_at is not None
                                           or row.expires_at <= at):
        reason = "the session ended (signed out, or the shift is over)"
    else:
        reason = None
    if reason is None:
        return
    doing = doing() if callable(doing) else doing
    _refuse(uow, actor, "StaleSessionRefused", {"reason": reason, "doing": doing})
    raise PermissionDenied(
        f"{actor.display_name} may no longer {doing}: {reason}. Nothing was done. "
        "Sign out and sign in again; ask an administrator if this is wrong."
    )


def _refuse(uow: UnitOfWork, actor: Actor, event: str, data: dict) -> None:
    """Roll back the refused work and commit only the refusal, stamped with the refused actor."""
    uow.rollback()
    uow._notices.clear()  # noqa: SLF001 - nothing of the refused work may be announced
    uow.check_account = False  # the refusal of a stale account must itself be written
    uow.actor_id = actor.user_id
    uow.record(event, "user", actor.user_id, {**data, "workstation": actor.workstation})
    uow.commit()


def _granted_now(uow: UnitOfWork, user_id: uuid.UUID, permission: str) -> bool:
    stmt = (
        select(User.id)
        .join(Role, Role.name == User.role)
        .join(RolePermission, RolePermission.role_id == Role.id)
        .join(Permission, Permission.id == RolePermission.permission_id)
        .where(User.id == user_id, User.is_active.is_(True), User.deleted_at.is_(None), Permission.name == permission)
        .execution_options(include_deleted=True)
    )
    return uow.session.scalar(stmt) is not None


def _permissions_of(uow: UnitOfWork, role: str) -> frozenset[str]:
    rows = uow.session.scalars(
        select(Permission.name)
        .join(RolePermission, RolePermission.permission_id == Permission.id)
        .join(Role, Role.id == RolePermission.role_id)
        .where(Role.name == role)
    )
    return frozenset(rows)


def _actor(uow: UnitOfWork, user: User, session: UserSession | None, workstation: str) -> Actor:
    return Actor(
        user_id=user.id,
        username=user.username,
        display_name=f"{user.first_name} {user.last_name}",
        role=user.role,
        permissions=_permissions_of(uow, user.role),
        session_id=session.id if session else None,
        workstation=workstation,
        license_number=user.license_number,
    )


def actor_for(uow_factory: UnitOfWorkFactory, user_id: uuid.UUID, workstation: str) -> Actor:
    """The ``Actor`` of an existing active account without a sign-in (operator tools only, such as
    ``pharmacy-desktop screenshots``; the app always signs in)."""
    with uow_factory() as uow:
        user = uow.users.require(user_id)
        if not user.is_active:
            raise PermissionDenied(f"The account {user.username} is deactivated.")
        return _actor(uow, user, None, workstation)


def _unchecked(uow_factory: UnitOfWorkFactory, user_id: uuid.UUID | None) -> UnitOfWork:
    """A unit of work for what a stale account may still do (sign out, lock, try to unlock)."""
    uow = uow_factory(user_id)
    uow.check_account = False
    return uow


def _find_user(uow: UnitOfWork, username: str, *, include_deleted: bool = False) -> User | None:
    """Case-insensitive and exact (no LIKE: '%' and '_' in typed text are plain characters)."""
    if not username.isprintable():  # control characters (NUL cannot even be sent) name no account
        return None
    stmt = select(User).where(func.lower(User.username) == username.strip().lower())
    return uow.session.scalars(stmt.execution_options(include_deleted=include_deleted)).first()


def _is_locked(user: User, at: dt.datetime) -> bool:
    return user.locked_until is not None and user.locked_until > at


def _locked_error(user: User, at: dt.datetime) -> AccountLocked:
    """For someone already signed in (lock screen, password change): the account is no secret to them."""
    minutes = max(1, int((user.locked_until - at).total_seconds() // 60) + 1)
    return AccountLocked(
        f"This account is locked after {MAX_FAILED_ATTEMPTS} wrong passwords. "
        f"Try again in {minutes} minute{'s' if minutes != 1 else ''}, or ask an administrator to unlock it."
    )


def _record_failure(uow: UnitOfWork, workstation: str, method: str, user_ids: list[uuid.UUID],
                    at: dt.datetime) -> tuple[int, dt.datetime | None]:
    """One wrong password/PIN/badge into ``auth_failures`` (the database function counts a password's
    failures within the window and locks the account at the limit); returns (count, locked_until)."""
    row = uow.session.execute(
        text("SELECT failure_count, locked_until_at FROM user_schema.record_auth_failure("
             ":workstation, :method, CAST(:user_ids AS uuid[]), :at, :limit, :window)"),
        {"workstation": workstation[:100], "method": method, "user_ids": list(user_ids), "at": at,
         "limit": MAX_FAILED_ATTEMPTS, "window": LOCKOUT},
    ).one()
    return row.failure_count, row.locked_until_at


def _count_failure(uow: UnitOfWork, user: User, at: dt.datetime, workstation: str, event: str,
                   *, signed_in: bool = False) -> AuthenticationFailed:
    """Count a wrong password in the database (two workstations failing at once both count), lock the
    account at the limit; commits and returns the error to raise. Only someone already signed in
    (``signed_in``) is told in so many words that the account is now locked."""
    count, locked_until = _record_failure(uow, workstation, "password", [user.id], at)
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


# -- sign-in, switch, lock, sign-out -----------------------------------------------------------


def sign_in(uow_factory: UnitOfWorkFactory, username: str, password: str, workstation: str,
            *, now: Callable[[], dt.datetime] = utcnow) -> Actor:
    """Password sign-in: a workstation session for one shift. Failures are counted in the database."""
    with uow_factory() as uow:
        at = now()
        user = _find_user(uow, username)
        if user is None or not user.is_active:
            verify_secret(None, password)  # same cost as a real check: no timing oracle
            # the typed name is not recorded: people type their password into the username field
            uow.record("SignInFailed", "user", user.id if user else _NOBODY,
                       {"reason": "inactive account" if user else "unknown username", "workstation": workstation})
            uow.commit()
            raise AuthenticationFailed(WRONG_PASSWORD)
        if _is_locked(user, at):
            verify_secret(None, password)  # a locked account answers as slowly as any other
            uow.record("SignInRefusedLocked", "user", user.id, {"workstation": workstation})
            uow.commit()
            raise AccountLocked(WRONG_PASSWORD)
        if not verify_secret(user.password_hash, password):
            raise _count_failure(uow, user, at, workstation, "SignInFailed")
        session = UserSession(
            user_id=user.id,
            refresh_token=hash_token(secrets.token_urlsafe(32)),
            user_agent="pharmacy-desktop",
            expires_at=at + SESSION_LENGTH,
            workstation=workstation,
            method="password",
            last_seen_at=at,
        )
        uow.session.add(session)
        uow.actor_id = user.id
        # counters start again and the account's PIN/badge block ends: it proved its password
        uow.session.execute(select(func.user_schema.note_sign_in(user.id, at)))
        if needs_rehash(user.password_hash):
            uow.session.execute(select(func.user_schema.set_credential(user.id, "password", hash_secret(password), at)))
        uow.session.flush()
        actor = _actor(uow, user, session, workstation)
        uow.record("SignedIn", "user", user.id, {"workstation": workstation, "method": "password"})
        uow.commit()
        return actor


def _shift_users(uow: UnitOfWork, workstation: str, at: dt.datetime) -> list[tuple[User, UserSession]]:
    """Users with a live password sign-in on this workstation: the only ones a PIN/badge may switch to."""
    rows = uow.session.execute(
        select(User, UserSession)
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            UserSession.workstation == workstation,
            UserSession.method == "password",
            UserSession.revoked_at.is_(None),
            UserSession.expires_at > at,
            User.is_active.is_(True),
        )
        .order_by(UserSession.created_at.desc())
    ).all()
    seen: set[uuid.UUID] = set()
    result = []
    for user, session in rows:
        if user.id not in seen:
            seen.add(user.id)
            result.append((user, session))
    return result


_SWITCH_METHODS = ("pin", "badge")


def _switch_failures_against(uow: UnitOfWork, user: User, at: dt.datetime) -> int:
    """Wrong PINs/badges counted against ``user`` since its last password sign-in (or unlock)."""
    since = user.failures_counted_from or (at - SESSION_LENGTH)
    return uow.session.scalar(
        select(func.count()).select_from(AuthFailure)
        .where(AuthFailure.method.in_(_SWITCH_METHODS), AuthFailure.user_ids.any(user.id),
               AuthFailure.occurred_at > since, AuthFailure.occurred_at <= at)
    ) or 0


def switch_retry_at(uow: UnitOfWork, workstation: str, at: dt.datetime) -> dt.datetime | None:
    """When the next PIN/badge may be checked on ``workstation`` (None: now): each failure within the
    window doubles the wait after the last one."""
    count, last = uow.session.execute(
        select(func.count(), func.max(AuthFailure.occurred_at))
        .where(AuthFailure.workstation == workstation, AuthFailure.method.in_(_SWITCH_METHODS),
               AuthFailure.occurred_at > at - LOCKOUT, AuthFailure.occurred_at <= at)
    ).one()
    if not count:
        return None
    wait = min(dt.timedelta(seconds=2 ** min(count - 1, 16)), MAX_SWITCH_DELAY)
    return last + wait if last + wait > at else None


def quick_switch(uow_factory: UnitOfWorkFactory, credential: str, workstation: str, *, method: str = "pin",
                 from_actor: Actor | None = None, now: Callable[[], dt.datetime] = utcnow) -> Actor:
    """Switch user by PIN or badge scan, for someone who signed in with a password here this shift
    (see the module docstring for how wrong PINs are counted)."""
    if method not in _SWITCH_METHODS:
        raise ValueError(method)
    what = "PIN" if method == "pin" else "badge"
    # whoever is on screen may have been deactivated meanwhile: switching away must still work
    with _unchecked(uow_factory, from_actor.user_id if from_actor else None) as uow:
        at = now()
        from_user = str(from_actor.user_id) if from_actor else None
        base = {"workstation": workstation, "method": method, "from_user": from_user}
        retry_at = switch_retry_at(uow, workstation, at)
        if retry_at is not None:
            seconds = max(1, int((retry_at - at).total_seconds() + 0.999))
            uow.record("SwitchRefused", "user", from_actor.user_id if from_actor else _NOBODY,
                       {**base, "reason": "too soon after a wrong PIN or badge", "retry_at": retry_at})
            uow.commit()
            raise TryLater(
                f"Wait {seconds} second{'s' if seconds != 1 else ''} before the next {what}: there were wrong PINs "
                "or badges on this workstation. Or sign in with your username and password.", retry_at)
        shift = _shift_users(uow, workstation, at)
        open_to_switch = [(u, s) for u, s in shift
                          if not _is_locked(u, at) and _switch_failures_against(uow, u, at) < MAX_FAILED_ATTEMPTS]
        matches = []
        for user, session in open_to_switch:
            stored = user.pin_hash if method == "pin" else user.badge_hash
            if stored and verify_secret(stored, credential):
                matches.append((user, session))
        if len(matches) == 1:
            user, session = matches[0]
            session.last_seen_at = at
            actor = _actor(uow, user, session, workstation)
            uow.actor_id = user.id
            uow.record("UserSwitched", "user", user.id, base)
            uow.commit()
            return actor
        if not open_to_switch:
            # nothing was checked, so nothing is counted: the way in is a password
            uow.record("SwitchRefused", "user", _NOBODY,
                       {**base, "reason": "no account here may switch by PIN or badge", "blocked": len(shift)})
            uow.commit()
            if not shift:
                raise AuthenticationFailed(f"No one signed in on this workstation this shift has that {what}. "
                                           "Sign in with your username and password first.")
            raise AuthenticationFailed(
                f"Switching by {what} needs a password sign-in on this workstation first "
                f"(after {MAX_FAILED_ATTEMPTS} wrong PINs or badges an account needs its password again). "
                "Sign in with your username and password."
            )
        # aimed at whom? a wrong one could be any of them; an ambiguous one is both of theirs
        counted = [u.id for u, _ in (matches or shift)]
        _record_failure(uow, workstation, method, counted, at)
        reason = "ambiguous" if matches else "no match"
        uow.record("SwitchFailed", "user", _NOBODY, {**base, "reason": reason, "counted_against": len(counted)})
        next_try = switch_retry_at(uow, workstation, at)
        uow.commit()
    wait = ""
    if next_try is not None:
        seconds = max(1, int((next_try - at).total_seconds() + 0.999))
        wait = f" Wait {seconds} second{'s' if seconds != 1 else ''} before the next try."
    if matches:
        raise AuthenticationFailed(
            f"That {what} belongs to more than one person signed in here. Sign in with your username and "
            "password, then choose a different PIN." + wait
        )
    raise AuthenticationFailed(
        f"No one signed in on this workstation this shift has that {what}, or that account needs its password "
        f"after {MAX_FAILED_ATTEMPTS} wrong tries. Sign in with your username and password first." + wait
    )


def unlock(uow_factory: UnitOfWorkFactory, actor: Actor, secret: str, *, now: Callable[[], dt.datetime] = utcnow) -> Actor:
    """The same user resumes after a lock with their password or PIN; wrong ones count toward the lockout."""
    with _unchecked(uow_factory, actor.user_id) as uow:
        at = now()
        user = uow.users.get(actor.user_id)
        if user is None or not user.is_active:
            uow.record("UnlockFailed", "user", actor.user_id, {"workstation": actor.workstation, "reason": "inactive"})
            uow.commit()
            raise AuthenticationFailed("This account is no longer active. Sign in as someone else.")
        if _is_locked(user, at):
            uow.record("SignInRefusedLocked", "user", user.id, {"workstation": actor.workstation})
            uow.commit()
            raise _locked_error(user, at)
        if actor.session_id is not None:
            session = uow.session.get(UserSession, actor.session_id)
            if session is None or session.revoked_at is not None or session.expires_at <= at:
                uow.record("UnlockFailed", "user", user.id, {"workstation": actor.workstation, "reason": "session ended"})
                uow.commit()
                raise AuthenticationFailed("Your session has ended (the shift is over or you signed out). "
                                           "Sign in again with your username and password.")
        ok = verify_secret(user.password_hash, secret) or (user.pin_hash is not None and verify_secret(user.pin_hash, secret))
        if not ok:
            raise _count_failure(uow, user, at, actor.workstation, "UnlockFailed", signed_in=True)
        # no counter is reset: a PIN that opens the lock screen proves less than a password sign-in
        uow.record("Unlocked", "user", actor.user_id, {"workstation": actor.workstation})
        uow.commit()
    return actor


def sign_out(uow_factory: UnitOfWorkFactory, actor: Actor, *, now: Callable[[], dt.datetime] = utcnow) -> None:
    """Revoke the user's sessions on this workstation: no PIN switch back to them afterwards."""
    with _unchecked(uow_factory, actor.user_id) as uow:
        uow.session.execute(
            update(UserSession).where(UserSession.user_id == actor.user_id, UserSession.workstation == actor.workstation,
                                      UserSession.revoked_at.is_(None))
            .values(revoked_at=now()).execution_options(synchronize_session=False)
        )
        uow.record("SignedOut", "user", actor.user_id, {"workstation": actor.workstation})
        uow.commit()


def record_lock(uow_factory: UnitOfWorkFactory, actor: Actor, reason: str) -> None:
    with _unchecked(uow_factory, actor.user_id) as uow:
        uow.record("WorkstationLocked", "user", actor.user_id, {"workstation": actor.workstation, "reason": reason})
        uow.commit()


# -- account management ------------------------------------------------------------------------


@dataclass(frozen=True)
class UserRow:
    id: uuid.UUID
    username: str
    full_name: str
    email: str
    role: str
    license_number: str | None
    is_active: bool
    locked: bool
    has_pin: bool
    last_login_at: dt.datetime | None
    version: int
    has_badge: bool = False
    first_name: str = ""
    last_name: str = ""
    phone: str | None = None
    locked_until: dt.datetime | None = None


def _validate_password(password: str, username: str, first: str = "", last: str = "") -> None:
    problems = password_problems(password, username, names=(first, last))
    if problems:
        raise ValidationFailed("The password is too weak: " + "; ".join(problems) + ".", {"password": "; ".join(problems)})


def _account_problems(username: str, email: str, first_name: str, last_name: str, role: str,
                      license_number: str | None, phone: str | None = None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not _USERNAME.match(username.strip()):
        errors["username"] = "2 to 50 letters, digits, dots, dashes or underscores"
    if not first_name.strip():
        errors["first_name"] = "required"
    if not last_name.strip():
        errors["last_name"] = "required"
    if role not in ROLES:
        errors["role"] = "choose pharmacist, technician, manager or admin"
    if role == "pharmacist" and not (license_number or "").strip():
        errors["license_number"] = "a pharmacist needs a license number"
    if not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email.strip()):
        errors["email"] = "an email address like name@pharmacy.com"
    # lengths from the columns, no NUL or control characters (services/text_checks.py)
    errors.update(text_errors([("username", User.username, username), ("email", User.email, email),
                               ("first_name", User.first_name, first_name), ("last_name", User.last_name, last_name),
                               ("license_number", User.license_number, license_number), ("phone", User.phone, phone)]))
    return errors


def create_user_in(uow: UnitOfWork, actor: Actor | None, *, username: str, password: str, email: str,
                   first_name: str, last_name: str, role: str, license_number: str | None = None,
                   phone: str | None = None) -> uuid.UUID:
    """``create_user`` inside an open unit of work (the caller commits); used by first-run set-up."""
    errors = _account_problems(username, email, first_name, last_name, role, license_number, phone)
    if errors:
        raise ValidationFailed("Check the highlighted fields: " + ", ".join(f"{k.replace('_', ' ')} {v}"
                                                                            for k, v in errors.items()) + ".", errors)
    _validate_password(password, username, first_name, last_name)
    if actor is not None:
        require(uow, actor, "users.manage")
    else:
        # two workstations running the first-run wizard at once: only one creates the first admin
        uow.session.execute(select(func.pg_advisory_xact_lock(_FIRST_RUN_LOCK)))
        if role != "admin" or _any_user(uow):
            raise PermissionDenied("Only an administrator can create users once the first one exists: sign in.")
    if _find_user(uow, username, include_deleted=True) is not None:
        raise ValidationFailed(f"The username '{username.strip()}' is taken. Choose another.", {"username": "taken"})
    taken = select(User.id).where(func.lower(User.email) == email.strip().lower()).execution_options(include_deleted=True)
    if uow.session.scalar(taken) is not None:
        raise ValidationFailed(f"Another account uses {email.strip()}.", {"email": "used by another account"})
    # through the database function: it checks users.manage (or first run) itself
    user_id = uuid.uuid4()
    uow.session.execute(select(func.user_schema.create_account(
        user_id, username.strip(), email.strip(), hash_secret(password), first_name.strip(), last_name.strip(), role,
        (license_number or "").strip() or None, (phone or "").strip() or None, utcnow())))
    uow.record("UserCreated", "user", user_id, {"username": username.strip(), "role": role,
                                                "by": str(actor.user_id) if actor else "first-run set-up"})
    return user_id


def create_user(uow_factory: UnitOfWorkFactory, actor: Actor | None, *, username: str, password: str, email: str,
                first_name: str, last_name: str, role: str, license_number: str | None = None,
                phone: str | None = None) -> uuid.UUID:
    """Create an account (``actor`` None only for the first administrator, while no account exists)."""
    with uow_factory(actor.user_id if actor else None) as uow:
        user_id = create_user_in(uow, actor, username=username, password=password, email=email,
                                 first_name=first_name, last_name=last_name, role=role,
                                 license_number=license_number, phone=phone)
        uow.commit()
        return user_id


def _any_user(uow: UnitOfWork) -> bool:
    return uow.session.scalar(select(User.id).limit(1).execution_options(include_deleted=True)) is not None


def set_pin(uow_factory: UnitOfWorkFactory, actor: Actor, pin: str) -> None:
    problems = pin_problems(pin)
    if problems:
        raise ValidationFailed("The PIN must be " + "; ".join(problems) + ".", {"pin": "; ".join(problems)})
    with uow_factory(actor.user_id) as uow:
        require_current(uow, actor, doing="set a PIN")
        _set_credential(uow, actor.user_id, "pin", hash_secret(pin))
        uow.record("PinChanged", "user", actor.user_id, {})
        uow.commit()


def set_badge(uow_factory: UnitOfWorkFactory, actor: Actor, user_id: uuid.UUID, badge_code: str) -> None:
    code = badge_code.strip()
    if len(code) < 6:
        raise ValidationFailed("A badge code has at least 6 characters: scan the badge.", {"badge": "too short"})
    with uow_factory(actor.user_id) as uow:
        if actor.user_id != user_id:
            require(uow, actor, "users.manage")
        else:
            require_current(uow, actor, doing="set a badge")
        user = uow.users.require(user_id)
        others = uow.session.scalars(select(User.badge_hash).where(User.id != user_id, User.badge_hash.is_not(None)))
        if any(verify_secret(h, code) for h in others):
            raise ValidationFailed("This badge is already assigned to another account. Scan a different badge.",
                                   {"badge": "assigned to another account"})
        _set_credential(uow, user.id, "badge", hash_secret(code))
        uow.record("BadgeAssigned", "user", user.id, {"by": str(actor.user_id)})
        uow.commit()


def change_password(uow_factory: UnitOfWorkFactory, actor: Actor, old: str, new: str) -> None:
    with uow_factory(actor.user_id) as uow:
        require_current(uow, actor, doing="change the password")
        user = uow.users.require(actor.user_id)
        if not verify_secret(user.password_hash, old):
            raise _count_failure(uow, user, utcnow(), actor.workstation, "PasswordChangeFailed", signed_in=True)
        if old == new:
            raise ValidationFailed("Choose a password different from the current one.", {"password": "unchanged"})
        _validate_password(new, user.username, user.first_name, user.last_name)
        _set_credential(uow, user.id, "password", hash_secret(new))
        uow.record("PasswordChanged", "user", user.id, {})
        uow.commit()


def _set_credential(uow: UnitOfWork, user_id: uuid.UUID, kind: str, hashed: str) -> None:
    """Password, PIN or badge hash through the database function (the account itself or users.manage)."""
    uow.session.execute(select(func.user_schema.set_credential(user_id, kind, hashed, utcnow())))


def list_users(uow_factory: UnitOfWorkFactory, actor: Actor) -> list[UserRow]:
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, "users.manage")
        at = utcnow()
        users = uow.session.scalars(select(User).order_by(User.is_active.desc(), User.last_name, User.first_name)).all()
        return [
            UserRow(u.id, u.username, f"{u.first_name} {u.last_name}", u.email, u.role, u.license_number,
                    bool(u.is_active), _is_locked(u, at), u.pin_hash is not None, u.last_login_at, u.version,
                    has_badge=u.badge_hash is not None, first_name=u.first_name, last_name=u.last_name,
                    phone=u.phone, locked_until=u.locked_until if _is_locked(u, at) else None)
            for u in users
        ]


def _active_admins(uow: UnitOfWork) -> int:
    return uow.session.scalar(
        select(func.count()).select_from(User).where(User.role == "admin", User.is_active.is_(True))
    ) or 0


def update_user(uow_factory: UnitOfWorkFactory, actor: Actor, user_id: uuid.UUID, expected_version: int, **changes) -> None:
    """Change an account; refused when someone saved it since ``expected_version`` was read."""
    allowed = {"role", "license_number", "is_active", "email", "phone", "first_name", "last_name"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"cannot change {sorted(unknown)}")
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, "users.manage")
        user = uow.users.require(user_id)
        if user.version != expected_version:
            raise ConcurrentUpdate(
                f"The account {user.username} was changed at another workstation while you edited it. "
                "Reload the list to see the changes, then edit again."
            )
        merged = {k: getattr(user, k) for k in allowed} | changes
        errors = _account_problems(user.username, merged["email"] or "", merged["first_name"] or "",
                                   merged["last_name"] or "", merged["role"], merged["license_number"],
                                   merged["phone"])
        if errors:
            raise ValidationFailed("Check the highlighted fields: " + ", ".join(
                f"{k.replace('_', ' ')} {v}" for k, v in errors.items()) + ".", errors)
        if changes.get("is_active") is False and user_id == actor.user_id:
            raise ValidationFailed("You cannot deactivate your own account.", {"is_active": "own account"})
        losing_admin = user.role == "admin" and user.is_active and (
            changes.get("is_active") is False or changes.get("role", "admin") != "admin")
        if losing_admin and _active_admins(uow) <= 1:
            raise ValidationFailed("This is the last active administrator: make another account an administrator first.",
                                   {"role": "last administrator"})
        for key, value in changes.items():
            if key in ("role", "is_active"):
                continue  # below, through the database function
            if isinstance(value, str):
                value = value.strip() or (None if key in ("license_number", "phone") else "")
            setattr(user, key, value)
        uow.flush()
        access = {k: changes[k] for k in ("role", "is_active") if k in changes and changes[k] != getattr(user, k)}
        if access:
            uow.session.execute(select(func.user_schema.set_account_access(
                user_id, access.get("role"), access.get("is_active"), False)))
        if changes.get("is_active") is False:
            uow.users.revoke_all_sessions(user_id)
        uow.record("UserUpdated", "user", user_id, {**changes, "by": str(actor.user_id)})
        uow.commit()


def delete_user(uow_factory: UnitOfWorkFactory, actor: Actor, user_id: uuid.UUID, expected_version: int) -> None:
    """Soft delete: the row stays for the audit trail (prescriptions name who did what)."""
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, "users.manage")
        user = uow.users.require(user_id)
        if user_id == actor.user_id:
            raise ValidationFailed("You cannot delete your own account.", {})
        if user.version != expected_version:
            raise ConcurrentUpdate(f"The account {user.username} was changed at another workstation. Reload and try again.")
        if user.role == "admin" and user.is_active and _active_admins(uow) <= 1:
            raise ValidationFailed("This is the last active administrator.", {})
        uow.session.execute(select(func.user_schema.set_account_access(user_id, None, False, True)))
        uow.users.revoke_all_sessions(user_id)
        uow.record("UserDeleted", "user", user_id, {"username": user.username, "by": str(actor.user_id)})
        uow.commit()


def unlock_account(uow_factory: UnitOfWorkFactory, actor: Actor, user_id: uuid.UUID) -> None:
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, "users.manage")
        uow.users.require(user_id)
        uow.session.execute(select(func.user_schema.unlock_account(user_id, utcnow())))
        uow.record("AccountUnlocked", "user", user_id, {"by": str(actor.user_id)})
        uow.commit()


def reset_password(uow_factory: UnitOfWorkFactory, actor: Actor, user_id: uuid.UUID, new_password: str) -> None:
    """An administrator sets a new password (and lifts a lockout); the person changes it after."""
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, "users.manage")
        user = uow.users.require(user_id)
        _validate_password(new_password, user.username, user.first_name, user.last_name)
        # another account's password: the function also lifts its lockout
        _set_credential(uow, user_id, "password", hash_secret(new_password))
        uow.record("PasswordReset", "user", user_id, {"by": str(actor.user_id)})
        uow.commit()


def needs_first_run(uow_factory: UnitOfWorkFactory) -> bool:
    """True only while no account at all exists (deactivated and deleted ones count: a pharmacy whose
    administrators all left must not fall back to an open set-up wizard)."""
    with uow_factory() as uow:
        return not _any_user(uow)
