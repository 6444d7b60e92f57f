"""`db downgrade` names the database it is about to change and asks; without a terminal it needs
--yes. Run as a real process (its own stdin: a pipe, or a pseudo-terminal a person would type on)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time

import pytest

from pharmacy_desktop.db import migrate
from tests.cli.conftest import ROOT, console_lines, run_cli, scalar


def _name(url: str) -> str:
    return url.rsplit("/", 1)[1]


@pytest.mark.parametrize("position", ("before", "after"))
def test_without_a_terminal_and_without_yes_it_refuses_and_changes_nothing(position, database_url, other_url):
    command = ["db", "downgrade", "base"]
    args = (
        ["--database-url", database_url, *command]
        if position == "before"
        else [*command, "--database-url", database_url]
    )
    result = run_cli(*args)
    assert result.returncode == 2
    lines = console_lines(result.stderr)
    assert lines[0].startswith(f"About to downgrade to base the database {_name(database_url)} on 127.0.0.1:")
    assert f"revision {migrate.head()}" in lines[0] and "0 users, 0 patients, 0 prescriptions" in lines[0]
    assert lines[1].startswith("error: refusing to downgrade to base") and "--yes" in lines[1]
    assert "Nothing was changed" in lines[1] and len(lines) == 2
    assert migrate.current(database_url) == migrate.head()
    assert migrate.current(other_url) == migrate.head()


def test_the_environment_database_is_named_when_it_is_the_one_chosen(other_url):
    """No --database-url: the prompt says the URL came from PHARMACY_DATABASE_URL (the trap of the issue)."""
    result = run_cli("db", "downgrade", "base")
    assert result.returncode == 2
    assert f"the database {_name(other_url)} " in result.stderr
    assert "(from PHARMACY_DATABASE_URL;" in result.stderr
    assert migrate.current(other_url) == migrate.head()


def _run_on_terminal(args: list[str], answer: str, timeout: float = 90) -> tuple[int, str]:
    """Run the CLI with a pseudo-terminal as stdin; type ``answer`` when it asks."""
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "pharmacy_desktop", *args],
        cwd=ROOT,
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    os.close(slave)
    stderr_seen = ""
    deadline = time.monotonic() + timeout
    try:
        while "Type the database name" not in stderr_seen and time.monotonic() < deadline:
            ready, _, _ = select.select([process.stderr], [], [], 0.5)
            if ready:
                chunk = os.read(process.stderr.fileno(), 4096).decode()
                if not chunk:
                    break
                stderr_seen += chunk
        os.write(master, (answer + "\n").encode())
        out, err = process.communicate(timeout=timeout)
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
    return process.returncode, stderr_seen + err + out


def test_on_a_terminal_a_wrong_answer_stops_it(database_url, other_url, actors):
    code, text = _run_on_terminal(["--database-url", database_url, "db", "downgrade", "base"], "y")
    assert code == 2, text
    assert f"the database {_name(database_url)} on 127.0.0.1:" in text and "4 users" in text
    assert "not confirmed" in text and "nothing was changed" in text
    assert migrate.current(database_url) == migrate.head()


def test_on_a_terminal_typing_the_database_name_goes_on(database_url, other_url):
    code, text = _run_on_terminal(["db", "downgrade", "0006", "--database-url", database_url], _name(database_url))
    assert code == 0, text
    assert "database at revision 0006" in text
    assert migrate.current(database_url) == "0006"
    assert migrate.current(other_url) == migrate.head()
    assert scalar(other_url, "SELECT count(*) FROM user_schema.roles") > 0


def test_the_workstation_configuration_is_named_when_it_is_the_one_chosen(database_url, tmp_path, monkeypatch):
    monkeypatch.delenv("PHARMACY_DATABASE_URL", raising=False)
    config = tmp_path / "config"
    config.mkdir()
    (config / "workstation.toml").write_text(f'[database]\nurl = "{database_url}"\n')
    result = run_cli("db", "downgrade", "base", env={"PHARMACY_CONFIG_DIR": str(config)})
    assert result.returncode == 2
    assert f"the database {_name(database_url)} " in result.stderr
    assert f"(from the workstation configuration {config / 'workstation.toml'};" in result.stderr
    assert migrate.current(database_url) == migrate.head()
