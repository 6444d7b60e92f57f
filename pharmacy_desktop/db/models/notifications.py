"""notification_schema: message templates and the outgoing SMS/e-mail queue."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pharmacy_desktop.db.base import Base, CreatedAt, Timestamps, UUIDPrimaryKey

SCHEMA = "notification_schema"


class NotificationTemplate(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "notification_templates"
    __table_args__ = {"schema": SCHEMA}

    template_name: Mapped[str] = mapped_column(String(100), unique=True)
    notification_type: Mapped[str] = mapped_column(String(50))
    event_trigger: Mapped[str] = mapped_column(String(100))

    subject: Mapped[str | None] = mapped_column(String(255))
    body_template: Mapped[str] = mapped_column(Text)

    is_active: Mapped[bool | None] = mapped_column(server_default=text("true"))


class Notification(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("idx_notifications_patient_id", "patient_id"),
        Index("idx_notifications_status", "status"),
        Index("idx_notifications_created_at", "created_at"),
        {"schema": SCHEMA},
    )

    patient_id: Mapped[uuid.UUID]  # patient_schema (no cross-schema key)
    template_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.notification_templates.id"))

    notification_type: Mapped[str] = mapped_column(String(50))

    recipient: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str | None] = mapped_column(String(255))
    message: Mapped[str] = mapped_column(Text)

    status: Mapped[str] = mapped_column(String(20), server_default=text("'pending'"))

    sent_at: Mapped[dt.datetime | None]
    delivered_at: Mapped[dt.datetime | None]

    external_id: Mapped[str | None] = mapped_column(String(255))

    error_message: Mapped[str | None] = mapped_column(Text)
    retry_count: Mapped[int | None] = mapped_column(server_default=text("0"))
    max_retries: Mapped[int | None] = mapped_column(server_default=text("3"))

    reference_type: Mapped[str | None] = mapped_column(String(50))
    reference_id: Mapped[uuid.UUID | None]

    template: Mapped[NotificationTemplate | None] = relationship(lazy="raise")
