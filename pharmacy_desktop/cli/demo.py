"""`pharmacy-desktop demo`: load the demo pharmacy (idempotent) and print the demo users."""

from __future__ import annotations

import argparse

from pharmacy_desktop.cli.options import raw_url


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = subparsers.add_parser("demo", help="load demo data (idempotent) and print the demo users")
    demo.set_defaults(handler=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    from pharmacy_desktop.demo import DEMO_PASSWORDS, load_demo

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
