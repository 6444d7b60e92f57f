"""Scan or typed code -> the catalog package it names, or a clear reason why not.

A barcode carries ten NDC digits without their shape, so up to three 11-digit keys are looked up
in one indexed query. A hit only counts when the package's stored hyphenated NDC has the shape
that candidate assumed: scanning lisinopril 64725-1020-1 also yields the key 64725010201, which
is metformin 64725-0102-1, a different bottle. Exactly one hit is the answer; several ask the
user; none is "unknown". Nothing is guessed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from pharmacy_desktop.db.scan_lookup import lookup_ndc_keys
from pharmacy_desktop.domain.barcodes import KIND_NDC, KIND_NDC12, Scan, parse_scan
from pharmacy_desktop.domain.drug_names import drug_display_name
from pharmacy_desktop.domain.gs1 import InvalidScan
from pharmacy_desktop.domain.ndc import format_ndc11
from pharmacy_desktop.domain.outcomes import ScanLookup
from pharmacy_desktop.domain.product_names import strength_of
from pharmacy_desktop.services.drug_search import product_title

FOUND = ScanLookup.FOUND
AMBIGUOUS = ScanLookup.AMBIGUOUS
UNKNOWN = ScanLookup.UNKNOWN
INVALID = ScanLookup.INVALID


@dataclass(frozen=True)
class ScanChoice:
    """One catalog package an ambiguous scan may be; the user picks."""

    medication_id: uuid.UUID
    ndc11: str
    package_ndc: str | None
    drug_name: str
    strength: str | None
    dosage_form: str | None
    package_description: str | None
    is_active: bool


@dataclass(frozen=True)
class ScanResult:
    status: str
    message: str
    ndc11: str | None = None
    package_ndc: str | None = None
    drug_name: str | None = None
    brand_name: str | None = None
    generic_name: str | None = None
    strength: str | None = None
    dosage_form: str | None = None
    package_description: str | None = None
    dea_schedule: str | None = None
    is_active: bool | None = None
    medication_id: uuid.UUID | None = None
    candidates: tuple[str, ...] = ()
    choices: tuple[ScanChoice, ...] = ()
    lot: str | None = None
    expiry: dt.date | None = None
    serial: str | None = None
    gtin: str | None = None
    kind: str | None = None

    @property
    def found(self) -> bool:
        return self.status == FOUND


def resolve_scan(uow_or_session_factory: Any, scan_text: str, *, today: dt.date | None = None) -> ScanResult:
    """Resolve one scan; accepts a UoW factory, a UoW, a sessionmaker or an open Session."""
    try:
        scan = parse_scan(scan_text, today=today)
    except InvalidScan as exc:
        return ScanResult(INVALID, _invalid_message(str(exc)))
    keys = _lookup_keys(scan)
    if not keys:
        return ScanResult(
            INVALID,
            f"Not a drug barcode: {scan.gtin or scan.raw.strip()} carries no NDC. "
            "Scan the NDC barcode on the stock bottle or type the NDC.",
            **_extras(scan),
        )
    rows = lookup_ndc_keys(uow_or_session_factory, keys)
    return interpret(scan, rows, today=today)


def interpret(scan: Scan, rows: Sequence[Any], *, today: dt.date | None = None) -> ScanResult:
    """The result for a parsed scan and the catalog rows of its candidate keys."""
    hits = [r for r in rows if _shape_matches(scan, r.package_ndc)]
    order = {key: i for i, key in enumerate(_lookup_keys(scan))}
    hits.sort(key=lambda r: order.get(r.ndc_code, len(order)))
    extras = _extras(scan)
    if not hits:
        return ScanResult(UNKNOWN, _unknown_message(scan), ndc11=_typed_key(scan), **extras)
    if len(hits) > 1:
        choices = tuple(_choice(r) for r in hits)
        listed = "; ".join(
            f"{c.package_ndc or _shown(c.ndc11)} {drug_display_name(c.drug_name, c.strength)}" for c in choices
        )
        return ScanResult(
            AMBIGUOUS,
            f"This barcode matches {len(hits)} products: {listed}. Pick the one on the bottle.",
            candidates=tuple(c.ndc11 for c in choices),
            choices=choices,
            **extras,
        )
    row = hits[0]
    return ScanResult(
        FOUND,
        _found_message(row, scan, today or dt.date.today()),
        ndc11=row.ndc_code,
        package_ndc=row.package_ndc,
        drug_name=row.drug_name,
        brand_name=row.brand_name,
        generic_name=row.generic_name,
        strength=strength_of(row),
        dosage_form=row.dosage_form,
        package_description=row.package_description,
        dea_schedule=row.dea_schedule,
        is_active=row.is_active is not False,
        medication_id=row.id,
        candidates=(row.ndc_code,),
        **extras,
    )


def to_json(result: ScanResult) -> dict[str, Any]:
    """A plain dict for ``scan --json``: dates as ISO text, ids as strings."""
    data = asdict(result)
    data["candidates"] = list(result.candidates)
    data["choices"] = [{**asdict(c), "medication_id": str(c.medication_id)} for c in result.choices]
    data["medication_id"] = str(result.medication_id) if result.medication_id else None
    data["expiry"] = result.expiry.isoformat() if result.expiry else None
    return data


# -- lookup ------------------------------------------------------------------------------------


def _lookup_keys(scan: Scan) -> list[str]:
    keys = list(scan.ndc_candidates)
    if scan.ndc12 and scan.ndc12 not in keys:  # catalogs keyed by the 2026 12-digit form
        keys.append(scan.ndc12)
    return keys


def _shape_matches(scan: Scan, package_ndc: str | None) -> bool:
    # Typed 11-digit and hyphenated NDCs name one key; only the bare ten digits of a barcode
    # leave the shape open. A package without a hyphenated NDC cannot be ruled out.
    if scan.kind in (KIND_NDC, KIND_NDC12) or not scan.ndc10 or not package_ndc:
        return True
    return package_ndc.replace("-", "") == scan.ndc10


def _typed_key(scan: Scan) -> str | None:
    return scan.ndc_candidates[0] if scan.kind == KIND_NDC and scan.ndc_candidates else None


def _extras(scan: Scan) -> dict[str, Any]:
    return {"lot": scan.lot, "expiry": scan.expiry, "serial": scan.serial, "gtin": scan.gtin, "kind": scan.kind}


def _choice(row: Any) -> ScanChoice:
    return ScanChoice(
        medication_id=row.id,
        ndc11=row.ndc_code,
        package_ndc=row.package_ndc,
        drug_name=row.drug_name,
        strength=strength_of(row),
        dosage_form=row.dosage_form,
        package_description=row.package_description,
        is_active=row.is_active is not False,
    )


# -- messages ----------------------------------------------------------------------------------


def _shown(key: str) -> str:
    return format_ndc11(key) if len(key) == 11 else key


def _invalid_message(problem: str) -> str:
    if "check digit" in problem:
        return "Bad barcode: check digit is wrong; scan again or type the NDC."
    return f"Bad barcode or NDC: {problem}. Scan again or type the NDC."


def _unknown_message(scan: Scan) -> str:
    if scan.kind == KIND_NDC and scan.ndc_candidates:
        shown = scan.raw.strip() if "-" in scan.raw else _shown(scan.ndc_candidates[0])
        what = f"NDC {shown}"
    elif scan.kind == KIND_NDC12 and scan.ndc12:
        what = f"NDC {scan.raw.strip()}"
    else:
        what = f"NDC digits {scan.ndc10} (from the barcode)"
    return f"Unknown {what}: not in the catalog. Check the bottle or add the product in Inventory."


def _found_message(row: Any, scan: Scan, today: dt.date) -> str:
    name = product_title(row.drug_name, strength_of(row), row.dosage_form)
    parts = [f"{name} ({row.package_ndc or _shown(row.ndc_code)})"]
    if row.package_description:
        parts[0] += f": {row.package_description}"
    if row.is_active is False:
        since = f" since {row.discontinuation_date.isoformat()}" if row.discontinuation_date else ""
        parts.append(f"Discontinued product{since}: check with the pharmacist before dispensing.")
    if row.dea_schedule:
        parts.append(f"Controlled substance, schedule {row.dea_schedule}.")
    if scan.expiry is not None and scan.expiry < today:
        parts.append(f"Expired: this lot expired on {scan.expiry.isoformat()}. Do not dispense.")
    return " ".join(parts)
