"""Account management: create (the first administrator too), edit, deactivate, delete, unlock,
reset a password, and a person's own PIN, badge and password. Role, active flag, deletion and
credentials are written through SECURITY DEFINER functions (revision 0008) that check the acting
user in the database."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from typing import Any

from pharmacy_desktop.db.models.users import User
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain.clock import utcnow
from pharmacy_desktop.domain.password_policy import password_problems, pin_problems
from pharmacy_desktop.errors import ConcurrentUpdate, PermissionDenied, ValidationFailed
from pharmacy_desktop.security import hash_secret, verify_secret
from pharmacy_desktop.services.access import (
    Actor,
    count_password_failure,
    find_user,
    is_locked,
    require,
    require_current,
)
from pharmacy_desktop.services.text_checks import text_errors

ROLES = ("pharmacist", "technician", "manager", "admin")
_FIRST_RUN_LOCK = 0x5048_4152_4D01  # pg advisory lock key: one first-run set-up at a time
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,49}$")


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
        raise ValidationFailed(
            "The password is too weak: " + "; ".join(problems) + ".", {"password": "; ".join(problems)}
        )


def _account_problems(
    username: str,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    license_number: str | None,
    phone: str | None = None,
) -> dict[str, str]:
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
    errors.update(
        text_errors(
            [
                ("username", User.username, username),
                ("email", User.email, email),
                ("first_name", User.first_name, first_name),
                ("last_name", User.last_name, last_name),
                ("license_number", User.license_number, license_number),
                ("phone", User.phone, phone),
            ]
        )
    )
    return errors


def create_user_in(
    uow: UnitOfWork,
    actor: Actor | None,
    *,
    username: str,
    password: str,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    license_number: str | None = None,
    phone: str | None = None,
) -> uuid.UUID:
    """``create_user`` inside an open unit of work (the caller commits); used by first-run set-up."""
    errors = _account_problems(username, email, first_name, last_name, role, license_number, phone)
    if errors:
        raise ValidationFailed(
            "Check the highlighted fields: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in errors.items()) + ".",
            errors,
        )
    _validate_password(password, username, first_name, last_name)
    if actor is not None:
        require(uow, actor, "users.manage")
    else:
        # two workstations running the first-run wizard at once: only one creates the first admin
        uow.users.lock_first_run(_FIRST_RUN_LOCK)
        if role != "admin" or _any_user(uow):
            raise PermissionDenied("Only an administrator can create users once the first one exists: sign in.")
    if find_user(uow, username, include_deleted=True) is not None:
        raise ValidationFailed(f"The username '{username.strip()}' is taken. Choose another.", {"username": "taken"})
    if uow.users.email_taken(email):
        raise ValidationFailed(f"Another account uses {email.strip()}.", {"email": "used by another account"})
    # through the database function: it checks users.manage (or first run) itself
    user_id = uuid.uuid4()
    uow.users.create_account(
        user_id,
        username.strip(),
        email.strip(),
        hash_secret(password),
        first_name.strip(),
        last_name.strip(),
        role,
        (license_number or "").strip() or None,
        (phone or "").strip() or None,
        utcnow(),
    )
    uow.record(
        "UserCreated",
        "user",
        user_id,
        {"username": username.strip(), "role": role, "by": str(actor.user_id) if actor else "first-run set-up"},
    )
    return user_id


def create_user(
    uow_factory: UnitOfWorkFactory,
    actor: Actor | None,
    *,
    username: str,
    password: str,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    license_number: str | None = None,
    phone: str | None = None,
) -> uuid.UUID:
    """Create an account (``actor`` None only for the first administrator, while no account exists)."""
    with uow_factory(actor.user_id if actor else None) as uow:
        user_id = create_user_in(
            uow,
            actor,
            username=username,
            password=password,
            email=email,
            first_name=first_name,
            last_name=last_name,
            role=role,
            license_number=license_number,
            phone=phone,
        )
        uow.commit()
        return user_id


def _any_user(uow: UnitOfWork) -> bool:
    return uow.users.any_user()


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
        others = uow.users.badge_hashes_except(user_id)
        if any(verify_secret(h, code) for h in others):
            raise ValidationFailed(
                "This badge is already assigned to another account. Scan a different badge.",
                {"badge": "assigned to another account"},
            )
        _set_credential(uow, user.id, "badge", hash_secret(code))
        uow.record("BadgeAssigned", "user", user.id, {"by": str(actor.user_id)})
        uow.commit()


def change_password(uow_factory: UnitOfWorkFactory, actor: Actor, old: str, new: str) -> None:
    with uow_factory(actor.user_id) as uow:
        require_current(uow, actor, doing="change the password")
        user = uow.users.require(actor.user_id)
        if not verify_secret(user.password_hash, old):
            raise count_password_failure(uow, user, utcnow(), actor.workstation, "PasswordChangeFailed", signed_in=True)
        if old == new:
            raise ValidationFailed("Choose a password different from the current one.", {"password": "unchanged"})
        _validate_password(new, user.username, user.first_name, user.last_name)
        _set_credential(uow, user.id, "password", hash_secret(new))
        uow.record("PasswordChanged", "user", user.id, {})
        uow.commit()


def _set_credential(uow: UnitOfWork, user_id: uuid.UUID, kind: str, hashed: str) -> None:
    """Password, PIN or badge hash through the database function (the account itself or users.manage)."""
    uow.users.set_credential(user_id, kind, hashed, utcnow())


def list_users(uow_factory: UnitOfWorkFactory, actor: Actor) -> list[UserRow]:
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, "users.manage")
        at = utcnow()
        users = uow.users.for_management()
        return [
            UserRow(
                u.id,
                u.username,
                f"{u.first_name} {u.last_name}",
                u.email,
                u.role,
                u.license_number,
                bool(u.is_active),
                is_locked(u, at),
                u.pin_hash is not None,
                u.last_login_at,
                u.version,
                has_badge=u.badge_hash is not None,
                first_name=u.first_name,
                last_name=u.last_name,
                phone=u.phone,
                locked_until=u.locked_until if is_locked(u, at) else None,
            )
            for u in users
        ]


def _active_admins(uow: UnitOfWork) -> int:
    return uow.users.active_admin_count()


def update_user(
    uow_factory: UnitOfWorkFactory, actor: Actor, user_id: uuid.UUID, expected_version: int, **changes: Any
) -> None:
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
        errors = _account_problems(
            user.username,
            merged["email"] or "",
            merged["first_name"] or "",
            merged["last_name"] or "",
            merged["role"],
            merged["license_number"],
            merged["phone"],
        )
        if errors:
            raise ValidationFailed(
                "Check the highlighted fields: "
                + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in errors.items())
                + ".",
                errors,
            )
        if changes.get("is_active") is False and user_id == actor.user_id:
            raise ValidationFailed("You cannot deactivate your own account.", {"is_active": "own account"})
        losing_admin = (
            user.role == "admin"
            and user.is_active
            and (changes.get("is_active") is False or changes.get("role", "admin") != "admin")
        )
        if losing_admin and _active_admins(uow) <= 1:
            raise ValidationFailed(
                "This is the last active administrator: make another account an administrator first.",
                {"role": "last administrator"},
            )
        for key, value in changes.items():
            if key in ("role", "is_active"):
                continue  # below, through the database function
            if isinstance(value, str):
                value = value.strip() or (None if key in ("license_number", "phone") else "")
            setattr(user, key, value)
        uow.flush()
        access = {k: changes[k] for k in ("role", "is_active") if k in changes and changes[k] != getattr(user, k)}
        if access:
            uow.users.set_account_access(user_id, access.get("role"), access.get("is_active"), False)
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
            raise ConcurrentUpdate(
                f"The account {user.username} was changed at another workstation. Reload and try again."
            )
        if user.role == "admin" and user.is_active and _active_admins(uow) <= 1:
            raise ValidationFailed("This is the last active administrator.", {})
        uow.users.set_account_access(user_id, None, False, True)
        uow.users.revoke_all_sessions(user_id)
        uow.record("UserDeleted", "user", user_id, {"username": user.username, "by": str(actor.user_id)})
        uow.commit()


def unlock_account(uow_factory: UnitOfWorkFactory, actor: Actor, user_id: uuid.UUID) -> None:
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, "users.manage")
        uow.users.require(user_id)
        uow.users.unlock_account(user_id, utcnow())
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
