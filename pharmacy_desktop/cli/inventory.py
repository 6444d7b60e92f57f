"""`pharmacy-desktop inventory recall|expire`: quarantine a recalled lot, or the lots past their expiry.

Both act as the command line on this machine (no signed-in person, like ``print label``) and are
idempotent: a recall run again quarantines only lots received since; ``expire`` only lots still
available. ``recall`` prints the fills of the lot with the patients' contact details: the outreach
list (on the console only, never in the log).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt

from pharmacy_desktop.cli.options import database, print_json
from pharmacy_desktop.errors import ValidationFailed


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The command group's parsers; --database-url is added to every one by cli.build_parser."""
    inventory = subparsers.add_parser("inventory", help="recall a lot; quarantine expired stock")
    actions = inventory.add_subparsers(dest="inventory_command", metavar="ACTION", required=True)

    recall = actions.add_parser(
        "recall",
        help="quarantine a recalled lot (in every package of the product) and list the patients who received it",
    )
    recall.add_argument("ndc", metavar="NDC", help="the NDC on the recall notice, e.g. 64725-1020-01")
    recall.add_argument("--lot", required=True, help="the recalled lot number")
    recall.add_argument("--reason", required=True, help="why (the recall notice's wording)")
    recall.add_argument("--class", dest="recall_class", choices=("I", "II", "III"), help="the FDA recall class")
    recall.add_argument("--json", action="store_true")
    recall.set_defaults(handler=cmd_recall)

    expire = actions.add_parser("expire", help="quarantine every available lot whose expiry date has passed")
    expire.add_argument("--date", metavar="YYYY-MM-DD", help="as of this date (default: today)")
    expire.add_argument("--json", action="store_true")
    expire.set_defaults(handler=cmd_expire)


def cmd_recall(args: argparse.Namespace) -> int:
    from pharmacy_desktop.domain.dispensing import quantity_text
    from pharmacy_desktop.services.quarantine import recall_lot

    with database(args) as db:
        result = recall_lot(
            db.uow_factory, None, args.ndc, args.lot, reason=args.reason, recall_class=args.recall_class
        )
    if args.json:
        print_json({**dataclasses.asdict(result), "quantity_quarantined": result.quantity_quarantined})
        return 0
    print(
        f"Recall of lot {result.lot} (NDC {result.ndc})"
        + (" was already recorded; lots received since were quarantined." if result.already_recorded else ".")
    )
    for lot in result.lots:
        was = "from stock" if lot.previous_status == "active" else f"(was {lot.previous_status})"
        shown = quantity_text(lot.quantity, lot.unit, lot.dosage_form)  # '12 tablets', '120 mL'
        print(f"  quarantined: NDC {lot.ndc} lot {lot.lot}, {shown} {was}")
    if not result.lots:
        print("  no lot of it in stock needed quarantining")
    print(f"{len(result.recipients)} fill(s) of this lot for outreach:")
    for r in result.recipients:
        print(
            f"  Rx {r.rx_number}  filled {r.fill_date.isoformat()}  {r.status:<9} {r.name}  "
            f"phone {r.phone or '-'}  email {r.email or '-'}"
        )
    return 0


def cmd_expire(args: argparse.Namespace) -> int:
    from pharmacy_desktop.domain.dispensing import quantity_text
    from pharmacy_desktop.services.quarantine import quarantine_expired

    try:
        as_of = dt.date.fromisoformat(args.date) if args.date else None
    except ValueError:
        raise ValidationFailed(f"--date {args.date!r} is not a date: write it as YYYY-MM-DD.") from None
    with database(args) as db:
        result = quarantine_expired(db.uow_factory, None, as_of=as_of)
    if args.json:
        print_json(dataclasses.asdict(result))
        return 0
    print(f"Expired stock as of {result.as_of.isoformat()}: {len(result.lots)} lot(s) quarantined.")
    for lot in result.lots:
        shown = quantity_text(lot.quantity, lot.unit, lot.dosage_form)
        print(f"  NDC {lot.ndc} lot {lot.lot} (expired {lot.expiration_date.isoformat()}): {shown}")
    return 0
