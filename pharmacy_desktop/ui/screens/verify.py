"""F6 Final verification (pharmacist): scan the vial label, scan the stock bottle, compare, approve.

Step 1 the label's Rx barcode opens the prescription; step 2 the stock bottle is checked against
what was filled; then Enter approves into a will-call bin, or Alt+R returns it to fill with a
reason. Approval sends the bottle scan to the service, which checks it again: the screen cannot
approve anything the pharmacist has not scanned.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.domain.barcodes import rx_number_from_scan
from pharmacy_desktop.domain.places import Place
from pharmacy_desktop.domain.stock import format_quantity
from pharmacy_desktop.domain.workflow import Permission
from pharmacy_desktop.services import verify as service
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.verify import ApproveResult, BottleCheck, BottleMismatch, ReturnResult, VerifyView
from pharmacy_desktop.services.work_queues import verify_queue_size
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.keys import key_for
from pharmacy_desktop.ui.ops import user_message
from pharmacy_desktop.ui.screens.queue_screen import QueueScreen
from pharmacy_desktop.ui.style import AMBER
from pharmacy_desktop.ui.widgets.fill_common import (
    GREEN,
    RED,
    ResultBanner,
    ScanPrompt,
    VerticalScroll,
    VialLabelText,
    big,
    drug_text,
    scaled,
    shortcut,
    tinted,
)
from pharmacy_desktop.ui.widgets.status_label import StatusLabel

ROWS = ("Drug", "NDC", "Quantity", "Lot", "Expiry", "Directions")
LABEL_CHARS = 20  # the vial label preview's narrowest line, in characters


class VerifyScreen(QueueScreen):
    key = key_for(Place.VERIFY)
    title = "Final verification"
    permission = Permission.FINAL_VERIFY
    queue_heading = "Awaiting verification"
    queue_heading_short = "Waiting"
    preview_next = "Scan its vial label (step 1), or press Enter to open it."
    queue_size = staticmethod(verify_queue_size)
    help_keys = (
        ("Scan", "1: the vial label's Rx barcode, 2: the stock bottle"),
        ("Enter", "approve into a will-call bin / acknowledge a hard stop"),
        ("Alt+R", "return to fill (type the reason, Enter)"),
        ("Esc", "close / cancel the return"),
        ("Ctrl+R", "refresh the queue"),
    )

    def __init__(self, context: AppContext, actor: Actor, parent: QWidget | None = None):
        super().__init__(context, actor, parent)
        self.view: VerifyView | None = None
        self.bottles: dict[uuid.UUID, str] = {}  # item -> the bottle scan that matched it
        self.label_scan: str | None = None  # the vial label's Rx barcode as scanned (approve sends it)
        self.approved: ApproveResult | None = None
        self.returned: ReturnResult | None = None
        self.returned_reason = ""
        self._build()
        shortcut(self, "Alt+R", self.start_return)

    # -- layout -----------------------------------------------------------------------------------

    def _build(self) -> None:
        self._build_screen("verifyQueue", "STEP 1  ▶  SCAN THE VIAL LABEL\n(the Rx barcode)", "verifyStatus", 3)

    def _build_work(self, page: QWidget) -> None:
        self.rx_line = big("", 1, name="rxLine")
        # the name with its date of birth on one line and the step's prompt on one, at 1024x768 zoomed 125 %
        # too: the compare below keeps its rows' height
        self.patient = big("", 6, name="patientName")
        self.prompt = ScanPrompt("STEP 2  ▶  SCAN THE STOCK BOTTLE", page, delta=6)  # before the compare in Tab order

        self._build_compare()
        self.label_text = VialLabelText(LABEL_CHARS)
        self.filled_by = QLabel()
        self.filled_by.setWordWrap(True)
        self.result = ResultBanner(problem_word="NOT APPROVED")

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
        actions = QHBoxLayout()
        actions.addWidget(self.reason, 1)
        actions.addStretch(0)
        actions.addWidget(self.return_button)
        actions.addWidget(self.approve_button)

        # made in the page (its subtree styled once, where it stays); at 1024x768 zoomed the compare and the
        # label scroll, the actions stay
        self.middle = VerticalScroll(page)
        middle = QHBoxLayout(self.middle.inner)
        middle.setContentsMargins(0, 0, 0, 0)
        middle.addWidget(self.compare, 3)
        label_box = QVBoxLayout()
        label_box.addWidget(big("Vial label", 1))
        label_box.addWidget(self.label_text)
        label_box.addStretch(1)
        middle.addLayout(label_box, 2)
        self.filled_by.setWordWrap(True)

        widgets = [self.rx_line, self.patient, self.prompt, self.middle, self.filled_by, self.result]
        self._work_column(page, widgets, actions, self.escape_pressed)

    def _work_parts(self) -> list[Callable[[], object]]:
        return [self._build_compare]  # the compare grid a turn before the rest of the work page

    def _build_compare(self) -> None:
        """PRESCRIBED beside FILLED, row by row (``cells``), each compared row's same/differs under its name."""
        if hasattr(self, "cells"):  # built a turn ahead already
            return
        self.compare = QFrame()
        self.compare.setObjectName("compare")
        self.compare.setStyleSheet("#compare { border: 1px solid palette(mid); border-radius: 6px; }")
        grid = QGridLayout(self.compare)
        # narrow at 1024 px (and zoomed): the vial label beside it keeps 20 characters a line, so the
        # same/differs mark sits under the row's name instead of a column of its own
        grid.setHorizontalSpacing(8)
        grid.setContentsMargins(8, 8, 8, 8)
        grid.setVerticalSpacing(4)
        grid.addWidget(big("PRESCRIBED", 1), 0, 1)
        grid.addWidget(big("FILLED", 1), 0, 2)
        self.cells: dict[str, tuple[QLabel, QLabel, StatusLabel]] = {}
        for r, name in enumerate(ROWS, start=1):
            # a point larger, the drug bold; NDC, quantity, lot... in regular weight (a bold NDC, a drug two
            # points larger, were the widest words of the grid: at 1024 px zoomed 125 % the window grew)
            drug = name == "Drug"
            left, right = big("", 1, bold=drug), big("", 1, bold=drug)
            mark = scaled(StatusLabel(), 1)  # same / differs: the icon beside the word
            mark.hide()  # shown for the rows compared (drug, NDC, quantity)
            for w in (left, right):
                w.setTextFormat(Qt.TextFormat.PlainText)
            what = QVBoxLayout()
            what.setContentsMargins(0, 0, 0, 0)
            what.setSpacing(0)
            what.addWidget(big(name, 0))
            what.addWidget(mark)
            grid.addLayout(what, r, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(left, r, 1, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(right, r, 2, Qt.AlignmentFlag.AlignTop)
            self.cells[name] = (left, right, mark)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)

    # -- queue and open ---------------------------------------------------------------------------

    def refresh(self) -> None:
        if self.actor.can(Permission.FINAL_VERIFY):
            self._in_background(service.verify_queue, self._show_queue, busy="Loading the verification queue…")

    def open_rx(self, prescription_id: uuid.UUID) -> None:
        self._in_background(
            lambda factory, actor: service.open_for_verify(factory, actor, prescription_id),
            self._show_view,
            self._problem,
            busy="Opening…",
        )

    def _show_view(self, view: VerifyView, label_scan: str | None = None) -> None:
        self.work()  # built the first time a prescription opens
        self._reset()
        self.view = view
        self.label_scan = label_scan  # the service re-checks it at approval
        self._show_head(view)
        if not view.lines:
            self.result.show_result("problem", "Nothing was filled for this prescription. Return it to fill (Alt+R).")
        else:
            self._show_line(0)
        self.prompt.set_text("STEP 2  ▶  SCAN THE STOCK BOTTLE")
        self.middle.hide()  # the compare and the vial label: laid out and painted a turn after the rest
        self._show_work(view.prescription_id)
        QTimer.singleShot(0, self, self._show_compare)
        rx_id = view.prescription_id
        self.claim.load(
            self.context, self.actor, rx_id, lambda: self.view is not None and self.view.prescription_id == rx_id
        )

    def _show_compare(self) -> None:
        """The compare and the vial label of the open prescription, shown a turn after its head: the label
        scan's answer paints the name and the step's prompt first (the work page's heavier part next)."""
        self.middle.setVisible(self.view is not None)

    def _show_line(self, index: int) -> None:
        assert self.view is not None
        line = self.view.lines[index]
        rows = {
            "Drug": (
                drug_text(line.prescribed.name, line.prescribed.schedule),
                drug_text(line.filled.name, line.filled.schedule),
            ),
            "NDC": (line.prescribed.ndc, line.filled.ndc),
            "Quantity": (
                f"{format_quantity(line.prescribed_quantity)} {line.unit}",
                f"{format_quantity(line.filled_quantity)} {line.unit}" + (" (PARTIAL)" if line.is_partial else ""),
            ),
            "Lot": ("", line.lot or "—"),
            "Expiry": ("", line.expiry.strftime("%m/%d/%Y") if line.expiry else "—"),
            "Directions": (f"{line.sig}\n{line.directions}", line.label_lines[2] if len(line.label_lines) > 2 else ""),
        }
        for name, (left, right) in rows.items():
            a, b, mark = self.cells[name]
            a.setText(left)
            b.setText(right)
            differs = name in ("Drug", "NDC", "Quantity") and left != right
            compared = name in ("Drug", "NDC", "Quantity")
            mark.say("warning" if differs else "passed", "differs" if differs else ("same" if compared else ""))
            mark.setVisible(compared)
            tinted(mark, AMBER if differs else GREEN)
        fill_no = "original fill" if line.fill_number == 0 else f"refill {line.fill_number}"
        self.filled_by.setText(
            f"{line.match_message}   ·   {fill_no}, filled by {line.filled_by}   ·   label {line.label_status}"
        )
        self.label_text.setText("\n".join(line.label_lines))

    # -- scanning ---------------------------------------------------------------------------------

    def handle_scan(self, text: str) -> bool:
        if self._scan_while_stopped():
            return True
        number = rx_number_from_scan(text)
        if number is not None:
            if self.view is not None and number == self.view.rx_number:
                self.label_scan = text
                self.result.show_result("info", "Label scanned: it is this prescription's. Now scan the stock bottle.")
                return True
            self._in_background(
                lambda factory, actor: service.open_by_label_scan(factory, actor, text),
                lambda view: self._show_view(view, text),
                self._problem,
                busy="Opening the label's prescription…",
            )
            return True
        if self.view is None:
            self._idle("Scan the vial label (Rx barcode) first, then the stock bottle.", problem=True)
            return True
        view = self.view
        self._in_background(
            lambda factory, actor: service.check_bottle(factory, actor, view.prescription_id, text),
            lambda check: self._bottle_checked(text, check),
            self._problem,
            busy="Checking the bottle…",
        )
        return True

    def _bottle_checked(self, text: str, check: BottleCheck) -> None:
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
        if not self.stopped():
            return
        self.pages.setCurrentWidget(self.work_page if self.view else self.idle_page)
        if self.view is not None:
            self.result.show_result(
                "problem", "Wrong bottle. Scan the stock bottle it was filled from, or return it to fill (Alt+R)."
            )
        self.setFocus()

    # -- actions ----------------------------------------------------------------------------------

    def enter_pressed(self) -> None:
        if self.stopped():
            self.acknowledge_stop()
        elif self.work_built and self.reason.isVisible():
            self.confirm_return()
        elif self.pages.currentWidget() is self.work_page and self.approve_button.isEnabled():
            self.approve()
        elif self.pages.currentWidget() is self.idle_page and self.queue.currentRow() >= 0:
            self._open_row(self.queue.currentRow())

    def escape_pressed(self) -> None:
        if self.stopped():
            return
        if self.work_built and self.reason.isVisible():
            self.reason.hide()
            self.reason.clear()
            self.setFocus()
            return
        self._reset()
        self.queue.setFocus()

    def approve(self) -> None:
        view = self.view
        if self.busy or view is None or not self.approve_button.isEnabled():
            return
        scans = [self.bottles[line.item_id] for line in view.lines if line.item_id in self.bottles]
        label = self.label_scan
        self.busy = True
        self.approve_button.setEnabled(False)
        self._in_background(
            lambda factory, actor: service.approve(
                factory,
                actor,
                view.prescription_id,
                bottle_scans=scans,
                label_scan=label,
                expected_version=view.version,
            ),
            self._approved,
            self._action_failed,
            busy="Approving…",
        )

    def _approved(self, result: ApproveResult) -> None:
        self.busy = False
        self.approved = result
        self._reset()
        self._idle(
            f"Rx {result.rx_number} verified by {result.verified_by}.\n"
            f"Bag it and put it in will-call bin {result.bin_code}  ({result.patient_name})."
        )
        self.refresh()

    def start_return(self) -> None:
        if self.view is None or self.pages.currentWidget() is not self.work_page:
            return
        self.reason.show()
        self.reason.setFocus()

    def confirm_return(self) -> None:
        view, reason = self.view, self.reason.text().strip()
        if self.busy or view is None:
            return
        if not reason:
            self.result.show_result("problem", "Type why it goes back to fill, then press Enter.")
            return
        self.busy = True
        self.returned_reason = reason
        self._in_background(
            lambda factory, actor: service.return_to_fill(
                factory, actor, view.prescription_id, reason, expected_version=view.version
            ),
            self._returned,
            self._action_failed,
            busy="Returning to fill…",
        )

    def _returned(self, result: ReturnResult) -> None:
        self.busy = False
        self.returned = result
        self._reset()
        stock = ", ".join(f"{format_quantity(q)} to lot {lot or '—'}" for lot, q in result.returned)
        self._idle(
            f"Rx {result.rx_number} returned to fill. Stock put back: {stock or 'none'}. "
            "Destroy the printed vial label."
        )
        self.refresh()
        self.claim.reverse_returned(
            self.context, self.actor, result.prescription_id, f"returned to fill: {self.returned_reason}"
        )

    def _action_failed(self, exc: Exception) -> None:
        self.busy = False
        if isinstance(exc, BottleMismatch):
            self._stop("WRONG BOTTLE — DO NOT APPROVE", exc.message)
            return
        self.result.show_result("problem", user_message(exc))
        self.approve_button.setEnabled(self.view is not None and len(self.bottles) == len(self.view.lines))

    def _problem(self, exc: Exception) -> None:
        if self.pages.currentWidget() is self.work_page:
            self.result.show_result("problem", user_message(exc))
        else:
            self._idle(user_message(exc), problem=True)

    def _reset(self) -> None:
        self.view = None
        self.label_scan = None
        self.bottles = {}
        if self.work_built:
            self.result.clear()
            self.reason.hide()
            self.reason.clear()
            self.approve_button.setEnabled(False)
            self.label_text.clear()
        self.claim.clear()
        self.status.setText("")
        self.idle_prompt.set_text("STEP 1  ▶  SCAN THE VIAL LABEL\n(the Rx barcode)")
        self.pages.setCurrentWidget(self.idle_page)

    def _idle(self, text: str, *, problem: bool = False) -> None:
        self._idle_message(text, "stop" if problem else "passed")
        tinted(self.status, RED if problem else GREEN)  # through its palette: no style sheet per message
