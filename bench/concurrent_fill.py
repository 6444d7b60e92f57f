"""Benchmark: 8 workstations (processes, own connections) x 250 fills through the fill service.

A handful of hot items run out mid-run, so fills race for the last units of a lot and of an item;
a short fill is offered as a partial fill and taken half of the time; 5 % of the scans are the
wrong bottle (hard stop). Afterwards the ledger is checked:

- no negative on-hand, no negative batch;
- for every item and every batch: initial quantity + sum of its transactions = final quantity,
  and every item's on-hand still equals the sum of its batches;
- every successful fill has exactly one refill row and one transaction per lot it drew from
  (exactly one unless it spanned lots), summing to the quantity dispensed, and a label job;
- every refused fill left nothing behind (no refill, no transaction, the Rx still validated).

    .venv/bin/python bench/concurrent_fill.py [--workers 8] [--fills 250] [--database-url URL]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import multiprocessing as mp
import random
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_patients import add_patients  # noqa: E402
from scan_lookup import percentile  # noqa: E402

from pharmacy_desktop.config import libpq_url  # noqa: E402
from pharmacy_desktop.domain.barcodes import build_gs1_element_string, ndc_to_gtin14, ndc_to_upc_a  # noqa: E402
from pharmacy_desktop.domain.ndc import to_ndc11  # noqa: E402

TODAY = dt.date.today()
PASSWORD = "Counter-Speed-2026!"
# (package NDC, name, strength, lots as (lot, days to expiry, quantity)); the first three run out
PRODUCTS = (
    ("64725-1020-1", "Lisinopril", "20 mg", [("LIS-A", 40, 4000), ("LIS-B", 200, 8000), ("LIS-X", -3, 300)]),
    ("0093-7214-01", "Atorvastatin Calcium", "40 mg", [("ATV-A", 90, 6000), ("ATV-B", 300, 6000)]),
    ("68180-514-01", "Metformin Hydrochloride", "500 mg", [("MET-A", 25, 5000), ("MET-B", 400, 7000)]),
    ("0378-1805-10", "Amlodipine Besylate", "5 mg", [("AML-A", 365, 40_000)]),
    ("0591-0405-01", "Sertraline Hydrochloride", "50 mg", [("SRT-A", 120, 20_000), ("SRT-B", 500, 20_000)]),
)
HOT_WEIGHT = (5, 5, 5, 2, 2)
QUANTITIES = (28, 30, 30, 60, 90)
WRONG_BOTTLE_SHARE = 0.05
LOT_SCAN_SHARE = 0.2


# -- set-up --------------------------------------------------------------------------------------


def setup(url: str, n_rx: int, seed: int):
    from pharmacy_desktop.db.engine import make_engine, make_session_factory
    from pharmacy_desktop.db.models.inventory import InventoryBatch, InventoryItem
    from pharmacy_desktop.db.models.prescriptions import Medication, Prescription, PrescriptionItem
    from pharmacy_desktop.db.models.users import PharmacyProfile
    from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
    from pharmacy_desktop.services import auth

    rng = random.Random(seed)
    engine = make_engine(url)
    factory = UnitOfWorkFactory(make_session_factory(engine), workstation="bench")
    admin = auth.create_user(
        factory,
        None,
        username="benchadmin",
        password=PASSWORD,
        email="a@bench.test",
        first_name="Bench",
        last_name="Admin",
        role="admin",
    )
    admin_actor = auth.sign_in(factory, "benchadmin", PASSWORD, "bench")
    auth.create_user(
        factory,
        admin_actor,
        username="benchtech",
        password=PASSWORD,
        email="t@bench.test",
        first_name="Bench",
        last_name="Tech",
        role="technician",
    )
    tech = auth.sign_in(factory, "benchtech", PASSWORD, "bench")
    del admin
    plan = []
    with factory() as uow:
        s = uow.session
        s.add(
            PharmacyProfile(
                id=1,
                name="Bench Pharmacy",
                address_line1="1 Bench St",
                city="Springfield",
                state="IL",
                zip_code="62701",
                phone="(217) 555-0199",
            )
        )
        meds, lots = [], []
        for package, name, strength, batches in PRODUCTS:
            med = Medication(
                ndc_code=to_ndc11(package),
                package_ndc=package,
                drug_name=name,
                generic_name=name,
                strength=strength,
                dosage_form="TABLET",
                route="ORAL",
                package_description=f"1000 TABLET in 1 BOTTLE ({package})",
                is_generic=True,
            )
            s.add(med)
            s.flush()
            item = InventoryItem(
                medication_id=med.id,
                ndc_code=med.ndc_code,
                quantity_unit="tablet",
                quantity_on_hand=Decimal(sum(q for _, _, q in batches)),
                reorder_point=Decimal(100),
                reorder_quantity=Decimal(1000),
            )
            s.add(item)
            s.flush()
            for lot, days, qty in batches:
                s.add(
                    InventoryBatch(
                        inventory_item_id=item.id,
                        batch_number=lot,
                        expiration_date=TODAY + dt.timedelta(days=days),
                        quantity_received=Decimal(qty),
                        quantity_remaining=Decimal(qty),
                        received_date=TODAY - dt.timedelta(days=10),
                    )
                )
            meds.append(med)
            lots.append(batches)
        patients = add_patients(s, 200, number_prefix="B", last_name="Bench", first_birth_year=1950)
        s.flush()
        now = dt.datetime.now(dt.UTC)
        for n in range(n_rx):
            k = rng.choices(range(len(PRODUCTS)), weights=HOT_WEIGHT)[0]
            med = meds[k]
            qty = rng.choice(QUANTITIES)
            rx = Prescription(
                prescription_number=str(5_000_000 + n),
                patient_id=patients[n % len(patients)].id,
                prescriber_name="Dr. Bench",
                prescriber_npi="1234567893",
                prescription_date=TODAY,
                written_date=TODAY,
                expiration_date=TODAY + dt.timedelta(days=365),
                source="written",
                status="validated",
                received_at=now,
                validated_at=now,
            )
            rx.items = [
                PrescriptionItem(
                    medication_id=med.id,
                    written_medication_name=f"{med.drug_name} {med.strength}",
                    quantity=Decimal(qty),
                    quantity_unit="tablet",
                    days_supply=qty,
                    sig="1 T PO QD",
                    directions="Take 1 tablet by mouth once a day",
                    refills_authorized=0,
                    refills_remaining=0,
                )
            ]
            s.add(rx)
            r = rng.random()
            package = PRODUCTS[k][0]
            if r < WRONG_BOTTLE_SHARE:
                scan = ndc_to_upc_a(PRODUCTS[(k + 1) % len(PRODUCTS)][0])
            elif r < WRONG_BOTTLE_SHARE + LOT_SCAN_SHARE:
                lot, days, _ = rng.choice([b for b in lots[k] if b[1] > 0])
                scan = "]d2" + build_gs1_element_string(
                    ndc_to_gtin14(package), expiry=TODAY + dt.timedelta(days=days), lot=lot
                )
            else:
                scan = ndc_to_upc_a(package)
            plan.append((rx, scan))
        s.flush()
        jobs = [(rx.id, scan) for rx, scan in plan]
        uow.commit()
    engine.dispose()
    return tech, jobs


def ledger(url: str) -> tuple[dict, dict]:
    with psycopg.connect(libpq_url(url)) as conn:
        items = dict(conn.execute("SELECT id, quantity_on_hand FROM inventory_schema.inventory_items").fetchall())
        batches = dict(conn.execute("SELECT id, quantity_remaining FROM inventory_schema.inventory_batches").fetchall())
    return items, batches


# -- workers -------------------------------------------------------------------------------------


def worker(url: str, actor, jobs: list[tuple[uuid.UUID, str]], seed: int, barrier, out) -> None:
    from pharmacy_desktop.db.engine import make_engine, make_session_factory
    from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
    from pharmacy_desktop.services import fill

    rng = random.Random(seed)
    engine = make_engine(url, pool_size=1, max_overflow=0, application_name=f"bench-ws{seed}")
    factory = UnitOfWorkFactory(make_session_factory(engine), workstation=f"bench-ws{seed}")
    with factory() as uow:  # connect before the start line
        uow.session.execute(__import__("sqlalchemy").text("SELECT 1"))
    results = []
    barrier.wait()
    for rx_id, scan in jobs:
        partial = False
        while True:
            t0 = time.perf_counter()
            try:
                r = fill.fill(factory, actor, rx_id, scan, partial=partial)
                results.append(
                    (
                        "filled",
                        rx_id,
                        time.perf_counter() - t0,
                        r.refill_id,
                        r.quantity,
                        r.is_partial,
                        len(r.lines),
                        r.attempts,
                        r.label_job_id is not None,
                    )
                )
                break
            except fill.InsufficientStock as exc:
                elapsed = time.perf_counter() - t0
                if exc.check.partial_possible and not partial and rng.random() < 0.5:
                    results.append(("offered_partial", rx_id, elapsed, None, None, False, 0, 1, False))
                    partial = True
                    continue
                results.append(("insufficient", rx_id, elapsed, None, None, False, 0, 1, False))
                break
            except fill.WrongProduct:
                results.append(("hard_stop", rx_id, time.perf_counter() - t0, None, None, False, 0, 1, False))
                break
            except fill.FillRefused as exc:
                results.append(
                    (f"refused: {exc.message[:60]}", rx_id, time.perf_counter() - t0, None, None, False, 0, 1, False)
                )
                break
    engine.dispose()
    out.put(results)


# -- checks --------------------------------------------------------------------------------------


def check(url: str, before: tuple[dict, dict], results: list[tuple]) -> list[str]:
    problems: list[str] = []
    items0, batches0 = before
    items1, batches1 = ledger(url)
    with psycopg.connect(libpq_url(url)) as conn:
        q = conn.execute
        if n := q("SELECT count(*) FROM inventory_schema.inventory_items WHERE quantity_on_hand < 0").fetchone()[0]:
            problems.append(f"{n} items with negative on-hand")
        if n := q("SELECT count(*) FROM inventory_schema.inventory_batches WHERE quantity_remaining < 0").fetchone()[0]:
            problems.append(f"{n} batches with negative quantity")
        by_item = dict(
            q(
                "SELECT inventory_item_id, sum(quantity_change) FROM inventory_schema.inventory_transactions GROUP BY 1"
            ).fetchall()
        )
        by_batch = dict(
            q(
                "SELECT batch_id, sum(quantity_change) FROM inventory_schema.inventory_transactions"
                " WHERE batch_id IS NOT NULL GROUP BY 1"
            ).fetchall()
        )
        for item, start in items0.items():
            if start + by_item.get(item, 0) != items1[item]:
                problems.append(f"item {item}: {start} + {by_item.get(item, 0)} != {items1[item]}")
        for batch, start in batches0.items():
            if start + by_batch.get(batch, 0) != batches1[batch]:
                problems.append(f"batch {batch}: {start} + {by_batch.get(batch, 0)} != {batches1[batch]}")
        sums = dict(
            q(
                "SELECT inventory_item_id, sum(quantity_remaining) FROM inventory_schema.inventory_batches GROUP BY 1"
            ).fetchall()
        )
        for item, on_hand in items1.items():
            if sums.get(item, 0) != on_hand:
                problems.append(f"item {item}: on hand {on_hand} but its batches hold {sums.get(item, 0)}")
        refills = {
            r[0]: r
            for r in q(
                "SELECT id, prescription_id, quantity_dispensed, label_job_id FROM prescription_schema.prescription_refills"
            ).fetchall()
        }
        per_rx = dict(
            q("SELECT prescription_id, count(*) FROM prescription_schema.prescription_refills GROUP BY 1").fetchall()
        )
        moves = {}
        for ref, n, total in q(
            "SELECT reference_id, count(*), sum(quantity_change) FROM"
            " inventory_schema.inventory_transactions GROUP BY 1"
        ).fetchall():
            moves[ref] = (n, total)
        statuses = dict(q("SELECT id, status FROM prescription_schema.prescriptions").fetchall())
    filled = [r for r in results if r[0] == "filled"]
    refused_rx = {r[1] for r in results if r[0] not in ("filled", "offered_partial")}
    spanning = 0
    for _, rx_id, _, refill_id, qty, _, lines, _, labelled in filled:
        if per_rx.get(rx_id) != 1 or refill_id not in refills:
            problems.append(f"Rx {rx_id}: {per_rx.get(rx_id, 0)} refill rows")
            continue
        n, total = moves.get(refill_id, (0, 0))
        if n != lines or total != -qty or refills[refill_id][2] != qty:
            problems.append(f"refill {refill_id}: {n} transactions summing {total} for {qty} dispensed")
        if n > 1:
            spanning += 1
        if not labelled or refills[refill_id][3] is None:
            problems.append(f"refill {refill_id}: no label job")
        if statuses[rx_id] != "in_progress":
            problems.append(f"Rx {rx_id} filled but '{statuses[rx_id]}'")
    for rx_id in refused_rx:
        if per_rx.get(rx_id) or statuses[rx_id] != "validated":
            problems.append(
                f"refused Rx {rx_id} left something behind ({per_rx.get(rx_id)} refills, {statuses[rx_id]})"
            )
    if len(moves) != len(refills) + (1 if None in moves else 0):
        problems.append(f"{len(moves)} transaction references for {len(refills)} refills")
    print(f"fills that drew from two lots (one transaction per lot): {spanning}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description="concurrent fill benchmark")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--fills", type=int, default=250, help="fills per worker")
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--database-url", help="an empty database migrated to head (default: a throwaway cluster)")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        if args.database_url:
            url = args.database_url
        else:
            from catalog_import import throwaway_database

            url = stack.enter_context(throwaway_database())
        n = args.workers * args.fills
        actor, jobs = setup(url, n, args.seed)
        before = ledger(url)
        ctx = mp.get_context("spawn")
        barrier = ctx.Barrier(args.workers + 1)
        out = ctx.Queue()
        procs = [
            ctx.Process(target=worker, args=(url, actor, jobs[i :: args.workers], args.seed + i, barrier, out))
            for i in range(args.workers)
        ]
        for p in procs:
            p.start()
        barrier.wait()
        t0 = time.perf_counter()
        results = []
        for _ in procs:
            results.extend(out.get())
        wall = time.perf_counter() - t0
        for p in procs:
            p.join()
        counts: dict[str, int] = {}
        for r in results:
            counts[r[0]] = counts.get(r[0], 0) + 1
        filled = [r for r in results if r[0] == "filled"]
        lat = [r[2] * 1000 for r in filled]
        all_lat = [r[2] * 1000 for r in results]
        print(
            f"{args.workers} workers x {args.fills} prescriptions = {n}; {len(results)} service calls in {wall:.1f} s"
        )
        print("outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
        print(
            f"partial fills: {sum(1 for r in filled if r[5])}; retried after a lost race: "
            f"{sum(1 for r in filled if r[7] > 1)}"
        )
        print(f"fills/s: {len(filled) / wall:.1f}   service calls/s: {len(results) / wall:.1f}")
        print(
            f"successful fill latency ms: p50 {percentile(lat, 50):.1f}  p99 {percentile(lat, 99):.1f}  "
            f"max {max(lat):.1f}"
        )
        print(f"all calls latency ms:       p50 {percentile(all_lat, 50):.1f}  p99 {percentile(all_lat, 99):.1f}")
        items1, _ = ledger(url)
        print("stock left per item: " + ", ".join(str(v) for v in items1.values()))
        problems = check(url, before, results)
        if problems:
            print(f"INVARIANTS VIOLATED ({len(problems)}):")
            for p in problems[:20]:
                print("  " + p)
            return 1
        print(
            "invariants: OK (no negative stock; ledger sums match items and batches; one refill row per fill, "
            "transactions = lots drawn; refused fills left nothing)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
