"""Small pieces the inventory pages share: a message line, coloured cells, quantities and dates as
a buyer reads them, the item finder (type a name or NDC, or scan) the Adjustments page uses, and the
background refresh of inventory_summary after change notices."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QListWidgetItem, QTableWidget, QWidget

from pharmacy_desktop.domain import adjustments as rules
from pharmacy_desktop.domain.adjustments import Form106
from pharmacy_desktop.domain.dispensing import quantity_text
from pharmacy_desktop.domain.ndc import format_ndc11
from pharmacy_desktop.domain.stock import format_quantity
from pharmacy_desktop.services import inventory_view
from pharmacy_desktop.services.adjustments import AdjustmentView
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.inventory_view import StockQuery, StockRow
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.ops import run_in_background
from pharmacy_desktop.ui.style import CONTROLLED, ERROR, HINT, INFO, PASSED, STOP_TEXT, WARNING
from pharmacy_desktop.ui.widgets.fill_common import drug_cell, local_time
from pharmacy_desktop.ui.widgets.search_as_you_type import SearchAsYouType
from pharmacy_desktop.ui.widgets.status_label import StatusLabel

log = logging.getLogger(__name__)
REFRESH_DEBOUNCE_MS = 1500  # a burst of fills: one refresh of the summary
COLOURS = {
    "problem": ERROR,
    "warning": WARNING,
    "done": PASSED,
    "info": INFO,
    "hint": HINT,
    "stop": STOP_TEXT,
    "controlled": CONTROLLED,
}


ICONS = {
    "problem": "stop",
    "stop": "stop",
    "warning": "warning",
    "done": "passed",
    "info": "info",
    "controlled": "controlled",
}


class MessageLine(StatusLabel):
    """What just happened or what is wrong, in words (with the icon and in the colour of its meaning)."""

    def __init__(self, name: str):
        super().__init__()
        self.setObjectName(name)
        self.setWordWrap(True)
        self.kind: str = ""

    def say(self, kind: str | None, text: str) -> None:  # kind: problem, warning, done, info, hint ...
        self.kind = kind or ""
        super().say(ICONS.get(self.kind), text)
        bold = "font-weight: bold;" if kind in ("problem", "warning", "done") else ""
        self.setStyleSheet(f"color: {COLOURS.get(self.kind, HINT)}; {bold}")


def paint(table: QTableWidget, row: int, column: int, kind: str, *, bold: bool = True) -> None:
    """Colour one cell by meaning (its text already says it: colour is never the only sign)."""
    item = table.item(row, column)
    if item is None:
        return
    item.setForeground(QColor(COLOURS[kind]))
    if bold:
        font = QFont(item.font())
        font.setBold(True)
        item.setFont(font)


def qty(value: Decimal | None, unit: str = "") -> str:
    if value is None:
        return "—"
    shown = format_quantity(value)
    return f"{shown} {unit}".strip()


def units(value: Decimal | None, unit: str | None, dosage_form: str | None) -> str:
    """A quantity in the unit it is counted out in: '30 tablets', '473 mL' (never '30 EA')."""
    return "—" if value is None else quantity_text(value, unit, dosage_form)


def signed(value: Decimal, unit: str | None = None, dosage_form: str | None = None) -> str:
    """'+12', '−3' (or with the item's unit and form: '+12 tablets', '−3 mL')."""
    if unit is not None:
        shown = units(abs(value), unit, dosage_form)
        return f"+{shown}" if value > 0 else f"−{shown}" if value < 0 else shown
    return f"+{qty(value)}" if value > 0 else f"−{qty(-value)}" if value < 0 else "0"


def change_text(view: AdjustmentView) -> str:
    """An adjustment's change in the item's dispensing unit: '−3 tablets'."""
    return signed(view.change, view.unit, view.dosage_form)


def form_106_text(form: Form106) -> str:
    """The DEA Form 106 fields as the pharmacist-in-charge copies them into the DEA's form."""
    lines = [
        f"Registrant: {form.registrant_name}, DEA {form.registrant_dea or '— (not on the pharmacy profile)'}",
        f"Address: {form.registrant_address}",
        f"Date of {form.type_of_loss}: {form.date_of_loss.isoformat()}",
        f"Drug: {form.drug_name} {form.strength or ''} {form.dosage_form or ''}".rstrip(),
        f"NDC: {ndc_shown(form.ndc)}   Schedule: {form.schedule or '—'}",
        f"Quantity {form.type_of_loss}: {units(form.quantity, form.quantity_unit, form.dosage_form)}   Lot: {form.lot_number or '—'}",
        f"Description: {form.description}",
    ]
    return "\n".join(lines)


def outcome_text(view: AdjustmentView) -> tuple[str, str]:
    """(kind, words) for the result of a request."""
    what = f"{view.type_label} of {change_text(view)} for {view.drug_name} {view.strength or ''}".strip()
    form = " DEA Form 106 data recorded (theft or loss of a controlled substance)." if view.dea_form == "106" else ""
    if view.status == rules.APPROVED:
        return "done", f"Approved at once (small, not controlled): {what}. The stock has changed.{form}"
    why = "a controlled substance" if view.is_controlled else "above the pharmacy's approval threshold"
    return "warning", (
        f"WAITING for approval ({why}): {what}. The stock changes only when someone else with approval "
        f"rights approves it.{form}"
    )


def queue_cells(view: AdjustmentView) -> list[str]:
    value = f"${abs(view.value):.2f}" if view.value is not None else "no cost"
    schedule = view.schedule or ("controlled" if view.is_controlled else None)  # '[C-II]' as everywhere
    return [
        local_time(view.requested_at),
        drug_cell(f"{view.drug_name} {view.strength or ''}".strip(), schedule),
        view.lot or "any",
        view.type_label + (" (106)" if view.dea_form == "106" else ""),
        change_text(view),
        value,
        view.reason,
        view.requested_by_name,
    ]


def ndc_shown(key: str) -> str:
    """An 11-digit NDC key as printed on the package (5-4-2); anything else as it is."""
    return format_ndc11(key) if len(key) == 11 and key.isdigit() else key


def day(value: dt.date | None) -> str:
    return value.isoformat() if value else "—"


def days_left(value: dt.date | None, today: dt.date) -> str:
    """'2027-01-20 (in 49 d)', 'EXPIRED 2026-11-30': how soon, as the buyer needs it."""
    if value is None:
        return "—"
    left = (value - today).days
    if left < 0:
        return f"EXPIRED {value.isoformat()}"
    return f"{value.isoformat()} (in {left} d)"


class ItemFinder(SearchAsYouType):
    """A stock item by name or NDC as you type (Enter picks); ``chosen`` gets the StockRow or None."""

    escape_clears = True

    def __init__(self, context: AppContext, actor: Actor, *, name: str, parent: QWidget | None = None):
        self.context = context
        self.actor = actor
        self.choice: StockRow | None = None
        super().__init__(
            self._find,
            parent,
            name=name,
            placeholder="Drug name or NDC — or scan the package",
            accessible_name="Stock item",
            list_height=150,
        )
        self.not_found = "No stock item matches."

    def _find(self, text: str) -> list[StockRow]:
        return list(inventory_view.search_stock(self.context.uow_factory, self.actor, StockQuery(text=text)).rows)

    def _edited(self, text: str) -> None:
        if self.choice is not None:  # typing over a chosen item un-chooses it
            self.choice = None
            self.chosen.emit(None)
        super()._edited(text)

    def item(self, found: StockRow) -> QListWidgetItem:
        schedule = f"[{found.schedule}] " if found.schedule else ""
        return QListWidgetItem(
            f"{schedule}{found.title}   NDC {found.ndc_shown} · on hand {found.on_hand_text}"
            f" · bin {found.bin_location or '—'}"
        )

    def picked(self, found: StockRow) -> None:
        self.set_choice(found)

    def set_choice(self, found: StockRow | None) -> None:
        self._forget_search()
        self.choice = found
        self.edit.setText(found.title if found else "")
        self._show([], "")
        self.chosen.emit(found)


class SummaryRefresher(QObject):
    """Refreshes inventory_summary on a worker thread after change notices, at most one at a time."""

    refreshed = Signal()

    def __init__(self, parent: QWidget, context: AppContext, delay_ms: int = REFRESH_DEBOUNCE_MS):
        super().__init__(parent)
        self.context = context
        self.running = False
        self.again = False
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(delay_ms)
        self.timer.timeout.connect(self.run)

    def request(self) -> None:
        self.timer.start()  # restarted by every notice: the refresh follows the last of a burst

    def run(self) -> None:
        if self.running:
            self.again = True
            return
        self.running = True
        uow_factory = self.context.uow_factory
        parent = self.parent()
        assert isinstance(parent, QWidget)
        run_in_background(
            parent, lambda: inventory_view.refresh_summary(uow_factory), lambda _: self._done(), self._failed
        )

    def _failed(self, exc: Exception) -> None:
        # the list still shows the summary as of its last refresh; the lots pane is live either way
        log.warning("inventory summary not refreshed: %s", type(exc).__name__)
        self._done()

    def _done(self) -> None:
        self.running = False
        if self.again:
            self.again = False
            self.run()
        else:
            self.refreshed.emit()
