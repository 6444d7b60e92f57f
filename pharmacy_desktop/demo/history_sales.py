"""The money and pickup records of the demo's imported fill history.

The fill history of past months stands for what a pharmacy brings from its previous system
(``prescriptions.HISTORY_NOTE``). Such an import carries the sale and the signed pickup of each
fill too, so the demo database keeps the billing invariants of the point of sale
(tests/pos/invariants.py) without exemptions: every completed prescription has its paid invoice,
its payment and a signed pickup. They are written as imported rows (workstation ``imported``), not
through the sale service, which only sells what is in will-call today. ``imported_sale_rows`` builds
them (``import_history_sale`` for one fill; demo/history_fills.py writes a year of them in bulk).
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy import inspect as sa_inspect

from pharmacy_desktop.db.base import ACTOR_KEY, CreatedBy, UpdatedBy
from pharmacy_desktop.db.models.billing import Invoice, InvoiceItem, Payment, Sale, SaleTender
from pharmacy_desktop.db.models.prescriptions import Pickup, PickupItem, PrescriptionRefill
from pharmacy_desktop.db.unit_of_work import UnitOfWork
from pharmacy_desktop.demo.signature import signature_png
from pharmacy_desktop.domain import clock

IMPORTED = "imported"
HISTORY_PRICE = Decimal("10.00")  # a flat cash price: the previous system's amounts are not the demo's point
ZERO = Decimal("0.00")

_signature = functools.lru_cache(maxsize=None)(signature_png)  # one per patient: drawing it is slow


@dataclass(frozen=True)
class ImportedSale:
    """One imported fill's rows, parents first: (sale), (tender, invoice with its line), (payment,
    pickup with its item) — the models do not declare every key between these tables."""

    sale: Sale
    tender: SaleTender
    invoice: Invoice
    payment: Payment
    pickup: Pickup


def imported_sale_rows(
    refill: PrescriptionRefill,
    patient_id: uuid.UUID,
    description: str,
    cashier_id: uuid.UUID,
    picked_up: dt.date,
    numbers: tuple[str, str, str],
    *,
    picker_id: tuple[str, str, str] | None = None,
) -> ImportedSale:
    """The rows of one imported sale (paid invoice, cash payment and tender, a pickup by the patient
    signed); ``numbers`` = (sale, invoice, payment number); ``picker_id`` = (type, number, state) of the
    ID shown for a controlled fill."""
    sale_number, invoice_number, payment_number = numbers
    at = dt.datetime.combine(picked_up, dt.time(15, 30), dt.UTC)
    sale_id, tender_id, invoice_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    price = HISTORY_PRICE
    sale = Sale(
        id=sale_id,
        sale_number=sale_number,
        idempotency_key=uuid.uuid4(),
        patient_id=patient_id,
        workstation=IMPORTED,
        cashier_id=cashier_id,
        business_date=picked_up,
        completed_at=at,
        subtotal=price,
        total_amount=price,
        patient_pay=price,
        cash_tendered=price,
    )
    tender = SaleTender(id=tender_id, sale_id=sale_id, seq=1, method="cash", amount=price, cash_tendered=price)
    invoice = Invoice(
        id=invoice_id,
        invoice_number=invoice_number,
        prescription_id=refill.prescription_id,
        prescription_refill_id=refill.id,
        sale_id=sale_id,
        patient_id=patient_id,
        invoice_date=picked_up,
        subtotal=price,
        tax_amount=ZERO,
        discount_amount=ZERO,
        insurance_payment=ZERO,
        patient_copay=price,
        total_amount=price,
        status="paid",
        notes="Imported from the previous pharmacy system.",
        created_by=cashier_id,
    )
    invoice.items.append(
        InvoiceItem(
            item_type="medication",
            description=description,
            quantity=Decimal("1"),
            unit_price=price,
            total_price=price,
            ndc_code=refill.ndc_code,
        )
    )
    payment = Payment(
        payment_number=payment_number,
        invoice_id=invoice_id,
        patient_id=patient_id,
        payment_date=picked_up,
        payment_method="cash",
        amount=price,
        status="completed",
        processed_by=cashier_id,
        sale_tender_id=tender_id,
    )
    pickup = Pickup(
        sale_id=sale_id,
        patient_id=patient_id,
        picker_name="Patient",
        picker_relationship="self",
        dob_confirmed=True,
        signature_png=_signature(str(patient_id)),
        acknowledged_receipt=True,
        acknowledged_counseling=True,
        picked_up_at=at,
        recorded_by=cashier_id,
        workstation=IMPORTED,
    )
    if picker_id is not None:
        pickup.has_controlled = True
        pickup.id_type, pickup.id_number, pickup.id_state = picker_id
    pickup.items.append(
        PickupItem(prescription_id=refill.prescription_id, prescription_refill_id=refill.id, counseling="declined")
    )
    return ImportedSale(sale, tender, invoice, payment, pickup)


def write_imported_sales(uow: UnitOfWork, rows: list[ImportedSale]) -> None:
    """Add the rows in three waves, parents first, one flush each."""
    session = uow.active_session
    for wave in (
        [r.sale for r in rows],
        [x for r in rows for x in (r.tender, r.invoice)],
        [x for r in rows for x in (r.payment, r.pickup)],
    ):
        session.add_all(wave)
        uow.flush()


def insert_imported_sales(uow: UnitOfWork, rows: list[ImportedSale]) -> None:
    """The same rows as ``write_imported_sales``, never added to the session: one INSERT per table
    (Core), parents first, for the year of history in bulk (demo/history_fills.py). What the session
    would have filled is filled here: the acting user in ``created_by``, the moment (``clock``) in
    the columns the database dates now(); the other server defaults are the database's."""
    for row in rows:
        row.pickup.id = row.pickup.id or uuid.uuid4()
        for line in row.invoice.items:
            line.invoice_id = row.invoice.id
        for item in row.pickup.items:
            item.pickup_id = row.pickup.id
    for wave in (
        [r.sale for r in rows],
        [x for r in rows for x in (r.tender, r.invoice)],
        [x for r in rows for x in (*r.invoice.items, r.payment, r.pickup)],
        [x for r in rows for x in r.pickup.items],
    ):
        insert_objects(uow, wave)


def stamp(obj: Any) -> Any:
    """Put the moment (``clock``) into the columns of ``obj`` the database would date now(), where unset."""
    now = clock.utcnow()
    _table, pairs, dated = _columns(type(obj))
    for key, column in pairs:
        if column in dated and obj.__dict__.get(key) is None:
            setattr(obj, key, now)
    return obj


def insert_objects(uow: UnitOfWork, objects: list[Any]) -> None:
    """Mapped objects that were never added to the session, inserted with Core: one INSERT per
    table (and set of columns given), in the order met: parents before children is the caller's
    part. What the session would fill is filled: ``created_by``/``updated_by`` (the acting user) and
    the columns the database dates now() (the moment, ``clock``); other server defaults are the
    database's. No ORM event runs (no version counter, no flush hook): history rows only."""
    session = uow.active_session
    actor, now = session.info.get(ACTOR_KEY), clock.utcnow()
    groups: dict[tuple[Table, tuple[str, ...]], list[dict[str, Any]]] = {}
    for obj in objects:
        table, columns, dated = _columns(type(obj))
        given = obj.__dict__
        row = {column: given[key] for key, column in columns if key in given}
        for column in dated:
            if row.get(column) is None:
                row[column] = now
        if isinstance(obj, CreatedBy) and row.get("created_by") is None:
            row["created_by"] = actor
        if isinstance(obj, UpdatedBy) and row.get("updated_by") is None:
            row["updated_by"] = actor
        groups.setdefault((table, tuple(row)), []).append(row)
    for (table, _names), same in groups.items():
        session.execute(insert(table), same)


_COLUMNS: dict[type, tuple[Table, tuple[tuple[str, str], ...], tuple[str, ...]]] = {}


def _columns(cls: type) -> tuple[Table, tuple[tuple[str, str], ...], tuple[str, ...]]:
    """(table, (attribute, column) pairs, the columns the database dates now()) of a mapped class."""
    found = _COLUMNS.get(cls)
    if found is None:
        mapper: Any = sa_inspect(cls)
        props = list(mapper.column_attrs)
        pairs = tuple((prop.key, prop.columns[0].key) for prop in props)
        dated = tuple(
            prop.columns[0].key
            for prop in props
            if any(
                w in str(getattr(prop.columns[0].server_default, "arg", "")).lower()
                for w in ("now()", "current_timestamp")
            )
        )
        found = _COLUMNS[cls] = (cast(Table, mapper.local_table), pairs, dated)
    return found


def import_history_sale(
    uow: UnitOfWork,
    refill: PrescriptionRefill,
    patient_id: uuid.UUID,
    description: str,
    cashier_id: uuid.UUID,
    picked_up: dt.date,
) -> None:
    """One imported fill's sale, numbered from the shared sequences."""
    numbers = (uow.sales.next_sale_number(), uow.billing.next_invoice_number(), uow.billing.next_payment_number())
    write_imported_sales(uow, [imported_sale_rows(refill, patient_id, description, cashier_id, picked_up, numbers)])
