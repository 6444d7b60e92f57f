"""F7 Will-call: the bins, what waits in each and for how long; find a bag by label scan or name."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QSpinBox, QSplitter, QVBoxLayout, QWidget

from pharmacy_desktop.domain.places import Place
from pharmacy_desktop.services import will_call as service
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.will_call import BinSummary, WaitingRx
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.keys import key_for
from pharmacy_desktop.ui.ops import run_in_background, user_message
from pharmacy_desktop.ui.screens.base import heading
from pharmacy_desktop.ui.screens.queue_screen import LiveScreen
from pharmacy_desktop.ui.widgets.fill_common import RED, RowsTable, big, drug_cell, shortcut


class WillCallScreen(LiveScreen):
    key = key_for(Place.WILL_CALL)
    title = "Will-call"
    permission = service.VIEW_PERMISSION
    change_topics = ("prescriptions", "will_call")
    help_keys = (
        ("Scan", "a bag or vial label: shows that patient's bag and its bin"),
        ("Alt+N", "find by patient name (type, results as you type)"),
        ("Alt+B", "the bins; Enter shows what is in the selected bin"),
        ("Alt+W", "waiting more than N days (Alt+D sets N)"),
        ("Esc", "all bins' contents"),
        ("Ctrl+R", "refresh"),
    )

    def __init__(self, context: AppContext, actor: Actor, parent: QWidget | None = None):
        super().__init__(context, actor, parent)
        self.bins: list[BinSummary] = []
        self.rows: list[WaitingRx] = []
        self.mode = "all"
        self._build()
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(250)
        self._search_timer.timeout.connect(self._search)
        shortcut(self, "Alt+N", self.focus_search)
        shortcut(self, "Alt+B", self.bin_table.setFocus)
        shortcut(self, "Alt+W", self.show_stale)
        shortcut(self, "Alt+D", self.focus_days)
        shortcut(self, "Escape", self.show_all)
        shortcut(self, "Ctrl+R", self.refresh)

    def _build(self) -> None:
        self.bin_table = RowsTable(["Bin", "Rx", "Patients", "Oldest"], stretch=0)
        self.bin_table.setObjectName("binTable")
        self.bin_table.activated_row.connect(self._open_bin)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(heading("Bins (Alt+B)", 2))
        left_layout.addWidget(self.bin_table, 1)

        self.search = QLineEdit()
        self.search.setObjectName("willCallSearch")
        self.search.setPlaceholderText("Patient name (Alt+N) — or scan the bag's label")
        self.search.textEdited.connect(self._search_edited)
        self.days = QSpinBox()
        self.days.setRange(1, 60)
        self.days.setValue(7)
        self.days.setSuffix(" days")
        self.days.valueChanged.connect(self._days_changed)
        search_row = QHBoxLayout()
        search_row.addWidget(self.search, 1)
        search_row.addWidget(QLabel("Waiting more than (Alt+D):"))
        search_row.addWidget(self.days)
        self.headline = big("", 7, name="willCallHeadline")
        self.caption = big("", 1, name="willCallCaption")
        self.table = RowsTable(["Bin", "Patient", "DOB", "Rx", "Drug", "Qty", "Waiting"], stretch=4)
        self.table.setObjectName("willCallTable")

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(search_row)
        right_layout.addWidget(self.headline)
        right_layout.addWidget(self.caption)
        right_layout.addWidget(self.table, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([330, 910])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(splitter)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def focus_days(self) -> None:
        self.days.setFocus()
        self.days.selectAll()

    def _days_changed(self, _value: int) -> None:
        if self.mode == "stale":
            self.show_stale()

    def _search_edited(self, _text: str) -> None:
        self._search_timer.start()

    # -- shell hooks ------------------------------------------------------------------------------

    def clear_sensitive(self) -> None:
        self.rows = []
        self.table.set_rows([])
        self.headline.clear()
        self.search.clear()

    # -- loading ----------------------------------------------------------------------------------

    def refresh(self) -> None:
        actor = self.actor
        run_in_background(
            self,
            lambda: service.list_bins(self.context.uow_factory, actor),
            self._show_bins,
            busy_message="Loading will-call…",
        )
        {"all": self.show_all, "stale": self.show_stale}.get(self.mode, lambda: None)()

    def _show_bins(self, bins: list[BinSummary]) -> None:
        self.bins = bins
        self.bin_table.set_rows([[b.code, str(b.count), str(b.patients), b.waiting_text()] for b in bins])

    def _open_bin(self, row: int) -> None:
        if 0 <= row < len(self.bins):
            code, actor = self.bins[row].code, self.actor
            self.mode = "bin"
            self._load(lambda: service.bin_contents(self.context.uow_factory, actor, code), f"Bin {code}")

    def show_all(self) -> None:
        actor = self.actor
        self.mode = "all"
        self._load(lambda: service.bin_contents(self.context.uow_factory, actor), "Everything in will-call")

    def show_stale(self) -> None:
        actor, days = self.actor, self.days.value()
        self.mode = "stale"
        self._load(
            lambda: service.waiting_longer_than(self.context.uow_factory, actor, days),
            f"Waiting more than {days} days — return to stock at the counter (F7 pickup)",
        )

    def _search(self) -> None:
        text, actor = self.search.text().strip(), self.actor
        if len(text) < 2:
            return
        self.mode = "search"
        self._load(
            lambda: service.find_by_patient_name(self.context.uow_factory, actor, text), f"Patients matching '{text}'"
        )

    def handle_scan(self, text: str) -> bool:
        actor = self.actor
        self.mode = "scan"
        self._load(lambda: service.find_by_label_scan(self.context.uow_factory, actor, text), None)
        return True

    def _load(self, fn: Callable[[], list[WaitingRx]], headline: str | None) -> None:
        run_in_background(
            self, fn, lambda rows: self._show_rows(rows, headline), self._failed, busy_message="Searching will-call…"
        )

    def _show_rows(self, rows: list[WaitingRx], headline: str | None) -> None:
        self.rows = rows
        self.table.set_rows(
            [
                [
                    r.bin_code,
                    r.patient_name,
                    r.patient_dob.strftime("%m/%d/%Y") if r.patient_dob else "",
                    r.rx_number,
                    drug_cell(r.drug, r.schedule),
                    r.quantity,
                    r.waiting,
                ]
                for r in rows
            ]
        )
        if headline is None and rows:  # a label scan: the bag, where it is
            bins = ", ".join(sorted({r.bin_code for r in rows}))
            headline = f"{rows[0].patient_name}: bin {bins}  ({len(rows)} prescription{'s' if len(rows) != 1 else ''})"
        self.headline.setStyleSheet("")
        self.headline.setText(headline or "")
        self.caption.setText(f"{len(rows)} prescription{'s' if len(rows) != 1 else ''}" if rows else "Nothing found.")

    def _failed(self, exc: Exception) -> None:
        self.headline.setText(user_message(exc))
        self.headline.setStyleSheet(f"color: {RED};")
