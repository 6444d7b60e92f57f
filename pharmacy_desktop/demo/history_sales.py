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

from pharmacy_desktop.db.models.billing import Invoice, InvoiceItem, Payment, Sale, SaleTender
from pharmacy_desktop.db.models.prescriptions import Pickup, PickupItem, PrescriptionRefill
from pharmacy_desktop.db.unit_of_work import UnitOfWork
from pharmacy_desktop.demo.signature import signature_png

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
