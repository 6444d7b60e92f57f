"""Benchmark: import 300,000 packages of the FDA NDC Directory layout; time and peak memory.

The catalog is the real demo extract (``resources/catalog``, converted from UVIS 2015) plus
generated packages: real product descriptions under made-up labeler codes, written as FDA
finished-layout files (cp1252, tab, CRLF). Each import runs in a child process so its peak RSS is
its own; importing a tenth of the catalog shows whether memory grows with the file.

    .venv/bin/python bench/catalog_import.py [--packages 300000]

Also the shared helpers of the other catalog benches (throwaway cluster, data generator).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pharmacy_desktop.catalog.uvis import PACKAGE_COLUMNS, PRODUCT_COLUMNS  # noqa: E402
from pharmacy_desktop.config import libpq_url  # noqa: E402
from pharmacy_desktop.domain.ndc import parse_ndc  # noqa: E402

REAL_CATALOG = ROOT / "resources" / "catalog"
PACKAGES = 300_000
SEED = 20261125
PACKAGE_KINDS = ("BOTTLE", "BOTTLE, PLASTIC", "BLISTER PACK", "CARTON", "VIAL")


# -- throwaway cluster -------------------------------------------------------------------------


@contextlib.contextmanager
def throwaway_database() -> Iterator[str]:
    """A private PostgreSQL cluster in a temp dir, migrated to head; yields its URL."""
    from pharmacy_desktop.db import migrate
    from pharmacy_desktop.db.embedded import EmbeddedPostgres

    with tempfile.TemporaryDirectory(prefix="pharmacy-bench-") as tmp:
        os.chmod(tmp, 0o755)  # as root the cluster runs as postgres, which must reach it
        server = EmbeddedPostgres(Path(tmp) / "cluster", password="bench-only-password")
        url = server.start()
        try:
            migrate.upgrade(url)
            yield url
        finally:
            server.stop()


# -- data -------------------------------------------------------------------------------------


def _read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    lines = path.read_text(encoding="cp1252").splitlines()
    return lines[0].split("\t"), [line.split("\t") for line in lines[1:] if line]


def generate_catalog(out_dir: Path, packages: int = PACKAGES, seed: int = SEED) -> dict[str, int]:
    """Write product.txt + package.txt with ``packages`` packages: the real extract first."""
    rng = random.Random(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    product_header, real_products = _read_rows(REAL_CATALOG / "product.txt")
    package_header, real_packages = _read_rows(REAL_CATALOG / "package.txt")
    assert tuple(product_header) == PRODUCT_COLUMNS and tuple(package_header) == PACKAGE_COLUMNS
    taken = set()
    for row in real_packages:
        try:
            taken.add(parse_ndc(row[2]).key)
        except ValueError:
            pass
    n_products = len(real_products)
    n_packages = len(real_packages)
    with (
        open(out_dir / "product.txt", "w", encoding="cp1252", newline="") as prod,
        open(out_dir / "package.txt", "w", encoding="cp1252", newline="") as pack,
    ):
        prod.write("\t".join(PRODUCT_COLUMNS) + "\r\n")
        pack.write("\t".join(PACKAGE_COLUMNS) + "\r\n")
        for row in real_products:
            prod.write("\t".join(row) + "\r\n")
        for row in real_packages:
            pack.write("\t".join(row) + "\r\n")
        serial = 0
        while n_packages < packages:
            template = rng.choice(real_products)
            shape = rng.choice(("4-4-2", "5-3-2", "5-4-1"))
            labeler_digits, product_digits, package_digits = (int(n) for n in shape.split("-"))
            labeler = f"{9 * 10 ** (labeler_digits - 1) + serial // 400:0{labeler_digits}d}"
            product = f"{serial % 400 + 1:0{product_digits}d}"
            serial += 1
            product_ndc = f"{labeler}-{product}"
            product_id = f"{product_ndc}_BENCH{serial}"
            values = list(template)
            values[0], values[1] = product_id, product_ndc
            values[PRODUCT_COLUMNS.index("LABELERNAME")] = f"Bench Labeler {labeler}"
            prod.write("\t".join(values) + "\r\n")
            n_products += 1
            for k in range(rng.randint(1, 5)):
                if n_packages >= packages:
                    break
                code = f"{product_ndc}-{(k + 1) * 7 % 10**package_digits:0{package_digits}d}"
                key = parse_ndc(code).key
                if key in taken:
                    continue
                taken.add(key)
                count = rng.choice((30, 60, 90, 100, 500, 1000))
                kind = rng.choice(PACKAGE_KINDS)
                description = f"{count} TABLET in 1 {kind} ({code})"
                pack.write("\t".join((product_id, product_ndc, code, description, "", "", "N", "N")) + "\r\n")
                n_packages += 1
    return {"products": n_products, "packages": n_packages}


# -- import in a child process -------------------------------------------------------------------


def _child(url: str, path: str, bulk: bool) -> None:
    from pharmacy_desktop.db import catalog_load
    from pharmacy_desktop.services import catalog_import

    if not bulk:  # keep every index and key during the load, as a re-import does
        catalog_load.BULK_MIN_NEW = 10**12
    summary = catalog_import.import_catalog(url, path, partial=True)
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "added": summary.added,
                "updated": summary.updated,
                "deactivated": summary.deactivated,
                "rejected": len(summary.rejected),
                "elapsed": summary.elapsed,
                "peak_rss_mb": rss_kb / 1024,
                **summary.extra,
            }
        )
    )


def timed_import(url: str, path: Path, *, bulk: bool = True) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", url, str(path), "bulk" if bulk else "no-bulk"],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _baseline_rss_mb() -> float:
    code = "import resource, pharmacy_desktop.services.catalog_import; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT)
    return int(out.stdout) / 1024


def _table_sizes(url: str) -> dict[str, int]:
    with psycopg.connect(libpq_url(url)) as conn:
        return {
            "medications": conn.execute("SELECT count(*) FROM prescription_schema.medications").fetchone()[0],
            "drug_products": conn.execute("SELECT count(*) FROM prescription_schema.drug_products").fetchone()[0],
        }


def main() -> int:
    parser = argparse.ArgumentParser(description="catalog import benchmark")
    parser.add_argument("--packages", type=int, default=PACKAGES)
    args = parser.parse_args()
    n = args.packages
    with tempfile.TemporaryDirectory(prefix="pharmacy-bench-data-") as data:
        small, big, bigger = Path(data) / "small", Path(data) / "big", Path(data) / "bigger"
        started = time.perf_counter()
        generate_catalog(small, n // 10)
        print("catalog:", generate_catalog(big, n), f"(generated in {time.perf_counter() - started:.1f} s)")
        generate_catalog(bigger, n + n // 10)  # the same rows, then 10% new packages
        print(f"python + service imported, no data: peak RSS {_baseline_rss_mb():.0f} MB")

        def show(label: str, r: dict) -> None:
            print(
                f"{label:<46} {r['elapsed']:6.2f} s  peak RSS {r['peak_rss_mb']:3.0f} MB  "
                f"added {r['added']:,} updated {r['updated']:,} deactivated {r['deactivated']:,}  {r['timings']}"
            )

        with throwaway_database() as url:
            show(f"first import, {n // 10:,} packages", timed_import(url, small))
        with throwaway_database() as url:
            show(f"first import, {n:,} packages", timed_import(url, big))
            show("re-import, nothing changed", timed_import(url, big))
            show(f"update: +{n // 10:,} new packages (index kept)", timed_import(url, bigger))
            print("tables:", _table_sizes(url))
        with throwaway_database() as url:
            show(f"first import, {n:,}, indexes kept", timed_import(url, big, bulk=False))
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3], sys.argv[4] == "bulk")
        raise SystemExit(0)
    raise SystemExit(main())
