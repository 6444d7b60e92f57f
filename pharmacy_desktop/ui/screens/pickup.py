"""F7 Pickup: find the bag (scan its label, type the patient's name, or pick a bin), then hand it
over: take or leave each prescription, date of birth, who picks up, ID for controlled
substances, counseling, signature, payment, receipt.

Will-call is the find page of this screen: the bins, what waits in each, and the bags waiting
longer than the pharmacy's return-to-stock days (Alt+W), returned with one scan per bag.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from pharmacy_desktop.domain.places import Place
from pharmacy_desktop.domain.workflow import Permission
from pharmacy_desktop.services import will_call
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.will_call import BinSummary, WaitingRx
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.keys import key_for
from pharmacy_desktop.ui.ops import run_in_background, user_message
from pharmacy_desktop.ui.screens.queue_screen import LiveScreen
from pharmacy_desktop.ui.widgets.fill_common import shortcut
from pharmacy_desktop.ui.widgets.pickup_find import FindPanel
from pharmacy_desktop.ui.widgets.pickup_sale import SalePage


class PickupScreen(LiveScreen):
    key = key_for(Place.PICKUP)
    title = "Pickup"
    permission = Permission.DISPENSE
    change_topics = ("prescriptions", "will_call", "sales")
    help_keys = (
        ("Scan", "the bag or vial label: opens that patient's pickup (a store item's UPC adds it)"),
        ("Alt+N", "find by patient name; Enter opens the selected bag"),
        ("Alt+B", "the bins; Enter shows what is in the selected bin"),
        ("Alt+W", "return to stock: bags waiting longer than the days shown; scan each bag"),
        ("Space", "take / leave the selected prescription (left ones stay in the bin)"),
        ("Alt+D", "date of birth as the patient says it, Enter"),
        ("Alt+P / Alt+Y", "who picks up / the picker's ID (controlled substances)"),
        ("Ctrl+K / Ctrl+D", "counseling accepted (pharmacist PIN or badge) / declined"),
        ("Alt+G / Alt+C", "the signature pad / clear it"),
        ("Alt+O", "discount code"),
        ("Alt+T, Alt+M, Alt+R, Alt+K", "tender amount, cash given, card, check number"),
        ("Alt+L / Alt+V", "void the selected line / the whole sale (with a reason)"),
        ("Ctrl+Enter", "complete the sale (when nothing is missing)"),
        ("Esc", "back to will-call / cancel"),
        ("Ctrl+R", "refresh"),
    )

    def __init__(self, context: AppContext, actor: Actor, parent: QWidget | None = None):
        super().__init__(context, actor, parent)
        self.mode = "all"
        self.return_mode = False
        self.finder = FindPanel()
        self.sale = SalePage()
        self.pages = QStackedWidget()
        self.pages.addWidget(self.finder)
        self.pages.addWidget(self.sale)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.pages)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(250)
        self._search_timer.timeout.connect(self._search)
        self.finder.search.textEdited.connect(lambda _t: self._search_timer.start())
        self.finder.bin_table.activated_row.connect(self._open_bin)
        self.finder.table.activated_row.connect(self._open_row)
        self.finder.days.valueChanged.connect(lambda _v: self.show_stale() if self.mode == "stale" else None)

        shortcut(self, "Alt+N", self.focus_search)
        shortcut(self, "Alt+B", self.finder.bin_table.setFocus)
        shortcut(self, "Alt+W", self.show_stale)
        shortcut(self, "Escape", self.escape_pressed)
        shortcut(self, "Ctrl+R", self.refresh)

    # -- shell hooks ------------------------------------------------------------------------------

    def clear_sensitive(self) -> None:
        self.finder.clear()
        self.pages.setCurrentWidget(self.finder)

    # -- find page (will-call) --------------------------------------------------------------------

    def focus_search(self) -> None:
        self.pages.setCurrentWidget(self.finder)
        self.finder.search.setFocus()
        self.finder.search.selectAll()

    def refresh(self) -> None:
        actor = self.actor
        run_in_background(
            self,
            lambda: will_call.list_bins(self.context.uow_factory, actor),
            self._show_bins,
            busy_message="Loading will-call…",
        )
        {"all": self.show_all, "stale": self.show_stale}.get(self.mode, lambda: None)()

    def _show_bins(self, bins: list[BinSummary]) -> None:
        self.finder.show_bins(bins)

    def _open_bin(self, row: int) -> None:
        if 0 <= row < len(self.finder.bins):
            code, actor = self.finder.bins[row].code, self.actor
            self._set_mode("bin")
            self._load(lambda: will_call.bin_contents(self.context.uow_factory, actor, code), f"Bin {code}")

    def show_all(self) -> None:
        actor = self.actor
        self._set_mode("all")
        self._load(lambda: will_call.bin_contents(self.context.uow_factory, actor), "Everything in will-call")

    def show_stale(self) -> None:
        actor, days = self.actor, self.finder.days.value()
        self.pages.setCurrentWidget(self.finder)
        self._set_mode("stale")
        self._load(
            lambda: will_call.waiting_longer_than(self.context.uow_factory, actor, days),
            f"Waiting more than {days} days — scan each bag to return it to stock",
            stale_days=days,
        )

    def _search(self) -> None:
        text, actor = self.finder.search.text().strip(), self.actor
        if len(text) < 2:
            return
        self._set_mode("search")
        self._load(
            lambda: will_call.find_by_patient_name(self.context.uow_factory, actor, text), f"Patients matching '{text}'"
        )

    def _set_mode(self, mode: str) -> None:
        self.mode = mode
        self.return_mode = mode == "stale"
        self.finder.set_return_mode(self.return_mode)

    def _load(self, fn: Callable[[], list[WaitingRx]], headline: str, *, stale_days: int | None = None) -> None:
        run_in_background(
            self,
            fn,
            lambda rows: self.finder.show_rows(rows, headline, stale_days=stale_days),
            lambda exc: self.finder.show_problem(user_message(exc)),
            busy_message="Searching will-call…",
        )

    def _open_row(self, row: int) -> None:
        if 0 <= row < len(self.finder.rows):
            self.open_bag(self.finder.rows[row].rx_number)

    # -- scans ------------------------------------------------------------------------------------

    def handle_scan(self, text: str) -> bool:
        self.open_bag(text)
        return True

    def open_bag(self, label: str) -> None:
        """The bag's label (or any of its vial labels): that patient's pickup."""
        actor = self.actor
        self._set_mode("scan")
        run_in_background(
            self,
            lambda: will_call.find_by_label_scan(self.context.uow_factory, actor, label),
            self._show_bag,
            lambda exc: self.finder.show_problem(user_message(exc)),
            busy_message="Finding the bag…",
        )

    def _show_bag(self, rows: list[WaitingRx]) -> None:
        bins = ", ".join(sorted({r.bin_code for r in rows}))
        headline = f"{rows[0].patient_name}: bin {bins}" if rows else ""
        self.finder.show_rows(rows, headline)

    # -- keys -------------------------------------------------------------------------------------

    def escape_pressed(self) -> None:
        if self.pages.currentWidget() is self.sale:
            self.pages.setCurrentWidget(self.finder)
        elif self.return_mode:
            self.show_all()

    def on_change(self, notice: dict[str, Any]) -> None:
        if notice.get("topic") in self.change_topics and self.isVisible() and self.pages.currentWidget() is self.finder:
            self.refresh()
