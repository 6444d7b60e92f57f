"""`pharmacy-desktop print test-page|label|receipt|queue`: the same queue, layouts and sender as the app.

A job printed from here is recorded in the print queue of this workstation first; if the printer
does not take it, it stays there (the app retries it) and the command exits with 6.
"""

from __future__ import annotations

import argparse
import uuid
from typing import TYPE_CHECKING

from pharmacy_desktop.cli.options import database, print_json

if TYPE_CHECKING:
    from collections.abc import Callable

    from pharmacy_desktop.app import Application
    from pharmacy_desktop.config import Config

EXIT_NOT_PRINTED = 6


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The command group's parsers; --database-url is added to every one by cli.build_parser."""
    printing = subparsers.add_parser("print", help="print a test page, a vial label or a receipt; list the print queue")
    actions = printing.add_subparsers(dest="print_command", metavar="ACTION", required=True)

    def printer_options(parser: argparse.ArgumentParser, default_role: str) -> None:
        parser.add_argument(
            "--printer",
            metavar="URI",
            help="tcp://host:9100, file:/path, usb:VID:PID or serial:/dev/ttyS0 "
            f"(default: this workstation's {default_role} printer)",
        )
        parser.add_argument("--profile", metavar="MODEL", help="printer model (python-escpos profile), e.g. TM-T88V")
        parser.add_argument("--timeout", type=float, default=5.0, help="seconds the printer may stall (default 5)")

    test = actions.add_parser("test-page", help="print a test page through the print queue")
    test.add_argument("--role", choices=("label", "receipt", "report"), default="label")
    printer_options(test, "label")
    test.set_defaults(handler=cmd_test_page)

    label = actions.add_parser("label", help="print (reprint) the vial label of an Rx's latest fill")
    label.add_argument("rx_number", metavar="RX_NUMBER")
    label.add_argument(
        "--reason",
        default="Reprinted from the command line",
        help="why the label is printed again (logged with the reprint)",
    )
    printer_options(label, "label")
    label.set_defaults(handler=cmd_label)

    receipt = actions.add_parser("receipt", help="reprint a sale's receipt, marked REPRINT")
    receipt.add_argument(
        "number", metavar="INVOICE_NUMBER", help="an invoice number (INV000123) or the sale number (S000123)"
    )
    receipt.add_argument(
        "--reason",
        default="Reprinted from the command line",
        help="why the receipt is printed again (logged with the reprint)",
    )
    printer_options(receipt, "receipt")
    receipt.set_defaults(handler=cmd_receipt)

    queue = actions.add_parser("queue", help="list this workstation's print jobs (waiting first)")
    queue.add_argument("--all-workstations", action="store_true")
    queue.add_argument("--waiting", action="store_true", help="only jobs not printed yet")
    queue.add_argument("--json", action="store_true")
    queue.set_defaults(handler=cmd_queue)


def _config() -> Config:
    from pharmacy_desktop import config as config_mod

    return config_mod.load()


def _send(db: Application, cfg: Config, job_id: uuid.UUID, timeout: float) -> int:
    from pharmacy_desktop.services.print_sender import PrintSender
    from pharmacy_desktop.services.printer_settings import printer_settings_from

    sender = PrintSender(db.uow_factory, printer_settings_from(cfg), cfg.workstation_name, timeout=timeout)
    result = sender.send_job(job_id)
    if result.ok and result.confirmed:
        print(f"Printed on {result.printer_uri} (print job {job_id}).")
        return 0
    if result.ok:  # sent, but the printer could not or did not confirm it
        print(f"{result.message} (print job {job_id}).")
        return 0
    print(f"Not printed: {result.message}")
    print(f"Print job {job_id} stays in the queue of workstation {cfg.workstation_name!r}.")
    return EXIT_NOT_PRINTED


def cmd_test_page(args: argparse.Namespace) -> int:
    from pharmacy_desktop.services.print_queue import print_test_page
    from pharmacy_desktop.services.printer_settings import printer_settings_from

    cfg = _config()
    uri, profile = (args.printer, args.profile) if args.printer else printer_settings_from(cfg).printer_for(args.role)
    with database(args, cfg=cfg) as db:  # one read of the workstation configuration
        job_id = print_test_page(
            db.uow_factory,
            None,
            role=args.role,
            printer_uri=uri,
            printer_profile=args.profile or profile,
            workstation=cfg.workstation_name,
        )
        return _send(db, cfg, job_id, args.timeout)


def _reprint(args: argparse.Namespace, queue: Callable[..., uuid.UUID], number: str) -> int:
    """Queue a reprint with ``queue`` (an Rx's label, a sale's receipt) on the printer the options
    name or the workstation's own, then send it now."""
    from pharmacy_desktop.services.printer_settings import printer_settings_from

    cfg = _config()
    with database(args, cfg=cfg) as db:  # one read of the workstation configuration
        job_id = queue(
            db.uow_factory,
            None,
            number,
            reason=args.reason,
            workstation=cfg.workstation_name,
            printer_uri=args.printer,
            printer_profile=args.profile,
            printers=printer_settings_from(cfg),
        )
        return _send(db, cfg, job_id, args.timeout)


def cmd_label(args: argparse.Namespace) -> int:
    from pharmacy_desktop.services.print_queue import queue_label_for_rx

    return _reprint(args, queue_label_for_rx, args.rx_number)


def cmd_receipt(args: argparse.Namespace) -> int:
    from pharmacy_desktop.services.receipt_reprint import reprint_receipt

    return _reprint(args, reprint_receipt, args.number)


def cmd_queue(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from pharmacy_desktop.services.print_queue import list_jobs

    cfg = _config()
    with database(args, cfg=cfg) as db:  # one read of the workstation configuration
        rows = list_jobs(
            db.uow_factory,
            None,
            workstation=None if args.all_workstations else cfg.workstation_name,
            waiting_only=args.waiting,
        )
    if args.json:
        print_json([{**asdict(r), "status_text": r.status_text} for r in rows])
        return 0
    if not rows:
        print("The print queue is empty.")
        return 0
    for r in rows:
        when = r.created_at.astimezone().strftime("%m/%d %H:%M") if r.created_at else ""
        where = r.printer_uri or f"({r.printer_role} printer)"
        print(f"{when}  {r.status_text:<18} {r.kind:<22} Rx {r.rx_number or '-':<9} {where}")
        if r.last_error and r.status != "printed":
            print(f"{'':<13}{r.last_error}")
    return 0
