"""Receiving by scan: what each package's GS1 DataMatrix says, and what a set of scanned packages
does to an order (pure: plain data in, a plan or a refusal out).

A package is received from its 2D barcode only: the GTIN gives the NDC (the line it is matched
to), and the barcode must carry the lot (10) and the expiry (17) the batch is recorded under; the
serial (21), when there is one, may be received once (DSCSA: a serial seen twice is a suspect
product). A package holds the catalog package size in units (a bottle of 100 is 100 tablets).

Refused, with what to do: a linear barcode (no lot/expiry), an expired package, an NDC not on
the order, a serial received before or scanned twice, more units than ordered on a line, a lot
whose expiry differs from the lot on record, a lot in quarantine (recalled or expired).
Packages of one lot of one line form one lot receipt: one batch, one ledger row.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from pharmacy_desktop.domain.barcodes import KIND_GS1, parse_scan
from pharmacy_desktop.domain.gs1 import InvalidScan
from pharmacy_desktop.domain.purchasing import over_receipt_problem
from pharmacy_desktop.domain.stock import format_quantity

__all__ = [
    "LotOnRecord",
    "LotReceipt",
    "OrderLine",
    "ReceivingRefused",
    "ScannedPackage",
    "lot_key",
    "parse_package",
    "plan_receipt",
]


class ReceivingRefused(ValueError):
    """A package (or the set of them) that cannot be received; the message says what to do."""


@dataclass(frozen=True)
class ScannedPackage:
    number: int  # 1-based position in the scans, how messages name the package
    gtin: str
    ndc_candidates: tuple[str, ...]
    ndc10: str
    lot: str
    expiry: dt.date
    serial: str | None

    @property
    def name(self) -> str:
        serial = f", serial {self.serial}" if self.serial else ""
        return f"Package {self.number} (lot {self.lot}{serial})"


@dataclass(frozen=True)
class OrderLine:
    id: uuid.UUID
    item_id: uuid.UUID
    ndc: str
    drug: str
    ordered: Decimal
    received: Decimal
    package_size: Decimal | None  # units in one package, None when the catalog does not say
    ndc10: str | None = None  # the package NDC's ten digits (labeler form without dashes), when known


@dataclass(frozen=True)
class LotOnRecord:
    expiry: dt.date
    status: str


@dataclass(frozen=True)
class LotReceipt:
    """The packages of one lot on one line: one batch, one 'receipt' ledger row."""

    line_id: uuid.UUID
    item_id: uuid.UUID
    drug: str
    lot: str
    expiry: dt.date
    gtin: str
    quantity: Decimal
    packages: tuple[tuple[ScannedPackage, Decimal], ...]  # each package and its units


def lot_key(lot: str) -> str:
    """How lots are compared: trimmed, case-insensitive (a lot typed or scanned in lower case)."""
    return lot.strip().upper()


def parse_package(text: str, number: int, *, today: dt.date) -> ScannedPackage:
    """One scan of a package's DataMatrix, refused when it cannot be received from."""
    try:
        scan = parse_scan(text, today=today)
    except InvalidScan as exc:
        raise ReceivingRefused(
            f"Package {number}: the scan could not be read ({exc}). Scan the package's 2D barcode again."
        ) from None
    if scan.kind != KIND_GS1 or not scan.gtin:
        raise ReceivingRefused(
            f"Package {number}: that barcode has no lot or expiry. Scan the square 2D barcode (DataMatrix) "
            "on the package, not the line barcode."
        )
    if not scan.ndc_candidates:
        raise ReceivingRefused(f"Package {number}: GTIN {scan.gtin} is not a drug NDC. Set the package aside.")
    if not scan.lot or scan.expiry is None:
        missing = " and ".join(w for w, v in (("lot", scan.lot), ("expiry", scan.expiry)) if not v)
        raise ReceivingRefused(
            f"Package {number}: its barcode carries no {missing}. Receive it only with the lot and expiry on "
            "record: set it aside and ask the supplier."
        )
    package = ScannedPackage(
        number, scan.gtin, scan.ndc_candidates, scan.ndc10 or "", scan.lot.strip(), scan.expiry, scan.serial
    )
    if package.expiry < today:
        raise ReceivingRefused(
            f"{package.name} expired on {package.expiry:%m/%d/%Y}. Do not put it on the shelf: "
            "set it aside for return to the supplier."
        )
    return package


def _matches(package: ScannedPackage, line: OrderLine) -> bool:
    # The GTIN's ten digits do not say the NDC's shape: 64725-1020-1 and 64725-0102-1 share the
    # 11-digit key 64725010201 as candidates. The catalog's package NDC, when known, decides.
    if line.ndc10 is not None:
        return line.ndc10 == package.ndc10
    return line.ndc in package.ndc_candidates


def _line_for(package: ScannedPackage, lines: Sequence[OrderLine], po_number: str) -> OrderLine:
    matching = [line for line in lines if _matches(package, line)]
    if not matching:
        raise ReceivingRefused(
            f"{package.name}: NDC of GTIN {package.gtin} is not on purchase order {po_number}. "
            "Set it aside and call the supplier (or receive it on the order it came with)."
        )
    open_lines = [line for line in matching if line.received < line.ordered]
    return (open_lines or matching)[0]


def plan_receipt(
    po_number: str,
    lines: Sequence[OrderLine],
    packages: Iterable[ScannedPackage],
    *,
    lots: Mapping[tuple[uuid.UUID, str], LotOnRecord],
    received_serials: set[tuple[str, str]],
    units: Mapping[uuid.UUID, Decimal] | None = None,
) -> tuple[LotReceipt, ...]:
    """The lot receipts that ``packages`` make on the order, or ``ReceivingRefused``.

    ``lots``: (item id, lot_key) -> the lot already on record; ``received_serials``: (GTIN, serial)
    received before; ``units``: units per package for a line whose catalog package size is unknown.
    """
    seen: set[tuple[str, str]] = set()
    adding: dict[uuid.UUID, Decimal] = {}
    groups: dict[tuple[uuid.UUID, str], list[tuple[ScannedPackage, Decimal]]] = {}
    by_id = {line.id: line for line in lines}
    for package in packages:
        line = _line_for(package, lines, po_number)
        if package.serial:
            key = (package.gtin, package.serial)
            if key in received_serials:
                raise ReceivingRefused(
                    f"{package.name} was received before: a serial is received once. Set the package aside "
                    "and report it to the pharmacist (a suspect product under DSCSA)."
                )
            if key in seen:
                raise ReceivingRefused(f"{package.name} was scanned twice. Scan each package once.")
            seen.add(key)
        size = (units or {}).get(line.id) or line.package_size
        if size is None or size <= 0:
            raise ReceivingRefused(
                f"{line.drug}: the catalog does not say how many units a package holds. "
                "Type the units in one package, then receive again."
            )
        problem = over_receipt_problem(
            line.drug, line.ordered, line.received, size, scanned=adding.get(line.id, Decimal(0))
        )
        if problem:
            raise ReceivingRefused(f"{package.name}: {problem}")
        adding[line.id] = adding.get(line.id, Decimal(0)) + size
        on_record = lots.get((line.item_id, lot_key(package.lot)))
        if on_record is not None:
            _check_lot(package, line, on_record)
        group = groups.setdefault((line.id, lot_key(package.lot)), [])
        if group and group[0][0].expiry != package.expiry:
            raise ReceivingRefused(
                f"{package.name} says it expires {package.expiry:%m/%d/%Y}, another package of the same lot "
                f"{group[0][0].expiry:%m/%d/%Y}. Set both aside and ask the supplier which is right."
            )
        group.append((package, size))
    return tuple(
        LotReceipt(
            line_id,
            by_id[line_id].item_id,
            by_id[line_id].drug,
            group[0][0].lot,
            group[0][0].expiry,
            group[0][0].gtin,
            sum((q for _, q in group), Decimal(0)),
            tuple(group),
        )
        for (line_id, _), group in groups.items()
    )


def _check_lot(package: ScannedPackage, line: OrderLine, lot: LotOnRecord) -> None:
    if lot.status == "recalled":
        raise ReceivingRefused(
            f"{package.name}: lot {package.lot} of {line.drug} is recalled. Do not receive it: set it aside "
            "in quarantine for return to the supplier."
        )
    if lot.status != "active":
        raise ReceivingRefused(
            f"{package.name}: lot {package.lot} of {line.drug} is on record as {lot.status}, not in stock. "
            "Do not receive it: set it aside and ask the pharmacist."
        )
    if lot.expiry != package.expiry:
        raise ReceivingRefused(
            f"{package.name}: lot {package.lot} of {line.drug} is on record expiring {lot.expiry:%m/%d/%Y}, "
            f"this package says {package.expiry:%m/%d/%Y}. Set it aside and check the package with the supplier."
        )


def describe(receipts: Iterable[LotReceipt]) -> str:
    """ "Received 300 units of Lisinopril 20 mg (lot A1), ..." for the screen."""
    parts = [f"{format_quantity(r.quantity)} units of {r.drug} (lot {r.lot})" for r in receipts]
    return "Received " + ", ".join(parts) + "." if parts else "Nothing was received."
