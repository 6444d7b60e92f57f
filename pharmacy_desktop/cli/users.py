"""`pharmacy-desktop users create|list`: staff accounts for scripted set-up."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import TYPE_CHECKING

from pharmacy_desktop.cli.options import database

if TYPE_CHECKING:
    from pharmacy_desktop.app import Application
    from pharmacy_desktop.services.auth import Actor


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    users = subparsers.add_parser("users", help="staff accounts for scripted set-up: create, list")
    actions = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    create = actions.add_parser(
        "create",
        help="create an account; the first one must be an admin. The new password is read from stdin "
        "(--password-stdin) or asked for, never taken from the command line",
    )
    create.add_argument("--username", required=True)
    create.add_argument("--first-name", required=True)
    create.add_argument("--last-name", required=True)
    create.add_argument("--email", required=True)
    create.add_argument("--role", required=True, choices=("pharmacist", "technician", "manager", "admin"))
    create.add_argument("--license-number")
    create.add_argument("--phone")
    create.add_argument(
        "--password-stdin", action="store_true", help="read the new password from the first line of stdin"
    )
    create.add_argument(
        "--admin",
        metavar="USERNAME",
        help="an administrator to act as (password from $PHARMACY_ADMIN_PASSWORD or asked)",
    )
    create.set_defaults(handler=cmd_users_create)
    listing = actions.add_parser("list", help="list accounts (needs --admin)")
    listing.add_argument("--admin", metavar="USERNAME", required=True)
    listing.set_defaults(handler=cmd_users_list)


def _read_new_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(f"New password for {args.username}: ")
    if first != getpass.getpass("Repeat it: "):
        raise SystemExit("error: the two passwords differ")
    return first


def _admin_actor(db: Application, username: str) -> Actor:
    from pharmacy_desktop.services import auth

    password = os.environ.get("PHARMACY_ADMIN_PASSWORD") or getpass.getpass(f"Password of {username}: ")
    return auth.sign_in(db.uow_factory, username, password, "command line")


def cmd_users_create(args: argparse.Namespace) -> int:
    from pharmacy_desktop.services import auth

    with database(args, seed_demo=False) as db:
        first = auth.needs_first_run(db.uow_factory)
        if not first and not args.admin:
            raise SystemExit("error: accounts exist; act as an administrator with --admin USERNAME")
        actor = None if first else _admin_actor(db, args.admin)
        password = _read_new_password(args)
        auth.create_user(
            db.uow_factory,
            actor,
            username=args.username,
            password=password,
            email=args.email,
            first_name=args.first_name,
            last_name=args.last_name,
            role=args.role,
            license_number=args.license_number,
            phone=args.phone,
        )
        if actor is not None:
            auth.sign_out(db.uow_factory, actor)
    print(f"created {args.role} {args.username}")
    return 0


def cmd_users_list(args: argparse.Namespace) -> int:
    from pharmacy_desktop.services import auth

    with database(args, seed_demo=False) as db:
        actor = _admin_actor(db, args.admin)
        rows = auth.list_users(db.uow_factory, actor)
        auth.sign_out(db.uow_factory, actor)
    for r in rows:
        state = "active" if r.is_active else "deactivated"
        if r.locked:
            state += ", locked"
        print(f"{r.username:<16} {r.role:<11} {r.full_name:<28} {state}")
    return 0
