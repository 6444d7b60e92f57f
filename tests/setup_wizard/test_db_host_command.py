"""`pharmacy-desktop db host`: the hosting step from a terminal, on a workstation of its own."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pharmacy_desktop.db import hosting
from pharmacy_desktop.db.embedded import EmbeddedPostgres, free_port
from tests.app_process import private_workstation

LAN = hosting.local_networks()


def _cli(env, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pharmacy_desktop", *args], env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.skipif(not LAN, reason="this machine has no network address besides loopback")
def test_db_host_prints_what_the_counters_type(sandbox):
    home, env = private_workstation(sandbox, "db-host")
    address = LAN[0][0]
    port = free_port()
    try:
        done = _cli(env, "db", "host", "--subnet", f"{address}/32", "--port", str(port), "--no-unit")
        assert done.returncode == 0, done.stderr
        for words in (f"Server: {address}", f"Port: {port}", "User: pharmacy_app", "Password: ", "TLS: require"):
            assert words in done.stdout
        server = EmbeddedPostgres(home / "data" / "embedded")
        assert not server.is_running()  # the command stops the server it started
        hba = (server.data_dir / "pg_hba.conf").read_text() if not server.os_user else ""
        if hba:
            assert f"hostssl  pharmacy  pharmacy_app,pharmacy_schema_owner  {address}/32  scram-sha-256" in hba

        wide = _cli(env, "db", "host", "--subnet", "10.0.0.0/8", "--address", "10.1.2.3")
        assert wide.returncode != 0 and "too wide" in wide.stderr
        configured = _cli(env, "--database-url", "postgresql://u@h/d", "db", "host", "--subnet", f"{address}/32")
        assert configured.returncode == 2 and "configured one" in configured.stderr
    finally:
        EmbeddedPostgres(home / "data" / "embedded").stop(force=True)
