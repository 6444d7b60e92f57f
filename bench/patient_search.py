"""Benchmark: patient search as you type over 100,000 generated patients.

Every query is typed one key at a time and each prefix from the third character on is searched
the way the counter does it: ``services.patients.search_patients`` (unit of work, name prefix
search, trigram fragment fallback, allergy names of the hits). Names follow a realistic skew:
most patients share a few hundred common surnames ("Smith" matches about a thousand), the rest
have rarer ones. Prints p50/p99 per kind of query and overall; the target is under 100 ms.

    .venv/bin/python bench/patient_search.py [--patients 100000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import random
import sys
import time
import uuid
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from catalog_import import throwaway_database  # noqa: E402
from scan_lookup import percentile  # noqa: E402

from pharmacy_desktop.config import libpq_url  # noqa: E402
from pharmacy_desktop.db.engine import make_engine, make_session_factory  # noqa: E402
from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory  # noqa: E402
from pharmacy_desktop.services.auth import Actor  # noqa: E402
from pharmacy_desktop.services.patients import search_patients  # noqa: E402

SEED = 20261126
COMMON_LAST = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez "
    "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark "
    "Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams "
    "Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker "
    "Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper "
    "Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James "
    "Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez "
    "Smithers Smithson O'Brien McDonald"
).split()
FIRST = (
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan "
    "Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty Anthony Margaret "
    "Mark Sandra Donald Ashley Steven Kimberly Paul Emily Andrew Donna Joshua Michelle Kenneth Carol Kevin "
    "Amanda Brian Dorothy George Melissa Timothy Deborah Ronald Stephanie Edward Rebecca Jason Sharon "
    "Jeffrey Laura Ryan Cynthia Jacob Kathleen Gary Amy Nicholas Angela Eric Shirley Jonathan Anna Maria "
    "Jose Luis Ana Carmen Wei Mei Minh Linh Aisha Omar Priya Raj"
).split()
SYLLABLES = "ka ri mo ta lo ve sa ne bri chen dal fen gor hal jin kor lan mar nor pel quin ros stav tor ul vin wex yar zel".split()

QUERIES = {
    "common surname": ["smith", "garcia", "johnson", "nguyen"],
    "surname, first": ["smith, john", "garcia, maria", "lee, wei"],
    "rare surname": ["stavkori", "quinmar", "zelpel"],
    "fragment (first name / inside)": ["maria", "priya", "ithers", "john smith"],
    "date of birth": ["03/04/1980", "1961-05-17", "12/01/1975"],
    "phone": ["555-0142", "(217) 555-0199", "2175550123", "0123"],
    "patient number": ["P150000", "P100001", "P199999"],
}


def surname(rng: random.Random) -> str:
    if rng.random() < 0.7:
        return rng.choice(COMMON_LAST)
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def phone(rng: random.Random) -> str:
    digits = f"{rng.choice(('217', '312', '630', '773'))}555{rng.randint(0, 9999):04d}"
    style = rng.randrange(3)
    if style == 0:
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    if style == 1:
        return f"{digits[:3]}.{digits[3:6]}.{digits[6:]}"
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"


def load_patients(url: str, count: int) -> None:
    rng = random.Random(SEED)
    start = dt.date(1925, 1, 1)
    with psycopg.connect(libpq_url(url)) as conn:
        with conn.cursor() as cur:
            with cur.copy(
                "COPY patient_schema.patients (id, patient_number, first_name, last_name, date_of_birth, "
                "phone_primary, address_line1, city, state, zip_code) FROM STDIN"
            ) as copy:
                for i in range(count):
                    copy.write_row(
                        (
                            uuid.UUID(int=rng.getrandbits(128)),
                            f"P{100001 + i}",
                            rng.choice(FIRST),
                            surname(rng),
                            start + dt.timedelta(days=rng.randrange(36500)),
                            phone(rng),
                            f"{rng.randint(1, 9999)} Main St",
                            "Springfield",
                            "IL",
                            "62701",
                        )
                    )
            cur.execute(
                "INSERT INTO patient_schema.patient_allergies (patient_id, allergen_type, allergen_name) "
                "SELECT id, 'drug', 'Penicillin' FROM patient_schema.patients WHERE random() < 0.1"
            )
            cur.execute("ANALYZE patient_schema.patients")
            cur.execute("ANALYZE patient_schema.patient_allergies")
        conn.commit()


def typed(query: str) -> list[str]:
    """What the search box holds after each key, from the third character."""
    return [query[:n] for n in range(3, len(query) + 1)]


def main() -> int:
    parser = argparse.ArgumentParser(description="patient search-as-you-type benchmark")
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url", help="use this database, already holding the patients")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        url = args.database_url or stack.enter_context(throwaway_database())
        if not args.database_url:
            began = time.perf_counter()
            load_patients(url, args.patients)
            print(f"loaded {args.patients:,} patients in {time.perf_counter() - began:.1f} s")
        engine = make_engine(url)
        stack.callback(engine.dispose)
        factory = UnitOfWorkFactory(make_session_factory(engine), workstation="bench")
        actor = Actor(uuid.uuid4(), "bench", "Bench", "technician", frozenset({"patient.view"}), None, "bench")
        for text in ("smi", "smith", "0142"):  # warm the pool and the caches
            search_patients(factory, actor, text)
        everything: list[float] = []
        print(f"{'query kind':34} {'searches':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}  hits (last prefix)")
        for kind, queries in QUERIES.items():
            times: list[float] = []
            hits: list[str] = []
            for _ in range(args.rounds):
                for query in queries:
                    for text in typed(query):
                        began = time.perf_counter()
                        found = search_patients(factory, actor, text)
                        times.append((time.perf_counter() - began) * 1000)
                    hits.append(f"{query}={len(found)}")
            everything += times
            print(
                f"{kind:34} {len(times):8d} {percentile(times, 50):8.1f} {percentile(times, 99):8.1f} "
                f"{max(times):8.1f}  {', '.join(hits[: len(queries)])}"
            )
        print(
            f"{'all as-you-type searches':34} {len(everything):8d} {percentile(everything, 50):8.1f} "
            f"{percentile(everything, 99):8.1f} {max(everything):8.1f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
