"""A workstation of its own for the app run as a separate process (`python -m pharmacy_desktop`)."""

from __future__ import annotations

import os
import time
from pathlib import Path


def private_workstation(sandbox: Path, name: str, **extra_env: str) -> tuple[Path, dict[str, str]]:
    """A fresh home under the suite's sandbox and the environment that points the app at it.

    The app's data directory (where its embedded PostgreSQL lives), configuration, state and cache
    are all inside the home; no database URL is inherited, so the app uses its embedded default.
    """
    home = sandbox / f"{name}-{os.getpid()}-{time.monotonic_ns()}"
    (home / "data").mkdir(parents=True)
    os.chmod(home, 0o755)
    os.chmod(home / "data", 0o777)  # the postgres OS user creates the cluster inside it
    env = {
        **os.environ,
        "PHARMACY_DATA_DIR": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CACHE_HOME": str(home / "cache"),
        **extra_env,
    }
    env.pop("PHARMACY_DATABASE_URL", None)
    return home, env
