"""F3 Clinical review (pharmacist): queue on the left, the prescription and its alerts on the right.

Up/Down in the queue opens each prescription. Alerts show severity by colour, icon and words.
Alt+A acknowledges the highlighted warning; Alt+O overrides the highlighted alert (a reason line
opens: Enter confirms, Esc cancels); Ctrl+Enter approves (refused while any alert is open);
Alt+R rejects and Alt+B sends back to intake, each asking for the reason the same way.
Ctrl+D runs the DUR checks again (e.g. after the patient's allergies or medications changed).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.domain.outcomes import DurStatus
from pharmacy_desktop.domain.places import Place
from pharmacy_desktop.domain.workflow import RxStatus
from pharmacy_desktop.errors import PermissionDenied, ValidationFailed
from pharmacy_desktop.services import review
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.review import Alert, QueueRow, ReviewDetail
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.keys import key_for
from pharmacy_desktop.ui.ops import run_in_background, show_error, user_message
from pharmacy_desktop.ui.screens.base import Screen, heading, shortcut
from pharmacy_desktop.ui.style import (
    ERROR,
    FOCUS,
    HINT,
    PASSED,
    STOP_TEXT,
    TEXT,
    WARNING,
)
from pharmacy_desktop.ui.widgets.patient_banner import PatientBanner, big_font
from pharmacy_desktop.ui.widgets.review_lists import (
    AlertDelegate,
    QueueModel,
    alert_style,
    alert_text,
    med_text,
    queue_patient_drug,
    queue_waiting,
)

RERUN_DUR_KEY = "Ctrl+D"  # the shell owns the F-keys


class ReviewScreen(Screen):
    key = key_for(Place.REVIEW)
    title = "Clinical review"
    permission = "prescription.review"
    help_keys = (
        ("Up / Down", "queue: open the previous / next prescription"),
        ("Tab", "queue → alerts → actions"),
        ("Alt+A", "acknowledge the highlighted warning"),
        ("Alt+O", "override the highlighted alert (type the reason, Enter)"),
        ("Ctrl+Enter", "approve (validated)"),
        ("Alt+R", "reject (type the reason, Enter)"),
        ("Alt+B", "send back to intake (type the note, Enter)"),
        (RERUN_DUR_KEY, "run the DUR checks again (after the profile changed)"),
        ("Alt+Q", "back to the queue"),
        ("Esc", "cancel the reason line"),
    )

    def __init__(self, context: AppContext, actor: Actor, parent: QWidget | None = None):
        super().__init__(context, actor, parent)
        self.rows: list[QueueRow] = []
        self.detail: ReviewDetail | None = None
        self._count: int | None = None
        self._loading: uuid.UUID | None = None
        self._reason_action: Callable[[str], None] | None = None

        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 6, 8, 6)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        outer.addWidget(splitter, 1)

        # -- queue -------------------------------------------------------------------------------
        queue_panel = QWidget()
        queue_layout = QVBoxLayout(queue_panel)
        queue_layout.setContentsMargins(0, 0, 0, 0)
        self.queue_title = heading("Waiting for review", 2)
        queue_layout.addWidget(self.queue_title)
        # two-line rows, as in the fill queue: "STAT · patient · alerts" over the drug; the waiting time
        # over the promised time. The Rx number is in the tooltip and the work area.
        self.model = QueueModel(
            [("Patient / drug", queue_patient_drug), ("Waiting", queue_waiting), ("Rx", "rx_number")]
        )
        self.queue = QTableView()
        self.queue.setObjectName("reviewQueue")
        self.queue.setModel(self.model)
        self.queue.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.queue.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.queue.verticalHeader().setVisible(False)
        self.queue.verticalHeader().setDefaultSectionSize(self.queue.fontMetrics().lineSpacing() * 2 + 12)
        self.queue.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.queue.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # what is left (elided, tooltip in full)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.queue.setColumnHidden(2, True)
        self.queue.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.queue.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.queue.setWordWrap(False)
        self.queue.setAccessibleName("Review queue")
        self.queue.setTabKeyNavigation(False)  # Tab leaves the queue for the alerts
        self.queue.selectionModel().currentRowChanged.connect(lambda current, _: self._open_row(current.row()))
        queue_layout.addWidget(self.queue, 1)
        self.queue_empty = QLabel("✓ Nothing waiting for review.")
        self.queue_empty.setVisible(False)
        queue_layout.addWidget(self.queue_empty)
        # the open patient's other prescriptions under the queue, where the height is: at least three
        # in view without scrolling, and the alerts on the right keep their room at 1280x800
        self.meds_box = QGroupBox("Active medications")
        self.meds = QListWidget()
        self.meds.setObjectName("activeMeds")
        self.meds.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.meds.setWordWrap(False)  # three short lines each (drug; directions; fill), elided, tooltip in full
        self.meds.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.meds.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.meds.setAccessibleName("Active medications")
        # three medications in view without scrolling (four at most, then it scrolls)
        self.meds.setSpacing(1)
        self.meds.setMinimumHeight(self.meds_height(3))
        self.meds.setMaximumHeight(self.meds_height(4))
        meds_layout = QVBoxLayout(self.meds_box)
        meds_layout.setContentsMargins(4, 2, 4, 4)
        meds_layout.addWidget(self.meds)
        queue_layout.addWidget(self.meds_box)
        splitter.addWidget(queue_panel)

        # -- work area ---------------------------------------------------------------------------
        work = QWidget()
        work_layout = QVBoxLayout(work)
        work_layout.setContentsMargins(6, 0, 0, 0)
        work_layout.setSpacing(6)
        self.drug_title = QLabel("Choose a prescription in the queue")
        self.drug_title.setObjectName("drugTitle")
        self.drug_title.setFont(big_font(self.drug_title, 9))
        self.drug_title.setWordWrap(True)
        work_layout.addWidget(self.drug_title)

        middle = QHBoxLayout()
        self.banner = PatientBanner()
        left_col = QVBoxLayout()
        left_col.addWidget(self.banner)
        left_col.addStretch(1)
        middle.addLayout(left_col, 2)
        rx_box = QGroupBox("Prescription")
        self.rx_text = QLabel("")
        self.rx_text.setObjectName("rxDetails")
        self.rx_text.setWordWrap(True)
        self.rx_text.setTextFormat(Qt.TextFormat.RichText)
        self.rx_text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        QVBoxLayout(rx_box).addWidget(self.rx_text)
        middle.addWidget(rx_box, 3)  # the wider: its label column takes room
        # the patient and the prescription take the height their text needs; the alert list the rest
        work_layout.addLayout(middle, 0)

        # the title stays short: a group box title never wraps, so a long one widens the screen
        alerts_box = QGroupBox("DUR alerts — acknowledge each; hard stops need a reason")
        alerts_layout = QVBoxLayout(alerts_box)
        self.alerts = QListWidget()
        self.alerts.setObjectName("alerts")
        self.alerts.setWordWrap(True)
        self.alerts.setAccessibleName("DUR alerts")
        self.alerts.setSpacing(2)
        self.alerts.setItemDelegate(AlertDelegate(self.alerts))
        self.alerts.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.alerts.setMinimumHeight(int(self.alerts.fontMetrics().lineSpacing() * 4.5))  # a hard stop and more
        alerts_layout.addWidget(self.alerts, 1)
        # the actions on the highlighted alert sit under the alert list
        alert_actions = QHBoxLayout()
        alert_actions.addStretch(1)
        self.ack_button = QPushButton("Acknowledge (Alt+A)")
        self.override_button = QPushButton("Override… (Alt+O)")
        self.rerun_button = QPushButton(f"Re-run DUR ({RERUN_DUR_KEY})")
        self.rerun_button.setObjectName("rerunDur")
        self.rerun_button.setToolTip(
            "Run the DUR checks again, e.g. after the patient's allergies or "
            "medications changed. Earlier acknowledgements stay on record."
        )
        alert_actions.insertWidget(0, self.rerun_button)
        alert_actions.addWidget(self.ack_button)
        alert_actions.addWidget(self.override_button)
        alerts_layout.addLayout(alert_actions)
        work_layout.addWidget(alerts_box, 1)

        self.reason_frame = QFrame()
        self.reason_frame.setObjectName("reasonFrame")
        self.reason_frame.setStyleSheet(f"QFrame#reasonFrame {{ border: 2px solid {FOCUS}; border-radius: 4px; }}")
        reason_layout = QHBoxLayout(self.reason_frame)
        self.reason_label = QLabel("Reason:")
        self.reason_label.setObjectName("reasonLabel")
        self.reason_label.setWordWrap(True)  # "Send Rx … back to intake — what to correct:" never widens the screen
        self.reason = QLineEdit()
        self.reason.setObjectName("reason")
        self.reason.setPlaceholderText("Type the reason, Enter to confirm, Esc to cancel")
        self.reason_label.setBuddy(self.reason)
        reason_layout.addWidget(self.reason_label)
        reason_layout.addWidget(self.reason, 1)
        self.reason_frame.setVisible(False)
        self.reason.installEventFilter(self)
        work_layout.addWidget(self.reason_frame)

        self.message = QLabel("")
        self.message.setObjectName("reviewMessage")
        self.message.setWordWrap(True)
        work_layout.addWidget(self.message)

        # the decisions on the whole prescription: the way back on the left, approve on the right
        actions = QHBoxLayout()
        self.back_button = QPushButton("Back to intake… (Alt+B)")
        self.reject_button = QPushButton("Reject… (Alt+R)")
        self.approve_button = QPushButton("Approve (Ctrl+Enter)")
        self.approve_button.setObjectName("approveButton")
        for button, slot in (
            (self.ack_button, self.acknowledge),
            (self.override_button, self.start_override),
            (self.back_button, self.start_back_to_intake),
            (self.reject_button, self.start_reject),
            (self.approve_button, self.approve),
            (self.rerun_button, self.rerun_dur),
        ):
            button.clicked.connect(slot)
        actions.addWidget(self.back_button)
        actions.addWidget(self.reject_button)
        actions.addStretch(1)
        actions.addWidget(self.approve_button)
        work_layout.addLayout(actions)
        splitter.addWidget(work)
        # the queue (two-line rows, readable drug names) keeps about two fifths of the width; neither side
        # can be dragged away entirely
        splitter.setChildrenCollapsible(False)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([385, 575])

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
        order = [
            self.queue,
            self.alerts,
            self.rerun_button,
            self.ack_button,
            self.override_button,
            self.back_button,
            self.reject_button,
            self.approve_button,
        ]
        for first, second in zip(order, order[1:]):
            QWidget.setTabOrder(first, second)
        self._show_detail(None)
        self.refresh_count()

    def meds_height(self, count: int) -> int:
        """The list's height for ``count`` medications of three lines each."""
        return (
            self.meds.fontMetrics().lineSpacing() * 3 + 2 * self.meds.spacing() + 2
        ) * count + 2 * self.meds.frameWidth()

    # -- screen hooks --------------------------------------------------------------------------

    def activate(self) -> None:
        self.refresh_queue()
        self.queue.setFocus()

    def on_change(self, notice: dict[str, Any]) -> None:
        if notice.get("topic") != "prescriptions":
            return
        if self.isVisible():
            self.refresh_queue()
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

        run_in_background(self, lambda: review.queue_size(factory), counted, lambda exc: None)

    def queue_count(self) -> int | None:
        return self._count

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
            lambda: review.review_queue(factory, actor),
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

    def _show_detail(self, detail: ReviewDetail | None, *, keep_alert: int | None = None) -> None:
        self.detail = detail
        self._cancel_reason()
        for button in (
            self.ack_button,
            self.override_button,
            self.back_button,
            self.reject_button,
            self.approve_button,
            self.rerun_button,
        ):
            button.setEnabled(detail is not None and detail.status == RxStatus.RECEIVED)
        if detail is None:
            self.drug_title.setText("Choose a prescription in the queue")
            self.banner.show_profile(None)
            self.meds.clear()
            self.meds_box.setTitle("Active medications")
            self.rx_text.setText("")
            self.alerts.clear()
            return
        stat = "STAT · " if detail.is_stat else ""
        self.drug_title.setText(f"{stat}{detail.drug_line}")
        self.banner.show_profile(detail.patient, details=False)  # insurance is not a clinical question
        conditions = [c.condition_name for c in detail.patient.form.conditions if c.is_active]
        self.banner.extra.setText(f"Conditions: {', '.join(conditions)}" if conditions else "")
        self.meds.clear()
        for med in detail.active_medications:
            item = QListWidgetItem(med_text(med))
            item.setToolTip(med_text(med).replace("\n    ", "\n"))
            self.meds.addItem(item)
        if not detail.active_medications:
            self.meds.addItem("No other active prescriptions")
        self.meds_box.setTitle(f"Active medications ({len(detail.active_medications)})")
        self.rx_text.setText(self._rx_html(detail))
        self.alerts.clear()
        for alert in detail.alerts:
            item = QListWidgetItem(alert_text(alert))
            _, _, colour, background = alert_style(alert)
            item.setForeground(QBrush(QColor(colour)))
            item.setBackground(QBrush(QColor(background)))
            if alert.status != DurStatus.PASSED and not alert.resolved:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            icon = {
                "✖": QStyle.StandardPixmap.SP_MessageBoxCritical,
                "⚠": QStyle.StandardPixmap.SP_MessageBoxWarning,
                "✔": QStyle.StandardPixmap.SP_DialogApplyButton,
            }.get(alert_style(alert)[0])
            if icon is not None:
                item.setIcon(self.style().standardIcon(icon))
            item.setData(Qt.ItemDataRole.UserRole, alert.validation_id)
            self.alerts.addItem(item)
        first_open = next((i for i, a in enumerate(detail.alerts) if a.is_alert and not a.resolved), None)
        row = keep_alert if keep_alert is not None else (first_open if first_open is not None else 0)
        if detail.alerts:
            self.alerts.setCurrentRow(min(row, len(detail.alerts) - 1))
        self._status_line()

    def _status_line(self, done: str = "") -> None:
        """What the pharmacist does next; ``done`` ("Acknowledged.") says first what just happened."""
        detail = self.detail
        if detail is None:
            return
        done = f"{done} " if done else ""
        if detail.status != RxStatus.RECEIVED:
            self._say(f"{done}Rx {detail.rx_number} is {detail.status}.", PASSED)
        elif detail.returned_note:
            self._say(f"{done}↩ Sent back to intake: {detail.returned_note}", WARNING)
        elif detail.open_alerts:
            stops = sum(1 for a in detail.open_alerts if a.needs_override)
            warns = len(detail.open_alerts) - stops
            parts = ([f"✖ {stops} hard stop(s): override with a reason (Alt+O)"] if stops else []) + (
                [f"⚠ {warns} warning(s): acknowledge (Alt+A)"] if warns else []
            )
            lead = "Still open" if done else "Not ready to approve"
            self._say(f"{done}{lead} — " + "; ".join(parts) + ".", STOP_TEXT)
        elif any(a.is_alert for a in detail.alerts):
            self._say(f"✓ {done}All alerts resolved: Ctrl+Enter approves Rx {detail.rx_number}.", PASSED)
        else:
            self._say(f"✓ {done}No DUR alerts: Ctrl+Enter approves Rx {detail.rx_number}.", PASSED)

    @staticmethod
    def _rx_html(d: ReviewDetail) -> str:
        def esc(text: object) -> str:
            return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

        rows = [
            ("Rx", f"{esc(d.rx_number)} · {esc(d.source)}" + (" · <b>STAT</b>" if d.is_stat else "")),
            (
                "Prescriber",
                f"{esc(d.prescriber_name)}<br>NPI {esc(d.prescriber_npi)} · DEA {esc(d.prescriber_dea or '—')}",
            ),
            ("Written", f"{d.written_date:%m/%d/%Y} · expires {d.expiration_date:%m/%d/%Y}"),
        ]
        for item in d.items:
            schedule = f" <b>[{esc(item.schedule)}]</b>" if item.schedule else ""
            if len(d.items) > 1:  # one drug: it is the screen's title, in large type, already
                rows.append(("Drug", f"<b>{esc(item.drug)}</b>{schedule}"))
            rows += [
                (
                    "Quantity",
                    f"{esc(item.quantity)} {esc(item.quantity_unit)} · {item.days_supply} days · "
                    f"{'No refills' if not item.refills else f'{item.refills} refills'} · DAW {esc(item.daw_code)}",
                ),
                ("SIG", f"{esc(item.sig)}<br><b>“{esc(item.directions)}”</b>"),
            ]
        if d.notes:
            rows.append(("Notes", esc(d.notes)))
        if d.received_by:
            rows.append(("Entered by", esc(d.received_by)))
        body = "".join(f"<tr><td style='color:{HINT};padding-right:8px'>{k}</td><td>{v}</td></tr>" for k, v in rows)
        return f"<table>{body}</table>"

    def _say(self, text: str, colour: str) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {colour}; font-weight: bold;")

    # -- actions ---------------------------------------------------------------------------------

    def current_alert(self) -> Alert | None:
        if self.detail is None:
            return None
        row = self.alerts.currentRow()
        return self.detail.alerts[row] if 0 <= row < len(self.detail.alerts) else None

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
                "✖ A hard stop cannot just be acknowledged: Alt+O overrides it with a reason, "
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
        factory, actor = self.context.uow_factory, self.actor

        def confirm(reason: str) -> None:
            run_in_background(
                self,
                lambda: review.override_alert(factory, actor, alert.validation_id, reason),
                lambda _: self._after_change("Override recorded."),
                self._failed,
            )

        self._ask(f"Override reason for “{alert.check_label}”:", confirm)

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

        def done(result: ReviewDetail) -> None:
            self._say(f"✓ Rx {result.rx_number} validated: it goes to the fill queue.", PASSED)
            self.detail = None
            self.refresh_queue()
            self.queue.setFocus()

        run_in_background(
            self,
            lambda: review.approve(factory, actor, rx_id, expected_version=version),
            done,
            self._failed,
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
            self._say("✖ " + exc.message, STOP_TEXT)
            if self._reason_action is not None:
                self.reason.setFocus()
            return
        show_error(self, exc)

    # -- reason line ----------------------------------------------------------------------------

    def _ask(self, label: str, action: Callable[[str], None]) -> None:
        self._reason_action = action
        self.reason_label.setText(label)
        self.reason.clear()
        self.reason_frame.setVisible(True)
        self.reason.setFocus()

    def _cancel_reason(self) -> None:
        self._reason_action = None
        self.reason_frame.setVisible(False)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if obj is self.reason and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if (
                event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and not event.modifiers() & Qt.KeyboardModifier.ControlModifier
            ):
                action, text = self._reason_action, self.reason.text()
                if action is not None:
                    if len(" ".join(text.split())) < review.MIN_REASON:
                        self._say("✖ Type the reason (a few words) first, then Enter. Esc cancels.", STOP_TEXT)
                        return True
                    self._cancel_reason()
                    self.alerts.setFocus()
                    action(text)
                return True
            if event.key() == Qt.Key.Key_Escape:
                self._cancel_reason()
                self.alerts.setFocus()
                self._status_line()
                return True
        return False
