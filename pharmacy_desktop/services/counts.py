"""Cycle counts by scanning, blind (issue 14 item 4).

``open_count`` takes a shelf (a bin location or its beginning) or a list of items; ``record_count``
takes one scan (the NDC from the bottle's barcode) and the quantity typed; ``submit_count`` closes
the counting and returns the variance list, each variance an adjustment of type physical_count
through services/adjustments (pending for approval, or approved at once when small and not
controlled, as any adjustment); ``last_counted_at`` is set for every counted item.

Blind: while a count is open nothing here returns the expected quantity (``CountLineView.expected``
is None), so the person counting cannot copy the number on record.

The expected quantity of a line is the item's on hand at the moment the line is counted (taken
again at each scan of it): fills between opening the count and counting the shelf must not show up
as a variance. What an approval applies is the variance itself (services/adjustments).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from pharmacy_desktop.db.models.inventory import InventoryCount
from pharmacy_desktop.db.retry import with_retry
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain import adjustments as rules
from pharmacy_desktop.domain.clock import utcnow
from pharmacy_desktop.domain.drug_names import drug_display_name, strength_text, title_case
from pharmacy_desktop.errors import NotFound, ValidationFailed
from pharmacy_desktop.services import adjustments
from pharmacy_desktop.services.access import Actor, require
from pharmacy_desktop.services.adjustment_views import AdjustmentView, adjustment_view
from pharmacy_desktop.services.scan_resolution import AMBIGUOUS, FOUND, resolve_scan

__all__ = [
    "CountLineView",
    "CountResult",
    "CountSheet",
    "VarianceLine",
    "cancel_count",
    "count_sheet",
    "open_count",
    "record_count",
    "submit_count",
]

OPEN, SUBMITTED, CLOSED, CANCELLED = "open", "submitted", "closed", "cancelled"


@dataclass(frozen=True)
class CountLineView:
    item_id: uuid.UUID
    ndc: str
    drug_name: str
    strength: str | None
    bin_location: str | None
    unit: str
    counted: Decimal | None
    expected: Decimal | None  # None while a blind count is open: never shown to the counter
    dosage_form: str | None = None  # with unit: quantity_text(counted, unit, dosage_form)


@dataclass(frozen=True)
class CountSheet:
    id: uuid.UUID
    count_number: str
    scope: str
    status: str
    is_blind: bool
    lines: tuple[CountLineView, ...]

    @property
    def uncounted(self) -> int:
        return sum(1 for line in self.lines if line.counted is None)


@dataclass(frozen=True)
class VarianceLine:
    item_id: uuid.UUID
    ndc: str
    drug_name: str
    expected: Decimal
    counted: Decimal
    variance: Decimal  # counted - expected
    adjustment: AdjustmentView
    unit: str = ""  # the item's quantity unit and the drug's form, for quantity_text
    dosage_form: str | None = None


@dataclass(frozen=True)
class CountResult:
    sheet: CountSheet
    variances: tuple[VarianceLine, ...]


def open_count(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    *,
    shelf: str | None = None,
    item_ids: Sequence[uuid.UUID] | None = None,
    blind: bool = True,
) -> CountSheet:
    """A count of the items on a shelf (bin location prefix) or of the items listed."""
    if (shelf is None) == (item_ids is None):
        raise ValueError("give either shelf or item_ids")
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, adjustments.ADJUST, doing="count stock")
        if shelf is not None:
            problem = rules.bin_prefix_problem(shelf)
            if problem:
                raise ValidationFailed(problem, {"shelf": problem})
            items = uow.adjustments.items_on_shelf(shelf)
            scope = f"shelf {shelf.strip()}"
            if not items:
                raise ValidationFailed(
                    f"No stock item has a bin location starting with '{shelf.strip()}'. Check the shelf label."
                )
        else:
            wanted = list(dict.fromkeys(item_ids or ()))
            items = uow.adjustments.items_by_ids(wanted)
            if not items or len(items) != len(wanted):
                raise ValidationFailed("Some of the items to count were not found; pick them again.")
            scope = f"list of {len(items)} item{'s' if len(items) != 1 else ''}"
        count = InventoryCount(
            id=uuid.uuid4(),
            count_number=uow.adjustments.next_count_number(),
            scope=scope,
            is_blind=blind,
            status=OPEN,
            created_by=actor.user_id,
        )
        uow.adjustments.add_count(count)
        for item in items:
            uow.adjustments.add_count_line(count.id, item.id, item.quantity_on_hand)
        uow.record("CountOpened", "inventory_count", count.id, {"scope": scope, "items": len(items)})
        sheet = _sheet(uow, count)
        uow.commit()
        return sheet


def count_sheet(uow_factory: UnitOfWorkFactory, actor: Actor, count_id: uuid.UUID) -> CountSheet:
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, adjustments.VIEW, doing="see stock counts")
        return _sheet(uow, _count(uow, count_id))


def record_count(
    uow_factory: UnitOfWorkFactory, actor: Actor, count_id: uuid.UUID, *, scan: str, quantity: Decimal | str
) -> CountLineView:
    """One scanned item's counted quantity (a second scan of it replaces the first)."""
    counted = _quantity(quantity)
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, adjustments.ADJUST, doing="count stock")
        count = _count(uow, count_id, for_update=True)
        if count.status != OPEN:
            raise ValidationFailed(f"Count {count.count_number} is {count.status}; open a new count to count again.")
        lines = uow.adjustments.count_lines(count.id)
        item_id = _item_for_scan(uow, scan, {item.ndc_code: item.id for _, item, _ in lines})
        line = uow.adjustments.lock_count_line(count.id, item_id)
        item = uow.inventory.require(item_id)
        assert line is not None  # the item was found among this count's lines
        line.counted_quantity = counted
        line.expected_quantity = item.quantity_on_hand  # the shelf as of now (see the module)
        line.counted_by = actor.user_id
        line.counted_at = utcnow()
        uow.flush()
        view = next(v for v in _sheet(uow, count).lines if v.item_id == item_id)
        uow.commit()
        return view


def submit_count(uow_factory: UnitOfWorkFactory, actor: Actor, count_id: uuid.UUID) -> CountResult:
    """Close the counting: the variance list, an adjustment per variance, last counted set."""

    def attempt(_: int) -> CountResult:
        with uow_factory(actor.user_id) as uow:
            require(uow, actor, adjustments.ADJUST, doing="count stock")
            count = _count(uow, count_id, for_update=True)
            if count.status != OPEN:
                raise ValidationFailed(f"Count {count.count_number} was already {count.status}; nothing was changed.")
            rows = uow.adjustments.count_lines(count.id)
            missing = [
                f"{title_case(med.drug_name)} ({item.ndc_code})"
                for line, item, med in rows
                if line.counted_quantity is None
            ]
            if missing:
                shown = "; ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
                raise ValidationFailed(
                    f"{len(missing)} item{'s are' if len(missing) != 1 else ' is'} not counted yet: {shown}. "
                    "Scan each and type its quantity (0 if there is none), then submit again."
                )
            found = rules.variances(
                (line.inventory_item_id, line.expected_quantity, line.counted_quantity) for line, _, _ in rows
            )
            # lock order: the items by id (then each one's batches, taken while applying)
            uow.inventory.lock_items({v.key for v in found})
            by_item = {item.id: (item, med) for _, item, med in rows}
            variances: list[VarianceLine] = []
            for v in sorted(found, key=lambda v: str(v.key)):
                item_id = v.key
                item, med = by_item[item_id]
                made = adjustments.create_in(
                    uow,
                    actor,
                    item_id=item_id,
                    adjustment_type=rules.PHYSICAL_COUNT,
                    reason=f"cycle count {count.count_number}: counted {rules.units_text(v.counted)}, "
                    f"on record {rules.units_text(v.expected)}",
                    change=v.difference,
                    expected=v.expected,
                    count_id=count.id,
                )
                variances.append(
                    VarianceLine(
                        item_id,
                        item.ndc_code,
                        drug_display_name(med.drug_name, med.strength),
                        v.expected,
                        v.counted,
                        v.difference,
                        adjustment_view(uow, made),
                        unit=item.quantity_unit,
                        dosage_form=med.dosage_form,
                    )
                )
            now = utcnow()
            uow.adjustments.mark_counted([line.inventory_item_id for line, _, _ in rows], now)
            count.submitted_at = now
            count.status = SUBMITTED if any(v.adjustment.pending for v in variances) else CLOSED
            if count.status == CLOSED:
                count.closed_at = now
            uow.record("CountSubmitted", "inventory_count", count.id, {"variances": len(variances)})
            uow.notify("inventory")
            result = CountResult(_sheet(uow, count), tuple(variances))
            uow.commit()
            return result

    return with_retry(attempt)


def cancel_count(uow_factory: UnitOfWorkFactory, actor: Actor, count_id: uuid.UUID) -> CountSheet:
    """Give up an open count: nothing is adjusted, nothing marked counted."""
    with uow_factory(actor.user_id) as uow:
        require(uow, actor, adjustments.ADJUST, doing="count stock")
        count = _count(uow, count_id, for_update=True)
        if count.status != OPEN:
            raise ValidationFailed(
                f"Count {count.count_number} is {count.status}; only an open count can be cancelled."
            )
        count.status = CANCELLED
        count.closed_at = utcnow()
        uow.record("CountCancelled", "inventory_count", count.id, {})
        sheet = _sheet(uow, count)
        uow.commit()
        return sheet


# -- inside a unit of work ---------------------------------------------------------------------


def _count(uow: UnitOfWork, count_id: uuid.UUID, *, for_update: bool = False) -> InventoryCount:
    count = uow.adjustments.get_count(count_id, for_update=for_update)
    if count is None:
        raise NotFound("The count was not found; it may have been cancelled on another workstation.")
    return count


def _sheet(uow: UnitOfWork, count: InventoryCount) -> CountSheet:
    uow.flush()
    hide = count.is_blind and count.status == OPEN
    lines = tuple(
        CountLineView(
            item_id=item.id,
            ndc=item.ndc_code,
            drug_name=title_case(med.drug_name),
            strength=strength_text(med.strength) or None,
            bin_location=item.bin_location,
            unit=item.quantity_unit,
            counted=line.counted_quantity,
            expected=None if hide else line.expected_quantity,
            dosage_form=med.dosage_form,
        )
        for line, item, med in uow.adjustments.count_lines(count.id)
    )
    return CountSheet(count.id, count.count_number, count.scope, count.status, count.is_blind, lines)


def _item_for_scan(uow: UnitOfWork, scan: str, on_count: dict[str, uuid.UUID]) -> uuid.UUID:
    """The count's item a scan names; a barcode whose NDC shape is open picks the one on the count."""
    result = resolve_scan(uow, scan)
    if result.status == FOUND and result.ndc11 in on_count:
        return on_count[result.ndc11]
    if result.status == AMBIGUOUS:
        listed = [on_count[c] for c in result.candidates if c in on_count]
        if len(listed) == 1:
            return listed[0]
    if result.status == FOUND:
        raise ValidationFailed(
            f"{title_case(result.drug_name)} ({result.package_ndc or result.ndc11}) is not on this count's list. "
            "Put it back where it belongs, or count it in a count of its own shelf."
        )
    raise ValidationFailed(result.message)


def _quantity(value: Decimal | str) -> Decimal:
    try:
        quantity = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except InvalidOperation:
        raise ValidationFailed(f"'{value}' is not a quantity; type the number of units counted.") from None
    if not quantity.is_finite() or quantity < 0:
        raise ValidationFailed("Type the number of units counted: 0 or more.")
    if quantity != quantity.quantize(Decimal("0.01")):
        raise ValidationFailed("A counted quantity has at most two decimals.")
    return quantity
