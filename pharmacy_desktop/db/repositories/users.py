"""Staff accounts, their role's permissions, and login sessions."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Row, any_, func, select, text, update

from pharmacy_desktop.db.models.users import (
    AuthFailure,
    Permission,
    PharmacyProfile,
    Role,
    RolePermission,
    User,
    UserSession,
)
from pharmacy_desktop.db.repositories.base import Repository
from pharmacy_desktop.domain.clock import utcnow as _now


class UserRepository(Repository[User]):
    model = User
    label = "user"

    def by_username(self, username: str) -> User | None:
        """Case-insensitive: people type 'JSmith' as often as 'jsmith'."""
        stmt = select(User).where(func.lower(User.username) == username.strip().lower())
        return self.session.scalars(stmt).first()

    def by_email(self, email: str) -> User | None:
        stmt = select(User).where(func.lower(User.email) == email.strip().lower())
        return self.session.scalars(stmt).first()

    def list_active(self) -> list[User]:
        stmt = select(User).where(User.is_active.is_not(False)).order_by(User.last_name, User.first_name, User.username)
        return list(self.session.scalars(stmt))

    def role_by_name(self, name: str) -> Role | None:
        return self.session.scalars(select(Role).where(Role.name == name)).first()

    def roles_and_permissions(self, user_id: uuid.UUID) -> dict[str, frozenset[str]]:
        """The user's role name -> its permission names ({} for an unknown or deleted user)."""
        user = self.get(user_id)
        if user is None:
            return {}
        stmt = (
            select(Role.name, Permission.name)
            .select_from(Role)
            .outerjoin(RolePermission, RolePermission.role_id == Role.id)
            .outerjoin(Permission, Permission.id == RolePermission.permission_id)
            .where(Role.name == user.role)
        )
        result: dict[str, set[str]] = {user.role: set()}
        for role_name, permission_name in self.session.execute(stmt):
            if permission_name is not None:
                result.setdefault(role_name, set()).add(permission_name)
        return {role: frozenset(names) for role, names in result.items()}

    def permission_names(self, user_id: uuid.UUID) -> frozenset[str]:
        return frozenset().union(*self.roles_and_permissions(user_id).values())

    # -- sessions -------------------------------------------------------------------------

    def create_session(
        self,
        user_id: uuid.UUID,
        refresh_token: str,
        expires_at: dt.datetime,
        *,
        ip_address: str | None = None,
        user_agent: str | None = None,
    ) -> UserSession:
        session = UserSession(
            user_id=user_id,
            refresh_token=refresh_token,
            expires_at=expires_at,
            ip_address=ip_address,
            user_agent=user_agent,
        )
        self.session.add(session)
        self.flush()
        return session

    def session_by_token(self, refresh_token: str) -> UserSession | None:
        """The session holding this token while it is neither revoked nor expired."""
        stmt = select(UserSession).where(
            UserSession.refresh_token == refresh_token,
            UserSession.revoked_at.is_(None),
            UserSession.expires_at > _now(),
        )
        return self.session.scalars(stmt).first()

    def active_sessions(self, user_id: uuid.UUID) -> list[UserSession]:
        stmt = (
            select(UserSession)
            .where(
                UserSession.user_id == user_id,
                UserSession.revoked_at.is_(None),
                UserSession.expires_at > _now(),
            )
            .order_by(UserSession.created_at)
        )
        return list(self.session.scalars(stmt))

    def revoke_session(self, session_id: uuid.UUID) -> bool:
        """True when a live session was revoked (revoking twice is harmless)."""
        return self._revoke(UserSession.id == session_id) > 0

    def revoke_all_sessions(self, user_id: uuid.UUID) -> int:
        return self._revoke(UserSession.user_id == user_id)

    def _revoke(self, condition: ColumnElement[bool]) -> int:
        stmt = (
            update(UserSession)
            .where(condition, UserSession.revoked_at.is_(None))
            .values(revoked_at=_now())
            .execution_options(synchronize_session="fetch")
        )
        result = self.session.execute(stmt)
        changed: int = result.rowcount  # type: ignore[attr-defined]  # a CursorResult for DML
        return changed

    def display_names(self, user_ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
        """User id -> "First Last" (ids of no account left out)."""
        wanted = [i for i in set(user_ids) if i]
        if not wanted:
            return {}
        rows = self.session.execute(select(User.id, User.first_name, User.last_name).where(User.id.in_(wanted)))
        return {uid: f"{first} {last}" for uid, first, last in rows}

    # -- the pharmacy profile (one row, id 1) --------------------------------------------------

    def pharmacy_profile(self) -> PharmacyProfile | None:
        return self.session.get(PharmacyProfile, 1)

    def pharmacy_profile_for_saving(self) -> PharmacyProfile:
        """The profile row, added to the session first if there is none yet."""
        row = self.session.get(PharmacyProfile, 1)
        if row is None:
            row = PharmacyProfile(id=1)
            self.session.add(row)
        return row

    # -- sign-in, permissions, guessing limits (services/auth.py, access.py, quick_switch.py) ---

    def find_by_username(self, username: str, *, include_deleted: bool = False) -> User | None:
        """Case-insensitive and exact (no LIKE: '%' and '_' in typed text are plain characters)."""
        stmt = select(User).where(func.lower(User.username) == username.strip().lower())
        return self.session.scalars(stmt.execution_options(include_deleted=include_deleted)).first()

    def email_taken(self, email: str) -> bool:
        """Any account (deleted ones included) with this email, case-insensitive."""
        stmt = select(User.id).where(func.lower(User.email) == email.strip().lower())
        return self.session.scalar(stmt.execution_options(include_deleted=True)) is not None

    def any_user(self) -> bool:
        """True once any account exists, deactivated and deleted ones included."""
        return self.session.scalar(select(User.id).limit(1).execution_options(include_deleted=True)) is not None

    def permission_description(self, permission: str) -> str | None:
        return self.session.scalar(select(Permission.description).where(Permission.name == permission))

    def permissions_of_role(self, role: str) -> frozenset[str]:
        rows = self.session.scalars(
            select(Permission.name)
            .join(RolePermission, RolePermission.permission_id == Permission.id)
            .join(Role, Role.id == RolePermission.role_id)
            .where(Role.name == role)
        )
        return frozenset(rows)

    def granted_now(self, user_id: uuid.UUID, permission: str) -> bool:
        """The account is active, not deleted, and its role holds ``permission`` right now."""
        stmt = (
            select(User.id)
            .join(Role, Role.name == User.role)
            .join(RolePermission, RolePermission.role_id == Role.id)
            .join(Permission, Permission.id == RolePermission.permission_id)
            .where(
                User.id == user_id, User.is_active.is_(True), User.deleted_at.is_(None), Permission.name == permission
            )
            .execution_options(include_deleted=True)
        )
        return self.session.scalar(stmt) is not None

    def standing(self, user_id: uuid.UUID, session_id: uuid.UUID | None) -> Row[Any] | None:
        """(is_active, deleted_at, locked_until, session, revoked_at, expires_at) of the account and
        one of its sessions, in one round trip (it runs before every permitted action)."""
        return self.session.execute(
            select(
                User.is_active,
                User.deleted_at,
                User.locked_until,
                UserSession.id.label("session"),
                UserSession.revoked_at,
                UserSession.expires_at,
            )
            .select_from(User)
            .outerjoin(UserSession, (UserSession.user_id == User.id) & (UserSession.id == session_id))
            .where(User.id == user_id)
            .execution_options(include_deleted=True)
        ).first()

    def record_auth_failure(
        self,
        workstation: str,
        method: str,
        user_ids: list[uuid.UUID],
        at: dt.datetime,
        limit: int,
        window: dt.timedelta,
    ) -> tuple[int, dt.datetime | None]:
        """One wrong password/PIN/badge into ``auth_failures`` through the database function (it counts
        a password's failures within ``window`` and locks the account at ``limit``)."""
        row = self.session.execute(
            text(
                "SELECT failure_count, locked_until_at FROM user_schema.record_auth_failure("
                ":workstation, :method, CAST(:user_ids AS uuid[]), :at, :limit, :window)"
            ),
            {
                "workstation": workstation[:100],
                "method": method,
                "user_ids": list(user_ids),
                "at": at,
                "limit": limit,
                "window": window,
            },
        ).one()
        return row.failure_count, row.locked_until_at

    def open_workstation_session(
        self,
        user_id: uuid.UUID,
        refresh_token: str,
        at: dt.datetime,
        expires_at: dt.datetime,
        workstation: str,
        method: str,
    ) -> UserSession:
        session = UserSession(
            user_id=user_id,
            refresh_token=refresh_token,
            user_agent="pharmacy-desktop",
            expires_at=expires_at,
            workstation=workstation,
            method=method,
            last_seen_at=at,
        )
        self.session.add(session)
        return session

    def workstation_session(self, session_id: uuid.UUID) -> UserSession | None:
        return self.session.get(UserSession, session_id)

    def note_sign_in(self, user_id: uuid.UUID, at: dt.datetime) -> None:
        """Counters start again and the account's PIN/badge block ends (database function)."""
        self.session.execute(select(func.user_schema.note_sign_in(user_id, at)))

    def set_credential(self, user_id: uuid.UUID, kind: str, hashed: str, at: dt.datetime) -> None:
        """Password, PIN or badge hash (database function: the account itself or users.manage)."""
        self.session.execute(select(func.user_schema.set_credential(user_id, kind, hashed, at)))

    def revoke_workstation_sessions(self, user_id: uuid.UUID, workstation: str, at: dt.datetime) -> None:
        self.session.execute(
            update(UserSession)
            .where(
                UserSession.user_id == user_id, UserSession.workstation == workstation, UserSession.revoked_at.is_(None)
            )
            .values(revoked_at=at)
            .execution_options(synchronize_session=False)
        )

    def shift_sessions(self, workstation: str, at: dt.datetime) -> list[tuple[User, UserSession]]:
        """(user, session) of live password sessions on ``workstation`` of active accounts, newest first."""
        rows = self.session.execute(
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
        return [(user, session) for user, session in rows]

    def failures_against(
        self, user_id: uuid.UUID, methods: tuple[str, ...], since: dt.datetime, at: dt.datetime
    ) -> int:
        """Failures of ``methods`` counted against the account in (since, at]."""
        return (
            self.session.scalar(
                select(func.count())
                .select_from(AuthFailure)
                .where(
                    AuthFailure.method.in_(methods),
                    any_(AuthFailure.user_ids) == user_id,
                    AuthFailure.occurred_at > since,
                    AuthFailure.occurred_at <= at,
                )
            )
            or 0
        )

    def failures_at(
        self, workstation: str, methods: tuple[str, ...], since: dt.datetime, at: dt.datetime
    ) -> tuple[int, dt.datetime | None]:
        """(count, latest) of failures of ``methods`` on ``workstation`` in (since, at]."""
        count, last = self.session.execute(
            select(func.count(), func.max(AuthFailure.occurred_at)).where(
                AuthFailure.workstation == workstation,
                AuthFailure.method.in_(methods),
                AuthFailure.occurred_at > since,
                AuthFailure.occurred_at <= at,
            )
        ).one()
        return count or 0, last

    # -- account management (services/accounts.py) ---------------------------------------------

    def lock_first_run(self, key: int) -> None:
        """Transaction advisory lock: two first-run wizards at once create one first administrator."""
        self.session.execute(select(func.pg_advisory_xact_lock(key)))

    def create_account(
        self,
        user_id: uuid.UUID,
        username: str,
        email: str,
        password_hash: str,
        first_name: str,
        last_name: str,
        role: str,
        license_number: str | None,
        phone: str | None,
        at: dt.datetime,
    ) -> None:
        """Through the database function: it checks users.manage (or the first run) itself."""
        self.session.execute(
            select(
                func.user_schema.create_account(
                    user_id, username, email, password_hash, first_name, last_name, role, license_number, phone, at
                )
            )
        )

    def badge_hashes_except(self, user_id: uuid.UUID) -> list[str]:
        return list(
            self.session.scalars(select(User.badge_hash).where(User.id != user_id, User.badge_hash.is_not(None)))
        )

    def for_management(self) -> list[User]:
        """Every account not deleted, active ones first, by name."""
        return list(
            self.session.scalars(select(User).order_by(User.is_active.desc(), User.last_name, User.first_name)).all()
        )

    def active_admin_count(self) -> int:
        return (
            self.session.scalar(
                select(func.count()).select_from(User).where(User.role == "admin", User.is_active.is_(True))
            )
            or 0
        )

    def set_account_access(self, user_id: uuid.UUID, role: str | None, is_active: bool | None, deleted: bool) -> None:
        """Role, active flag, soft delete (database function, users.manage)."""
        self.session.execute(select(func.user_schema.set_account_access(user_id, role, is_active, deleted)))

    def unlock_account(self, user_id: uuid.UUID, at: dt.datetime) -> None:
        self.session.execute(select(func.user_schema.unlock_account(user_id, at)))
