"""F11 Patient messages: the pharmacy-wide list of messages that failed or still wait; resend, cancel.

Failed and bounced messages come first (a person has to act), then those waiting to go out (quiet
hours, a retry after a failure) and any being sent right now. Resend (Ctrl+R) tries the same
message again at once, to the address the patient has now (fix a bounced e-mail on the patient
screen, F9, then resend); Delete cancels after a second Delete (Esc keeps it). The navigation shows
how many failed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QWidget

from pharmacy_desktop.domain.clock import utcnow
from pharmacy_desktop.domain.outcomes import UNDELIVERABLE, NotificationStatus
from pharmacy_desktop.domain.places import Place
from pharmacy_desktop.services import notification_admin
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.notification_admin import MessageRow
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.keys import key_for
from pharmacy_desktop.ui.ops import run_in_background, user_message
from pharmacy_desktop.ui.screens.base import Screen, page_layout, shortcut
from pharmacy_desktop.ui.signin import ErrorLine
from pharmacy_desktop.ui.style import PASSED_STYLE, WARNING_STYLE
from pharmacy_desktop.ui.table_models import RowsModel
from pharmacy_desktop.ui.widgets.column_fit import fit_columns
from pharmacy_desktop.ui.widgets.patient_notifications import message_detail
from pharmacy_desktop.ui.widgets.pick_list import choose_again, chosen_row, detail_label, pick_table
from pharmacy_desktop.ui.widgets.status_label import StatusLabel


def _next_try(row: MessageRow) -> Any:
    return row.next_attempt_at if row.status == NotificationStatus.PENDING else None


class MessagesScreen(Screen):
    key = key_for(Place.MESSAGES)
    title = "Patient messages"
    permission = "patient.view"
    slug = "messages"
    help_keys = (
        ("Up/Down", "choose a message"),
        ("Ctrl+R", "send it again now (to the patient's current address)"),
        ("Delete, Delete", "cancel it (the second Delete confirms; Esc keeps it)"),
        ("Alt+F", "only failed messages / all that wait"),
        ("Ctrl+L", "reload"),
    )

    def __init__(self, context: AppContext, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(context, actor, parent)
        self._failed = 0
        self._selected: uuid.UUID | None = None
        self._armed: uuid.UUID | None = None  # the message a first Delete asked to cancel
        layout = page_layout(
            self,
            "Patient messages",
            "Texts and e-mails to patients that did not go out, or wait to. Resend one after fixing the "
            "patient's number or address (patients, F9), or cancel it when it is no longer true.",
        )
        bar = QHBoxLayout()
        self.failed_only = QCheckBox("Only &failed messages")
        self.failed_only.setObjectName("failedOnly")
        self.failed_only.toggled.connect(lambda _: self._filter())
        self.counts = QLabel()
        self.counts.setObjectName("messageCounts")
        bar.addWidget(self.failed_only)
        bar.addStretch(1)
        bar.addWidget(self.counts)
        layout.addLayout(bar)

        self.all_rows: list[MessageRow] = []
        self.model: RowsModel[MessageRow] = RowsModel(
            [
                ("Status", lambda r: r.status_title),
                ("Message", lambda r: r.event_title),
                ("Patient", "patient_name"),
                ("By", lambda r: r.channel_title),
                ("To", "recipient"),
                ("Tries", "tries"),
                ("Written", "created_at"),
                ("Next try", _next_try),
            ]
        )
        self.table = pick_table(self.model, "outstandingMessages", "Outstanding messages", row_height=30)
        # the address takes the room left (its start kept; the detail below has it whole); the
        # message kind gives way to it first, the name and the times last
        fit_columns(self.table, stretch=4, shrink=(1,), keep=lambda text: text[:20], floor_chars=12)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_selected())
        layout.addWidget(self.table, 3)

        self.detail = detail_label("messageDetail", min_height=90)
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.detail, 1)

        self.error = ErrorLine()
        self.notice = StatusLabel()  # a done step: the passed icon beside the words
        self.notice.setObjectName("messageNotice")
        self.notice.setWordWrap(True)
        layout.addWidget(self.error)
        layout.addWidget(self.notice)

        buttons = QHBoxLayout()
        self.resend_button = QPushButton("Resend now (Ctrl+R)")
        self.resend_button.setObjectName("resendMessage")
        self.cancel_button = QPushButton("Cancel message (Del)")
        self.cancel_button.setObjectName("cancelMessage")
        self.reload_button = QPushButton("Reload (Ctrl+L)")
        self.reload_button.setObjectName("reloadMessages")
        for button in (self.resend_button, self.cancel_button, self.reload_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.resend_button.clicked.connect(self.resend)
        self.cancel_button.clicked.connect(self.cancel)
        self.reload_button.clicked.connect(self.reload)
        shortcut(self, "Ctrl+R", self.resend)
        shortcut(self, "Delete", self.cancel)
        shortcut(self, "Escape", self._disarm)
        shortcut(self, "Ctrl+L", self.reload)
        self._show_selected()

    # -- screen hooks -------------------------------------------------------------------------------

    def activate(self) -> None:
        self.reload()
        self.table.setFocus()

    def on_change(self, notice: dict[str, Any]) -> None:
        if notice.get("topic") == "notifications" and self.isVisible():
            self.reload()

    def queue_count(self) -> int | None:
        return self._failed or None

    @classmethod
    def nav_count(cls, context: AppContext, actor: Actor) -> int | None:
        """What ``queue_count`` shows (failed or bounced messages), before the screen is built: the
        sidebar has it at sign-in (on a pool thread; the shell builds a screen when it is first shown)."""
        rows = notification_admin.outstanding_messages(context.uow_factory, actor)
        return sum(1 for r in rows if r.status in UNDELIVERABLE) or None

    def clear_sensitive(self) -> None:
        self.all_rows = []
        self.model.set_rows([])
        self.detail.setText("")
        self._say("")

    # -- data -----------------------------------------------------------------------------------------

    def reload(self) -> None:
        factory, actor = self.context.uow_factory, self.actor
        run_in_background(
            self,
            lambda: notification_admin.outstanding_messages(factory, actor),
            self._loaded,
            lambda exc: self._problem(exc, "The messages could not be loaded: "),
        )

    def _loaded(self, rows: list[MessageRow]) -> None:
        self.all_rows = rows
        failed = sum(1 for r in rows if r.status in UNDELIVERABLE)
        if failed != self._failed:
            self._failed = failed
            self.counts_changed()
        waiting = sum(1 for r in rows if r.status == NotificationStatus.PENDING)
        self.counts.setText(f"{failed} failed · {waiting} waiting · {len(rows) - failed - waiting} being sent")
        self._filter()

    def _filter(self) -> None:
        keep = self._selected
        rows = [r for r in self.all_rows if not self.failed_only.isChecked() or r.status in UNDELIVERABLE]
        self.model.set_rows(rows)
        choose_again(self.table, rows, keep, lambda r: r.id)
        self._show_selected()

    def selected(self) -> MessageRow | None:
        return chosen_row(self.table, self.model)

    def _show_selected(self) -> None:
        row = self.selected()
        if row is None or row.id != self._armed:
            self._armed = None
        self._selected = row.id if row else None
        can = bool(row and row.open and self.actor.can(notification_admin.EDIT))
        self.resend_button.setEnabled(can)
        self.cancel_button.setEnabled(can)
        if row is None:
            self.detail.setText("Every message went out: nothing failed or waits." if not self.all_rows else "")
            return
        self.detail.setText(f"<b>{_esc(row.patient_name)}</b> ({row.patient_number})<br>{message_detail(row)}")

    # -- actions --------------------------------------------------------------------------------------

    def _chosen(self) -> MessageRow | None:
        row = self.selected()
        if row is None:
            self._say("Choose a message first (Up/Down).", WARNING_STYLE)
        elif not self.actor.can(notification_admin.EDIT):
            self._say("Resending and cancelling messages needs a technician or pharmacist.", WARNING_STYLE)
            return None
        return row

    def resend(self) -> None:
        row = self._chosen()
        if row is None:
            return
        self._armed = None
        factory, actor = self.context.uow_factory, self.actor
        run_in_background(
            self,
            lambda: notification_admin.resend_message(factory, actor, row.id),
            lambda done: self._done(f"The message to {row.patient_name} goes out again {_when_text(done)}."),
            self._problem,
            busy_message="Resending…",
        )

    def cancel(self) -> None:
        row = self._chosen()
        if row is None:
            return
        if self._armed != row.id:
            self._armed = row.id
            self._say(
                f"Cancel the {row.event_title.lower()} message to {row.patient_name}? Press Delete again to "
                "cancel it, Esc to keep it.",
                WARNING_STYLE,
            )
            return
        self._armed = None
        factory, actor = self.context.uow_factory, self.actor
        run_in_background(
            self,
            lambda: notification_admin.cancel_message(factory, actor, row.id),
            lambda _: self._done(f"The message to {row.patient_name} was cancelled; it will not be sent."),
            self._problem,
            busy_message="Cancelling…",
        )

    def _disarm(self) -> None:
        if self._armed is not None:
            self._armed = None
            self._say("Kept.")

    def _done(self, text: str) -> None:
        self._say(text, PASSED_STYLE)
        self.notice.say("passed", text)
        self._wake_sender()
        self.reload()
        self.table.setFocus()

    def _wake_sender(self) -> None:
        """Wake the notification sender if the context carries one (resend: at once, not at its next
        look); without one, the sender on the pharmacy's sending workstation takes it at its next pass."""
        sender = getattr(self.context, "notification_sender", None)
        wake = getattr(sender, "wake", None)
        if callable(wake):
            wake()

    def _say(self, text: str, style: str = "") -> None:
        self.error.show_message("")
        self.notice.setText(text)
        self.notice.setStyleSheet(style)

    def _problem(self, exc: Exception, prefix: str = "") -> None:
        self.notice.setText("")
        self.error.show_message(prefix + user_message(exc))


def _when_text(row: MessageRow) -> str:
    at = row.next_attempt_at
    if at is None or at <= utcnow() + dt.timedelta(minutes=1):
        return "now"
    return f"at {at.astimezone():%m/%d/%Y %H:%M} (after quiet hours)"


def _esc(text: str) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
