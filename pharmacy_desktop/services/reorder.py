"""Suppliers and reorder suggestions (issue 14 item 2); re-exported by services/purchasing.py, which
turns the suggestions into draft orders.

Which supplier an item is ordered from. The schema keeps no supplier per item, so the suggestion
takes the supplier of the item's most recent order that was not cancelled (the buyer's habit,
learnt from the orders); an item never ordered goes to the default supplier the caller names (the
screen's choice), else the first active supplier by name. An item whose last supplier is no longer
active goes to the default too. C-II items are suggested on an order of their own (DEA Form 222 /
CSOS covers nothing else).

How much: domain/purchasing.reorder_quantity (at or below the reorder point, counting what open
orders still bring; the reorder quantity or up to par, in whole catalog packages), priced at the
item's unit cost (0 when not known: "to be quoted" on the order).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pharmacy_desktop.db.models.inventory import Supplier
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain import purchasing as rules
from pharmacy_desktop.domain.drug_names import drug_display_name
from pharmacy_desktop.domain.money import ZERO
from pharmacy_desktop.errors import NotFound, ValidationFailed
from pharmacy_desktop.services import purchase_checks as checks
from pharmacy_desktop.services.access import Actor, require
from pharmacy_desktop.services.purchase_checks import SupplierForm
from pharmacy_desktop.services.purchase_views import SupplierView, package_units, schedule_label, supplier_view

__all__ = [
    "Suggestion",
    "SupplierForm",
    "SupplierSuggestions",
    "SupplierView",
    "drug_name",
    "list_suppliers",
    "reorder_suggestions",
    "save_supplier",
    "suggestions_in",
]

VIEW = "inventory.view"
ORDER = "inventory.receive"


@dataclass(frozen=True)
class Suggestion:
    item_id: uuid.UUID
    ndc: str
    drug: str
    schedule: str
    package: str
    package_size: Decimal | None
    on_hand: Decimal
    on_order: Decimal
    reorder_point: Decimal
    reorder_quantity: Decimal
    par_level: Decimal | None
    quantity: Decimal  # units, whole packages
    unit_price: Decimal  # the item's unit cost; 0 when not known
    amount: Decimal
    is_schedule_ii: bool
    unit: str = ""  # the item's quantity unit and the drug's form: quantity_text(q, unit, dosage_form)
    dosage_form: str | None = None


@dataclass(frozen=True)
class SupplierSuggestions:
    """The suggested lines of one future order: one supplier, C-II apart from the rest."""

    supplier_id: uuid.UUID
    supplier_name: str
    is_schedule_ii: bool
    lines: tuple[Suggestion, ...]
    total: Decimal


# -- suppliers ------------------------------------------------------------------------------------


def list_suppliers(uow_factory: UnitOfWorkFactory, actor: Actor, *, active_only: bool = True) -> list[SupplierView]:
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, VIEW, doing="see the suppliers")
        return [supplier_view(s) for s in uow.purchasing.suppliers(active_only=active_only)]


def save_supplier(
    uow_factory: UnitOfWorkFactory, actor: Actor, form: SupplierForm, supplier_id: uuid.UUID | None = None
) -> SupplierView:
    """Add a supplier (``supplier_id`` None) or change one; the name is unique (case aside)."""
    values = checks.supplier_values(form)
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, ORDER, doing="add or change a supplier")
        same_name = uow.purchasing.supplier_named(values["name"])
        if same_name is not None and same_name.id != supplier_id:
            raise ValidationFailed(
                f"A supplier named {same_name.name} exists already. Change that one, or give this one another name.",
                {"name": "already used"},
            )
        if supplier_id is None:
            supplier = uow.purchasing.add_supplier(Supplier(**values))
        else:
            found = uow.purchasing.supplier(supplier_id)
            if found is None:
                raise NotFound("The supplier was not found; it may have been removed on another workstation.")
            supplier = found
            for key, value in values.items():
                setattr(supplier, key, value)
        uow.flush()
        uow.record("SupplierSaved", "supplier", supplier.id, {"name": supplier.name, "new": supplier_id is None})
        uow.notify("suppliers", supplier.id)
        view = supplier_view(supplier)
        uow.commit()
        return view


# -- reorder suggestions --------------------------------------------------------------------------


def reorder_suggestions(
    uow_factory: UnitOfWorkFactory, actor: Actor, *, default_supplier_id: uuid.UUID | None = None
) -> list[SupplierSuggestions]:
    """What needs ordering (domain/purchasing.reorder_quantity), grouped by supplier, C-II apart."""
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, VIEW, doing="see the reorder suggestions")
        return suggestions_in(uow, default_supplier_id)


def suggestions_in(uow: UnitOfWork, default_supplier_id: uuid.UUID | None) -> list[SupplierSuggestions]:
    candidates = uow.purchasing.reorder_candidates()
    item_ids = [row[0].id for row in candidates]
    on_order = uow.purchasing.on_order(item_ids)
    suppliers = {s.id: s for s in uow.purchasing.suppliers()}
    default = _default_supplier(suppliers, default_supplier_id)
    last = uow.purchasing.last_suppliers(item_ids)
    groups: dict[tuple[uuid.UUID, bool], list[Suggestion]] = {}
    for item, med in candidates:
        size, package = package_units(med.package_description)
        need = rules.ReorderNeed(
            item.quantity_on_hand,
            item.reorder_point,
            item.reorder_quantity,
            item.par_level,
            on_order.get(item.id, ZERO),
            size,
        )
        quantity = rules.reorder_quantity(need)
        if quantity <= 0:
            continue
        supplier_id = last.get(item.id)
        if supplier_id not in suppliers:
            if default is None:
                raise ValidationFailed(
                    "Items need ordering but there is no active supplier. Add a supplier first, then try again."
                )
            supplier_id = default
        assert supplier_id is not None
        c2 = rules.is_schedule_ii([med.dea_schedule])
        price = item.unit_cost if item.unit_cost is not None else ZERO
        groups.setdefault((supplier_id, c2), []).append(
            Suggestion(
                item.id,
                item.ndc_code,
                drug_name(med),
                schedule_label(med.dea_schedule),
                package,
                size,
                item.quantity_on_hand,
                need.on_order,
                item.reorder_point,
                item.reorder_quantity,
                item.par_level,
                quantity,
                price,
                rules.line_total(quantity, price),
                c2,
                unit=item.quantity_unit,
                dosage_form=med.dosage_form,
            )
        )
    result = [
        SupplierSuggestions(sid, suppliers[sid].name, c2, tuple(lines), rules.order_total(x.amount for x in lines))
        for (sid, c2), lines in groups.items()
    ]
    return sorted(result, key=lambda g: (g.supplier_name.lower(), g.is_schedule_ii))


def _default_supplier(suppliers: dict[uuid.UUID, Any], chosen: uuid.UUID | None) -> uuid.UUID | None:
    if chosen is not None:
        if chosen not in suppliers:
            raise ValidationFailed("The default supplier chosen is not an active supplier. Choose another one.")
        return chosen
    by_name = sorted(suppliers.values(), key=lambda s: (s.name.lower(), s.id))
    return by_name[0].id if by_name else None


def drug_name(med: Any) -> str:
    """The line's drug as an order names it: 'Atorvastatin Calcium 10 mg tablet' (``domain/drug_names``)."""
    return drug_display_name(med.drug_name, med.strength, med.dosage_form)[:255]
