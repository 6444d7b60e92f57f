"""user_schema: staff accounts, role-based permissions, login sessions."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.dialects.postgresql import INET, UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pharmacy_desktop.db.base import Base, CreatedAt, SoftDelete, Timestamps, UUIDPrimaryKey

SCHEMA = "user_schema"


class User(UUIDPrimaryKey, Timestamps, SoftDelete, Base):
    __tablename__ = "users"
    __table_args__ = (
        Index("idx_users_email", "email"),
        Index("idx_users_username", "username"),
        Index("idx_users_role", "role"),
        {"schema": SCHEMA},
    )

    username: Mapped[str] = mapped_column(String(50), unique=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(20))
    # a role *name* (roles.name), not a foreign key: the design document keeps it a plain column
    role: Mapped[str] = mapped_column(String(50))
    license_number: Mapped[str | None] = mapped_column(String(50))
    is_active: Mapped[bool | None] = mapped_column(server_default=text("true"))
    last_login_at: Mapped[dt.datetime | None]

    sessions: Mapped[list[UserSession]] = relationship(
        back_populates="user", lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Role(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "roles"
    __table_args__ = {"schema": SCHEMA}

    name: Mapped[str] = mapped_column(String(50), unique=True)
    description: Mapped[str | None] = mapped_column(Text)

    # read side only: grants are written as RolePermission rows
    permissions: Mapped[list[Permission]] = relationship(
        secondary=f"{SCHEMA}.role_permissions", lazy="raise", viewonly=True, order_by="Permission.name"
    )


class Permission(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "permissions"
    __table_args__ = {"schema": SCHEMA}

    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    resource: Mapped[str] = mapped_column(String(50))
    action: Mapped[str] = mapped_column(String(50))


class RolePermission(CreatedAt, Base):
    __tablename__ = "role_permissions"
    __table_args__ = {"schema": SCHEMA}

    role_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey(f"{SCHEMA}.roles.id", ondelete="CASCADE"), primary_key=True
    )
    permission_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey(f"{SCHEMA}.permissions.id", ondelete="CASCADE"), primary_key=True
    )


class UserSession(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "user_sessions"
    __table_args__ = (
        Index("idx_user_sessions_user_id", "user_id"),
        Index("idx_user_sessions_refresh_token", "refresh_token"),
        {"schema": SCHEMA},
    )

    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.users.id", ondelete="CASCADE"))
    refresh_token: Mapped[str] = mapped_column(String(500))
    ip_address: Mapped[str | None] = mapped_column(INET)
    user_agent: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User | None] = relationship(back_populates="sessions", lazy="raise")
