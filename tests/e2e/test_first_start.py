"""A newcomer's first commands, as separate processes, on the embedded default server.

No database configured: `pharmacy-desktop demo` starts a private PostgreSQL in the user data
directory, migrates it, loads the demo pharmacy and stops the server again; a second run changes
nothing; the catalog answers a scan from the same data directory afterwards.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pharmacy_desktop.demo import DEMO_PASSWORDS
from tests.app_process import private_workstation


@pytest.fixture
def fresh_workstation(sandbox):
    home, env = private_workstation(sandbox, "workstation")
    yield home, env
    # never leave a server behind, even when the test failed half-way
    from pharmacy_desktop.db.embedded import EmbeddedPostgres

    EmbeddedPostgres(home / "data" / "embedded").stop(force=True)


def _cli(env, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pharmacy_desktop", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def test_demo_on_the_embedded_default_then_a_scan(fresh_workstation):
    home, env = fresh_workstation
    first = _cli(env, "demo")
    assert first.returncode == 0, first.stderr
    assert "Demo pharmacy loaded" in first.stdout
    for username, password in DEMO_PASSWORDS.items():
        assert username in first.stdout and password in first.stdout
    assert (home / "data" / "embedded").is_dir()
    assert not _running(home), "the command must stop the server it started"

    again = _cli(env, "demo")
    assert again.returncode == 0, again.stderr
    assert "already present" in again.stdout

    scan = _cli(env, "scan", "00591-0349-01", "--json")
    result = json.loads(scan.stdout)
    assert scan.returncode == 0 and result["status"] == "found", scan.stdout + scan.stderr
    assert result["ndc11"] == "00591034901"

    current = _cli(env, "db", "current")
    assert current.returncode == 0 and "up to date" in current.stdout


def _running(home: Path) -> bool:
    from pharmacy_desktop.db.embedded import EmbeddedPostgres

    return EmbeddedPostgres(home / "data" / "embedded").is_running()
