"""What purchasing and receiving hand back: frozen views of suppliers, orders and their lines,
built inside the unit of work; and the order's PDF document (printing/purchase_order.py).

An order's ``version`` is its ``updated_at`` as text: every change to an order or its lines stamps
the order row anew (services/purchasing.py ``_touch``), so an edit made from a stale screen is
refused instead of overwriting what another workstation saved.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pharmacy_desktop.db.unit_of_work import UnitOfWork
from pharmacy_desktop.domain.dispensing import package_size
from pharmacy_desktop.domain.money import ZERO
from pharmacy_desktop.domain.schedules import parse_schedule
from pharmacy_desktop.errors import ConcurrentUpdate
from pharmacy_desktop.printing.purchase_order import PurchaseOrderDocument, PurchaseOrderLine

__all__ = [
    "OrderLineView",
    "OrderView",
    "SupplierView",
    "check_version",
    "order_document",
    "order_view",
    "package_units",
    "schedule_label",
    "supplier_view",
]


@dataclass(frozen=True)
class SupplierView:
    id: uuid.UUID
    name: str
    contact_name: str | None
    phone: str | None
    email: str | None
    address: str | None
    payment_terms: str | None
    minimum_order_amount: Decimal | None
    dea_number: str | None
    account_number: str | None
    is_active: bool


@dataclass(frozen=True)
class OrderLineView:
    id: uuid.UUID
    item_id: uuid.UUID | None
    ndc: str
    drug: str
    schedule: str  # "C-II", "" when not controlled
    package: str  # "100 tablet per bottle", "" when unknown
    package_size: Decimal | None
    quantity_ordered: Decimal
    quantity_received: Decimal
    unit_price: Decimal
    amount: Decimal
    dosage_form: str | None = None  # quantities in the dispensing unit: quantity_text(q, None, dosage_form)

    @property
    def outstanding(self) -> Decimal:
        return self.quantity_ordered - self.quantity_received

    @property
    def complete(self) -> bool:
        return self.quantity_received >= self.quantity_ordered


@dataclass(frozen=True)
class OrderView:
    id: uuid.UUID
    po_number: str
    supplier_id: uuid.UUID | None
    supplier_name: str
    status: str
    order_date: dt.date
    expected_delivery_date: dt.date | None
    actual_delivery_date: dt.date | None
    is_schedule_ii: bool
    dea_order_number: str | None
    sent_at: dt.datetime | None
    sent_by: uuid.UUID | None
    subtotal: Decimal
    total: Decimal
    notes: str | None
    version: str
    lines: tuple[OrderLineView, ...]


def supplier_view(s: Any) -> SupplierView:
    return SupplierView(
        s.id,
        s.name,
        s.contact_name,
        s.phone,
        s.email,
        s.address,
        s.payment_terms,
        s.minimum_order_amount,
        s.dea_number,
        s.account_number,
        s.is_active is not False,
    )


def schedule_label(value: str | None) -> str:
    try:
        schedule = parse_schedule(value)
    except ValueError:
        return value or ""
    return "" if schedule.roman is None else schedule.display


def package_units(description: str | None) -> tuple[Decimal | None, str]:
    """Units in one catalog package and how to say it ("100 tablet per bottle")."""
    size = package_size(description)
    return (size.quantity, str(size)) if size is not None else (None, "")


def version_of(order: Any) -> str:
    return order.updated_at.isoformat() if order.updated_at is not None else ""


def check_version(order: Any, version: str | None) -> None:
    """Refuse an edit made from a copy of the order older than the one saved now."""
    if version is not None and version != version_of(order):
        raise ConcurrentUpdate(
            f"Purchase order {order.po_number} was changed on another workstation while you were editing it. "
            "Nothing was saved: reload the order and make your change again."
        )


def order_view(uow: UnitOfWork, order: Any) -> OrderView:
    meds = uow.purchasing.medications_of_items([line.inventory_item_id for line in order.items])
    # by id, not the relationship: a new order has none loaded
    supplier = uow.purchasing.supplier(order.supplier_id) if order.supplier_id else None
    lines = []
    for line in sorted(order.items, key=lambda x: (x.medication_name, x.ndc_code, x.id)):
        med = meds.get(line.inventory_item_id)
        size, package = package_units(med.package_description if med is not None else None)
        lines.append(
            OrderLineView(
                line.id,
                line.inventory_item_id,
                line.ndc_code,
                line.medication_name,
                schedule_label(med.dea_schedule if med is not None else None),
                package,
                size,
                line.quantity_ordered,
                line.quantity_received or ZERO,
                line.unit_price,
                line.total_price,
                dosage_form=med.dosage_form if med is not None else None,
            )
        )
    return OrderView(
        order.id,
        order.po_number,
        order.supplier_id,
        supplier.name if supplier is not None else "",
        order.status,
        order.order_date,
        order.expected_delivery_date,
        order.actual_delivery_date,
        bool(order.is_schedule_ii),
        order.dea_order_number,
        order.sent_at,
        order.sent_by,
        order.subtotal if order.subtotal is not None else ZERO,
        order.total_amount if order.total_amount is not None else ZERO,
        order.notes,
        version_of(order),
        tuple(lines),
    )


def order_document(uow: UnitOfWork, view: OrderView, *, printed_at: dt.datetime | None = None) -> PurchaseOrderDocument:
    """The PDF's plain data: the order, its supplier and the pharmacy profile."""
    profile = uow.users.pharmacy_profile()
    supplier = uow.purchasing.supplier(view.supplier_id) if view.supplier_id else None
    address = ""
    if profile is not None:
        street = ", ".join(p for p in (profile.address_line1, profile.address_line2) if p)
        address = f"{street}, {profile.city}, {profile.state} {profile.zip_code}"
    ordered_by = ""
    if view.sent_by is not None:
        user = uow.users.get(view.sent_by)
        ordered_by = f"{user.first_name} {user.last_name}" if user is not None else ""
    return PurchaseOrderDocument(
        po_number=view.po_number,
        order_date=view.order_date,
        pharmacy_name=profile.name if profile is not None else "",
        pharmacy_address=address,
        pharmacy_phone=profile.phone if profile is not None else "",
        pharmacy_dea=(profile.dea or "") if profile is not None else "",
        supplier_name=view.supplier_name,
        supplier_contact=(supplier.contact_name or "") if supplier is not None else "",
        account_number=(supplier.account_number or "") if supplier is not None else "",
        expected_delivery=view.expected_delivery_date,
        is_schedule_ii=view.is_schedule_ii,
        dea_order_number=view.dea_order_number or "",
        ordered_by=ordered_by,
        notes=view.notes or "",
        lines=tuple(
            PurchaseOrderLine(line.ndc, line.drug, line.package, line.quantity_ordered, line.unit_price, line.amount)
            for line in view.lines
        ),
        total=view.total,
        printed_at=printed_at,
    )
