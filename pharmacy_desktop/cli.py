"""`pharmacy-desktop`: with no arguments the app; sub-commands for operations.

Every sub-command takes ``--database-url``; otherwise PHARMACY_DATABASE_URL, then the workstation
configuration file, then the embedded server.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
from typing import Iterator

from pharmacy_desktop.errors import PharmacyError
from pharmacy_desktop.logging_setup import setup_logging

log = logging.getLogger("pharmacy_desktop.cli")


def _add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="PostgreSQL URL (postgresql://user@host:5432/db or postgresql+psycopg://...); "
        "default: $PHARMACY_DATABASE_URL, the workstation configuration, else the embedded server",
    )


@contextlib.contextmanager
def database(args: argparse.Namespace, **kwargs) -> Iterator["object"]:
    from pharmacy_desktop.bootstrap import open_database

    db = open_database(getattr(args, "database_url", None), **kwargs)
    try:
        yield db
    finally:
        db.close()


@contextlib.contextmanager
def raw_url(args: argparse.Namespace) -> Iterator[str]:
    """A URL for tools that manage their own connections (migrations); embedded started as needed."""
    from pharmacy_desktop import config as config_mod
    from pharmacy_desktop.bootstrap import configured_url

    url, _ = configured_url(getattr(args, "database_url", None), config_mod.load())
    if url is not None:
        yield config_mod.with_keyring_password(url)
        return
    from pharmacy_desktop.db.embedded import EmbeddedPostgres

    server = EmbeddedPostgres(config_mod.data_dir() / "embedded")
    try:
        yield server.start()
    finally:
        server.stop()


# -- db ---------------------------------------------------------------------------------------


def cmd_db_upgrade(args) -> int:
    from pharmacy_desktop.db import migrate

    with raw_url(args) as url:
        migrate.upgrade(url, args.revision)
        print(f"database at revision {migrate.current(url)}")
    return 0


def cmd_db_downgrade(args) -> int:
    from pharmacy_desktop.db import migrate

    with raw_url(args) as url:
        migrate.downgrade(url, args.revision)
        print(f"database at revision {migrate.current(url) or 'base (empty)'}")
    return 0


def cmd_db_current(args) -> int:
    from pharmacy_desktop.db import migrate

    with raw_url(args) as url:
        current = migrate.current(url)
        head = migrate.head()
        state = "up to date" if current == head else f"head is {head}: run 'pharmacy-desktop db upgrade'"
        print(f"{current or 'base (empty)'} ({state})")
    return 0


def cmd_db_connect(args) -> int:
    """Point this workstation at a server: URL to the configuration file, password to the keyring."""
    import getpass
    from urllib.parse import urlsplit

    import psycopg

    from pharmacy_desktop import config as config_mod
    from pharmacy_desktop.db import connect

    url = config_mod.normalize_url(args.url)
    parts = urlsplit(url)
    if not parts.username or not parts.hostname:
        print("error: the URL needs a user and a host, e.g. postgresql://pharmacy_app@db.pharmacy.local/pharmacy",
              file=sys.stderr)
        return 2
    if parts.password is None and not args.no_password:
        password = getpass.getpass(f"Password for {parts.username}@{parts.hostname}: ") if sys.stdin.isatty() \
            else sys.stdin.readline().rstrip("\n")
        if password:
            from urllib.parse import quote

            netloc = f"{parts.username}:{quote(password, safe='')}@{parts.netloc.split('@', 1)[1]}"
            url = parts._replace(netloc=netloc).geturl()
    cfg = config_mod.load()
    sslmode = args.sslmode if args.sslmode is not None else cfg.sslmode
    try:
        with connect.connect(url, sslmode=sslmode or None, connect_timeout=10) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        print(f"error: could not connect: {str(exc).strip()}\nNothing was saved.", file=sys.stderr)
        return 1
    cfg.database_url = config_mod.remember_password(url)  # the password goes to the keyring only
    cfg.sslmode = sslmode
    path = config_mod.save(cfg)
    print(f"connected; this workstation now uses {config_mod.redact(cfg.database_url)} (saved in {path})")
    return 0


def cmd_demo(args) -> int:
    from pharmacy_desktop.demo import load_demo, DEMO_PASSWORDS

    with raw_url(args) as url:
        from pharmacy_desktop.db import migrate

        if not migrate.is_up_to_date(url):
            migrate.upgrade(url)
        summary = load_demo(url)
    print(summary)
    print("Demo users (username / password):")
    for username, password in DEMO_PASSWORDS.items():
        print(f"  {username:<12} {password}")
    return 0


def cmd_app(args) -> int:
    from pharmacy_desktop.ui.app import run_app

    return run_app(args)


# -- parser -----------------------------------------------------------------------------------

# modules that add their commands with register(subparsers, add_db_option)
_COMMAND_MODULES = ("pharmacy_desktop.cli_catalog", "pharmacy_desktop.cli_print", "pharmacy_desktop.cli_admin")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pharmacy-desktop", description=__doc__.splitlines()[0])
    _add_db_option(parser)
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    parser.add_argument("--quit-after", type=float, metavar="SECONDS",
                        help="close the app after SECONDS (smoke tests of the installed app)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    db = sub.add_parser("db", help="database schema: upgrade, downgrade, current")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = db_sub.add_parser("upgrade", help="migrate forwards (default: to head)")
    up.add_argument("revision", nargs="?", default="head")
    _add_db_option(up)
    up.set_defaults(handler=cmd_db_upgrade)
    down = db_sub.add_parser("downgrade", help="migrate backwards to REV ('base' removes everything)")
    down.add_argument("revision")
    _add_db_option(down)
    down.set_defaults(handler=cmd_db_downgrade)
    cur = db_sub.add_parser("current", help="show the current revision")
    _add_db_option(cur)
    cur.set_defaults(handler=cmd_db_current)

    connect = db_sub.add_parser(
        "connect", help="use this server from now on: URL into the workstation configuration, password into "
                        "the keyring (asked for, or read from stdin)")
    connect.add_argument("url", help="postgresql://user@host:5432/pharmacy")
    connect.add_argument("--sslmode", choices=("disable", "prefer", "require", "verify-ca", "verify-full"))
    connect.add_argument("--no-password", action="store_true", help="the server needs no password (e.g. a certificate)")
    connect.set_defaults(handler=cmd_db_connect)

    demo = sub.add_parser("demo", help="load demo data (idempotent) and print the demo users")
    _add_db_option(demo)
    demo.set_defaults(handler=cmd_demo)

    import importlib

    for module_name in _COMMAND_MODULES:
        importlib.import_module(module_name).register(sub, _add_db_option)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging(logging.DEBUG if args.verbose else logging.INFO, console=args.command is not None)
    handler = getattr(args, "handler", None) or cmd_app
    try:
        return int(handler(args) or 0)
    except PharmacyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a clear line for the person, the traceback for the log
        from pharmacy_desktop.db.embedded import EmbeddedServerError

        log.exception("command failed")
        if isinstance(exc, EmbeddedServerError):
            print(f"error: {exc}", file=sys.stderr)
        else:
            from pharmacy_desktop.config import log_dir

            print(f"error: {type(exc).__name__}: {exc}\n(details in {log_dir()})", file=sys.stderr)
        return 1


def print_json(obj) -> None:
    print(json.dumps(obj, indent=2, default=str, ensure_ascii=False))


if __name__ == "__main__":
    raise SystemExit(main())
