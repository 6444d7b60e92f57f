"""Engine and session factory. One engine per process; one session per user action."""

from __future__ import annotations

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker, Session

from pharmacy_desktop.config import normalize_url


def make_engine(url: str, *, sslmode: str = "", application_name: str = "pharmacy-desktop", **kwargs) -> Engine:
    connect_args: dict = {"application_name": application_name, "connect_timeout": 5}
    if sslmode:
        connect_args["sslmode"] = sslmode
    return create_engine(
        normalize_url(url),
        pool_pre_ping=True,  # a workstation survives a server restart or a dropped connection
        pool_size=kwargs.pop("pool_size", 5),
        max_overflow=kwargs.pop("max_overflow", 5),
        connect_args=connect_args,
        **kwargs,
    )


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    # expire_on_commit=False: services build DTOs after commit without touching the database again
    return sessionmaker(engine, expire_on_commit=False, autoflush=True)
