"""The Receiving page of the inventory screen (F8): pick the order, scan each package's DataMatrix,
receive them together.

Each scan is checked at once against the order and the scans before it (services/receiving.
check_package: nothing is written): the line it matched, its lot, expiry and serial, and what the
line still waits for. A package that does not belong (another product, more than ordered, a serial
already received, an expired lot) is refused with the service's words and not added. Ctrl+Enter
receives every accepted package in one transaction; the lines show their progress throughout.
"""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.domain.dispensing import quantity_text
from pharmacy_desktop.services import receiving
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.purchasing import OrderView
from pharmacy_desktop.services.receiving import PackageCheck, ReceiptResult
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.ops import run_in_background, user_message
from pharmacy_desktop.ui.screens.base import shortcut
from pharmacy_desktop.ui.table_models import Marked
from pharmacy_desktop.ui.widgets.column_fit import fit_columns
from pharmacy_desktop.ui.widgets.drug_lines import fit_rows_to_lines
from pharmacy_desktop.ui.widgets.fill_common import ResultBanner, RowsTable, ScanPrompt, drug_cell
from pharmacy_desktop.ui.widgets.inventory_order_pane import STATUS_WORDS, ndc_text, order_cells, order_label, po_text

ORDER_HEADERS = ("PO", "Supplier", "Status", "Sent")
LINE_HEADERS = ("Drug", "NDC", "Ordered", "Received before", "Scanned now", "Still due", "Line")
PACKAGE_HEADERS = ("#", "Drug", "Lot", "Expires", "Serial", "Units")


class ReceivingPage(QWidget):
    title = "Receiving"
    help_keys = (
        ("↑/↓, Enter", "pick the order the delivery is for"),
        ("Scan", "each package's 2D barcode (DataMatrix)"),
        ("Ctrl+Enter", "receive the scanned packages"),
        ("Ctrl+Z", "take back the last scan"),
        ("Alt+N", "units in one package, for a line the catalog has no package size for"),
        ("Esc", "forget the scans (nothing is received)"),
    )

    def __init__(self, context: AppContext, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("inventoryReceiving")
        self.context = context
        self.actor = actor
        self.orders: list[OrderView] = []
        self.order: OrderView | None = None
        self.scans: list[str] = []
        self.checks: list[PackageCheck] = []
        self.units: dict[uuid.UUID, Decimal] = {}  # units per package typed for a line the catalog has no size for
        self.last_receipt: ReceiptResult | None = None
        self.checking = False
        self.busy = False
        self._build()
        shortcut(self, "Ctrl+Return", self.receive)
        shortcut(self, "Ctrl+Enter", self.receive)
        shortcut(self, "Ctrl+Z", self.undo_scan)
        shortcut(self, "Esc", self.clear_scans)
        shortcut(self, "Alt+N", self.package_units.setFocus)

    def _build(self) -> None:
        self.order_list = RowsTable(ORDER_HEADERS, stretch=1)
        fit_columns(self.order_list, stretch=1, keep=None)
        self.order_list.setMinimumHeight(90)
        self.order_list.setObjectName("receivableOrders")
        self.order_list.activated_row.connect(self._pick_row)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(QLabel("<b>Orders to receive</b> (Enter picks one)"))
        left_layout.addWidget(self.order_list, 1)

        right = QWidget()
        self.order_title = QLabel("Pick the order this delivery is for, then scan each package.")
        self.order_title.setObjectName("receivingOrder")
        self.order_title.setWordWrap(True)
        self.order_title.setStyleSheet("font-weight: bold; font-size: 13pt;")
        self.prompt = ScanPrompt("Pick an order on the left", delta=8)
        self.result = ResultBanner()
        self.result.WORDS = {"ok": "ADDED", "warning": "CHECK", "problem": "REFUSED", "info": ""}
        self.lines = RowsTable(LINE_HEADERS, stretch=0)
        # the drug through its strength first: the line's status elides, "received before" steps aside (narrow)
        fit_columns(self.lines, stretch=0, shrink=(6,), optional=(3,))
        fit_rows_to_lines(self.lines, 0, min_lines=1)  # still too long: its form drops, then it wraps
        self.lines.setObjectName("receivingLines")
        self.package_units = QLineEdit()
        self.package_units.setObjectName("packageUnits")
        self.package_units.setPlaceholderText("e.g. 100")
        self.package_units.setToolTip("Units in one package, e.g. 100 (if the catalog lacks it)")
        self.package_units.setMaximumWidth(260)
        self.package_units.returnPressed.connect(self.set_package_units)
        self.packages = RowsTable(PACKAGE_HEADERS, stretch=1)
        fit_columns(self.packages, stretch=1, shrink=(4,))
        self.packages.setObjectName("scannedPackages")
        self.receive_button = QPushButton("Receive (Ctrl+Enter)")
        self.receive_button.setObjectName("receiveButton")
        self.receive_button.setMinimumHeight(40)
        self.receive_button.setEnabled(False)
        self.receive_button.clicked.connect(self.receive)
        undo = QPushButton("Undo scan (Ctrl+Z)")
        undo.clicked.connect(self.undo_scan)
        clear = QPushButton("Forget scans (Esc)")
        clear.clicked.connect(self.clear_scans)
        actions = QHBoxLayout()
        actions.addWidget(undo)
        actions.addWidget(clear)
        actions.addStretch(1)
        actions.addWidget(self.receive_button)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.order_title)
        right_layout.addWidget(self.prompt)
        right_layout.addWidget(self.result)
        right_layout.addWidget(QLabel("<b>Lines</b>"))
        right_layout.addWidget(self.lines, 3)
        units_row = QHBoxLayout()
        units_row.addWidget(QLabel("Units in one package of the selected line (Alt+N):"))
        units_row.addWidget(self.package_units)
        units_row.addStretch(1)
        right_layout.addLayout(units_row)
        right_layout.addWidget(QLabel("<b>Packages scanned, not yet received</b>"))
        right_layout.addWidget(self.packages, 2)
        right_layout.addLayout(actions)

        # the orders above, the delivery below at the full width (about 1000 px beside the navigation)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 4)
        split.setSizes([130, 570])
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(split)

    # -- the screen calls these -------------------------------------------------------------------

    def set_actor(self, actor: Actor) -> None:
        self.actor = actor

    def activate(self) -> None:
        self.refresh()
        (self.prompt if self.order is not None else self.order_list).setFocus()

    def refresh(self) -> None:
        actor, factory = self.actor, self.context.uow_factory
        run_in_background(
            self,
            lambda: receiving.receivable_orders(factory, actor),
            self._show_orders,
            self._failed,
            busy_message="Loading the orders to receive…",
        )

    def on_change(self, notice: dict[str, Any]) -> None:
        # a list reloaded under the scans would not change them; hidden, activate() reloads it
        if notice.get("topic") == "purchase_orders" and self.isVisible() and not self.busy:
            self.refresh()

    def _show_orders(self, orders: list[OrderView]) -> None:
        self.orders = list(orders)
        self.order_list.set_rows(
            [(*order_cells(o), o.sent_at.astimezone().strftime("%m/%d") if o.sent_at else "") for o in self.orders]
        )
        if self.order is not None:
            fresh = next((o for o in self.orders if o.id == self.order.id), None)
            if fresh is not None and not self.scans:
                self.order = fresh
                self._show_lines()

    def _pick_row(self, row: int) -> None:
        if 0 <= row < len(self.orders):
            self.pick_order(self.orders[row])

    def pick_order(self, order: OrderView) -> None:
        if self.scans and (self.order is None or order.id != self.order.id):
            self.result.show_result("warning", "Receive or forget (Esc) the packages scanned for this order first.")
            return
        if self.order is None or order.id != self.order.id:
            self.units.clear()
        self.order = order
        self.order_title.setText(order_label(order))
        self.prompt.set_text("▶  SCAN EACH PACKAGE'S 2D BARCODE")
        self.result.clear()
        self._show_lines()
        self.prompt.setFocus()

    # -- scans ------------------------------------------------------------------------------------

    def handle_scan(self, text: str) -> bool:
        order = self.order
        if order is None:
            self.result.show_result("problem", "Pick the order this delivery is for first (↑/↓ and Enter on the left).")
            return True
        if self.checking or self.busy:
            self.result.show_result("warning", "Still checking the last package: scan this one again in a moment.")
            return True
        actor, factory, pending, units = self.actor, self.context.uow_factory, list(self.scans), dict(self.units)
        self.checking = True
        run_in_background(
            self,
            lambda: receiving.check_package(factory, actor, order.id, text, pending=pending, units=units),
            lambda check: self._accepted(text, check),
            self._refused,
        )
        return True

    def _accepted(self, text: str, check: PackageCheck) -> None:
        self.checking = False
        self.scans.append(text)
        self.checks.append(check)
        serial = f", serial {check.serial}" if check.serial else ""
        if check.outstanding_after > 0:
            due = f"partial: {self._units(check.line_id, check.outstanding_after)} still due on this line"
        else:
            due = "this line is complete"
        self.result.show_result(
            "ok",
            f"{check.drug} — lot {check.lot}, expires {check.expiry.strftime('%m/%d/%Y')}{serial}: "
            f"{self._units(check.line_id, check.units)}. {due}.",
        )
        self._show_lines()
        self.prompt.setFocus()

    def _refused(self, exc: Exception) -> None:
        self.checking = False
        self.result.show_result("problem", user_message(exc).removeprefix("Nothing was received. "))
        self.prompt.setFocus()

    def _units(self, line_id: uuid.UUID, quantity: Decimal) -> str:
        """A quantity of an order line's item in its dispensing unit: '100 tablets'."""
        line = next((x for x in self.order.lines if x.id == line_id), None) if self.order else None
        return quantity_text(quantity, None, line.dosage_form if line is not None else None)

    def set_package_units(self) -> None:
        """A package whose size the catalog lacks: the person reads it off the box and types it."""
        order, row = self.order, self.lines.currentRow()
        if order is None or not 0 <= row < len(order.lines) or self.scans:
            self.result.show_result("warning", "Pick the line first, before scanning its packages (Esc forgets scans).")
            return
        try:
            units = Decimal(self.package_units.text().strip())
        except InvalidOperation:
            units = Decimal(0)
        if units <= 0:
            self.result.show_result("problem", "Type the number of units in one package, e.g. 100.")
            return
        line = order.lines[row]
        self.units[line.id] = units
        self.result.show_result(
            "info", f"{line.drug}: {quantity_text(units, None, line.dosage_form)} a package. Scan its packages."
        )
        self.prompt.setFocus()

    def undo_scan(self) -> None:
        if self.scans and not self.busy and not self.checking:
            self.scans.pop()
            removed = self.checks.pop()
            self.result.show_result("info", f"Taken back: {removed.drug}, lot {removed.lot}.")
            self._show_lines()

    def clear_scans(self) -> None:
        if self.busy or self.checking:
            return
        if self.scans:
            self.result.show_result("info", f"{len(self.scans)} scanned package(s) forgotten; nothing was received.")
        self.scans.clear()
        self.checks.clear()
        self._show_lines()

    def scanned_units(self) -> dict[uuid.UUID, Decimal]:
        units: dict[uuid.UUID, Decimal] = {}
        for check in self.checks:
            units[check.line_id] = units.get(check.line_id, Decimal(0)) + check.units
        return units

    def _show_lines(self) -> None:
        order = self.order
        scanned = self.scanned_units()
        rows, done = [], 0
        for line in order.lines if order else ():
            now = scanned.get(line.id, Decimal(0))
            due = line.quantity_ordered - line.quantity_received - now
            partial = "partial" if line.quantity_received + now > 0 else ""
            state: str | Marked = Marked("passed", "complete") if due <= 0 else partial  # the icon beside the word
            done += due <= 0
            rows.append(
                (
                    drug_cell(line.drug, line.schedule or None),
                    ndc_text(line.ndc),
                    quantity_text(line.quantity_ordered, None, line.dosage_form),
                    quantity_text(line.quantity_received, None, line.dosage_form),
                    quantity_text(now, None, line.dosage_form) if now else "",
                    quantity_text(max(due, Decimal(0)), None, line.dosage_form),
                    state,
                )
            )
        self.lines.set_rows(rows)
        self.packages.set_rows(
            [
                (
                    str(n),
                    c.drug,
                    c.lot,
                    c.expiry.strftime("%m/%d/%Y"),
                    c.serial or "—",
                    self._units(c.line_id, c.units),
                )
                for n, c in enumerate(self.checks, 1)
            ]
        )
        if self.packages.rowCount():
            self.packages.scrollToBottom()
        count = len(self.scans)
        self.receive_button.setEnabled(bool(count) and not self.busy)
        self.receive_button.setText(
            f"Receive {count} package{'s' if count != 1 else ''} (Ctrl+Enter)" if count else "Receive (Ctrl+Enter)"
        )
        if order is not None:
            self.order_title.setText(f"{order_label(order)}  —  {done} of {len(order.lines)} line(s) complete")

    # -- receive ----------------------------------------------------------------------------------

    def receive(self) -> None:
        order = self.order
        if self.busy or self.checking or order is None:
            return
        if not self.scans:
            self.result.show_result("problem", "No package scanned yet: scan each package's 2D barcode first.")
            return
        actor, factory, scans, units = self.actor, self.context.uow_factory, list(self.scans), dict(self.units)
        self.busy = True
        self.receive_button.setEnabled(False)
        run_in_background(
            self,
            lambda: receiving.receive(factory, actor, order.id, scans, units=units),
            self._received,
            self._receive_failed,
            busy_message="Receiving the delivery…",
        )

    def _received(self, result: ReceiptResult) -> None:
        self.busy = False
        self.last_receipt = result
        self.scans.clear()
        self.checks.clear()
        self.order = result.order
        status = STATUS_WORDS.get(result.order.status, result.order.status)
        self.result.show_result("ok", f"{result.message} {po_text(result.order.po_number)} is now {status}.")
        self._show_lines()
        self.refresh()
        if result.order.status == "received":
            self.prompt.set_text("Order received in full. Pick the next order.", "done")
            self.order_list.setFocus()
        else:
            self.prompt.setFocus()

    def _receive_failed(self, exc: Exception) -> None:
        self.busy = False
        self._show_lines()
        self._failed(exc)

    def _failed(self, exc: Exception) -> None:
        self.checking = False
        self.result.show_result("problem", user_message(exc))
