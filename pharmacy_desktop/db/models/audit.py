"""audit_schema: domain events and patient-data access logs."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import BigInteger, FetchedValue, String, Text, func
from sqlalchemy.dialects.postgresql import INET, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from pharmacy_desktop.db.base import Base, UUIDPrimaryKey

SCHEMA = "audit_schema"


class DomainEvent(UUIDPrimaryKey, Base):
    __tablename__ = "domain_events"
    __table_args__ = {"schema": SCHEMA}

    event_type: Mapped[str] = mapped_column(String(100))
    aggregate_type: Mapped[str] = mapped_column(String(50))
    aggregate_id: Mapped[uuid.UUID]
    event_data: Mapped[dict[str, Any]] = mapped_column(JSONB)
    occurred_at: Mapped[dt.datetime | None] = mapped_column(server_default=func.now())
    user_id: Mapped[uuid.UUID | None]
    # BIGSERIAL in the design document: the server assigns it
    sequence_number: Mapped[int] = mapped_column(BigInteger, server_default=FetchedValue())


class AccessLog(UUIDPrimaryKey, Base):
    __tablename__ = "access_logs"
    __table_args__ = {"schema": SCHEMA}

    user_id: Mapped[uuid.UUID | None]
    action: Mapped[str] = mapped_column(String(50))
    resource_type: Mapped[str] = mapped_column(String(50))
    resource_id: Mapped[uuid.UUID]
    ip_address: Mapped[str | None] = mapped_column(INET)
    user_agent: Mapped[str | None] = mapped_column(Text)
    accessed_at: Mapped[dt.datetime | None] = mapped_column(server_default=func.now())
