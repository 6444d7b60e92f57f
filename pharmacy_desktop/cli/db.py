"""`pharmacy-desktop db upgrade|downgrade|current|connect|create-roles|backup|restore`."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from pharmacy_desktop.cli import backup, hosting, roles
from pharmacy_desktop.cli.options import UsageError, checked, chosen_database, raw_url
from pharmacy_desktop.logging_setup import FILE_ONLY

log = logging.getLogger("pharmacy_desktop.cli")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = subparsers.add_parser(
        "db", help="the database: upgrade, downgrade, current, connect, create-roles, backup, restore, host"
    )
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = db_sub.add_parser(
        "upgrade", help="migrate forwards (default: to head) as the database owner, after a backup of the database"
    )
    up.add_argument("revision", nargs="?", default="head")
    up.add_argument("--backup-dir", type=Path, metavar="DIR", help="where the backup taken first goes")
    up.set_defaults(handler=cmd_db_upgrade)
    down = db_sub.add_parser(
        "downgrade",
        help="migrate backwards to REV ('base' removes every table and row); names the database and asks first",
    )
    down.add_argument("revision")
    down.add_argument(
        "--yes", action="store_true", help="do not ask (scripts); without a terminal to ask on, --yes is required"
    )
    down.set_defaults(handler=cmd_db_downgrade)
    cur = db_sub.add_parser("current", help="show the current revision")
    cur.set_defaults(handler=cmd_db_current)

    connect = db_sub.add_parser(
        "connect",
        help="use this server from now on: URL into the workstation configuration, password into "
        "the keyring (asked for, or read from stdin)",
    )
    connect.add_argument("url", help="postgresql://user@host:5432/pharmacy")
    connect.add_argument("--sslmode", choices=("disable", "prefer", "require", "verify-ca", "verify-full"))
    connect.add_argument("--no-password", action="store_true", help="the server needs no password (e.g. a certificate)")
    connect.set_defaults(handler=cmd_db_connect)
    roles.register(db_sub)
    backup.register(db_sub)
    hosting.register(db_sub)


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from pharmacy_desktop.db import migrate
    from pharmacy_desktop.db.backup import backup_dir

    with chosen_database(args) as (url, source):
        if not migrate.can_migrate(url):
            print(
                f"error: only an administrator may upgrade this database ({source}): the role connected is not "
                "its owner. Run it with the owner's credentials, e.g. 'pharmacy-desktop db upgrade --database-url "
                "postgresql://pharmacy_schema_owner@HOST/DATABASE'. Nothing was changed.",
                file=sys.stderr,
            )
            return 2
        saved = migrate.upgrade_with_backup(url, args.backup_dir or backup_dir(), args.revision)
        if saved is not None:
            print(f"backup taken first: {saved}")
        print(f"database at revision {migrate.current(url)}")
    return 0


def cmd_db_downgrade(args: argparse.Namespace) -> int:
    from pharmacy_desktop.cli.confirm import confirm_destructive
    from pharmacy_desktop.db import migrate

    with chosen_database(args) as (url, source):
        confirm_destructive(f"downgrade to {args.revision}", url, source, yes=args.yes)
        migrate.downgrade(url, args.revision)
        print(f"database at revision {migrate.current(url) or 'base (empty)'}")
    return 0


def cmd_db_current(args: argparse.Namespace) -> int:
    from pharmacy_desktop.db import migrate

    with raw_url(args) as url:
        found = migrate.inspect_revision(url)
        current, head = found.revision, found.head
        if found.status == "newer":
            state = f"newer than this app's head {head}: {found.too_new_message()}"
        elif found.status == "unknown":
            state = "this role cannot read the revision"
        else:
            state = "up to date" if current == head else f"head is {head}: run 'pharmacy-desktop db upgrade'"
        print(f"{current or 'base (empty)'} ({state})")
    return 0


def cmd_db_connect(args: argparse.Namespace) -> int:
    """Point this workstation at a server: URL to the configuration file, password to the keyring."""
    import getpass
    from urllib.parse import urlsplit

    import psycopg

    from pharmacy_desktop import config as config_mod
    from pharmacy_desktop.db import connect

    if args.database_url:
        raise UsageError("'db connect' takes the server's URL as its argument; leave out --database-url")
    url = config_mod.normalize_url(checked(args.url, "db connect"))
    parts = urlsplit(url)
    if not parts.username or not parts.hostname:
        print(
            "error: the URL needs a user and a host, e.g. postgresql://pharmacy_app@db.pharmacy.local/pharmacy",
            file=sys.stderr,
        )
        return 2
    if parts.password is None and not args.no_password:
        password = (
            getpass.getpass(f"Password for {parts.username}@{parts.hostname}: ")
            if sys.stdin.isatty()
            else sys.stdin.readline().rstrip("\n")
        )
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
        from pharmacy_desktop.keyring_store import storage_description

        print(f"The password is kept in {storage_description()}.")
    return 0
