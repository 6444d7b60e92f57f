"""The lines of a pickup: the ready prescriptions (take or leave each; price, insurance, copay,
claim status, counseling) and the front-store items scanned into the sale.

Rows are plain ``ItemRow`` values the screen builds from the service's DTOs; the table only shows
them and reports "take/leave" changes. A claim rejection is shown in the hard-stop colour with its
text, never by colour alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QTableWidget, QTableWidgetItem, QWidget

from pharmacy_desktop.ui.icons import icon
from pharmacy_desktop.ui.style import CONTROLLED, ERROR, MUTED, PASSED, STOP_BACKGROUND, WARNING
from pharmacy_desktop.ui.widgets.column_fit import fit_columns

HEADERS = ["Take", "Rx / for", "Drug", "Price", "Ins. pays", "Copay", "Claim", "Counseling"]
TAKE, WHO, DRUG, PRICE, INSURANCE, COPAY, CLAIM, COUNSELING = range(len(HEADERS))
ICONS = {  # a claim's or counseling's state: the icon beside its words (ui/icons)
    "paid": "passed",
    "rejected": "stop",
    "needed": "warning",
    "accepted": "passed",
    "declined": "passed",
}


@dataclass(frozen=True)
class ItemRow:
    key: object  # the prescription id, or the store line's key
    kind: str  # 'rx' | 'store'
    take: bool
    who: str  # 'Rx 2000023\nBello, Aisha' or 'Item' for a store line
    drug: str  # drug (with [C-II]) and quantity, or the product name and count
    price: str
    insurance: str
    copay: str
    claim: str  # 'paid', 'REJECTED 75: prior authorization required', 'cash (no insurance)'
    claim_state: str  # 'paid' | 'rejected' | 'pending' | 'none'
    counseling: str  # 'offer needed', 'accepted — J. Smith, RPh', 'declined', 'not required'
    counseling_state: str  # 'needed' | 'accepted' | 'declined' | 'not_required'
    controlled: bool = False
    claim_detail: str = ""  # the claim's whole message (a rejection's text and what to do): tooltip and detail line


class PickupItemsTable(QTableWidget):
    """Space (or a click in the first column) takes or leaves the current prescription."""

    take_changed = Signal(object, bool)  # key, take

    def __init__(self, parent: QWidget | None = None):
        super().__init__(0, len(HEADERS), parent)
        self.setObjectName("pickupItems")
        self.setAccessibleName("Prescriptions and items in this sale")
        self.setHorizontalHeaderLabels(HEADERS)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        self.setTabKeyNavigation(False)  # Tab leaves the lines for the rest of the sale (arrows move between rows)
        self.setWordWrap(True)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(max(56, int(self.fontMetrics().height() * 3.4)))  # 3 lines
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # the drug takes the room (never cut before its strength); claim, counseling and who wrap first
        fit_columns(self, stretch=DRUG, shrink=(CLAIM, COUNSELING, WHO), floor_chars=8)
        self.rows: list[ItemRow] = []
        self.itemChanged.connect(self._item_changed)

    def set_rows(self, rows: Sequence[ItemRow]) -> None:
        current = self.currentRow()
        self.blockSignals(True)
        self.rows = list(rows)
        self.setRowCount(len(rows))
        for r, row in enumerate(rows):
            take = QTableWidgetItem("take" if row.take else "leave")
            flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
            if row.kind == "rx":
                flags |= Qt.ItemFlag.ItemIsUserCheckable
                take.setCheckState(Qt.CheckState.Checked if row.take else Qt.CheckState.Unchecked)
            else:
                take.setText("item")
            take.setFlags(flags)
            cells = (row.who, row.drug, row.price, row.insurance, row.copay, row.claim, row.counseling)
            items = [take]
            for c, text in enumerate(cells, start=WHO):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                if c in (PRICE, INSURANCE, COPAY):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                items.append(item)
            if row.claim_detail:
                items[CLAIM].setToolTip(row.claim_detail)
            self._colour(items, row)
            for c, item in enumerate(items):
                self.setItem(r, c, item)
        self.blockSignals(False)
        if rows:
            self.selectRow(min(max(current, 0), len(rows) - 1))

    def _colour(self, items: list[QTableWidgetItem], row: ItemRow) -> None:
        bold = QFont(self.font())
        bold.setBold(True)
        claim = items[CLAIM]
        claim.setIcon(icon(ICONS[row.claim_state]) if row.claim_state in ICONS else QIcon())  # beside the words
        if row.claim_state == "rejected":
            claim.setForeground(QBrush(QColor(ERROR)))
            claim.setBackground(QBrush(QColor(STOP_BACKGROUND)))
            claim.setFont(bold)
        elif row.claim_state == "paid":
            claim.setForeground(QBrush(QColor(PASSED)))
        counseling = items[COUNSELING]
        counseling.setIcon(icon(ICONS[row.counseling_state]) if row.counseling_state in ICONS else QIcon())
        if row.counseling_state == "needed":
            counseling.setForeground(QBrush(QColor(WARNING)))
            counseling.setFont(bold)
        elif row.counseling_state in ("accepted", "declined"):
            counseling.setForeground(QBrush(QColor(PASSED)))
        if row.controlled:
            items[DRUG].setForeground(QBrush(QColor(CONTROLLED)))
            items[DRUG].setFont(bold)
        if not row.take:
            for item in items[DRUG:]:
                item.setForeground(QBrush(QColor(MUTED)))

    def current(self) -> ItemRow | None:
        r = self.currentRow()
        return self.rows[r] if 0 <= r < len(self.rows) else None

    def toggle_current(self) -> None:
        row = self.current()
        if row is not None and row.kind == "rx":
            self.take_changed.emit(row.key, not row.take)

    def _item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() != TAKE or not (0 <= item.row() < len(self.rows)):
            return
        row = self.rows[item.row()]
        take = item.checkState() == Qt.CheckState.Checked
        if row.kind == "rx" and take != row.take:
            self.take_changed.emit(row.key, take)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        if event.key() == Qt.Key.Key_Space:
            self.toggle_current()
            event.accept()
            return
        super().keyPressEvent(event)
