"""Sales for the day-end tests, written through the repositories as the sale service writes them
(sale, tenders, an invoice paid by one payment per tender, the receipt job, the pickup).

The sale service (services/sale.py complete_sale) did not exist when these tests were written;
once it lands, these helpers should make their sales through it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from pharmacy_desktop.db.models.billing import Invoice, Payment, Sale, SaleTender, SaleVoid
from pharmacy_desktop.db.models.prescriptions import Pickup, PickupItem, Prescription
from pharmacy_desktop.printing.documents import PharmacyInfo, ReceiptData, ReceiptLine, ReceiptTender
from pharmacy_desktop.services.print_enqueue import queue_receipt
from pharmacy_desktop.services.printer_settings import PrinterSettings
from tests.printing.conftest import make_fill

D = Decimal
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32  # what is stored is the pad's PNG; its content is not read here
PHARMACY = PharmacyInfo("Main Street Pharmacy", ("120 Main Street",), "(217) 555-0142")


@dataclass(frozen=True)
class Tender:
    method: str
    amount: Decimal  # applied to the sale
    cash_tendered: Decimal | None = None
    last_four: str | None = None
    check_number: str | None = None


@dataclass(frozen=True)
class Picker:
    name: str
    relationship: str = "self"
    id_type: str | None = None
    id_number: str | None = None
    id_state: str | None = None


@dataclass(frozen=True)
class SaleRef:
    sale_id: uuid.UUID
    sale_number: str
    invoice_number: str
    payment_ids: tuple[uuid.UUID, ...]
    tender_ids: tuple[uuid.UUID, ...]
    receipt_job_id: uuid.UUID | None


def controlled_fill(uow_factory, actors, rx_number: str, schedule: str = "CII", drug: str = "Oxycodone HCl"):
    """A verified fill of a Schedule II-V drug; returns (refill_id, prescription_id)."""
    return make_fill(uow_factory, actors, rx_number=rx_number, schedule=schedule, drug=drug)


def ring_up(
    uow_factory,
    cashier,
    *,
    workstation: str,
    tenders: list[Tender],
    day: dt.date | None = None,
    fill: tuple[uuid.UUID, uuid.UUID] | None = None,
    picker: Picker | None = None,
    discount: Decimal = D("0.00"),
    tax: Decimal = D("0.00"),
    insurance: Decimal = D("0.00"),
    printers: PrinterSettings | None = None,
) -> SaleRef:
    """A completed sale paying one invoice (the fill's, or a front-store one) with `tenders`."""
    day = day or dt.date.today()
    pay = sum((t.amount for t in tenders), D("0.00"))
    change = sum(((t.cash_tendered or t.amount) - t.amount for t in tenders if t.method == "cash"), D("0.00"))
    subtotal = pay + insurance + discount - tax
    with uow_factory(cashier.user_id) as uow:
        patient_id = uuid.uuid4()
        rx = None
        if fill is not None:
            rx = uow.session.get(Prescription, fill[1])
            patient_id = rx.patient_id
        sale = Sale(
            sale_number=uow.sales.next_sale_number(),
            idempotency_key=uuid.uuid4(),
            patient_id=patient_id,
            workstation=workstation,
            cashier_id=cashier.user_id,
            business_date=day,
            subtotal=subtotal,
            tax_amount=tax,
            discount_amount=discount,
            insurance_payment=insurance,
            total_amount=pay + insurance,
            patient_pay=pay,
            change_due=change,
        )
        uow.session.add(sale)
        uow.session.flush()
        invoice = Invoice(
            invoice_number=uow.billing.next_invoice_number(),
            prescription_id=fill[1] if fill else None,
            prescription_refill_id=fill[0] if fill else None,
            sale_id=sale.id,
            patient_id=patient_id,
            invoice_date=day,
            subtotal=subtotal,
            tax_amount=tax,
            discount_amount=discount,
            insurance_payment=insurance,
            total_amount=pay + insurance,
            patient_copay=pay,
            status="paid",
        )
        uow.session.add(invoice)
        uow.session.flush()
        tender_ids, payment_ids = [], []
        for seq, t in enumerate(tenders, 1):
            row = uow.sales.add_tender(
                SaleTender(
                    sale_id=sale.id,
                    seq=seq,
                    method=t.method,
                    amount=t.amount,
                    cash_tendered=t.cash_tendered,
                    change_due=(t.cash_tendered or t.amount) - t.amount,
                    card_last_four=t.last_four,
                    check_number=t.check_number,
                )
            )
            payment = uow.billing.add_payment(
                invoice, t.amount, t.method, payment_date=day, card_last_four=t.last_four, check_number=t.check_number
            )
            payment.sale_tender_id = row.id
            tender_ids.append(row.id)
            payment_ids.append(payment.id)
        if fill is not None:
            who = picker or Picker("Jane Q Doe")
            pickup = Pickup(
                sale_id=sale.id,
                patient_id=patient_id,
                picker_name=who.name,
                picker_relationship=who.relationship,
                dob_confirmed=True,
                has_controlled=who.id_number is not None,
                id_type=who.id_type,
                id_number=who.id_number,
                id_state=who.id_state,
                signature_png=PNG,
                acknowledged_receipt=True,
                recorded_by=cashier.user_id,
                workstation=workstation,
            )
            uow.session.add(pickup)
            uow.session.flush()
            uow.session.add(
                PickupItem(
                    pickup_id=pickup.id, prescription_id=fill[1], prescription_refill_id=fill[0], counseling="declined"
                )
            )
        receipt_job_id = None
        if printers is not None:
            receipt = ReceiptData(
                pharmacy=PHARMACY,
                receipt_number=sale.sale_number,
                datetime=dt.datetime.now().replace(microsecond=0),
                cashier=cashier.display_name,
                invoice_numbers=(invoice.invoice_number,),
                lines=(ReceiptLine("Oxycodone HCl 5 mg", subtotal, rx.prescription_number if rx else None),),
                subtotal=subtotal,
                tax=tax,
                insurance_paid=insurance,
                copay_total=pay if rx else D("0.00"),
                total=pay,
                tenders=tuple(
                    ReceiptTender(t.method, t.amount, t.last_four, t.check_number, t.cash_tendered) for t in tenders
                ),
                change=change,
                discount_total=discount,
            )
            receipt_job_id = queue_receipt(
                uow,
                cashier,
                receipt,
                reference_type="sale",
                reference_id=sale.id,
                printers=printers,
                workstation=workstation,
            )
            sale.receipt_job_id = receipt_job_id
        ref = SaleRef(
            sale.id, sale.sale_number, invoice.invoice_number, tuple(payment_ids), tuple(tender_ids), receipt_job_id
        )
        uow.commit()
        return ref


def refund(uow_factory, manager, sale: SaleRef, index: int, amount: Decimal, day: dt.date | None = None) -> uuid.UUID:
    """A refund payment of `amount` against tender `index` of the sale (as the refund service records it)."""
    with uow_factory(manager.user_id) as uow:
        original = uow.session.get(Payment, sale.payment_ids[index])
        row = Payment(
            payment_number=uow.billing.next_payment_number(),
            invoice_id=original.invoice_id,
            patient_id=original.patient_id,
            payment_date=day or dt.date.today(),
            payment_method=original.payment_method,
            amount=amount,
            status="refunded",
            refund_of=original.id,
            sale_tender_id=original.sale_tender_id,
            reason="returned unopened",
            processed_by=manager.user_id,
        )
        uow.session.add(row)
        uow.commit()
        return row.id


def void(uow_factory, actor, *, workstation: str, amount: Decimal, day: dt.date | None = None) -> None:
    with uow_factory(actor.user_id) as uow:
        uow.sales.add_void(
            SaleVoid(
                sale_key=uuid.uuid4(),
                kind="line",
                description="Ibuprofen 200 mg 100 ct",
                amount=amount,
                reason="patient changed their mind",
                workstation=workstation,
                business_date=day or dt.date.today(),
                voided_by=actor.user_id,
            )
        )
        uow.commit()
