"""notification_schema: message templates and the outgoing SMS/e-mail queue."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pharmacy_desktop.db.base import Base, CreatedAt, Timestamps, UUIDPrimaryKey

SCHEMA = "notification_schema"


class NotificationTemplate(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "notification_templates"
    __table_args__ = (
        # revision 0012: one active template per event and channel
        Index(
            "uq_notification_templates_active",
            "event_trigger",
            "notification_type",
            unique=True,
            postgresql_where=text("is_active"),
        ),
        CheckConstraint("notification_type IN ('sms', 'email', 'push')", name="ck_notification_templates_type"),
        CheckConstraint(
            "event_trigger IN ('prescription_ready', 'refill_due', 'pickup_reminder', 'prescription_delayed')",
            name="ck_notification_templates_event",
        ),
        {"schema": SCHEMA},
    )

    template_name: Mapped[str] = mapped_column(String(100), unique=True)
    notification_type: Mapped[str] = mapped_column(String(50))
    event_trigger: Mapped[str] = mapped_column(String(100))

    subject: Mapped[str | None] = mapped_column(String(255))
    body_template: Mapped[str] = mapped_column(Text)

    is_active: Mapped[bool | None] = mapped_column(server_default=text("true"))
    updated_by: Mapped[uuid.UUID | None]  # revision 0012


class Notification(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("idx_notifications_patient_id", "patient_id"),
        Index("idx_notifications_status", "status"),
        Index("idx_notifications_created_at", "created_at"),
        # revision 0012: the outbox the sender claims; one message per patient per event
        Index("idx_notifications_due", "next_attempt_at", postgresql_where=text("status IN ('pending', 'sending')")),
        UniqueConstraint("message_id", name="uq_notifications_message_id"),
        UniqueConstraint("patient_id", "event_key", name="uq_notifications_event"),
        CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'delivered', 'failed', 'bounced', 'cancelled')",
            name="ck_notifications_status",
        ),
        CheckConstraint("notification_type IN ('sms', 'email', 'push')", name="ck_notifications_type"),
        CheckConstraint("retry_count >= 0 AND retry_count <= max_retries + 1", name="ck_notifications_retries"),
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

    # revision 0012
    event_key: Mapped[str | None] = mapped_column(String(200))
    message_id: Mapped[str | None] = mapped_column(String(255))
    next_attempt_at: Mapped[dt.datetime | None]
    claimed_at: Mapped[dt.datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    cancelled_at: Mapped[dt.datetime | None]
    cancelled_by: Mapped[uuid.UUID | None]

    template: Mapped[NotificationTemplate | None] = relationship(lazy="raise")


class PrintJob(UUIDPrimaryKey, Timestamps, Base):
    """A label, receipt, test page or report on its way to a printer (revision 0005).

    Recorded in the same transaction as the work it belongs to, before anything is sent; a
    printer failure leaves it here with its error for a retry, a redirect or a reprint.
    """

    __tablename__ = "print_jobs"
    __table_args__ = (
        CheckConstraint("job_type IN ('label', 'receipt', 'test_page', 'report')", name="print_jobs_job_type_check"),
        CheckConstraint("printer_role IN ('label', 'receipt', 'report')", name="print_jobs_printer_role_check"),
        CheckConstraint(
            "status IN ('queued', 'sending', 'printed', 'failed', 'cancelled')", name="print_jobs_status_check"
        ),
        Index("idx_print_jobs_pending", "next_attempt_at", postgresql_where=text("status IN ('queued', 'failed')")),
        Index("idx_print_jobs_reference", "reference_type", "reference_id"),
        Index("idx_print_jobs_rx_number", "rx_number"),
        Index("idx_print_jobs_created_at", "created_at"),
        {"schema": SCHEMA},
    )

    job_type: Mapped[str] = mapped_column(String(20))
    printer_role: Mapped[str] = mapped_column(String(20))
    printer_uri: Mapped[str | None] = mapped_column(String(255))
    printer_profile: Mapped[str] = mapped_column(String(50), server_default=text("'default'"))
    reference_type: Mapped[str | None] = mapped_column(String(50))
    reference_id: Mapped[uuid.UUID | None]
    rx_number: Mapped[str | None] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(255))
    document: Mapped[dict[str, Any]] = mapped_column(JSONB)
    payload: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(20), server_default=text("'queued'"))
    attempts: Mapped[int] = mapped_column(server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(server_default=text("CURRENT_TIMESTAMP"))
    is_reprint: Mapped[bool] = mapped_column(server_default=text("false"))
    reprint_of: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.print_jobs.id"))
    requested_by: Mapped[uuid.UUID | None]
    workstation: Mapped[str | None] = mapped_column(String(100))
    printed_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(server_default=text("1"))
    __mapper_args__ = {"version_id_col": version}
