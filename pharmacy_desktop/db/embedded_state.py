"""The embedded server's state file: its port, where its cluster lives, and who stops it.

The app that starts the server records the postmaster's pid and itself as its owner. A later
start finds the server running: if it is the one an app started and that app is gone (killed
before its shutdown code ran), the new app takes it over and stops it on exit; if the owner
is still running (the GUI while a command-line tool runs), it is left to the owner.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pharmacy_desktop.atomic_file import write_atomically

OWNER_KEYS = ("postmaster_pid", "owner_pid", "owner_started")


@dataclass
class ServerState:
    port: int
    password: str


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def process_start(pid: int) -> str | None:
    """When process `pid` started (Linux clock ticks since boot): tells a reused pid from the original."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()  # the command name may hold spaces and ")"
    return fields[19] if len(fields) > 19 else None


def process_alive(pid: int, started: str | None) -> bool:
    if not pid_alive(pid):
        return False
    now = process_start(pid)
    return started is None or now is None or now == started


class StateFile:
    """The JSON file next to the cluster (``embedded.json``); written atomically."""

    def __init__(self, path: Path):
        self.path = path

    def read(self) -> dict[str, Any]:
        try:
            raw = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        return raw if isinstance(raw, dict) else {}

    def write(self, raw: dict[str, Any]) -> None:
        write_atomically(self.path, json.dumps(raw))  # never half a file, never a shared temporary

    def update(self, **values: object) -> None:
        self.write({**self.read(), **values})

    # -- who stops the server (see the module docstring) ---------------------------------------

    def record_owner(self, postmaster_pid: int | None) -> None:
        me = os.getpid()
        self.update(postmaster_pid=postmaster_pid, owner_pid=me, owner_started=process_start(me))

    def clear_owner(self) -> None:
        raw = self.read()
        if any(key in raw for key in OWNER_KEYS):
            for key in OWNER_KEYS:
                raw.pop(key, None)
            self.write(raw)

    def is_orphaned(self, running_pid: int | None) -> bool:
        """Was the running postmaster started by an app that is gone? (then it is ours to adopt)"""
        raw = self.read()
        if running_pid is None or raw.get("postmaster_pid") != running_pid:
            return False  # not started by this app (someone ran pg_ctl by hand): not ours to stop
        owner = raw.get("owner_pid")
        started = raw.get("owner_started")
        if isinstance(owner, int) and process_alive(owner, started if isinstance(started, str) else None):
            return False  # its owner runs (possibly this very process): the owner stops it
        return True


def is_postgres(pid: int, data_dir: Path) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return True  # cannot tell (not Linux): assume it is and let pg_ctl decide
    return any(b"postgres" in part for part in cmdline[:1]) and str(data_dir).encode() in b" ".join(cmdline)
