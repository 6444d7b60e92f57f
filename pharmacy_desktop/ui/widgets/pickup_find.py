"""Will-call inside the pickup screen: the bins, what waits in each and for how long, the search by
patient name, and the list of bags waiting longer than the pharmacy's return-to-stock days.

The panel only shows ``WaitingRx``/``BinSummary`` rows; the pickup screen loads them and decides
what a scan or Enter on a row does.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QSpinBox, QSplitter, QVBoxLayout, QWidget

from pharmacy_desktop.services.will_call import BinSummary, WaitingRx
from pharmacy_desktop.ui.screens.base import heading
from pharmacy_desktop.ui.style import ERROR, WARNING
from pharmacy_desktop.ui.widgets.fill_common import RowsTable, ScanPrompt, big, drug_cell

FIND_PROMPT = "SCAN THE BAG OR VIAL LABEL\nor type the patient's name (Alt+N)"
RETURN_PROMPT = "RETURN TO STOCK  ▶  scan each bag's label\n(Esc ends)"


class FindPanel(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.bins: list[BinSummary] = []
        self.rows: list[WaitingRx] = []

        self.bin_table = RowsTable(["Bin", "Rx", "Patients", "Oldest"], stretch=0)
        self.bin_table.setObjectName("binTable")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(heading("Bins (Alt+B)", 2))
        left_layout.addWidget(self.bin_table, 1)

        self.prompt = ScanPrompt(FIND_PROMPT, delta=5)
        self.search = QLineEdit()
        self.search.setObjectName("pickupSearch")
        self.search.setPlaceholderText("Patient name (Alt+N) — or scan the bag's label")
        self.days = QSpinBox()
        self.days.setObjectName("returnDays")
        self.days.setRange(1, 60)
        self.days.setValue(10)
        self.days.setSuffix(" days")
        days_label = QLabel("Return to stock after (Alt+W):")
        days_label.setBuddy(self.days)
        search_row = QHBoxLayout()
        search_row.addWidget(self.search, 1)
        search_row.addWidget(days_label)
        search_row.addWidget(self.days)
        self.headline = big("", 5, name="pickupHeadline")
        self.caption = big("", 1, name="pickupCaption")
        self.table = RowsTable(["Bin", "Patient", "DOB", "Rx", "Drug", "Qty", "Waiting"], stretch=4)
        self.table.setObjectName("willCallTable")

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.prompt)
        right_layout.addLayout(search_row)
        right_layout.addWidget(self.headline)
        right_layout.addWidget(self.caption)
        right_layout.addWidget(self.table, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([240, 700])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    def show_bins(self, bins: list[BinSummary]) -> None:
        self.bins = bins
        self.bin_table.set_rows([[b.code, str(b.count), str(b.patients), b.waiting_text()] for b in bins])

    def show_rows(self, rows: list[WaitingRx], headline: str, *, stale_days: int | None = None) -> None:
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
            ],
            marks=["late" if stale_days is not None and r.waiting_days >= stale_days else None for r in rows],
        )
        self.headline.setStyleSheet(f"color: {WARNING};" if stale_days is not None else "")
        self.headline.setText(headline)
        n = len(rows)
        self.caption.setText(f"{n} prescription{'s' if n != 1 else ''}" if rows else "Nothing found.")

    def show_problem(self, text: str) -> None:
        self.headline.setText(text)
        self.headline.setStyleSheet(f"color: {ERROR};")

    def set_return_mode(self, on: bool) -> None:
        self.prompt.set_text(RETURN_PROMPT if on else FIND_PROMPT, "problem" if on else "waiting")

    def clear(self) -> None:
        self.rows = []
        self.table.set_rows([])
        self.headline.clear()
        self.caption.clear()
        self.search.clear()

    def current_row(self) -> WaitingRx | None:
        r = self.table.currentRow()
        return self.rows[r] if 0 <= r < len(self.rows) else None
