"""Import the FDA NDC Directory into the medication catalog, in one transaction.

Rows stream from the files into TEMP staging tables with COPY, then set-based upserts write
``drug_products`` (one per PRODUCTID) and ``medications`` (one per package NDC). Nothing is
deleted: packages of the same catalog source that left the file, or whose marketing ended, are
marked inactive with a discontinuation date, because prescriptions point at them. Any failure
rolls the whole import back, so the previous catalog stays as it was.

A damaged file looks like a catalog that shrank: a truncated ``package.txt`` would mark every
package after the cut inactive, and every fill would then warn "discontinued". So an import that
would deactivate more than :data:`MAX_DEACTIVATE_SHARE` of the active catalog, or that had to
reject rows, is refused (rolled back, with the numbers) unless the caller says so
(``allow_deactivate`` / ``partial``); a file with no packages at all is never imported.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from pharmacy_desktop.catalog.fda import CatalogFiles, Rejection
from pharmacy_desktop.db.catalog_load import SOURCE_FINISHED, SOURCE_UNFINISHED, Progress, load_catalog
from pharmacy_desktop.errors import PharmacyError

__all__ = [
    "SOURCE_FINISHED",
    "SOURCE_UNFINISHED",
    "MAX_DEACTIVATE_SHARE",
    "ImportRefused",
    "ImportSummary",
    "Progress",
    "import_catalog",
]


# More than this share of the active packages of a catalog source going inactive in one import
# is far more than FDA's weekly churn: a cut or wrong file, until the person says otherwise.
MAX_DEACTIVATE_SHARE = Decimal("0.05")


@dataclass(frozen=True)
class ImportSummary:
    added: int
    updated: int
    deactivated: int
    rejected: list[Rejection]
    elapsed: float
    catalog_source: str = ""
    packages_read: int = 0
    products_added: int = 0
    products_updated: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


class ImportRefused(PharmacyError):
    """The import was rolled back because it looked like a damaged file; nothing changed.

    ``rejected`` are the rows that could not be used, ``deactivated`` of ``active_before``
    active packages would have been marked inactive.
    """

    def __init__(
        self, message: str, *, rejected: list[Rejection], deactivated: int, active_before: int, packages_read: int
    ):
        super().__init__(message)
        self.rejected = rejected
        self.deactivated = deactivated
        self.active_before = active_before
        self.packages_read = packages_read


def import_catalog(
    url_or_engine: Any,  # a database URL or a SQLAlchemy engine
    path: str | Path,
    *,
    progress: Progress | None = None,
    deactivate_missing: bool = True,
    source: str | None = None,
    today: dt.date | None = None,
    allow_deactivate: bool = False,
    partial: bool = False,
) -> ImportSummary:
    """Import ``product.txt`` + ``package.txt`` (folder or zip) into the catalog; re-runnable.

    ``source`` overrides the catalog family told by the layout ("fda-finished" or
    "fda-unfinished"); ``today`` decides which marketing end dates have passed.
    Raises :class:`ImportRefused` (everything rolled back) when the import would deactivate
    more than :data:`MAX_DEACTIVATE_SHARE` of the active packages unless ``allow_deactivate``,
    or when rows were rejected unless ``partial``; ``CatalogFormatError`` for files that cannot
    be imported at all (no packages, a damaged zip, a missing column).
    """
    started = time.perf_counter()
    today = today or dt.date.today()
    with CatalogFiles(path) as files:
        summary = load_catalog(
            url_or_engine,
            files,
            progress=progress,
            deactivate_missing=deactivate_missing,
            source=source,
            today=today,
            accept=lambda s: _check(s, files, allow_deactivate=allow_deactivate, partial=partial),
        )
    return ImportSummary(**{**summary, "elapsed": time.perf_counter() - started})


def _check(summary: dict[str, Any], files: CatalogFiles, *, allow_deactivate: bool, partial: bool) -> None:
    """Refuse (the caller rolls back) an import that looks like a damaged file; the message
    gives the numbers and the option that accepts them."""
    rejected: list[Rejection] = summary["rejected"]
    deactivated, active = summary["deactivated"], summary["extra"]["active_before"]
    problems = []
    if deactivated and not allow_deactivate and deactivated > MAX_DEACTIVATE_SHARE * active:
        share = Decimal(deactivated * 100) / active
        problems.append(
            f"it would mark {deactivated:,} of the {active:,} active packages inactive ({share:.1f} %, "
            f"more than {MAX_DEACTIVATE_SHARE * 100:.0f} %): they are missing from {files.package_name} "
            "or their marketing has ended. A truncated or wrong file looks like this. If the packages "
            "really left the directory, run the import again with --allow-deactivate"
        )
    if rejected and not partial:
        first = rejected[0].reason
        problems.append(
            f"{len(rejected):,} row(s) could not be used (first: {first}). Fix or download the files "
            f"again, or run the import again with --partial to import the "
            f"{summary['extra']['packages_kept']:,} good packages and skip these rows"
        )
    if problems:
        raise ImportRefused(
            f"Catalog import from {files.path} refused, nothing was changed: " + "; and ".join(problems) + ".",
            rejected=rejected,
            deactivated=deactivated,
            active_before=active,
            packages_read=summary["packages_read"],
        )
