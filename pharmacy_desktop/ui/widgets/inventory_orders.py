"""The Orders page of the inventory screen (F8): reorder suggestions -> draft orders, edit the lines,
send (a Schedule II order with its DEA Form 222 / CSOS number), the order's PDF saved to a file.

Left, the purchase orders (drafts, sent, partly received); right, the suggestions (Alt+G) or the
order picked on the left (Enter). Every call goes through services/purchasing.py off the GUI thread;
an edit names the order's version, so an order changed at another workstation is refused, not
overwritten. The PDF the supplier gets is written to "Purchase orders" in the user's documents.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.domain.dispensing import quantity_text
from pharmacy_desktop.services import purchasing
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.purchasing import OrderLineView, OrderView, SendResult, SupplierSuggestions
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.ops import run_in_background, user_message
from pharmacy_desktop.ui.screens.base import shortcut
from pharmacy_desktop.ui.style import ERROR_STYLE, PASSED_STYLE, WARNING_STYLE
from pharmacy_desktop.ui.widgets.column_fit import fit_columns
from pharmacy_desktop.ui.widgets.drug_lines import fit_rows_to_lines
from pharmacy_desktop.ui.widgets.fill_common import RowsTable, drug_cell
from pharmacy_desktop.ui.widgets.inventory_order_pane import OrderPane, money, ndc_text, order_cells, po_text
from pharmacy_desktop.ui.widgets.inventory_reports import default_folder, open_folder, write_file
from pharmacy_desktop.ui.widgets.status_label import StatusLabel

_ICONS = {ERROR_STYLE: "stop", PASSED_STYLE: "passed", WARNING_STYLE: "warning"}  # a message's style: its icon

OPEN_STATUSES = ("pending", "sent", "partially_received")
ORDER_HEADERS = ("PO", "Supplier", "Status", "Total")
SUGGESTION_HEADERS = ("Supplier", "Drug", "NDC", "On hand", "Reorder pt", "On order", "Order qty", "Amount")


def save_order_pdf(folder: Path, po_number: str, pdf: bytes) -> Path:
    return write_file(folder / f"{po_text(po_number).replace(' ', '-')}.pdf", pdf)


class OrdersPage(QWidget):
    title = "Orders"
    help_keys = (
        ("Alt+G", "show the reorder suggestions"),
        ("Ctrl+D", "make draft orders from the suggestions"),
        ("↑/↓, Enter", "open the selected order"),
        ("Alt+Q", "change the selected line's quantity (Enter applies)"),
        ("Delete", "remove the selected line from a draft"),
        ("Ctrl+Enter", "send the order (C-II: its DEA Form 222 / CSOS number first)"),
        ("Ctrl+S", "save the order's PDF again"),
        ("Ctrl+O", "open the folder of the saved PDFs"),
    )

    def __init__(self, context: AppContext, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("inventoryOrders")
        self.context = context
        self.actor = actor
        self.folder = default_folder("Purchase orders")
        self.orders: list[OrderView] = []
        self.suggestions: list[SupplierSuggestions] = []
        self.order: OrderView | None = None
        self.last_pdf: Path | None = None
        self.busy = False
        self._build()
        shortcut(self, "Alt+G", self.show_suggestions)
        shortcut(self, "Ctrl+D", self.create_drafts)
        shortcut(self, "Alt+Q", self.focus_quantity)
        shortcut(self, "Ctrl+Return", self.send)
        shortcut(self, "Ctrl+Enter", self.send)
        shortcut(self, "Ctrl+S", self.save_pdf)
        shortcut(self, "Ctrl+O", self.open_folder)

    # -- layout -----------------------------------------------------------------------------------

    def _build(self) -> None:
        self.order_list = RowsTable(ORDER_HEADERS, stretch=1)
        fit_columns(self.order_list, stretch=1, keep=None)
        self.order_list.setMinimumHeight(110)
        self.order_list.setObjectName("orderList")
        self.order_list.activated_row.connect(self._open_row)
        suggest = QPushButton("Reorder suggestions (Alt+G)")
        suggest.setObjectName("showSuggestions")
        suggest.clicked.connect(self.show_suggestions)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        heading = QHBoxLayout()
        heading.addWidget(QLabel("<b>Open purchase orders</b> (↑/↓, Enter opens)"), 1)
        heading.addWidget(suggest)
        left_layout.addLayout(heading)
        left_layout.addWidget(self.order_list, 1)

        self.pages = QStackedWidget()
        self.pages.addWidget(self._build_suggestions())
        self.pane = OrderPane()
        self.pane.apply.connect(self.apply_edit)
        self.pane.remove.connect(self.remove_line)
        self.pane.send.connect(self.send)
        self.pane.save_pdf.connect(self.save_pdf)
        self.pane.open_folder.connect(self.open_folder)
        # the pane's fields, named here for the page's code and its tests
        self.lines, self.quantity, self.price = self.pane.lines, self.pane.quantity, self.pane.price
        self.dea_number, self.send_button = self.pane.dea_number, self.pane.send_button
        self.pages.addWidget(self.pane)

        # the orders above, the suggestions or the open order below at the full width (the shell
        # leaves about 1000 px beside its navigation: a side-by-side split clipped the lines' columns)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(left)
        split.addWidget(self.pages)
        split.setStretchFactor(0, 2)  # the open orders get room for a handful of rows at 768 px
        split.setStretchFactor(1, 3)
        split.setSizes([260, 440])
        split.setChildrenCollapsible(False)

        self.status = StatusLabel("Alt+G shows what is below its reorder point; Ctrl+D turns it into draft orders.")
        self.status.setObjectName("ordersStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(split, 1)
        layout.addWidget(self.status)

    def _build_suggestions(self) -> QWidget:
        page = QWidget()
        self.suggestion_table = RowsTable(SUGGESTION_HEADERS, stretch=1)
        fit_columns(self.suggestion_table, stretch=1, shrink=(0,))
        fit_rows_to_lines(self.suggestion_table, 1, min_lines=1)  # beside '300 tablets': the form drops, then it wraps
        self.suggestion_table.setObjectName("suggestionTable")
        self.suggestion_total = QLabel()
        make = QPushButton("Make draft orders (Ctrl+D)")
        make.setObjectName("createDrafts")
        make.clicked.connect(self.create_drafts)
        bottom = QHBoxLayout()
        bottom.addWidget(self.suggestion_total, 1)
        bottom.addWidget(make)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("<b>Reorder suggestions</b>: below the reorder point, by supplier (C-II apart)"))
        layout.addWidget(self.suggestion_table, 1)
        layout.addLayout(bottom)
        return page

    # -- the screen calls these -------------------------------------------------------------------

    def set_actor(self, actor: Actor) -> None:
        self.actor = actor

    def activate(self) -> None:
        self.refresh()
        self.order_list.setFocus()

    def handle_scan(self, text: str) -> bool:
        return False

    def on_change(self, notice: dict[str, Any]) -> None:
        # hidden, nothing to do: activate() loads the list again when the page is shown
        if notice.get("topic") == purchasing.TOPIC and self.isVisible() and not self.busy:
            self.refresh()

    def refresh(self) -> None:
        actor, factory = self.actor, self.context.uow_factory
        run_in_background(
            self,
            lambda: purchasing.list_orders(factory, actor, OPEN_STATUSES),
            self._show_orders,
            self._failed,
            busy_message="Loading the purchase orders…",
        )

    def _show_orders(self, orders: list[OrderView]) -> None:
        self.orders = list(orders)
        self.order_list.set_rows([(*order_cells(o), money(o.total)) for o in self.orders])
        if self.order is not None:
            fresh = next((o for o in self.orders if o.id == self.order.id), None)
            if fresh is not None:
                self._show_order(fresh)

    # -- suggestions ------------------------------------------------------------------------------

    def show_suggestions(self) -> None:
        actor, factory = self.actor, self.context.uow_factory
        run_in_background(
            self,
            lambda: purchasing.reorder_suggestions(factory, actor),
            self._show_suggestions,
            self._failed,
            busy_message="Working out what to reorder…",
        )

    def _show_suggestions(self, groups: list[SupplierSuggestions]) -> None:
        self.suggestions = list(groups)
        rows = []
        for group in self.suggestions:
            supplier = group.supplier_name + (" C-II" if group.is_schedule_ii else "")
            for s in group.lines:
                rows.append(
                    (
                        supplier,
                        drug_cell(s.drug, s.schedule or None),
                        ndc_text(s.ndc),
                        quantity_text(s.on_hand, s.unit, s.dosage_form),
                        quantity_text(s.reorder_point, s.unit, s.dosage_form),
                        quantity_text(s.on_order, s.unit, s.dosage_form),
                        quantity_text(s.quantity, s.unit, s.dosage_form),
                        money(s.amount),
                    )
                )
        self.suggestion_table.set_rows(rows)
        total = sum((g.total for g in self.suggestions), start=Decimal(0))
        orders = len(self.suggestions)
        self.suggestion_total.setText(f"{len(rows)} item(s), {orders} order(s), {money(total)}")
        self.pages.setCurrentIndex(0)
        self.order = None
        if rows:
            self._say(f"{len(rows)} item(s) below the reorder point. Ctrl+D makes the draft orders.", "")
            self.suggestion_table.setFocus()
        else:
            self._say("Nothing is below its reorder point (counting what is already on order).", PASSED_STYLE)

    def create_drafts(self) -> None:
        if self.busy:
            return
        if not self.suggestions:
            self._say("Show the suggestions first (Alt+G).", ERROR_STYLE)
            return
        actor, factory = self.actor, self.context.uow_factory
        self.busy = True
        run_in_background(
            self,
            lambda: purchasing.create_draft_orders(factory, actor),
            self._drafted,
            self._failed,
            busy_message="Making the draft orders…",
        )

    def _drafted(self, orders: list[OrderView]) -> None:
        self.busy = False
        self.suggestions = []
        self.suggestion_table.set_rows([])
        numbers = ", ".join(o.po_number for o in orders)
        self._say(f"{len(orders)} draft order(s): {numbers}. Check the lines, then send each (Ctrl+Enter).",
                  PASSED_STYLE)  # fmt: skip
        if orders:
            self._show_order(orders[0])
        self.refresh()

    # -- one order --------------------------------------------------------------------------------

    def _open_row(self, row: int) -> None:
        if 0 <= row < len(self.orders):
            self._show_order(self.orders[row])
            self.lines.setFocus()

    def _show_order(self, order: OrderView) -> None:
        self.order = order
        self.pages.setCurrentIndex(1)
        self.pane.show_order(order)

    def selected_line(self) -> OrderLineView | None:
        return self.pane.selected_line()

    def focus_quantity(self) -> None:
        if self.order is not None and self.quantity.isEnabled():
            self.quantity.setFocus()
            self.quantity.selectAll()

    def apply_edit(self) -> None:
        line, order = self.selected_line(), self.order
        if self.busy or line is None or order is None:
            return
        try:
            quantity = Decimal(self.quantity.text().strip().replace(",", ""))
            price = Decimal(self.price.text().strip().lstrip("$").replace(",", ""))
        except InvalidOperation:
            self._say("Type the quantity in units and the unit price as a number, e.g. 100 and 0.42.", ERROR_STYLE)
            return
        actor, factory = self.actor, self.context.uow_factory
        self._write(
            lambda: purchasing.edit_line(
                factory, actor, order.id, line.id, version=order.version, quantity=quantity, unit_price=price
            ),
            f"Line {line.drug} changed.",
        )

    def remove_line(self) -> None:
        line, order = self.selected_line(), self.order
        if self.busy or line is None or order is None or order.status != "pending":
            return
        actor, factory = self.actor, self.context.uow_factory
        self._write(
            lambda: purchasing.remove_line(factory, actor, order.id, line.id, version=order.version),
            f"Line {line.drug} removed.",
        )

    def _write(self, work: Callable[[], OrderView], done: str) -> None:
        self.busy = True

        def shown(order: OrderView) -> None:
            self.busy = False
            self._show_order(order)
            self._say(f"{done}", PASSED_STYLE)
            self.lines.setFocus()
            self.refresh()

        run_in_background(self, work, shown, self._failed, busy_message="Saving…")

    def send(self) -> None:
        order = self.order
        if self.busy or order is None or order.status != "pending":
            return
        dea = self.dea_number.text().strip() or None
        if order.is_schedule_ii and not dea:
            self._say("A Schedule II order is sent only with its DEA Form 222 or CSOS order number: type it.",
                      ERROR_STYLE)  # fmt: skip
            self.dea_number.setFocus()
            return
        actor, factory, folder = self.actor, self.context.uow_factory, self.folder

        def work() -> tuple[SendResult, Path]:
            result = purchasing.send_order(factory, actor, order.id, version=order.version, dea_order_number=dea)
            return result, save_order_pdf(folder, result.order.po_number, result.pdf)

        self.busy = True
        run_in_background(self, work, self._sent, self._failed, busy_message="Sending the order…")

    def _sent(self, outcome: tuple[SendResult, Path]) -> None:
        result, path = outcome
        self.busy = False
        self.last_pdf = path
        self._show_order(result.order)
        self._say(f"{po_text(result.order.po_number)} sent. Its PDF is saved as {path} (Ctrl+O opens the folder).",
                  PASSED_STYLE)  # fmt: skip
        self.refresh()

    def save_pdf(self) -> None:
        order = self.order
        if order is None:
            self._say("Open an order first (Enter on the list).", ERROR_STYLE)
            return
        actor, factory, folder = self.actor, self.context.uow_factory, self.folder

        def saved(path: Path) -> None:
            self.last_pdf = path
            self._say(f"Saved {path}.", PASSED_STYLE)

        run_in_background(
            self,
            lambda: save_order_pdf(folder, order.po_number, purchasing.order_pdf(factory, actor, order.id)),
            saved,
            self._failed,
            busy_message="Saving the PDF…",
        )

    def open_folder(self) -> None:
        if not self.folder.is_dir():
            self._say(f"Nothing saved yet: {self.folder} does not exist.", WARNING_STYLE)
        elif not open_folder(self.folder):
            self._say(f"The file manager did not open. The folder is {self.folder}.", ERROR_STYLE)

    def _failed(self, exc: Exception) -> None:
        self.busy = False
        self._say(f"{user_message(exc)}", ERROR_STYLE)

    def _say(self, text: str, style: str) -> None:
        self.status.say(_ICONS.get(style), text)  # the icon of its meaning beside the words
        self.status.setStyleSheet(style)
