"""This workstation hosts the pharmacy database: the embedded cluster becomes the counters' server.

What changes (the first-run wizard's "This workstation hosts the pharmacy database"):

- the server listens on 127.0.0.1 and the chosen LAN address, on a fixed port (5432 by default);
- TLS on, with a self-signed certificate made here (``cryptography``, else ``openssl req``);
- ``password_encryption = scram-sha-256``;
- ``pg_hba.conf``: this computer as before (loopback, scram), and from the confirmed subnet only
  ``hostssl`` + ``scram-sha-256`` for the app and owner roles — a plaintext attempt finds no entry;
- the least-privilege application role with a generated password kept in the keyring
  (``cli/roles.create_roles``, the code of ``db create-roles``);
- a systemd user unit (``~/.config/systemd/user/pharmacy-db.service``) so the server starts with the
  session; enabling it is for the person (``systemctl --user enable --now pharmacy-db``).

The text builders are pure and unit-tested; :func:`apply` writes them into a cluster and restarts it.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pharmacy_desktop.atomic_file import write_atomically
from pharmacy_desktop.errors import PharmacyError

if TYPE_CHECKING:
    from pharmacy_desktop.db.embedded import EmbeddedPostgres

log = logging.getLogger(__name__)

DEFAULT_PORT = 5432
CERT_FILE = "server.crt"
KEY_FILE = "server.key"
UNIT_NAME = "pharmacy-db.service"
MARK = "# pharmacy-desktop hosting"
_HOSTING_KEYS = (
    "listen_addresses",
    "port",
    "ssl",
    "ssl_cert_file",
    "ssl_key_file",
    "ssl_min_protocol_version",
    "password_encryption",
)


class HostingError(PharmacyError):
    """The hosting set-up was refused (a subnet too wide, an address not on it...)."""


@dataclass(frozen=True)
class HostingPlan:
    listen_address: str  # this computer's address on the pharmacy's network
    subnet: str  # the network the counters are on, confirmed by the person (CIDR)
    port: int = DEFAULT_PORT
    database: str = "pharmacy"
    app_role: str = "pharmacy_app"
    owner_role: str = "pharmacy_schema_owner"


@dataclass(frozen=True)
class HostingResult:
    host: str
    port: int
    database: str
    app_role: str
    app_password: str  # shown once to the person: typed at each counter's "Connect" page
    certificate: Path
    unit_file: Path | None

    @property
    def fingerprint(self) -> str:
        """The certificate's SHA-256 fingerprint: the counters compare it before they trust the server."""
        import ssl

        from pharmacy_desktop.domain.connection_diagnosis import fingerprint

        return fingerprint(ssl.PEM_cert_to_DER_cert(self.certificate.read_text(encoding="ascii")))


def check_plan(plan: HostingPlan) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """The confirmed subnet, refused when it is not a private network, wider than a /16 (IPv4) or
    /48 (IPv6), or does not hold the listen address."""
    try:
        network = ipaddress.ip_network(plan.subnet.strip(), strict=False)
        address = ipaddress.ip_address(plan.listen_address.strip())
    except ValueError as exc:
        raise HostingError(f"Not an address or network: {exc}.") from None
    widest = 16 if network.version == 4 else 48
    if network.prefixlen < widest:
        raise HostingError(
            f"{network} is too wide: give the pharmacy's own network (e.g. 192.168.1.0/24), at most /{widest}."
        )
    if not network.is_private:
        raise HostingError(f"{network} is not a private network: the database is never offered to the internet.")
    if address not in network:
        raise HostingError(f"This computer's address {address} is not on {network}.")
    if not 0 < plan.port < 65536:
        raise HostingError("The port must be between 1 and 65535 (usually 5432).")
    for role in (plan.app_role, plan.owner_role, plan.database):
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", role):
            raise HostingError(f"{role!r} is not a plain name (lower-case letters, digits, underscores).")
    return network


def local_networks(ip_output: str | None = None) -> list[tuple[str, str]]:
    """(address, network) of this computer's non-loopback IPv4 interfaces (``ip -o -4 addr show``)."""
    if ip_output is None:
        try:
            ip_output = subprocess.run(
                ["ip", "-o", "-4", "addr", "show"], capture_output=True, text=True, timeout=5
            ).stdout
        except (OSError, subprocess.SubprocessError):
            return []
    found: list[tuple[str, str]] = []
    for match in re.finditer(r"\binet (\d+\.\d+\.\d+\.\d+)/(\d+)", ip_output):
        interface = ipaddress.ip_interface(f"{match.group(1)}/{match.group(2)}")
        if not interface.ip.is_loopback:
            found.append((str(interface.ip), str(interface.network)))
    return found


def postgresql_conf(plan: HostingPlan, *, cert_file: str = CERT_FILE, key_file: str = KEY_FILE) -> str:
    """The server settings for hosting (written into postgresql.auto.conf, which wins over postgresql.conf)."""
    check_plan(plan)
    lines = [
        MARK,
        f"listen_addresses = '127.0.0.1,{plan.listen_address}'",
        f"port = {plan.port}",
        "ssl = on",
        f"ssl_cert_file = '{cert_file}'",
        f"ssl_key_file = '{key_file}'",
        "ssl_min_protocol_version = 'TLSv1.2'",
        "password_encryption = 'scram-sha-256'",
    ]
    return "\n".join(lines) + "\n"


def merge_conf(existing: str, hosting: str) -> str:
    """``existing`` with the hosting keys removed (an earlier hosting set-up, the embedded defaults)
    and ``hosting`` appended: applying twice gives the same file."""
    kept = [
        line
        for line in existing.splitlines()
        if line.strip() != MARK and line.split("=", 1)[0].strip() not in _HOSTING_KEYS
    ]
    return "\n".join(kept).rstrip("\n") + "\n" + hosting


def pg_hba(plan: HostingPlan) -> str:
    """Who may connect: this computer (loopback, scram) and, from the subnet, TLS + scram for the two roles."""
    network = check_plan(plan)
    roles = f"{plan.app_role},{plan.owner_role}"
    lines = [
        f"{MARK}: the counters on {network} use TLS and a password; nothing else from the network",
        "# TYPE   DATABASE  USER  ADDRESS  METHOD",
        "local    all       all            scram-sha-256",
        "host     all       all   127.0.0.1/32  scram-sha-256",
        "host     all       all   ::1/128       scram-sha-256",
        f"hostssl  {plan.database}  {roles}  {network}  scram-sha-256",
    ]
    return "\n".join(lines) + "\n"


def systemd_unit(bindir: Path, data_dir: Path, port: int, *, os_user: str | None = None) -> str:
    """A unit that runs the cluster with the session (user unit) or as a service (root: User=postgres)."""
    user_line = f"User={os_user}\n" if os_user else ""
    return (
        "[Unit]\n"
        "Description=Pharmacy database (pharmacy-desktop, hosting workstation)\n"
        "After=network-online.target\n"
        "Wants=network-online.target\n"
        "\n"
        "[Service]\n"
        "Type=notify\n"
        f"{user_line}"
        f"ExecStart={bindir / 'postgres'} -D {data_dir} -p {port}\n"
        "ExecReload=/bin/kill -HUP $MAINPID\n"
        "KillMode=mixed\n"
        "KillSignal=SIGINT\n"
        "TimeoutSec=120\n"
        "Restart=on-failure\n"
        "\n"
        "[Install]\n"
        "WantedBy=default.target\n"
    )


def unit_path() -> Path:
    config_home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return config_home / "systemd" / "user" / UNIT_NAME


def make_certificate(folder: Path, names: list[str], addresses: list[str], *, days: int = 3650) -> tuple[Path, Path]:
    """A self-signed server certificate and its key in ``folder`` (the key 0600)."""
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / CERT_FILE, folder / KEY_FILE
    try:
        _certificate_with_cryptography(cert, key, names, addresses, days)
    except ImportError:
        _certificate_with_openssl(cert, key, names, addresses, days)
    os.chmod(key, 0o600)
    return cert, key


def _certificate_with_cryptography(cert: Path, key: Path, names: list[str], addresses: list[str], days: int) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    private = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0] if names else addresses[0])])
    alt = [x509.DNSName(n) for n in names] + [x509.IPAddress(ipaddress.ip_address(a)) for a in addresses]
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(private, hashes.SHA256())
    )
    key.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


def _certificate_with_openssl(cert: Path, key: Path, names: list[str], addresses: list[str], days: int) -> None:
    if shutil.which("openssl") is None:
        raise HostingError("Neither the 'cryptography' package nor the 'openssl' program is installed.")
    alt = ",".join([f"DNS:{n}" for n in names] + [f"IP:{a}" for a in addresses])
    subject = f"/CN={names[0] if names else addresses[0]}"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        + ["-keyout", str(key), "-out", str(cert), "-days", str(days), "-subj", subject, "-addext"]
        + [f"subjectAltName={alt}"],
        check=True,
        capture_output=True,
        timeout=60,
    )


def apply(
    server: EmbeddedPostgres,
    plan: HostingPlan,
    *,
    make_roles: Callable[[str, str, str], dict[str, str]],
    write_unit: bool = True,
) -> HostingResult:
    """Make ``server`` (an embedded cluster, migrated) the pharmacy's server: certificate, settings,
    pg_hba, restart on the fixed port, the app role. Idempotent (a second run keeps the passwords)."""
    import socket

    from pharmacy_desktop.config import secret_key_for
    from pharmacy_desktop.db.embedded import port_is_free
    from pharmacy_desktop.db.embedded_state import ServerState
    from pharmacy_desktop.keyring_store import get_secret

    check_plan(plan)
    was_running = server.is_running()
    server.start()  # initialized and reachable, for the files' owner and the roles
    assert server.state is not None
    if server.state.port != plan.port and not port_is_free(plan.port):
        if not was_running:
            server.stop()
        raise HostingError(
            f"Port {plan.port} is already used by another program on this computer (another PostgreSQL?). "
            "Stop it, or choose another port. Nothing was changed."
        )
    data = server.data_dir
    if not (data / CERT_FILE).exists():
        make_certificate(data, [socket.gethostname()], ["127.0.0.1", plan.listen_address])
        for name in (CERT_FILE, KEY_FILE):
            server._chown(data / name)
    auto = data / "postgresql.auto.conf"
    _write_as_owner(server, auto, merge_conf(auto.read_text(encoding="utf-8"), postgresql_conf(plan)))
    _write_as_owner(server, data / "pg_hba.conf", pg_hba(plan))
    assert server.state is not None
    server.stop(force=True)
    server._save_state(ServerState(port=plan.port, password=server.state.password))
    server.state = None
    admin_url = server.start()
    if server.state is None or server.state.port != plan.port:  # taken between the check and the restart
        raise HostingError(f"Port {plan.port} was taken while the server restarted: choose another port, try again.")
    log.info("the embedded server now hosts the pharmacy database on %s:%s", plan.listen_address, plan.port)
    urls = make_roles(admin_url, plan.owner_role, plan.app_role)  # cli/roles.create_roles (db create-roles)
    password = get_secret(secret_key_for(urls[plan.app_role]))
    assert password is not None  # create_roles keeps it there
    unit = None
    if write_unit:
        unit = unit_path()
        unit.parent.mkdir(parents=True, exist_ok=True)
        unit.write_text(systemd_unit(server.bindir, data, plan.port, os_user=server.os_user), encoding="utf-8")
    if not was_running:
        server.stop()
    return HostingResult(
        host=plan.listen_address,
        port=plan.port,
        database=plan.database,
        app_role=plan.app_role,
        app_password=password,
        certificate=data / CERT_FILE,
        unit_file=unit,
    )


def _write_as_owner(server: EmbeddedPostgres, path: Path, content: str) -> None:
    write_atomically(path, content, prepare=server._chown)
