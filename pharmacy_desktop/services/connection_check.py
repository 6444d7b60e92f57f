"""The first-run wizard's "Connect to the pharmacy's server": test a server, then keep the choice.

``test_connection`` tries the server and returns a plain :class:`Diagnosis`; ``save_connection``
writes the URL (without its password) and the TLS mode to the workstation configuration and the
password to the keyring, as ``pharmacy-desktop db connect`` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from pharmacy_desktop import config as config_mod
from pharmacy_desktop.db.connection_probe import probe, server_certificate
from pharmacy_desktop.db.hosting import (
    DEFAULT_PORT,
    HostingError,
    HostingPlan,
    HostingResult,
    check_plan,
    local_networks,
)
from pharmacy_desktop.domain.connection_diagnosis import ConnectionFacts, Diagnosis, diagnose, fingerprint

__all__ = [
    "DEFAULT_PORT",
    "SSLMODES",
    "ConnectionTest",
    "HostingError",
    "HostingPlan",
    "HostingResult",
    "ServerCertificate",
    "ServerChoice",
    "check_plan",
    "field_problems",
    "host_this_workstation",
    "hosting_summary",
    "local_networks",
    "read_certificate",
    "save_connection",
    "trust_certificate",
    "try_connection",
]

if TYPE_CHECKING:
    from pharmacy_desktop.db.embedded import EmbeddedPostgres

SSLMODES = ("require", "verify-full", "verify-ca", "prefer", "disable")


@dataclass(frozen=True)
class ServerChoice:
    host: str
    port: int = 5432
    database: str = "pharmacy"
    user: str = "pharmacy_app"
    password: str = ""
    sslmode: str = "require"
    sslrootcert: str = ""  # the pinned server certificate (verify-ca), once its fingerprint was confirmed

    def url(self, *, with_password: bool = True) -> str:
        auth = quote(self.user, safe="")
        if with_password and self.password:
            auth += ":" + quote(self.password, safe="")
        host = f"[{self.host}]" if ":" in self.host else self.host
        url = f"postgresql+psycopg://{auth}@{host}:{self.port}/{quote(self.database, safe='')}"
        return url + (f"?sslrootcert={quote(self.sslrootcert, safe='/')}" if self.sslrootcert else "")


@dataclass(frozen=True)
class ConnectionTest:
    facts: ConnectionFacts
    diagnosis: Diagnosis

    @property
    def ok(self) -> bool:
        return self.diagnosis.ok


def field_problems(choice: ServerChoice) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not choice.host.strip():
        problems["host"] = "the server's name or IP address"
    if not 0 < choice.port < 65536:
        problems["port"] = "a port between 1 and 65535 (usually 5432)"
    if not choice.database.strip():
        problems["database"] = "the database name (usually 'pharmacy')"
    if not choice.user.strip():
        problems["user"] = "the user name (usually 'pharmacy_app')"
    if choice.sslmode not in SSLMODES:
        problems["sslmode"] = "one of " + ", ".join(SSLMODES)
    return problems


def try_connection(choice: ServerChoice, *, timeout: float = 5) -> ConnectionTest:
    """Try the server as the app would; the diagnosis says what to fix (never raises for the network)."""
    facts = probe(choice.url(), sslmode=choice.sslmode, timeout=timeout)
    return ConnectionTest(facts, diagnose(facts))


def save_connection(choice: ServerChoice, path: Path | None = None) -> Path:
    """This workstation uses the server from now on: the password to the keyring, the rest to the file."""
    cfg = config_mod.load(path)
    cfg.database_url = config_mod.remember_password(choice.url())
    cfg.sslmode = choice.sslmode
    return config_mod.save(cfg, path)


@dataclass(frozen=True)
class ServerCertificate:
    der: bytes
    fingerprint: str  # compared by the person with the one the hosting workstation showed


def read_certificate(choice: ServerChoice, *, timeout: float = 5) -> ServerCertificate | None:
    """The server's certificate, unverified (None: the server offers no TLS)."""
    der = server_certificate(choice.host, choice.port, timeout=timeout)
    return ServerCertificate(der, fingerprint(der)) if der else None


def trust_certificate(choice: ServerChoice, certificate: ServerCertificate, folder: Path | None = None) -> ServerChoice:
    """Keep the confirmed certificate in the configuration folder; the choice then verifies it (verify-ca)."""
    import ssl

    folder = folder or config_mod.config_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"server-{choice.host.replace(':', '_')}-{choice.port}.crt"
    path.write_text(ssl.DER_cert_to_PEM_cert(certificate.der), encoding="ascii")
    from dataclasses import replace

    return replace(choice, sslmode="verify-ca", sslrootcert=str(path))


def host_this_workstation(server: EmbeddedPostgres, plan: HostingPlan, *, write_unit: bool = True) -> HostingResult:
    """The embedded cluster becomes the pharmacy's server (db/hosting.py), its app role made by the code
    of ``db create-roles``."""
    from functools import partial

    from pharmacy_desktop.cli.roles import create_roles
    from pharmacy_desktop.db import hosting

    make_roles = partial(create_roles, confirm_reset=_new_passwords_on_own_server)
    return hosting.apply(server, plan, make_roles=make_roles, write_unit=write_unit)


def _new_passwords_on_own_server(roles: Sequence[str], where: str) -> None:
    """This workstation's own embedded server hosted again (on another port: the secret store keeps a
    password per address): its roles get new passwords, which the hosting summary gives the counters."""
    import logging

    logging.getLogger(__name__).warning(
        "hosting again: the role(s) %s of this workstation's own server get new passwords (none stored for %s)",
        ", ".join(roles),
        where,
    )


def hosting_summary(result: HostingResult) -> str:
    """What to type at each counter's "Connect to the pharmacy's server" page (the password once)."""
    lines = [
        "This computer now hosts the pharmacy database. At each other counter choose",
        "\u201cConnect to the pharmacy's server\u201d and enter:",
        "",
        f"Server: {result.host}",
        f"Port: {result.port}",
        f"Database: {result.database}",
        f"User: {result.app_role}",
        f"Password: {result.app_password}",
        "TLS: require",
        "",
        "The password is kept in this computer's keyring; write it down somewhere safe now.",
    ]
    try:
        lines += ["", "Certificate fingerprint (compare it at each counter):", result.fingerprint]
    except (OSError, ValueError):  # the certificate cannot be read here: the counters still connect with TLS
        pass
    if result.unit_file is not None:
        lines += [
            "",
            "To keep the database running when the app is closed here: quit the app, run",
            f"systemctl --user enable --now {result.unit_file.stem}, then start the app again",
            f"(unit file: {result.unit_file})",
        ]
    return "\n".join(lines)
