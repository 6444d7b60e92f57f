"""Benchmark: the inventory reports over a year of ledger history, and inventory search as you type.

Builds, in a throwaway cluster, 2,000 stocked items (a quarter of them Schedule II-V), 2,000
patients, 20,000 prescriptions and a year of stock ledger: per item, a receipt every ten rows and
dispenses (each with its prescription fill) and a count adjustment between them, 101 rows per item
(202,000 rows), written with generate_series in one statement per table, the chain of
before/change/after kept exact and ``seq`` in time order. Then times, through the services:

- ``controlled-log`` over the whole year (every Schedule II-V item: ~50,000 rows) and over the
  last month, and ``inventory-valuation``: the data (query + DTOs), the CSV and the PDF;
- inventory search as you type: each prefix of a few drug names and NDCs, as typed key by key.

    .venv/bin/python bench/reports.py [--items 2000] [--rows-per-item 101] [--rounds 5]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from catalog_import import throwaway_database  # noqa: E402
from scan_lookup import percentile  # noqa: E402

from pharmacy_desktop.db.engine import make_engine, make_session_factory  # noqa: E402
from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory  # noqa: E402
from pharmacy_desktop.printing.controlled_log import controlled_log_csv, controlled_log_pdf  # noqa: E402
from pharmacy_desktop.printing.inventory_reports import valuation_csv, valuation_pdf  # noqa: E402
from pharmacy_desktop.services import inventory_reports  # noqa: E402

NAMES = ("Oxycodone", "Alprazolam", "Lisinopril", "Metformin", "Atorvastatin", "Sertraline", "Gabapentin",
         "Amlodipine", "Hydrocodone", "Zolpidem", "Levothyroxine", "Omeprazole", "Losartan", "Tramadol",
         "Lorazepam", "Prednisone", "Amoxicillin", "Simvastatin", "Clonazepam", "Montelukast")  # fmt: skip
SCHEDULES = ("CII", "CIII", "CIV", "CV")

# One statement per table; :items items, :rows ledger rows each, over the year before now.
BUILD = """
INSERT INTO prescription_schema.medications
    (ndc_code, package_ndc, drug_name, generic_name, strength, dosage_form, route, dea_schedule,
     is_controlled_substance, catalog_source)
SELECT '9' || lpad(n::text, 10, '0'), '9' || lpad(n::text, 4, '0') || '-' || lpad((n %% 10000)::text, 4, '0') || '-01',
       (:names::text[])[1 + n %% 20] || ' ' || n, (:names::text[])[1 + n %% 20], (5 * (1 + n %% 8)) || ' mg', 'TABLET', 'ORAL',
       CASE WHEN n %% 4 = 0 THEN (:schedules::text[])[1 + (n / 4) %% 4] END, n %% 4 = 0, 'bench'
FROM generate_series(1, :items) n;

INSERT INTO inventory_schema.inventory_items
    (medication_id, ndc_code, quantity_on_hand, quantity_unit, reorder_point, reorder_quantity, par_level,
     unit_cost, average_wholesale_price, bin_location)
SELECT m.id, m.ndc_code, 0, 'tablet', 100, 300, 400, 0.0100 + (n %% 97) * 0.0137, 0.0500 + (n %% 89) * 0.0411,
       chr(65 + n %% 6) || '-' || (n %% 40)
FROM prescription_schema.medications m, LATERAL (SELECT substr(m.ndc_code, 2)::int AS n) x
WHERE m.catalog_source = 'bench';

INSERT INTO inventory_schema.inventory_batches
    (inventory_item_id, batch_number, expiration_date, quantity_received, quantity_remaining, unit_cost, received_date,
     status)
SELECT i.id, 'B' || substr(i.ndc_code, 7), current_date + 30 + (substr(i.ndc_code, 2)::int %% 500), 0, 0, i.unit_cost,
       current_date - 365, 'active'
FROM inventory_schema.inventory_items i;

INSERT INTO patient_schema.patients
    (patient_number, first_name, last_name, date_of_birth, phone_primary, address_line1, city, state, zip_code)
SELECT 'B' || lpad(n::text, 7, '0'), 'First' || n, 'Last' || n, date '1950-01-01' + n * 7, '(217) 555-0100',
       n || ' Main Street', 'Springfield', 'IL', '62701'
FROM generate_series(1, 2000) n;

INSERT INTO prescription_schema.prescriptions
    (prescription_number, patient_id, prescriber_name, prescriber_npi, prescription_date, written_date,
     expiration_date, source, status)
SELECT (5000000 + n)::text, p.id, 'Dr. Bench', '1234567893', current_date - 365, current_date - 366,
       current_date + 1, 'written', 'completed'
FROM generate_series(1, 20000) n
JOIN patient_schema.patients p ON p.patient_number = 'B' || lpad((1 + n %% 2000)::text, 7, '0');

CREATE TEMP TABLE plan AS
SELECT i.id AS item_id, b.id AS batch_id, i.ndc_code, x.n AS item_no, k, gen_random_uuid() AS refill_id,
       CASE WHEN k %% 10 = 1 THEN 'receipt' WHEN k %% 10 = 0 THEN 'adjustment' ELSE 'dispensed' END AS kind,
       CASE WHEN k %% 10 = 1 THEN 300 WHEN k %% 10 = 0 THEN -1 ELSE -(1 + (k * 7 + x.n) %% 30) END AS change,
       now() - interval '365 days' + (k * interval '1 day' * 365 / :rows) + x.n * interval '1 second' AS at
FROM inventory_schema.inventory_items i
JOIN inventory_schema.inventory_batches b ON b.inventory_item_id = i.id,
LATERAL (SELECT substr(i.ndc_code, 2)::int AS n) x,
generate_series(1, :rows) k;

INSERT INTO prescription_schema.prescription_refills
    (id, prescription_id, refill_number, medication_id, ndc_code, quantity_dispensed, days_supply, filled_date,
     status, inventory_item_id, batch_id)
SELECT plan.refill_id, rx.id, plan.k, i.medication_id, plan.ndc_code, -plan.change, 30, plan.at::date, 'dispensed',
       plan.item_id, plan.batch_id
FROM plan
JOIN inventory_schema.inventory_items i ON i.id = plan.item_id
JOIN prescription_schema.prescriptions rx ON rx.prescription_number = (5000000 + 1 + (plan.item_no * 7 + plan.k) %% 20000)::text
WHERE plan.kind = 'dispensed';

INSERT INTO inventory_schema.inventory_transactions
    (seq, inventory_item_id, batch_id, transaction_type, quantity_change, quantity_before, quantity_after,
     reference_type, reference_id, reason, transaction_date)
OVERRIDING SYSTEM VALUE
SELECT row_number() OVER (ORDER BY at, item_id), item_id, batch_id, kind, change,
       coalesce(sum(change) OVER w - change, 0), sum(change) OVER w,
       CASE WHEN kind = 'dispensed' THEN 'prescription_refill' END,
       CASE WHEN kind = 'dispensed' THEN refill_id END,
       CASE WHEN kind = 'adjustment' THEN 'cycle count' END, at
FROM plan
WINDOW w AS (PARTITION BY item_id ORDER BY k ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW);

UPDATE inventory_schema.inventory_items i SET quantity_on_hand = s.total
FROM (SELECT item_id, sum(change) AS total FROM plan GROUP BY item_id) s WHERE s.item_id = i.id;
UPDATE inventory_schema.inventory_batches b SET quantity_remaining = i.quantity_on_hand,
       quantity_received = i.quantity_on_hand
FROM inventory_schema.inventory_items i WHERE i.id = b.inventory_item_id;
"""


def build(engine, items: int, rows: int) -> None:
    with engine.begin() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        sql = BUILD.replace(":names", "%(names)s").replace(":schedules", "%(schedules)s")
        sql = sql.replace(":items", "%(items)s").replace(":rows", "%(rows)s")
        with raw.cursor() as cur:
            for statement in filter(str.strip, sql.split(";\n")):
                cur.execute(
                    statement, {"names": list(NAMES), "schedules": list(SCHEDULES), "items": items, "rows": rows}
                )
            cur.execute("SELECT setval(pg_get_serial_sequence('inventory_schema.inventory_transactions', 'seq'), "
                        "(SELECT max(seq) FROM inventory_schema.inventory_transactions))")  # fmt: skip
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("REFRESH MATERIALIZED VIEW inventory_schema.inventory_summary")
        conn.exec_driver_sql("VACUUM ANALYZE")


def timed(fn: Callable[[], object], rounds: int) -> tuple[list[float], object]:
    times, result = [], None
    cpu.clear()
    for _ in range(rounds):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return times, result


cpu: list[float] = []  # this process's CPU time of each round of the last timed(): wall time less waiting


def line(what: str, times: list[float], extra: str = "") -> None:
    print(
        f"  {what:<34} median {statistics.median(times) * 1000:8.1f} ms  max {max(times) * 1000:8.1f} ms"
        f"  (client CPU {statistics.median(cpu) * 1000:7.1f} ms)  {extra}"
    )


def search_timer(uow_factory: UnitOfWorkFactory) -> tuple[str, Callable[[str], int]]:
    """The screen's search (services/inventory_view.search_stock) when it is there, else the reports
    repository's name/NDC search."""
    try:
        from pharmacy_desktop.services import accounts, auth
        from pharmacy_desktop.services.inventory_view import StockQuery, search_stock
    except ImportError:

        def repo_search(typed: str) -> int:
            with uow_factory() as uow:
                return len(uow.inventory_reports.search_items(typed))

        return "InventoryReportsRepository.search_items", repo_search
    password = "Amber-Counter-2026!"
    kinds = (("admin", "benchadmin"), ("pharmacist", "benchrph"))
    for role, name in kinds:
        admin = None if role == "admin" else auth.sign_in(uow_factory, "benchadmin", password, "bench")
        accounts.create_user(uow_factory, admin, username=name, password=password, email=f"{name}@bench.test",
                             first_name="Bench", last_name=role.title(), role=role,
                             license_number="RPH-1" if role == "pharmacist" else None)  # fmt: skip
    actor = auth.sign_in(uow_factory, "benchrph", password, "bench")
    return "inventory_view.search_stock (the screen's)", lambda typed: len(
        search_stock(uow_factory, actor, StockQuery(text=typed)).rows
    )


def main() -> int:
    parser = argparse.ArgumentParser(description="inventory reports benchmark")
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--rows-per-item", type=int, default=101)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--search-rounds", type=int, default=20)
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # each figure as soon as it is known
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(throwaway_database())
        engine = make_engine(url)
        stack.callback(engine.dispose)
        t0 = time.perf_counter()
        build(engine, args.items, args.rows_per_item)
        with engine.connect() as conn:
            ledger = conn.exec_driver_sql("SELECT count(*) FROM inventory_schema.inventory_transactions").scalar_one()
        print(f"built {args.items:,} items, {ledger:,} ledger rows over a year in {time.perf_counter() - t0:.1f} s")
        # the machine may be shared: the load says how far wall times are from an idle machine's
        print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
        uow_factory = UnitOfWorkFactory(make_session_factory(engine))

        print("controlled-log, the whole year:")
        times, log = timed(lambda: inventory_reports.controlled_log(uow_factory, None), args.rounds)
        rows = sum(len(i.entries) for i in log.items)  # type: ignore[attr-defined]
        line("data (query + rows)", times, f"{len(log.items):,} items, {rows:,} rows")  # type: ignore[attr-defined]
        assert all(i.closing == i.on_hand for i in log.items)  # type: ignore[attr-defined]
        line("CSV", timed(lambda: controlled_log_csv(log), args.rounds)[0])  # type: ignore[arg-type]
        month = dt.date.today() - dt.timedelta(days=30)
        times, last = timed(lambda: inventory_reports.controlled_log(uow_factory, None, start=month), args.rounds)
        line("data, the last 30 days", times, f"{sum(len(i.entries) for i in last.items):,} rows")  # type: ignore[attr-defined]
        # a year of it is ~1,000 pages: the PDF is timed for a month (reportlab lays out ~400 rows/s here)
        pdf_times, pdf = timed(lambda: controlled_log_pdf(last), 1)  # type: ignore[arg-type]
        line("PDF of the last 30 days (once)", pdf_times, f"{len(pdf):,} bytes")  # type: ignore[arg-type]

        print("inventory-valuation:")
        times, report = timed(lambda: inventory_reports.valuation(uow_factory, None), args.rounds)
        line("data (query + rows)", times, f"{len(report.lines):,} items")  # type: ignore[attr-defined]
        line("CSV", timed(lambda: valuation_csv(report), args.rounds)[0])  # type: ignore[arg-type]
        line("PDF", timed(lambda: valuation_pdf(report), args.rounds)[0])  # type: ignore[arg-type]

        name, search = search_timer(uow_factory)
        typed = [w[:n] for w in ("oxycodone 5", "lisinopril", "metf", "zolp 10", "90000001", "9000000123")
                 for n in range(1, len(w) + 1)]  # fmt: skip
        for t in typed:
            search(t)  # warm-up
        times = [timed(lambda t=t: search(t), 1)[0][0] for _ in range(args.search_rounds) for t in typed]
        p50, p99 = percentile(times, 50) * 1000, percentile(times, 99) * 1000
        print(f"inventory search as you type, {name}: {len(times):,} searches of {len(typed)} prefixes")
        print(f"  p50 {p50:.2f} ms  p99 {p99:.2f} ms  max {max(times) * 1000:.2f} ms  (target p99 < 30 ms)")
        # the same typing against the screen's query alone, in one open unit of work: what the service
        # adds is its own transaction (acting user and account check, the permission in the statement)
        from pharmacy_desktop.services.inventory_view import search_terms

        with uow_factory() as uow:
            times = [
                timed(lambda t=t: uow.inventory_view.search(**search_terms(t), limit=101), 1)[0][0]
                for _ in range(args.search_rounds)
                for t in typed
            ]
        p50, p99 = percentile(times, 50) * 1000, percentile(times, 99) * 1000
        print(f"  the name/NDC query alone (InventoryViewRepository.search): p50 {p50:.2f} ms  p99 {p99:.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
