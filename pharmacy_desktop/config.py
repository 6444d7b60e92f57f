"""Workstation configuration: where the database is, printers, scanner timing, idle lock.

The file is TOML in the user config directory. Secrets never go in it: a database password
given in a URL is moved to the keyring when the URL is saved.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import platformdirs

from pharmacy_desktop.atomic_file import write_atomically

APP_NAME = "pharmacy-desktop"


def data_dir() -> Path:
    override = os.environ.get("PHARMACY_DATA_DIR")
    return Path(override) if override else default_data_dir()


def default_data_dir() -> Path:
    """This OS user's own data folder (the one ``data_dir`` is when ``PHARMACY_DATA_DIR`` is not set)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    override = os.environ.get("PHARMACY_CONFIG_DIR")
    if override:
        return Path(override)
    if os.environ.get("PHARMACY_DATA_DIR"):
        return Path(os.environ["PHARMACY_DATA_DIR"]) / "config"
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    if os.environ.get("PHARMACY_DATA_DIR"):
        return Path(os.environ["PHARMACY_DATA_DIR"]) / "logs"
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def config_path() -> Path:
    return config_dir() / "workstation.toml"


@dataclass
class PrinterConfig:
    uri: str = ""
    profile: str = "default"


@dataclass
class Config:
    database_url: str = ""
    sslmode: str = ""
    workstation_name: str = ""
    idle_lock_minutes: float = 5.0
    scanner_gap_ms: int = 30
    scanner_min_length: int = 6
    printers: dict[str, PrinterConfig] = field(default_factory=dict)
    # [notifications]: smtp://user@host:587 or smtps://user@host:465 (password in the keyring);
    # sms: "simulator" or https://api.provider/...?account=ID&from=+1NNN (token in the keyring)
    smtp_url: str = ""
    sms_url: str = ""

    def printer(self, role: str) -> PrinterConfig | None:
        printer = self.printers.get(role)
        return printer if printer and printer.uri else None


def load(path: Path | None = None) -> Config:
    path = path or config_path()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raw = {}
    db = raw.get("database", {})
    ws = raw.get("workstation", {})
    scanner = raw.get("scanner", {})
    notifications = raw.get("notifications", {})
    printers = {
        role: PrinterConfig(uri=str(p.get("uri", "")), profile=str(p.get("profile", "default")))
        for role, p in raw.get("printers", {}).items()
    }
    return Config(
        database_url=str(db.get("url", "")),
        sslmode=str(db.get("sslmode", "")),
        workstation_name=str(ws.get("name", "")) or _hostname(),
        idle_lock_minutes=float(ws.get("idle_lock_minutes", 5.0)),
        scanner_gap_ms=int(scanner.get("gap_ms", 30)),
        scanner_min_length=int(scanner.get("min_length", 6)),
        printers=printers,
        smtp_url=str(notifications.get("smtp_url", "")),
        sms_url=str(notifications.get("sms_url", "")),
    )


def save(config: Config, path: Path | None = None) -> Path:
    path = path or config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    url = strip_password(config.database_url)
    lines = [
        "[database]",
        f"url = {_toml_str(url)}",
        f"sslmode = {_toml_str(config.sslmode)}",
        "",
        "[workstation]",
        f"name = {_toml_str(config.workstation_name)}",
        f"idle_lock_minutes = {config.idle_lock_minutes}",
        "",
        "[scanner]",
        f"gap_ms = {config.scanner_gap_ms}",
        f"min_length = {config.scanner_min_length}",
    ]
    for role, printer in sorted(config.printers.items()):
        lines += [
            "",
            f"[printers.{role}]",
            f"uri = {_toml_str(printer.uri)}",
            f"profile = {_toml_str(printer.profile)}",
        ]
    if config.smtp_url or config.sms_url:
        lines += [
            "",
            "[notifications]",
            f"smtp_url = {_toml_str(strip_password(config.smtp_url))}",
            f"sms_url = {_toml_str(config.sms_url)}",
        ]
    return write_atomically(path, "\n".join(lines) + "\n")


def _toml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _hostname() -> str:
    import socket

    return socket.gethostname()


# -- database URLs ---------------------------------------------------------------------------


def normalize_url(url: str) -> str:
    """Accept libpq (postgresql://) and SQLAlchemy (postgresql+psycopg://) forms; return the latter."""
    url = url.strip()
    for prefix in ("postgresql+psycopg://", "postgresql+psycopg2://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    raise ValueError(f"Not a PostgreSQL URL: {redact(url)!r}. Use postgresql://user@host:5432/dbname")


def libpq_url(url: str) -> str:
    return "postgresql://" + normalize_url(url)[len("postgresql+psycopg://") :]


def strip_password(url: str) -> str:
    if not url:
        return url
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.hostname or ""
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(":" + parts.password + "@", ":***@")))


def secret_key_for(url: str) -> str:
    parts = urlsplit(normalize_url(url))
    return f"db:{unquote(parts.username or '')}@{parts.hostname}:{parts.port or 5432}{parts.path}"


def with_keyring_password(url: str) -> str:
    """Insert the keyring's password into a URL that has none."""
    from pharmacy_desktop.keyring_store import get_secret

    url = normalize_url(url)
    parts = urlsplit(url)
    if parts.password is not None or not parts.username:
        return url
    password = get_secret(secret_key_for(url))
    if password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:{quote(password, safe='')}@{host}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def remember_password(url: str) -> str:
    """Move a URL's password into the keyring; return the URL without it."""
    from pharmacy_desktop.keyring_store import set_secret

    url = normalize_url(url)
    parts = urlsplit(url)
    if parts.password is not None:
        set_secret(secret_key_for(url), unquote(parts.password))
    return strip_password(url)


# -- patient notifications (mail server, SMS provider) ------------------------------------------


def smtp_url(config: Config) -> str:
    """The mail server: PHARMACY_SMTP_URL wins over ``[notifications] smtp_url``."""
    import os

    return os.environ.get("PHARMACY_SMTP_URL") or config.smtp_url


def smtp_secret_key(url: str) -> str:
    """The keyring entry of a mail server's password (``notifications set-password`` writes it)."""
    parts = urlsplit(url)
    return f"smtp:{unquote(parts.username or '')}@{parts.hostname}:{parts.port or ''}"


def sms_secret_key(url: str) -> str:
    """The keyring entry of an SMS provider account's token."""
    parts = urlsplit(url)
    account = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p).get("account", "")
    return f"sms:{unquote(account)}@{parts.hostname}"
