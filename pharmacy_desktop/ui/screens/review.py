"""F3 Clinical review (pharmacist): queue on the left, the prescription and its alerts on the right.

Up/Down in the queue opens each prescription. Alerts show severity by colour, icon and words, every
one in its own row (the checks that passed share one row at the end).
Alt+A acknowledges the highlighted warning; Alt+O overrides the highlighted alert (a dialog: the
three NCPDP DUR codes and a note; Enter records, Esc cancels); Ctrl+Enter approves (refused while any
alert is open, and refused when the checks ran again since they were shown: the patient's profile
changed; the new results are shown, the new alerts marked NEW, with a banner saying why);
Alt+R rejects and Alt+B sends back to intake, each asking for the reason the same way.
Ctrl+D runs the DUR checks again (e.g. after the patient's allergies or medications changed).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.domain.places import Place
from pharmacy_desktop.domain.workflow import RxStatus
from pharmacy_desktop.errors import PermissionDenied, ValidationFailed
from pharmacy_desktop.services import review
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.review import Alert, ProfileChangedSinceDur, ReviewDetail
from pharmacy_desktop.services.work_queues import QueueRow, review_queue, review_queue_size
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.keys import key_for
from pharmacy_desktop.ui.later import Later
from pharmacy_desktop.ui.ops import run_in_background, show_error, user_message
from pharmacy_desktop.ui.screens.base import Screen, shortcut
from pharmacy_desktop.ui.style import (
    ERROR,
    PASSED,
    STOP_TEXT,
    TEXT,
    WARNING,
)
from pharmacy_desktop.ui.widgets.patient_banner import PatientBanner
from pharmacy_desktop.ui.widgets.review_lists import new_alerts
from pharmacy_desktop.ui.widgets.review_override import OverrideDialog, open_override
from pharmacy_desktop.ui.widgets.review_panels import (
    RERUN_DUR_KEY,
    ReviewQueuePanel,
    ReviewSplitter,
    ReviewWorkArea,
    status_text,
)
from pharmacy_desktop.ui.widgets.review_parts import ReasonLine
from pharmacy_desktop.ui.widgets.status_label import StatusLabel

W = TypeVar("W", bound=QWidget)


def made_polished(widget: W) -> W:
    """``widget`` and its children styled now (the style sheet's rules worked out), before it is shown."""
    widget.ensurePolished()
    for child in widget.findChildren(QWidget):
        child.ensurePolished()
    widget.minimumSizeHint()  # its layouts' sizes, worked out once
    return widget


# a message's icon (ui/icons) by the colour of its words: the icon stands beside them, never alone
KIND_OF_COLOUR = {STOP_TEXT: "stop", ERROR: "stop", WARNING: "warning", PASSED: "passed", TEXT: "info"}


class ReviewScreen(Screen):
    key = key_for(Place.REVIEW)
    title = "Clinical review"
    permission = "prescription.review"
    help_keys = (
        ("Up / Down", "queue: open the previous / next prescription"),
        ("Tab", "queue → alerts → actions"),
        ("Alt+A", "acknowledge the highlighted warning"),
        ("Alt+O", "override the highlighted alert (NCPDP codes and a note, Enter)"),
        ("Ctrl+Enter", "approve (validated)"),
        ("Alt+R", "reject (type the reason, Enter)"),
        ("Alt+B", "send back to intake (type the note, Enter)"),
        (RERUN_DUR_KEY, "run the DUR checks again (after the profile changed)"),
        ("Alt+Q", "back to the queue"),
        ("Esc", "cancel the reason line"),
    )

    # the work area and its parts (ReviewWorkArea), built two turns after the first showing; reading one
    # before then builds it at once (``Later``)
    work_area: Later[ReviewWorkArea] = Later("build_work_area")
    drug_title: Later[QLabel] = Later("build_work_area")
    banner: Later[PatientBanner] = Later("build_work_area")
    rx_text: Later[QLabel] = Later("build_work_area")
    alerts: Later[QListWidget] = Later("build_work_area")
    ack_button: Later[QPushButton] = Later("build_work_area")
    override_button: Later[QPushButton] = Later("build_work_area")
    rerun_button: Later[QPushButton] = Later("build_work_area")
    reason_frame: Later[ReasonLine] = Later("build_work_area")
    reason_label: Later[QLabel] = Later("build_work_area")
    reason: Later[QLineEdit] = Later("build_work_area")
    message: Later[StatusLabel] = Later("build_work_area")
    back_button: Later[QPushButton] = Later("build_work_area")
    reject_button: Later[QPushButton] = Later("build_work_area")
    approve_button: Later[QPushButton] = Later("build_work_area")

    def __init__(self, context: AppContext, actor: Actor, parent: QWidget | None = None):
        super().__init__(context, actor, parent)
        self.rows: list[QueueRow] = []
        self.detail: ReviewDetail | None = None
        self._count: int | None = None
        self._loading: uuid.UUID | None = None
        self.override_dialog: OverrideDialog | None = None

        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 6, 8, 6)
        self.queue_panel = p = ReviewQueuePanel()
        self.queue_title, self.model, self.queue, self.queue_empty = p.queue_title, p.model, p.queue, p.queue_empty
        self.meds_box, self.meds = p.meds_box, p.meds
        self.queue.selectionModel().currentRowChanged.connect(lambda current, _: self._open_row(current.row()))
        # the work area is built in the event loop's next turn (or at once when something needs it first):
        # the first showing paints the queue without waiting for it (bench/gui_stall.py 'review: queue');
        # until then the splitter holds an empty widget in its place
        self.splitter = ReviewSplitter(p, QWidget())
        outer.addWidget(self.splitter, 1)

        for keys, slot in (
            ("Alt+A", self.acknowledge),
            ("Alt+O", self.start_override),
            ("Ctrl+Return", self.approve),
            ("Ctrl+Enter", self.approve),
            ("Alt+R", self.start_reject),
            ("Alt+B", self.start_back_to_intake),
            ("Alt+Q", self.queue.setFocus),
            (RERUN_DUR_KEY, self.rerun_dur),
        ):
            shortcut(self, keys, slot)
        self.queue_panel.show_meds(None)
        # two turns after the first paint: the work area made and styled off-screen, then put in its place.
        # A real timer: QTimer.singleShot(0, ...) is a posted call, run in the same turn, before the paint
        self._pending_area: ReviewWorkArea | None = None
        self._work_timer = QTimer(self)
        self._work_timer.setSingleShot(True)
        self._work_timer.setInterval(0)
        self._work_timer.timeout.connect(self._work_step)
        self._work_timer.start()
        self.refresh_count()

    def _work_step(self) -> None:
        """One step of the work area's build a turn: made and polished (not on screen), then in place."""
        if "work_area" in self.__dict__:
            return
        if self._pending_area is None:
            self._pending_area = made_polished(ReviewWorkArea())
            self._work_timer.start()
        else:
            self.build_work_area()

    def build_work_area(self) -> None:
        """The right side (the prescription, its alerts, the decisions), once; wired and put in its place."""
        if "work_area" in self.__dict__:
            return
        self._work_timer.stop()
        a = self._pending_area or ReviewWorkArea()
        self._pending_area = None
        self.work_area = a
        self.drug_title, self.banner, self.rx_text, self.alerts = a.drug_title, a.banner, a.rx_text, a.alerts
        self.ack_button, self.override_button, self.rerun_button = a.ack_button, a.override_button, a.rerun_button
        self.reason_frame, self.reason_label, self.reason = a.reason_frame, a.reason_label, a.reason
        self.message, self.back_button, self.reject_button = a.message, a.back_button, a.reject_button
        self.approve_button = a.approve_button
        self.reason_frame.too_short.connect(
            lambda: self._say("Type the reason (a few words) first, then Enter. Esc cancels.", STOP_TEXT)
        )
        self.reason_frame.confirmed.connect(self.alerts.setFocus)
        self.reason_frame.escaped.connect(self._reason_escaped)
        for button, slot in (
            (self.ack_button, self.acknowledge),
            (self.override_button, self.start_override),
            (self.back_button, self.start_back_to_intake),
            (self.reject_button, self.start_reject),
            (self.approve_button, self.approve),
            (self.rerun_button, self.rerun_dur),
        ):
            button.clicked.connect(slot)
        a.set_actions_enabled(False)
        a.show_detail(None)
        placeholder = self.splitter.replaceWidget(1, a)
        if placeholder is not None:
            placeholder.deleteLater()
        self.splitter.refit()
        a.set_tab_order(self.queue)

    # -- screen hooks --------------------------------------------------------------------------

    def activate(self) -> None:
        self.refresh_queue()
        self.queue.setFocus()

    def on_change(self, notice: dict[str, Any]) -> None:
        if notice.get("topic") != "prescriptions":
            return
        if self.isVisible():
            self.refresh_queue()
            detail = self.detail
            if detail is not None and notice.get("id") == str(detail.prescription_id) and self.override_dialog is None:
                self._reload(detail.prescription_id)  # e.g. the checks ran again after a profile change
        else:
            self.refresh_count()

    def refresh_count(self) -> None:
        """The queue size for the navigation ("F3 Clinical review (4)"), without loading the queue."""
        if not self.actor.can(review.REVIEW):
            return
        factory = self.context.uow_factory

        def counted(count: int) -> None:
            self._count = count
            self.counts_changed()

        run_in_background(self, lambda: review_queue_size(factory), counted, lambda exc: None)

    def queue_count(self) -> int | None:
        return self._count

    @classmethod
    def nav_count(cls, context: AppContext, actor: Actor) -> int | None:
        """The count before the screen is built (on a pool thread: the shell builds screens when shown)."""
        return review_queue_size(context.uow_factory) if actor.can(review.REVIEW) else None

    def clear_sensitive(self) -> None:
        self.rows = []
        self.model.set_rows([])
        self._show_detail(None)

    def set_actor(self, actor: Actor) -> None:
        super().set_actor(actor)
        self.clear_sensitive()
        self._count = None
        self.refresh_count()

    # -- queue -----------------------------------------------------------------------------------

    def refresh_queue(self, then_select: uuid.UUID | None = None) -> None:
        factory, actor = self.context.uow_factory, self.actor
        current = then_select or (self.detail.prescription_id if self.detail else None)
        run_in_background(
            self,
            lambda: review_queue(factory, actor),
            lambda rows: self._show_queue(rows, current),
            self._queue_failed,
        )

    def _queue_failed(self, exc: Exception) -> None:
        self._say(user_message(exc), ERROR)

    def _show_queue(self, rows: list[QueueRow], select: uuid.UUID | None) -> None:
        self.rows = rows
        self._count = len(rows)
        self.counts_changed()
        had_focus = self.queue.hasFocus()
        self._quiet = True
        try:
            self.model.set_rows(rows)
        finally:
            self._quiet = False
        self.queue_title.setText(f"Waiting for review ({len(rows)})")
        self.queue_empty.setVisible(not rows)
        if not rows:
            self._show_detail(None)
            return
        index = next((i for i, r in enumerate(rows) if r.prescription_id == select), 0)
        self._quiet = True  # one open per refresh, not two racing
        try:
            self.queue.selectRow(index)
        finally:
            self._quiet = False
        if self.detail is None or self.detail.prescription_id != rows[index].prescription_id:
            self._open_row(index)
        if had_focus:
            self.queue.setFocus()

    _quiet = False

    def _open_row(self, row: int) -> None:
        if self._quiet or not 0 <= row < len(self.rows):
            return
        rx_id = self.rows[row].prescription_id
        self.open_prescription(rx_id)

    def open_prescription(self, rx_id: uuid.UUID) -> None:
        factory, actor = self.context.uow_factory, self.actor
        self._loading = rx_id
        run_in_background(
            self,
            lambda: review.open_review(factory, actor, rx_id),
            self._opened,
            self._failed,
            busy_message="Opening the prescription…",
        )

    def _opened(self, detail: ReviewDetail) -> None:
        if self._loading not in (None, detail.prescription_id):
            return
        self._show_detail(detail)

    # -- showing ---------------------------------------------------------------------------------

    def _show_detail(
        self, detail: ReviewDetail | None, *, keep_alert: int | None = None, new: frozenset[uuid.UUID] = frozenset()
    ) -> None:
        """``new``: alerts that appeared since the last time this prescription was shown (marked NEW)."""
        previous = self.detail
        self.detail = detail
        if detail is None and "work_area" not in self.__dict__:  # not built yet: it starts empty
            self._new = frozenset()
            self.queue_panel.show_meds(None)
            return
        self._cancel_reason()
        if detail is None or previous is None or previous.prescription_id != detail.prescription_id:
            self.work_area.show_stale(None)
            self._new = frozenset()
        self._new = (self._new | new) & (detail.alert_ids if detail is not None else frozenset())
        self.work_area.set_actions_enabled(detail is not None and detail.status == RxStatus.RECEIVED)
        self.queue_panel.show_meds(detail)
        self.work_area.show_detail(detail, new=frozenset(self._new))
        if detail is None:
            return
        rows = self.work_area.row_alerts
        first_open = next((i for i, a in enumerate(rows) if a is not None and not a.resolved), None)
        row = keep_alert if keep_alert is not None else (first_open if first_open is not None else 0)
        if rows:
            self.alerts.setCurrentRow(min(row, len(rows) - 1))
        self._status_line()

    _new: frozenset[uuid.UUID] = frozenset()

    def _reload(self, rx_id: uuid.UUID, *, stale: str | None = None) -> None:
        """Open ``rx_id`` again; alerts the pharmacist had not seen are marked NEW. ``stale``: approval
        was refused (the banner says why, the alerts get the keys); None: a change notice (nothing is
        redrawn when nothing changed, e.g. the notice of this screen's own acknowledgement)."""
        factory, actor = self.context.uow_factory, self.actor

        def shown(detail: ReviewDetail) -> None:
            if self.detail is None or self.detail.prescription_id != detail.prescription_id:
                return  # another prescription was opened meanwhile
            if stale is None and detail == self.detail:
                return
            new = new_alerts(self.detail, detail)
            keep = None if new else self.alerts.currentRow()
            self._show_detail(detail, new=new, keep_alert=keep)
            if stale:  # the reason and what to do next in the banner; the message line would repeat it
                found = f"{len(new)} new alert(s), marked NEW." if new else "No new alert."
                self.work_area.show_stale(f"⟳ Not approved. {stale} {found}")
                self._say("", STOP_TEXT)
                self.alerts.setFocus()
            elif new:
                self._status_line(f"The checks ran again (the patient's profile changed): {len(new)} new alert(s).")

        run_in_background(self, lambda: review.open_review(factory, actor, rx_id), shown, self._failed)

    def _status_line(self, done: str = "") -> None:
        """What the pharmacist does next; ``done`` ("Acknowledged.") says first what just happened."""
        if self.detail is not None:
            self._say(*status_text(self.detail, done))

    def _say(self, text: str, colour: str, kind: str | None = None) -> None:
        """The message line: the words in ``colour``, the icon of ``kind`` beside them (by default
        the colour's: stop, warning, passed, info)."""
        self.message.say(kind or KIND_OF_COLOUR.get(colour), text)
        self.message.setVisible(bool(text))  # no empty line taking the alerts' height
        self.message.setStyleSheet(f"color: {colour}; font-weight: bold;")

    # -- actions ---------------------------------------------------------------------------------

    def current_alert(self) -> Alert | None:
        if self.detail is None:
            return None
        return self.work_area.alert_at(self.alerts.currentRow())

    def _after_change(self, message: str) -> None:
        if self.detail is None:
            return
        keep = self.alerts.currentRow()
        rx_id = self.detail.prescription_id
        factory, actor = self.context.uow_factory, self.actor

        def shown(detail: ReviewDetail) -> None:
            self._show_detail(detail, keep_alert=keep)
            self._status_line(message)  # what was done, then what to do next
            self.alerts.setFocus()

        run_in_background(self, lambda: review.open_review(factory, actor, rx_id), shown, self._failed)

    def acknowledge(self) -> None:
        alert = self.current_alert()
        if alert is None or not alert.is_alert:
            self._say("Highlight an alert in the list first (Tab to the alerts, Up/Down).", WARNING)
            return
        if alert.needs_override:
            self._say(
                "A hard stop cannot just be acknowledged: Alt+O overrides it with a reason, "
                "or Alt+R rejects the prescription.",
                STOP_TEXT,
            )
            return
        factory, actor = self.context.uow_factory, self.actor
        run_in_background(
            self,
            lambda: review.acknowledge_alert(factory, actor, alert.validation_id),
            lambda _: self._after_change("Acknowledged."),
            self._failed,
        )

    def start_override(self) -> None:
        alert = self.current_alert()
        if alert is None or not alert.is_alert:
            self._say("Highlight an alert in the list first (Tab to the alerts, Up/Down).", WARNING)
            return
        if not self.actor.can(review.OVERRIDE):
            self._say("Only a pharmacist can override a DUR alert: ask one to sign in (F12).", STOP_TEXT)
            return

        def closed() -> None:
            self.override_dialog = None
            self.window().activateWindow()  # the keys come back to the alerts
            self.alerts.setFocus()

        self.override_dialog = open_override(
            self,
            self.context.uow_factory,
            self.actor,
            alert,
            lambda: self._after_change("Override recorded."),
            closed,
        )

    def rerun_dur(self) -> None:
        """Run the DUR checks again for the open prescription; the alert list shows the new results."""
        detail = self.detail
        if detail is None or detail.status != RxStatus.RECEIVED:
            return
        factory, actor = self.context.uow_factory, self.actor
        rx_id = detail.prescription_id

        def shown(new: ReviewDetail) -> None:
            if self.detail is None or self.detail.prescription_id != new.prescription_id:
                return  # another prescription was opened meanwhile
            self._show_detail(new)
            self._status_line("DUR checks run again.")
            self.alerts.setFocus()

        self._say("Running the DUR checks again…", TEXT)
        run_in_background(
            self,
            lambda: review.rerun_dur(factory, actor, rx_id),
            shown,
            self._failed,
            busy_message="Running the DUR checks…",
        )

    def approve(self) -> None:
        detail = self.detail
        if detail is None:
            return
        factory, actor = self.context.uow_factory, self.actor
        rx_id, version = detail.prescription_id, detail.version

        seen = detail.alert_ids

        def done(result: ReviewDetail) -> None:
            self._say(f"Rx {result.rx_number} validated: it goes to the fill queue.", PASSED)
            self.detail = None
            self.refresh_queue()
            self.queue.setFocus()

        def refused(exc: Exception) -> None:
            if isinstance(exc, ProfileChangedSinceDur):
                self._reload(rx_id, stale=exc.message)  # the new results, what changed, why it was refused
                self.refresh_queue()  # the queue's alert counts changed with the re-run
                return
            self._failed(exc)

        run_in_background(
            self,
            lambda: review.approve(factory, actor, rx_id, expected_version=version, seen_alerts=seen),
            done,
            refused,
            busy_message="Approving…",
        )

    def start_reject(self) -> None:
        detail = self.detail
        if detail is None:
            return
        factory, actor = self.context.uow_factory, self.actor

        def confirm(reason: str) -> None:
            run_in_background(
                self,
                lambda: review.reject(factory, actor, detail.prescription_id, reason, expected_version=detail.version),
                lambda _: self._decided(f"Rx {detail.rx_number} rejected."),
                self._failed,
            )

        self._ask(f"Reject Rx {detail.rx_number} — reason:", confirm)

    def start_back_to_intake(self) -> None:
        detail = self.detail
        if detail is None:
            return
        factory, actor = self.context.uow_factory, self.actor

        def confirm(note: str) -> None:
            run_in_background(
                self,
                lambda: review.send_back_to_intake(
                    factory, actor, detail.prescription_id, note, expected_version=detail.version
                ),
                lambda _: self._decided(f"Rx {detail.rx_number} sent back to intake."),
                self._failed,
            )

        self._ask(f"Send Rx {detail.rx_number} back to intake — what to correct:", confirm)

    def _decided(self, message: str) -> None:
        self.detail = None
        self._say(message, PASSED)
        self.refresh_queue()
        self.queue.setFocus()

    def _failed(self, exc: Exception) -> None:
        if isinstance(exc, (ValidationFailed, PermissionDenied)):
            self._say(exc.message, STOP_TEXT)
            if self.reason_frame.action is not None:
                self.reason.setFocus()
            return
        show_error(self, exc)

    # -- reason line ----------------------------------------------------------------------------

    def _ask(self, label: str, action: Callable[[str], None]) -> None:
        self.reason_frame.ask(label, action)

    def _cancel_reason(self) -> None:
        self.reason_frame.cancel()

    def _reason_escaped(self) -> None:
        self.alerts.setFocus()
        self._status_line()
