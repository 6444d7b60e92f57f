"""The order shown on the Orders page: its lines, the edit row of a draft, the DEA Form 222 / CSOS
number of a Schedule II order, and the send / PDF buttons (the page does the work)."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from pharmacy_desktop.domain.dispensing import quantity_text
from pharmacy_desktop.domain.stock import format_quantity
from pharmacy_desktop.services.purchasing import OrderLineView, OrderView
from pharmacy_desktop.ui.style import CONTROLLED
from pharmacy_desktop.ui.widgets.column_fit import fit_columns
from pharmacy_desktop.ui.widgets.drug_lines import fit_rows_to_lines
from pharmacy_desktop.ui.widgets.fill_common import RowsTable, drug_cell

STATUS_WORDS = {
    "pending": "draft",
    "sent": "sent",
    "partially_received": "partly received",
    "received": "received",
    "cancelled": "cancelled",
}
LINE_HEADERS = ("Drug", "NDC", "Package", "Ordered", "Received", "Unit price", "Amount")


def money(value: Decimal) -> str:
    return f"${value:,.2f}"


def unit_money(value: Decimal) -> str:
    """A unit price keeps its fractions of a cent ($0.0315 a tablet), at least two decimals."""
    text = f"{value:,.4f}".rstrip("0")
    return "$" + (text + "0" * (2 - len(text.partition(".")[2])))


def ndc_text(ndc: str) -> str:
    """An 11-digit key as 5-4-2 for reading; anything else as it is."""
    return f"{ndc[:5]}-{ndc[5:9]}-{ndc[9:]}" if len(ndc) == 11 and ndc.isdigit() else ndc


def po_text(po_number: str) -> str:
    return po_number if po_number.upper().startswith("PO") else f"PO {po_number}"


def order_cells(order: OrderView) -> tuple[str, str, str]:
    """An order's first cells in the lists of orders (Orders, Receiving): PO (C-II marked), supplier, status."""
    return (
        order.po_number + ("  C-II" if order.is_schedule_ii else ""),
        order.supplier_name,
        STATUS_WORDS.get(order.status, order.status),
    )


def order_label(order: OrderView) -> str:
    c2 = "  [C-II: DEA 222 / CSOS]" if order.is_schedule_ii else ""
    return f"{po_text(order.po_number)} — {order.supplier_name} — {STATUS_WORDS.get(order.status, order.status)}{c2}"


class OrderPane(QWidget):
    apply = Signal()  # Enter in the quantity or price
    remove = Signal()  # Delete on a line, or the button
    send = Signal()
    save_pdf = Signal()
    open_folder = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.order: OrderView | None = None
        self.order_title = QLabel()
        self.order_title.setObjectName("orderTitle")
        self.order_title.setWordWrap(True)
        self.order_title.setStyleSheet("font-weight: bold; font-size: 13pt;")
        self.lines = RowsTable(LINE_HEADERS, stretch=0)
        fit_columns(self.lines, stretch=0, shrink=(2,))
        fit_rows_to_lines(self.lines, 0, min_lines=1)  # beside '500 tablets': the form drops, then it wraps
        self.lines.setObjectName("orderLines")
        self.lines.installEventFilter(self)
        self.quantity = QLineEdit()
        self.quantity.setObjectName("lineQuantity")
        self.quantity.setPlaceholderText("units")
        self.quantity.setMaximumWidth(110)
        self.quantity.returnPressed.connect(self.apply)
        self.price = QLineEdit()
        self.price.setObjectName("linePrice")
        self.price.setPlaceholderText("unit price")
        self.price.setMaximumWidth(110)
        self.price.returnPressed.connect(self.apply)
        self.lines.currentCellChanged.connect(lambda *_: self.fill_edit())
        edit = QHBoxLayout()
        edit.addWidget(QLabel("Line quantity (Alt+Q):"))
        edit.addWidget(self.quantity)
        edit.addWidget(QLabel("unit price:"))
        edit.addWidget(self.price)
        remove = QPushButton("Remove line (Del)")
        remove.setObjectName("removeLine")
        remove.clicked.connect(self.remove)
        edit.addWidget(remove)
        edit.addStretch(1)
        self.edit_row = edit

        self.dea_label = QLabel("DEA Form 222 / CSOS order number:")
        self.dea_number = QLineEdit()
        self.dea_number.setObjectName("deaOrderNumber")
        self.dea_number.setPlaceholderText("the 9-character Form 222 serial or the CSOS order number")
        self.dea_number.returnPressed.connect(self.send)
        self.dea_label.setStyleSheet(f"color: {CONTROLLED}; font-weight: bold;")
        dea = QHBoxLayout()
        dea.addWidget(self.dea_label)
        dea.addWidget(self.dea_number, 1)

        self.send_button = QPushButton("Send the order (Ctrl+Enter)")
        self.send_button.setObjectName("sendOrder")
        self.send_button.setMinimumHeight(40)
        self.send_button.clicked.connect(self.send)
        pdf = QPushButton("Save PDF (Ctrl+S)")
        pdf.setObjectName("saveOrderPdf")
        pdf.clicked.connect(self.save_pdf)
        folder = QPushButton("Open folder (Ctrl+O)")
        folder.clicked.connect(self.open_folder)
        self.order_total = QLabel()
        self.order_total.setObjectName("orderTotal")
        actions = QHBoxLayout()
        actions.addWidget(self.order_total, 1)
        actions.addWidget(folder)
        actions.addWidget(pdf)
        actions.addWidget(self.send_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.order_title)
        layout.addWidget(self.lines, 1)
        layout.addLayout(edit)
        layout.addLayout(dea)
        layout.addLayout(actions)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if (
            watched is self.lines
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Delete
        ):
            self.remove.emit()
            return True
        return super().eventFilter(watched, event)

    # -- the screen calls these -------------------------------------------------------------------

    def show_order(self, order: OrderView) -> None:
        self.order = order
        self.order_title.setText(
            order_label(order) + (f"  —  DEA {order.dea_order_number}" if order.dea_order_number else "")
        )
        self.lines.set_rows(
            [
                (
                    drug_cell(line.drug, line.schedule or None),
                    ndc_text(line.ndc),
                    line.package,
                    quantity_text(line.quantity_ordered, None, line.dosage_form),
                    quantity_text(line.quantity_received, None, line.dosage_form),
                    unit_money(line.unit_price),
                    money(line.amount),
                )
                for line in order.lines
            ]
        )
        draft = order.status == "pending"
        for i in range(self.edit_row.count()):
            item = self.edit_row.itemAt(i)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.setEnabled(draft)
        self.send_button.setEnabled(draft)
        c2 = draft and order.is_schedule_ii
        self.dea_label.setVisible(c2)
        self.dea_number.setVisible(c2)
        if not c2:
            self.dea_number.clear()
        self.order_total.setText(f"{len(order.lines)} line(s) — total {money(order.total)}")
        self.fill_edit()

    def selected_line(self) -> OrderLineView | None:
        row = self.lines.currentRow()
        return self.order.lines[row] if self.order and 0 <= row < len(self.order.lines) else None

    def fill_edit(self) -> None:
        line = self.selected_line()
        self.quantity.setText(format_quantity(line.quantity_ordered) if line else "")
        self.price.setText(str(line.unit_price) if line else "")  # every digit: an edit never rounds it
