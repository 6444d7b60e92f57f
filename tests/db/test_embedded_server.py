"""The embedded default server: start, stop, start again, adopt a running one, survive a stale pid."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest

from pharmacy_desktop.config import libpq_url
from pharmacy_desktop.db.embedded import EmbeddedPostgres, EmbeddedServerError, find_bindir


@pytest.fixture
def server(sandbox):
    root = sandbox / f"embedded-{os.urandom(4).hex()}"
    srv = EmbeddedPostgres(root)
    yield srv
    srv.stop(force=True)
    shutil.rmtree(root, ignore_errors=True)
    shutil.rmtree(srv.data_dir.parent, ignore_errors=True)


def _select_one(url: str) -> int:
    with psycopg.connect(libpq_url(url), connect_timeout=5) as conn:
        return conn.execute("SELECT 1").fetchone()[0]


def test_start_stop_start_again_keeps_data(server):
    url = server.start()
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (x int)")
        conn.execute("INSERT INTO kept VALUES (42)")
    server.stop()
    assert not server.is_running()
    with pytest.raises(psycopg.OperationalError):
        _select_one(url)

    again = EmbeddedPostgres(server.root)
    url2 = again.start()
    try:
        with psycopg.connect(libpq_url(url2)) as conn:
            assert conn.execute("SELECT x FROM kept").fetchone() == (42,)
    finally:
        again.stop()


def test_second_start_adopts_the_running_server_without_restarting(server):
    url = server.start()
    pid_before = server._read_as_owner(server.data_dir / "postmaster.pid").splitlines()[0]
    second = EmbeddedPostgres(server.root)
    assert second.start() == url
    assert second.started_here is False
    second.stop()  # only the one that started it may stop it
    assert server.is_running()
    assert server._read_as_owner(server.data_dir / "postmaster.pid").splitlines()[0] == pid_before


def test_stale_pid_file_after_a_crash(server):
    server.start()
    server._run(["pg_ctl", "stop", "-m", "immediate", "-D", str(server.data_dir)], check=False)
    # a crash leaves postmaster.pid behind; after a reboot its pid may belong to another live
    # process of the same OS user, which postgres alone would take for a running server
    impostor = subprocess.Popen((["runuser", "-u", "postgres", "--"] if server.os_user else []) + ["sleep", "120"])
    request_cleanup = impostor.kill
    content = f"{_child_pid(impostor.pid)}\n" + str(server.data_dir) + "\n0\n" + str(server.state.port) + "\n"
    pid_file = server.data_dir / "postmaster.pid"
    if server.os_user:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", "sh", "-c", f"cat > '{pid_file}'"], input=content, text=True, check=True
        )
    else:
        pid_file.write_text(content)
    try:
        restarted = EmbeddedPostgres(server.root)
        url = restarted.start()
        assert _select_one(url) == 1
        restarted.stop()
    finally:
        request_cleanup()


def _child_pid(pid: int) -> int:
    """runuser forks the command: the sleeping process is its child."""
    import time

    for _ in range(50):
        try:
            children = open(f"/proc/{pid}/task/{pid}/children").read().split()
        except OSError:
            return pid
        if children:
            return int(children[0])
        time.sleep(0.05)
    return pid


def test_port_taken_by_someone_else_moves_to_a_free_port(server):
    import socket

    server.initialize()
    server.stop(force=True)
    taken = server.state.port
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", taken))
    blocker.listen()
    try:
        url = EmbeddedPostgres(server.root).start()
        assert f":{taken}/" not in url
        assert _select_one(url) == 1
    finally:
        blocker.close()
        EmbeddedPostgres(server.root).stop(force=True)


def test_missing_binaries_say_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("PHARMACY_PG_BINDIR", raising=False)
    monkeypatch.setattr("glob.glob", lambda pattern: [])
    with pytest.raises(EmbeddedServerError, match="apt-get install postgresql"):
        find_bindir()


def test_the_suite_reaps_clusters_of_killed_runs(sandbox):
    """A test run killed before its teardown leaves a running cluster; the next run stops it."""
    import tempfile

    from pharmacy_desktop.db.embedded import EmbeddedPostgres
    from tests.conftest import _reap_abandoned_sandboxes

    # a folder of its own: in the real temporary folder the other worker's reaper would see the
    # pretend-abandoned sandbox too and race this one for it
    tmp_root = sandbox / f"reap-{os.getpid()}"
    tmp_root.mkdir(mode=0o755)
    abandoned = Path(tempfile.mkdtemp(prefix="pharmacy-tests-", dir=tmp_root))
    os.chmod(abandoned, 0o755)
    server = EmbeddedPostgres(abandoned / "cluster", password="test-only-password")
    server.start()
    (abandoned / "owner.pid").write_text("4194303")  # above any live pid: the run is gone
    alive = Path(tempfile.mkdtemp(prefix="pharmacy-tests-", dir=tmp_root))
    (alive / "owner.pid").write_text(str(os.getpid()))
    try:
        _reap_abandoned_sandboxes(tmp_root)
        assert not abandoned.exists()
        assert not EmbeddedPostgres(abandoned / "cluster", password="test-only-password").is_running()
        assert alive.exists()  # a live run's sandbox is left alone
    finally:
        server.stop(force=True)
        shutil.rmtree(abandoned, ignore_errors=True)
        shutil.rmtree(alive, ignore_errors=True)
