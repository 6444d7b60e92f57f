"""Benchmark: drug search at 300,000 packages (name fragments, strengths, forms, typos).

The generated catalog repeats the real product descriptions under many labelers, so a name
matches about 75 times more packages than in the demo catalog: a harsher case than FDA's own
directory, where a generic has tens to a few hundred packages.

    .venv/bin/python bench/drug_search.py [--rounds 100] [--packages 300000]
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from catalog_import import PACKAGES, REAL_CATALOG, generate_catalog, throwaway_database  # noqa: E402
from scan_lookup import percentile  # noqa: E402

from pharmacy_desktop.db.engine import make_engine, make_session_factory  # noqa: E402
from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory  # noqa: E402
from pharmacy_desktop.services.catalog_import import import_catalog  # noqa: E402
from pharmacy_desktop.services.drug_search import search_drugs  # noqa: E402

QUERIES = {
    "name + strength": [
        "atorv 10",
        "lisinopril 20",
        "metformin 500",
        "sertraline 50",
        "lipitor 40",
        "alprazolam 0.25",
        "hydrocodone acetaminophen 10",
        "zolpidem 10",
    ],
    "name + strength + form": ["amox 500 cap", "hydrocodone 10 325 tab", "oxycodone 30 tab", "lorazepam 2 inj"],
    "fragment": ["oxycod", "levothyrox", "gaba", "predni"],
    "typo": ["atorvastatn", "amoxicilin 500", "lipitr 40", "metfromin", "seroquell", "zolpdem 10"],
    "no match": ["xqzvwk", "lipitor 4"],
    "broad": ["tab", "hydrochloride"],
    "ndc": ["0071-0157-23", "0071-0157", "300710157231"],
}


def main() -> int:
    parser = argparse.ArgumentParser(description="drug search benchmark")
    parser.add_argument("--rounds", type=int, default=100)
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
            import_catalog(url, data / "big", partial=True)
            import_catalog(url, REAL_CATALOG / "unfinished", partial=True)
        engine = make_engine(url)
        uow_factory = UnitOfWorkFactory(make_session_factory(engine))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE prescription_schema.medications")
        all_times: list[float] = []
        by_kind: dict[str, list[float]] = {}
        hits: dict[str, int] = {}
        for queries in QUERIES.values():
            for q in queries:
                hits[q] = len(search_drugs(uow_factory, q))  # warm-up
        for _ in range(args.rounds):
            for kind, queries in QUERIES.items():
                for q in queries:
                    t0 = time.perf_counter()
                    search_drugs(uow_factory, q)
                    elapsed = time.perf_counter() - t0
                    all_times.append(elapsed)
                    by_kind.setdefault(kind, []).append(elapsed)
        engine.dispose()

    ms = lambda v: v * 1000  # noqa: E731
    print(f"{len(all_times):,} searches ({args.rounds} rounds of {sum(map(len, QUERIES.values()))} queries)")
    for kind, times in by_kind.items():
        print(
            f"  {kind:<24} p50 {ms(percentile(times, 50)):6.2f} ms  p99 {ms(percentile(times, 99)):6.2f} ms"
            f"  ({', '.join(f'{q!r}: {hits[q]}' for q in QUERIES[kind])})"
        )
    p50, p99 = ms(percentile(all_times, 50)), ms(percentile(all_times, 99))
    print(f"all: p50 {p50:.2f} ms  p99 {p99:.2f} ms  max {ms(max(all_times)):.2f} ms")
    print(f"target p99 < 30 ms: {'met' if p99 < 30 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
