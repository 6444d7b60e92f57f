"""Rotating log file in the user log directory, from the first line the program runs.

Passwords never reach the log: URLs are redacted by a filter as a safety net, and patient details
are never logged (log ids, not names).
"""

from __future__ import annotations

import logging
import logging.handlers
import re

from pharmacy_desktop.config import log_dir

_URL_PASSWORD = re.compile(r"(://[^:/@\s]+:)([^@\s]+)(@)")
_KV_PASSWORD = re.compile(r"(password\s*[=:]\s*)(\S+)", re.I)


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = _KV_PASSWORD.sub(r"\1***", _URL_PASSWORD.sub(r"\1***\3", message))
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def setup_logging(level: int = logging.INFO, *, console: bool = False) -> None:
    root = logging.getLogger()
    if any(getattr(h, "_pharmacy", False) for h in root.handlers):
        return
    directory = log_dir()
    directory.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        directory / "pharmacy-desktop.log", maxBytes=5_000_000, backupCount=5, encoding="utf-8"
    )
    handler._pharmacy = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"))
    handler.addFilter(RedactSecrets())
    root.addHandler(handler)
    if console:
        stream = logging.StreamHandler()
        stream.setLevel(logging.WARNING)
        stream.addFilter(RedactSecrets())
        root.addHandler(stream)
    root.setLevel(level)
