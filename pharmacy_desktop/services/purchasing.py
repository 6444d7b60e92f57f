"""Purchase orders (issue 14 item 2): draft orders from the reorder suggestions (or typed),
editing, sending with the order's PDF, cancelling. Suppliers and the suggestions themselves are
services/reorder.py (re-exported here: callers import this module); receiving is
services/receiving.py.

Schedule II. C-II items go on an order of their own (``is_schedule_ii``): the supplier ships them
only against a DEA Form 222 or CSOS order, which covers nothing else. Creating such an order, adding
to it and sending it need ``inventory.order_schedule_ii``; sending needs its Form 222 / CSOS
order number. Every other purchasing action needs ``inventory.receive`` (the schema has no
separate ordering permission: the people who receive stock are the ones who order it); reading
needs ``inventory.view``.

Orders are edited only while 'pending' (a draft); each edit names the order ``version`` it was
made on (services/purchase_views.py). Amounts are Decimal: line = quantity x unit price rounded
half-up to cents, subtotal = the lines, total = subtotal + tax + shipping.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pharmacy_desktop.db.models.inventory import PurchaseOrder, PurchaseOrderItem
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain import purchasing as rules
from pharmacy_desktop.domain.clock import local_now, utcnow
from pharmacy_desktop.domain.money import ZERO, to_money
from pharmacy_desktop.errors import NotFound, ValidationFailed
from pharmacy_desktop.printing.purchase_order import purchase_order_pdf
from pharmacy_desktop.services import purchase_checks as checks
from pharmacy_desktop.services import reorder
from pharmacy_desktop.services.access import Actor, require
from pharmacy_desktop.services.purchase_views import OrderLineView as OrderLineView
from pharmacy_desktop.services.purchase_views import OrderView, check_version, order_document, order_view
from pharmacy_desktop.services.reorder import Suggestion as Suggestion
from pharmacy_desktop.services.reorder import SupplierForm as SupplierForm
from pharmacy_desktop.services.reorder import SupplierSuggestions
from pharmacy_desktop.services.reorder import SupplierView as SupplierView
from pharmacy_desktop.services.reorder import list_suppliers as list_suppliers
from pharmacy_desktop.services.reorder import reorder_suggestions as reorder_suggestions
from pharmacy_desktop.services.reorder import save_supplier as save_supplier

__all__ = [
    "ORDER",
    "ORDER_C2",
    "VIEW",
    "OrderLineView",
    "OrderView",
    "SendResult",
    "Suggestion",
    "SupplierForm",
    "SupplierSuggestions",
    "SupplierView",
    "add_line",
    "cancel_order",
    "create_draft_orders",
    "create_order",
    "edit_line",
    "get_order",
    "list_orders",
    "list_suppliers",
    "order_pdf",
    "remove_line",
    "reorder_suggestions",
    "save_supplier",
    "send_order",
]

VIEW = "inventory.view"
ORDER = "inventory.receive"
ORDER_C2 = "inventory.order_schedule_ii"
TOPIC = "purchase_orders"


@dataclass(frozen=True)
class SendResult:
    order: OrderView
    pdf: bytes


def create_draft_orders(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    *,
    default_supplier_id: uuid.UUID | None = None,
    item_ids: Collection[uuid.UUID] | None = None,
) -> list[OrderView]:
    """Draft ('pending') orders from the suggestions (only those of ``item_ids`` when given): one
    per supplier, a C-II order apart. Suggestions are computed again here, under this transaction."""
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, ORDER, doing="create purchase orders")
        groups = reorder.suggestions_in(uow, default_supplier_id)
        if item_ids is not None:
            wanted = set(item_ids)
            groups = [
                SupplierSuggestions(g.supplier_id, g.supplier_name, g.is_schedule_ii, lines, g.total)
                for g in groups
                if (lines := tuple(s for s in g.lines if s.item_id in wanted))
            ]
        if any(g.is_schedule_ii for g in groups):
            require(uow, actor, ORDER_C2, doing="create a Schedule II order")
        orders = []
        for group in groups:
            wanted_lines = [(s.item_id, s.quantity, s.unit_price) for s in group.lines]
            orders.append(_new_order(uow, group.supplier_id, wanted_lines, note="from the reorder suggestions"))
        views = [order_view(uow, o) for o in orders]
        uow.commit()
        return views


def create_order(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    supplier_id: uuid.UUID,
    lines: Sequence[tuple[uuid.UUID, Decimal, Decimal | None]],
    *,
    notes: str | None = None,
) -> OrderView:
    """A draft order typed by the buyer: (item id, units, unit price or None for the item's cost)."""
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, ORDER, doing="create a purchase order")
        if uow.purchasing.supplier(supplier_id) is None:
            raise NotFound("The supplier was not found; it may have been removed on another workstation.")
        if not lines:
            raise ValidationFailed("An order needs at least one line. Add the items to order.")
        order = _new_order(uow, supplier_id, [], note=None)
        for item_id, quantity, price in lines:
            _add_line(uow, actor, order, item_id, quantity, price)
        if notes is not None:
            order.notes = checks.clean_notes(notes)
        _touch(order)
        view = order_view(uow, order)
        uow.commit()
        return view


def _new_order(
    uow: UnitOfWork, supplier_id: uuid.UUID, lines: Iterable[tuple[uuid.UUID, Decimal, Decimal]], *, note: str | None
) -> PurchaseOrder:
    order = PurchaseOrder(
        po_number=uow.purchasing.next_po_number(),
        supplier_id=supplier_id,
        order_date=local_now().date(),
        status=rules.PENDING,
        is_schedule_ii=False,
        tax_amount=ZERO,
        shipping_amount=ZERO,
        items=[],
    )
    uow.purchasing.add(order)
    for item_id, quantity, price in lines:
        found = uow.purchasing.item_with_medication(item_id)
        assert found is not None  # a suggestion's item, read in this transaction
        _append(uow, order, found[0], found[1], quantity, price)
    _touch(order)
    uow.record("PurchaseOrderCreated", "purchase_order", order.id, {"po_number": order.po_number, "how": note})
    uow.notify(TOPIC, order.id, status=order.status)
    return order


# -- editing a draft ------------------------------------------------------------------------------


def get_order(uow_factory: UnitOfWorkFactory, actor: Actor, order_id: uuid.UUID) -> OrderView:
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, VIEW, doing="see a purchase order")
        return order_view(uow, _order(uow, order_id, lock=False))


def list_orders(uow_factory: UnitOfWorkFactory, actor: Actor, statuses: Iterable[str] | None = None) -> list[OrderView]:
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, VIEW, doing="see the purchase orders")
        return [order_view(uow, o) for o in uow.purchasing.orders(statuses)]


def add_line(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    order_id: uuid.UUID,
    item_id: uuid.UUID,
    quantity: Decimal,
    *,
    version: str,
    unit_price: Decimal | None = None,
) -> OrderView:
    return _edit(
        uow_factory, actor, order_id, version, lambda uow, o: _add_line(uow, actor, o, item_id, quantity, unit_price)
    )


def edit_line(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    order_id: uuid.UUID,
    line_id: uuid.UUID,
    *,
    version: str,
    quantity: Decimal | None = None,
    unit_price: Decimal | None = None,
) -> OrderView:
    """Change a draft line's units and/or unit price (Decimal; the amount follows)."""

    def change(uow: UnitOfWork, order: PurchaseOrder) -> None:
        line = _line(order, line_id)
        if quantity is not None:
            line.quantity_ordered = checks.quantity(quantity)
        if unit_price is not None:
            line.unit_price = checks.unit_price(unit_price)
        line.total_price = rules.line_total(line.quantity_ordered, line.unit_price)
        uow.record(
            "PurchaseOrderLineChanged",
            "purchase_order",
            order.id,
            {"ndc": line.ndc_code, "quantity": line.quantity_ordered, "unit_price": line.unit_price},
        )

    return _edit(uow_factory, actor, order_id, version, change)


def remove_line(
    uow_factory: UnitOfWorkFactory, actor: Actor, order_id: uuid.UUID, line_id: uuid.UUID, *, version: str
) -> OrderView:
    def remove(uow: UnitOfWork, order: PurchaseOrder) -> None:
        line = _line(order, line_id)
        if len(order.items) == 1:
            raise ValidationFailed(
                f"{line.medication_name} is the only line of {order.po_number}. Cancel the order instead."
            )
        uow.purchasing.remove_line(order, line)
        uow.record("PurchaseOrderLineRemoved", "purchase_order", order.id, {"ndc": line.ndc_code})

    return _edit(uow_factory, actor, order_id, version, remove)


def _edit(uow_factory: UnitOfWorkFactory, actor: Actor, order_id: uuid.UUID, version: str, change: Any) -> OrderView:
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, ORDER, doing="change a purchase order")
        order = _order(uow, order_id, lock=True)
        check_version(order, version)
        if order.status != rules.PENDING:
            raise ValidationFailed(
                f"Purchase order {order.po_number} is {order.status.replace('_', ' ')}: only a draft can be changed."
            )
        if order.is_schedule_ii:
            require(uow, actor, ORDER_C2, doing="change a Schedule II order")
        change(uow, order)
        _touch(order)
        uow.notify(TOPIC, order.id, status=order.status)
        view = order_view(uow, order)
        uow.commit()
        return view


def _add_line(
    uow: UnitOfWork, actor: Actor, order: PurchaseOrder, item_id: uuid.UUID, quantity: Decimal, price: Decimal | None
) -> None:
    found = uow.purchasing.item_with_medication(item_id)
    if found is None:
        raise NotFound("The stock item was not found; it may have been removed on another workstation.")
    item, med = found
    c2 = rules.is_schedule_ii([med.dea_schedule])
    if order.items and c2 != bool(order.is_schedule_ii):
        raise ValidationFailed(
            f"{reorder.drug_name(med)}: Schedule II drugs go on an order of their own (DEA Form 222 / CSOS), "
            "apart from everything else. Put it on another order."
        )
    if c2:
        require(uow, actor, ORDER_C2, doing="order a Schedule II drug")
    if any(line.inventory_item_id == item.id for line in order.items):
        raise ValidationFailed(f"{reorder.drug_name(med)} is on this order already: change its quantity instead.")
    unit = checks.unit_price(price) if price is not None else (item.unit_cost or ZERO)
    _append(uow, order, item, med, checks.quantity(quantity), unit)
    uow.record("PurchaseOrderLineAdded", "purchase_order", order.id, {"ndc": item.ndc_code, "quantity": quantity})


def _append(uow: UnitOfWork, order: PurchaseOrder, item: Any, med: Any, quantity: Decimal, price: Decimal) -> None:
    line = PurchaseOrderItem(
        inventory_item_id=item.id,
        ndc_code=item.ndc_code,
        medication_name=reorder.drug_name(med),
        quantity_ordered=quantity,
        quantity_received=ZERO,
        unit_price=price,
        total_price=rules.line_total(quantity, price),
    )
    uow.purchasing.add_line(order, line)
    if rules.is_schedule_ii([med.dea_schedule]):
        order.is_schedule_ii = True


def _touch(order: PurchaseOrder) -> None:
    """Totals from the lines, and a new version stamp."""
    order.subtotal = rules.order_total(line.total_price for line in order.items)
    order.total_amount = to_money(order.subtotal + (order.tax_amount or ZERO) + (order.shipping_amount or ZERO))
    order.updated_at = utcnow()


def _order(uow: UnitOfWork, order_id: uuid.UUID, *, lock: bool) -> PurchaseOrder:
    order = uow.purchasing.order(order_id, lock=lock)
    if order is None:
        raise NotFound("The purchase order was not found; it may have been removed on another workstation.")
    return order


def _line(order: PurchaseOrder, line_id: uuid.UUID) -> PurchaseOrderItem:
    for line in order.items:
        if line.id == line_id:
            return line
    raise NotFound(f"That line is no longer on {order.po_number}; reload the order.")


# -- sending, cancelling --------------------------------------------------------------------------


def send_order(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    order_id: uuid.UUID,
    *,
    version: str | None = None,
    dea_order_number: str | None = None,
) -> SendResult:
    """Draft -> 'sent' (sent at/by), with the order as PDF for the supplier. A Schedule II order
    needs ``inventory.order_schedule_ii`` and its DEA Form 222 / CSOS order number."""
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, ORDER, doing="send a purchase order")
        order = _order(uow, order_id, lock=True)
        check_version(order, version)
        if order.status != rules.PENDING:
            raise ValidationFailed(
                f"Purchase order {order.po_number} is {order.status.replace('_', ' ')} already: "
                "only a draft is sent. Reprint its PDF instead."
            )
        if not order.items:
            raise ValidationFailed(f"Purchase order {order.po_number} has no lines. Add the items to order first.")
        if order.is_schedule_ii:
            require(uow, actor, ORDER_C2, doing="send a Schedule II order")
            order.dea_order_number = checks.dea_order_number(dea_order_number)
        order.status = rules.SENT
        order.sent_at = utcnow()
        order.sent_by = actor.user_id
        _touch(order)
        uow.flush()
        uow.record(
            "PurchaseOrderSent",
            "purchase_order",
            order.id,
            {"po_number": order.po_number, "total": order.total_amount, "dea_order_number": order.dea_order_number},
        )
        uow.notify(TOPIC, order.id, status=order.status)
        view = order_view(uow, order)
        document = order_document(uow, view)
        uow.commit()
    return SendResult(view, purchase_order_pdf(document))


def order_pdf(uow_factory: UnitOfWorkFactory, actor: Actor, order_id: uuid.UUID) -> bytes:
    """The order's PDF again (a reprint, or a draft's preview)."""
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, VIEW, doing="print a purchase order")
        document = order_document(uow, order_view(uow, _order(uow, order_id, lock=False)))
    return purchase_order_pdf(document)


def cancel_order(
    uow_factory: UnitOfWorkFactory, actor: Actor, order_id: uuid.UUID, *, reason: str, version: str | None = None
) -> OrderView:
    """A draft or sent order that nothing was received on -> 'cancelled', with the reason."""
    why = checks.reason(reason)
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, ORDER, doing="cancel a purchase order")
        order = _order(uow, order_id, lock=True)
        check_version(order, version)
        if order.is_schedule_ii:
            require(uow, actor, ORDER_C2, doing="cancel a Schedule II order")
        if order.status not in (rules.PENDING, rules.SENT):
            raise ValidationFailed(
                f"Purchase order {order.po_number} is {order.status.replace('_', ' ')}: stock was received on it, "
                "so it cannot be cancelled. Call the supplier about what is still missing."
            )
        order.status = rules.CANCELLED
        order.notes = checks.clean_notes("\n".join(p for p in (order.notes, f"Cancelled: {why}") if p))
        _touch(order)
        uow.record("PurchaseOrderCancelled", "purchase_order", order.id, {"po_number": order.po_number, "reason": why})
        uow.notify(TOPIC, order.id, status=order.status)
        view = order_view(uow, order)
        uow.commit()
        return view
