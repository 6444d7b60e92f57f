"""What went wrong when a workstation tried the pharmacy's server, in words a pharmacist can act on.

Pure: the caller (services/connection_check.py over db/connection_probe.py) gathers the facts —
the SQLSTATE and driver text of a failed connection, or the server's version number and the
database's revision once connected — and :func:`diagnose` names one cause and the next step.
The driver text is only matched, never shown (it may name the host's users or files).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

# the oldest PostgreSQL this app is tested against (server_version_num)
MIN_SERVER_VERSION_NUM = 140000

OK = "ok"
HOST_UNREACHABLE = "host_unreachable"
PORT_CLOSED = "port_closed"
NO_ANSWER = "no_answer"
PASSWORD_REFUSED = "password_refused"
NO_PASSWORD = "no_password"
TLS_REQUIRED = "tls_required"
TLS_UNAVAILABLE = "tls_unavailable"
CERTIFICATE_MISMATCH = "certificate_mismatch"
NOT_ALLOWED = "not_allowed"
DATABASE_MISSING = "database_missing"
USER_MISSING = "user_missing"
SERVER_TOO_OLD = "server_too_old"
NOT_MIGRATED = "not_migrated"
DATABASE_NEWER = "database_newer"
DATABASE_OLDER = "database_older"
SERVER_BUSY = "server_busy"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class ConnectionFacts:
    """What a connection attempt found. ``error_text`` is the driver's message (matched, not shown)."""

    host: str
    port: int
    database: str
    user: str
    sslmode: str | None = None
    connected: bool = False
    sqlstate: str | None = None
    error_text: str = ""
    server_version_num: int | None = None
    revision_status: str | None = None  # migrate.RevisionState.status: empty|current|older|newer|unknown
    revision: str | None = None
    head: str | None = None
    newer_message: str | None = None  # RevisionState.too_new_message() (names the release to install)


@dataclass(frozen=True)
class Diagnosis:
    kind: str
    title: str
    advice: str

    @property
    def ok(self) -> bool:
        return self.kind in (OK, DATABASE_OLDER)  # an older database connects; an administrator upgrades it

    def text(self) -> str:
        return f"{self.title}\n{self.advice}"


def _version_words(num: int) -> str:
    major, minor = divmod(num, 10000)
    if major < 10:  # 9.6.24 is 90624
        return f"{major}.{minor // 100}"
    return f"{major}.{minor}" if minor else str(major)


def diagnose(facts: ConnectionFacts) -> Diagnosis:
    """One plain cause and what to do about it."""
    if not facts.connected:
        return _refused(facts)
    where = f"{facts.database} on {facts.host}:{facts.port}"
    if facts.server_version_num is not None and facts.server_version_num < MIN_SERVER_VERSION_NUM:
        return Diagnosis(
            SERVER_TOO_OLD,
            f"The server's PostgreSQL is too old ({_version_words(facts.server_version_num)}).",
            f"This app needs PostgreSQL {_version_words(MIN_SERVER_VERSION_NUM)} or newer. Upgrade PostgreSQL on "
            "the server, or host the database on this workstation instead.",
        )
    status = facts.revision_status
    if status == "empty":
        return Diagnosis(
            NOT_MIGRATED,
            f"Connected, but {where} holds no pharmacy tables yet.",
            "The database was created but never set up. On the server, as the database owner, run "
            "'pharmacy-desktop db upgrade', then test again.",
        )
    if status == "newer":
        return Diagnosis(
            DATABASE_NEWER,
            "The database is newer than this app.",
            facts.newer_message or "It was upgraded by a newer pharmacy-desktop: install that release here.",
        )
    if status == "older":
        return Diagnosis(
            DATABASE_OLDER,
            f"Connected. The database is at revision {facts.revision}; this app needs {facts.head}.",
            "An administrator must upgrade it first ('pharmacy-desktop db upgrade', which takes a backup).",
        )
    return Diagnosis(OK, f"Connected to {where}.", "The database is ready for this app.")


def _refused(facts: ConnectionFacts) -> Diagnosis:
    text = facts.error_text.lower()
    state = facts.sqlstate or ""
    host, port = facts.host, facts.port
    if (
        "could not translate host name" in text
        or "failed to resolve host" in text
        or "name or service not known" in text
    ):
        return Diagnosis(
            HOST_UNREACHABLE,
            f"The name '{host}' is not known on this network.",
            "Check the spelling of the server's name, or use its IP address (shown on the hosting workstation).",
        )
    if "no route to host" in text or "network is unreachable" in text or "host is unreachable" in text:
        return Diagnosis(
            HOST_UNREACHABLE,
            f"This computer cannot reach {host}.",
            "Check the network cable or Wi-Fi, and that the server computer is switched on and on the same network.",
        )
    if "connection refused" in text:
        return Diagnosis(
            PORT_CLOSED,
            f"{host} answered, but nothing accepts connections on port {port}.",
            "Check the port number, that the database is running on the server, and that it listens on the "
            "network (not only on the server itself) and no firewall blocks the port.",
        )
    if "certificate verify failed" in text or "root certificate file" in text or "server certificate for" in text:
        return Diagnosis(
            CERTIFICATE_MISMATCH,
            f"The certificate of {host} is not the one this workstation trusts.",
            "If the server was set up again, compare the fingerprint it shows and trust the new certificate; "
            "otherwise something is pretending to be the server: ask your administrator before you connect.",
        )
    if "timeout expired" in text or "timed out" in text:
        return Diagnosis(
            NO_ANSWER,
            f"No answer from {host}:{port} in time.",
            "The computer may be off, or a firewall drops the connection. Check the address and the network.",
        )
    if state == "28P01" or "password authentication failed" in text:
        return Diagnosis(
            PASSWORD_REFUSED,
            f"The server refused the password for '{facts.user}'.",
            "Type the password again (it is the one made when the server was set up; the hosting workstation "
            "keeps it in its keyring).",
        )
    if "no password supplied" in text or "fe_sendauth" in text:
        return Diagnosis(NO_PASSWORD, "The server asks for a password.", "Enter the password, then test again.")
    if _tls_needed(text, facts.sslmode):
        return Diagnosis(
            TLS_REQUIRED,
            "The server accepts only encrypted (TLS) connections.",
            "Choose the TLS mode 'require' (or 'verify-full' with the server's certificate), then test again.",
        )
    if "server does not support ssl" in text or "ssl was required" in text:
        return Diagnosis(
            TLS_UNAVAILABLE,
            "The server does not offer TLS, but this workstation asked for it.",
            "Turn TLS on at the server (the hosting set-up does), or, on a trusted network only, choose 'prefer'.",
        )
    if "role" in text and "does not exist" in text:
        return Diagnosis(
            USER_MISSING, f"There is no user '{facts.user}' on {host}.", "Check the user name (usually 'pharmacy_app')."
        )
    if state == "28000" or "no pg_hba.conf entry" in text:
        return Diagnosis(
            NOT_ALLOWED,
            "The server does not accept connections from this computer.",
            "Its access list (pg_hba.conf) must include this computer's network; re-run the hosting set-up there "
            "with the right subnet.",
        )
    if state == "3D000" or ("database" in text and "does not exist" in text):
        return Diagnosis(
            DATABASE_MISSING,
            f"There is no database '{facts.database}' on {host}.",
            "Check the database name (usually 'pharmacy').",
        )
    if state == "53300" or "too many connections" in text or "starting up" in text:
        return Diagnosis(SERVER_BUSY, "The server is busy or starting up.", "Wait a moment and test again.")
    return Diagnosis(
        UNKNOWN,
        f"The connection to {host}:{port} failed.",
        "Check the address, port, user and password; the log file has the technical detail.",
    )


def _tls_needed(text: str, sslmode: str | None) -> bool:
    """pg_hba has only hostssl lines: a plaintext attempt reads 'no pg_hba.conf entry ... no encryption'."""
    return "no encryption" in text and sslmode in (None, "", "disable", "allow", "prefer")


def fingerprint(der: bytes) -> str:
    """A certificate's SHA-256 fingerprint as people compare it: 'AB:CD:...' (32 pairs)."""
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))
