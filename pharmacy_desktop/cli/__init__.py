"""`pharmacy-desktop`: with no arguments the app; sub-commands for operations.

Every command takes ``--database-url`` before or after the sub-command (both mean the same; two
different URLs are refused); otherwise PHARMACY_DATABASE_URL, then the workstation configuration
file, then the embedded server. Commands that delete (``db downgrade``) first name the database
they are about to change and ask, or take ``--yes``.
"""

from __future__ import annotations

import argparse
import logging
import sys

from pharmacy_desktop.cli import (
    catalog,
    clinical,
    db,
    demo,
    dur,
    inventory,
    notifications,
    printing,
    reports,
    screenshots,
    users,
)
from pharmacy_desktop.cli.options import add_db_option, every_parser, merge_database_url
from pharmacy_desktop.errors import PharmacyError
from pharmacy_desktop.logging_setup import FILE_ONLY, scrub, setup_logging

log = logging.getLogger("pharmacy_desktop.cli")

# each adds its parsers: register(sub)
COMMAND_GROUPS = (db, demo, catalog, clinical, dur, inventory, notifications, printing, reports, users, screenshots)


def cmd_app(args: argparse.Namespace) -> int:
    from pharmacy_desktop.ui.app import run_app

    return run_app(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pharmacy-desktop", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    parser.add_argument(
        "--quit-after",
        type=float,
        metavar="SECONDS",
        help="close the app after SECONDS (smoke tests of the installed app)",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check this installation: a fresh database in a temporary folder, every screen rendered offscreen",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in COMMAND_GROUPS:
        group.register(sub)
    for each, depth in every_parser(parser):  # the one place: every command, at every level
        add_db_option(each, depth)
    return parser


def main(argv: list[str] | None = None) -> int:
    from pharmacy_desktop.printing import use_escpos_cache

    use_escpos_cache()  # before escpos is first imported
    parser = build_parser()
    args = parser.parse_args(argv)
    merge_database_url(parser, args)
    if args.self_test:  # its own temporary data folder and log, before setup_logging picks the real one
        from pharmacy_desktop.self_test import run_self_test

        return run_self_test()
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


if __name__ == "__main__":
    raise SystemExit(main())
