"""The Stock page of the inventory screen (F8): the items list and the batches of the selected item."""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.widgets.fill_common import RowsTable

ITEM_HEADERS = ["Drug", "NDC", "On hand", "Reorder at / qty", "Nearest expiry", "Bin", "Storage"]


class StockPage(QWidget):
    help_keys = (("Type or scan", "find an item by name or NDC"),)

    def __init__(self, context: AppContext, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("inventoryStock")
        self.context = context
        self.actor = actor
        self.search = QLineEdit()
        self.search.setObjectName("stockSearch")
        self.search.setPlaceholderText("Drug name or NDC, or scan a package")
        self.items = RowsTable(ITEM_HEADERS, stretch=0)
        self.items.setObjectName("stockItems")
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.items, 1)
