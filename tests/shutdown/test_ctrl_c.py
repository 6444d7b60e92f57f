"""Ctrl+C in the terminal that started the app (installer/run.sh on a virtual screen tells the
person to press it) closes the app like its window, and its embedded server stops."""

from __future__ import annotations

import signal

from tests.shutdown.test_signals import (
    exits_cleanly,
    gone,
    log_text,
    postmaster_pid,
    start_app,
    wait_until_up,
)


def test_ctrl_c_closes_the_app_and_stops_its_server(workstation):
    home, env, server = workstation
    app = start_app(env)
    wait_until_up(app, home)
    pid = postmaster_pid(server)

    exits_cleanly(app, signal.SIGINT, home)

    assert "SIGINT received: closing as if the window was closed" in log_text(home)
    assert gone(pid) and not server.is_running()
