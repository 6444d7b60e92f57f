"""Whether this start is a workstation's first: a light module (no Qt widget, no database layer), so the
app can decide between the first-run wizard and the start-up window before it imports either's code
(ui/app.Session.start: the first window comes up without the database layer imported on the GUI thread)."""

from __future__ import annotations

import os

from pharmacy_desktop import config as config_mod


def first_run_needed(cli_url: str | None, cfg: config_mod.Config) -> bool:
    """No database choice ever made: no server named anywhere (command line, environment, the
    workstation file) and no embedded database yet. A workstation file that holds only printers or
    scanner settings (prepared before the app first ran) is not a choice: the wizard still asks."""
    if cli_url or os.environ.get("PHARMACY_DATABASE_URL") or cfg.database_url:
        return False
    if config_mod.load().database_url:  # ``cfg`` may not be the file's (a caller's own Config)
        return False
    try:
        from pharmacy_desktop.db.embedded import EmbeddedPostgres

        return not EmbeddedPostgres(config_mod.data_dir() / "embedded").initialized
    except Exception:  # no PostgreSQL programs: the start-up's own message says so
        return False
