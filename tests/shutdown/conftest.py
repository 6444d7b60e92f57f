"""The workstation the shutdown tests run the app in: its embedded cluster created and migrated once
per worker (by a separate process, which stops it again), then used by each test in turn.

Each test starts from what a fresh workstation gives it: a cluster that exists, is migrated and is
not running, and a log with nothing in it yet (the earlier test's log is moved aside), so what a test
reads in the log is what its own app wrote. Every test ends with the server stopped (the tests check
that), and the fixture stops it by force whatever happened.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pharmacy_desktop.db.embedded import EmbeddedPostgres
from tests.app_process import private_workstation

PREPARE = "from pharmacy_desktop.app import open_database; open_database(seed_demo=False).close()"
_runs = itertools.count()


def prepare(env: dict[str, str], timeout: float = 300) -> None:
    """A tool run on the workstation (a process of its own): it opens the database (the embedded server
    started and migrated as needed) and closes it again."""
    prepared = subprocess.run(
        [sys.executable, "-c", PREPARE], check=False, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert prepared.returncode == 0, prepared.stderr


@pytest.fixture(scope="package")
def prepared_workstation(sandbox: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    home, env = private_workstation(sandbox, "shutdown", QT_QPA_PLATFORM="offscreen")
    prepare(env)
    yield home, env
    EmbeddedPostgres(home / "data" / "embedded").stop(force=True)


@pytest.fixture
def workstation(prepared_workstation) -> Iterator[tuple[Path, dict[str, str], EmbeddedPostgres]]:
    home, env = prepared_workstation
    server = EmbeddedPostgres(home / "data" / "embedded")
    assert server.initialized and not server.is_running()
    logs = home / "data" / "logs"
    for log in sorted(logs.glob("pharmacy-desktop.log*")) if logs.exists() else ():
        log.rename(log.with_name(f"earlier-{next(_runs)}-{log.name}"))  # kept for a look, never read
    yield home, env, server
    server.stop(force=True)  # never leave a server behind, even when the test failed half-way
