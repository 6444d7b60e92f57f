"""What each person and this workstation chose for the display: theme and zoom.

Kept beside the workstation configuration (``display.toml`` in the same folder as
``workstation.toml``): the workstation's theme and zoom (the settings screen's "Display" group), and
for each user who changed them, their own (Ctrl+= / Ctrl+- / Ctrl+0 and Ctrl+Alt+H in the shell).
A user's choice wins over the workstation's while they are signed in. Usernames only: no patient
data, no secret.
"""

from __future__ import annotations

import logging
import tomllib
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
    path = path or display_path()
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


def remember_for_user(username: str, *, theme: str | None = None, zoom: int | None = None) -> DisplayPrefs:
    """Save one user's theme and/or zoom (read, change, write: the file is this workstation's)."""
    prefs = load_display().with_user(username, theme=theme, zoom=zoom)
    try:
        save_display(prefs)
    except OSError as exc:  # a read-only profile: the choice holds for this session
        log.warning("display settings not saved (%s)", type(exc).__name__)
    return prefs


def _int(value: object) -> int:
    if not isinstance(value, (int, float, str)):
        return 0
    try:
        return int(value)
    except ValueError:
        return 0


def _toml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
