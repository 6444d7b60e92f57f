"""Hosting workstations for the hosting and two-counter tests: an embedded server made to host on this
machine's first LAN address (TLS, scram, the app role).

``hosted_server`` is made once for the tests of this folder (a server, its migration and the hosting
step take seconds) and stopped after them; the tests that use it leave it as they found it for one
another: they connect, read, apply the same plan again, have a plan refused, or add rows no other
test reads (test_two_counters: its accounts and patients; the first administrator is made there).
``hosted`` is a server of the test's own, for a test that makes the pharmacy's first administrator
too (test_two_counter_processes); test_hosting_apply's ``hosted_alone`` for one that stops it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pharmacy_desktop.db import hosting, migrate
from pharmacy_desktop.db.embedded import EmbeddedPostgres, free_port
from pharmacy_desktop.services.connection_check import host_this_workstation

LAN = hosting.local_networks()

Hosted = tuple[EmbeddedPostgres, hosting.HostingPlan, hosting.HostingResult]


@pytest.fixture(scope="package")
def hosted_server(sandbox: Path) -> Iterator[Hosted]:
    """(server, plan, result): the shared hosting server; its configuration folder (the systemd unit
    the hosting step writes) is ``hosted-config-<pid>`` under the sandbox, set while a test uses it."""
    if not LAN:
        pytest.skip("this machine has no network address besides loopback")
    address = LAN[0][0]
    tag = f"{os.getpid()}-shared"
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("XDG_CONFIG_HOME", str(sandbox / f"hosted-config-{tag}"))
        server = EmbeddedPostgres(sandbox / f"hosted-{tag}", password="hosting-test-password")
        try:
            migrate.upgrade(server.start())
            plan = hosting.HostingPlan(address, f"{address}/32", port=free_port())
            result = host_this_workstation(server, plan)
            monkeypatch.undo()  # the rest of the run keeps its own configuration folder
            yield server, plan, result
        finally:
            server.stop(force=True)


@pytest.fixture
def hosted_config(hosted_server: Hosted, sandbox: Path, monkeypatch: pytest.MonkeyPatch) -> Hosted:
    """The shared server, with XDG_CONFIG_HOME its hosting configuration folder for this test."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(sandbox / f"hosted-config-{os.getpid()}-shared"))
    return hosted_server


@pytest.fixture
def shared_hosted(hosted_config: Hosted) -> tuple[EmbeddedPostgres, hosting.HostingResult]:
    """(server, result) of the folder's shared hosting server."""
    server, _plan, result = hosted_config
    assert server.is_running()
    return server, result


@pytest.fixture
def hosted(sandbox: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[EmbeddedPostgres, hosting.HostingResult]]:
    """(server, result) of a hosting server made for this test alone, stopped after it."""
    if not LAN:
        pytest.skip("this machine has no network address besides loopback")
    address = LAN[0][0]
    tag = f"{os.getpid()}-{time.monotonic_ns()}"  # a fresh server and configuration for every test
    monkeypatch.setenv("XDG_CONFIG_HOME", str(sandbox / f"hosted-config-{tag}"))
    server = EmbeddedPostgres(sandbox / f"hosted-{tag}", password="hosting-test-password")
    try:
        migrate.upgrade(server.start())
        result = host_this_workstation(server, hosting.HostingPlan(address, f"{address}/32", port=free_port()))
        yield server, result
    finally:
        server.stop(force=True)
