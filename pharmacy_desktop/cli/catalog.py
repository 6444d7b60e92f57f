"""`pharmacy-desktop catalog import|search` and `pharmacy-desktop scan`."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, TextIO

from pharmacy_desktop.cli.options import database, print_json

if TYPE_CHECKING:
    from pharmacy_desktop.catalog.fda import Rejection

# exit codes of `scan`: 0 only when found, so scripts can test it
SCAN_EXIT = {"found": 0, "ambiguous": 3, "unknown": 4, "invalid": 5}
SHOWN_REJECTIONS = 10
IMPORT_REFUSED = 3  # exit code: the files look damaged; nothing changed (2: cannot import at all)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The command group's parsers; --database-url is added to every one by cli.build_parser."""
    catalog = subparsers.add_parser("catalog", help="drug catalog: import the FDA NDC Directory, search")
    actions = catalog.add_subparsers(dest="catalog_command", metavar="ACTION", required=True)

    imp = actions.add_parser(
        "import",
        help="import product.txt + package.txt (a folder or FDA's zip); re-runnable; exit 3 when "
        "refused as a likely damaged file (nothing changed)",
    )
    imp.add_argument("path", help="folder or zip holding product.txt and package.txt")
    imp.add_argument(
        "--no-deactivate",
        action="store_true",
        help="keep packages that are missing from this file active (default: mark them inactive)",
    )
    imp.add_argument(
        "--allow-deactivate",
        action="store_true",
        help="accept marking more than 5%% of the active packages inactive (refused by default: "
        "a truncated file looks like that)",
    )
    imp.add_argument(
        "--partial",
        action="store_true",
        help="import the good rows even though some rows were rejected (refused by default)",
    )
    imp.set_defaults(handler=cmd_catalog_import)

    search = actions.add_parser("search", help="find drugs by name fragments and strength, e.g. 'atorv 10'")
    search.add_argument("text")
    search.add_argument("--limit", type=int, default=25)
    search.add_argument("--json", action="store_true", help="print JSON")
    search.set_defaults(handler=cmd_catalog_search)

    scan = subparsers.add_parser(
        "scan",
        help="resolve a barcode or typed NDC against the catalog (exit 0 found, 3 ambiguous, 4 unknown, 5 invalid)",
    )
    scan.add_argument("text", help="UPC-A, EAN-13, GTIN-14, GS1 element string or NDC")
    scan.add_argument("--json", action="store_true", help="print one JSON object")
    scan.set_defaults(handler=cmd_scan)


class ProgressBar:
    """A one-line bar on stderr, redrawn with ``\\r`` only when the text changes."""

    WIDTH = 30

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stderr  # looked up now: sys.stderr may be replaced after import
        self.last = ""

    def __call__(self, phase: str, done: int, total: int) -> None:
        share = min(1.0, done / total) if total else 0.0
        # reading and COPY are most of the work; the set-based upserts are the rest
        fraction = 0.8 * share if phase == "reading" else 0.8 + 0.2 * share
        filled = int(fraction * self.WIDTH)
        line = f"\r[{'#' * filled}{'-' * (self.WIDTH - filled)}] {fraction * 100:3.0f}% {phase:<8}"
        if line != self.last:
            self.stream.write(line)
            self.stream.flush()
            self.last = line

    def finish(self) -> None:
        if self.last:
            self.stream.write("\n")
            self.stream.flush()
            self.last = ""


def cmd_catalog_import(args: argparse.Namespace) -> int:
    from pharmacy_desktop.services.catalog_import import ImportRefused, import_catalog

    bar = ProgressBar()
    with database(args) as db:
        try:
            summary = import_catalog(
                db.engine,
                args.path,
                progress=bar,
                deactivate_missing=not args.no_deactivate,
                allow_deactivate=args.allow_deactivate,
                partial=args.partial,
            )
        except ImportRefused as refused:
            bar.finish()
            print(f"error: {refused.message}", file=sys.stderr)
            _print_rejections(refused.rejected, sys.stderr)
            return IMPORT_REFUSED
        finally:
            bar.finish()
    print(f"Catalog import ({summary.catalog_source}) from {args.path} in {summary.elapsed:.1f} s")
    print(f"  added:       {summary.added}")
    print(f"  updated:     {summary.updated}")
    print(f"  deactivated: {summary.deactivated}")
    print(f"  rejected:    {len(summary.rejected)}")
    _print_rejections(summary.rejected, sys.stdout)
    return 0


def _print_rejections(rejected: list[Rejection], stream: TextIO) -> None:
    for rejection in rejected[:SHOWN_REJECTIONS]:
        print(f"    {rejection.reason}", file=stream)
    if len(rejected) > SHOWN_REJECTIONS:
        print(f"    ... and {len(rejected) - SHOWN_REJECTIONS} more", file=stream)


def cmd_catalog_search(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from pharmacy_desktop.services.drug_search import search_drugs

    with database(args) as db:
        hits = search_drugs(db.uow_factory, args.text, limit=args.limit)
    if args.json:
        print_json([{**asdict(h), "medication_id": str(h.medication_id)} for h in hits])
        return 0
    if not hits:
        print(f"No drug matches {args.text!r}.")
        return 0
    for h in hits:
        name = h.title
        flags = "" if h.is_active else "  [inactive]"
        schedule = f"  C-{h.dea_schedule}" if h.dea_schedule else ""
        print(f"{h.package_ndc or h.ndc11:<14} {name}{schedule}{flags}")
        if h.package_description:
            print(f"{'':<14} {h.package_description}")
    return 0


def cmd_scan(args: argparse.Namespace) -> int:
    from pharmacy_desktop.services.scan_resolution import resolve_scan, to_json

    with database(args) as db:
        result = resolve_scan(db.uow_factory, args.text)
    if args.json:
        print_json(to_json(result))
    else:
        print(f"{result.status}: {result.message}")
        for choice in result.choices:
            print(f"  {choice.package_ndc or choice.ndc11}  {choice.drug_name} {choice.strength or ''}")
        scanned = (("lot", result.lot), ("expiry", result.expiry), ("serial", result.serial))
        details = [f"{label} {value}" for label, value in scanned if value]
        if details:
            print("  " + ", ".join(details))
    return SCAN_EXIT[result.status]
