"""Will-call inside the pickup screen: the bins, what waits in each and for how long, the search by
patient name, and the list of bags waiting longer than the pharmacy's return-to-stock days.

The panel loads its lists itself (``services.will_call``, off the GUI thread); what a scan or Enter
on a row does is the pickup screen's (``open_requested``).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QSpinBox,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.services import will_call
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.will_call import BinSummary, WaitingRx
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.ops import run_in_background, user_message
from pharmacy_desktop.ui.screens.base import heading
from pharmacy_desktop.ui.style import ERROR, PASSED, WARNING
from pharmacy_desktop.ui.table_models import Marked
from pharmacy_desktop.ui.widgets.column_fit import fit_columns
from pharmacy_desktop.ui.widgets.drug_lines import fit_rows_to_lines
from pharmacy_desktop.ui.widgets.fill_common import RowsTable, ScanPrompt, big, drug_cell, scaled
from pharmacy_desktop.ui.widgets.pickup_style import restyle
from pharmacy_desktop.ui.widgets.status_label import StatusLabel

FIND_PROMPT = "SCAN THE BAG OR VIAL LABEL\nor type the patient's name (Alt+N)"
RETURN_PROMPT = "RETURN TO STOCK  ▶  scan each bag's label\n(Esc ends)"
NOTHING_READY = "No prescriptions ready for pickup. Scan a bag or search a patient."


def empty_text(mode: str, headline: str, days: int) -> str:
    """What an empty list says, and what to do next."""
    if mode == "bin":
        return f"{headline} is empty. Choose another bin (Alt+B), or scan a bag."
    if mode == "search":
        return "No prescriptions waiting for that name. Try the last name only, or scan the bag."
    if mode == "stale":
        return f"No bag has waited more than {days} days: nothing to return to stock. Esc goes back."
    return NOTHING_READY


class FindPanel(QWidget):
    """``mode``: what the list shows ('all', 'bin', 'search', 'stale': the return-to-stock list)."""

    open_requested = Signal(object)  # the patient id of the row chosen (Enter / double click)

    def __init__(self, context: AppContext, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.actor = actor
        self.mode = "all"
        self.bins: list[BinSummary] = []
        self.rows: list[WaitingRx] = []

        # built top down, each part inside its parent from the start (a subtree moved into a parent
        # afterwards is walked again for its style and font: will-call's first showing paid for it)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        # the bins take only the room they need: three short columns, the empty bins hidden
        self.left = QWidget(self)
        self.left.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
        left_layout = QVBoxLayout(self.left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.left)
        left_layout.addWidget(heading("Bins (Alt+B)", 2))
        self.bins_empty = QLabel("Every bin is empty.", self.left)
        self.bins_empty.setObjectName("binsEmpty")
        self.bins_empty.setWordWrap(True)
        self.bins_empty.hide()
        left_layout.addWidget(self.bins_empty)
        self._left_layout = left_layout  # the bins' table goes in under bins_empty (_build_bins)
        self.show_empty = QCheckBox("Empty bins", self.left)
        self.show_empty.setObjectName("showEmptyBins")
        self.show_empty.setToolTip("Show the bins with nothing in them too")
        self.show_empty.toggled.connect(lambda _on: self._hide_empty_bins())
        left_layout.addWidget(self.show_empty)

        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(right, 1)
        self.prompt = ScanPrompt(FIND_PROMPT, right, delta=5)
        right_layout.addWidget(self.prompt)
        self.notice = scaled(StatusLabel(parent=right), 2)  # what the last sale or return did: stays until the next
        self.notice.setObjectName("pickupNotice")
        self.notice.setWordWrap(True)
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice.setTextFormat(Qt.TextFormat.PlainText)
        self.notice.hide()
        right_layout.addWidget(self.notice)
        self.search = QLineEdit(right)
        self.search.setObjectName("pickupSearch")
        self.search.setAccessibleName("Find the patient or scan the bag")
        self.search.setPlaceholderText("Patient name (Alt+N)")
        self.search.setToolTip("Patient name (Alt+N): type it, or scan the bag's label")
        self.days = QSpinBox(right)
        self.days.setObjectName("returnDays")
        self.days.setRange(1, 60)
        self.days.setValue(10)
        self.days.setSuffix(" days")
        days_label = QLabel("Return to stock after (Alt+W):", right)
        days_label.setBuddy(self.days)
        search_row = QHBoxLayout()
        right_layout.addLayout(search_row)
        search_row.addWidget(self.search, 1)
        search_row.addWidget(days_label)
        search_row.addWidget(self.days)
        self.headline = big("", 5, name="pickupHeadline")
        right_layout.addWidget(self.headline)
        self.caption = big("", 1, name="pickupCaption")
        right_layout.addWidget(self.caption)
        self._right = right
        self._right_layout = right_layout  # the list's table goes in last (_build_table)
        # the two tables are built in the idle turns after the first showing (or when first used): the
        # screen's first turn holds only what a scan or a typed name needs
        self._bin_table: RowsTable | None = None
        self._table: RowsTable | None = None
        self._tables_timer = QTimer(self)
        self._tables_timer.setSingleShot(True)
        self._tables_timer.timeout.connect(self._build_next_table)
        self._tables_timer.start(0)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(250)
        self._search_timer.timeout.connect(self.search_now)
        self.search.textEdited.connect(lambda _t: self._search_timer.start())
        self.days.valueChanged.connect(lambda _v: self.show_stale() if self.mode == "stale" else None)

    # -- the tables, built when first needed ----------------------------------------------------------

    @property
    def bin_table(self) -> RowsTable:
        if self._bin_table is None:
            self._bin_table = self._build_bins()
        return self._bin_table

    @property
    def table(self) -> RowsTable:
        if self._table is None:
            self._table = self._build_table()
        return self._table

    def _build_next_table(self) -> None:
        if self._bin_table is None:
            self._bin_table = self._build_bins()
            self._tables_timer.start(0)  # the list's table in the next turn
        elif self._table is None:
            self._table = self._build_table()

    def _build_bins(self) -> RowsTable:
        table = RowsTable(["Bin", "Rx", "Oldest"], self.left, stretch=0)
        table.setObjectName("binTable")
        table.setAccessibleName("Will-call bins")
        self.bin_fit = fit_columns(table, stretch=0, keep=None)
        self._left_layout.insertWidget(self._left_layout.indexOf(self.bins_empty) + 1, table, 1)
        table.activated_row.connect(self.open_bin)
        table.show()
        self._bin_table = table
        self._size_bins()  # the bins pane sizes itself to its columns (no splitter: nothing more to show in it)
        return table

    def _build_table(self) -> RowsTable:
        # no date of birth here: the person at the counter must say it, and the pickup checks it
        table = RowsTable(["Bin", "Patient", "Rx", "Drug", "Qty", "Waiting"], self._right, stretch=3)
        table.setObjectName("willCallTable")
        table.setAccessibleName("Prescriptions waiting for pickup")
        # the patient's name stays whole (the person at the counter is found by it): the Rx number and the
        # quantity step aside first (the sale shows both), then the drug wraps (never before its strength)
        self.table_fit = fit_columns(table, stretch=3, optional=(2, 4))
        fit_rows_to_lines(table, 3, min_lines=1)  # a long drug: its form drops, then it wraps (never its strength)
        self._right_layout.addWidget(table, 1)
        table.activated_row.connect(self._row_chosen)
        table.show()
        return table

    # -- loading --------------------------------------------------------------------------------------

    def refresh(self) -> None:
        actor = self.actor
        run_in_background(
            self,
            lambda: will_call.list_bins(self.context.uow_factory, actor),
            self.show_bins,
            busy_message="Loading will-call…",
        )
        {"all": self.show_all, "stale": self.show_stale}.get(self.mode, lambda: None)()

    def open_bin(self, row: int) -> None:
        if 0 <= row < len(self.bins):
            code, actor = self.bins[row].code, self.actor
            self.set_mode("bin")
            self._load(lambda: will_call.bin_contents(self.context.uow_factory, actor, code), f"Bin {code}")

    def show_all(self) -> None:
        actor = self.actor
        self.set_mode("all")
        self._load(lambda: will_call.bin_contents(self.context.uow_factory, actor), "Everything in will-call")

    def show_stale(self) -> None:
        actor, days = self.actor, self.days.value()
        self.set_mode("stale")
        self._load(
            lambda: will_call.waiting_longer_than(self.context.uow_factory, actor, days),
            f"Waiting more than {days} days — scan each bag to return it to stock",
            stale_days=days,
        )

    def search_now(self) -> None:
        text, actor = self.search.text().strip(), self.actor
        if len(text) < 2:
            return
        self.set_mode("search")
        self._load(
            lambda: will_call.find_by_patient_name(self.context.uow_factory, actor, text), f"Patients matching '{text}'"
        )

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self.set_return_mode(mode == "stale")

    def _load(self, fn: Callable[[], list[WaitingRx]], headline: str, *, stale_days: int | None = None) -> None:
        run_in_background(
            self,
            fn,
            lambda rows: self.show_rows(rows, headline, stale_days=stale_days),
            lambda exc: self.show_problem(user_message(exc)),
            busy_message="Searching will-call…",
        )

    def _row_chosen(self, row: int) -> None:
        if 0 <= row < len(self.rows):
            self.open_requested.emit(self.rows[row].patient_id)

    # -- showing --------------------------------------------------------------------------------------

    def show_bins(self, bins: list[BinSummary]) -> None:
        self.bins = bins
        self.bin_table.set_rows([[b.code, str(b.count), b.waiting_text()] for b in bins])
        for row, b in enumerate(bins):
            what = f"{b.count} prescription{'s' if b.count != 1 else ''} for {b.patients} patient{'s' if b.patients != 1 else ''}"
            tip = f"Bin {b.code}{f' ({b.description})' if b.description else ''}: {what}"
            tip += f", the oldest waiting {b.waiting_text()}" if b.count else ""
            for column in range(self.bin_table.columnCount()):
                item = self.bin_table.item(row, column)
                if item is not None:
                    item.setToolTip(tip)
        self._hide_empty_bins()

    def _hide_empty_bins(self) -> None:
        table = self.bin_table  # built now if the idle turns have not yet
        show_all = self.show_empty.isChecked()
        empty = [b.count == 0 for b in self.bins]
        for row, is_empty in enumerate(empty):
            table.setRowHidden(row, is_empty and not show_all)
        self.show_empty.setText(f"Empty bins ({sum(empty)})")
        self.show_empty.setVisible(any(empty))
        nothing = bool(self.bins) and all(empty) and not show_all
        self.bins_empty.setVisible(nothing)
        visible = [r for r in range(len(self.bins)) if not table.isRowHidden(r)]
        if visible and (table.currentRow() not in visible):
            table.selectRow(visible[0])
        self.bin_fit.fit()
        self._size_bins()

    def _size_bins(self) -> None:
        """The bins pane as wide as its columns (and its heading), no wider: the list gets the rest."""
        table = self.bin_table
        columns = self.bin_fit.contents_width()
        scroll = table.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, table)
        width = columns + 2 * table.frameWidth() + scroll + 2
        for widget in (self.show_empty, *self.left.findChildren(QLabel)):
            if widget is not self.bins_empty:
                width = max(width, widget.sizeHint().width())
        self.bins_empty.setMaximumWidth(width)
        self.left.setFixedWidth(width)

    def show_rows(self, rows: list[WaitingRx], headline: str, *, stale_days: int | None = None) -> None:
        self.rows = rows
        self.table.set_rows(
            [
                [
                    r.bin_code,
                    r.patient_name,
                    r.rx_number,
                    drug_cell(r.drug, r.schedule),
                    r.quantity,
                    # past the return-to-stock days: the warning icon beside the days (not colour alone)
                    Marked("warning", r.waiting) if r.waiting_days >= self.days.value() else r.waiting,
                ]
                for r in rows
            ],
            # a bag past the return-to-stock days is marked (in the bin column) in every list
            marks=["late" if r.waiting_days >= self.days.value() else None for r in rows],
        )
        restyle(self.headline, f"color: {WARNING};" if stale_days is not None else "")
        self.headline.setText(headline)
        n = len(rows)
        self.caption.setText(
            f"{n} prescription{'s' if n != 1 else ''}" if rows else empty_text(self.mode, headline, self.days.value())
        )

    def show_problem(self, text: str) -> None:
        self.headline.setText(text)
        restyle(self.headline, f"color: {ERROR};")

    def show_done(self, text: str) -> None:
        """What the last action did (a sale completed, a bag returned), under the prompt; the list
        reloading does not take it away."""
        self.notice.say("passed", text)
        restyle(self.notice, f"color: {PASSED};")
        self.notice.setVisible(bool(text))

    def set_return_mode(self, on: bool) -> None:
        text, state = (RETURN_PROMPT, "problem") if on else (FIND_PROMPT, "waiting")
        if (self.prompt.label.text(), self.prompt.state) != (text, state):  # each change re-polishes the prompt
            self.prompt.set_text(text, state)

    @property
    def return_mode(self) -> bool:
        return self.mode == "stale"

    def clear(self) -> None:
        self.show_done("")
        self.rows = []
        if self._table is not None:
            self._table.set_rows([])
        self.headline.clear()
        self.caption.clear()
        self.search.clear()

    def current_row(self) -> WaitingRx | None:
        r = self._table.currentRow() if self._table is not None else -1
        return self.rows[r] if 0 <= r < len(self.rows) else None
