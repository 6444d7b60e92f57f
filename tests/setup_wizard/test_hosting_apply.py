"""A throwaway cluster made the pharmacy's server: a counter on the LAN connects with TLS as the app role."""

from __future__ import annotations

import os
import time

import psycopg
import pytest

from pharmacy_desktop.config import libpq_url
from pharmacy_desktop.db import hosting, migrate
from pharmacy_desktop.db.embedded import EmbeddedPostgres, free_port
from pharmacy_desktop.domain import connection_diagnosis as cd
from pharmacy_desktop.services.connection_check import ServerChoice, host_this_workstation, try_connection

LAN = hosting.local_networks()


def _hosting(sandbox, monkeypatch, tag: str):
    """A fresh embedded server made the pharmacy's server (stopped after the with block)."""
    if not LAN:
        pytest.skip("this machine has no network address besides loopback")
    address, _network = LAN[0]
    monkeypatch.setenv("XDG_CONFIG_HOME", str(sandbox / f"hosting-config-{tag}"))
    server = EmbeddedPostgres(sandbox / f"hosting-{tag}", password="hosting-test-password")
    try:
        migrate.upgrade(server.start())
        plan = hosting.HostingPlan(listen_address=address, subnet=f"{address}/32", port=free_port())
        result = host_this_workstation(server, plan)
        yield server, plan, result
    finally:
        server.stop(force=True)


@pytest.fixture
def hosted(hosted_config):
    """The folder's shared hosting server (conftest.py) for the tests that leave it as they found it
    (connect, apply the same plan again, pin its certificate, a refused plan): a server and its
    migration once, not per test or module."""
    return hosted_config


@pytest.fixture
def hosted_alone(sandbox, monkeypatch):
    """A hosting server of this test's own (it stops the server)."""
    yield from _hosting(sandbox, monkeypatch, f"{os.getpid()}-{time.monotonic_ns()}")


def choice(result: hosting.HostingResult, **changes: object) -> ServerChoice:
    values: dict[str, object] = {
        "host": result.host,
        "port": result.port,
        "database": result.database,
        "user": result.app_role,
        "password": result.app_password,
        "sslmode": "require",
    }
    values.update(changes)
    return ServerChoice(**values)  # type: ignore[arg-type]


def test_a_counter_connects_over_tls_as_the_app_role(hosted):
    server, plan, result = hosted
    assert server.is_running() and server.state is not None and server.state.port == plan.port
    found = try_connection(choice(result))
    assert found.diagnosis.kind == cd.OK, found.diagnosis.text()

    url = choice(result).url()
    with psycopg.connect(libpq_url(url), sslmode="require") as conn:
        assert conn.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone() == (True,)
        assert conn.execute("SHOW password_encryption").fetchone() == ("scram-sha-256",)
        role = conn.execute("SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user").fetchone()
        assert role == (False, False)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("CREATE TABLE inventory_schema.x (id int)")

    # plaintext from the network: no entry (TLS required); the superuser: not from the network at all
    assert try_connection(choice(result, sslmode="disable")).diagnosis.kind == cd.TLS_REQUIRED
    superuser = try_connection(choice(result, user="pharmacy_owner", password="hosting-test-password"))
    assert superuser.diagnosis.kind == cd.NOT_ALLOWED
    assert try_connection(choice(result, password="wrong")).diagnosis.kind == cd.PASSWORD_REFUSED

    assert result.unit_file is not None and result.unit_file.name == "pharmacy-db.service"
    assert f"-p {plan.port}" in result.unit_file.read_text()
    assert "BEGIN CERTIFICATE" in result.certificate.read_text()


def test_applying_again_keeps_the_password(hosted):
    server, plan, result = hosted
    again = host_this_workstation(server, plan, write_unit=False)
    assert again.app_password == result.app_password
    assert try_connection(choice(again)).ok


def test_a_counter_pins_the_certificate_it_confirmed(hosted, tmp_path):
    from pharmacy_desktop.db.hosting import make_certificate
    from pharmacy_desktop.services.connection_check import read_certificate, trust_certificate

    _server, _plan, result = hosted
    seen = read_certificate(choice(result))
    assert seen is not None and seen.fingerprint == result.fingerprint  # what the hosting screen shows
    pinned = trust_certificate(choice(result), seen, tmp_path)
    assert pinned.sslmode == "verify-ca" and pinned.sslrootcert.endswith(".crt")
    assert try_connection(pinned).diagnosis.kind == cd.OK

    impostor_cert, _key = make_certificate(tmp_path / "impostor", ["impostor"], ["127.0.0.1"])
    impostor = choice(result, sslmode="verify-ca", sslrootcert=str(impostor_cert))
    assert try_connection(impostor).diagnosis.kind == cd.CERTIFICATE_MISMATCH


def test_the_unit_command_runs_the_server_and_the_app_leaves_it_running(hosted_alone, sandbox):
    import shlex
    import subprocess

    server, plan, result = hosted_alone
    server.stop(force=True)
    assert not server.is_running()
    exec_start = next(line for line in result.unit_file.read_text().splitlines() if line.startswith("ExecStart="))
    command = shlex.split(exec_start.removeprefix("ExecStart="))
    if server.os_user:  # the unit's User=postgres
        command = ["runuser", "-u", server.os_user, "--", *command]
    service = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not try_connection(choice(result)).ok:
            assert service.poll() is None, "the unit's command exited"
            assert time.monotonic() < deadline, "the server started by the unit's command never answered"
            time.sleep(0.3)
        app_side = EmbeddedPostgres(server.root, password="hosting-test-password")
        url = app_side.start()  # as the app starts on the hosting workstation: it finds the server running
        with psycopg.connect(libpq_url(url)) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        app_side.stop()  # the app quits ...
        assert app_side.is_running() and service.poll() is None  # ... and the service's server keeps running
    finally:
        server.stop(force=True)
        service.wait(timeout=60)


def test_a_port_in_use_is_refused_before_anything_changes(hosted):
    import socket

    server, plan, _result = hosted
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        taken = busy.getsockname()[1]
        before = (server.data_dir / "pg_hba.conf").read_text()
        with pytest.raises(hosting.HostingError, match=f"Port {taken} is already used"):
            host_this_workstation(server, hosting.HostingPlan(plan.listen_address, plan.subnet, port=taken))
    assert (server.data_dir / "pg_hba.conf").read_text() == before
    assert server.is_running() and server.state is not None and server.state.port == plan.port
