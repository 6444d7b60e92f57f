"""The Counts page of the inventory screen (F8, Alt+C): a blind cycle count by scanning.

Open a count for a shelf (the bin locations starting with what is typed) or for the items listed
on the Stock page; scan each item, type what is on the shelf, Enter; submit (Ctrl+Enter) shows the
variance list, each variance already an adjustment for approval (services/counts.py). Blind: the
quantity on record is never on this page while counting, only in the variance list afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.domain import adjustments as rules
from pharmacy_desktop.domain.dispensing import dispensing_unit
from pharmacy_desktop.services import counts, inventory_view
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.counts import CountLineView, CountResult, CountSheet, VarianceLine
from pharmacy_desktop.services.inventory_view import OpenCount, StockList, StockRow
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.ops import run_in_background, user_message
from pharmacy_desktop.ui.screens.base import shortcut
from pharmacy_desktop.ui.table_models import Marked
from pharmacy_desktop.ui.widgets.column_fit import fit_columns
from pharmacy_desktop.ui.widgets.fill_common import RowsTable, ScanPrompt, big, local_time
from pharmacy_desktop.ui.widgets.inventory_common import MessageLine, ndc_shown, paint, signed, units

SHEET_HEADERS = ["Drug", "NDC", "Bin", "Counted"]
VARIANCE_HEADERS = ["Drug", "NDC", "On record", "Counted", "Variance", "Adjustment"]
PROMPT = "Scan an item on the shelf, then type how many you count"


def line_cells(line: CountLineView) -> list[str]:
    name = f"{line.drug_name} {line.strength or ''}".strip()
    counted = units(line.counted, line.unit, line.dosage_form) if line.counted is not None else "— not counted yet"
    return [name, ndc_shown(line.ndc), line.bin_location or "—", counted]


def variance_cells(v: VarianceLine) -> list[str | Marked]:
    adjustment = v.adjustment
    state: str | Marked
    if adjustment.status == rules.APPROVED:
        state = Marked("passed", "approved at once (small)")  # the icon beside the words
    else:
        state = "WAITING for approval" + (" (controlled)" if adjustment.is_controlled else "")
    expected, counted = units(v.expected, v.unit, v.dosage_form), units(v.counted, v.unit, v.dosage_form)
    return [v.drug_name, ndc_shown(v.ndc), expected, counted, signed(v.variance, v.unit, v.dosage_form), state]


class CountsPage(QWidget):
    help_keys = (
        ("Alt+F, Enter", "count a shelf: the bin locations starting with what you type"),
        ("Alt+I", "count the items listed on the Stock page"),
        ("Alt+M", "take up an open count again"),
        ("Scan, quantity, Enter", "count one item (scan it again to correct it)"),
        ("Ctrl+Enter", "submit: the variance list, adjustments for approval"),
        ("Alt+G", "give up this count (nothing is adjusted)"),
    )

    def __init__(self, context: AppContext, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("inventoryCounts")
        self.context = context
        self.actor = actor
        self.sheet: CountSheet | None = None
        self.result: CountResult | None = None
        self.scanned: tuple[str, StockRow] | None = None  # the scan waiting for its quantity
        self.busy = False
        self.stock_rows: Callable[[], list[StockRow]] = list  # the screen gives the Stock page's list
        self._build()
        shortcut(self, "Ctrl+Return", self.submit)
        shortcut(self, "Ctrl+Enter", self.submit)

    def _build(self) -> None:
        start = QGroupBox("Open a count")
        start.setToolTip("Blind: the quantity on record is not shown while counting")
        start_layout = QVBoxLayout(start)
        blind = QLabel("Blind: the quantity on record is not shown while counting.")
        blind.setObjectName("countBlindHint")
        blind.setProperty("role", "hint")
        blind.setWordWrap(True)
        start_layout.addWidget(blind)
        row = QHBoxLayout()
        resume_row = QHBoxLayout()
        start_layout.addLayout(row)
        start_layout.addLayout(resume_row)
        self.shelf = QLineEdit()
        self.shelf.setObjectName("countShelf")
        self.shelf.setPlaceholderText("e.g. A-1")
        self.shelf.setMaximumWidth(140)
        self.shelf.returnPressed.connect(self.open_shelf)
        shelf_label = QLabel("Shel&f (bin starts with)")
        shelf_label.setBuddy(self.shelf)
        self.listed = QPushButton("Count the &items listed on Stock")
        self.listed.setObjectName("countListed")
        self.listed.clicked.connect(self.open_listed)
        self.open_list = QComboBox()
        self.open_list.setObjectName("openCounts")
        self.resume = QPushButton("Resu&me")
        self.resume.setObjectName("countResume")
        self.resume.clicked.connect(self.take_up)
        row.addWidget(shelf_label)
        row.addWidget(self.shelf)
        row.addSpacing(16)
        row.addWidget(self.listed)
        row.addStretch(1)
        resume_row.addWidget(QLabel("Open counts"))
        resume_row.addWidget(self.open_list, 1)
        resume_row.addWidget(self.resume)
        self.message = MessageLine("countMessage")

        self.pages = QStackedWidget()
        self.idle = big("Open a count above: a shelf, or the items listed on the Stock page.", 2, bold=False)
        self.idle.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pages.addWidget(self.idle)

        counting = QWidget()
        layout = QVBoxLayout(counting)
        layout.setContentsMargins(0, 0, 0, 0)
        self.heading = big("", 3, name="countHeading")
        self.prompt = ScanPrompt(PROMPT, delta=6)
        entry = QHBoxLayout()
        self.entry_label = QLabel("&Quantity counted")
        self.entry = QLineEdit()
        self.entry.setObjectName("countQuantity")
        self.entry.setMaximumWidth(140)
        self.entry.setEnabled(False)
        self.entry.installEventFilter(self)
        self.entry_label.setBuddy(self.entry)
        self.entry_item = big("", 2, name="countItem")
        entry.addWidget(self.entry_label)
        entry.addWidget(self.entry)
        entry.addWidget(self.entry_item, 1)
        self.lines = RowsTable(SHEET_HEADERS, stretch=0)
        fit_columns(self.lines, stretch=0)
        self.lines.setObjectName("countLines")
        self.submit_button = QPushButton("Submit the count (Ctrl+Enter)")
        self.submit_button.setObjectName("countSubmit")
        self.submit_button.clicked.connect(self.submit)
        self.give_up = QPushButton("&Give up this count")
        self.give_up.setObjectName("countCancel")
        self.give_up.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.give_up)
        buttons.addWidget(self.submit_button)
        layout.addWidget(self.heading)
        layout.addWidget(self.prompt)
        layout.addLayout(entry)
        layout.addWidget(self.lines, 1)
        layout.addLayout(buttons)
        self.counting = counting
        self.pages.addWidget(counting)

        done = QWidget()
        done_layout = QVBoxLayout(done)
        done_layout.setContentsMargins(0, 0, 0, 0)
        self.done_heading = big("", 3, name="varianceHeading")
        self.variances = RowsTable(VARIANCE_HEADERS, stretch=0)
        fit_columns(self.variances, stretch=0, shrink=(5,))
        self.variances.setObjectName("countVariances")
        done_layout.addWidget(self.done_heading)
        done_layout.addWidget(self.variances, 1)
        self.done = done
        self.pages.addWidget(done)

        page = QVBoxLayout(self)
        page.setContentsMargins(4, 6, 4, 4)
        page.addWidget(start)
        page.addWidget(self.message)
        page.addWidget(self.pages, 1)

    # -- page hooks -------------------------------------------------------------------------------

    def activate(self) -> None:
        self.load_open_counts()
        self.listed.setText(f"Count the &items listed on Stock ({len(self.stock_rows())})")
        if self.sheet is not None and self.sheet.status == counts.OPEN:
            self.prompt.setFocus()
        else:
            self.shelf.setFocus()

    def refresh(self) -> None:
        self.load_open_counts()
        if self.sheet is not None:
            self._run(lambda f, a, c=self.sheet.id: counts.count_sheet(f, a, c), self._show_sheet)

    def set_actor(self, actor: Actor) -> None:
        self.actor = actor
        self.clear_sensitive()

    def clear_sensitive(self) -> None:
        self.sheet = self.result = self.scanned = None
        self.entry.clear()
        self.entry.setEnabled(False)
        self.message.say("hint", "")
        self.pages.setCurrentWidget(self.idle)

    def handle_scan(self, text: str) -> bool:
        if self.sheet is None or self.sheet.status != counts.OPEN:
            self.message.say("warning", "Open a count first (a shelf, or the items listed on Stock), then scan.")
            return True
        if self.scanned is not None and self.entry.text().strip():
            self.message.say("warning", f"The quantity typed for {self.scanned[1].title} was not saved.")
        self._run(
            lambda f, a: inventory_view.find_by_scan(f, a, text),
            lambda found: self._scanned(text, found),
            busy="Finding the scanned item…",
        )
        return True

    # -- opening ----------------------------------------------------------------------------------

    def _run(self, work: Callable[..., Any], done: Callable[[Any], None], *, busy: str = "") -> None:
        uow_factory, actor = self.context.uow_factory, self.actor
        run_in_background(
            self,
            lambda: work(uow_factory, actor),
            done,
            lambda exc: self.message.say("problem", user_message(exc)),
            busy_message=busy or None,
        )

    def load_open_counts(self) -> None:
        self._run(inventory_view.open_counts, self._show_open_counts)

    def _show_open_counts(self, found: tuple[OpenCount, ...]) -> None:
        self.open_list.clear()
        for count in found:
            self.open_list.addItem(
                f"{count.count_number} · {count.scope} · opened {local_time(count.opened_at)}", count.id
            )
        self.resume.setEnabled(bool(found))

    def open_shelf(self) -> None:
        shelf = self.shelf.text()
        self._run(lambda f, a: counts.open_count(f, a, shelf=shelf), self._opened, busy="Opening the count…")

    def open_listed(self) -> None:
        ids = [row.item_id for row in self.stock_rows()]
        if not ids:
            self.message.say("problem", "The Stock page lists no items: search or filter there first (Alt+T).")
            return
        self._run(lambda f, a: counts.open_count(f, a, item_ids=ids), self._opened, busy="Opening the count…")

    def take_up(self) -> None:
        count_id: uuid.UUID | None = self.open_list.currentData()
        if count_id is not None:
            self._run(lambda f, a: counts.count_sheet(f, a, count_id), self._opened)

    def _opened(self, sheet: CountSheet) -> None:
        self.result = self.scanned = None
        self._show_sheet(sheet)
        self.message.say("info", f"Count {sheet.count_number} open: {len(sheet.lines)} items to count.")
        self.load_open_counts()
        self.prompt.setFocus()

    def _show_sheet(self, sheet: CountSheet) -> None:
        self.sheet = sheet
        if sheet.status != counts.OPEN:
            self.pages.setCurrentWidget(self.done if self.result else self.idle)
            return
        left = sum(1 for line in sheet.lines if line.counted is None)
        self.heading.setText(f"Count {sheet.count_number} — {sheet.scope} — {left} of {len(sheet.lines)} to count")
        self.lines.set_rows([line_cells(line) for line in sheet.lines])
        for n, line in enumerate(sheet.lines):
            paint(self.lines, n, 3, "done" if line.counted is not None else "hint", bold=line.counted is not None)
        self.pages.setCurrentWidget(self.counting)

    # -- counting ---------------------------------------------------------------------------------

    def _scanned(self, text: str, found: StockList) -> None:
        sheet = self.sheet
        if sheet is None:
            return
        on_sheet = {line.item_id for line in sheet.lines}
        rows = [r for r in found.rows if r.item_id in on_sheet]
        if not rows:
            self.message.say(
                "problem",
                f"{found.rows[0].title} is not on this count's list. Put it back where it belongs, or count it "
                "in a count of its own shelf.",
            )
            return
        self.scanned = (text, rows[0])
        self.entry.setEnabled(True)
        self.entry.clear()
        self.entry_item.setText(f"{rows[0].title} — bin {rows[0].bin_location or '—'}")
        self.message.say(
            "info",
            f"Type how many {dispensing_unit(2, rows[0].unit, rows[0].dosage_form)} of {rows[0].title} you count, then Enter.",
        )
        row = next(n for n, line in enumerate(sheet.lines) if line.item_id == rows[0].item_id)
        self.lines.selectRow(row)
        self.entry.setFocus()

    def record(self) -> None:
        sheet, scanned = self.sheet, self.scanned
        if sheet is None or scanned is None:
            return
        typed = self.entry.text().strip()
        try:
            if Decimal(typed) < 0:
                raise InvalidOperation
        except InvalidOperation:
            self.message.say("problem", "Type the quantity counted as a number (0 if there is none).")
            return
        scan, row = scanned
        self._run(
            lambda f, a: counts.record_count(f, a, sheet.id, scan=scan, quantity=typed),
            lambda line: self._recorded(sheet.id, line),
            busy="Saving the count…",
        )

    def _recorded(self, count_id: uuid.UUID, line: CountLineView) -> None:
        self.scanned = None
        self.entry.clear()
        self.entry.setEnabled(False)
        self.entry_item.setText("")
        self.message.say(
            "done",
            f"Counted {units(line.counted, line.unit, line.dosage_form)} of {line.drug_name}. Scan the next item.",
        )
        self._run(lambda f, a: counts.count_sheet(f, a, count_id), self._show_sheet)
        self.prompt.setFocus()

    def submit(self) -> None:
        sheet = self.sheet
        if sheet is None or sheet.status != counts.OPEN or self.busy or not self.isVisible():
            return
        self.busy = True
        uow_factory, actor = self.context.uow_factory, self.actor
        run_in_background(
            self,
            lambda: counts.submit_count(uow_factory, actor, sheet.id),
            self._submitted,
            self._submit_failed,
            busy_message="Submitting the count…",
        )

    def _submit_failed(self, exc: Exception) -> None:
        self.busy = False
        self.message.say("problem", user_message(exc))

    def _submitted(self, result: CountResult) -> None:
        self.busy = False
        self.result = result
        self.sheet = result.sheet
        waiting = sum(1 for v in result.variances if v.adjustment.pending)
        if not result.variances:
            self.done_heading.setText(f"Count {result.sheet.count_number}: every item matches the record.")
        else:
            self.done_heading.setText(
                f"Count {result.sheet.count_number}: {len(result.variances)} variance"
                f"{'s' if len(result.variances) != 1 else ''} — {waiting} waiting for approval (Adjustments, Alt+D)"
            )
        self.variances.set_rows([variance_cells(v) for v in result.variances])
        for n, v in enumerate(result.variances):
            paint(self.variances, n, 4, "warning")
            paint(self.variances, n, 5, "warning" if v.adjustment.pending else "done")
        self.message.say("done", f"Count {result.sheet.count_number} submitted; last counted date set.")
        self.pages.setCurrentWidget(self.done)
        self.load_open_counts()

    def cancel(self) -> None:
        sheet = self.sheet
        if sheet is not None and sheet.status == counts.OPEN:
            self._run(lambda f, a: counts.cancel_count(f, a, sheet.id), self._cancelled)

    def _cancelled(self, sheet: CountSheet) -> None:
        self.clear_sensitive()
        self.message.say("info", f"Count {sheet.count_number} given up: nothing was adjusted.")
        self.load_open_counts()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if obj is self.entry and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
                self.record()
                return True
            if event.key() == Qt.Key.Key_Escape:
                self.scanned = None
                self.entry.clear()
                self.entry.setEnabled(False)
                self.entry_item.setText("")
                self.prompt.setFocus()
                return True
        return False
