"""Sign-in, lockout, quick user switch, lock/unlock, sign-out, and permission checks.

Every service that changes pharmacy data takes the acting ``Actor`` and calls ``require``; the UI
hiding a button is a convenience, this is the rule.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import select, update

from pharmacy_desktop.db.models.users import Permission, Role, RolePermission, User, UserSession
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain.password_policy import password_problems, pin_problems
from pharmacy_desktop.errors import PermissionDenied, PharmacyError, ValidationFailed
from pharmacy_desktop.security import hash_secret, verify_secret

MAX_FAILED_ATTEMPTS = 5
LOCKOUT = dt.timedelta(minutes=15)
SESSION_LENGTH = dt.timedelta(hours=12)  # one shift


class AuthenticationFailed(PharmacyError):
    pass


class AccountLocked(AuthenticationFailed):
    pass


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


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


def require(uow: UnitOfWork, actor: Actor, permission: str, *, doing: str | None = None) -> None:
    """Raise ``PermissionDenied`` (and record the denial in the same transaction) when not allowed."""
    if actor.can(permission):
        return
    description = uow.session.scalar(select(Permission.description).where(Permission.name == permission))
    what = doing or description or permission
    uow.record("PermissionDenied", "user", actor.user_id, {"permission": permission, "username": actor.username})
    uow.commit()
    raise PermissionDenied(
        f"{actor.display_name} ({actor.role}) may not {what}. "
        f"This needs the '{permission}' permission: ask a pharmacist or manager to sign in."
    )


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


def _find_user(uow: UnitOfWork, username: str) -> User | None:
    return uow.session.scalars(
        select(User).where(User.username.ilike(username.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")))
    ).first()


def sign_in(uow_factory: UnitOfWorkFactory, username: str, password: str, workstation: str,
            *, now: Callable[[], dt.datetime] = utcnow) -> Actor:
    """Password sign-in. Failures are counted in the database, so the lockout holds everywhere."""
    with uow_factory() as uow:
        user = _find_user(uow, username)
        at = now()
        if user is None or not user.is_active:
            verify_secret(None, password)  # same cost as a real check
            uow.record("SignInFailed", "user", user.id if user else uuid.UUID(int=0),
                       {"username": username[:50], "reason": "unknown or inactive user", "workstation": workstation})
            uow.commit()
            raise AuthenticationFailed("Wrong username or password. Check Caps Lock and try again.")
        if user.locked_until and user.locked_until > at:
            minutes = max(1, int((user.locked_until - at).total_seconds() // 60) + 1)
            uow.record("SignInRefusedLocked", "user", user.id, {"workstation": workstation})
            uow.commit()
            raise AccountLocked(
                f"This account is locked after {MAX_FAILED_ATTEMPTS} failed sign-ins. "
                f"Try again in {minutes} minutes, or ask an administrator to unlock it."
            )
        if not verify_secret(user.password_hash, password):
            # atomic increment: two workstations failing at once both count
            count = uow.session.execute(
                update(User).where(User.id == user.id)
                .values(failed_login_count=User.failed_login_count + 1)
                .returning(User.failed_login_count)
                .execution_options(synchronize_session=False)
            ).scalar_one()
            uow.record("SignInFailed", "user", user.id, {"attempt": count, "workstation": workstation})
            if count >= MAX_FAILED_ATTEMPTS:
                uow.session.execute(
                    update(User).where(User.id == user.id)
                    .values(locked_until=at + LOCKOUT, failed_login_count=0)
                    .execution_options(synchronize_session=False)
                )
                uow.record("AccountLocked", "user", user.id, {"until": (at + LOCKOUT).isoformat(), "workstation": workstation})
                uow.commit()
                raise AccountLocked(
                    f"Too many failed sign-ins: the account is locked for {int(LOCKOUT.total_seconds() // 60)} minutes. "
                    "Ask an administrator if you need it sooner."
                )
            uow.commit()
            left = MAX_FAILED_ATTEMPTS - count
            raise AuthenticationFailed(
                f"Wrong username or password. {left} attempt{'s' if left != 1 else ''} left before the account locks."
            )
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
        user.failed_login_count = 0
        user.locked_until = None
        user.last_login_at = at
        uow.session.flush()
        actor = _actor(uow, user, session, workstation)
        uow.actor_id = user.id
        uow.record("SignedIn", "user", user.id, {"workstation": workstation, "method": "password"})
        uow.commit()
        return actor


def hash_token(token: str) -> str:
    import hashlib

    return hashlib.sha256(token.encode()).hexdigest()


def _shift_users(uow: UnitOfWork, workstation: str, at: dt.datetime) -> list[tuple[User, UserSession]]:
    """Users with an unexpired password sign-in on this workstation: the only ones a PIN/badge may switch to."""
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


def quick_switch(uow_factory: UnitOfWorkFactory, credential: str, workstation: str, *, method: str = "pin",
                 from_actor: Actor | None = None, now: Callable[[], dt.datetime] = utcnow) -> Actor:
    """Switch user by PIN or badge scan, for someone who signed in with a password here this shift."""
    if method not in ("pin", "badge"):
        raise ValueError(method)
    with uow_factory(from_actor.user_id if from_actor else None) as uow:
        at = now()
        for user, session in _shift_users(uow, workstation, at):
            stored = user.pin_hash if method == "pin" else user.badge_hash
            if stored and verify_secret(stored, credential):
                if user.locked_until and user.locked_until > at:
                    break
                session.last_seen_at = at
                actor = _actor(uow, user, session, workstation)
                uow.record("UserSwitched", "user", user.id, {
                    "workstation": workstation, "method": method,
                    "from_user": str(from_actor.user_id) if from_actor else None,
                })
                uow.commit()
                return actor
        uow.record("SwitchFailed", "user", from_actor.user_id if from_actor else uuid.UUID(int=0),
                   {"workstation": workstation, "method": method})
        uow.commit()
    raise AuthenticationFailed(
        f"No one signed in on this workstation this shift has that {'PIN' if method == 'pin' else 'badge'}. "
        "Sign in with your username and password first."
    )


def unlock(uow_factory: UnitOfWorkFactory, actor: Actor, secret: str, *, now: Callable[[], dt.datetime] = utcnow) -> Actor:
    """The same user resumes after the idle lock with their password or PIN."""
    with uow_factory(actor.user_id) as uow:
        user = uow.session.get(User, actor.user_id)
        ok = user is not None and user.is_active and (
            verify_secret(user.password_hash, secret) or (user.pin_hash is not None and verify_secret(user.pin_hash, secret))
        )
        uow.record("Unlocked" if ok else "UnlockFailed", "user", actor.user_id, {"workstation": actor.workstation})
        uow.commit()
    if not ok:
        raise AuthenticationFailed("That password or PIN is not right. Try again, or switch user.")
    return actor


def sign_out(uow_factory: UnitOfWorkFactory, actor: Actor, *, now: Callable[[], dt.datetime] = utcnow) -> None:
    with uow_factory(actor.user_id) as uow:
        if actor.session_id:
            uow.session.execute(
                update(UserSession).where(UserSession.user_id == actor.user_id, UserSession.workstation == actor.workstation,
                                          UserSession.revoked_at.is_(None))
                .values(revoked_at=now()).execution_options(synchronize_session=False)
            )
        uow.record("SignedOut", "user", actor.user_id, {"workstation": actor.workstation})
        uow.commit()


def record_lock(uow_factory: UnitOfWorkFactory, actor: Actor, reason: str) -> None:
    with uow_factory(actor.user_id) as uow:
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


def _validate_password(password: str, username: str, first: str = "", last: str = "") -> None:
    problems = password_problems(password, username, names=(first, last))
    if problems:
        raise ValidationFailed("The password is too weak: " + "; ".join(problems) + ".", {"password": "; ".join(problems)})


def create_user(uow_factory: UnitOfWorkFactory, actor: Actor | None, *, username: str, password: str, email: str,
                first_name: str, last_name: str, role: str, license_number: str | None = None,
                phone: str | None = None) -> uuid.UUID:
    """Create an account (``actor`` None only for the first-run administrator)."""
    errors: dict[str, str] = {}
    if not username.strip():
        errors["username"] = "required"
    if role not in ("pharmacist", "technician", "manager", "admin"):
        errors["role"] = "choose pharmacist, technician, manager or admin"
    if role == "pharmacist" and not (license_number or "").strip():
        errors["license_number"] = "a pharmacist needs a license number"
    if "@" not in email:
        errors["email"] = "an email address like name@pharmacy.com"
    if errors:
        raise ValidationFailed("Check the highlighted fields.", errors)
    _validate_password(password, username, first_name, last_name)
    with uow_factory(actor.user_id if actor else None) as uow:
        if actor is not None:
            require(uow, actor, "users.manage")
        elif uow.session.scalar(select(User.id).limit(1)) is not None:
            raise PermissionDenied("Only an administrator can create users once the first one exists.")
        if _find_user(uow, username) is not None:
            raise ValidationFailed(f"The username '{username}' is taken.", {"username": "taken"})
        user = User(
            username=username.strip(), email=email.strip(), password_hash=hash_secret(password),
            first_name=first_name.strip(), last_name=last_name.strip(), role=role,
            license_number=(license_number or None), phone=phone, password_changed_at=utcnow(),
        )
        uow.session.add(user)
        uow.session.flush()
        uow.record("UserCreated", "user", user.id, {"username": user.username, "role": role})
        uow.commit()
        return user.id


def set_pin(uow_factory: UnitOfWorkFactory, actor: Actor, pin: str) -> None:
    problems = pin_problems(pin)
    if problems:
        raise ValidationFailed("The PIN must be " + "; ".join(problems) + ".", {"pin": "; ".join(problems)})
    with uow_factory(actor.user_id) as uow:
        user = uow.users.require(actor.user_id)
        user.pin_hash = hash_secret(pin)
        uow.record("PinChanged", "user", user.id, {})
        uow.commit()


def set_badge(uow_factory: UnitOfWorkFactory, actor: Actor, user_id: uuid.UUID, badge_code: str) -> None:
    if len(badge_code.strip()) < 6:
        raise ValidationFailed("A badge code has at least 6 characters: scan the badge.", {"badge": "too short"})
    with uow_factory(actor.user_id) as uow:
        if actor.user_id != user_id:
            require(uow, actor, "users.manage")
        user = uow.users.require(user_id)
        user.badge_hash = hash_secret(badge_code.strip())
        uow.record("BadgeAssigned", "user", user.id, {})
        uow.commit()


def change_password(uow_factory: UnitOfWorkFactory, actor: Actor, old: str, new: str) -> None:
    with uow_factory(actor.user_id) as uow:
        user = uow.users.require(actor.user_id)
        if not verify_secret(user.password_hash, old):
            raise AuthenticationFailed("The current password is not right.")
        _validate_password(new, user.username, user.first_name, user.last_name)
        user.password_hash = hash_secret(new)
        user.password_changed_at = utcnow()
        uow.record("PasswordChanged", "user", user.id, {})
        uow.commit()


def list_users(uow_factory: UnitOfWorkFactory, actor: Actor) -> list[UserRow]:
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, "users.manage")
        at = utcnow()
        users = uow.session.scalars(select(User).order_by(User.last_name, User.first_name)).all()
        return [
            UserRow(u.id, u.username, f"{u.first_name} {u.last_name}", u.email, u.role, u.license_number,
                    bool(u.is_active), bool(u.locked_until and u.locked_until > at), u.pin_hash is not None,
                    u.last_login_at, u.version)
            for u in users
        ]


def update_user(uow_factory: UnitOfWorkFactory, actor: Actor, user_id: uuid.UUID, expected_version: int, **changes) -> None:
    allowed = {"role", "license_number", "is_active", "email", "phone", "first_name", "last_name"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"cannot change {unknown}")
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, "users.manage")
        if changes.get("is_active") is False and user_id == actor.user_id:
            raise ValidationFailed("You cannot deactivate your own account.", {"is_active": "own account"})
        uow.users.update(user_id, expected_version, **changes)
        uow.record("UserUpdated", "user", user_id, {k: v for k, v in changes.items()})
        uow.commit()


def unlock_account(uow_factory: UnitOfWorkFactory, actor: Actor, user_id: uuid.UUID) -> None:
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, "users.manage")
        user = uow.users.require(user_id)
        user.locked_until = None
        user.failed_login_count = 0
        uow.record("AccountUnlocked", "user", user_id, {})
        uow.commit()


def reset_password(uow_factory: UnitOfWorkFactory, actor: Actor, user_id: uuid.UUID, new_password: str) -> None:
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, "users.manage")
        user = uow.users.require(user_id)
        _validate_password(new_password, user.username, user.first_name, user.last_name)
        user.password_hash = hash_secret(new_password)
        user.password_changed_at = utcnow()
        uow.record("PasswordReset", "user", user_id, {"by": str(actor.user_id)})
        uow.commit()


def needs_first_run(uow_factory: UnitOfWorkFactory) -> bool:
    with uow_factory() as uow:
        return uow.session.scalar(select(User.id).where(User.role == "admin").limit(1)) is None
