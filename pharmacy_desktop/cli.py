"""`pharmacy-desktop`: with no arguments the app; sub-commands for operations.

Every command takes ``--database-url`` before or after the sub-command (both mean the same; two
different URLs are refused); otherwise PHARMACY_DATABASE_URL, then the workstation configuration
file, then the embedded server. Commands that delete (``db downgrade``) first name the database
they are about to change and ask, or take ``--yes``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
from typing import Iterator

from pharmacy_desktop.errors import PharmacyError
from pharmacy_desktop.logging_setup import FILE_ONLY, scrub, setup_logging

log = logging.getLogger("pharmacy_desktop.cli")

_DB_HELP = ("PostgreSQL URL (postgresql://user@host:5432/db or postgresql+psycopg://...), before or after the "
            "command; default: $PHARMACY_DATABASE_URL, the workstation configuration, else the embedded server")
_DB_DEST = "database_url"


def _add_db_option(parser: argparse.ArgumentParser, depth: int = 0) -> None:
    """The one definition of --database-url. Each level of sub-command keeps its own copy
    (``_database_url_<depth>``, absent unless given) so that a sub-parser's default can never
    overwrite the URL given before the sub-command; :func:`_merge_database_url` joins them."""
    if "--database-url" in parser._option_string_actions:
        return
    parser.add_argument("--database-url", metavar="URL", help=_DB_HELP,
                        dest=_DB_DEST if depth == 0 else f"_{_DB_DEST}_{depth}",
                        default=None if depth == 0 else argparse.SUPPRESS)


def _every_parser(parser: argparse.ArgumentParser, depth: int = 0) -> Iterator[tuple[argparse.ArgumentParser, int]]:
    yield parser, depth
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):  # aliases share a parser
                yield from _every_parser(child, depth + 1)


def _merge_database_url(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    given = [args.database_url] if args.database_url else []
    for name in [n for n in vars(args) if n.startswith(f"_{_DB_DEST}_")]:
        given.append(getattr(args, name))
        delattr(args, name)
    if len(set(given)) > 1:
        from pharmacy_desktop.config import redact

        parser.error("--database-url was given twice with different URLs (" +
                     ", ".join(redact(u) for u in given) + "); give it once")
    args.database_url = given[0] if given else None


def _ignore_db_option(parser: argparse.ArgumentParser) -> None:
    """Handed to the command modules' register(): build_parser adds the option to every parser."""


class UsageError(PharmacyError):
    pass


def source_name(source: str) -> str:
    """Where a URL came from, as the person would look for it (bootstrap.configured_url's source)."""
    from pharmacy_desktop import config as config_mod

    return {"command line": "--database-url", "environment": "PHARMACY_DATABASE_URL",
            "configuration file": f"the workstation configuration {config_mod.config_path()}"}.get(source, source)


def _checked(url: str, source: str) -> str:
    from pharmacy_desktop import config as config_mod

    try:
        config_mod.normalize_url(url)
    except ValueError as exc:
        raise UsageError(f"{exc} (the URL came from {source_name(source)})") from None
    return url


@contextlib.contextmanager
def database(args: argparse.Namespace, **kwargs) -> Iterator["object"]:
    from pharmacy_desktop import config as config_mod
    from pharmacy_desktop.bootstrap import configured_url, open_database

    cli_url = getattr(args, "database_url", None)
    url, source = configured_url(cli_url, kwargs.get("cfg") or config_mod.load())
    if url is not None:
        _checked(url, source)
    db = open_database(cli_url, **kwargs)
    try:
        yield db
    finally:
        db.close()


@contextlib.contextmanager
def chosen_database(args: argparse.Namespace) -> Iterator[tuple[str, str]]:
    """(URL, where it came from) for tools that manage their own connections (migrations);
    the embedded server started as needed."""
    from pharmacy_desktop import config as config_mod
    from pharmacy_desktop.bootstrap import configured_url

    url, source = configured_url(getattr(args, "database_url", None), config_mod.load())
    if url is not None:
        yield config_mod.with_keyring_password(_checked(url, source)), source_name(source)
        return
    from pharmacy_desktop.db.embedded import EmbeddedPostgres

    server = EmbeddedPostgres(config_mod.data_dir() / "embedded")
    try:
        yield server.start(), f"the embedded server in {server.data_dir}"
    finally:
        server.stop()


@contextlib.contextmanager
def raw_url(args: argparse.Namespace) -> Iterator[str]:
    """A URL for tools that manage their own connections (migrations); embedded started as needed."""
    with chosen_database(args) as (url, _source):
        yield url


# -- db ---------------------------------------------------------------------------------------


def cmd_db_upgrade(args) -> int:
    from pharmacy_desktop.db import migrate

    with raw_url(args) as url:
        migrate.upgrade(url, args.revision)
        print(f"database at revision {migrate.current(url)}")
    return 0


def cmd_db_downgrade(args) -> int:
    from pharmacy_desktop.cli_confirm import confirm_destructive
    from pharmacy_desktop.db import migrate

    with chosen_database(args) as (url, source):
        confirm_destructive(f"downgrade to {args.revision}", url, source, yes=args.yes)
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

    if args.database_url:
        raise UsageError("'db connect' takes the server's URL as its argument; leave out --database-url")
    url = config_mod.normalize_url(_checked(args.url, "db connect"))
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
        from pharmacy_desktop.error_messages import database_error_message

        log.info("db connect failed", exc_info=True, extra={FILE_ONLY: True})
        reason = database_error_message(exc) or "Nothing was saved."
        print(f"error: could not connect. {reason}", file=sys.stderr)
        return 1
    cfg.database_url = config_mod.remember_password(url)  # the password goes to the keyring only
    cfg.sslmode = sslmode
    path = config_mod.save(cfg)
    print(f"connected; this workstation now uses {config_mod.redact(cfg.database_url)} (saved in {path})")
    if urlsplit(url).password is not None:
        from pharmacy_desktop.secrets import storage_description

        print(f"The password is kept in {storage_description()}.")
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
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    parser.add_argument("--quit-after", type=float, metavar="SECONDS",
                        help="close the app after SECONDS (smoke tests of the installed app)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    db = sub.add_parser("db", help="database schema: upgrade, downgrade, current")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = db_sub.add_parser("upgrade", help="migrate forwards (default: to head)")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(handler=cmd_db_upgrade)
    down = db_sub.add_parser(
        "downgrade", help="migrate backwards to REV ('base' removes every table and row); names the database "
                          "and asks first")
    down.add_argument("revision")
    down.add_argument("--yes", action="store_true",
                      help="do not ask (scripts); without a terminal to ask on, --yes is required")
    down.set_defaults(handler=cmd_db_downgrade)
    cur = db_sub.add_parser("current", help="show the current revision")
    cur.set_defaults(handler=cmd_db_current)

    connect = db_sub.add_parser(
        "connect", help="use this server from now on: URL into the workstation configuration, password into "
                        "the keyring (asked for, or read from stdin)")
    connect.add_argument("url", help="postgresql://user@host:5432/pharmacy")
    connect.add_argument("--sslmode", choices=("disable", "prefer", "require", "verify-ca", "verify-full"))
    connect.add_argument("--no-password", action="store_true", help="the server needs no password (e.g. a certificate)")
    connect.set_defaults(handler=cmd_db_connect)

    demo = sub.add_parser("demo", help="load demo data (idempotent) and print the demo users")
    demo.set_defaults(handler=cmd_demo)

    import importlib

    for module_name in _COMMAND_MODULES:
        importlib.import_module(module_name).register(sub, _ignore_db_option)
    for each, depth in _every_parser(parser):  # the one place: every command, at every level
        _add_db_option(each, depth)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _merge_database_url(parser, args)
    setup_logging(logging.DEBUG if args.verbose else logging.INFO, console=args.command is not None)
    handler = getattr(args, "handler", None) or cmd_app
    try:
        return int(handler(args) or 0)
    except PharmacyError as exc:
        from pharmacy_desktop.error_messages import failure_message
        from pharmacy_desktop.errors import DatabaseUnavailable

        unavailable = isinstance(exc, DatabaseUnavailable)
        log.info("command refused: %s", exc, exc_info=unavailable, extra={FILE_ONLY: True})
        print(f"error: {_one_line(failure_message(exc) or exc.message)}", file=sys.stderr)
        return 1 if unavailable else 2  # 2: the request was refused; 1: it could not be done
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # one clear line for the person, the traceback for the log file only
        from pharmacy_desktop.error_messages import failure_message

        message = failure_message(exc)
        log.error("command failed: %s", message or type(exc).__name__, exc_info=True, extra={FILE_ONLY: True})
        if message is None:  # a bug: what it was, and where the traceback is
            from pharmacy_desktop.config import log_dir

            message = f"{type(exc).__name__}: {scrub(str(exc))} (a bug; the details are in {log_dir()})"
        print(f"error: {_one_line(message)}", file=sys.stderr)
        return 1


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in text.strip().splitlines() if part.strip())


def print_json(obj) -> None:
    print(json.dumps(obj, indent=2, default=str, ensure_ascii=False))


if __name__ == "__main__":
    raise SystemExit(main())
