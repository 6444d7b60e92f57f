"""The patient screen's "Contact" tab: how the pharmacy may contact the patient, and what it sent.

Preferences (the channel, consent with who recorded it and when, opt-out per channel) are saved
together with "Save preferences" (Alt+P); the patient screen's Ctrl+S stays the profile's save. A save
moves the patient's version: ``saved`` hands the new state to the screen so its open form stays
current. Below, the patient's messages, newest first, with their status; the one selected is shown
in full (what the patient read, and why a message failed).
"""

from __future__ import annotations

import datetime as dt
import uuid

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
from pharmacy_desktop.services import notification_admin
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.notification_admin import ContactPreferences, MessageRow, PatientMessages
from pharmacy_desktop.ui.ops import run_in_background, user_message
from pharmacy_desktop.ui.signin import ErrorLine
from pharmacy_desktop.ui.style import HINT_STYLE, PASSED_STYLE
from pharmacy_desktop.ui.table_models import RowsModel
from pharmacy_desktop.ui.widgets.status_label import StatusLabel

CHANNEL_CHOICES = (
    ("sms", "Text message (SMS)"),
    ("email", "E-mail"),
    ("phone", "Phone call by staff (no automatic messages)"),
    ("mail", "Mail (no automatic messages)"),
    ("none", "Do not contact"),
)


def _when(value: dt.datetime | None) -> str:
    return value.astimezone().strftime("%m/%d/%Y %H:%M") if value is not None else ""


def message_detail(row: MessageRow) -> str:
    """The selected message in full, as rich text (what the patient read, and why it failed)."""
    esc = _escape
    lines = [f"<b>{esc(row.event_title)}</b> by {esc(row.channel_title)} to {esc(row.recipient)} — {row.status_title}"]
    if row.subject:
        lines.append(f"<b>Subject:</b> {esc(row.subject)}")
    lines.append("<br>".join(line for line in esc(row.message).splitlines() if line.strip()))
    if row.error and row.status not in ("sent", "delivered"):
        lines.append(f"<b>Problem:</b> {esc(row.error)}")
    if row.status == "pending" and row.next_attempt_at is not None:
        lines.append(f"Goes out at {_when(row.next_attempt_at)} (try {row.tries + 1} of {max(row.max_tries, 1)}).")
    return "<br>".join(lines)


def _escape(text: str) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class PatientNotificationsPanel(QWidget):
    saved = Signal(object)  # PatientMessages after a save (the patient's new version)

    def __init__(self, uow_factory: UnitOfWorkFactory, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("patientMessages")
        self.uow_factory, self.actor = uow_factory, actor
        self.patient_id: uuid.UUID | None = None
        self.view: PatientMessages | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)

        box = QGroupBox("How the pharmacy may contact this patient")
        form = QFormLayout(box)
        self.channel = QComboBox()
        self.channel.setObjectName("messageChannel")
        for value, text in CHANNEL_CHOICES:
            self.channel.addItem(text, value)
        form.addRow("S&end messages by", self.channel)
        label = form.labelForField(self.channel)
        if isinstance(label, QLabel):
            label.setBuddy(self.channel)
        consent_row = QHBoxLayout()
        self.consent = QCheckBox("Consent &given to be contacted")
        self.consent.setObjectName("messageConsent")
        self.consent_note = QLabel()
        self.consent_note.setObjectName("consentNote")
        self.consent_note.setStyleSheet(HINT_STYLE)
        consent_row.addWidget(self.consent)
        consent_row.addWidget(self.consent_note, 1)
        form.addRow(consent_row)
        opt_row = QHBoxLayout()
        self.sms_opt_out = QCheckBox("&Opted out of text messages (STOP)")
        self.sms_opt_out.setObjectName("smsOptOut")
        self.email_opt_out = QCheckBox("Opted out of e-ma&il")
        self.email_opt_out.setObjectName("emailOptOut")
        self.save_button = QPushButton("Save &preferences")
        self.save_button.setObjectName("savePreferences")
        self.save_button.clicked.connect(lambda _=False: self.save())
        opt_row.addWidget(self.sms_opt_out)
        opt_row.addWidget(self.email_opt_out)
        opt_row.addStretch(1)
        form.addRow(opt_row)
        save_row = QHBoxLayout()  # on a row of its own: the options fit a 1024 px display
        save_row.addStretch(1)
        save_row.addWidget(self.save_button)
        form.addRow(save_row)
        self.sends_to = StatusLabel()
        self.sends_to.setObjectName("messageSendsTo")
        self.sends_to.setWordWrap(True)
        form.addRow(self.sends_to)
        outer.addWidget(box)

        self.error = ErrorLine()
        outer.addWidget(self.error)

        self.model: RowsModel[MessageRow] = RowsModel(
            [
                ("Written", "created_at"),
                ("Message", lambda r: r.event_title),
                ("By", lambda r: r.channel_title),
                ("Status", lambda r: r.status_title),
                ("Tries", "tries"),
                ("Last change", lambda r: r.last_event_at),
            ]
        )
        self.table = QTableView()
        self.table.setObjectName("patientMessageHistory")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_selected())
        outer.addWidget(self.table, 1)
        self.detail = QLabel()
        self.detail.setObjectName("patientMessageDetail")
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.detail.setMinimumHeight(60)
        outer.addWidget(self.detail)
        self._editable(False)

    # -- load ---------------------------------------------------------------------------------------

    def set_actor(self, actor: Actor) -> None:
        self.actor = actor
        self._editable(self.view is not None)

    def show_patient(self, patient_id: uuid.UUID | None) -> None:
        """Load ``patient_id``'s preferences and messages (None: forget what is shown)."""
        self.patient_id = patient_id
        self.view = None
        self.model.set_rows([])
        self.detail.setText("")
        self.error.show_message("")
        self.sends_to.setText("" if patient_id else "Save the new patient first; then set how to contact them.")
        self.consent_note.setText("")
        self._editable(False)
        if patient_id is None:
            return
        factory, actor = self.uow_factory, self.actor
        run_in_background(
            self,
            lambda: notification_admin.patient_messages(factory, actor, patient_id),
            self._show,
            self._problem,
        )

    def _show(self, view: PatientMessages) -> None:
        if view.patient_id != self.patient_id:
            return  # another patient was opened meanwhile
        self.view = view
        prefs = view.preferences
        index = self.channel.findData(prefs.channel)
        self.channel.setCurrentIndex(max(index, 0))
        self.consent.setChecked(prefs.consent)
        self.sms_opt_out.setChecked(prefs.sms_opt_out)
        self.email_opt_out.setChecked(prefs.email_opt_out)
        notes = []
        if view.consent_at is not None:
            notes.append(f"recorded {_when(view.consent_at)}" + (f" by {view.consent_by}" if view.consent_by else ""))
        for what, at in (("texts", view.sms_opt_out_at), ("e-mail", view.email_opt_out_at)):
            if at is not None:
                notes.append(f"no {what} since {_when(at)}")
        self.consent_note.setText(" · ".join(notes))
        self.sends_to.setText(view.sends_to)
        self.sends_to.setStyleSheet(PASSED_STYLE if view.sends_to.startswith("Messages go") else HINT_STYLE)
        self.model.set_rows(view.messages)
        if view.messages:
            self.table.selectRow(0)
        else:
            self.detail.setText("No messages sent to this patient yet.")
        self._editable(True)

    def _editable(self, loaded: bool) -> None:
        can = loaded and self.actor.can(notification_admin.EDIT)
        for widget in (self.channel, self.consent, self.sms_opt_out, self.email_opt_out, self.save_button):
            widget.setEnabled(can)

    def _show_selected(self) -> None:
        index = self.table.selectionModel().currentIndex()
        if not index.isValid() or index.row() >= self.model.rowCount():
            return
        self.detail.setText(message_detail(self.model.row(index.row())))

    # -- save ---------------------------------------------------------------------------------------

    def preferences(self) -> ContactPreferences:
        return ContactPreferences(
            str(self.channel.currentData()),
            self.consent.isChecked(),
            self.sms_opt_out.isChecked(),
            self.email_opt_out.isChecked(),
        )

    def save(self) -> None:
        if self.patient_id is None or self.view is None or not self.save_button.isEnabled():
            return
        factory, actor, patient_id, prefs = self.uow_factory, self.actor, self.patient_id, self.preferences()
        self.save_button.setEnabled(False)
        run_in_background(
            self,
            lambda: notification_admin.save_preferences(factory, actor, patient_id, prefs),
            self._saved,
            self._problem,
            busy_message="Saving contact preferences…",
        )

    def _saved(self, view: PatientMessages) -> None:
        self._show(view)
        self.error.show_message("")
        self.sends_to.say("passed", f"Saved. {view.sends_to}")
        self.saved.emit(view)

    def _problem(self, exc: Exception) -> None:
        self._editable(self.view is not None)
        self.error.show_message(user_message(exc))
