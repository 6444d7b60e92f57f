"""Benchmark: resolve 10,000 scans of mixed formats against a 300,000-package catalog.

Each scan goes through ``resolve_scan`` (parse, one indexed query through a unit of work,
interpretation) and, right after it, the same candidate keys go through one raw psycopg query
on an open connection, so both see the same cache state. Prints p50/p99 of both and the ratio.

    .venv/bin/python bench/scan_lookup.py [--scans 10000] [--packages 300000]
"""

from __future__ import annotations

import argparse
import contextlib
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from catalog_import import PACKAGES, REAL_CATALOG, generate_catalog, throwaway_database  # noqa: E402

from pharmacy_desktop.config import libpq_url  # noqa: E402
from pharmacy_desktop.db.engine import make_engine, make_session_factory  # noqa: E402
from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory  # noqa: E402
from pharmacy_desktop.domain.barcodes import (  # noqa: E402
    build_gs1_element_string,
    ndc_to_gtin14,
    ndc_to_upc_a,
    parse_scan,
)
from pharmacy_desktop.services.catalog_import import import_catalog  # noqa: E402
from pharmacy_desktop.services.scan_resolution import resolve_scan  # noqa: E402

RAW_SQL = (
    "SELECT id, ndc_code, package_ndc, drug_name, brand_name, generic_name, strength, dosage_form,"
    " package_description, dea_schedule, is_active, discontinuation_date"
    " FROM prescription_schema.medications WHERE ndc_code = ANY(%s)"
)


def make_scans(packages: list[tuple[str, str]], n: int, rng: random.Random) -> list[str]:
    """Mixed formats: UPC-A, GS1 raw/AIM/parentheses, GTIN-14, typed NDCs, unknown, bad check digit."""
    scans = []
    expiry = date.today() + timedelta(days=400)
    for i in range(n):
        key, hyphenated = rng.choice(packages)
        kind = i % 20
        if kind < 5:
            scans.append(ndc_to_upc_a(hyphenated))
        elif kind < 9:
            gtin = ndc_to_gtin14(hyphenated)
            scans.append("]d2" + build_gs1_element_string(gtin, expiry, f"L{i}", f"S{i:08d}"))
        elif kind < 11:
            gtin = ndc_to_gtin14(hyphenated)
            scans.append(build_gs1_element_string(gtin, expiry, f"L{i}", human_readable=True))
        elif kind < 13:
            scans.append(ndc_to_gtin14(hyphenated, indicator=rng.randint(0, 1)))
        elif kind < 16:
            scans.append(hyphenated)
        elif kind < 18:
            scans.append(key)
        elif kind < 19:  # not in the catalog (labeler 8xxxx is not generated)
            scans.append(
                ndc_to_upc_a(f"8{rng.randint(0, 9999):04d}-{rng.randint(0, 999):03d}-{rng.randint(0, 99):02d}")
            )
        else:  # wrong check digit
            upc = ndc_to_upc_a(hyphenated)
            scans.append(upc[:-1] + str((int(upc[-1]) + 1) % 10))
    return scans


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description="scan lookup benchmark")
    parser.add_argument("--scans", type=int, default=10_000)
    parser.add_argument("--packages", type=int, default=PACKAGES)
    parser.add_argument("--database-url", help="use this database, already holding the catalog")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        if args.database_url:
            url = args.database_url
        else:
            data = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pharmacy-bench-data-")))
            url = stack.enter_context(throwaway_database())
            generate_catalog(data / "big", args.packages)
            summary = import_catalog(url, data / "big", partial=True)
            print(f"imported {summary.added:,} packages in {summary.elapsed:.1f} s")
            import_catalog(url, REAL_CATALOG / "unfinished", partial=True)
        service, rawq, statuses, scans = run(url, args.scans)
    report(service, rawq, statuses, scans)
    return 0


def run(url: str, n_scans: int) -> tuple[list[float], list[float], dict[str, int], list[str]]:
    """Service and raw timings of the scans that reach the database, interleaved scan by scan."""
    rng = random.Random(7)
    with psycopg.connect(libpq_url(url), autocommit=True) as raw:
        raw.execute("VACUUM ANALYZE prescription_schema.medications")
        packages = raw.execute(
            "SELECT ndc_code, package_ndc FROM prescription_schema.medications WHERE package_ndc IS NOT NULL"
        ).fetchall()
        total = raw.execute("SELECT count(*) FROM prescription_schema.medications").fetchone()[0]
        print(f"catalog: {total:,} packages")
        scans = make_scans(packages, n_scans, rng)

        engine = make_engine(url)  # the app's engine: pool with pre-ping
        uow_factory = UnitOfWorkFactory(make_session_factory(engine))
        for text in scans[:500]:  # warm caches, the pool and prepared statements on both sides
            resolve_scan(uow_factory, text)
            keys = _keys(text)
            if keys:
                raw.execute(RAW_SQL, (keys,)).fetchall()
        service, rawq, statuses = [], [], {}
        for text in scans:
            keys = _keys(text)
            t0 = time.perf_counter()
            result = resolve_scan(uow_factory, text)
            t1 = time.perf_counter()
            statuses[result.status] = statuses.get(result.status, 0) + 1
            if keys:  # bad check digits never reach the database: no raw twin to compare
                t2 = time.perf_counter()
                raw.execute(RAW_SQL, (keys,)).fetchall()
                rawq.append(time.perf_counter() - t2)
                service.append(t1 - t0)
        engine.dispose()
    return service, rawq, statuses, scans


def _keys(text: str) -> list[str]:
    try:
        return list(parse_scan(text).ndc_candidates)
    except ValueError:
        return []


def report(service: list[float], rawq: list[float], statuses: dict[str, int], scans: list[str]) -> None:
    ms = lambda v: v * 1000  # noqa: E731
    s50, s99 = ms(percentile(service, 50)), ms(percentile(service, 99))
    r50, r99 = ms(percentile(rawq, 50)), ms(percentile(rawq, 99))
    print(
        f"scans: {len(scans):,} ({', '.join(f'{k} {v}' for k, v in sorted(statuses.items()))});"
        f" {len(service):,} reach the database"
    )
    print(
        f"resolve_scan (parse + lookup + interpret): p50 {s50:.3f} ms  p99 {s99:.3f} ms  max {ms(max(service)):.3f} ms"
    )
    print(f"raw psycopg indexed query:                  p50 {r50:.3f} ms  p99 {r99:.3f} ms  max {ms(max(rawq)):.3f} ms")
    print(f"ratio service/raw: p50 {s50 / r50:.2f}x  p99 {s99 / r99:.2f}x")
    print(
        f"target p99 < 5 ms: {'met' if s99 < 5 else 'MISSED'}; within 3x raw (p99): {'met' if s99 <= 3 * r99 else 'MISSED'}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
