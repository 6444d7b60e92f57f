"""`pharmacy-desktop dur check FILE --json`: the whole DUR for a case described in JSON
(services/dur_case.py), against the catalog and clinical knowledge of the configured database."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pharmacy_desktop.cli.options import database, print_json


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = subparsers.add_parser("dur", help="drug utilization review of a case described in JSON")
    actions = group.add_subparsers(dest="dur_command", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check",
        help="run every DUR check for FILE (JSON: patient, active, new; '-' reads stdin) and print the alerts; "
        "exit 0 when it ran, 2 when the case cannot be read",
    )
    check.add_argument("file", help="the case as JSON (docs/CLINICAL_DATA.md, 'dur check'), or - for stdin")
    check.add_argument("--json", action="store_true", help='print {"alerts": [...]} (passed checks left out)')
    check.set_defaults(handler=cmd_dur_check)


def _read_case(name: str) -> object:
    from pharmacy_desktop.services.dur_case import CaseUnreadable

    try:
        text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
    except OSError as exc:
        raise CaseUnreadable(f"cannot read {name}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise CaseUnreadable(f"{name} is not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CaseUnreadable(f"{name} is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None


def cmd_dur_check(args: argparse.Namespace) -> int:
    from pharmacy_desktop.services.dur_case import check_case

    case = _read_case(args.file)  # unreadable: CaseUnreadable -> exit 2 with the reason
    with database(args) as db:
        result = check_case(db.uow_factory, case)
    if args.json:
        print_json(result.as_json())
        return 0
    if not result.alerts:
        print("No alerts.")
    for alert in result.alerts:
        print(f"{alert.severity.upper():<9} {alert.category:<24} {alert.message}")
        print(f"{'':<9} {'':<24} drugs: {', '.join(alert.drugs)}")
    return 0
