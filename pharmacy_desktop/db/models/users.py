"""user_schema: staff accounts, role-based permissions, login sessions."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, Numeric, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, INET, UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pharmacy_desktop.db.base import Base, CreatedAt, SoftDelete, Timestamps, UUIDPrimaryKey

SCHEMA = "user_schema"


class User(UUIDPrimaryKey, Timestamps, SoftDelete, Base):
    __tablename__ = "users"
    __table_args__ = (
        Index("idx_users_email", "email"),
        Index("idx_users_username", "username"),
        Index("idx_users_role", "role"),
        CheckConstraint("role IN ('pharmacist', 'technician', 'manager', 'admin')", name="ck_users_role"),
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

    # revision 0004: lockout held in the database (across workstations), quick-switch secrets,
    # optimistic locking for concurrent admin edits
    failed_login_count: Mapped[int] = mapped_column(server_default=text("0"))
    locked_until: Mapped[dt.datetime | None]
    pin_hash: Mapped[str | None] = mapped_column(String(255))
    badge_hash: Mapped[str | None] = mapped_column(String(255))
    password_changed_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    # revision 0008: failures before this instant no longer count (password sign-in, unlock, reset)
    failures_counted_from: Mapped[dt.datetime | None]
    __mapper_args__ = {"version_id_col": version}

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
        Index("idx_user_sessions_workstation", "workstation", "revoked_at"),
        {"schema": SCHEMA},
    )

    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.users.id", ondelete="CASCADE"))
    refresh_token: Mapped[str] = mapped_column(String(500))
    ip_address: Mapped[str | None] = mapped_column(INET)
    user_agent: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    # revision 0004: which counter workstation, how the user signed in, last activity
    workstation: Mapped[str | None] = mapped_column(String(100))
    method: Mapped[str] = mapped_column(String(20), server_default=text("'password'"))
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(server_default=text("CURRENT_TIMESTAMP"))

    user: Mapped[User | None] = relationship(back_populates="sessions", lazy="raise")


class AuthFailure(UUIDPrimaryKey, Base):
    """A wrong password, PIN or badge (revision 0008), counted against every account in ``user_ids``:
    the account typed for a password, every account the workstation could switch to for a PIN or
    badge. Written only through ``user_schema.record_auth_failure``."""

    __tablename__ = "auth_failures"
    __table_args__ = (
        Index("idx_auth_failures_occurred_at", "occurred_at"),
        Index("idx_auth_failures_workstation", "workstation", "occurred_at"),
        CheckConstraint("method IN ('password', 'pin', 'badge')", name="ck_auth_failures_method"),
        {"schema": SCHEMA},
    )

    workstation: Mapped[str] = mapped_column(String(100))
    method: Mapped[str] = mapped_column(String(20))
    user_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)))
    occurred_at: Mapped[dt.datetime]


class PharmacyProfile(Timestamps, Base):
    """The one row (id = 1) of pharmacy details printed on labels and receipts (revision 0004)."""

    __tablename__ = "pharmacy_profile"
    __table_args__ = (
        CheckConstraint("will_call_return_days BETWEEN 1 AND 60", name="pharmacy_profile_will_call_return_days_check"),
        CheckConstraint("dispensing_fee >= 0", name="pharmacy_profile_dispensing_fee_check"),
        CheckConstraint("tax_rate >= 0 AND tax_rate < 1", name="pharmacy_profile_tax_rate_check"),
        CheckConstraint("id = 1", name="pharmacy_profile_id_check"),
        CheckConstraint("adjustment_approval_units >= 0", name="pharmacy_profile_adjustment_approval_units_check"),
        CheckConstraint("refill_due_days BETWEEN 0 AND 30", name="pharmacy_profile_refill_due_days_check"),
        CheckConstraint("pickup_reminder_days BETWEEN 1 AND 30", name="pharmacy_profile_pickup_reminder_days_check"),
        CheckConstraint("adjustment_approval_value >= 0", name="pharmacy_profile_adjustment_approval_value_check"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, server_default=text("1"))
    name: Mapped[str] = mapped_column(String(255))
    address_line1: Mapped[str] = mapped_column(String(255))
    address_line2: Mapped[str | None] = mapped_column(String(255))
    city: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(50))
    zip_code: Mapped[str] = mapped_column(String(10))
    phone: Mapped[str] = mapped_column(String(20))
    npi: Mapped[str | None] = mapped_column(String(10))
    ncpdp: Mapped[str | None] = mapped_column(String(7))
    dea: Mapped[str | None] = mapped_column(String(20))
    updated_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.users.id"))
    # revision 0010: point of sale settings
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(6, 5), server_default=text("0"))
    dispensing_fee: Mapped[Decimal] = mapped_column(Numeric(10, 2), server_default=text("0"))
    will_call_return_days: Mapped[int] = mapped_column(server_default=text("10"))
    receipt_drug_names: Mapped[bool] = mapped_column(server_default=text("false"))
    # revision 0011: stock adjustments above either size wait for someone else's approval
    adjustment_approval_units: Mapped[Decimal] = mapped_column(Numeric(10, 2), server_default=text("50"))
    adjustment_approval_value: Mapped[Decimal] = mapped_column(Numeric(10, 2), server_default=text("100"))
    # revision 0012: patient notifications
    quiet_hours_start: Mapped[dt.time] = mapped_column(server_default=text("'21:00:00'"))
    quiet_hours_end: Mapped[dt.time] = mapped_column(server_default=text("'08:00:00'"))
    refill_due_days: Mapped[int] = mapped_column(server_default=text("7"))
    pickup_reminder_days: Mapped[int] = mapped_column(server_default=text("5"))
    email_drug_names: Mapped[bool] = mapped_column(server_default=text("false"))
    notification_workstation: Mapped[str | None] = mapped_column(String(100))
    # revision 0013: the verifying pharmacist must differ from the one who filled
    independent_verification: Mapped[bool] = mapped_column(server_default=text("true"))
