"""F6 Final verification (pharmacist): scan the vial label, scan the stock bottle, compare, approve.

Step 1 the label's Rx barcode opens the prescription; step 2 the stock bottle is checked against
what was filled; then Enter approves into a will-call bin, or Alt+R returns it to fill with a
reason. Approval sends the bottle scan to the service, which checks it again: the screen cannot
approve anything the pharmacist has not scanned.
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.domain.dispensing import format_quantity
from pharmacy_desktop.domain.workflow import Permission
from pharmacy_desktop.services import fill as fill_service
from pharmacy_desktop.services import verify as service
from pharmacy_desktop.services.fill import QueueRow
from pharmacy_desktop.services.verify import ApproveResult, BottleCheck, BottleMismatch, ReturnResult, VerifyView
from pharmacy_desktop.ui.ops import run_in_background, user_message
from pharmacy_desktop.ui.screens.base import Screen, heading
from pharmacy_desktop.ui.screens.fill import QUEUE_HEADERS, queue_cells
from pharmacy_desktop.ui.widgets.fill_common import (
    GREEN,
    RED,
    HardStop,
    ResultBanner,
    RowsTable,
    ScanPrompt,
    big,
    drug_text,
    shortcut,
)

ROWS = ("Drug", "NDC", "Quantity", "Lot", "Expiry", "Directions")


class VerifyScreen(Screen):
    key = "F6"
    title = "Final verification"
    permission = Permission.FINAL_VERIFY
    help_keys = (
        ("Scan", "1: the vial label's Rx barcode, 2: the stock bottle"),
        ("Enter", "approve into a will-call bin / acknowledge a hard stop"),
        ("Alt+R", "return to fill (type the reason, Enter)"),
        ("Esc", "close / cancel the return"),
        ("Ctrl+R", "refresh the queue"),
    )

    def __init__(self, context, actor, parent: QWidget | None = None):
        super().__init__(context, actor, parent)
        self.view: VerifyView | None = None
        self.bottles: dict[uuid.UUID, str] = {}  # item -> the bottle scan that matched it
        self.last_check: BottleCheck | None = None
        self.approved: ApproveResult | None = None
        self.returned: ReturnResult | None = None
        self.rows: list[QueueRow] = []
        self.busy = False
        self._build()
        shortcut(self, "Return", self.enter_pressed)
        shortcut(self, "Enter", self.enter_pressed)
        shortcut(self, "Escape", self.escape_pressed)
        shortcut(self, "Alt+R", self.start_return)
        shortcut(self, "Ctrl+R", self.refresh)

    # -- layout -----------------------------------------------------------------------------------

    def _build(self) -> None:
        self.queue = RowsTable(QUEUE_HEADERS, stretch=1, lines=2)
        self.queue.setColumnHidden(3, True)
        self.queue.setObjectName("verifyQueue")
        self.queue.activated_row.connect(self._open_row)
        self.queue_title = heading("Awaiting verification", 2)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.queue_title)
        left_layout.addWidget(self.queue, 1)

        self.pages = QStackedWidget()
        self.idle_page = QWidget()
        idle = QVBoxLayout(self.idle_page)
        self.idle_prompt = ScanPrompt("STEP 1  ▶  SCAN THE VIAL LABEL\n(the Rx barcode)")
        self.status = big("", 3, name="verifyStatus")
        idle.addStretch(1)
        idle.addWidget(self.idle_prompt)
        idle.addWidget(self.status)
        idle.addStretch(2)
        self.work_page = QWidget()
        self._build_work(self.work_page)
        self.hard_stop = HardStop()
        self.hard_stop.acknowledged.connect(self.acknowledge_stop)
        for page in (self.idle_page, self.work_page, self.hard_stop):
            self.pages.addWidget(page)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.pages)
        splitter.setSizes([300, 760])
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(splitter)

    def _build_work(self, page: QWidget) -> None:
        self.rx_line = big("", 1, name="rxLine")
        self.patient = big("", 9, name="patientName")
        self.prompt = ScanPrompt("STEP 2  ▶  SCAN THE STOCK BOTTLE", delta=8)

        self.compare = QFrame()
        self.compare.setObjectName("compare")
        self.compare.setStyleSheet("#compare { border: 1px solid palette(mid); border-radius: 6px; }")
        grid = QGridLayout(self.compare)
        grid.setHorizontalSpacing(18)
        grid.addWidget(big("", 2), 0, 0)
        grid.addWidget(big("PRESCRIBED", 2), 0, 1)
        grid.addWidget(big("FILLED", 2), 0, 2)
        grid.addWidget(big("", 2), 0, 3)
        self.cells: dict[str, tuple[QLabel, QLabel, QLabel]] = {}
        for r, name in enumerate(ROWS, start=1):
            grid.addWidget(big(name, 1), r, 0, Qt.AlignmentFlag.AlignTop)
            left, right = big("", 2 if name == "Drug" else 1), big("", 2 if name == "Drug" else 1)
            mark = big("", 1, wrap=False)
            for w in (left, right):
                w.setTextFormat(Qt.TextFormat.PlainText)
            grid.addWidget(left, r, 1, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(right, r, 2, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(mark, r, 3, Qt.AlignmentFlag.AlignTop)
            self.cells[name] = (left, right, mark)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)

        self.label_text = QLabel()
        self.label_text.setObjectName("labelText")
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(max(9.0, QFont().pointSizeF() - 2))
        self.label_text.setFont(mono)
        self.label_text.setTextFormat(Qt.TextFormat.PlainText)
        self.label_text.setWordWrap(True)
        self.label_text.setStyleSheet("#labelText { background: white; color: black; border: 2px solid #444;"
                                      " border-radius: 4px; padding: 8px; }")
        self.filled_by = QLabel()
        self.filled_by.setWordWrap(True)
        self.result = ResultBanner()

        self.reason = QLineEdit()
        self.reason.setObjectName("returnReason")
        self.reason.setPlaceholderText("Why does it go back to fill? (e.g. wrong count) — Enter to send, Esc to cancel")
        self.reason.returnPressed.connect(self.confirm_return)
        self.reason.hide()
        self.approve_button = QPushButton("Approve → will-call (Enter)")
        self.approve_button.setObjectName("approveButton")
        self.approve_button.setMinimumHeight(44)
        self.approve_button.setEnabled(False)
        self.approve_button.clicked.connect(self.approve)
        self.return_button = QPushButton("Return to fill (Alt+R)")
        self.return_button.clicked.connect(self.start_return)
        close = QPushButton("Close (Esc)")
        close.clicked.connect(self.escape_pressed)
        actions = QHBoxLayout()
        actions.addWidget(self.reason, 1)
        actions.addStretch(0)
        actions.addWidget(self.return_button)
        actions.addWidget(self.approve_button)
        actions.addWidget(close)

        middle = QHBoxLayout()
        middle.addWidget(self.compare, 3)
        label_box = QVBoxLayout()
        label_box.addWidget(big("Vial label", 1))
        label_box.addWidget(self.label_text)
        label_box.addStretch(1)
        middle.addLayout(label_box, 2)
        self.filled_by.setWordWrap(True)

        layout = QVBoxLayout(page)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(self.rx_line)
        layout.addWidget(self.patient)
        layout.addWidget(self.prompt)
        layout.addLayout(middle)
        layout.addWidget(self.filled_by)
        layout.addWidget(self.result)
        layout.addStretch(1)
        layout.addLayout(actions)

    # -- shell hooks ------------------------------------------------------------------------------

    def activate(self) -> None:
        self.refresh()

    def on_change(self, notice: dict[str, Any]) -> None:
        if notice.get("topic") == "prescriptions" and self.isVisible():
            self.refresh()

    def queue_count(self) -> int | None:
        return len(self.rows) if self.rows else None

    def clear_sensitive(self) -> None:
        self.rows = []
        self.queue.set_rows([])
        self._reset()

    def set_actor(self, actor) -> None:
        super().set_actor(actor)
        self._reset()  # a bottle scanned by someone else never counts for the next pharmacist

    # -- queue and open ---------------------------------------------------------------------------

    def refresh(self) -> None:
        actor = self.actor
        if not actor.can(Permission.FINAL_VERIFY):
            return
        run_in_background(self, lambda: service.verify_queue(self.context.uow_factory, actor), self._show_queue,
                          busy_message="Loading the verification queue…")

    def _show_queue(self, rows: list[QueueRow]) -> None:
        self.rows = rows
        self.queue.set_rows([queue_cells(r) for r in rows], marks=["stat" if r.is_stat else None for r in rows])
        self.queue_title.setText(f"Awaiting verification ({len(rows)})")

    def _open_row(self, row: int) -> None:
        if 0 <= row < len(self.rows):
            rx_id, actor = self.rows[row].prescription_id, self.actor
            run_in_background(self, lambda: service.open_for_verify(self.context.uow_factory, actor, rx_id),
                              self._show_view, self._problem, busy_message="Opening…")

    def _show_view(self, view: VerifyView) -> None:
        self._reset()
        self.view = view
        stat = "   ·   STAT" if view.is_stat else ""
        self.rx_line.setText(f"Rx {view.rx_number}{stat}   ·   {view.prescriber}")
        dob = f"   DOB {view.patient_dob.strftime('%m/%d/%Y')}" if view.patient_dob else ""
        self.patient.setText(f"{view.patient_name}{dob}")
        if not view.lines:
            self.result.show_result("problem", "Nothing was filled for this prescription. Return it to fill (Alt+R).")
        else:
            self._show_line(0)
        self.prompt.set_text("STEP 2  ▶  SCAN THE STOCK BOTTLE")
        self.pages.setCurrentWidget(self.work_page)
        self._select_in_queue(view.prescription_id)
        self.setFocus()

    def _select_in_queue(self, prescription_id: uuid.UUID) -> None:
        """The queue highlights what is open (a label scan opens any row), never a different patient."""
        row = next((i for i, r in enumerate(self.rows) if r.prescription_id == prescription_id), None)
        if row is None:
            self.queue.clearSelection()
        else:
            self.queue.selectRow(row)

    def _show_line(self, index: int) -> None:
        assert self.view is not None
        line = self.view.lines[index]
        rows = {
            "Drug": (drug_text(line.prescribed.name, line.prescribed.schedule),
                     drug_text(line.filled.name, line.filled.schedule)),
            "NDC": (line.prescribed.ndc, line.filled.ndc),
            "Quantity": (f"{format_quantity(line.prescribed_quantity)} {line.unit}",
                         f"{format_quantity(line.filled_quantity)} {line.unit}" + (" (PARTIAL)" if line.is_partial else "")),
            "Lot": ("", line.lot or "—"),
            "Expiry": ("", line.expiry.strftime("%m/%d/%Y") if line.expiry else "—"),
            "Directions": (f"{line.sig}\n{line.directions}", line.label_lines[2] if len(line.label_lines) > 2 else ""),
        }
        for name, (left, right) in rows.items():
            a, b, mark = self.cells[name]
            a.setText(left)
            b.setText(right)
            differs = name in ("Drug", "NDC", "Quantity") and left != right
            mark.setText("≠ differs" if differs else ("✔ same" if name in ("Drug", "NDC", "Quantity") else ""))
            colour = "#8a5a00" if differs else GREEN
            mark.setStyleSheet(f"color: {colour};")
        fill_no = "original fill" if line.fill_number == 0 else f"refill {line.fill_number}"
        self.filled_by.setText(
            f"{line.match_message}   ·   {fill_no}, filled by {line.filled_by}"
            f"   ·   label {line.label_status}"
        )
        self.label_text.setText("\n".join(line.label_lines))

    # -- scanning ---------------------------------------------------------------------------------

    def handle_scan(self, text: str) -> bool:
        if self.pages.currentWidget() is self.hard_stop:
            self.hard_stop.next_step.setText("Acknowledge this stop first (Enter), then scan again.")
            self.hard_stop.next_step.show()
            return True
        number = fill_service.rx_number_from_scan(text)
        if number is not None:
            if self.view is not None and number == self.view.rx_number:
                self.result.show_result("info", "This label is already open. Now scan the stock bottle.")
                return True
            actor = self.actor
            run_in_background(self, lambda: service.open_by_label_scan(self.context.uow_factory, actor, text),
                              self._show_view, self._problem, busy_message="Opening the label's prescription…")
            return True
        if self.view is None:
            self._idle("Scan the vial label (Rx barcode) first, then the stock bottle.", problem=True)
            return True
        view, actor = self.view, self.actor
        run_in_background(
            self, lambda: service.check_bottle(self.context.uow_factory, actor, view.prescription_id, text),
            lambda check: self._bottle_checked(text, check), self._problem, busy_message="Checking the bottle…",
        )
        return True

    def _bottle_checked(self, text: str, check: BottleCheck) -> None:
        self.last_check = check
        if not check.ok:
            self._stop("WRONG BOTTLE — DO NOT APPROVE", check.message)
            return
        assert self.view is not None and check.item_id is not None
        self.bottles[check.item_id] = text
        index = next(i for i, line in enumerate(self.view.lines) if line.item_id == check.item_id)
        self._show_line(index)
        missing = [line for line in self.view.lines if line.item_id not in self.bottles]
        if missing:
            self.result.show_result("ok", f"{check.message} Scan the stock bottle of the next item.")
            return
        self.result.show_result("ok", check.message)
        self.prompt.set_text("STEP 3  ▶  Compare · ENTER approves · Alt+R returns", "done")
        self.approve_button.setEnabled(True)
        self.approve_button.setFocus()

    def _stop(self, title: str, message: str) -> None:
        self.hard_stop.show_stop(title, message, "", "I have checked the bottle (Enter)")
        self.pages.setCurrentWidget(self.hard_stop)

    def acknowledge_stop(self) -> None:
        if self.pages.currentWidget() is not self.hard_stop:
            return
        self.pages.setCurrentWidget(self.work_page if self.view else self.idle_page)
        if self.view is not None:
            self.result.show_result("problem", "Wrong bottle. Scan the stock bottle it was filled from, "
                                               "or return it to fill (Alt+R).")
        self.setFocus()

    # -- actions ----------------------------------------------------------------------------------

    def enter_pressed(self) -> None:
        if self.pages.currentWidget() is self.hard_stop:
            self.acknowledge_stop()
        elif self.reason.isVisible():
            self.confirm_return()
        elif self.pages.currentWidget() is self.work_page and self.approve_button.isEnabled():
            self.approve()
        elif self.pages.currentWidget() is self.idle_page and self.queue.currentRow() >= 0:
            self._open_row(self.queue.currentRow())

    def escape_pressed(self) -> None:
        if self.pages.currentWidget() is self.hard_stop:
            return
        if self.reason.isVisible():
            self.reason.hide()
            self.reason.clear()
            self.setFocus()
            return
        self._reset()
        self.queue.setFocus()

    def approve(self) -> None:
        view, actor = self.view, self.actor
        if self.busy or view is None or not self.approve_button.isEnabled():
            return
        scans = [self.bottles[line.item_id] for line in view.lines if line.item_id in self.bottles]
        self.busy = True
        self.approve_button.setEnabled(False)
        run_in_background(
            self,
            lambda: service.approve(self.context.uow_factory, actor, view.prescription_id, bottle_scans=scans,
                                    expected_version=view.version),
            self._approved, self._action_failed, busy_message="Approving…",
        )

    def _approved(self, result: ApproveResult) -> None:
        self.busy = False
        self.approved = result
        self._reset()
        self._idle(f"✔ Rx {result.rx_number} verified by {result.verified_by}.\n"
                   f"Bag it and put it in will-call bin {result.bin_code}  ({result.patient_name}).")
        self.refresh()

    def start_return(self) -> None:
        if self.view is None or self.pages.currentWidget() is not self.work_page:
            return
        self.reason.show()
        self.reason.setFocus()

    def confirm_return(self) -> None:
        view, actor, reason = self.view, self.actor, self.reason.text().strip()
        if self.busy or view is None:
            return
        if not reason:
            self.result.show_result("problem", "Type why it goes back to fill, then press Enter.")
            return
        self.busy = True
        run_in_background(
            self, lambda: service.return_to_fill(self.context.uow_factory, actor, view.prescription_id, reason,
                                                 expected_version=view.version),
            self._returned, self._action_failed, busy_message="Returning to fill…",
        )

    def _returned(self, result: ReturnResult) -> None:
        self.busy = False
        self.returned = result
        self._reset()
        stock = ", ".join(f"{format_quantity(q)} to lot {lot or '—'}" for lot, q in result.returned)
        self._idle(f"Rx {result.rx_number} returned to fill. Stock put back: {stock or 'none'}. "
                   "Destroy the printed vial label.")
        self.refresh()

    def _action_failed(self, exc: Exception) -> None:
        self.busy = False
        if isinstance(exc, BottleMismatch):
            self._stop("WRONG BOTTLE — DO NOT APPROVE", exc.message)
            return
        self.result.show_result("problem", user_message(exc))
        self.approve_button.setEnabled(bool(self.view) and len(self.bottles) == len(self.view.lines))

    def _problem(self, exc: Exception) -> None:
        if self.pages.currentWidget() is self.work_page:
            self.result.show_result("problem", user_message(exc))
        else:
            self._idle(user_message(exc), problem=True)

    def _reset(self) -> None:
        self.view = None
        self.bottles = {}
        self.result.clear()
        self.reason.hide()
        self.reason.clear()
        self.approve_button.setEnabled(False)
        self.label_text.clear()
        self.status.clear()
        self.idle_prompt.set_text("STEP 1  ▶  SCAN THE VIAL LABEL\n(the Rx barcode)")
        self.pages.setCurrentWidget(self.idle_page)

    def _idle(self, text: str, *, problem: bool = False) -> None:
        self.pages.setCurrentWidget(self.idle_page)
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {RED if problem else GREEN};")
