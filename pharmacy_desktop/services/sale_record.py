"""The rows a completed sale writes, inside ``sale.complete_sale``'s one transaction.

sales, sale_tenders, invoices (one per fill, one front-store) with their items from the sale_math
drafts, payments (each tender's allocations: one row per tender and invoice, numbered from the
payment sequence), pickups (one per patient whose bag is handed over) with their items, the
prescriptions ``ready -> dispensed -> completed`` and their fills ``dispensed``, a discount use, the
patient's privacy-notice acknowledgement, and a domain event for each change.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from decimal import Decimal

from pharmacy_desktop.db.models.billing import DiscountUse, Invoice, InvoiceItem, Sale, SaleTender
from pharmacy_desktop.db.models.prescriptions import Pickup, PickupItem, Prescription, PrescriptionRefill
from pharmacy_desktop.db.unit_of_work import UnitOfWork
from pharmacy_desktop.domain.clock import utcnow
from pharmacy_desktop.domain.money import ZERO
from pharmacy_desktop.domain.sale_math import FRONT_STORE_KEY, SaleDraft, TenderPlan
from pharmacy_desktop.domain.workflow import RxStatus, transition
from pharmacy_desktop.services.access import Actor
from pharmacy_desktop.services.sale_cart import PricedCart, SaleRequest
from pharmacy_desktop.services.sale_checks import Bag, Counseling


def write_sale(
    uow: UnitOfWork,
    actor: Actor,
    request: SaleRequest,
    draft: SaleDraft,
    plan: TenderPlan,
    cart: PricedCart,
    today: dt.date,
) -> Sale:
    handed = sum((t.cash_tendered or ZERO for t in plan.tenders if t.method == "cash"), ZERO)
    sale = Sale(
        id=uuid.uuid4(),
        sale_number=uow.sales.next_sale_number(),
        idempotency_key=request.sale_key,
        patient_id=request.patient_id,
        status="completed",
        workstation=actor.workstation,
        cashier_id=actor.user_id,
        business_date=today,
        subtotal=draft.subtotal,
        tax_amount=draft.tax,
        tax_rate=cart.tax_rate,
        discount_amount=draft.discount,
        insurance_payment=draft.insurance,
        total_amount=draft.total,
        patient_pay=draft.patient_pay,
        cash_tendered=handed if any(t.method == "cash" for t in plan.tenders) else None,
        change_due=plan.change_due,
        discount_id=cart.discount.id if cart.discount is not None and draft.discount > 0 else None,
    )
    uow.sales.add(sale)
    uow.flush()
    return sale


def write_tenders(uow: UnitOfWork, request: SaleRequest, sale: Sale, plan: TenderPlan) -> list[SaleTender]:
    rows = []
    for planned in plan.tenders:
        given = request.tenders[planned.index]
        rows.append(
            uow.sales.add_tender(
                SaleTender(
                    sale_id=sale.id,
                    seq=planned.index + 1,
                    method=planned.method,
                    amount=planned.applied,
                    cash_tendered=planned.cash_tendered,
                    change_due=planned.change_due,
                    card_last_four=given.card_last_four if planned.method.endswith("_card") else None,
                    transaction_id=(given.transaction_id or "").strip() or None,
                    auth_code=(given.auth_code or "").strip() or None,
                    check_number=(given.check_number or "").strip() or None,
                    status="approved",
                )
            )
        )
    return rows


def write_invoices(
    uow: UnitOfWork,
    request: SaleRequest,
    sale: Sale,
    draft: SaleDraft,
    plan: TenderPlan,
    tenders: Sequence[SaleTender],
    cart: PricedCart,
    today: dt.date,
) -> list[Invoice]:
    invoices = []
    for draft_invoice in draft.invoices:
        refill = None if draft_invoice.key == FRONT_STORE_KEY else cart.refills[uuid.UUID(draft_invoice.key)]
        rx = cart.prescriptions[refill.prescription_id] if refill is not None and refill.prescription_id else None
        invoice = Invoice(
            invoice_number=uow.billing.next_invoice_number(),
            prescription_id=rx.id if rx is not None else None,
            prescription_refill_id=refill.id if refill is not None else None,
            sale_id=sale.id,
            patient_id=rx.patient_id if rx is not None else request.patient_id,
            invoice_date=today,
            subtotal=draft_invoice.subtotal,
            tax_amount=draft_invoice.tax_amount,
            discount_amount=draft_invoice.discount_amount,
            insurance_payment=draft_invoice.insurance_payment,
            total_amount=draft_invoice.total_amount,
            patient_copay=draft_invoice.patient_copay,
            status="paid",
            notes=f"Sale {sale.sale_number}" + (f", discount {draft.discount_code}" if draft.discount_code else ""),
        )
        invoice.items = [
            InvoiceItem(
                prescription_item_id=refill.prescription_item_id if refill is not None else None,
                item_type=line.item_type,
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                total_price=line.total_price,
                ndc_code=line.ndc,
                store_product_id=line.product_id if isinstance(line.product_id, uuid.UUID) else None,
            )
            for line in draft_invoice.lines
        ]
        uow.billing.add(invoice)
        uow.flush()
        for allocation in plan.allocations:
            if allocation.invoice_key != draft_invoice.key:
                continue
            tender = tenders[allocation.tender_index]
            payment = uow.billing.add_payment(
                invoice,
                allocation.amount,
                tender.method,
                payment_date=today,
                card_last_four=tender.card_last_four,
                transaction_id=tender.transaction_id,
                check_number=tender.check_number,
            )
            payment.sale_tender_id = tender.id
        uow.record(
            "InvoicePaid",
            "invoice",
            invoice.id,
            {
                "invoice_number": invoice.invoice_number,
                "sale_number": sale.sale_number,
                "total": invoice.total_amount,
                "patient_copay": invoice.patient_copay,
            },
        )
        invoices.append(invoice)
    return invoices


def write_pickups(
    uow: UnitOfWork,
    actor: Actor,
    request: SaleRequest,
    sale: Sale,
    bags: Sequence[Bag],
    counseling: dict[uuid.UUID, Counseling],
    privacy_needed: bool,
) -> list[Pickup]:
    if not bags:
        return []  # front-store items only: nothing to hand over
    picker = request.picker
    assert picker is not None  # checked before anything is written
    ident = picker.identification
    now = utcnow()
    rows = []
    for bag in bags:
        pickup = Pickup(
            sale_id=sale.id,
            patient_id=bag.patient_id,
            picker_name=picker.name.strip(),
            picker_relationship=bag.relationship,
            picker_patient_id=picker.patient_id,
            dob_confirmed=True,
            has_controlled=bag.has_controlled,
            id_type=ident.id_type if ident is not None else None,
            id_number=ident.id_number.strip() if ident is not None else None,
            id_state=ident.id_state.strip().upper() if ident is not None else None,
            id_expiry=ident.id_expiry if ident is not None else None,
            signature_png=request.signature_png,
            acknowledged_receipt=request.acknowledged_receipt,
            acknowledged_counseling=request.acknowledged_counseling,
            acknowledged_privacy_notice=request.acknowledged_privacy_notice or not privacy_needed,
            recorded_by=actor.user_id,
            workstation=actor.workstation,
        )
        pickup.items = [
            PickupItem(
                prescription_id=refill.prescription_id,
                prescription_refill_id=refill.id,
                counseling=counseling[refill.id].status,
                counseled_by=counseling[refill.id].counseled_by,
                counseled_at=now if counseling[refill.id].status == "accepted" else None,
                notes=counseling[refill.id].notes,
            )
            for refill in bag.refills
        ]
        uow.pickups.add(pickup)
        uow.record(
            "PrescriptionsPickedUp",
            "patient",
            bag.patient_id,
            {
                "sale_number": sale.sale_number,
                "picker_relationship": bag.relationship,
                "controlled": bag.has_controlled,
                "prescriptions": len(bag.refills),
            },
        )
        rows.append(pickup)
    return rows


def dispense(
    uow: UnitOfWork,
    actor: Actor,
    sale: Sale,
    refills: Sequence[PrescriptionRefill],
    prescriptions: dict[uuid.UUID, Prescription],
    counseling: dict[uuid.UUID, Counseling],
) -> None:
    """Each prescription ready -> dispensed -> completed, its fills dispensed, an event per change."""
    now = utcnow()
    by_rx: dict[uuid.UUID, list[PrescriptionRefill]] = {}
    for refill in refills:
        assert refill.prescription_id is not None
        by_rx.setdefault(refill.prescription_id, []).append(refill)
    for rx_id, fills in by_rx.items():
        rx = prescriptions[rx_id]
        statuses = [counseling[f.id].status for f in fills]
        for refill in fills:
            refill.status = "dispensed"
        rx.status = transition(rx.status, RxStatus.DISPENSED).value
        rx.dispensed_at, rx.dispensed_by = now, actor.user_id
        rx.counseling_completed = "accepted" in statuses
        rx.counseling_declined = "declined" in statuses and "accepted" not in statuses
        data = {
            "rx_number": rx.prescription_number,
            "sale_number": sale.sale_number,
            "refill_ids": [f.id for f in fills],
        }
        uow.record("PrescriptionDispensed", "prescription", rx.id, {**data, "counseling": statuses})
        rx.status = transition(rx.status, RxStatus.COMPLETED).value
        uow.record("PrescriptionCompleted", "prescription", rx.id, data)
        uow.notify("prescriptions", rx.id, status=rx.status)
    uow.flush()


def use_discount(uow: UnitOfWork, request: SaleRequest, sale: Sale, cart: PricedCart, amount: Decimal) -> None:
    if cart.discount is None or amount <= 0:
        return
    uow.sales.add_discount_use(
        DiscountUse(discount_id=cart.discount.id, sale_id=sale.id, patient_id=request.patient_id, amount=amount)
    )
    uow.record(
        "DiscountUsed", "discount", cart.discount.id, {"code": cart.discount.code, "sale_number": sale.sale_number}
    )
