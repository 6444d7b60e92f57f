"""Item 11 of issue 11: SIGTERM/SIGHUP close the real app like its window, and its embedded server stops.

The app runs as its own process (`python -m pharmacy_desktop`, Qt offscreen) with a private data
directory, so it starts its own embedded PostgreSQL. The cluster is created and migrated first by a
separate process (that stops it again), once for the tests of this folder (conftest.py: each test
finds it stopped and a log of its own), so the app's start is quick and loads no demo data.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pharmacy_desktop.db.embedded import EmbeddedPostgres
from tests.shutdown.conftest import PREPARE

UP = "sign-in shown"


def start_app(env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pharmacy_desktop"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def log_text(home: Path) -> str:
    try:
        return (home / "data" / "logs" / "pharmacy-desktop.log").read_text(encoding="utf-8")
    except OSError:
        return ""


def wait_until_up(app: subprocess.Popen, home: Path, times: int = 1, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while log_text(home).count(UP) < times:
        if app.poll() is not None:
            pytest.fail(f"the app exited ({app.returncode}) before it was up:\n{app.stdout.read()}\n{log_text(home)}")
        assert time.monotonic() < deadline, f"the app did not come up:\n{log_text(home)}"
        time.sleep(0.2)


def postmaster_pid(server: EmbeddedPostgres) -> int:
    return int((server.data_dir / "postmaster.pid").read_text().splitlines()[0])


def gone(pid: int) -> bool:
    """Exited (a zombie counts: once pg_ctl has exited nobody but init reaps the postmaster)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    return "\nState:\tZ" in status


def exits_cleanly(app: subprocess.Popen, sig: int, home: Path) -> float:
    started = time.monotonic()
    app.send_signal(sig)
    try:
        code = app.wait(timeout=30)
    except subprocess.TimeoutExpired:
        app.kill()
        pytest.fail(f"the app ignored {signal.Signals(sig).name}:\n{log_text(home)}")
    output = app.stdout.read()
    assert code == 0, output
    assert "Traceback" not in output, output
    return time.monotonic() - started


def test_sigterm_closes_the_app_and_stops_the_server_it_started(workstation):
    home, env, server = workstation
    app = start_app(env)
    wait_until_up(app, home)
    assert server.is_running()
    pid = postmaster_pid(server)

    took = exits_cleanly(app, signal.SIGTERM, home)

    assert took < 15
    assert "SIGTERM received: closing as if the window was closed" in log_text(home)
    assert not (server.data_dir / "postmaster.pid").exists() and gone(pid)
    assert not server.is_running()


def test_a_server_left_by_a_killed_app_is_adopted_and_stopped_on_sighup(workstation):
    home, env, server = workstation
    first = start_app(env)
    wait_until_up(first, home)
    pid = postmaster_pid(server)
    first.kill()  # SIGKILL: no shutdown code runs, as with the old app and SIGTERM
    first.wait(30)
    first.stdout.close()
    assert server.is_running() and postmaster_pid(server) == pid  # left behind

    second = start_app(env)
    wait_until_up(second, home, times=2)
    assert postmaster_pid(server) == pid  # adopted, not restarted
    assert "adopting the private database server left running" in log_text(home)

    exits_cleanly(second, signal.SIGHUP, home)

    assert gone(pid) and not server.is_running()


def test_a_tool_run_beside_the_app_leaves_the_apps_server_alone(workstation):
    home, env, server = workstation
    app = start_app(env)
    wait_until_up(app, home)
    pid = postmaster_pid(server)
    try:
        tool = subprocess.run(
            [sys.executable, "-c", PREPARE], check=False, env=env, capture_output=True, text=True, timeout=120
        )
        assert tool.returncode == 0, tool.stderr
        assert server.is_running() and postmaster_pid(server) == pid  # the app's server, still up
    finally:
        exits_cleanly(app, signal.SIGTERM, home)
    assert gone(pid)


def test_sigterm_while_the_database_is_still_starting_stops_the_server_too(workstation):
    home, env, server = workstation
    app = start_app(env)
    deadline = time.monotonic() + 120
    while "embedded database started" not in log_text(home):  # migrations and the window come after
        assert app.poll() is None and time.monotonic() < deadline, log_text(home)
        time.sleep(0.05)

    exits_cleanly(app, signal.SIGTERM, home)

    assert UP not in log_text(home)  # it quit before the sign-in
    assert not server.is_running()
