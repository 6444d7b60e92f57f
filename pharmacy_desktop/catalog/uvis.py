"""Convert the UVIS 2015 extract (``uvis_fdadrug_rx_2015.tsv``) to the FDA finished layout.

UVIS kept FDA's finished prescription products one row per package, without PRODUCTID,
marketing dates, marketing category or DEA schedule. The conversion groups rows into products by
the product part of the NDC (all product fields agree within a group), writes FDA's
``product.txt``/``package.txt`` (Windows-1252, tab, CRLF) and fills what UVIS lacks as follows:

- PRODUCTID: ``<PRODUCTNDC>_UVIS2015`` (FDA's is PRODUCTNDC + SPL id, which UVIS dropped).
- DEASCHEDULE: derived from SUBSTANCENAME with :data:`CONTROLLED` (federal schedules of well-known
  substances; codeine by :func:`codeine_schedule`); homeopathic dilutions are never scheduled.
  This is an approximation for a demo catalog, not FDA's value.
- NDC_EXCLUDE_FLAG: ``N`` (the rows came from FDA's published directory).
- Dates, MARKETINGCATEGORYNAME, PROPRIETARYNAMESUFFIX, SAMPLE_PACKAGE: empty (unknown).

Rows are passed through even when malformed (``53157121BO``): rejecting them is the importer's
job. Run: ``python -m pharmacy_desktop.catalog.uvis SOURCE_DIR OUT_DIR``.
"""

from __future__ import annotations

import argparse
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from pharmacy_desktop.catalog.fda import PACKAGE_COLUMNS, PRODUCT_COLUMNS
from pharmacy_desktop.catalog.fields import ingredients

UVIS_FILE = "uvis_fdadrug_rx_2015.tsv"
UNFINISHED_FILES = {"unfinished_product.txt": "product.txt", "unfinished_package.txt": "package.txt"}
PRODUCT_ID_SUFFIX = "_UVIS2015"

# Federal schedule by the first word of an ingredient's substance name (21 CFR 1308).
CONTROLLED: dict[str, str] = {
    **dict.fromkeys(
        (
            "OXYCODONE",
            "HYDROCODONE",
            "MORPHINE",
            "FENTANYL",
            "HYDROMORPHONE",
            "METHADONE",
            "METHYLPHENIDATE",
            "DEXMETHYLPHENIDATE",
            "AMPHETAMINE",
            "DEXTROAMPHETAMINE",
            "LISDEXAMFETAMINE",
            "OXYMORPHONE",
            "MEPERIDINE",
            "TAPENTADOL",
            "LEVORPHANOL",
        ),
        "CII",
    ),
    **dict.fromkeys(("BUPRENORPHINE", "TESTOSTERONE", "KETAMINE", "DRONABINOL", "OXANDROLONE"), "CIII"),
    **dict.fromkeys(
        (
            "ALPRAZOLAM",
            "LORAZEPAM",
            "DIAZEPAM",
            "CLONAZEPAM",
            "TEMAZEPAM",
            "ZOLPIDEM",
            "TRAMADOL",
            "CARISOPRODOL",
            "PHENOBARBITAL",
            "MODAFINIL",
            "ARMODAFINIL",
            "CHLORDIAZEPOXIDE",
            "CLORAZEPATE",
            "MIDAZOLAM",
            "ESZOPICLONE",
            "ZALEPLON",
            "PHENTERMINE",
            "DIETHYLPROPION",
            "PENTAZOCINE",
        ),
        "CIV",
    ),
    **dict.fromkeys(("PREGABALIN", "LACOSAMIDE", "DIPHENOXYLATE"), "CV"),
}
_ORDER = ("CII", "CIII", "CIV", "CV")
_PER_VOLUME = re.compile(r"^mg/(\d*\.?\d+)?\s*mL$", re.IGNORECASE)


def codeine_schedule(strength: str, unit: str, combination: bool) -> str:
    """Codeine alone is CII; in combination CIII up to 90 mg a dose unit, CV for cough
    liquids up to 200 mg per 100 mL; anything not understood gets the strictest, CII."""
    if not combination:
        return "CII"
    try:
        amount = float(strength)
    except ValueError:
        return "CII"
    if unit.lower() == "mg/1":
        return "CIII" if amount <= 90 else "CII"
    m = _PER_VOLUME.match(unit.strip())
    if m:
        per_ml = amount / float(m.group(1) or 1)
        return "CV" if per_ml * 100 <= 200 else "CIII"
    return "CII"


def derive_dea_schedule(substances: str, strengths: str, units: str) -> str:
    """FDA-style DEASCHEDULE (``CII``...) for a product, or ``''`` when not scheduled."""
    items = ingredients(substances, strengths, units)
    found = []
    for item in items:
        if "[hp_" in item.unit:  # homeopathic dilutions hold no measurable drug
            continue
        words = item.name.upper().split()
        first = words[0] if words else ""
        if first == "CODEINE":
            found.append(codeine_schedule(item.strength, item.unit, combination=len(items) > 1))
        elif first in CONTROLLED:
            found.append(CONTROLLED[first])
    return min(found, key=_ORDER.index) if found else ""


@dataclass
class ConvertSummary:
    products: int = 0
    packages: int = 0
    scheduled: dict[str, int] = field(default_factory=dict)


def _split_ndc(ndc: str, shape: str) -> tuple[str, str]:
    try:
        a, b, _ = (int(n) for n in shape.split("-"))
    except ValueError:
        a, b = 5, 4
    return f"{ndc[:a]}-{ndc[a : a + b]}", f"{ndc[:a]}-{ndc[a : a + b]}-{ndc[a + b :]}"


def _line(values: list[str]) -> str:
    for v in values:
        if any(c in v for c in "\t\r\n"):
            raise ValueError(f"value with a tab or line break cannot go in an FDA file: {v!r}")
    return "\t".join(values) + "\r\n"


def convert(tsv: Path, out_dir: Path) -> ConvertSummary:
    """Write ``product.txt`` and ``package.txt`` (FDA finished layout) into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = ConvertSummary()
    products: dict[str, list[str]] = {}
    with (
        open(tsv, encoding="utf-8", newline="") as src,
        open(out_dir / "package.txt", "w", encoding="cp1252", newline="") as pkg,
    ):
        header = src.readline().rstrip("\r\n").split("\t")
        col = {name: i for i, name in enumerate(header)}
        pkg.write(_line(list(PACKAGE_COLUMNS)))
        for raw in src:
            row = raw.rstrip("\r\n").split("\t")
            if len(row) != len(header):
                continue

            def get(name: str, row: list[str] = row) -> str:
                return row[col[name]].strip()

            product_ndc, package_ndc = _split_ndc(get("NDC"), get("FORMAT"))
            product_id = product_ndc + PRODUCT_ID_SUFFIX
            if product_ndc not in products:
                products[product_ndc] = [
                    product_id,
                    product_ndc,
                    get("PRODUCTTYPENAME"),
                    get("PROPRIETARYNAME"),
                    "",
                    get("NONPROPRIETARYNAME"),
                    get("DOSAGEFORMNAME"),
                    get("ROUTENAME"),
                    "",
                    "",
                    "",
                    get("APPLICATIONNUMBER"),
                    get("LABELERNAME"),
                    get("SUBSTANCENAME"),
                    get("ACTIVE_NUMERATOR_STRENGTH"),
                    get("ACTIVE_INGRED_UNIT"),
                    get("PHARM_CLASSES"),
                    derive_dea_schedule(
                        get("SUBSTANCENAME"), get("ACTIVE_NUMERATOR_STRENGTH"), get("ACTIVE_INGRED_UNIT")
                    ),
                    "N",
                    "",
                ]
            pkg.write(_line([product_id, product_ndc, package_ndc, get("PACKAGEDESCRIPTION"), "", "", "N", ""]))
            summary.packages += 1
    with open(out_dir / "product.txt", "w", encoding="cp1252", newline="") as prod:
        prod.write(_line(list(PRODUCT_COLUMNS)))
        for values in products.values():
            prod.write(_line(values))
            dea = values[PRODUCT_COLUMNS.index("DEASCHEDULE")]
            if dea:
                summary.scheduled[dea] = summary.scheduled.get(dea, 0) + 1
    summary.products = len(products)
    return summary


def copy_unfinished(source_dir: Path, out_dir: Path) -> None:
    """FDA's unfinished extract, byte for byte, as ``unfinished/product.txt`` + ``package.txt``."""
    target = out_dir / "unfinished"
    target.mkdir(parents=True, exist_ok=True)
    for src, dst in UNFINISHED_FILES.items():
        shutil.copyfile(source_dir / src, target / dst)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source_dir", type=Path, help=f"folder holding {UVIS_FILE} and the unfinished extract")
    parser.add_argument("out_dir", type=Path, help="e.g. resources/catalog")
    args = parser.parse_args(argv)
    summary = convert(args.source_dir / UVIS_FILE, args.out_dir)
    copy_unfinished(args.source_dir, args.out_dir)
    print(f"{summary.products} products, {summary.packages} packages, scheduled: {summary.scheduled}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
