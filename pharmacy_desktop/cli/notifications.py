"""`pharmacy-desktop notifications run|plan|set-password`: patient messages from a server or a cron job.

``run`` runs the daily jobs (refill due, pickup reminders; once per day, idempotent) and sends what
is due through the configured mail server and SMS provider, then keeps doing so until stopped;
``--once`` does one pass and exits (cron). It sends wherever it runs, whichever workstation the
pharmacy chose for the app. ``plan --date`` lists what the jobs would queue on a date and writes
nothing. ``set-password`` puts the mail server's password (or, with ``--sms``, the SMS provider's
token) into the keyring, read from the terminal or stdin; it never goes in the configuration file.

The console shows patient numbers, never names, addresses or message texts.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
import time

from pharmacy_desktop.cli.options import database, print_json
from pharmacy_desktop.errors import ValidationFailed


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = subparsers.add_parser("notifications", help="send patient messages; plan the daily jobs")
    actions = group.add_subparsers(dest="notifications_command", metavar="ACTION", required=True)

    run = actions.add_parser("run", help="run the daily jobs and send due messages (until stopped)")
    run.add_argument("--once", action="store_true", help="one pass, then exit (for cron)")
    run.add_argument("--interval", type=float, default=30.0, metavar="SECONDS", help="time between passes")
    run.set_defaults(handler=cmd_run)

    plan = actions.add_parser("plan", help="what the refill-due and pickup-reminder jobs would send on a date")
    plan.add_argument("--date", metavar="YYYY-MM-DD", help="the date (default: today)")
    plan.add_argument("--json", action="store_true")
    plan.set_defaults(handler=cmd_plan)

    password = actions.add_parser("set-password", help="store the mail server password (or SMS token) in the keyring")
    password.add_argument("--sms", action="store_true", help="the SMS provider's token instead")
    password.set_defaults(handler=cmd_set_password)


def cmd_run(args: argparse.Namespace) -> int:
    from pharmacy_desktop.app import recheck_revision

    with database(args) as db:
        sender = db.make_notification_sender(chosen_only=False)
        if args.once:
            outcomes = sender.run_once()
            counts: dict[str, int] = {}
            for outcome in outcomes:
                counts[outcome.status] = counts.get(outcome.status, 0) + 1
            summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "nothing due"
            print(f"Notifications: {summary}.")
            return 0
        sender.poll_interval = args.interval
        sender.start()
        print("Sending patient notifications; Ctrl+C stops.", file=sys.stderr)
        checked = not db.revision_unchecked  # the server did not answer at the start: checked when it does
        try:
            while sender.running:
                time.sleep(1.0)
                if not checked:  # a database a newer release migrated meanwhile stops the command, as at start
                    checked = recheck_revision(db.url)
        except KeyboardInterrupt:
            pass
        finally:
            sender.stop()
        return 0


def cmd_plan(args: argparse.Namespace) -> int:
    from pharmacy_desktop.services.notification_jobs import plan

    try:
        day = dt.date.fromisoformat(args.date) if args.date else dt.date.today()
    except ValueError:
        raise ValidationFailed(f"--date {args.date!r} is not a date: write it as YYYY-MM-DD.") from None
    with database(args) as db:
        planned = plan(db.uow_factory, day)
    if args.json:
        print_json([dataclasses.asdict(p) for p in planned])
        return 0
    print(f"Notifications the daily jobs would queue on {day.isoformat()}: {len(planned)}")
    for p in planned:
        when = p.date.isoformat() if p.date else "-"
        print(f"  {p.event:<16} patient {p.patient_number:<10} {p.channel or '-':<6} {when}  {p.outcome}")
    return 0


def cmd_set_password(args: argparse.Namespace) -> int:
    import getpass

    from pharmacy_desktop import config as config_mod
    from pharmacy_desktop.keyring_store import set_secret, storage_description

    cfg = config_mod.load()
    url = cfg.sms_url if args.sms else config_mod.smtp_url(cfg)
    what = "SMS provider" if args.sms else "mail server"
    if not url or url == "simulator":
        key = "sms_url" if args.sms else "smtp_url"
        raise ValidationFailed(f"No {what} is configured: set [notifications] {key} in {config_mod.config_path()}.")
    key = config_mod.sms_secret_key(url) if args.sms else config_mod.smtp_secret_key(url)
    prompt = f"{'Token' if args.sms else 'Password'} for the {what}: "
    secret = getpass.getpass(prompt) if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    if not secret:
        raise ValidationFailed("Nothing was typed, so nothing was stored.")
    set_secret(key, secret)
    print(f"Stored in {storage_description()}.")
    return 0
