"""The money and pickup records of the demo's imported fill history.

The fill history of past months stands for what a pharmacy brings from its previous system
(``prescriptions.HISTORY_NOTE``). Such an import carries the sale and the signed pickup of each
fill too, so the demo database keeps the billing invariants of the point of sale
(tests/pos/invariants.py) without exemptions: every completed prescription has its paid invoice,
its payment and a signed pickup. They are written as imported rows (workstation ``imported``), not
through the sale service, which only sells what is in will-call today.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from pharmacy_desktop.db.models.billing import Invoice, InvoiceItem, Payment, Sale, SaleTender
from pharmacy_desktop.db.models.prescriptions import Pickup, PickupItem, PrescriptionRefill
from pharmacy_desktop.db.unit_of_work import UnitOfWork
from pharmacy_desktop.demo.signature import signature_png

IMPORTED = "imported"
HISTORY_PRICE = Decimal("10.00")  # a flat cash price: the previous system's amounts are not the demo's point


def import_history_sale(
    uow: UnitOfWork,
    refill: PrescriptionRefill,
    patient_id: uuid.UUID,
    description: str,
    cashier_id: uuid.UUID,
    picked_up: dt.date,
) -> None:
    """One imported fill's sale: invoice (paid), cash payment, tender and a signed pickup by the patient."""
    session = uow.active_session
    at = dt.datetime.combine(picked_up, dt.time(15, 30), dt.UTC)
    sale = Sale(
        sale_number=uow.sales.next_sale_number(),
        idempotency_key=uuid.uuid4(),
        patient_id=patient_id,
        workstation=IMPORTED,
        cashier_id=cashier_id,
        business_date=picked_up,
        completed_at=at,
        subtotal=HISTORY_PRICE,
        total_amount=HISTORY_PRICE,
        patient_pay=HISTORY_PRICE,
        cash_tendered=HISTORY_PRICE,
    )
    session.add(sale)
    session.flush()
    tender = SaleTender(sale_id=sale.id, seq=1, method="cash", amount=HISTORY_PRICE, cash_tendered=HISTORY_PRICE)
    invoice = Invoice(
        invoice_number=uow.billing.next_invoice_number(),
        prescription_id=refill.prescription_id,
        prescription_refill_id=refill.id,
        sale_id=sale.id,
        patient_id=patient_id,
        invoice_date=picked_up,
        subtotal=HISTORY_PRICE,
        tax_amount=Decimal("0.00"),
        discount_amount=Decimal("0.00"),
        insurance_payment=Decimal("0.00"),
        patient_copay=HISTORY_PRICE,
        total_amount=HISTORY_PRICE,
        status="paid",
        notes="Imported from the previous pharmacy system.",
        created_by=cashier_id,
    )
    invoice.items.append(
        InvoiceItem(
            item_type="medication",
            description=description,
            quantity=Decimal("1"),
            unit_price=HISTORY_PRICE,
            total_price=HISTORY_PRICE,
            ndc_code=refill.ndc_code,
        )
    )
    session.add_all([tender, invoice])
    session.flush()
    session.add(
        Payment(
            payment_number=uow.billing.next_payment_number(),
            invoice_id=invoice.id,
            patient_id=patient_id,
            payment_date=picked_up,
            payment_method="cash",
            amount=HISTORY_PRICE,
            status="completed",
            processed_by=cashier_id,
            sale_tender_id=tender.id,
        )
    )
    pickup = Pickup(
        sale_id=sale.id,
        patient_id=patient_id,
        picker_name="Patient",
        picker_relationship="self",
        dob_confirmed=True,
        signature_png=signature_png(str(patient_id)),
        acknowledged_receipt=True,
        acknowledged_counseling=True,
        picked_up_at=at,
        recorded_by=cashier_id,
        workstation=IMPORTED,
    )
    pickup.items.append(
        PickupItem(prescription_id=refill.prescription_id, prescription_refill_id=refill.id, counseling="declined")
    )
    session.add(pickup)
    session.flush()
