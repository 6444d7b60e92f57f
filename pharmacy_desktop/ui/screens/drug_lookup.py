"""F4 drug lookup: search-as-you-type over the catalog, or scan a bottle to open its product."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLineEdit,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.domain.places import Place
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.drug_search import DrugHit, search_drugs
from pharmacy_desktop.services.scan_resolution import AMBIGUOUS, FOUND, ScanResult, resolve_scan
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.keys import key_for
from pharmacy_desktop.ui.ops import run_in_background, user_message
from pharmacy_desktop.ui.screens.base import Screen, heading, shortcut
from pharmacy_desktop.ui.widgets.column_fit import fit_columns
from pharmacy_desktop.ui.widgets.drug_details import ArrowsToTable, ProductDetails, hits_model
from pharmacy_desktop.ui.widgets.drug_details import Product as Product
from pharmacy_desktop.ui.widgets.drug_details import ndc_display as ndc_display
from pharmacy_desktop.ui.widgets.drug_details import schedule_of as schedule_of
from pharmacy_desktop.ui.widgets.drug_details import schedule_text as schedule_text
from pharmacy_desktop.ui.widgets.drug_lines import fit_rows_to_lines
from pharmacy_desktop.ui.widgets.status_label import StatusLabel

SEARCH_DELAY_MS = 150  # typing pauses this long before a search runs
RESULT_LIMIT = 50


class DrugLookupScreen(Screen):
    key = key_for(Place.DRUG_LOOKUP)
    title = "Drug lookup"
    screenshot_role = "technician"
    help_keys = (
        ("type", "search by brand or generic name and strength, e.g. atorv 10 or amox 500 cap"),
        ("scan", "scan a stock bottle to open its product"),
        ("↓ / ↑", "move through the results"),
        ("Ctrl+F", "back to the search field"),
        ("Esc", "clear the search"),
    )

    def __init__(self, context: AppContext, actor: Actor, parent: QWidget | None = None):
        super().__init__(context, actor, parent)
        self._seq = 0  # the newest search; older answers are dropped when they arrive late
        self.current: Product | None = None

        self.search = QLineEdit()
        self.search.setObjectName("drugSearch")
        self.search.setAccessibleName("Find a drug")
        self.search.setPlaceholderText("Drug name and strength (e.g. atorv 10), an NDC, or scan a bottle")
        self.search.setToolTip(self.search.placeholderText())  # whole when a narrow window cuts it
        self.search.setClearButtonEnabled(True)
        font = QFont(self.search.font())
        font.setPointSizeF(font.pointSizeF() + 4)
        self.search.setFont(font)
        self.search.setMinimumHeight(40)
        self.status = StatusLabel("Type at least three letters of the name.")
        self.status.setObjectName("searchStatus")
        self.status.setWordWrap(True)

        self.model = hits_model()
        self.table = QTableView()
        self.table.setObjectName("drugResults")
        self.table.setAccessibleName("Drugs found")
        self.table.setTabKeyNavigation(False)  # Tab leaves the results (arrows move between rows)
        self.table.setModel(self.model)
        # the drug takes the room, whole through its strength; the package elides first, then steps aside
        fit_columns(self.table, stretch=0, shrink=(3,), optional=(3,))
        fit_rows_to_lines(self.table, 0, min_lines=1)  # a long drug: its form drops, then it wraps (never its strength)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(32)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _prev: self._show_hit(cur.row()))

        # details panel
        self.details = ProductDetails()
        self.name = self.details.name
        self.schedule = self.details.schedule
        self.active = self.details.active
        self.fields = self.details.fields
        self._form = self.details.form
        self.placeholder = self.details.placeholder

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.search)
        left_layout.addWidget(self.status)
        left_layout.addWidget(self.table, 1)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([720, 460])
        self.details.setMaximumWidth(400)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addWidget(heading("Drug lookup"))
        layout.addWidget(splitter, 1)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.run_search)
        self.search.textEdited.connect(lambda _: self._timer.start())
        self.search.returnPressed.connect(self._enter)
        self.search.installEventFilter(ArrowsToTable(self, self.move_selection))
        self.table.activated.connect(lambda index: self._show_hit(index.row()))
        for seq, slot in (("Ctrl+F", self.focus_search), ("Esc", self.clear_search)):
            shortcut(self, seq, slot)

    # -- searching -------------------------------------------------------------------------------

    def activate(self) -> None:
        self.focus_search()

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def clear_search(self) -> None:
        self._timer.stop()
        self._seq += 1
        self.search.clear()
        self.model.set_rows([])
        self.status.setText("Type at least three letters of the name.")
        self.search.setFocus()

    def _enter(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
            self.run_search()
        elif self.model.rowCount():
            self._show_hit(max(0, self.table.currentIndex().row()))

    def run_search(self) -> None:
        text = self.search.text().strip()
        self._seq += 1
        seq = self._seq
        if not text:
            self.model.set_rows([])
            self.status.setText("Type at least three letters of the name.")
            return
        self.status.setText(f"Searching for “{text}”…")
        factory = self.context.uow_factory
        run_in_background(
            self,
            lambda: search_drugs(factory, text, limit=RESULT_LIMIT),
            lambda hits: self._show_hits(seq, text, hits),
            lambda exc: self._search_failed(seq, exc),
        )

    def _show_hits(self, seq: int, text: str, hits: list[DrugHit]) -> None:
        if seq != self._seq:
            return  # a newer search is on its way
        self.model.set_rows(hits)
        if hits:
            more = " (the best 50: add a strength or form to narrow it)" if len(hits) >= RESULT_LIMIT else ""
            self.status.setText(
                f"{len(hits)} product{'s' if len(hits) != 1 else ''} for “{text}”{more}. ↓ moves through them."
            )
            self.table.selectRow(0)
        else:
            self.status.setText(
                f"No product matches “{text}”. Check the spelling, use fewer letters "
                "(e.g. “amlod 5”), or scan the bottle."
            )

    def _search_failed(self, seq: int, exc: Exception) -> None:
        if seq == self._seq:
            self.status.say("warning", user_message(exc))

    def move_selection(self, key: int) -> None:
        rows = self.model.rowCount()
        if not rows:
            return
        row = self.table.currentIndex().row()
        step = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1, Qt.Key.Key_PageDown: 10, Qt.Key.Key_PageUp: -10}[Qt.Key(key)]
        self.table.selectRow(min(rows - 1, max(0, row + step)))

    def _show_hit(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            self._show_product(Product.from_hit(self.model.row(row)))

    # -- scanning ------------------------------------------------------------------------------

    def handle_scan(self, text: str) -> bool:
        factory = self.context.uow_factory
        self._seq += 1
        seq = self._seq
        self.status.setText("Looking up the scanned bottle…")
        run_in_background(
            self,
            lambda: resolve_scan(factory, text),
            lambda result: self._scanned(seq, result),
            lambda exc: self._scan_failed(seq, exc),
        )
        return True

    def _scanned(self, seq: int, result: ScanResult) -> None:
        if seq != self._seq:
            return
        feedback = self.scan_feedback()
        if result.status == FOUND:
            product = Product.from_scan(result)
            self.search.setText(product.title)
            self.model.set_rows([])
            self.status.setText(f"Scanned: {result.message}")
            self._show_product(product)
            if feedback is not None:
                feedback.good(product.title)
        elif result.status == AMBIGUOUS:
            self.model.set_rows(
                [
                    DrugHit(
                        c.medication_id,
                        c.ndc11,
                        c.package_ndc,
                        c.drug_name,
                        None,
                        None,
                        c.strength,
                        c.dosage_form,
                        None,
                        c.package_description,
                        None,
                        None,
                        c.is_active,
                        1.0,
                    )
                    for c in result.choices
                ]
            )
            self.status.setText(result.message)
            self._show_product(None)
            self.table.setFocus()
            self.table.selectRow(0)
            if feedback is not None:
                feedback.bad(result.message)
        else:
            self.status.say("warning", result.message)
            if feedback is not None:
                feedback.bad(result.message)

    def _scan_failed(self, seq: int, exc: Exception) -> None:
        if seq == self._seq:
            self.status.say("warning", user_message(exc))
            feedback = self.scan_feedback()
            if feedback is not None:
                feedback.bad(user_message(exc))

    # -- details -------------------------------------------------------------------------------

    def _show_product(self, product: Product | None) -> None:
        self.current = product
        self.details.show_product(product)

    def prepare_screenshot(self) -> None:
        self.search.setText("oxycodone")
        self.run_search()

    def on_change(self, notice: dict[str, Any]) -> None:
        pass  # the catalog changes by import, not during the day
