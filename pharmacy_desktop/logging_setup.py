"""Rotating log file in the user log directory, from the first line the program runs.

Privacy: the folder is 0700 and every log file (rotated ones too) 0600, and a filter on every
handler scrubs each record before it is written: passwords in URLs, and what database errors
carry of the data being written (SQLAlchemy's ``[SQL: ...]`` and ``[parameters: ...]``,
PostgreSQL's DETAIL/CONTEXT lines with a row's values, quoted values in "invalid input" messages).
Patient details are never logged on purpose (log ids, not names); the filter is the safety net
for whatever a database error still carries.

Console (command line only): one line per warning or error, never a traceback; tracebacks go to
the file. A record logged with ``extra={FILE_ONLY: True}`` goes to the file only.
"""

from __future__ import annotations

import io
import logging
import logging.handlers
import os
import re
import sys
from pathlib import Path
from typing import TextIO

from pharmacy_desktop.config import log_dir

LOG_FILE = "pharmacy-desktop.log"
FILE_ONLY = "pharmacy_file_only"

_HIDDEN = "(hidden)"
_URL_PASSWORD = re.compile(r"(://[^:/@\s]+:)([^@\s]+)(@)")
_KV_PASSWORD = re.compile(r"(password\s*[=:]\s*)(\S+)", re.I)
# SQLAlchemy: "[SQL: statement]" (may span lines) followed by "[parameters: ...]" (one line, repr)
_SQL = re.compile(r"\[SQL: .*?\](?=\s*\n\[parameters|\s*\n\(Background on this error|\s*\n\n|\s*\Z)", re.S)
_PARAMETERS = re.compile(r"\[parameters: [^\n]*")
_SQL_PARAMETERS_HIDDEN = re.compile(r"\[SQL parameters hidden[^\]\n]*\]")
# PostgreSQL: DETAIL ("Key (email)=(x) already exists", "Failing row contains (...)") and CONTEXT
# ("COPY patients, line 3: ...") repeat the values of the row
_DETAIL = re.compile(r"^([ \t]*(?:DETAIL|CONTEXT):)[^\n]*", re.M)
_KEY_VALUE = re.compile(r"(Key \([^)\n]*\)=\().*?(\) already exists|\) is (?:not present|still referenced))")
_FAILING_ROW = re.compile(r"(Failing row contains )\(.*")
_QUOTED_VALUE = re.compile(
    r"((?:invalid input (?:syntax|value) for [^:\n]*|out of range|malformed [a-z ]+literal|"
    r"invalid byte sequence for encoding [^:\n]*): )(\"[^\n]*?\"|0x[0-9a-f ]+x?[0-9a-f]*)",
    re.I,
)


def scrub(text: str) -> str:
    """``text`` without passwords, SQL statements, bound parameters or row values."""
    text = _URL_PASSWORD.sub(r"\1***\3", text)
    text = _KV_PASSWORD.sub(r"\1***", text)
    if "[SQL" in text or "[parameters" in text:
        text = _SQL.sub(f"[SQL: {_HIDDEN}]", text)
        text = _PARAMETERS.sub(f"[parameters: {_HIDDEN}]", text)
        text = _SQL_PARAMETERS_HIDDEN.sub(f"[parameters: {_HIDDEN}]", text)
    text = _DETAIL.sub(rf"\1 {_HIDDEN}", text)
    text = _KEY_VALUE.sub(rf"\1{_HIDDEN}\2", text)
    text = _FAILING_ROW.sub(rf"\1{_HIDDEN}", text)
    return _QUOTED_VALUE.sub(rf'\1"{_HIDDEN}"', text)


class ScrubRecord(logging.Filter):
    """On every handler: the message, the traceback and the stack of a record, scrubbed."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        if (
            record.name.startswith("sqlalchemy.engine")
            and isinstance(record.msg, str)
            and record.msg.endswith("[%s] %r")
            and isinstance(record.args, tuple)
            and record.args
        ):
            # SQL echo (sqlalchemy.engine at INFO): the bound parameters are a record of their own
            record.msg, record.args = record.msg[:-2] + f"[parameters: {_HIDDEN}]", record.args[:1]
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and not record.exc_text:
            # formatted here once so that no handler formats the raw exception text itself
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Log files readable by their owner only: created 0600, and an older 0644 file tightened."""

    def _open(self) -> io.TextIOWrapper:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)
        return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)


class _StderrOfTheMoment(logging.StreamHandler[TextIO]):
    """Writes to whatever sys.stderr is when a record comes (not the one at set-up, which a test
    harness or a redirection may have closed since)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


class _ConsoleLine(logging.Formatter):
    """One line for the person at the terminal: no traceback (the file has it)."""

    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname.lower()}: {record.getMessage()}"


def _not_file_only(record: logging.LogRecord) -> bool:
    return not getattr(record, FILE_ONLY, False)


def private_log_dir(directory: Path | None = None) -> Path:
    """The log folder, created or tightened to 0700, with every log file in it 0600."""
    directory = directory or log_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(directory, 0o700)
    for path in directory.glob(LOG_FILE + "*"):
        if path.is_file():
            os.chmod(path, 0o600)
    return directory


def setup_logging(level: int = logging.INFO, *, console: bool = False, directory: Path | None = None) -> None:
    root = logging.getLogger()
    if any(getattr(h, "_pharmacy", False) for h in root.handlers):
        return
    folder = private_log_dir(directory)
    handler = PrivateRotatingFileHandler(folder / LOG_FILE, maxBytes=5_000_000, backupCount=5, encoding="utf-8")
    handler._pharmacy = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"))
    root.addHandler(handler)
    if console:
        stream = _StderrOfTheMoment()
        stream._pharmacy = True  # type: ignore[attr-defined]
        stream.setLevel(logging.WARNING)
        stream.setFormatter(_ConsoleLine())
        stream.addFilter(_not_file_only)
        root.addHandler(stream)
    for existing in root.handlers:  # every handler, also ones added before us (a test's capture)
        if not any(isinstance(f, ScrubRecord) for f in existing.filters):
            existing.addFilter(ScrubRecord())
    root.setLevel(level)


def teardown_logging() -> None:
    """Remove and close the handlers setup_logging added (tests; a second setup in one process)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_pharmacy", False)]:
        root.removeHandler(handler)
        handler.close()
