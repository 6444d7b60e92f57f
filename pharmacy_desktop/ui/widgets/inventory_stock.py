"""The Stock page of the inventory screen (F8): the items list and the lots of the selected item.

Type a name or an NDC (the list follows as you type), or scan any package: the list shows that
item. Filters: below reorder point, expiring within 30/60/90 days, quarantined, controlled. The list
is inventory_summary; after a stock change anywhere (a change notice 'inventory' or
'prescriptions') the summary is refreshed on a worker thread, debounced so a burst of fills costs
one refresh, and the list reloads. The lots pane is read live for the selected item.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.domain.dispensing import quantity_text
from pharmacy_desktop.services import inventory_view
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.inventory_view import ItemStock, LotRow, StockList, StockQuery, StockRow
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.ops import run_in_background, user_message
from pharmacy_desktop.ui.screens.base import shortcut
from pharmacy_desktop.ui.table_models import Marked
from pharmacy_desktop.ui.widgets.column_fit import fit_columns
from pharmacy_desktop.ui.widgets.drug_lines import fit_rows_to_lines
from pharmacy_desktop.ui.widgets.fill_common import RowsTable, drug_cell, scaled
from pharmacy_desktop.ui.widgets.inventory_common import MessageLine, SummaryRefresher, day, days_left, paint

ITEM_HEADERS = ["Drug", "NDC", "On hand", "Reorder at", "Order qty", "Nearest expiry", "Bin", "Notes"]
LOT_HEADERS = ["Lot", "Expires", "Received", "Qty received", "Remaining", "Status", "Unit cost"]
SOON_DAYS = 30  # an expiry this close is marked on the list
SEARCH_DEBOUNCE_MS = 150
STATUS_WORDS = {
    "active": "on the shelf",
    "recalled": "RECALLED — set aside",
    "expired": "EXPIRED — set aside",
    "returned": "returned to supplier",
    "destroyed": "destroyed",
}


def units(value: Decimal | None, row: StockRow) -> str:
    """A quantity of the item in the unit it is counted out in: '150 tablets', '473 mL' (never 'EA')."""
    return "—" if value is None else quantity_text(value, row.unit, row.dosage_form)


def on_hand_cell(row: StockRow) -> str | Marked:
    """On hand; at or below the reorder point with the warning icon and the word (never colour alone)."""
    return Marked("warning", f"{row.on_hand_text} · Low") if row.below_reorder else row.on_hand_text


def notes_cell(row: StockRow) -> str | Marked:
    """Schedule, storage and what is set aside; 'Refrigerate' first with the fridge icon beside it
    (ui/icons: an icon beside the word, never a text glyph)."""
    notes = ["Refrigerate"] if row.refrigerated else []
    if row.schedule:
        notes.append(f"C-{row.schedule.removeprefix('C')}")
    if row.quarantined:
        notes.append(f"{units(row.quarantined, row)} set aside")
    text = ", ".join(notes)
    return Marked("fridge", text) if row.refrigerated else text


def item_cells(row: StockRow, today: dt.date) -> list[str | Marked]:
    return [
        drug_cell(row.title, row.schedule),
        row.ndc_shown,
        on_hand_cell(row),
        units(row.reorder_point, row),
        units(row.reorder_quantity, row) if row.par_level is None else f"up to {units(row.par_level, row)}",
        days_left(row.nearest_expiry, today),
        row.bin_location or "—",
        notes_cell(row),
    ]


def shown_lots(lots: tuple[LotRow, ...], show_used_up: bool) -> list[LotRow]:
    """The lots the pane lists: the used-up ones only when asked (an item received every week has
    dozens; what is on the shelf is what a technician looks for)."""
    return [lot for lot in lots if show_used_up or not lot.used_up]


def unit_cost(value: Decimal | None) -> str:
    """$0.10, $0.1234: cents always, the tenths of a cent a wholesaler's price may have."""
    if value is None:
        return "—"
    whole, cents = f"{value:.4f}".split(".")
    return f"${whole}.{cents.rstrip('0').ljust(2, '0')}"


def lot_cells(lot: LotRow, item: StockRow, today: dt.date) -> list[str]:
    status = "used up" if lot.used_up else STATUS_WORDS.get(lot.status, lot.status)  # LotRow.used_up: nothing left
    if lot.recall_reason:
        status += f": {lot.recall_reason}"
    expires = days_left(lot.expiry, today) if lot.on_shelf and not lot.used_up else day(lot.expiry)
    cost = unit_cost(lot.unit_cost)
    received, remaining = units(lot.quantity_received, item), units(lot.remaining, item)
    return [lot.lot, expires, day(lot.received), received, remaining, status, cost]


class StockPage(QWidget):
    help_keys = (
        ("Type or scan", "find items by name or NDC; a scanned package shows its item"),
        ("Alt+F", "the search field; ↓ into the list"),
        ("Alt+B / Alt+X / Alt+Q / Alt+N", "below reorder point / expiring within / quarantined / controlled"),
        ("Enter (in the list)", "the lots of the item (Alt+E); Esc back"),
    )

    def __init__(self, context: AppContext, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("inventoryStock")
        self.context = context
        self.actor = actor
        self.rows: list[StockRow] = []
        self.stock: ItemStock | None = None
        self.generation = 0  # searches in flight: only the newest one is shown
        self.stale = False  # a change arrived while the page was hidden
        self._build()
        self.refresher = SummaryRefresher(self, context)
        self.refresher.refreshed.connect(self._summary_refreshed)
        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(SEARCH_DEBOUNCE_MS)
        self.search_timer.timeout.connect(self.reload)
        self.lot_timer = QTimer(self)
        self.lot_timer.setSingleShot(True)
        self.lot_timer.setInterval(120)  # arrowing through the list loads the lots of where it stops
        self.lot_timer.timeout.connect(self._load_lots)

    def _build(self) -> None:
        self.search = QLineEdit()
        self.search.setObjectName("stockSearch")
        self.search.setPlaceholderText("Drug name or NDC — or scan any package")
        self.search.setAccessibleName("Find stock by name or NDC")
        self.search.setClearButtonEnabled(True)
        self.search.textEdited.connect(lambda _t: self.search_timer.start())
        self.search.installEventFilter(self)
        find = QLabel("&Find")
        find.setBuddy(self.search)
        self.below = QCheckBox("&Below reorder point")
        self.below.setObjectName("filterBelowReorder")
        self.expiring = QComboBox()
        self.expiring.setObjectName("filterExpiring")
        self.expiring.addItem("any date", None)
        for days in inventory_view.EXPIRY_WINDOWS:
            self.expiring.addItem(f"{days} days", days)
        expiring = QLabel("E&xpiring within")
        expiring.setBuddy(self.expiring)
        self.quarantined = QCheckBox("&Quarantined (recalled or expired)")
        self.quarantined.setObjectName("filterQuarantined")
        self.controlled = QCheckBox("Co&ntrolled (C-II–V)")
        self.controlled.setObjectName("filterControlled")
        for box in (self.below, self.quarantined, self.controlled):
            box.toggled.connect(lambda _on: self.reload())
        self.expiring.currentIndexChanged.connect(lambda _i: self.reload())

        top = QHBoxLayout()
        top.addWidget(find)
        top.addWidget(scaled(self.search, 3, bold=False), 1)
        # two rows of two: the filters fit a 1024 px display beside the navigation
        filters = QGridLayout()
        filters.setHorizontalSpacing(16)
        filters.setVerticalSpacing(2)
        expiry = QHBoxLayout()
        expiry.addWidget(expiring)
        expiry.addWidget(self.expiring)
        expiry.addStretch(1)
        filters.addWidget(self.below, 0, 0)
        filters.addLayout(expiry, 0, 1)
        filters.addWidget(self.quarantined, 1, 0)
        filters.addWidget(self.controlled, 1, 1)
        filters.setColumnStretch(2, 1)
        self.message = MessageLine("stockMessage")

        self.items = RowsTable(ITEM_HEADERS, stretch=0)
        fit_columns(self.items, stretch=0, shrink=(7, 5), optional=(7, 4, 6))  # notes, order, bin: lots line
        fit_rows_to_lines(self.items, 0, min_lines=1)  # a long drug: its form drops, then it wraps (never its strength)
        self.items.setObjectName("stockItems")
        self.items.setAccessibleName("Stock items")
        self.items.itemSelectionChanged.connect(lambda: self.lot_timer.start())
        self.items.activated_row.connect(self._focus_lots)
        self.items.installEventFilter(self)

        self.item_line = QLabel("Select an item to see its lots.")
        self.item_line.setObjectName("stockItemLine")
        self.item_line.setWordWrap(True)
        self.lots = RowsTable(LOT_HEADERS, stretch=5)
        fit_columns(self.lots, stretch=5, keep=None)
        self.lots.setObjectName("stockLots")
        self.lots.setAccessibleName("Lots of the selected item")
        self.lots.installEventFilter(self)
        lots_label = QLabel("Lots (batch&es)")
        lots_label.setBuddy(self.lots)
        scaled(lots_label, 1)
        self.show_used_up = QCheckBox("Sho&w used-up lots")
        self.show_used_up.setObjectName("stockShowUsedUp")
        self.show_used_up.setToolTip("Lots with nothing left, listed after those on the shelf")
        self.show_used_up.toggled.connect(lambda _on: self._list_lots())
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 4, 0, 0)
        heading = QHBoxLayout()
        heading.addWidget(lots_label)
        heading.addWidget(self.item_line, 1)
        heading.addWidget(self.show_used_up, 0, Qt.AlignmentFlag.AlignTop)
        lower_layout.addLayout(heading)
        lower_layout.addWidget(self.lots, 1)

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.items)
        split.addWidget(lower)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 6, 4, 4)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.message)
        layout.addWidget(split, 1)
        shortcut(self, "Alt+F", self.focus_search)

    # -- page hooks -------------------------------------------------------------------------------

    def _focus_lots(self, _row: int) -> None:
        self.lots.setFocus()

    def activate(self) -> None:
        """Shown: bring the summary up to date first (a new item, a change while away), then list."""
        self.stale = False
        self.refresher.run()
        self.focus_search()

    def refresh(self) -> None:
        self.refresher.run()

    def on_change(self, notice: dict[str, Any]) -> None:
        if self.isVisible():
            self.refresher.request()
        else:
            self.stale = True  # activate() refreshes when the page is shown again

    def set_actor(self, actor: Actor) -> None:
        self.actor = actor
        self.clear_sensitive()

    def clear_sensitive(self) -> None:
        self.search.clear()
        self._show(StockList((), False))

    def handle_scan(self, text: str) -> bool:
        """A scanned package: its item, whatever the filters say."""
        self.search_timer.stop()
        self.generation += 1
        generation, uow_factory, actor = self.generation, self.context.uow_factory, self.actor
        run_in_background(
            self,
            lambda: inventory_view.find_by_scan(uow_factory, actor, text),
            lambda found: self._scanned(generation, found),
            lambda exc: self._failed(generation, exc),
            busy_message="Finding the scanned item…",
        )
        return True

    # -- list -------------------------------------------------------------------------------------

    def query(self) -> StockQuery:
        return StockQuery(
            text=self.search.text(),
            below_reorder=self.below.isChecked(),
            expiring_days=self.expiring.currentData(),
            quarantined=self.quarantined.isChecked(),
            controlled=self.controlled.isChecked(),
        )

    def reload(self) -> None:
        self.search_timer.stop()
        self.generation += 1
        generation, query, uow_factory, actor = self.generation, self.query(), self.context.uow_factory, self.actor
        run_in_background(
            self,
            lambda: inventory_view.search_stock(uow_factory, actor, query),
            lambda found: self._arrived(generation, found),
            lambda exc: self._failed(generation, exc),
        )

    def _summary_refreshed(self) -> None:
        self.reload()
        if self.stock is not None:
            self._load_lots()

    def _arrived(self, generation: int, found: StockList) -> None:
        if generation != self.generation:
            return
        self._show(found)
        if found.more:
            self.message.say("warning", f"More than {len(found.rows)} items match: type more of the name or NDC.")
        elif not found.rows:
            self.message.say("hint", "No stock item matches. Check the spelling or the filters.")
        else:
            self.message.say("hint", f"{len(found.rows)} item{'s' if len(found.rows) != 1 else ''}.")

    def _scanned(self, generation: int, found: StockList) -> None:
        if generation != self.generation:
            return
        self.search.setText(found.rows[0].ndc_shown)
        self._show(found)
        self.message.say("done", f"Scanned: {found.rows[0].title} (NDC {found.rows[0].ndc_shown}).")
        self.items.setFocus()

    def _failed(self, generation: int, exc: Exception) -> None:
        if generation == self.generation:
            self.message.say("problem", user_message(exc))

    def _show(self, found: StockList) -> None:
        keep = self.selected_id()
        self.rows = list(found.rows)
        today = dt.date.today()
        self.items.set_rows([item_cells(r, today) for r in self.rows])
        for n, row in enumerate(self.rows):
            if row.schedule:
                paint(self.items, n, 0, "controlled")
            if row.below_reorder:  # icon + "Low" + colour; not bold: the column is fitted to its plain text
                paint(self.items, n, 2, "warning", bold=False)
            if row.expires_within(SOON_DAYS, today):
                paint(self.items, n, 5, "warning")
            if row.quarantined:
                paint(self.items, n, 7, "stop")
        again = next((n for n, r in enumerate(self.rows) if r.item_id == keep), None)
        if again is not None:
            self.items.selectRow(again)
        elif self.rows and self.selected_id() != keep:
            self.lot_timer.start()  # another item in the selected row (a scan's): no selection signal, its lots
        if not self.rows:
            self.stock = None
            self.lots.set_rows([])
            self._list_lots()
            self.item_line.setText("Select an item to see its lots.")

    def selected_id(self) -> uuid.UUID | None:
        row = self.items.currentRow()
        return self.rows[row].item_id if 0 <= row < len(self.rows) else None

    def selected(self) -> StockRow | None:
        row = self.items.currentRow()
        return self.rows[row] if 0 <= row < len(self.rows) else None

    # -- lots -------------------------------------------------------------------------------------

    def _load_lots(self) -> None:
        item_id = self.selected_id()
        if item_id is None:
            return
        uow_factory, actor = self.context.uow_factory, self.actor
        run_in_background(
            self,
            lambda: inventory_view.item_stock(uow_factory, actor, item_id),
            self._show_lots,
            lambda exc: self.message.say("problem", user_message(exc)),
        )

    def _show_lots(self, stock: ItemStock) -> None:
        if stock.item.item_id != self.selected_id():
            return  # the selection moved on while this was loading
        self.stock = stock
        item, today = stock.item, dt.date.today()
        counted = f" · counted {item.last_counted_at.astimezone():%Y-%m-%d}" if item.last_counted_at else ""
        cost = f" · ${item.unit_cost:.2f}/{item.unit_name}" if item.unit_cost is not None else ""
        cells = item_cells(item, today)  # what a narrow list hides (order qty, notes) is said here too
        notes = f" · {cells[7]}" if cells[7] else ""
        self.item_line.setText(
            f"<b>{drug_cell(item.title, item.schedule)}</b> · on hand now <b>{item.on_hand_text}</b>"
            f" · bin {item.bin_location or '—'} · order {cells[4]}{cost}{counted}{notes}"
        )
        self._list_lots()

    def _list_lots(self) -> None:
        """The lots of the item on show; the used-up ones behind the 'Show used-up lots' box (which
        says how many there are)."""
        stock, today = self.stock, dt.date.today()
        used_up = sum(1 for lot in stock.lots if lot.used_up) if stock else 0
        self.show_used_up.setText(f"Sho&w used-up lots ({used_up})" if used_up else "Sho&w used-up lots")
        self.show_used_up.setEnabled(bool(used_up) or self.show_used_up.isChecked())
        if stock is None:
            return
        lots = shown_lots(stock.lots, self.show_used_up.isChecked())
        self.lots.set_rows([lot_cells(lot, stock.item, today) for lot in lots])
        for n, lot in enumerate(lots):
            if lot.status in ("recalled", "expired"):
                paint(self.lots, n, 5, "stop")
            elif not lot.on_shelf or lot.used_up:
                paint(self.lots, n, 5, "hint", bold=False)
            elif (lot.expiry - today).days <= SOON_DAYS:
                paint(self.lots, n, 1, "warning")

    # -- keys -------------------------------------------------------------------------------------

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        key = event.key()
        if obj is self.search and key == Qt.Key.Key_Down and self.rows:
            self.items.setFocus()
            if self.items.currentRow() < 0:
                self.items.selectRow(0)
            return True
        if obj is self.search and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.reload()
            return True
        if obj is self.items and key == Qt.Key.Key_Escape:
            self.focus_search()
            return True
        if obj is self.lots and key == Qt.Key.Key_Escape:
            self.items.setFocus()
            return True
        return False
