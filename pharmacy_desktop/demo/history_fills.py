"""The fills of the demo's year of inventory history (demo/inventory_history.py runs them day by day).

Driving ``fill.fill`` with claims and verification for a year of fills would take minutes, so a
day's fills are written as the imported history of demo/prescriptions.py is (a prescription on
the first fill, a refill per fill, its imported sale with a paid invoice, a cash payment and a
signed pickup, as demo/history_sales.py writes them, here for the whole day at once), while the
stock is taken through the ledger's bulk path for history, ``stock_ledger.HistoryLedger`` (the same
checks and arithmetic as ``stock_ledger.post``): a 'dispensed' row per lot referencing the refill,
first expiry first out (domain/stock.allocate_fefo), under the item locks (items by id, then their
lots). A fill the shelf cannot cover is left out; the low-stock items are never taken below
``LOW_FLOOR``. Everything is deterministic.

Cost. The fills of the days between two other stock steps are one transaction written in a few
statements, whatever their number: nothing is flushed while the days run (``no_autoflush``), then
the new prescriptions with their lines, the refills, the ledger rows (one INSERT), the items' and
lots' new quantities (one UPDATE each) and the imported sales go in waves, parents first; the Rx
numbers are taken from the sequence in bulk (``Prescriptions.numbers``). Rows keep their day: the
loader dates what is added to its session at that moment, the refills and ledger rows are dated here.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text

from pharmacy_desktop.db.models.inventory import InventoryBatch
from pharmacy_desktop.db.models.prescriptions import (
    Medication,
    PrescriptionRefill,
)
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.demo.history_sales import imported_sale_rows, insert_imported_sales, insert_objects, stamp
from pharmacy_desktop.demo.prescriptions import CURRENT, HISTORY, HISTORY_NOTE, ON_FILE, prescription_rows
from pharmacy_desktop.domain import clock
from pharmacy_desktop.domain import stock as stock_rules
from pharmacy_desktop.domain.schedules import Schedule, parse_schedule
from pharmacy_desktop.services import stock_ledger
from pharmacy_desktop.services.stock_allocation import REFILL_REFERENCE, batch_stock

LOW_FLOOR = Decimal(40)  # the low-stock items are dispensed down to about this, never reordered
# how busy the year is: patients on each long-term drug (of large quantities), and the days between
# two short courses of a drug. 5, 2, 1: ~3,700 ledger rows (~3,600 fills; 3, 1, 14 gave ~1,040 with 50
# patients, ~590 with 30). Cheap since the fills are written in bulk (module docstring); the cost
# that grows with the year now is receiving its packages through the services (docs/BENCHMARKS.md).
LONG_TERM, LONG_TERM_LARGE, SHORT_EVERY = 5, 2, 1
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Fill:
    day: int  # days after the history's first day
    patient: int
    generic: str
    sig: str
    qty: int
    days: int
    rx_key: tuple[Any, ...]  # fills with the same key are refills of one prescription
    refills: int


@dataclass
class Prescriptions:
    """The history's prescriptions so far: key -> (prescription id, its line id, Rx number, fills);
    ``numbers``: Rx numbers taken from the sequence and not used yet (in order); ``new``: the
    prescriptions and lines made since the last write, not in the session (inserted in bulk)."""

    known: dict[tuple[Any, ...], list[Any]]
    numbers: list[str] = field(default_factory=list)
    new: list[Any] = field(default_factory=list)

    def reserve(self, uow: UnitOfWork, fills: list[Fill]) -> None:
        """Enough Rx numbers for the new prescriptions these fills could start, in one statement
        (what the shelf leaves out is used by the next days: only the last days leave a gap)."""
        wanted = len({f.rx_key for f in fills if f.rx_key not in self.known}) - len(self.numbers)
        if wanted > 0:
            rows = uow.active_session.execute(
                text("SELECT nextval('prescription_schema.rx_number_seq') FROM generate_series(1, :n)"), {"n": wanted}
            )
            self.numbers += [str(value) for value in sorted(value for (value,) in rows)]


def plan_fills(
    rng: random.Random,
    meds: dict[str, uuid.UUID],
    formulary: dict[str, tuple[str, str, int, int]],
    low_stock: frozenset[str],
    patients: int,
    days_of_history: int,
) -> list[Fill]:
    """A year of fills: long-term therapy refilled every month by ``LONG_TERM`` patients
    (``LONG_TERM_LARGE`` for large quantities; a new prescription each fill for C-II, every sixth
    fill for C-III-V), short courses every ``SHORT_EVERY`` days, the low-stock items every five days.
    Who: the patients without work today (below; with the default 50 patients 25 of them, with 30
    five), so the year is as busy whatever the roster (a small roster's few patients fill a lot)."""
    fills: list[Fill] = []
    # the patients of today's work (demo/prescriptions.py's CURRENT and ON_FILE stories) keep exactly
    # their prescriptions (the screens and tests find them by their drugs): the year's fills go to the
    # others, never the long-term drug a patient already has on file (HISTORY: due for a refill soon)
    busy = {i for i, *_ in CURRENT} | {i for i, *_ in ON_FILE}
    free = [i for i in range(patients) if i not in busy] or [patients - 1]
    on_file = set(HISTORY)
    for generic, (_form, sig, qty, days) in sorted(formulary.items()):
        if generic not in meds or generic == "saxagliptin":  # Onglyza waits for prior authorization
            continue
        if days >= 30:
            takers = [i for i in free if (i, generic) not in on_file] or free
            for patient in rng.sample(takers, min(len(takers), LONG_TERM_LARGE if qty > 60 else LONG_TERM)):
                first = rng.randint(1, 29)
                for n, day in enumerate(range(first, days_of_history - 2, days)):
                    if generic == "lorazepam":
                        key: tuple[Any, ...] = (patient, generic, n // 6)
                        refills = 5
                    elif generic in ("hydrocodone", "methylphenidate"):
                        key, refills = (patient, generic, n), 0
                    else:
                        key, refills = (patient, generic), 11
                    fills.append(Fill(day, patient, generic, sig, qty, days, key, refills))
        else:
            every = 5 if generic in low_stock else SHORT_EVERY
            for n, day in enumerate(range(rng.randint(1, every), days_of_history - 2, every)):
                patient = rng.choice(free)
                fills.append(Fill(day, patient, generic, sig, qty, days, (patient, generic, n), 0))
    return sorted(fills, key=lambda f: (f.day, f.generic, f.patient))


def dispense_days(
    uow_factory: UnitOfWorkFactory,
    actors: dict[str, Any],
    days: list[tuple[dt.date, list[Fill]]],
    meds: dict[str, uuid.UUID],
    items: dict[str, uuid.UUID],
    low: set[uuid.UUID],
    patient_ids: list[uuid.UUID],
    prescribers: list[tuple[str, str, str, str]],
    rxs: Prescriptions,
    move_clock: Callable[[dt.date], None],
) -> tuple[int, int]:
    """The fills of consecutive days (nothing else moved stock in between) in one transaction, each
    day's rows on its own date (``move_clock``). See the module docstring. Returns (filled, left out)."""
    tech = actors["technician"]
    handed: list[tuple[PrescriptionRefill, int, str, bool, dt.date]] = []
    skipped = 0
    with uow_factory(tech.user_id) as uow:
        wanted = {items[f.generic] for _, fills in days for f in fills if f.generic in items}
        locked = {i.id: i for i in uow.inventory.lock_items(wanted)}
        batches: dict[uuid.UUID, dict[uuid.UUID, Any]] = {i: {} for i in locked}
        for batch in uow.active_session.scalars(  # the lots of these items at once, locked by id
            select(InventoryBatch)
            .where(InventoryBatch.inventory_item_id.in_(sorted(locked)))
            .order_by(InventoryBatch.id)
            .with_for_update()
        ):
            batches[batch.inventory_item_id][batch.id] = batch  # type: ignore[index]
        wanted_meds = {meds[f.generic] for _, fills in days for f in fills if f.generic in meds}
        cache = {m.id: m for m in uow.active_session.scalars(select(Medication).where(Medication.id.in_(wanted_meds)))}
        rxs.reserve(uow, [f for _, fills in days for f in fills])
        ledger = stock_ledger.HistoryLedger(uow)
        with uow.active_session.no_autoflush:  # written below in waves, not fill by fill
            for day, fills in days:
                move_clock(day)
                done, left_out = _dispense_day(
                    uow,
                    actors,
                    fills,
                    meds,
                    items,
                    low,
                    patient_ids,
                    prescribers,
                    rxs,
                    day,
                    locked,
                    batches,
                    cache,
                    ledger,
                )
                handed += done
                skipped += left_out
        made, rxs.new = rxs.new, []
        insert_objects(uow, [rx for rx, _line in made])  # parents first: prescriptions, lines, fills
        insert_objects(uow, [line for _rx, line in made])
        insert_objects(uow, [refill for refill, *_ in handed])
        ledger.write()  # the ledger rows in one INSERT; the items and lots moved, one UPDATE each
        _imported_sales(uow, handed, patient_ids, tech.user_id)
        uow.commit()
    return len(handed), skipped


def _dispense_day(
    uow: UnitOfWork,
    actors: dict[str, Any],
    todays: list[Fill],
    meds: dict[str, uuid.UUID],
    items: dict[str, uuid.UUID],
    low: set[uuid.UUID],
    patient_ids: list[uuid.UUID],
    prescribers: list[tuple[str, str, str, str]],
    rxs: Prescriptions,
    day: dt.date,
    locked: dict[uuid.UUID, Any],
    batches: dict[uuid.UUID, dict[uuid.UUID, Any]],
    cache: dict[uuid.UUID, Medication],
    ledger: stock_ledger.HistoryLedger,
) -> tuple[list[tuple[PrescriptionRefill, int, str, bool, dt.date]], int]:
    """The day's fills: refills built (added to the session by the caller), stock posted to ``ledger``."""
    tech, rph = actors["technician"], actors["pharmacist"]
    handed: list[tuple[PrescriptionRefill, int, str, bool, dt.date]] = []
    skipped = 0
    for f in todays:
        item_id = items.get(f.generic)
        if item_id is None:
            continue
        qty = Decimal(f.qty)
        usable = stock_rules.usable_batches([batch_stock(b) for b in batches[item_id].values()], today=day)
        floor = LOW_FLOOR if item_id in low else Decimal(0)
        if sum((b.remaining for b in usable), Decimal(0)) - qty < floor:
            skipped += 1
            continue
        med = _medication(uow, meds[f.generic], cache)
        rx_id, line_id, rx_number, number = _prescription(uow, f, med, rxs, patient_ids, prescribers, day, tech, rph)
        picks = stock_rules.allocate_fefo(usable, qty, today=day).picks
        first = picks[0][0]
        refill = stamp(
            PrescriptionRefill(
                id=uuid.uuid4(),
                prescription_id=rx_id,
                prescription_item_id=line_id,
                refill_number=number,
                medication_id=med.id,
                ndc_code=med.ndc_code,
                quantity_dispensed=qty,
                days_supply=f.days,
                filled_date=day,
                filled_by=tech.user_id,
                status="dispensed",
                inventory_item_id=item_id,
                batch_id=first.batch_id,
                lot_number=first.lot,
                expiration_date=first.expiration_date,
                verified_by=rph.user_id,
                verified_at=clock.utcnow(),
            )
        )
        for pick, take in picks:
            ledger.post(
                locked[item_id],
                change=-take,
                kind=stock_ledger.DISPENSED,
                batch=batches[item_id][pick.batch_id],
                reference_type=REFILL_REFERENCE,
                reference_id=refill.id,
                reason=f"Rx {rx_number} fill {number}",
            )
        handed.append((refill, f.patient, f"{med.drug_name} {med.strength or ''}".strip(), _controlled(med), day))
    return handed, skipped


def _prescription(
    uow: UnitOfWork,
    f: Fill,
    med: Medication,
    rxs: Prescriptions,
    patient_ids: list[uuid.UUID],
    prescribers: list[tuple[str, str, str, str]],
    day: dt.date,
    tech: Any,
    rph: Any,
) -> tuple[uuid.UUID, uuid.UUID, str, int]:
    """The fill's prescription (written on its first fill) and the fill's number on it."""
    known = rxs.known.get(f.rx_key)
    if known is None:
        rx, line = prescription_rows(
            rxs.numbers.pop(0),
            patient_ids[f.patient],
            prescribers[f.patient % len(prescribers)],
            med,
            (f.sig, f.qty, f.days),
            day,
            tech.user_id,
            status="completed",
            refills=f.refills,
        )
        rx.validated_by, rx.validated_at = rph.user_id, clock.utcnow()
        rx.notes = HISTORY_NOTE
        rx.dispensed_by, rx.dispensed_at = tech.user_id, clock.utcnow()
        rxs.new.append((stamp(rx), stamp(line)))
        line_id = line.id
        known = rxs.known[f.rx_key] = [rx.id, line_id, rx.prescription_number, 0]
    else:
        known[3] += 1  # the refills left on the prescription are counted once at the end (count_refills)
    return known[0], known[1], known[2], known[3]


def _medication(uow: UnitOfWork, med_id: uuid.UUID, cache: dict[uuid.UUID, Medication]) -> Medication:
    """The package, loaded once per transaction (held here: the session's identity map is weak)."""
    med = cache.get(med_id)
    if med is None:
        med = cache[med_id] = uow.active_session.get(Medication, med_id)  # type: ignore[assignment]
        assert med is not None  # the formulary's packages, read by the loader
    return med


def count_refills(uow_factory: UnitOfWorkFactory, rxs: Prescriptions) -> None:
    """The history's prescriptions: refills left = authorized - refills filled (one statement)."""
    ids = [known[0] for known in rxs.known.values()]
    with uow_factory() as uow:
        uow.active_session.execute(
            text(
                "UPDATE prescription_schema.prescription_items i SET refills_remaining = greatest(0, "
                "i.refills_authorized - (SELECT count(*) - 1 FROM prescription_schema.prescription_refills r "
                "WHERE r.prescription_id = i.prescription_id)) WHERE i.prescription_id = ANY(:ids)"
            ),
            {"ids": ids},
        )
        uow.commit()


def _controlled(med: Medication) -> bool:
    """C-II..V: the pickup records the picker's ID."""
    return bool(med.is_controlled_substance) and parse_schedule(med.dea_schedule) is not Schedule.NONE


def _numbers(uow: UnitOfWork, sequence: str, prefix: str, n: int) -> list[str]:
    rows = uow.active_session.execute(
        text(f"SELECT nextval('billing_schema.{sequence}') FROM generate_series(1, :n)"), {"n": n}
    )
    return [f"{prefix}{value:06d}" for (value,) in rows]


def _imported_sales(
    uow: UnitOfWork,
    handed: list[tuple[PrescriptionRefill, int, str, bool, dt.date]],
    patient_ids: list[uuid.UUID],
    cashier_id: uuid.UUID,
) -> None:
    """The day's fills handed over: per fill the rows of demo/history_sales.imported_sale_rows
    (a controlled fill's pickup with the ID the patient showed, made up), numbered in bulk."""
    if not handed:
        return
    n = len(handed)
    sales, invoices, payments = (
        _numbers(uow, "sale_number_seq", "S", n),
        _numbers(uow, "invoice_number_seq", "INV", n),
        _numbers(uow, "payment_number_seq", "PAY", n),
    )
    rows = [
        imported_sale_rows(
            refill,
            patient_ids[patient],
            description,
            cashier_id,
            day,
            (sales[k], invoices[k], payments[k]),
            picker_id=("drivers_license", f"D{4000000 + patient * 137}", "IL") if controlled else None,
        )
        for k, (refill, patient, description, controlled, day) in enumerate(handed)
    ]
    insert_imported_sales(uow, rows)
