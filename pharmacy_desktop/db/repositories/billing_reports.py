"""Day-end queries over billing_schema (and the pickups they paid for): the Z report, the drawer count,
and finding a sale by any of its numbers for a receipt reprint.

Sales count on their ``business_date``; refunds on the day the refund payment was made
(``payment_date``), against the workstation of the sale they refund (payments record no
workstation of their own).
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import distinct, func, or_, select, union
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from pharmacy_desktop.db.models.billing import DrawerClose, Invoice, Payment, Sale, SaleTender, SaleVoid
from pharmacy_desktop.db.models.prescriptions import Medication, Pickup, PickupItem, Prescription, PrescriptionRefill
from pharmacy_desktop.db.repositories.base import Repository
from pharmacy_desktop.errors import ValidationFailed

__all__ = ["BillingReportsRepository", "TenderSum", "ControlledPickupRow", "SaleTotals"]

ZERO = Decimal("0.00")


class TenderSum(NamedTuple):
    method: str
    tenders: int  # how many (not `count`: that is tuple.count)
    amount: Decimal


class SaleTotals(NamedTuple):
    sales: int
    discount: Decimal
    tax: Decimal
    insurance: Decimal


class ControlledPickupRow(NamedTuple):
    rx_number: str
    drug_name: str
    strength: str | None
    dea_schedule: str
    picker_name: str
    id_type: str | None
    id_number: str | None
    id_state: str | None
    picked_up_at: dt.datetime


def _money(value: Any) -> Decimal:
    return Decimal(value if value is not None else 0).quantize(Decimal("0.01"))


class BillingReportsRepository(Repository[DrawerClose]):
    model = DrawerClose
    label = "drawer close"

    # -- money taken and given back ---------------------------------------------------------------

    def sales_by_tender(self, day: dt.date, workstation: str | None = None) -> list[TenderSum]:
        """Tenders of the day's sales by method: how many, and the amount applied (cash net of change)."""
        stmt = (
            select(SaleTender.method, func.count(), func.sum(SaleTender.amount))
            .join(Sale, Sale.id == SaleTender.sale_id)
            .where(Sale.business_date == day)
            .group_by(SaleTender.method)
            .order_by(SaleTender.method)
        )
        if workstation is not None:
            stmt = stmt.where(Sale.workstation == workstation)
        return [TenderSum(m, int(n), _money(a)) for m, n, a in self.session.execute(stmt)]

    def refunds_by_tender(self, day: dt.date, workstation: str | None = None) -> list[TenderSum]:
        """Refund payments made that day by method; a tender refunded across several invoices counts once."""
        tender = aliased(SaleTender)
        sale_id = func.coalesce(tender.sale_id, Invoice.sale_id)
        stmt = (
            select(
                Payment.payment_method,
                func.count(distinct(func.coalesce(Payment.sale_tender_id, Payment.id))),
                func.sum(Payment.amount),
            )
            .outerjoin(tender, tender.id == Payment.sale_tender_id)
            .outerjoin(Invoice, Invoice.id == Payment.invoice_id)
            .where(Payment.status == "refunded", Payment.payment_date == day)
            .group_by(Payment.payment_method)
            .order_by(Payment.payment_method)
        )
        if workstation is not None:
            stmt = stmt.join(Sale, Sale.id == sale_id).where(Sale.workstation == workstation)
        return [TenderSum(m, int(n), _money(a)) for m, n, a in self.session.execute(stmt)]

    def voids(self, day: dt.date, workstation: str | None = None) -> tuple[int, Decimal]:
        stmt = select(func.count(), func.sum(SaleVoid.amount)).where(SaleVoid.business_date == day)
        if workstation is not None:
            stmt = stmt.where(SaleVoid.workstation == workstation)
        count, amount = self.session.execute(stmt).one()
        return int(count), _money(amount)

    def sale_totals(self, day: dt.date) -> SaleTotals:
        stmt = select(
            func.count(), func.sum(Sale.discount_amount), func.sum(Sale.tax_amount), func.sum(Sale.insurance_payment)
        ).where(Sale.business_date == day)
        count, discount, tax, insurance = self.session.execute(stmt).one()
        return SaleTotals(int(count), _money(discount), _money(tax), _money(insurance))

    def workstations(self, day: dt.date) -> list[str]:
        """Every workstation that sold, voided or closed a drawer that day, by name."""
        stmt = union(
            select(Sale.workstation).where(Sale.business_date == day),
            select(SaleVoid.workstation).where(SaleVoid.business_date == day),
            select(DrawerClose.workstation).where(DrawerClose.business_date == day),
        )
        return sorted(str(name) for (name,) in self.session.execute(stmt))

    # -- what was handed over -----------------------------------------------------------------------

    def prescriptions_picked_up(self, day: dt.date) -> int:
        stmt = (
            select(func.count())
            .select_from(PickupItem)
            .join(Pickup, Pickup.id == PickupItem.pickup_id)
            .join(Sale, Sale.id == Pickup.sale_id)
            .where(Sale.business_date == day)
        )
        return int(self.session.execute(stmt).scalar_one())

    def controlled_pickups(self, day: dt.date) -> list[ControlledPickupRow]:
        """Schedule II-V prescriptions handed over in the day's sales, with the picker's ID, by time."""
        stmt = (
            select(
                Prescription.prescription_number,
                Medication.drug_name,
                Medication.strength,
                Medication.dea_schedule,
                Pickup.picker_name,
                Pickup.id_type,
                Pickup.id_number,
                Pickup.id_state,
                Pickup.picked_up_at,
            )
            .select_from(PickupItem)
            .join(Pickup, Pickup.id == PickupItem.pickup_id)
            .join(Sale, Sale.id == Pickup.sale_id)
            .join(Prescription, Prescription.id == PickupItem.prescription_id)
            .join(PrescriptionRefill, PrescriptionRefill.id == PickupItem.prescription_refill_id)
            .join(Medication, Medication.id == PrescriptionRefill.medication_id)
            .where(Sale.business_date == day, func.coalesce(Medication.dea_schedule, "") != "")
            .order_by(Pickup.picked_up_at, Prescription.prescription_number)
        )
        return [ControlledPickupRow(*row) for row in self.session.execute(stmt)]

    # -- drawer closes ------------------------------------------------------------------------------

    def drawer_closes(self, day: dt.date) -> list[DrawerClose]:
        stmt = select(DrawerClose).where(DrawerClose.business_date == day).order_by(DrawerClose.workstation)
        return list(self.session.scalars(stmt))

    def drawer_close(self, day: dt.date, workstation: str) -> DrawerClose | None:
        stmt = select(DrawerClose).where(DrawerClose.business_date == day, DrawerClose.workstation == workstation)
        return self.session.scalars(stmt).first()

    def add_drawer_close(
        self,
        *,
        day: dt.date,
        workstation: str,
        opening_float: Decimal,
        expected: dict[str, str],
        counted: dict[str, str],
        variance: dict[str, str],
        notes: str | None,
        closed_by: uuid.UUID | None,
    ) -> DrawerClose:
        """The day's close of one drawer; a second close of the same drawer that day is refused (the
        UNIQUE constraint decides when two workstations close it at the same moment)."""
        row = DrawerClose(
            business_date=day,
            workstation=workstation,
            opening_float=opening_float,
            expected=expected,
            counted=counted,
            variance=variance,
            notes=notes,
            closed_by=closed_by,
        )
        try:
            with self.session.begin_nested():
                self.session.add(row)
                self.session.flush()
        except IntegrityError:
            raise ValidationFailed(
                f"The drawer of {workstation} for {day:%m/%d/%Y} was closed on another workstation a moment ago; "
                "a drawer is closed once a day. Print the Z report to see its count."
            ) from None
        self.session.refresh(row)  # closed_at from the server
        return row

    # -- receipts -----------------------------------------------------------------------------------

    def sale_for_receipt(self, number: str) -> Sale | None:
        """The sale with this sale number or owning this invoice number (either is on the receipt)."""
        wanted = number.strip().upper()
        invoices = select(Invoice.sale_id).where(func.upper(Invoice.invoice_number) == wanted)
        stmt = select(Sale).where(or_(func.upper(Sale.sale_number) == wanted, Sale.id.in_(invoices)))
        return self.session.scalars(stmt).first()
