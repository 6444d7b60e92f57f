"""Plain one-line messages for failures that are not PharmacyErrors: database and migration errors.

Used by the command line (one line on the console, the traceback only in the log file) and by the
app's error dialogs. A database exception's own text is never shown: SQLAlchemy puts the
statement and its parameters in it (a patient's name, date of birth, address) and PostgreSQL's
DETAIL line repeats the values of the row. Only facts that cannot hold patient data are used:
the exception's class, its SQLSTATE, and the host and port of a connection that failed.
"""

from __future__ import annotations

import re

_SAVED = "Nothing was saved."
_UOW_CONNECTION_LOST = "The database connection was lost"  # db/unit_of_work.py's words for every connection error
_RESOLVE = re.compile(r"failed to resolve host '([^']*)'|could not translate host name \"([^\"]*)\"")
_SERVER_AT = re.compile(r'connection to server at "([^"]*)"(?: \([^)]*\))?, port (\d+) failed: (.*)')
_SERVER_SOCKET = re.compile(r'connection to server on socket "([^"]*)" failed: (.*)')
# PostgreSQL's own reasons for refusing a connection, which name no patient data
_REASONS = (
    ("connection refused", "the server refused the connection: is PostgreSQL running there?"),
    ("timeout expired", "no answer in time: check the network"),
    ("no such file or directory", "no server is listening there"),
    ("password authentication failed", "the password was not accepted (it lives in the keyring)"),
    ("no password supplied", "the server wants a password and none is stored in the keyring"),
    ("does not exist", "the user or the database does not exist on that server"),
    ("no pg_hba.conf entry", "the server does not accept connections from this computer (pg_hba.conf)"),
    ("ssl", "the TLS (sslmode) settings of the two sides do not match"),
    ("too many connections", "the server has no free connections: try again in a moment"),
    ("the database system is starting up", "the server is starting up: try again in a moment"),
    ("the database system is shutting down", "the server is shutting down"),
)


def database_error_message(exc: BaseException) -> str | None:
    """The message for a database driver error anywhere in ``exc``'s chain; None if there is none."""
    found = _driver_error(exc)
    if found is None:
        return None
    outer, orig = found
    if _is_connect_failure(outer, orig):
        where, reason = _where_and_reason(orig)
        return (
            f"Cannot reach the database at {where} ({reason}). {_SAVED} Check the network, the database "
            "server and the database settings, then try again."
        )
    return _statement_failure_message(outer, orig)


def migration_error_message(exc: BaseException) -> str | None:
    """Alembic's CommandError (an unknown revision, a target that is not ahead): its text names
    revisions only, with the revisions that exist."""
    if not _is_alembic_command_error(exc):
        return None
    return f"The migration was refused: {exc}. Known revisions: {_known_revisions()}."


def _is_alembic_command_error(exc: BaseException) -> bool:
    """``exc`` is (a subclass of) alembic.util.CommandError, told by its class's name and module, not by
    importing alembic: the app's error dialogs call failure_message on the GUI thread, where the first
    import of alembic took ~0.4 s (an exception of alembic's comes only from code that imported it)."""
    return any(
        cls.__name__ == "CommandError" and cls.__module__.partition(".")[0] == "alembic" for cls in type(exc).__mro__
    )


def failure_message(exc: BaseException) -> str | None:
    """A plain message for an expected kind of failure, or None when ``exc`` looks like a bug."""
    from pharmacy_desktop.errors import DatabaseUnavailable, PharmacyError

    if isinstance(exc, DatabaseUnavailable) and exc.message.startswith(_UOW_CONNECTION_LOST):
        # the unit of work says "connection lost" for any connection error: true only if it ever connected
        cause = exc.__cause__
        if cause is not None:
            found = _driver_error(cause)
            if found is not None and _is_connect_failure(*found):
                return database_error_message(cause)
        return exc.message
    if isinstance(exc, PharmacyError):
        return exc.message  # written for people, even when it wraps a database error
    message = migration_error_message(exc) or database_error_message(exc)
    if message is not None:
        return message
    try:
        from pharmacy_desktop.db.embedded import EmbeddedServerError
    except ImportError:  # pragma: no cover
        return None
    return str(exc) if isinstance(exc, EmbeddedServerError) else None


def is_connection_failure(exc: BaseException) -> bool:
    """True when ``exc`` is (or wraps) a failure to connect or a lost connection."""
    found = _driver_error(exc)
    if found is None:
        return False
    outer, orig = found
    import psycopg

    return (
        _is_connect_failure(outer, orig)
        or getattr(outer, "connection_invalidated", False)
        or isinstance(orig, psycopg.OperationalError)
        and (getattr(orig, "sqlstate", None) or "")[:2] in ("", "08")
    )


# -- what kind of database error -------------------------------------------------------------


def _driver_error(exc: BaseException) -> tuple[BaseException, BaseException] | None:
    """(the outermost SQLAlchemy/psycopg error, the psycopg error) in ``exc``'s cause chain."""
    import psycopg
    from sqlalchemy.exc import DBAPIError

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DBAPIError):
            return current, current.orig if current.orig is not None else current
        if isinstance(current, psycopg.Error):
            return current, current
        current = current.__cause__ or current.__context__
    return None


def _is_connect_failure(outer: BaseException, orig: BaseException) -> bool:
    import psycopg
    from sqlalchemy.exc import DBAPIError

    if not isinstance(orig, psycopg.OperationalError):
        return False
    if isinstance(outer, DBAPIError) and outer.statement is None:
        return True  # SQLAlchemy had no statement to run yet: the connection itself failed
    text = str(orig)
    return (
        text.startswith(("connection failed", "connection is bad", "failed to resolve host"))
        or "connection to server" in text
    )


def _where_and_reason(orig: BaseException) -> tuple[str, str]:
    text = str(orig)
    where = ""
    pgconn = getattr(orig, "pgconn", None)
    host = _decoded(getattr(pgconn, "host", b""))
    port = _decoded(getattr(pgconn, "port", b""))
    if host:
        where = f"{host}:{port}" if port and not host.startswith("/") else host
    match = _SERVER_AT.search(text)
    if match and not where:
        where = f"{match.group(1)}:{match.group(2)}"
    match_socket = _SERVER_SOCKET.search(text)
    if match_socket and not where:
        where = match_socket.group(1)
    resolve = _RESOLVE.search(text)
    if resolve:
        name = resolve.group(1) or resolve.group(2)
        return (where or name), f"the host name {name} is unknown: check the address"
    lowered = text.lower()
    reason = next((said for key, said in _REASONS if key in lowered), "the connection failed")
    return where or "the configured address", reason


def _decoded(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value or "")


def _statement_failure_message(outer: BaseException, orig: BaseException) -> str:
    import psycopg
    from sqlalchemy import exc as sa_exc

    sqlstate = getattr(orig, "sqlstate", None) or ""
    if (
        getattr(outer, "connection_invalidated", False)
        or isinstance(orig, psycopg.OperationalError)
        and sqlstate[:2] in ("", "08", "57")
    ):
        return f"The database connection was lost. {_SAVED} Check the network or the database server, then try again."
    if sqlstate == "42501" or isinstance(orig, psycopg.errors.InsufficientPrivilege):
        return f"This workstation's database account may not do that. {_SAVED} Tell your manager."
    if sqlstate.startswith("40") or isinstance(orig, psycopg.errors.LockNotAvailable):
        return f"The database was busy with the same records at another workstation. {_SAVED} Try again."
    if isinstance(outer, sa_exc.IntegrityError) or isinstance(orig, psycopg.IntegrityError):
        return (
            f"The database refused the change: it conflicts with a record already stored (for example "
            f"a duplicate) or leaves out something required. {_SAVED} Check the entries and try again."
        )
    if isinstance(outer, sa_exc.DataError) or isinstance(orig, psycopg.DataError):
        return (
            f"A value does not fit the database: too long, out of range or with a hidden control "
            f"character. {_SAVED} Shorten or correct the entries and try again."
        )
    return (
        f"The database could not do that. {_SAVED} Try again; if it happens again, tell your manager "
        "(the details are in the log)."
    )


def _known_revisions() -> str:
    try:
        from alembic.script import ScriptDirectory

        from pharmacy_desktop.db.migrate import alembic_config

        script = ScriptDirectory.from_config(alembic_config("postgresql://x@localhost/x"))
        ids = sorted(rev.revision for rev in script.walk_revisions())
        head = script.get_current_head()
    except Exception:  # noqa: BLE001 - the list is a courtesy; the message stands without it
        return "base, head"
    return ", ".join(["base", *ids]) + f" (head is {head})"
