"""Tell a lost or refused database connection from a bug or a rejected statement (for services
that must not import SQLAlchemy or psycopg, such as the print sender's background loop)."""

from __future__ import annotations

import psycopg
from sqlalchemy import exc

from pharmacy_desktop.errors import DatabaseUnavailable

__all__ = ["database_unreachable"]


def database_unreachable(error: BaseException) -> bool:
    """A lost or refused database connection (as opposed to a bug or a rejected statement)."""
    if isinstance(error, DatabaseUnavailable):  # the unit of work's translation of a lost connection
        return True
    if isinstance(error, exc.DBAPIError):
        return error.connection_invalidated or isinstance(error, (exc.OperationalError, exc.InterfaceError))
    return isinstance(error, (psycopg.OperationalError, psycopg.InterfaceError, exc.TimeoutError, ConnectionError))
