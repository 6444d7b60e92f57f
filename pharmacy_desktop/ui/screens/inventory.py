"""F8 Inventory: what the buyer and the pharmacist-in-charge use every week, one page per job.

Pages are tabs with an Alt+letter each (the & in the label). A page is any ``QWidget`` built as
``make(context, actor)``; the screen calls these methods on it when the page has them (all optional):

- ``activate()``: the page came into view (load in the background);
- ``refresh()``: Ctrl+R, or the page should reload;
- ``handle_scan(text) -> bool``: a scan while the page is on show (Stock finds the item, Counts counts it);
- ``on_change(notice)``: a change notice from another workstation (topic 'inventory', ...);
- ``set_actor(actor)``: another user took over (without it the screen sets ``page.actor``);
- ``clear_sensitive()``: sign-out;
- ``help_keys``: (key, what it does) pairs for F1.

A page is listed in ``PAGES`` with the permission that shows its tab; the services check again.
The Alt letters avoid the shell's own (Alt+H home, Alt+U users, Alt+A audit log, Alt+S settings):
two keys alike silence both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from pharmacy_desktop.domain.places import Place
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.keys import key_for
from pharmacy_desktop.ui.screens.base import Screen, shortcut
from pharmacy_desktop.ui.widgets.inventory_adjustments import AdjustmentsPage
from pharmacy_desktop.ui.widgets.inventory_counts import CountsPage
from pharmacy_desktop.ui.widgets.inventory_orders import OrdersPage
from pharmacy_desktop.ui.widgets.inventory_recalls import RecallsPage
from pharmacy_desktop.ui.widgets.inventory_receiving import ReceivingPage
from pharmacy_desktop.ui.widgets.inventory_reports import ReportsPage
from pharmacy_desktop.ui.widgets.inventory_stock import StockPage

VIEW = "inventory.view"


@dataclass(frozen=True)
class InventoryPage:
    label: str  # the tab's text; the letter after & is its Alt key
    make: Callable[[AppContext, Actor], QWidget]
    permission: str = VIEW  # the tab shows only for users who have it


# the pages in tab order; SCREEN B appends Orders (Alt+O), Receiving (Alt+R), Recalls (Alt+L), Reports (Alt+P)
PAGES: list[InventoryPage] = [
    InventoryPage("S&tock", StockPage),
    InventoryPage("A&djustments", AdjustmentsPage),
    InventoryPage("&Counts", CountsPage, "inventory.adjust"),
    InventoryPage("&Orders", OrdersPage),
    InventoryPage("&Receiving", ReceivingPage, "inventory.receive"),
    InventoryPage("Reca&lls", RecallsPage, "inventory.recall"),
    InventoryPage("Re&ports", ReportsPage),
]


class InventoryScreen(Screen):
    key = key_for(Place.INVENTORY)
    title = "Inventory"
    permission = VIEW
    screenshot_role = "pharmacist"
    change_topics = ("inventory", "prescriptions", "stock_adjustments", "purchase_orders")

    def __init__(self, context: AppContext, actor: Actor, parent: QWidget | None = None):
        super().__init__(context, actor, parent)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("inventoryPages")
        self.tabs.setDocumentMode(True)
        self.pages: list[QWidget] = []
        for spec in PAGES:
            page = spec.make(context, actor)
            self.pages.append(page)
            self.tabs.addTab(page, spec.label)
        self.tabs.currentChanged.connect(self._page_changed)
        counts = self.page(CountsPage)
        counts.stock_rows = lambda: list(self.page(StockPage).rows)  # "count the items listed on Stock"
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.tabs)
        shortcut(self, "Ctrl+R", self.refresh)
        self._show_allowed_tabs()

    # -- the pages ------------------------------------------------------------------------------------

    def page(self, kind: type[QWidget]) -> Any:
        """The page of this class (tests and other pages use it to reach one)."""
        return next(p for p in self.pages if isinstance(p, kind))

    def current_page(self) -> QWidget:
        return self.pages[self.tabs.currentIndex()]

    def show_page(self, kind: type[QWidget]) -> None:
        self.tabs.setCurrentWidget(self.page(kind))

    def _call(self, page: QWidget, method: str, *args: Any) -> Any:
        fn = getattr(page, method, None)
        return fn(*args) if callable(fn) else None

    def _page_changed(self, index: int) -> None:
        if 0 <= index < len(self.pages) and self.isVisible():
            self._call(self.pages[index], "activate")

    def _show_allowed_tabs(self) -> None:
        for index, spec in enumerate(PAGES):
            self.tabs.setTabVisible(index, self.actor.can(spec.permission))
        if not self.tabs.isTabVisible(self.tabs.currentIndex()):
            allowed = [i for i in range(len(PAGES)) if self.tabs.isTabVisible(i)]
            if allowed:
                self.tabs.setCurrentIndex(allowed[0])

    @property
    def help_keys(self) -> tuple[tuple[str, str], ...]:  # type: ignore[override]
        tabs = ", ".join(f"Alt+{spec.label.split('&')[1][0].upper()} {spec.label.replace('&', '')}" for spec in PAGES)
        own: tuple[tuple[str, str], ...] = ((tabs, "the pages"), ("Ctrl+R", "load again"))
        return own + tuple(getattr(self.current_page(), "help_keys", ()))

    # -- shell hooks ----------------------------------------------------------------------------------

    def activate(self) -> None:
        self._call(self.current_page(), "activate")

    def refresh(self) -> None:
        self._call(self.current_page(), "refresh")

    def on_change(self, notice: dict[str, Any]) -> None:
        if notice.get("topic") not in self.change_topics:
            return
        for page in self.pages:  # a hidden page only marks itself stale; each page decides
            self._call(page, "on_change", notice)

    def handle_scan(self, text: str) -> bool:
        return bool(self._call(self.current_page(), "handle_scan", text))

    def set_actor(self, actor: Actor) -> None:
        super().set_actor(actor)
        for page in self.pages:
            if callable(getattr(page, "set_actor", None)):
                page.set_actor(actor)  # type: ignore[attr-defined]
            else:
                page.actor = actor  # type: ignore[attr-defined]
        self._show_allowed_tabs()

    def clear_sensitive(self) -> None:
        for page in self.pages:
            self._call(page, "clear_sensitive")
