"""`pharmacy-desktop report NAME --format pdf|csv --output FILE`: the app's reports from the command line.

Each report is one entry of REPORTS: its name, help text, how to add its own arguments, and how
to build its PDF and CSV from the database. A new report (the inventory reports) is a new entry.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pharmacy_desktop.atomic_file import write_atomically
from pharmacy_desktop.cli.options import database
from pharmacy_desktop.errors import ValidationFailed

if TYPE_CHECKING:
    from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory

FORMATS = ("pdf", "csv")
Render = Callable[["UnitOfWorkFactory", argparse.Namespace, str], bytes]


@dataclass(frozen=True)
class Report:
    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    render: Render  # (uow factory, parsed arguments, "pdf" | "csv") -> the file's bytes


def _date(text: str) -> dt.date:
    # Checked here rather than as an argparse type, so a wrong date is refused like any wrong input
    # (exit 2, one line saying what to type) after the command line itself parsed.
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(f"{text!r} is not a date: write it YYYY-MM-DD, e.g. 2026-12-02.") from None


def _day_end_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--date", required=True, metavar="YYYY-MM-DD", help="the business date")


def _day_end(uow_factory: UnitOfWorkFactory, args: argparse.Namespace, fmt: str) -> bytes:
    from pharmacy_desktop.printing.day_end import day_end_csv, day_end_pdf
    from pharmacy_desktop.services.day_end import day_end_data

    data = day_end_data(uow_factory, None, _date(args.date))
    return day_end_pdf(data) if fmt == "pdf" else day_end_csv(data).encode("utf-8")


def _period_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="the first day (included)")
    parser.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="the last day (included)")


def _days_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--days", type=int, default=90, metavar="N", help="expiring within N days (default 90)")


def _no_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def _optional_date(text: str | None) -> dt.date | None:
    return None if text is None else _date(text)


# The inventory reports (services/inventory_reports.py; layouts in printing/inventory_reports.py and
# printing/controlled_log.py). The command line acts as no one (actor None), as for the day-end report.


def _controlled_log(uow_factory: UnitOfWorkFactory, args: argparse.Namespace, fmt: str) -> bytes:
    from pharmacy_desktop.printing.controlled_log import controlled_log_csv, controlled_log_pdf
    from pharmacy_desktop.services.inventory_reports import controlled_log

    log = controlled_log(uow_factory, None, start=_optional_date(args.start), end=_optional_date(args.end))
    return controlled_log_pdf(log) if fmt == "pdf" else controlled_log_csv(log).encode("utf-8")


def _expiring(uow_factory: UnitOfWorkFactory, args: argparse.Namespace, fmt: str) -> bytes:
    from pharmacy_desktop.printing.inventory_reports import expiring_csv, expiring_pdf
    from pharmacy_desktop.services.inventory_reports import expiring

    report = expiring(uow_factory, None, days=args.days)
    return expiring_pdf(report) if fmt == "pdf" else expiring_csv(report).encode("utf-8")


def _valuation(uow_factory: UnitOfWorkFactory, args: argparse.Namespace, fmt: str) -> bytes:
    from pharmacy_desktop.printing.inventory_reports import valuation_csv, valuation_pdf
    from pharmacy_desktop.services.inventory_reports import valuation

    report = valuation(uow_factory, None)
    return valuation_pdf(report) if fmt == "pdf" else valuation_csv(report).encode("utf-8")


def _dispensing_log(uow_factory: UnitOfWorkFactory, args: argparse.Namespace, fmt: str) -> bytes:
    from pharmacy_desktop.printing.inventory_reports import dispensing_csv, dispensing_pdf
    from pharmacy_desktop.services.inventory_reports import dispensing_log

    log = dispensing_log(uow_factory, None, start=_optional_date(args.start), end=_optional_date(args.end))
    return dispensing_pdf(log) if fmt == "pdf" else dispensing_csv(log).encode("utf-8")


def _reorder(uow_factory: UnitOfWorkFactory, args: argparse.Namespace, fmt: str) -> bytes:
    from pharmacy_desktop.printing.inventory_reports import reorder_csv, reorder_pdf
    from pharmacy_desktop.services.inventory_reports import reorder

    report = reorder(uow_factory, None)
    return reorder_pdf(report) if fmt == "pdf" else reorder_csv(report).encode("utf-8")


REPORTS = (
    Report(
        "day-end",
        "the Z report of a business day: sales and refunds by tender, voids, discounts, tax, insurance, "
        "prescriptions picked up, controlled pickups with the picker's ID, drawer counts",
        _day_end_arguments,
        _day_end,
    ),
    Report(
        "controlled-log",
        "the perpetual inventory of each Schedule II-V item: opening balance, every receipt, dispense, "
        "adjustment and return with the running balance (default: the whole ledger up to now)",
        _period_arguments,
        _controlled_log,
    ),
    Report(
        "expiring",
        "lots with stock expiring within N days (expired and quarantined lots included)",
        _days_arguments,
        _expiring,
    ),
    Report(
        "inventory-valuation",
        "on hand x unit cost and x AWP per item, with totals",
        _no_arguments,
        _valuation,
    ),
    Report(
        "dispensing-log",
        "every dispense in the period (default: today): Rx, patient, drug, NDC, quantity, lot, pharmacist",
        _period_arguments,
        _dispensing_log,
    ),
    Report(
        "reorder",
        "the items below their reorder point, with suggested quantities",
        _no_arguments,
        _reorder,
    ),
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The command group's parsers; --database-url is added to every one by cli.build_parser."""
    group = subparsers.add_parser("report", help="write a report as PDF or CSV")
    names = group.add_subparsers(dest="report_name", metavar="REPORT", required=True)
    for report in REPORTS:
        parser = names.add_parser(report.name, help=report.help, description=report.help)
        report.add_arguments(parser)
        parser.add_argument("--format", choices=FORMATS, default="pdf", help="pdf (default) or csv")
        parser.add_argument("--output", "-o", type=Path, required=True, metavar="FILE", help="the file to write")
        parser.set_defaults(handler=cmd_report, report=report)


def cmd_report(args: argparse.Namespace) -> int:
    report: Report = args.report
    path: Path = args.output
    if not path.parent.is_dir():
        raise ValidationFailed(f"The folder {path.parent} does not exist: create it or choose another --output.")
    with database(args) as db:
        data = report.render(db.uow_factory, args, args.format)
    write_atomically(path, data)  # an interrupted run never leaves half a report
    print(f"Wrote the {report.name} report ({args.format.upper()}, {len(data):,} bytes) to {path}.")
    return 0
