"""What each person and this workstation chose for the display: theme and zoom.

Kept beside the workstation configuration (``display.toml`` in the same folder as
``workstation.toml``): the workstation's theme and zoom (the settings screen's "Display" group), and
for each user who changed them, their own (Ctrl+= / Ctrl+- / Ctrl+0 and Ctrl+Alt+H in the shell).
A user's choice wins over the workstation's while they are signed in. Usernames only: no patient
data, no secret.

Writes never run on the GUI thread: ``update`` (``remember_for_user``, ``remember_for_workstation``)
queues a change and returns at once; one writer thread applies the queued changes in the order they
were made, each on what the file holds then, and writes the file. Two quick changes (Ctrl+= twice)
leave the last one; a person's choice and the workstation's made at the same moment both stay.
``load_display`` shows the queued changes before they are written; ``flush`` waits for them.
"""

from __future__ import annotations

import logging
import threading
import tomllib
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from pathlib import Path

from pharmacy_desktop import config as config_mod
from pharmacy_desktop.atomic_file import write_atomically
from pharmacy_desktop.ui.design import DEFAULT_ZOOM, LIGHT_NAME, THEMES, clamp_zoom

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UserDisplay:
    theme: str = ""  # "" follows the workstation
    zoom: int = 0  # 0 follows the workstation


@dataclass(frozen=True)
class DisplayPrefs:
    workstation_theme: str = LIGHT_NAME
    workstation_zoom: int = DEFAULT_ZOOM
    users: dict[str, UserDisplay] = field(default_factory=dict)

    def theme_for(self, username: str | None) -> str:
        own = self.users.get(username or "")
        return own.theme if own is not None and own.theme in THEMES else self.workstation_theme

    def zoom_for(self, username: str | None) -> int:
        own = self.users.get(username or "")
        return clamp_zoom(own.zoom) if own is not None and own.zoom else self.workstation_zoom

    def with_user(self, username: str, *, theme: str | None = None, zoom: int | None = None) -> DisplayPrefs:
        own = self.users.get(username, UserDisplay())
        if theme is not None:
            own = replace(own, theme=theme)
        if zoom is not None:
            own = replace(own, zoom=clamp_zoom(zoom))
        return replace(self, users={**self.users, username: own})


def display_path() -> Path:
    return config_mod.config_dir() / "display.toml"


def load_display(path: Path | None = None) -> DisplayPrefs:
    """What the file holds, with the changes queued for it and not written yet."""
    path = path or display_path()
    # the queue first, then the file: a change the writer writes and drops between the two reads is
    # then in the snapshot (changes set values, so applying one the file already holds is harmless)
    queued = _writer.queued(path)
    prefs = _read(path)
    for change in queued:
        prefs = change(prefs)
    return prefs


def _read(path: Path) -> DisplayPrefs:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return DisplayPrefs()
    except (OSError, tomllib.TOMLDecodeError) as exc:  # a damaged file: the defaults, never a failed start
        log.warning("display settings not read (%s): defaults used", type(exc).__name__)
        return DisplayPrefs()
    ws = raw.get("workstation", {})
    theme = str(ws.get("theme", LIGHT_NAME))
    users = {
        str(name): UserDisplay(theme=str(u.get("theme", "")), zoom=_int(u.get("zoom", 0)))
        for name, u in raw.get("users", {}).items()
        if isinstance(u, dict)
    }
    return DisplayPrefs(
        workstation_theme=theme if theme in THEMES else LIGHT_NAME,
        workstation_zoom=clamp_zoom(_int(ws.get("zoom", DEFAULT_ZOOM)) or DEFAULT_ZOOM),
        users=users,
    )


def save_display(prefs: DisplayPrefs, path: Path | None = None) -> Path:
    path = path or display_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        "[workstation]",
        f"theme = {_toml_str(prefs.workstation_theme)}",
        f"zoom = {int(prefs.workstation_zoom)}",
    ]
    for name, own in sorted(prefs.users.items()):
        lines += ["", f"[users.{_toml_str(name)}]", f"theme = {_toml_str(own.theme)}", f"zoom = {int(own.zoom)}"]
    return write_atomically(path, "\n".join(lines) + "\n")


Change = Callable[[DisplayPrefs], DisplayPrefs]  # sets values (applying it twice changes nothing)


def update(change: Change, path: Path | None = None) -> Future[DisplayPrefs]:
    """Queue ``change`` for the file and return at once; the future ends with what was written
    (or the OSError that stopped it)."""
    return _writer.submit(path or display_path(), change)


def remember_for_user(username: str, *, theme: str | None = None, zoom: int | None = None) -> Future[DisplayPrefs]:
    """Save one user's theme and/or zoom, off the calling thread. A file that cannot be written (a
    read-only profile) is logged: the choice holds for this session."""
    written = update(lambda prefs: prefs.with_user(username, theme=theme, zoom=zoom))
    written.add_done_callback(_log_failure)
    return written


def remember_for_workstation(theme: str, zoom: int, path: Path | None = None) -> Future[DisplayPrefs]:
    """Save the workstation's theme and zoom, off the calling thread (the settings screen waits for
    the future on a worker and reports an OSError)."""
    return update(lambda prefs: replace(prefs, workstation_theme=theme, workstation_zoom=clamp_zoom(zoom)), path)


def flush(timeout: float | None = None) -> bool:
    """Wait until every queued change is written (tests; the end of the app). False on timeout."""
    return _writer.wait_idle(timeout)


def _log_failure(written: Future[DisplayPrefs]) -> None:
    error = written.exception()
    if error is not None:
        log.warning("display settings not saved (%s)", type(error).__name__)


class _WriteBehind:
    """One writer thread, started when there is work and gone when there is none. Not a daemon: a
    change made just before the app exits is still written."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._queue: list[tuple[Path, Change, Future[DisplayPrefs]]] = []
        self._thread: threading.Thread | None = None

    def submit(self, path: Path, change: Change) -> Future[DisplayPrefs]:
        future: Future[DisplayPrefs] = Future()
        with self._lock:
            self._queue.append((path, change, future))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="display-prefs-writer")
                self._thread.start()
        return future

    def queued(self, path: Path) -> list[Change]:
        """The changes for ``path`` not yet known to be written (the one being written included)."""
        with self._lock:
            return [change for where, change, _ in self._queue if where == path]

    def wait_idle(self, timeout: float | None) -> bool:
        with self._lock:
            return self._lock.wait_for(lambda: self._thread is None, timeout)

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._queue:
                    self._thread = None
                    self._lock.notify_all()
                    return
                path = self._queue[0][0]
                batch = [item for item in self._queue if item[0] == path]
            prefs, error = _read(path), None
            try:
                for _, change, _ in batch:
                    prefs = change(prefs)
                save_display(prefs, path)
            except Exception as exc:  # OSError (a read-only profile) or a bug: the caller's future says it
                error = exc
            with self._lock:
                for item in batch:
                    self._queue.remove(item)
            for _, _, future in batch:
                if error is None:
                    future.set_result(prefs)
                else:
                    future.set_exception(error)


_writer = _WriteBehind()


def _int(value: object) -> int:
    if not isinstance(value, (int, float, str)):
        return 0
    try:
        return int(value)
    except ValueError:
        return 0


def _toml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
