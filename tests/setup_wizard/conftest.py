"""The hosting workstation the two-counter tests share: an embedded server made to host on this
machine's first LAN address (TLS, scram, the app role), stopped after the test."""

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


@pytest.fixture
def hosted(sandbox: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[EmbeddedPostgres, hosting.HostingResult]]:
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
