"""Engine and session factory. One engine per process; one session per user action."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from pharmacy_desktop.db import connect


def make_engine(
    url: str, *, sslmode: str | None = None, application_name: str = connect.APPLICATION_NAME, **kwargs: Any
) -> Engine:
    """The app's pooled engine, made by the one connection factory (db/connect.py)."""
    return connect.engine(
        url,
        sslmode=sslmode or None,
        application_name=application_name,
        pool_pre_ping=True,  # a workstation survives a server restart or a dropped connection
        pool_size=kwargs.pop("pool_size", 5),
        max_overflow=kwargs.pop("max_overflow", 5),
        **kwargs,
    )


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for one user action each, with the soft-delete filter and audit columns attached
    to this factory (not to SQLAlchemy's global Session class)."""
    from pharmacy_desktop.db.base import install_session_hooks

    # expire_on_commit=False: services build DTOs after commit without touching the database again
    factory = sessionmaker(engine, expire_on_commit=False, autoflush=True)
    install_session_hooks(factory)
    return factory
