"""`pharmacy-desktop demo`: load the demo pharmacy (idempotent) and print the demo users;
`demo --reset`: the embedded database only, deleted (after a backup) and loaded afresh;
`demo --remove`: the embedded database only, deleted (after a backup) and left empty, so the next
start of the app asks to set up the pharmacy (its profile and first administrator)."""

from __future__ import annotations

import argparse

from pharmacy_desktop.cli.options import UsageError, chosen_database, raw_url, source_name


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = subparsers.add_parser("demo", help="load demo data (idempotent) and print the demo users")
    demo.add_argument(
        "--reset",
        action="store_true",
        help="the embedded database only: back it up, delete it and load the demo pharmacy afresh (asks first)",
    )
    demo.add_argument(
        "--remove",
        action="store_true",
        help="the embedded database only: back it up and delete the demo pharmacy; the next start sets up yours",
    )
    demo.add_argument("--yes", action="store_true", help="with --reset or --remove: do not ask (scripts)")
    demo.set_defaults(handler=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    from pharmacy_desktop.demo import DEMO_PASSWORDS, load_demo

    if getattr(args, "remove", False):
        if args.reset:
            raise UsageError("give --reset (a fresh demo) or --remove (no demo), not both")
        print(_reset(args, load=False))
        print("The next start of the app asks for your pharmacy's details and its first administrator.")
        return 0
    if getattr(args, "reset", False):
        url_summary = _reset(args)
    else:
        from pharmacy_desktop import config as config_mod
        from pharmacy_desktop.app import configured_url, mark_demo

        embedded = configured_url(getattr(args, "database_url", None), config_mod.load())[0] is None
        with raw_url(args) as url:
            from pharmacy_desktop.db import migrate

            if migrate.require_compatible(url, may_migrate=True).status != "current":  # a newer database: refused
                migrate.upgrade(url)
            loaded = load_demo(url)
            url_summary = str(loaded)
        if embedded and not loaded.skipped:  # loaded into the embedded database now: the demo pharmacy
            mark_demo(True)
    print(url_summary)
    print("Demo users (username / password):")
    for username, password in DEMO_PASSWORDS.items():
        print(f"  {username:<12} {password}")
    return 0


def _reset(args: argparse.Namespace, *, load: bool = True) -> str:
    from pharmacy_desktop import config as config_mod
    from pharmacy_desktop.app import configured_url
    from pharmacy_desktop.cli.confirm import confirm_destructive
    from pharmacy_desktop.db import backup, migrate, restore
    from pharmacy_desktop.demo import load_demo

    option = "--reset" if load else "--remove"
    configured, source = configured_url(getattr(args, "database_url", None), config_mod.load())
    if configured is not None:
        raise UsageError(
            f"'demo {option}' changes the embedded demo database only; this workstation uses a configured server "
            f"(from {source_name(source)}). Nothing was changed."
        )
    action = "delete everything and load the demo pharmacy afresh in" if load else "delete everything in"
    with chosen_database(args) as (url, where):
        migrate.require_compatible(url, may_migrate=True)  # never reset a newer app's database with this one
        confirm_destructive(action, url, where, yes=args.yes)
        saved = None
        if migrate.inspect_revision(url).revision is not None:
            import datetime as dt

            name = f"before-demo-{option[2:]}-{dt.datetime.now():%Y-%m-%d-%H%M%S}{backup.SUFFIX}"
            saved = backup.backup_dir() / name
            backup.backup(url, saved)
        restore.recreate_empty(url)
        migrate.upgrade(url)
        summary = str(load_demo(url)) if load else "the embedded database is empty"
    from pharmacy_desktop.app import mark_demo

    mark_demo(load)
    note = f"; the database before it is backed up in {saved}" if saved else ""
    return f"demo {'reset' if load else 'removed'}{note}\n{summary}"
