"""Staff accounts, their role's permissions, and login sessions."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ColumnElement, func, select, update

from pharmacy_desktop.db.models.users import Permission, Role, RolePermission, User, UserSession
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
        return result.rowcount  # type: ignore[attr-defined]  # a CursorResult for DML
