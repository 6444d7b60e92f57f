"""Soak: N workstations doing a counter's day, over and over, through the real services.

Each workstation (a thread with its own engine and connection pool, signed in as its own
technician and pharmacist) loops: intake (a new prescription) -> clinical review (open, clear
every DUR alert, approve) -> fill (open, scan the bottle) -> final verification (open, scan the
bottle, approve into a will-call bin) -> will-call (look the bin up) -> pickup (open the patient's
pickup, quote the bag, complete the sale in cash: date of birth, counseling declined, signature).
The soak's patients have no insurance: the bag sells at the cash price (AWP x quantity + fee).

Watched meanwhile:

- change notices: one LISTEN connection hears them all; every unit of work counts the notices it
  committed, and every status transition made must have been heard (no notice lost);
- memory: this process's RSS, sampled every few seconds;
- connections: pg_stat_activity for the database, sampled the same way; at the end, with every
  workstation's engine disposed, the count must be back to the baseline (no connection leak).

    .venv/bin/python bench/soak.py [--minutes 1] [--workstations 8] [--database-url URL]

Exit status 1 when a service call failed, a notice was lost or connections did not come back.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import json
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_patients import add_patients  # noqa: E402
from scan_lookup import percentile  # noqa: E402

from pharmacy_desktop.config import libpq_url  # noqa: E402
from pharmacy_desktop.db.engine import make_engine, make_session_factory  # noqa: E402
from pharmacy_desktop.db.unit_of_work import CHANGE_CHANNEL, UnitOfWork, UnitOfWorkFactory  # noqa: E402
from pharmacy_desktop.domain.barcodes import ndc_to_upc_a  # noqa: E402
from pharmacy_desktop.domain.ndc import to_ndc11  # noqa: E402

PASSWORD = "Amber-Steady-2026!"
NPI = "1234567893"
TODAY = dt.date.today()
# (package NDC, name, strength); stock deep enough that nothing runs out in hours
PRODUCTS = (
    ("64725-1020-1", "Lisinopril", "20 mg"),
    ("0093-7214-01", "Atorvastatin Calcium", "40 mg"),
    ("68180-514-01", "Metformin Hydrochloride", "500 mg"),
    ("0378-1805-10", "Amlodipine Besylate", "5 mg"),
    ("0591-0405-01", "Sertraline Hydrochloride", "50 mg"),
)
STOCK_PER_PRODUCT = 10_000_000
PATIENTS = 300
TRANSITIONS = ("received", "validated", "in_progress", "ready", "completed")
AWP_PER_TABLET = Decimal("0.12")  # the cash price needs a price: AWP x quantity + the fee
DISPENSING_FEE = Decimal("2.00")


# -- counting what is sent ------------------------------------------------------------------------


class NoticeCount:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.sent = 0

    def add(self, n: int) -> None:
        with self._lock:
            self.sent += n


class _CountingUnitOfWork(UnitOfWork):
    """The app's unit of work; after a successful commit it adds the notices it sent."""

    counter: NoticeCount

    def commit(self) -> None:
        notices = len(self._notices)
        super().commit()
        self.counter.add(notices)


class CountingFactory(UnitOfWorkFactory):
    def __init__(self, session_factory, counter: NoticeCount, *, workstation: str) -> None:
        super().__init__(session_factory, workstation=workstation)
        self.counter = counter

    def __call__(self, actor_id: uuid.UUID | None = None) -> UnitOfWork:
        uow = _CountingUnitOfWork(self.session_factory, actor_id=actor_id, workstation=self.workstation)
        uow.counter = self.counter
        return uow


# -- set-up ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    patients: list[uuid.UUID]
    meds: list[tuple[uuid.UUID, str]]  # (medication id, the bottle's UPC-A)
    birth_dates: dict[uuid.UUID, str] = field(default_factory=dict)  # as typed at the counter: MM/DD/YYYY


def setup(url: str, workstations: int) -> World:
    from pharmacy_desktop.db.models.inventory import InventoryBatch, InventoryItem
    from pharmacy_desktop.db.models.prescriptions import Medication
    from pharmacy_desktop.db.models.users import PharmacyProfile
    from pharmacy_desktop.services import auth

    engine = make_engine(url)
    try:
        factory = UnitOfWorkFactory(make_session_factory(engine), workstation="soak-setup")
        auth.create_user(
            factory,
            None,
            username="soakadmin",
            password=PASSWORD,
            email="admin@soak.test",
            first_name="Soak",
            last_name="Admin",
            role="admin",
        )
        admin = auth.sign_in(factory, "soakadmin", PASSWORD, "soak-setup")
        for i in range(workstations):
            auth.create_user(
                factory,
                admin,
                username=f"tech{i}",
                password=PASSWORD,
                email=f"tech{i}@soak.test",
                first_name="Tech",
                last_name=f"Number{i}",
                role="technician",
            )
            auth.create_user(
                factory,
                admin,
                username=f"rph{i}",
                password=PASSWORD,
                email=f"rph{i}@soak.test",
                first_name="Rph",
                last_name=f"Number{i}",
                role="pharmacist",
                license_number=f"RPH-{1000 + i}",
            )
        with factory() as uow:
            s = uow.session
            s.add(
                PharmacyProfile(
                    id=1,
                    name="Soak Pharmacy",
                    address_line1="1 Soak St",
                    city="Springfield",
                    state="IL",
                    zip_code="62701",
                    phone="(217) 555-0199",
                    dispensing_fee=DISPENSING_FEE,
                )
            )
            meds = []
            for package, name, strength in PRODUCTS:
                med = Medication(
                    ndc_code=to_ndc11(package),
                    package_ndc=package,
                    drug_name=name,
                    generic_name=name,
                    strength=strength,
                    dosage_form="TABLET",
                    route="ORAL",
                    is_generic=True,
                    package_description=f"1000 TABLET in 1 BOTTLE ({package})",
                )
                s.add(med)
                s.flush()
                item = InventoryItem(
                    medication_id=med.id,
                    ndc_code=med.ndc_code,
                    quantity_unit="tablet",
                    quantity_on_hand=Decimal(STOCK_PER_PRODUCT),
                    reorder_point=Decimal(100),
                    reorder_quantity=Decimal(1000),
                    average_wholesale_price=AWP_PER_TABLET,
                )
                s.add(item)
                s.flush()
                s.add(
                    InventoryBatch(
                        inventory_item_id=item.id,
                        batch_number=f"SOAK-{package}",
                        expiration_date=TODAY + dt.timedelta(days=700),
                        quantity_received=Decimal(STOCK_PER_PRODUCT),
                        quantity_remaining=Decimal(STOCK_PER_PRODUCT),
                        received_date=TODAY - dt.timedelta(days=5),
                    )
                )
                meds.append((med.id, ndc_to_upc_a(package)))
            patients = add_patients(s, PATIENTS, number_prefix="S", last_name="Soak", first_birth_year=1940)
            s.flush()
            ids = [p.id for p in patients]
            births = {p.id: f"{p.date_of_birth:%m/%d/%Y}" for p in patients}
            uow.commit()
        return World(ids, meds, births)
    finally:
        engine.dispose()


# -- one workstation ------------------------------------------------------------------------------


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    calls: Counter = field(default_factory=Counter)
    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    reloads: int = 0  # reviews opened again: another counter's prescription re-ran DUR on this one
    transitions: set[tuple[str, str]] = field(default_factory=set)  # (prescription id, status) made

    def timed(self, kind: str, fn, *args, **kwargs):
        started = time.perf_counter()
        result = fn(*args, **kwargs)
        elapsed = time.perf_counter() - started
        with self.lock:
            self.calls[kind] += 1
            self.latency[kind].append(elapsed)
        return result

    def made(self, rx_id: uuid.UUID, status: str) -> None:
        with self.lock:
            self.transitions.add((str(rx_id), status))

    def failed(self, where: str, exc: BaseException) -> None:
        with self.lock:
            self.errors.append(f"{where}: {type(exc).__name__}: {exc}"[:300])


def counter_day(
    url: str, index: int, world: World, counter: NoticeCount, tally: Tally, stop: threading.Event, seed: int
) -> None:
    from pharmacy_desktop.demo.signature import signature_png
    from pharmacy_desktop.services import auth, fill, intake, verify, will_call

    rng = random.Random(seed + index)
    engine = make_engine(url, pool_size=2, max_overflow=2, application_name=f"soak-ws{index}")
    try:
        name = f"counter-{index}"
        factory = CountingFactory(make_session_factory(engine), counter, workstation=name)
        tech = auth.sign_in(factory, f"tech{index}", PASSWORD, name)
        rph = auth.sign_in(factory, f"rph{index}", PASSWORD, name)
        prescriber = intake.PrescriberInput("Dr. Sarah Chen", NPI, None, "(217) 555-0190")
        signature = signature_png(f"soak {index}")
        while not stop.is_set():
            med_id, upc = rng.choice(world.meds)
            patient_id = rng.choice(world.patients)
            form = intake.PrescriptionInput(
                patient_id=patient_id,
                prescriber=prescriber,
                written_date=TODAY,
                source="paper",
                items=(intake.ItemInput(med_id, Decimal(rng.choice((28, 30, 60, 90))), 30, "1 T PO QD", 1),),
            )
            step = "intake"
            try:
                saved = tally.timed("intake", intake.submit_prescription, factory, tech, form)
                rx_id = saved.prescription_id
                tally.made(rx_id, "received")
                step = "review"
                review_prescription(factory, rph, rx_id, tally)
                tally.made(rx_id, "validated")
                step = "fill"
                tally.timed("fill: open", fill.open_for_fill, factory, tech, rx_id)
                tally.timed("fill", fill.fill, factory, tech, rx_id, upc)
                tally.made(rx_id, "in_progress")
                step = "verify"
                seen = tally.timed("verify: open", verify.open_for_verify, factory, rph, rx_id)
                result = tally.timed(
                    "verify: approve",
                    verify.approve,
                    factory,
                    rph,
                    rx_id,
                    bottle_scans=[upc],
                    label_scan=f"RX{seen.rx_number}",  # the Rx barcode of the printed vial label
                )
                tally.made(rx_id, "ready")
                step = "will-call"
                tally.timed("will-call: bin", will_call.bin_contents, factory, tech, result.bin_code)
                step = "pickup"
                tally.timed("pickup", pick_up, factory, tech, world, patient_id, rx_id, signature, tally)
                tally.made(rx_id, "completed")
            except Exception as exc:  # noqa: BLE001 - counted and reported: a soak must not stop at one
                tally.failed(step, exc)
    except Exception as exc:  # noqa: BLE001 - sign-in or engine trouble: the workstation is out
        tally.failed(f"workstation {index}", exc)
    finally:
        engine.dispose()


def review_prescription(factory, rph, rx_id: uuid.UUID, tally: Tally, attempts: int = 5) -> None:
    """Acknowledge or override every open alert and approve, as the pharmacist does (approval names the
    alerts looked at, as the screen's does). Another workstation's new prescription for the same
    patient re-runs DUR on this one (a new active medication changes what DUR decides), replacing
    the alerts just read: the app refuses the stale decision ("replaced by a newer DUR run; reload
    the prescription", or ProfileChangedSinceDur at approval) and the pharmacist reloads and reviews
    the new alerts — so does the soak, counting each reload; a refusal of any other kind is an error."""
    from pharmacy_desktop.errors import ValidationFailed
    from pharmacy_desktop.services import review

    for attempt in range(attempts):
        detail = tally.timed("review: open", review.open_review, factory, rph, rx_id)
        try:
            for alert in detail.open_alerts:
                if alert.needs_override:
                    tally.timed(
                        "review: override alert",
                        review.override_alert,
                        factory,
                        rph,
                        alert.validation_id,
                        "Soak: reviewed with the prescriber.",
                        professional_code="M0",
                        result_code="1G",
                    )
                else:
                    tally.timed(
                        "review: acknowledge alert", review.acknowledge_alert, factory, rph, alert.validation_id
                    )
            tally.timed("review: approve", review.approve, factory, rph, rx_id, seen_alerts=detail.alert_ids)
            return
        except ValidationFailed as exc:
            replaced = isinstance(exc, review.ProfileChangedSinceDur) or "newer DUR run" in str(exc)
            if not replaced or attempt == attempts - 1:
                raise
            with tally.lock:
                tally.reloads += 1


def pick_up(factory, tech, world: World, patient_id: uuid.UUID, rx_id: uuid.UUID, signature: bytes, tally: Tally):
    """The patient collects this prescription (other bags of theirs stay in the bin): open, quote,
    complete in cash with a $20 note too many. Each step timed on its own too."""
    from pharmacy_desktop.services import pickup, sale

    view = tally.timed("pickup: open", pickup.open_pickup, factory, tech, patient_id)
    lines = [rx for rx in view.prescriptions if rx.prescription_id == rx_id]
    if not lines:
        raise LookupError("the bag just verified is not in the patient's pickup")
    request = sale.SaleRequest(
        sale_key=uuid.uuid4(),
        patient_id=patient_id,
        prescriptions=tuple(
            sale.CartRx(rx.refill_id, "declined" if rx.counseling_required else "not_required") for rx in lines
        ),
        birth_date=world.birth_dates[patient_id],
        picker=sale.Picker(view.patient_name, "self", patient_id),
        signature_png=signature,
        acknowledged_receipt=True,
        acknowledged_counseling=True,
        acknowledged_privacy_notice=True,
    )
    quote = tally.timed("pickup: quote", sale.quote_sale, factory, tech, request)
    if not quote.sellable:
        raise ValueError(f"the bag cannot be sold: {quote.problems[0]}")
    cash = sale.TenderIn("cash", quote.patient_pay, cash_tendered=(quote.patient_pay // 20 + 1) * 20)
    request = dataclasses.replace(request, tenders=(cash,), expected_patient_pay=quote.patient_pay)
    return tally.timed("pickup: complete sale", sale.complete_sale, factory, tech, request)


# -- watchers -------------------------------------------------------------------------------------


class NoticeListener(threading.Thread):
    """One LISTEN connection, as each app has; keeps every notice it hears."""

    def __init__(self, url: str) -> None:
        super().__init__(name="soak-listener", daemon=True)
        self.url = url
        self.heard = 0
        self.by_topic: Counter = Counter()
        self.transitions: set[tuple[str, str]] = set()
        self.ready = threading.Event()
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with psycopg.connect(libpq_url(self.url), autocommit=True, application_name="soak-listener") as conn:
                conn.execute(f"LISTEN {CHANGE_CHANNEL}")
                self.ready.set()
                while not self.stop.is_set():
                    for notify in conn.notifies(timeout=0.2):
                        notice = json.loads(notify.payload)
                        self.heard += 1
                        self.by_topic[notice.get("topic")] += 1
                        if notice.get("topic") == "prescriptions" and notice.get("status"):
                            self.transitions.add((notice.get("id"), notice["status"]))
        except BaseException as exc:  # noqa: BLE001 - reported
            self.error = exc
            self.ready.set()


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def connections(conn: psycopg.Connection) -> int:
    """Backends on this database, the sampling connection itself not counted."""
    return conn.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    ).fetchone()[0]


# -- the run --------------------------------------------------------------------------------------


@dataclass
class Report:
    workstations: int
    seconds: float
    calls: dict[str, int]
    latency_ms: dict[str, tuple[float, float, float]]  # kind -> p50, p99, max
    errors: list[str]
    rss_mb: tuple[float, float, float, float]  # start, after the first sample (warm), end, max
    connections: tuple[int, int, int]  # baseline (the listener alone), max during the run, end
    notices_sent: int
    notices_heard: int
    notices_by_topic: dict[str, int]
    transitions_made: int
    transitions_lost: int
    prescriptions_done: int
    samples: list[tuple[float, float, int]]  # (seconds, RSS MB, connections)
    picked_up: int = 0  # of those, sold at the counter
    review_reloads: int = 0  # alerts replaced by another counter's DUR run before the decision: opened again

    @property
    def connections_baseline(self) -> int:
        return self.connections[0]

    @property
    def connections_end(self) -> int:
        return self.connections[2]

    @property
    def ok(self) -> bool:
        return (
            not self.errors
            and self.transitions_lost == 0
            and self.notices_heard == self.notices_sent
            and self.connections_end == self.connections_baseline
        )


def run_soak(
    url: str,
    *,
    workstations: int = 8,
    seconds: float = 60.0,
    sample_every: float = 5.0,
    seed: int = 20261202,
    world: World | None = None,
) -> Report:
    world = world or setup(url, workstations)
    counter, tally, stop = NoticeCount(), Tally(), threading.Event()
    listener = NoticeListener(url)
    listener.start()
    listener.ready.wait(10)
    if listener.error:
        raise RuntimeError(f"the change listener could not connect: {listener.error}")
    monitor = psycopg.connect(libpq_url(url), autocommit=True, application_name="soak-monitor")
    try:
        baseline = connections(monitor)  # the listener
        samples: list[tuple[float, float, int]] = []
        threads = [
            threading.Thread(
                target=counter_day, args=(url, i, world, counter, tally, stop, seed), name=f"soak-ws{i}", daemon=True
            )
            for i in range(workstations)
        ]
        started = time.monotonic()
        rss_start = rss_mb()
        for t in threads:
            t.start()
        while time.monotonic() - started < seconds:
            time.sleep(min(sample_every, max(0.0, seconds - (time.monotonic() - started))))
            samples.append((time.monotonic() - started, rss_mb(), connections(monitor)))
        stop.set()
        for t in threads:
            t.join(120)
        elapsed = time.monotonic() - started
        rss_end = rss_mb()
        # the last notices are on their way: wait until every one sent was heard (or give up)
        deadline = time.monotonic() + 10
        while listener.heard < counter.sent and time.monotonic() < deadline:
            time.sleep(0.05)
        # backends of disposed engines take a moment to go: wait for the baseline (or give up)
        deadline = time.monotonic() + 10
        end = connections(monitor)
        while end != baseline and time.monotonic() < deadline:
            time.sleep(0.1)
            end = connections(monitor)
    finally:
        monitor.close()
        listener.stop.set()
        listener.join(5)
    lost = tally.transitions - listener.transitions
    return Report(
        workstations=workstations,
        seconds=elapsed,
        calls=dict(tally.calls),
        latency_ms={
            k: (percentile(v, 50) * 1000, percentile(v, 99) * 1000, max(v) * 1000) for k, v in tally.latency.items()
        },
        errors=list(tally.errors),
        review_reloads=tally.reloads,
        rss_mb=(
            rss_start,
            samples[0][1] if samples else rss_start,
            rss_end,
            max([rss_start, rss_end, *(s[1] for s in samples)]),
        ),
        connections=(baseline, max((s[2] for s in samples), default=baseline), end),
        notices_sent=counter.sent,
        notices_heard=listener.heard,
        notices_by_topic=dict(listener.by_topic),
        transitions_made=len(tally.transitions),
        transitions_lost=len(lost),
        prescriptions_done=sum(1 for _, status in tally.transitions if status == "ready"),
        picked_up=sum(1 for _, status in tally.transitions if status == "completed"),
        samples=samples,
    )


def print_report(r: Report, out=print) -> None:
    out(
        f"{r.workstations} workstations for {r.seconds:.0f} s: {r.prescriptions_done} prescriptions from intake to "
        f"will-call ({r.prescriptions_done / r.seconds * 60:.0f}/min), {r.picked_up} of them picked up and paid"
    )
    out("transactions per kind (p50 / p99 / max ms):")
    for kind in sorted(r.calls):
        p50, p99, worst = r.latency_ms[kind]
        out(f"  {kind:<26} {r.calls[kind]:>7}   {p50:7.1f} / {p99:7.1f} / {worst:7.1f}")
    out(
        f"reviews opened again (another counter's new prescription for the patient re-ran DUR, the stale "
        f"decision refused): {r.review_reloads}"
    )
    out(f"errors: {len(r.errors)}")
    for line in r.errors[:10]:
        out(f"  {line}")
    out(
        f"RSS MB: start {r.rss_mb[0]:.1f} (before sign-in), first sample {r.rss_mb[1]:.1f}, end {r.rss_mb[2]:.1f}, "
        f"max {r.rss_mb[3]:.1f}"
    )
    out(
        f"connections (pg_stat_activity, without the sampler): baseline {r.connections[0]} (the listener), "
        f"max during the run {r.connections[1]}, end {r.connections[2]}"
    )
    out(
        f"notices: sent {r.notices_sent}, received {r.notices_heard} "
        f"({', '.join(f'{k} {v}' for k, v in sorted(r.notices_by_topic.items()))}); "
        f"status transitions made {r.transitions_made}, not heard {r.transitions_lost}"
    )
    out("samples (s, RSS MB, connections): " + "  ".join(f"{t:.0f}:{m:.0f}:{c}" for t, m, c in r.samples))
    out("RESULT: " + ("OK" if r.ok else "PROBLEMS (see above)"))


def main() -> int:
    parser = argparse.ArgumentParser(description="soak: workstations doing intake to will-call for minutes")
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--workstations", type=int, default=8)
    parser.add_argument("--sample-seconds", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--database-url", help="an empty database migrated to head (default: a throwaway cluster)")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        # labels are queued for this workstation's printers: keep the user's own settings out of it
        os.environ["XDG_CONFIG_HOME"] = stack.enter_context(tempfile.TemporaryDirectory(prefix="soak-config-"))
        if args.database_url:
            url = args.database_url
        else:
            from catalog_import import throwaway_database

            url = stack.enter_context(throwaway_database())
        report = run_soak(
            url,
            workstations=args.workstations,
            seconds=args.minutes * 60,
            sample_every=args.sample_seconds,
            seed=args.seed,
        )
        print_report(report)
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
