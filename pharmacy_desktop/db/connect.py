"""The one way this app connects to PostgreSQL: SQLAlchemy engines, Alembic and raw psycopg.

Every connection (the app's pool, migrations, ``demo``, the live-update listener, ``create-roles``,
the catalog COPY, ``db connect``) is made here, so a workstation configured with
``sslmode = "require"`` never opens a plaintext connection by a side door.

The settings travel inside the URL: ``resolve_url`` adds the keyring's password (when the URL has
none) and ``?sslmode=...``, and both libpq and SQLAlchemy's psycopg dialect read that query
parameter. A URL handed to Alembic or to another thread therefore carries its TLS requirement along.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from pharmacy_desktop.config import libpq_url, normalize_url, with_keyring_password

APPLICATION_NAME = "pharmacy-desktop"
CONNECT_TIMEOUT = 5
SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


def configured_sslmode() -> str | None:
    """The workstation configuration's sslmode, when the configuration names a server.

    It belongs to that server connection: a machine that runs only the embedded server has no TLS
    to ask for. A command given ``--database-url`` still honours it, as the app always has.
    """
    from pharmacy_desktop import config as config_mod

    cfg = config_mod.load()
    return (cfg.sslmode or None) if cfg.database_url else None


def resolve_url(url: str, *, sslmode: str | None = None, keyring_password: bool = True) -> str:
    """``url`` as a SQLAlchemy URL with the keyring's password and ``sslmode`` in its query.

    Which sslmode: one already written in the URL (the most specific thing the person said), else
    the ``sslmode`` argument, else the workstation configuration's (``configured_sslmode``), else
    none (libpq's default, or PGSSLMODE). Deciding it here means no caller can forget it.
    """
    url = normalize_url(url)
    if keyring_password:
        url = with_keyring_password(url)
    if sslmode is None and sslmode_of(url) is None:
        sslmode = configured_sslmode()
    if sslmode:
        if sslmode not in SSLMODES:
            raise ValueError(f"sslmode must be one of {', '.join(SSLMODES)} (got {sslmode!r})")
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        if not any(key == "sslmode" for key, _ in query):
            url = urlunsplit(parts._replace(query=urlencode([*query, ("sslmode", sslmode)])))
    return url


def sslmode_of(url: str) -> str | None:
    """The sslmode a URL asks for, if any."""
    return dict(parse_qsl(urlsplit(url).query)).get("sslmode")


def connect(
    url: str,
    *,
    sslmode: str | None = None,
    autocommit: bool = False,
    application_name: str = APPLICATION_NAME,
    connect_timeout: float = CONNECT_TIMEOUT,
    **kwargs: Any,
) -> psycopg.Connection:
    """A raw psycopg connection (LISTEN, COPY, role administration)."""
    return psycopg.connect(
        libpq_url(resolve_url(url, sslmode=sslmode)),
        autocommit=autocommit,
        application_name=application_name,
        connect_timeout=int(connect_timeout),
        **kwargs,
    )


def engine(
    url: str,
    *,
    sslmode: str | None = None,
    application_name: str = APPLICATION_NAME,
    connect_timeout: float = CONNECT_TIMEOUT,
    **kwargs: Any,
) -> Engine:
    """A SQLAlchemy engine; extra keyword arguments go to ``create_engine`` (pool settings)."""
    connect_args = {
        "application_name": application_name,
        "connect_timeout": int(connect_timeout),
        **kwargs.pop("connect_args", {}),
    }
    return create_engine(resolve_url(url, sslmode=sslmode), connect_args=connect_args, **kwargs)
