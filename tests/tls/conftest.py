"""A second throwaway PostgreSQL cluster that speaks TLS only (self-signed certificate made here).

Its pg_hba.conf rejects every TCP connection that is not TLS, so on this server a connection that
succeeds is encrypted; the suite's ordinary cluster (``pg_server``, ssl off) is the server without
TLS. Both are started by the app's own EmbeddedPostgres code, as the postgres OS user under root.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import shutil
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

PASSWORD = "tls-test-only-password"
HBA = """\
local     all all              scram-sha-256
hostssl   all all 127.0.0.1/32 scram-sha-256
hostnossl all all 127.0.0.1/32 reject
"""


def self_signed_certificate() -> tuple[bytes, bytes]:
    """(certificate PEM, private key PEM) for 127.0.0.1, valid for a day."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def _write_as_server_owner(server, path: Path, content: bytes, mode: int) -> None:
    path.write_bytes(content)
    os.chmod(path, mode)  # the server refuses a key file others can read
    if server.os_user:
        shutil.chown(path, server.os_user, server.os_user)


@pytest.fixture(scope="session")
def tls_server(sandbox, pg_server):
    """A running TLS-only cluster; ``tls_server.ca_file`` is its certificate for verify-full."""
    from pharmacy_desktop.db.embedded import EmbeddedPostgres

    server = EmbeddedPostgres(sandbox / "tls-cluster", password=PASSWORD)
    server.initialize()
    cert, key = self_signed_certificate()
    data = server.data_dir
    _write_as_server_owner(server, data / "server.crt", cert, 0o644)
    _write_as_server_owner(server, data / "server.key", key, 0o600)
    _write_as_server_owner(server, data / "pg_hba.conf", HBA.encode(), 0o600)
    with (data / "postgresql.auto.conf").open("a") as conf:
        conf.write("ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n")
        # throwaway, as the suite's own cluster (tests/conftest.py): no flush to disk at each commit
        conf.write("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n")
    ca_file = sandbox / "tls-ca.crt"
    ca_file.write_bytes(cert)
    server.start()
    server.ca_file = ca_file
    yield server
    server.stop()


@pytest.fixture(scope="session")
def tls_template(tls_server):
    """A migrated template database on the TLS server (migrated over TLS, through the app's code)."""
    from pharmacy_desktop.db import connect, migrate
    from pharmacy_desktop.db.embedded import url_for

    admin = url_for(tls_server.state.port, PASSWORD, "postgres")
    with connect.connect(admin, sslmode="require", autocommit=True) as conn:
        conn.execute('CREATE DATABASE "tls_template"')
    migrate.upgrade(connect.resolve_url(url_for(tls_server.state.port, PASSWORD, "tls_template"), sslmode="require"))
    return "tls_template"


_count = iter(range(1_000_000))


def _new_database(server, template: str | None) -> str:
    from pharmacy_desktop.db import connect
    from pharmacy_desktop.db.embedded import url_for

    name = f"tls_{os.getpid()}_{next(_count)}"
    admin = url_for(server.state.port, PASSWORD, "postgres")
    with connect.connect(admin, sslmode="require", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return url_for(server.state.port, PASSWORD, name)


@pytest.fixture
def tls_url(tls_server, tls_template):
    """A fresh migrated database on the TLS server; the URL has no sslmode of its own."""
    return _new_database(tls_server, tls_template)


@pytest.fixture
def tls_empty_url(tls_server):
    return _new_database(tls_server, None)


@pytest.fixture
def require_tls(tmp_path, monkeypatch):
    """This workstation is configured for a server with sslmode = "require" (what `db connect
    --sslmode require` writes); the tests then name the database with --database-url."""
    from pharmacy_desktop import config as config_mod

    monkeypatch.setenv("PHARMACY_CONFIG_DIR", str(tmp_path / "config"))
    config_mod.save(
        config_mod.Config(database_url="postgresql://pharmacy_app@db.pharmacy.example/pharmacy", sslmode="require")
    )
    return config_mod.load()
