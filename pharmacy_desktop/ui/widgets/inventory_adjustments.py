"""The Adjustments page of the inventory screen (F8, Alt+D): request a stock adjustment with its type
and reason, and the queue of adjustments waiting for someone else's approval.

A request changes no stock: a small one that is not a controlled substance is approved at once by
the system, anything else waits for a person with inventory.approve_adjustment who is not the
requester (services/adjustments.py decides and refuses; this page says what happened in words).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.domain import adjustments as rules
from pharmacy_desktop.services import adjustments, inventory_view
from pharmacy_desktop.services.adjustments import AdjustmentView
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.inventory_view import ItemStock, StockRow
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.ops import run_in_background, user_message
from pharmacy_desktop.ui.screens.base import shortcut
from pharmacy_desktop.ui.widgets.column_fit import fit_columns
from pharmacy_desktop.ui.widgets.drug_lines import fit_rows_to_lines
from pharmacy_desktop.ui.widgets.fill_common import RowsTable, schedule_mark
from pharmacy_desktop.ui.widgets.inventory_common import (
    ItemFinder,
    MessageLine,
    change_text,
    form_106_text,
    outcome_text,
    paint,
    queue_cells,
    units,
)

QUEUE_HEADERS = ["Requested", "Drug", "Lot", "Type", "Change", "Value", "Reason", "By"]
QUANTITY_HINTS = {
    rules.PHYSICAL_COUNT: "counted on the shelf",
    rules.SYSTEM_ERROR: "+ found / − missing",
}
LOST_HINT = "units lost"


class AdjustmentsPage(QWidget):
    help_keys = (
        ("Alt+I, scan", "the item (type its name or NDC, or scan the package)"),
        ("Alt+B / Alt+Y / Alt+Q / Alt+E", "lot / type / quantity / reason"),
        ("Ctrl+Enter", "request the adjustment"),
        ("Alt+W", "the adjustments waiting for approval"),
        ("Alt+N, Alt+V / Alt+J", "decision note; approve / reject the selected one (not your own)"),
    )

    def __init__(self, context: AppContext, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("inventoryAdjustments")
        self.context = context
        self.actor = actor
        self.stock: ItemStock | None = None
        self.pending: list[AdjustmentView] = []
        self.busy = False
        self._build()
        for keys, slot in (("Ctrl+Return", self.request), ("Ctrl+Enter", self.request), ("Alt+K", self.show_form_106)):
            shortcut(self, keys, slot)

    def _build(self) -> None:
        form = QGroupBox("Request an adjustment")
        grid = QGridLayout(form)
        self.finder = ItemFinder(self.context, self.actor, name="adjustItem")
        self.finder.chosen.connect(self._item_chosen)
        self.lot = QComboBox()
        self.lot.setObjectName("adjustLot")
        self.lot.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.lot.setMinimumContentsLength(16)
        self.lot.currentTextChanged.connect(self.lot.setToolTip)  # a narrow box elides; the tooltip has it all
        self.type = QComboBox()
        self.type.setObjectName("adjustType")
        for code in rules.REQUESTABLE:
            self.type.addItem(rules.TYPE_LABELS[code], code)
        self.type.currentIndexChanged.connect(lambda _i: self._type_changed())
        self.quantity = QLineEdit()
        self.quantity.setObjectName("adjustQuantity")
        self.quantity.setMinimumWidth(150)
        self.quantity.setMaximumWidth(170)
        self.reason = QLineEdit()
        self.reason.setObjectName("adjustReason")
        self.reason.setPlaceholderText("What happened (required): e.g. bottle dropped and broken")
        self.reason.setToolTip("What happened (required): e.g. bottle dropped and broken")
        self.reason.returnPressed.connect(self.request)
        self.request_button = QPushButton("Request (Ctrl+Enter)")
        self.request_button.setObjectName("adjustRequest")
        self.request_button.clicked.connect(self.request)
        self.quantity_label = QLabel("&Quantity")
        labels = [
            ("&Item", self.finder),
            ("&Batch (lot)", self.lot),
            ("T&ype", self.type),
            ("", self.quantity),
            ("R&eason", self.reason),
        ]
        made = []
        for text, widget in labels:
            label = self.quantity_label if widget is self.quantity else QLabel(text)
            label.setBuddy(widget.edit if isinstance(widget, ItemFinder) else widget)
            made.append(label)
        # two label-field pairs a row at most: the form fits a 1024 px display beside the navigation
        grid.addWidget(made[0], 0, 0)
        grid.addWidget(self.finder, 0, 1, 1, 3)
        grid.addWidget(made[1], 1, 0)
        grid.addWidget(self.lot, 1, 1)
        grid.addWidget(made[2], 1, 2)
        grid.addWidget(self.type, 1, 3)
        grid.addWidget(made[3], 2, 0)
        grid.addWidget(self.quantity, 2, 1)
        grid.addWidget(made[4], 3, 0)
        grid.addWidget(self.reason, 3, 1, 1, 2)
        grid.addWidget(self.request_button, 3, 3)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(3, 1)
        self.item_info = MessageLine("adjustItemInfo")
        grid.addWidget(self.item_info, 4, 1, 1, 3)
        self.result = MessageLine("adjustResult")

        queue = QGroupBox()
        queue_layout = QVBoxLayout(queue)
        title = QLabel("&Waiting for approval")
        self.queue = RowsTable(QUEUE_HEADERS, stretch=6)
        fit_columns(self.queue, stretch=1, shrink=(6, 7, 3), optional=(5, 2))  # value, lot step aside first
        fit_rows_to_lines(self.queue, 1, min_lines=1)  # a long drug: its form drops, then it wraps (never its strength)
        self.queue.setObjectName("adjustQueue")
        self.queue.setAccessibleName("Adjustments waiting for approval")
        title.setBuddy(self.queue)
        self.queue_hint = QLabel()
        self.queue_hint.setObjectName("adjustQueueHint")
        self.queue_hint.setWordWrap(True)
        self.note = QLineEdit()
        self.note.setObjectName("decisionNote")
        self.note.setPlaceholderText("Why (required to reject)")
        self.note.setToolTip("Why (required to reject; kept with the decision)")
        note_label = QLabel("Decision &note")
        note_label.setBuddy(self.note)
        self.approve_button = QPushButton("Appro&ve selected")
        self.approve_button.setObjectName("adjustApprove")
        self.approve_button.clicked.connect(lambda: self.decide(approve=True))
        self.reject_button = QPushButton("Re&ject selected")
        self.reject_button.setObjectName("adjustReject")
        self.reject_button.clicked.connect(lambda: self.decide(approve=False))
        decide = QHBoxLayout()
        decide.addWidget(note_label)
        decide.addWidget(self.note, 1)
        decide.addWidget(self.approve_button)
        decide.addWidget(self.reject_button)
        self.form_button = QPushButton("DEA Form 106 data (Alt+K)")
        self.form_button.setObjectName("adjustForm106")
        self.form_button.clicked.connect(self.show_form_106)
        self.decision = MessageLine("decisionResult")
        heading = QHBoxLayout()
        heading.addWidget(title)
        heading.addWidget(self.queue_hint, 1)
        heading.addWidget(self.form_button)
        queue_layout.addLayout(heading)
        queue_layout.addWidget(self.queue, 1)
        queue_layout.addLayout(decide)
        queue_layout.addWidget(self.decision)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 6, 4, 4)
        layout.addWidget(form)
        layout.addWidget(self.result)
        layout.addWidget(queue, 1)
        self._type_changed()
        self._item_chosen(None)
        self._rights_changed()

    # -- page hooks -------------------------------------------------------------------------------

    def activate(self) -> None:
        self.load_queue()
        if self.finder.choice is None:
            self.finder.edit.setFocus()

    def refresh(self) -> None:
        self.load_queue()

    def on_change(self, notice: dict[str, Any]) -> None:
        if notice.get("topic") in ("stock_adjustments", "inventory") and self.isVisible():
            self.load_queue()

    def set_actor(self, actor: Actor) -> None:
        self.actor = actor
        self.finder.actor = actor
        self.clear_sensitive()
        self._rights_changed()

    def clear_sensitive(self) -> None:
        self.finder.set_choice(None)
        self.reason.clear()
        self.quantity.clear()
        self.note.clear()
        self.result.say("hint", "")
        self.decision.say("hint", "")

    def handle_scan(self, text: str) -> bool:
        """A scanned package chooses the item to adjust (a lot in the DataMatrix chooses the lot too)."""
        uow_factory, actor = self.context.uow_factory, self.actor
        run_in_background(
            self,
            lambda: inventory_view.find_by_scan(uow_factory, actor, text),
            lambda found: self.finder.set_choice(found.rows[0]),
            lambda exc: self.result.say("problem", user_message(exc)),
            busy_message="Finding the scanned item…",
        )
        return True

    # -- the request ------------------------------------------------------------------------------

    def _rights_changed(self) -> None:
        may_approve = self.actor.can(adjustments.APPROVE)
        self.approve_button.setEnabled(may_approve)
        self.reject_button.setEnabled(may_approve)
        self.queue_hint.setText(
            "Select one, then approve or reject it. Your own requests are for someone else to decide."
            if may_approve
            else "Approving needs inventory.approve_adjustment (a pharmacist): you see what waits."
        )

    def _type_changed(self) -> None:
        code = self.type.currentData()
        hint = QUANTITY_HINTS.get(code, LOST_HINT)
        self.quantity.setPlaceholderText(hint)
        self.quantity.setToolTip(f"Quantity: {hint}")
        self.quantity.setAccessibleName(f"Quantity, {hint}")

    def _item_chosen(self, row: StockRow | None) -> None:
        self.stock = None
        self.lot.clear()
        self.lot.addItem("any lot (soonest expiry first)", None)
        if row is None:
            self.item_info.say("hint", "")
            return
        self.type.setFocus()
        uow_factory, actor = self.context.uow_factory, self.actor
        run_in_background(
            self,
            lambda: inventory_view.item_stock(uow_factory, actor, row.item_id),
            self._lots_arrived,
            lambda exc: self.result.say("problem", user_message(exc)),
        )

    def _lots_arrived(self, stock: ItemStock) -> None:
        if self.finder.choice is None or self.finder.choice.item_id != stock.item.item_id:
            return
        self.stock = stock
        for lot in stock.lots:
            if lot.on_shelf:
                self.lot.addItem(
                    f"{lot.lot} · exp {lot.expiry.isoformat()} · {units(lot.remaining, stock.item.unit, stock.item.dosage_form)} left",
                    lot.batch_id,
                )
        self.item_info.say(
            "controlled" if stock.item.schedule else "hint",
            f"{stock.item.title}: on hand now {stock.item.on_hand_text}, bin "
            f"{stock.item.bin_location or '—'}"
            + (
                f" · controlled ({schedule_mark(stock.item.schedule)}): approval always needed"
                if stock.item.schedule
                else ""
            ),
        )

    def request_arguments(self) -> dict[str, Any]:
        """What the form asks for, or ValueError with what is missing."""
        row = self.finder.choice
        if row is None:
            raise ValueError("Choose the item first: type its name or NDC and press Enter, or scan the package.")
        try:
            amount = Decimal(self.quantity.text().strip().replace("−", "-"))
        except InvalidOperation:
            raise ValueError("Type the quantity as a number of units (for example 4 or 2.5).") from None
        code = self.type.currentData()
        arguments: dict[str, Any] = {
            "item_id": row.item_id,
            "adjustment_type": code,
            "reason": self.reason.text(),
            "batch_id": self.lot.currentData(),
        }
        if code == rules.PHYSICAL_COUNT:
            arguments["counted"] = amount
        elif code == rules.SYSTEM_ERROR:
            arguments["change"] = amount
        else:
            arguments["change"] = -abs(amount)  # units lost are typed as a number; they leave the stock
        return arguments

    def request(self) -> None:
        if self.busy or not self.isVisible():
            return
        try:
            arguments = self.request_arguments()
        except ValueError as exc:
            self.result.say("problem", str(exc))
            return
        self.busy = True
        uow_factory, actor = self.context.uow_factory, self.actor
        run_in_background(
            self,
            lambda: adjustments.request_adjustment(uow_factory, actor, **arguments),
            self._requested,
            self._request_failed,
            busy_message="Requesting the adjustment…",
        )

    def _requested(self, view: AdjustmentView) -> None:
        self.busy = False
        self.result.say(*outcome_text(view))
        self.quantity.clear()
        self.reason.clear()
        self.load_queue()
        choice = self.finder.choice
        if choice is not None:
            self._item_chosen(choice)  # its lots and on hand as they are now

    def _request_failed(self, exc: Exception) -> None:
        self.busy = False
        self.result.say("problem", user_message(exc))

    # -- the approval queue -----------------------------------------------------------------------

    def load_queue(self) -> None:
        uow_factory, actor = self.context.uow_factory, self.actor
        run_in_background(
            self,
            lambda: adjustments.pending_adjustments(uow_factory, actor),
            self._show_queue,
            lambda exc: self.decision.say("problem", user_message(exc)),
        )

    def _show_queue(self, pending: tuple[AdjustmentView, ...]) -> None:
        self.pending = list(pending)
        self.queue.set_rows([queue_cells(v) for v in self.pending])
        for n, view in enumerate(self.pending):
            if view.is_controlled:
                paint(self.queue, n, 1, "controlled")
            if view.requested_by == self.actor.user_id:
                paint(self.queue, n, 7, "hint", bold=False)
                item = self.queue.item(n, 7)
                if item is not None:
                    item.setText(f"{view.requested_by_name} (you)")

    def selected(self) -> AdjustmentView | None:
        row = self.queue.currentRow()
        return self.pending[row] if 0 <= row < len(self.pending) else None

    def decide(self, *, approve: bool) -> None:
        view = self.selected()
        if view is None:
            self.decision.say("problem", "Select an adjustment in the list first (Alt+W, then ↑/↓).")
            return
        note = self.note.text().strip()
        uow_factory, actor = self.context.uow_factory, self.actor

        def work() -> AdjustmentView:
            if approve:
                return adjustments.approve_adjustment(uow_factory, actor, view.id, note=note or None)
            return adjustments.reject_adjustment(uow_factory, actor, view.id, note=note)

        run_in_background(
            self,
            work,
            self._decided,
            lambda exc: self.decision.say("problem", user_message(exc)),
            busy_message="Approving…" if approve else "Rejecting…",
        )

    def show_form_106(self) -> None:
        """The data of a DEA Form 106 for the selected controlled theft or loss, from its records."""
        view = self.selected()
        if view is None or view.dea_form != "106":
            self.decision.say("problem", "Select a controlled theft or loss (marked 106) in the list first.")
            return
        uow_factory, actor = self.context.uow_factory, self.actor
        run_in_background(
            self,
            lambda: adjustments.form_106(uow_factory, actor, view.id),
            self._form_arrived,
            lambda exc: self.decision.say("problem", user_message(exc)),
        )

    def _form_closed(self, _result: int) -> None:
        self.window().activateWindow()
        self.queue.setFocus()

    def _form_arrived(self, form: Any) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, "DEA Form 106 data", form_106_text(form), parent=self)
        box.setObjectName("form106")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(self._form_closed)
        box.open()  # not exec(): the GUI never waits
        self.form_box = box

    def _decided(self, view: AdjustmentView) -> None:
        self.note.clear()
        what = f"{view.type_label} {change_text(view)} for {view.drug_name} {view.strength or ''}".strip()
        if view.status == rules.APPROVED:
            self.decision.say("done", f"Approved: {what}. The stock has changed.")
        else:
            self.decision.say("done", f"Rejected: {what}. The stock did not change.")
        self.load_queue()
