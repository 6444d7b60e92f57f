"""What the scan-driven workflow screens share.

``LiveScreen``: loads when shown and reloads when another workstation changes one of its topics
(fill, final verification, will-call). ``QueueScreen``: a prescription queue on the left and, on
the right, an idle page (a scan prompt and a status line), a work page and a hard stop that only an
acknowledgement removes (fill and final verification).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.fill import QueueRow
from pharmacy_desktop.services.prescription_views import RxHeader
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.screens.base import Screen, heading
from pharmacy_desktop.ui.widgets.claim_banner import ClaimBanner
from pharmacy_desktop.ui.widgets.drug_lines import fit_rows_to_lines
from pharmacy_desktop.ui.widgets.fill_common import (
    HardStop,
    RowsTable,
    ScanPrompt,
    drug_cell,
    local_time,
    minutes_text,
    scaled,
    shortcut,
)
from pharmacy_desktop.ui.widgets.rx_preview import RxPreview
from pharmacy_desktop.ui.widgets.status_label import StatusLabel

QUEUE_HEADERS = ["", "Patient / drug", "Waiting", "Rx"]
T = TypeVar("T")

if TYPE_CHECKING:
    from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory


def queue_cells(row: QueueRow) -> list[str]:
    """What triage needs (SCREENS.md): STAT, patient, drug with its schedule, age, promised time."""
    promised = f"\ndue {local_time(row.promised_at)}" if row.promised_at else ""
    return [
        "STAT" if row.is_stat else ("BACK" if row.returned_note else ""),
        f"{row.patient_name}\n{drug_cell(row.drug, row.schedule)}",
        f"{minutes_text(row.waiting_minutes)}{promised}",
        row.rx_number,
    ]


class LiveScreen(Screen):
    change_topics: tuple[str, ...] = ("prescriptions",)  # change notices that make it reload

    def activate(self) -> None:
        self.refresh()

    def on_change(self, notice: dict[str, Any]) -> None:
        if notice.get("topic") in self.change_topics and self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        raise NotImplementedError


class QueueScreen(LiveScreen):
    queue_heading = ""  # 'Fill queue': the title above the queue, with the count after a load
    queue_heading_short = ""  # the title while a prescription is open and the queue is narrow (else queue_heading)
    preview_next = ""  # what to do with the highlighted row ("Enter opens it, then scan the stock bottle")
    # the open prescription's head and the work page's scan prompt (made by the screen's ``_build_work``)
    rx_line: QLabel
    patient: QLabel
    prompt: ScanPrompt

    def __init__(self, context: AppContext, actor: Actor, parent: QWidget | None = None):
        super().__init__(context, actor, parent)
        self.rows: list[QueueRow] = []
        self.loaded = False  # the queue was read for the user signed in: its count is the navigation's
        self.busy = False
        shortcut(self, "Return", self.enter_pressed)
        shortcut(self, "Enter", self.enter_pressed)
        shortcut(self, "Escape", self.escape_pressed)
        shortcut(self, "Ctrl+R", self.refresh)

    @staticmethod
    def queue_size(uow_factory: UnitOfWorkFactory, actor: Actor) -> int | None:
        """The queue's size for the navigation before the screen is built (a service's count; None: none)."""
        return None

    @classmethod
    def nav_count(cls, context: AppContext, actor: Actor) -> int | None:
        """The queue's size (``queue_size``) before the screen is first opened (a pool thread: the shell builds
        screens when shown)."""
        return cls.queue_size(context.uow_factory, actor)

    # -- layout (called by the subclass's _build) -------------------------------------------------

    def _build_queue(self, name: str, parent: QWidget | None = None) -> QWidget:
        """The queue's title over the queue: a pane made in ``parent`` (the splitter), its table made in
        the pane (each widget styled where it stays, not again at each move into a new parent)."""
        left = QWidget(parent)
        layout = QVBoxLayout(left)
        layout.setContentsMargins(0, 0, 0, 0)
        self.queue = RowsTable(QUEUE_HEADERS, left, stretch=1, lines=2)
        self.queue.setColumnHidden(3, True)  # the Rx number: in the tooltip and the open prescription
        fit_rows_to_lines(self.queue, 1)  # the drug through its strength: its form drops, then it wraps
        # whole rows are selected: a highlighted (bold) title would only get wider than its narrowed column
        self.queue.horizontalHeader().setHighlightSections(False)
        self.queue.setObjectName(name)
        self.queue.setAccessibleName(self.queue_heading)
        self.queue.activated_row.connect(self._open_row)
        self.queue.itemSelectionChanged.connect(self._preview_highlighted)
        self.queue_title = heading(self.queue_heading, 2)
        self.queue_title.setWordWrap(True)  # the queue narrowed beside an open prescription
        layout.addWidget(self.queue_title)
        layout.addWidget(self.queue, 1)
        # room for the STAT mark, "Last, First" and a drug through its strength, and the time waiting:
        # the splitter never squeezes the queue below it on a 1024-pixel display
        self.queue_pane = left
        left.setMinimumWidth(self.queue.fontMetrics().averageCharWidth() * 40)
        return left

    def _build_pages(
        self, prompt: str, status_name: str, status_delta: float, parent: QWidget | None = None
    ) -> QStackedWidget:
        """The idle page (``idle_prompt``, ``status``, ``preview``) now; the work page (``_build_work``) and
        the hard stop in the turns after the queue first shows (``_prebuild_soon``), or at once when a
        prescription opens before (``work``, ``hard_stop``): the queue's first showing builds only what it
        shows (bench/gui_stall.py). The pages are made in ``parent`` and the idle page's widgets in it,
        the pages in the stack before their widgets: each is styled once, where it stays."""
        self.pages = QStackedWidget(parent)
        self.idle_page = QWidget()
        self.work_page = QWidget()  # empty until ``work()`` builds it
        for page in (self.idle_page, self.work_page):
            self.pages.addWidget(page)
        idle = QVBoxLayout(self.idle_page)
        self.idle_prompt = ScanPrompt(prompt, self.idle_page)
        # what just happened: its icon beside the words
        self.status = scaled(StatusLabel(parent=self.idle_page), status_delta)
        self.status.setObjectName(status_name)
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.preview = RxPreview(self.idle_page)
        idle.addStretch(1)
        idle.addWidget(self.preview)
        idle.addWidget(self.idle_prompt)
        idle.addWidget(self.status)
        idle.addStretch(2)
        self.work_built = False
        self._stop_page: HardStop | None = None
        self._prebuilding = False
        self.pages.currentChanged.connect(self._page_sizes)
        self._page_sizes()
        return self.pages

    def work(self) -> QWidget:
        """The work page, built the first time a prescription opens (its widgets exist from then on)."""
        if not self.work_built:
            self.work_built = True
            self._build_work(self.work_page)
        return self.work_page

    def _prebuild_soon(self) -> None:
        """Build the work page and the hard stop in the event loop's next turns, one small piece a turn,
        after the queue first shows: its first showing stays short and so does the first open."""
        if self._prebuilding or (self.work_built and self._stop_page is not None):
            return
        self._prebuilding = True
        steps: list[Callable[[], object]] = [
            *self._work_parts(),
            self.work,
            self.work_page.ensurePolished,
            lambda: self.hard_stop,
            lambda: self.hard_stop.ensurePolished(),
        ]

        def next_step() -> None:
            steps.pop(0)()
            if steps:
                QTimer.singleShot(0, self, next_step)

        QTimer.singleShot(0, self, next_step)

    @property
    def hard_stop(self) -> HardStop:
        """The hard stop page, built the first time it is needed."""
        if self._stop_page is None:
            self._stop_page = HardStop()
            self._stop_page.acknowledged.connect(self.acknowledge_stop)
            self.pages.addWidget(self._stop_page)
            self._page_sizes()
        return self._stop_page

    def _page_sizes(self, _index: int = -1) -> None:
        """Only the page on show claims its minimum size: the idle prompt leaves the queue its room on a
        1024-pixel display instead of reserving the (hidden) work page's width."""
        for page in (self.idle_page, self.work_page, self._stop_page):
            if page is None:
                continue
            policy = QSizePolicy.Policy.Preferred if page is self.pages.currentWidget() else QSizePolicy.Policy.Ignored
            page.setSizePolicy(policy, policy)
        # a prescription open: the work page comes first and the queue gives way (its drug lines wrap,
        # never losing the strength) so a 1024-pixel display keeps its width; idle, the queue keeps ~40 characters
        pane = getattr(self, "queue_pane", None)
        if pane is not None:
            idle = self.pages.currentWidget() is self.idle_page
            pane.setMinimumWidth(self.queue.fontMetrics().averageCharWidth() * (40 if idle else 14))
            for column in (0, 2):  # STAT and the time waiting: on the open prescription's page; who and what stay
                self.queue.setColumnHidden(column, not idle)
            self._set_title()

    def _set_title(self) -> None:
        """The queue's title and count; its short form beside an open prescription (a long word of the
        full one, 'verification', would not fit the narrowed queue at 1024 px zoomed)."""
        idle = self.pages.currentWidget() is self.idle_page
        words = self.queue_heading if idle or not self.queue_heading_short else self.queue_heading_short
        self.queue_title.setText(f"{words} ({len(self.rows)})" if self.loaded else words)

    def _build_screen(self, queue_name: str, prompt: str, status_name: str, status_delta: float) -> None:
        """The queue (``_build_queue``) beside the pages (``_build_pages``) with the claim banner
        (``claim``) under them, 400:660 and growing 4:6 with the window (fill and verification alike).

        Built from the top down: each pane is made in the splitter and its widgets in the pane, so a
        widget is styled where it stays. Built bottom-up, every move into a new parent sent the app's
        style sheet through the subtree again (a widget already polished was polished again): the
        screen took ~8.5 ms of the F5 turn to build, now ~4 (bench/gui_stall.py 'fill: queue')."""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        layout.addWidget(splitter)
        splitter.addWidget(self._build_queue(queue_name, splitter))
        right = QWidget(
            splitter
        )  # the pages over the claim banner (it stays in view while the screen moves on: a late rejection is seen)
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self._build_pages(prompt, status_name, status_delta, right), 1)
        self.claim = ClaimBanner(right)
        column.addWidget(self.claim)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 6)
        splitter.setSizes([400, 660])

    def _build_work(self, page: QWidget) -> None:
        raise NotImplementedError

    def _work_column(
        self, page: QWidget, widgets: Sequence[QWidget], actions: QHBoxLayout, close: Callable[[], None]
    ) -> None:
        """The work page: ``widgets`` top down, then the ``actions`` row at the bottom with "Close (Esc)"
        (``close``) last."""
        button = QPushButton("Close (Esc)")
        button.clicked.connect(close)
        actions.addWidget(button)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(4, 0, 4, 0)
        for widget in widgets:
            layout.addWidget(widget)
        layout.addStretch(1)
        layout.addLayout(actions)

    def _show_head(self, view: RxHeader, *notes: str) -> None:
        """The open prescription's head: 'Rx number (STAT) · notes · prescriber', and the patient with the
        date of birth."""
        stat = "   ·   STAT" if view.is_stat else ""
        self.rx_line.setText("   ·   ".join([f"Rx {view.rx_number}{stat}", *notes, view.prescriber]))
        dob = f"   DOB {view.patient_dob.strftime('%m/%d/%Y')}" if view.patient_dob else ""
        self.patient.setText(f"{view.patient_name}{dob}")

    def _show_work(self, prescription_id: uuid.UUID) -> None:
        """The work page on show, the prescription highlighted in the queue, the keyboard (the bottle scan)
        on the work page's prompt, which shows it."""
        self.pages.setCurrentWidget(self.work_page)
        self._select_in_queue(prescription_id)
        self.prompt.setFocus()

    def _work_parts(self) -> list[Callable[[], object]]:
        """Pieces of the work page a screen builds a turn ahead of ``_build_work`` (each idempotent)."""
        return []

    # -- shell hooks ------------------------------------------------------------------------------

    def queue_count(self) -> int | None:
        """The rows loaded (0 too); None before the first load for this user (the class's ``nav_count`` shows)."""
        return len(self.rows) if self.loaded else None

    def clear_sensitive(self) -> None:
        self.rows = []
        self.loaded = False
        self.queue.set_rows([])
        self.preview.show_row(None, "")
        self._reset()

    def set_actor(self, actor: Actor) -> None:
        super().set_actor(actor)
        self.loaded = False  # the last user's queue: counted again for this one
        self._reset()  # what someone else opened or scanned never counts for the next user

    # -- queue ------------------------------------------------------------------------------------

    def _show_queue(self, rows: list[QueueRow]) -> None:
        self.rows = rows
        self.loaded = True
        self.queue.set_rows([queue_cells(r) for r in rows], marks=[self.queue_mark(r) for r in rows])
        self._set_title()
        self._preview_highlighted()
        self.counts_changed()
        self._prebuild_soon()

    def _preview_highlighted(self) -> None:
        """The idle page shows the highlighted row (patient, drug, quantity, what to do next)."""
        row = self.queue.currentRow() if self.queue.selectionModel().hasSelection() else -1
        self.preview.show_row(self.rows[row] if 0 <= row < len(self.rows) else None, self.preview_next)

    def queue_mark(self, row: QueueRow) -> str | None:
        return "stat" if row.is_stat else None

    def _open_row(self, row: int) -> None:
        if 0 <= row < len(self.rows):
            self.open_rx(self.rows[row].prescription_id)

    def open_rx(self, prescription_id: uuid.UUID) -> None:
        raise NotImplementedError

    def _idle_message(self, text: str, kind: str) -> None:
        """The idle page's line under the prompt: the words, the icon of ``kind`` beside them."""
        self.pages.setCurrentWidget(self.idle_page)
        self.status.say(kind, text)

    def _select_in_queue(self, prescription_id: uuid.UUID) -> None:
        """The queue highlights what is open (a label scan opens any row), never a different patient."""
        row = next((i for i, r in enumerate(self.rows) if r.prescription_id == prescription_id), None)
        if row is None:
            self.queue.clearSelection()
        else:
            self.queue.selectRow(row)

    # -- hard stop --------------------------------------------------------------------------------

    def stopped(self) -> bool:
        return self._stop_page is not None and self.pages.currentWidget() is self._stop_page

    def _scan_while_stopped(self) -> bool:
        """A scan during a hard stop only repeats what to do; True when it was one."""
        if not self.stopped():
            return False
        self.hard_stop.next_step.setText("Acknowledge this stop first (Enter), then scan again.")
        self.hard_stop.next_step.show()
        return True

    def acknowledge_stop(self) -> None:
        raise NotImplementedError

    # -- keys -------------------------------------------------------------------------------------

    def enter_pressed(self) -> None:
        raise NotImplementedError

    def escape_pressed(self) -> None:
        raise NotImplementedError

    def _reset(self) -> None:
        raise NotImplementedError
