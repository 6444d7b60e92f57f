"""Benchmark: DUR of a new prescription for a patient with 15 active medications, with the clinical
tables at the size of a licensed feed (>= 100,000 interaction rows).

A throwaway cluster, migrated (so it holds the curated seed of resources/clinical/ when there is
one), with the demo catalog extract imported (its FDA EPC classes derived). A synthetic feed is
written as CSV in the documented format and loaded with ``clinical_load.load_directory`` (timed):
interactions between the catalog's real ingredients and classes and made-up ones (most rows never
match, as in a real feed, where a drug has tens to hundreds of partners) plus random pairs among
the real ingredients and classes (many of which do match the patient's drugs), drug-disease rules
by the thousand. Then a patient with 15 active prescriptions and one new prescription, written
through the ORM (tests/fill/factories.py), and three timings, each ``--rounds`` times after a
warm-up:

- ``run_dur``: ``services.dur_review.run_dur`` for the new prescription, as the review screen
  runs it (gather the patient, drugs and knowledge, run every check, write the validation rows),
  rolled back so every round sees the same database; four statements (``--profile run_dur`` lists
  them): start the run (supersede, the patient, this and the other active items), the knowledge
  (with the pharmacy's own pairs), the validation rows, the DurChecked event;
- ``knowledge_for``: the clinical repository call alone (its share of the above);
- ``dur check``: ``services.dur_case.check_case`` for the same drugs from JSON (the command's engine).

Each line gives wall time percentiles and this process's CPU time (p50): on a shared machine the
wall time follows the load, the CPU time much less (compare with the "unit of work only" line).

    .venv/bin/python bench/dur.py [--rounds 200] [--interactions 120000]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))
from catalog_import import REAL_CATALOG, throwaway_database  # noqa: E402
from scan_lookup import percentile  # noqa: E402

from pharmacy_desktop.db import clinical_load  # noqa: E402
from pharmacy_desktop.db.clinical_format import SPECS  # noqa: E402
from pharmacy_desktop.db.engine import make_engine, make_session_factory  # noqa: E402
from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory  # noqa: E402
from pharmacy_desktop.domain.dur_facts import normalize_ingredient  # noqa: E402
from pharmacy_desktop.services import dur_case, dur_review  # noqa: E402
from pharmacy_desktop.services.catalog_import import import_catalog  # noqa: E402
from tests.fill.factories import add_patient, add_pharmacy, add_prescription  # noqa: E402

SEED = 20261203
SEVERITIES = ("contraindicated", "serious", "significant", "significant", "minor", "minor")
SOURCE = "Synthetic benchmark feed (not clinical data)"
# the patient's 16 drugs: common chronic generics of the demo extract, tablets and capsules
WANTED = (
    "warfarin", "metoprolol", "lisinopril", "atorvastatin", "metformin", "amlodipine", "sertraline",
    "omeprazole", "levothyroxine", "gabapentin", "furosemide", "simvastatin", "hydrochlorothiazide",
    "losartan", "alprazolam", "tramadol", "clopidogrel", "ibuprofen", "carvedilol", "prednisone",
)  # fmt: skip


def _write(path: Path, name: str, rows: list[list[object]]) -> None:
    header = {s.file: s.names for s in SPECS}.get(name, ("name", "description"))
    with open(path / name, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def synthetic_feed(folder: Path, ingredients: list[str], classes: list[str], interactions: int) -> dict[str, int]:
    rng = random.Random(SEED)
    folder.mkdir(parents=True, exist_ok=True)
    real = [("ingredient", i) for i in ingredients] + [("class", c) for c in classes]
    pairs: set[tuple[tuple[str, str], tuple[str, str]]] = set()
    while len(pairs) < interactions:
        a = rng.choice(real)
        if rng.random() < 0.85:
            b = ("ingredient", f"synthetic drug {rng.randrange(interactions // 4)}")
        else:
            b = rng.choice(real)
        if a != b:
            pairs.add((min(a, b), max(a, b)))
    rows: list[list[object]] = [
        [*a, *b, rng.choice(SEVERITIES), "Synthetic mechanism for the benchmark", "Synthetic management", SOURCE]
        for a, b in sorted(pairs)
    ]
    _write(folder, "interactions.csv", rows)
    disease: set[tuple[str, str, str]] = set()
    while len(disease) < interactions // 5:
        kind, subject = rng.choice(real)
        disease.add((kind, subject, f"{rng.choice('EIJKMN')}{rng.randrange(10, 99)}.{rng.randrange(10)}"))
    _write(
        folder,
        "disease_rules.csv",
        [
            [k, s, p, "synthetic condition", rng.choice(SEVERITIES), "Synthetic drug-disease rule", SOURCE]
            for k, s, p in sorted(disease)
        ],
    )
    _write(folder, "sources.csv", [["synthetic-bench-feed", "Synthetic rows at the size of a licensed feed"]])
    return {"interactions": len(rows), "disease_rules": len(disease)}


def _stats(times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    return f"p50 {percentile(ms, 50):6.2f} ms  p99 {percentile(ms, 99):6.2f} ms  max {ms[-1]:6.2f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description="DUR benchmark")
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--interactions", type=int, default=120_000)
    parser.add_argument(
        "--profile",
        choices=("run_dur", "knowledge_for", "dur_check"),
        help="statement times of knowledge_for, the rules statement's plan, and a cProfile of this one",
    )
    args = parser.parse_args()
    with throwaway_database() as url, tempfile.TemporaryDirectory(prefix="pharmacy-bench-dur-") as tmp:
        import_catalog(url, REAL_CATALOG, partial=True, today=dt.date.today())
        engine = make_engine(url)
        uow_factory = UnitOfWorkFactory(make_session_factory(engine))
        raw = engine.raw_connection()
        conn = raw.driver_connection
        substances = [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT substance_name FROM prescription_schema.drug_products WHERE substance_name IS NOT NULL AND position(';' IN substance_name) = 0"
            )
        ]
        classes = [r[0] for r in conn.execute("SELECT code FROM prescription_schema.clinical_classes")]
        conn.commit()
        ingredients = sorted({normalize_ingredient(s) for s in substances})
        sizes = synthetic_feed(Path(tmp) / "feed", ingredients, classes, args.interactions)
        t0 = time.perf_counter()
        loaded = clinical_load.load_directory(conn, Path(tmp) / "feed", replace=False)
        load_s = time.perf_counter() - t0
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
        counts = {
            t: conn.execute(f"SELECT count(*) FROM prescription_schema.{t}").fetchone()[0]  # type: ignore[index]
            for t in (
                "clinical_interactions",
                "clinical_disease_rules",
                "clinical_ingredient_classes",
                "clinical_classes",
                "drug_interactions",
            )
        }
        conn.autocommit = False  # the pool hands this connection on: its units of work must be able to roll back
        raw.close()

        with uow_factory() as uow:
            add_pharmacy(uow)
            meds = []
            for generic in WANTED:
                med = uow.session.execute(dur_text(), {"g": f"{generic}%"}).scalar()
                if med is not None:
                    meds.append(uow.catalog.by_id(med))
            meds = meds[:16]
            patient = add_patient(uow, "Bench", "Patient")
            for med in meds[:-1]:
                add_prescription(uow, patient, med, status="completed")
            new_rx = add_prescription(uow, patient, meds[-1], status="received", sig="1 tab po bid", quantity=60)
            ndcs = [m.package_ndc or m.ndc_code for m in meds]
            names = [m.generic_name for m in meds]
            new_id, patient_id = new_rx.id, patient.id
            uow.commit()
        print(f"catalog: demo extract; patient drugs ({len(meds)}): {', '.join(n or '?' for n in names)}")
        print(f"synthetic feed: {sizes} loaded in {load_s:.1f} s ({loaded.row_count:,} rows, merge)")
        print(f"clinical tables: {counts}")

        case = {
            "today": dt.date.today().isoformat(),
            "patient": {"birth_date": "1950-03-01", "sex": "F", "weight_kg": 60, "conditions": ["N18.4", "asthma"], "allergies": [{"allergen": "penicillin"}, {"allergen": "sulfa"}]},
            "active": [{"ndc": n, "sig": "1 tab po qd", "last_fill_date": dt.date.today().isoformat(), "days_supply": 30, "quantity": 30} for n in ndcs[:-1]],
            "new": {"ndc": ndcs[-1], "sig": "1 tab po bid", "quantity": 60, "days_supply": 30, "refills": 0, "written_date": dt.date.today().isoformat()},
        }  # fmt: skip
        ingredient_keys = sorted({normalize_ingredient(n or "") for n in names})

        def run_dur() -> int:
            with uow_factory() as uow:
                return len(dur_review.run_dur(uow, new_id))  # not committed: rolled back

        def knowledge() -> int:
            with uow_factory() as uow:
                k = uow.clinical.knowledge_for(ingredient_keys, ["penicillin", "sulfa"], ["N18.4", "asthma"])
                return len(k.interactions)

        def empty_uow() -> int:
            with uow_factory() as uow:
                return int(uow.clinical.is_loaded())

        def dur_check() -> int:
            return len(dur_case.check_case(uow_factory, case).alerts)

        for label, fn in (
            ("unit of work only", empty_uow),
            ("run_dur (review)", run_dur),
            ("knowledge_for", knowledge),
            ("dur check (JSON)", dur_check),
        ):
            result = fn()  # warm-up
            times, cpu = [], []
            for _ in range(args.rounds):
                t0, c0 = time.perf_counter(), time.process_time()
                fn()
                times.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
            client = percentile(sorted(c * 1000 for c in cpu), 50)
            print(
                f"{label:<18} {_stats(times)}  client CPU p50 {client:5.2f} ms  ({result} rows/alerts, {args.rounds} rounds)"
            )
        if args.profile:
            target = {"run_dur": run_dur, "knowledge_for": knowledge, "dur_check": dur_check}[args.profile]
            _statement_times(engine, target)
            _explain_rules(engine, ingredient_keys)
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.runcall(lambda: [target() for _ in range(20)])
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        print(
            f"load average (1/5/15 min) at the end: {' / '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs"
        )
        print(f"patient {patient_id} keeps {len(meds) - 1} active prescriptions")
        with uow_factory() as uow:
            kept = uow.session.execute(_kept_rows(), {"rx": new_id}).scalar()
        print(f"validation rows the rounds left behind (rolled back, so 0): {kept}")
        engine.dispose()
    return 0


def _statement_times(engine, fn) -> None:  # type: ignore[no-untyped-def]
    """Each statement's share of ``fn`` (20 rounds): where the time goes."""
    from sqlalchemy import event

    spent: dict[str, list[float]] = {}
    started: list[float] = []

    def before(*_args):  # type: ignore[no-untyped-def]
        started.append(time.perf_counter())

    def after(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        key = " ".join(statement.split())[:90]
        spent.setdefault(key, []).append(time.perf_counter() - started.pop())

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    for _ in range(20):
        fn()
    event.remove(engine, "before_cursor_execute", before)
    event.remove(engine, "after_cursor_execute", after)
    for key, times in sorted(spent.items(), key=lambda kv: -sum(kv[1])):
        print(f"{sum(times) / 20 * 1000:7.2f} ms/run  x{len(times) // 20}  {key}")


def _explain_rules(engine, ingredients: list[str]) -> None:  # type: ignore[no-untyped-def]
    """The server's plan and time for the one statement that reads the knowledge (terms, classes,
    every rule, the pharmacy's own pairs): ``clinical._KNOWLEDGE_SQL``."""
    from pharmacy_desktop.db.repositories import clinical

    params = {
        "terms": ["penicillin", "sulfa"],
        "conditions": ["asthma", "n18.4"],
        "class_keys": sorted({*ingredients, "penicillin", "sulfa"}),
        "ingredients": ingredients,
        "legacy_keys": ingredients,
    }
    with engine.connect() as conn:
        sql = str(clinical._KNOWLEDGE_SQL.compile(conn))
        plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + sql, params).fetchall()
    for (line,) in plan:
        if "Execution" in line or "Planning" in line or "Scan" in line:
            print("   ", line.strip()[:150])


def _kept_rows():  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    return text("SELECT count(*) FROM prescription_schema.prescription_validations WHERE prescription_id = :rx")


def dur_text():  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    return text(
        "SELECT id FROM prescription_schema.medications WHERE generic_name ILIKE :g AND "
        "(dosage_form ILIKE 'TABLET%' OR dosage_form ILIKE 'CAPSULE%') ORDER BY ndc_code LIMIT 1"
    )


if __name__ == "__main__":
    raise SystemExit(main())
