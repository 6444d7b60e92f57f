"""Try a server the way the app would and report the facts (domain/connection_diagnosis.py judges them).

Used by the first-run wizard's connection test. Nothing here is saved or logged with the password.
"""

from __future__ import annotations

import logging
from urllib.parse import unquote, urlsplit

import psycopg
from sqlalchemy.exc import DBAPIError

from pharmacy_desktop.config import normalize_url
from pharmacy_desktop.db import connect
from pharmacy_desktop.domain.connection_diagnosis import ConnectionFacts

log = logging.getLogger(__name__)


def probe(url: str, *, sslmode: str | None = None, timeout: float = 5) -> ConnectionFacts:
    """Connect to ``url`` (password inside it, or the keyring's), read the server version and the
    database's revision. Never raises for a connection problem: the facts say what happened."""
    parts = urlsplit(normalize_url(url))
    base = ConnectionFacts(
        host=parts.hostname or "localhost",
        port=parts.port or 5432,
        database=parts.path.lstrip("/") or "",
        user=unquote(parts.username or ""),
        sslmode=sslmode,
    )
    try:
        with connect.connect(url, sslmode=sslmode or None, connect_timeout=timeout, autocommit=True) as conn:
            version = conn.info.server_version
    except psycopg.Error as exc:
        log.info("connection test failed (%s, SQLSTATE %s)", type(exc).__name__, getattr(exc, "sqlstate", None))
        return _with(base, sqlstate=getattr(exc, "sqlstate", None), error_text=str(exc).lower())
    facts = _with(base, connected=True, server_version_num=version)
    if version < 140000:  # no point reading revisions of a server the app cannot use
        return facts
    from pharmacy_desktop.db import migrate

    try:
        state = migrate.inspect_revision(connect.resolve_url(url, sslmode=sslmode or None))
    except DBAPIError as exc:
        log.info("revision check failed (%s)", type(exc.orig).__name__)
        return _with(facts, revision_status="unknown")
    return _with(
        facts,
        revision_status=state.status,
        revision=state.revision,
        head=state.head,
        newer_message=state.too_new_message() if state.status == "newer" else None,
    )


def _with(facts: ConnectionFacts, **changes: object) -> ConnectionFacts:
    from dataclasses import replace

    return replace(facts, **changes)  # type: ignore[arg-type]


def server_certificate(host: str, port: int, *, timeout: float = 5) -> bytes | None:
    """The server's TLS certificate (DER), read by PostgreSQL's own SSLRequest handshake, unverified:
    the person compares its fingerprint with the one the hosting workstation showed. None when the
    server does not offer TLS."""
    import socket
    import ssl
    import struct

    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # reading it is the point: trust comes from the fingerprint check
    with socket.create_connection((host, port), timeout=timeout) as raw:
        raw.sendall(struct.pack("!ii", 8, 80877103))  # SSLRequest
        if raw.recv(1) != b"S":
            return None
        with context.wrap_socket(raw, server_hostname=host) as tls:
            return tls.getpeercert(binary_form=True)
