"""`pharmacy-desktop screenshots DIR`: the composition root's context, rendered by ui/screenshots.py."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from pharmacy_desktop.cli.options import database

if TYPE_CHECKING:
    from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
    from pharmacy_desktop.ui.context import AppContext

_LAST = dt.datetime.max.replace(tzinfo=dt.UTC)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    shots = subparsers.add_parser(
        "screenshots", help="render every screen of the shell offscreen to DIR/<screen>.png (current database)"
    )
    shots.add_argument("dir", type=Path)
    shots.add_argument("--size", default="1280x800", help="window size, WIDTHxHEIGHT (default 1280x800)")
    shots.add_argument(
        "--sizes",
        help="several window sizes, e.g. 1024x768,1280x800,1920x1080: each into DIR/<WIDTHxHEIGHT>/ (replaces --size)",
    )
    shots.add_argument("--only", nargs="*", metavar="NAME", help="only these screenshots (e.g. signin users)")
    shots.set_defaults(handler=cmd_screenshots)


def cmd_screenshots(args: argparse.Namespace) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # the command's own process, before Qt starts
    sizes = [parse_size(text) for text in (args.sizes or args.size).split(",") if text.strip()]
    with database(args) as app:
        from pharmacy_desktop.ui.context import AppContext

        context = AppContext.from_application(app)
        written: list[Path] = []
        for size in sizes:
            folder = args.dir / f"{size[0]}x{size[1]}" if args.sizes else args.dir
            written += render(context, folder, size, only=args.only)
    for path in written:
        print(path)
    return 0


def parse_size(text: str) -> tuple[int, int]:
    """'1280x800' -> (1280, 800)."""
    width, _, height = text.strip().lower().partition("x")
    return int(width), int(height)


def render(
    context: AppContext, out_dir: Path, size: tuple[int, int] = (1280, 800), *, only: list[str] | None = None
) -> list[Path]:
    """Every screen as DIR/<name>.png, each shown as the first active account of a role allowed to open it."""
    from pharmacy_desktop.ui.screenshots import render_screenshots

    factory = context.uow_factory
    return render_screenshots(
        context,
        out_dir,
        size,
        accounts=active_accounts(factory),
        roles_with=lambda permission: roles_with(factory, permission),
        only=only,
    )


def active_accounts(uow_factory: UnitOfWorkFactory) -> dict[str, uuid.UUID]:
    """role -> the first active account created with it."""
    accounts: dict[str, uuid.UUID] = {}
    with uow_factory() as uow:
        # an account without a creation time (the column allows it) comes last, not a TypeError
        for user in sorted(uow.users.list_active(), key=lambda u: u.created_at or _LAST):
            accounts.setdefault(user.role, user.id)
    return accounts


def roles_with(uow_factory: UnitOfWorkFactory, permission: str) -> set[str]:
    """The roles (of those a screenshot is taken as) that hold ``permission``."""
    from pharmacy_desktop.ui.screenshots import ROLE_PREFERENCE

    with uow_factory() as uow:
        roles = {role for role in ROLE_PREFERENCE if permission in uow.users.permissions_of_role(role)}
    return roles
