"""Declarative base and the mixins for the design document's principles.

- ``UUIDPrimaryKey``: UUID ids, generated client-side so they are known before the flush
  (the server default ``gen_random_uuid()`` stays for rows written by SQL).
- ``Timestamps`` / ``Audited``: created/updated columns; ``created_by``/``updated_by`` are filled
  from the acting user of the unit of work (see ``install_session_hooks``).
- ``SoftDelete``: rows with ``deleted_at`` set are hidden from ordinary ORM queries; pass
  ``execution_options(include_deleted=True)`` to see them.
- ``Versioned``: optimistic locking on the ``version`` column (SQLAlchemy's version counter).
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Integer, MetaData, Numeric, String, Text, event, func, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    UOWTransaction,
    declared_attr,
    mapped_column,
    sessionmaker,
    with_loader_criteria,
)

ACTOR_KEY = "actor_id"


class Base(DeclarativeBase):
    metadata = MetaData()
    type_annotation_map = {
        uuid.UUID: UUID(as_uuid=True),
        dt.datetime: DateTime(timezone=True),
        Decimal: Numeric(10, 2),
        dict[str, Any]: JSONB,
        str: Text,
    }


class UUIDPrimaryKey:
    id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), primary_key=True, default=uuid.uuid4, server_default=text("gen_random_uuid()")
    )


class CreatedAt:
    created_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), default=None
    )


class Timestamps(CreatedAt):
    updated_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class CreatedBy:
    """``created_by`` filled from the unit of work's acting user on insert."""

    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))


class UpdatedBy:
    """``updated_by`` filled from the unit of work's acting user on insert and update."""

    updated_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))


class SoftDelete:
    deleted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Versioned:
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"), nullable=True)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version}


def install_session_hooks(factory: sessionmaker[Session]) -> None:
    """Soft-delete filtering and audit columns on the sessions of ``factory`` (the project's own
    session factory, db/engine.py), never on SQLAlchemy's global Session class; idempotent."""
    if getattr(factory, "_pharmacy_hooks", False):
        return
    factory._pharmacy_hooks = True  # type: ignore[attr-defined]

    @event.listens_for(factory, "do_orm_execute")
    def _hide_soft_deleted(state: ORMExecuteState) -> None:
        if (
            state.is_select
            and not state.is_column_load
            and not state.is_relationship_load
            and not state.execution_options.get("include_deleted", False)
        ):
            state.statement = state.statement.options(
                with_loader_criteria(SoftDelete, lambda cls: cls.deleted_at.is_(None), include_aliases=True)
            )

    @event.listens_for(factory, "before_flush")
    def _fill_audit_columns(session: Session, _ctx: UOWTransaction, _instances: object) -> None:
        actor = session.info.get(ACTOR_KEY)
        if actor is None:
            return
        for obj in session.new:
            if isinstance(obj, CreatedBy) and obj.created_by is None:
                obj.created_by = actor
            if isinstance(obj, UpdatedBy) and obj.updated_by is None:
                obj.updated_by = actor
        for obj in session.dirty:
            if isinstance(obj, UpdatedBy) and session.is_modified(obj, include_collections=False):
                obj.updated_by = actor


def money(precision: int = 10, scale: int = 2) -> Numeric[Decimal]:
    return Numeric(precision, scale, asdecimal=True)


def varchar(length: int) -> String:
    return String(length)
