"""The sale page of the pickup screen: whose bag it is, the lines (take / leave, counseling), who
picks up, the signature and the payment, and the Complete button that says what is missing.

Layout only: the pickup screen fills it from the services' DTOs and reacts to its signals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.ui.style import PASSED, STOP_TEXT, WARNING
from pharmacy_desktop.ui.widgets.fill_common import ResultBanner, big
from pharmacy_desktop.ui.widgets.pickup_identity import IdentityPanel
from pharmacy_desktop.ui.widgets.pickup_items import ItemRow, PickupItemsTable
from pharmacy_desktop.ui.widgets.pickup_style import as_hint, restyle
from pharmacy_desktop.ui.widgets.pickup_tender import TenderPanel
from pharmacy_desktop.ui.widgets.signature_pad import SignaturePad
from pharmacy_desktop.ui.widgets.status_label import StatusLabel

ACKNOWLEDGES = "Signing acknowledges receipt of the prescriptions"

FIRST_PART_MS = 150  # the sale page's first part this long after will-call shows (its lists come first)
PART_MS = 15  # then a part per idle turn, this far apart


class SaleBanner(ResultBanner):
    WORDS = {"ok": "DONE", "warning": "CHECK", "problem": "NOT DONE", "info": ""}


class SignatureBox(QGroupBox):
    """What the signature acknowledges, and the pad."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Signature (Alt+G)", parent)
        self.setObjectName("signatureBox")
        self.acknowledges = QLabel("", self)  # made in their final parent: a move re-styles a subtree
        self.acknowledges.setObjectName("signatureAcknowledges")
        self.acknowledges.setWordWrap(True)
        as_hint(self.acknowledges)
        self.pad = SignaturePad(self, prompt="Sign on the pad · Alt+C clears")
        self.pad.caption.setWordWrap(True)  # narrow: the caption wraps beside Clear
        self.pad.canvas.setMinimumWidth(self.fontMetrics().averageCharWidth() * 22)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(4)
        layout.addWidget(self.acknowledges)
        layout.addWidget(self.pad, 1)

    def set_acknowledgements(self, counseling_offered: bool, privacy_notice: bool) -> None:
        parts = [ACKNOWLEDGES]
        if counseling_offered:
            parts.append("that counseling was offered")
        if privacy_notice:
            parts.append("the HIPAA privacy notice (first pickup)")
        self.acknowledges.setText(
            ", ".join(parts[:-1]) + " and " + parts[-1] + "." if len(parts) > 1 else parts[0] + "."
        )


class SalePage(QWidget):
    """Built whole, or (``later=True``) a part per :meth:`build_step`, so the pickup screen can build it in
    idle turns after will-call shows instead of before anyone opens a bag (:meth:`finish` builds the rest)."""

    patient: QLabel
    bag: QLabel
    items: PickupItemsTable
    detail: QLabel
    accept_counsel: QPushButton
    decline_counsel: QPushButton
    store_upc: QLineEdit
    identity: IdentityPanel
    signature: SignatureBox
    tender: TenderPanel
    reason: QLineEdit
    result: SaleBanner
    missing: StatusLabel
    void_line: QPushButton
    void_sale: QPushButton
    close_button: QPushButton
    complete: QPushButton

    def __init__(self, parent: QWidget | None = None, *, later: bool = False):
        super().__init__(parent)
        self._steps: Iterator[QWidget | None] | None = self._build()
        if not later:
            self.finish()

    @property
    def built(self) -> bool:
        return self._steps is None

    def build_step(self) -> bool:
        """One part more (polished as it will show); False once the page is whole."""
        if self._steps is None:
            return False
        try:
            part = next(self._steps)
        except StopIteration:
            self._steps = None
            return False
        if part is not None:
            part.ensurePolished()  # the style's work now, not when the bag is scanned
        return True

    def finish(self) -> None:
        while self.build_step():
            pass

    def _build(self) -> Iterator[QWidget | None]:  # noqa: PLR0915 - the page top to bottom, a part a turn
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(6)
        self.patient = big("", 7, name="pickupPatient")
        self.patient.setTextFormat(Qt.TextFormat.PlainText)
        self.bag = big("", 1, name="pickupBag", wrap=False)
        self.bag.setTextFormat(Qt.TextFormat.PlainText)
        head = QHBoxLayout()
        head.addWidget(self.patient, 1)
        head.addWidget(self.bag, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        layout.addLayout(head)
        yield None
        self.items = PickupItemsTable(self)  # each part made in the page (a move re-styles its subtree)
        layout.addWidget(self.items, 5)
        yield self.items

        self.detail = QLabel("", self)
        self.detail.setObjectName("claimDetail")
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        self.detail.hide()
        self.accept_counsel = QPushButton("Counseling accepted (Ctrl+K)", self)
        self.accept_counsel.setObjectName("counselAccepted")
        self.accept_counsel.setToolTip("A pharmacist counsels and signs off with their PIN or badge")
        self.decline_counsel = QPushButton("Declined (Ctrl+D)", self)
        self.decline_counsel.setObjectName("counselDeclined")
        self.store_upc = QLineEdit(self)
        self.store_upc.setObjectName("storeUpc")
        self.store_upc.setAccessibleName("Store item UPC")
        self.store_upc.setPlaceholderText("item UPC (Alt+I)")
        self.store_upc.setToolTip("Scan a store item, or type its item UPC (Alt+I) and Enter")
        self.store_upc.setMaximumWidth(230)
        self.store_upc.setMinimumWidth(self.store_upc.fontMetrics().horizontalAdvance("item UPC (Alt+I)") + 24)
        lines_hint = QLabel("Alt+E lines · Space: take / leave", self)
        lines_hint.setObjectName("linesHint")
        lines_hint.setWordWrap(True)  # a narrow window wraps it rather than pushing the buttons off
        line_actions = QHBoxLayout()
        line_actions.addWidget(lines_hint, 1)
        line_actions.addWidget(self.accept_counsel)
        line_actions.addWidget(self.decline_counsel)
        line_actions.addWidget(self.store_upc)
        layout.addWidget(self.detail)
        layout.addLayout(line_actions)
        yield None

        middle = QHBoxLayout()
        middle.setSpacing(6)
        layout.addLayout(middle, 4)
        self.identity = IdentityPanel(self)
        middle.addWidget(self.identity, 6)
        yield self.identity
        self.signature = SignatureBox(self)
        middle.addWidget(self.signature, 7)
        yield self.signature
        self.tender = TenderPanel(self)
        middle.addWidget(self.tender, 6)
        yield self.tender

        self.reason = QLineEdit(self)
        self.reason.setObjectName("voidReason")
        self.reason.setAccessibleName("Reason for the void")
        self.reason.hide()
        self.result = SaleBanner(self)
        self.missing = StatusLabel("", self)  # what is missing, or everything there: the icon beside the words
        self.missing.setObjectName("missingLine")
        self.missing.setWordWrap(True)
        self.void_line = QPushButton("Void line (Alt+L)", self)
        self.void_line.setObjectName("voidLine")
        self.void_sale = QPushButton("Void sale (Alt+V)", self)
        self.void_sale.setObjectName("voidSale")
        self.close_button = QPushButton("Close (Esc)", self)
        self.complete = QPushButton("Complete (Ctrl+Enter)", self)
        self.complete.setObjectName("completeButton")
        self.complete.setMinimumHeight(40)
        bottom = QHBoxLayout()  # what is missing has the whole width above the buttons (a narrow
        bottom.addStretch(1)  # column of it beside them pushed the lines table off a 768 px screen)
        bottom.addWidget(self.void_line)  # beside Void sale: the row above fits a 1024 px display
        bottom.addWidget(self.void_sale)
        bottom.addWidget(self.close_button)
        bottom.addWidget(self.complete)
        layout.addWidget(self.reason)
        layout.addWidget(self.result)
        layout.addWidget(self.missing)
        layout.addLayout(bottom)
        yield self
        layout.activate()  # the sizes worked out now, in an idle turn, not when the bag is scanned

    def reset(self, patient_name: str, bins: Sequence[str]) -> None:
        """A new pickup: nothing typed, signed or paid yet."""
        self.patient.setText(patient_name)
        self.bag.setText(f"Bin {', '.join(bins)}")
        self.identity.reset([])
        self.signature.pad.clear()
        self.signature.pad.message.hide()
        self.tender.reset()
        self.store_upc.clear()
        self.hide_reason()
        self.result.clear()
        self.detail.hide()

    def _show_detail(self) -> None:
        """Every rejected or unanswered claim in full (its text and what to do), whatever row is
        selected: a rejection is never only a colour in a cell."""
        lines = [
            f"Rx {row.who.split(chr(10))[0].removeprefix('Rx ')}: {row.claim_detail}"
            for row in self.items.rows
            if row.kind == "rx" and row.take and row.claim_state in ("rejected", "pending") and row.claim_detail
        ]
        self.detail.setText("\n".join(lines))
        restyle(self.detail, f"color: {STOP_TEXT};")
        self.detail.setVisible(bool(lines))

    def show_rows(self, rows: Sequence[ItemRow]) -> None:
        self.items.set_rows(rows)
        self._show_detail()

    def show_missing(self, missing: Sequence[str]) -> None:
        """Complete is enabled only when nothing is missing; the line says what still is."""
        self.complete.setEnabled(not missing)
        if missing:
            self.missing.say("warning", "Missing: " + "; ".join(missing))
            restyle(self.missing, f"color: {WARNING}; font-weight: bold;")
        else:
            self.missing.say("passed", "Everything is there: Ctrl+Enter completes the sale.")
            restyle(self.missing, f"color: {PASSED}; font-weight: bold;")

    def ask_reason(self, placeholder: str) -> None:
        self.reason.setPlaceholderText(placeholder)
        self.reason.clear()
        self.reason.show()
        self.reason.setFocus()

    def hide_reason(self) -> None:
        self.reason.hide()
        self.reason.clear()


class LaterSalePage(QObject):
    """The sale page in ``pages``, built a part per idle turn once :meth:`start` is called, or whole at
    once by :meth:`whole`; ``on_whole(page)`` is called once, when the page is whole (its wiring)."""

    def __init__(self, pages: QStackedWidget, on_whole: Callable[[SalePage], None]) -> None:
        super().__init__(pages)
        self._pages = pages
        self._on_whole = on_whole
        self._page: SalePage | None = None
        self._done = False
        self._hurried = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.step)

    def start(self) -> None:
        if not self._done and not self._timer.isActive():
            self._timer.start(FIRST_PART_MS)

    def hurry(self) -> None:
        """A part per turn from now on (a bag's lookup is on its way: the page is wanted soon, and the
        turns while the database answers are idle), so the answer's turn does not build the rest."""
        if not self._done:
            self._hurried = True
            self._timer.start(0)

    def step(self) -> None:
        """One part more (an idle turn's worth); the next one after PART_MS (the next turn once hurried)."""
        if self._done:
            return
        page = self._started()
        if page.build_step():
            self._timer.start(0 if self._hurried else PART_MS)
        else:
            self._finished(page)

    def whole(self) -> SalePage:
        page = self._started()
        page.finish()
        self._finished(page)
        return page

    def built(self) -> SalePage | None:
        return self._page if self._done else None

    def _started(self) -> SalePage:
        if self._page is None:
            self._page = SalePage(self._pages, later=True)  # made in the stack: no move later
            self._pages.addWidget(self._page)
        return self._page

    def _finished(self, page: SalePage) -> None:
        if not self._done:
            self._done = True
            self._timer.stop()
            self._on_whole(page)
