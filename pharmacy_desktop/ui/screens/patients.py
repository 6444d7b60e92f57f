"""F9 Patients: find, open, create and edit patients from the keyboard.

Search on the left (Enter opens), the profile on the right with the allergies always in view.
Ctrl+S saves; Alt+N starts a new patient. A possible duplicate is shown with the matching
patients (Alt+Y creates anyway). When another workstation saved first, the changes they made are
listed; Alt+K keeps your edits on top of theirs (then Ctrl+S), Alt+L loads theirs.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.domain.places import Place
from pharmacy_desktop.errors import ValidationFailed
from pharmacy_desktop.services import patients
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.notification_admin import PatientMessages
from pharmacy_desktop.services.patient_forms import PatientChanged, PatientHit, PatientProfile, PossibleDuplicate
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.keys import key_for
from pharmacy_desktop.ui.ops import run_in_background, show_error
from pharmacy_desktop.ui.screens.base import Screen, heading, shortcut
from pharmacy_desktop.ui.style import (
    ERROR,
    FOCUS,
    PASSED,
    STOP_BACKGROUND,
    STOP_BORDER,
    TEXT,
    WARNING,
    WARNING_BACKGROUND,
    WARNING_BORDER,
)
from pharmacy_desktop.ui.widgets.patient_banner import PatientBanner
from pharmacy_desktop.ui.widgets.patient_form import PatientFormWidget
from pharmacy_desktop.ui.widgets.patient_notifications import PatientNotificationsPanel
from pharmacy_desktop.ui.widgets.patient_search import PatientSearch
from pharmacy_desktop.ui.widgets.status_label import StatusLabel

PANEL_STYLE = "QFrame#{name} {{ border: 2px solid {colour}; border-radius: 4px; background: {background}; }}"


class PatientsScreen(Screen):
    key = key_for(Place.PATIENTS)
    title = "Patients"
    permission = "patient.view"
    help_keys = (
        ("Type", "search by name (last, first), date of birth, phone or patient number"),
        ("Enter / Down", "open the highlighted patient / move into the results"),
        ("Ctrl+S", "save"),
        ("Alt+N", "new patient"),
        ("Alt+1 … Alt+6", "details, allergies, conditions, insurance, prescribers, contact and messages"),
        ("Alt+P", "on Contact: save how the patient may be contacted"),
        ("Insert / Ctrl+Delete", "add / remove a row in a list"),
        ("Alt+Y", "create anyway (not a duplicate)"),
        ("Alt+K / Alt+L", "after a conflict: keep mine / load theirs"),
    )

    def __init__(self, context: AppContext, actor: Actor, parent: QWidget | None = None):
        super().__init__(context, actor, parent)
        self.profile: PatientProfile | None = None
        self.conflict: PatientChanged | None = None
        self.duplicates: list[PatientHit] = []
        factory = context.uow_factory

        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 6, 8, 6)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        outer.addWidget(splitter, 1)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(heading("Find a patient", 2))
        self.search = PatientSearch(
            lambda text: patients.search_patients(factory, self.actor, text), placeholder="Name, DOB or phone"
        )
        self.search.edit.setToolTip("Name, DOB or phone: name (last, first), date of birth, phone or patient number")
        self.search.results.setMaximumHeight(16777215)
        self.search_hint = QLabel(
            "Type a patient's name (last, first), date of birth, phone or patient number; "
            "Enter opens the one selected. No such patient yet? Alt+N adds one."
        )
        self.search_hint.setObjectName("patientSearchHint")
        self.search_hint.setProperty("role", "hint")
        self.search_hint.setWordWrap(True)
        self.search.edit.textChanged.connect(lambda text: self.search_hint.setVisible(not text.strip()))
        search_layout = self.search.layout()
        assert isinstance(search_layout, QVBoxLayout)  # SearchAsYouType's own
        search_layout.addStretch(1)
        self.search.chosen.connect(lambda hit: self.open_patient(hit.patient_id))
        left_layout.addWidget(self.search_hint)
        left_layout.addWidget(self.search, 1)
        self.new_button = QPushButton("New patient (Alt+N)")
        self.new_button.clicked.connect(self.new_patient)
        left_layout.addWidget(self.new_button)
        splitter.addWidget(left)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(8, 0, 0, 0)
        self.banner = PatientBanner()
        right_layout.addWidget(self.banner)

        self.notice = QFrame()
        self.notice.setObjectName("patientNotice")
        notice_layout = QVBoxLayout(self.notice)
        self.notice_text = StatusLabel()  # the warning/stop icon beside the notice's words
        self.notice_text.setObjectName("patientNoticeText")
        self.notice_text.setWordWrap(True)
        self.notice_text.setTextFormat(Qt.TextFormat.RichText)
        self.notice_text.setAlignment(
            Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft
        )  # the icon by the first line
        notice_layout.addWidget(self.notice_text)
        self.notice.setVisible(False)
        right_layout.addWidget(self.notice)

        self.form = PatientFormWidget()
        self.messages = PatientNotificationsPanel(factory, actor)  # issue 16: contact preferences, messages
        self.form.tabs.addTab(self.messages, "&6 Contact")
        # every tab in view on a narrow window (no scroll arrows hiding the last ones): a tab too
        # narrow for its title elides it, and its tooltip has it whole
        self.form.tabs.setUsesScrollButtons(False)
        self.form.tabs.setElideMode(Qt.TextElideMode.ElideRight)
        for index in range(self.form.tabs.count()):
            self.form.tabs.setTabToolTip(index, self.form.tabs.tabText(index).replace("&", ""))
        self.messages.saved.connect(self._preferences_saved)
        right_layout.addWidget(self.form, 1)
        bar = QHBoxLayout()
        self.message = StatusLabel()  # saved / not saved: the icon beside the words
        self.message.setObjectName("patientMessage")
        self.message.setWordWrap(True)
        self.save_button = QPushButton("Save (Ctrl+S)")
        self.save_button.setObjectName("savePatient")
        self.save_button.clicked.connect(self.save)
        bar.addWidget(self.message, 1)
        bar.addWidget(self.save_button)
        right_layout.addLayout(bar)
        splitter.addWidget(right)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([340, 900])
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)

        for keys, slot in (
            ("Ctrl+S", self.save),
            ("Alt+N", self.new_patient),
            ("Alt+Y", self.create_anyway),
            ("Alt+K", self.keep_mine),
            ("Alt+L", self.load_theirs),
        ):
            shortcut(self, keys, slot)
        self._enable(False)

    # -- screen hooks --------------------------------------------------------------------------

    def activate(self) -> None:
        if self.profile is None:
            self.search.edit.setFocus()

    def set_actor(self, actor: Actor) -> None:
        super().set_actor(actor)
        self.messages.set_actor(actor)

    def clear_sensitive(self) -> None:
        self.profile = None
        self.messages.show_patient(None)
        self.search.clear()
        self.banner.show_profile(None)
        self.form.set_form(None)
        self._notice(None)
        self._enable(False)

    def on_change(self, notice: dict[str, Any]) -> None:
        if (
            notice.get("topic") == "patients"
            and self.profile is not None
            and notice.get("id") == str(self.profile.patient_id)
            and notice.get("version") != self.profile.version  # not the version on screen (our own save)
        ):
            self._say(
                "ⓘ This patient was just changed on another workstation. Alt+L loads the new version "
                "(your unsaved edits would be lost); saving will show what changed.",
                FOCUS,
            )

    # -- open / new ------------------------------------------------------------------------------

    def _enable(self, on: bool) -> None:
        self.form.setEnabled(on)
        self.save_button.setEnabled(on and self.actor.can(patients.EDIT))

    def open_patient(self, patient_id: uuid.UUID) -> None:
        factory, actor = self.context.uow_factory, self.actor
        run_in_background(
            self,
            lambda: patients.open_patient(factory, actor, patient_id),
            self._opened,
            busy_message="Opening patient…",
        )

    def _opened(self, profile: PatientProfile) -> None:
        self.profile = profile
        self.messages.show_patient(profile.patient_id)
        self.conflict = None
        self.banner.show_profile(profile)
        self.form.set_form(profile.form)
        self._notice(None)
        self._enable(True)
        self._say(f"Opened {profile.display_name} ({profile.patient_number}).", TEXT)
        self.form.tabs.setCurrentIndex(0)
        self.form.fields["first_name"].setFocus()

    def new_patient(self) -> None:
        self.profile = None
        self.messages.show_patient(None)
        self.conflict = None
        self.banner.show_profile(None)
        self.banner.name.setText("New patient")
        self.form.set_form(None)
        self._notice(None)
        self._enable(True)
        self._say("New patient: fill in the details, then Ctrl+S.", TEXT)
        self.form.tabs.setCurrentIndex(0)
        self.form.fields["first_name"].setFocus()

    # -- save --------------------------------------------------------------------------------------

    def save(self, *, confirmed: bool = False) -> None:
        if not self.form.isEnabled():
            return
        form = self.form.form()
        factory, actor, original = self.context.uow_factory, self.actor, self.profile
        if original is None:
            work = lambda: patients.create_patient(factory, actor, form, confirmed_not_duplicate=confirmed)  # noqa: E731
        else:
            work = lambda: patients.update_patient(factory, actor, original, form)  # noqa: E731
        run_in_background(self, work, self._saved, self._failed, busy_message="Saving patient…")

    def create_anyway(self) -> None:
        if self.duplicates and self.profile is None:
            self.save(confirmed=True)

    def _saved(self, profile: PatientProfile) -> None:
        self._opened(profile)
        self._say(f"Saved {profile.display_name} ({profile.patient_number}).", PASSED)

    def _failed(self, exc: Exception) -> None:
        if isinstance(exc, PossibleDuplicate):
            self.duplicates = exc.matches
            rows = "".join(
                f"<li>{h.display_name} · DOB {h.date_of_birth:%m/%d/%Y} · {h.phone} · {h.patient_number}</li>"
                for h in exc.matches
            )
            self._notice(
                f"<b>Possible duplicate</b> — same name and date of birth:<ul>{rows}</ul>"
                "Open the existing patient from the search, or press <b>Alt+Y</b> to create a new one anyway.",
                WARNING_BORDER,
                WARNING_BACKGROUND,
            )
            self._say("Not saved yet: check the possible duplicate above.", WARNING)
            return
        if isinstance(exc, PatientChanged):
            self.conflict = exc
            rows = "".join(
                f"<tr><td><b>{c.label}</b></td><td>{_esc(c.before)}</td><td>{_esc(c.theirs)}</td>"
                f"<td>{_esc(c.yours) if c.yours is not None else '—'}{' (both changed)' if c.conflict else ''}</td></tr>"
                for c in exc.changes
            )
            self._notice(
                f"<b>Changed on another workstation — nothing was saved.</b><br>{_esc(exc.message)}"
                "<table cellpadding='3'><tr><th align='left'>Field</th><th align='left'>Was</th>"
                "<th align='left'>Their save</th><th align='left'>Your edit</th></tr>" + rows + "</table>"
                "<b>Alt+K</b> keeps your edits on top of theirs (then Ctrl+S) · <b>Alt+L</b> loads theirs.",
                STOP_BORDER,
                STOP_BACKGROUND,
            )
            self._say("Not saved: the patient changed meanwhile (details above).", ERROR)
            return
        if isinstance(exc, ValidationFailed):
            self.form.show_errors(exc.field_errors)
            self._say(exc.message, ERROR)
            return
        show_error(self, exc)

    def _preferences_saved(self, view: PatientMessages) -> None:
        """The Messages tab saved the contact preferences: the open profile takes the new version and
        channel, so Ctrl+S afterwards neither reports our own save as a conflict nor undoes it."""
        if self.profile is None or self.profile.patient_id != view.patient_id:
            return
        form = replace(self.profile.form, communication_preference=view.preferences.channel)
        self.profile = replace(self.profile, version=view.version, form=form)
        combo = self.form.fields["communication_preference"]
        if isinstance(combo, QComboBox):
            combo.setCurrentText(view.preferences.channel)

    def keep_mine(self) -> None:
        if self.conflict is None or self.profile is None:
            return
        current, original = self.conflict.current, self.profile
        self.form.apply_mine_over(current.form, original.form)
        self.profile = current
        self.banner.show_profile(current)
        self.conflict = None
        self._notice(None)
        self._say("Your edits are on top of the latest version: check them, then Ctrl+S.", FOCUS)

    def load_theirs(self) -> None:
        target = (
            self.conflict.current.patient_id if self.conflict else (self.profile.patient_id if self.profile else None)
        )
        if target is not None:
            self.open_patient(target)

    # -- messages -------------------------------------------------------------------------------------

    def _notice(self, html: str | None, colour: str = STOP_BORDER, background: str = STOP_BACKGROUND) -> None:
        if html is None:
            self.notice.setVisible(False)
            self.duplicates = []
            return
        self.notice.setStyleSheet(PANEL_STYLE.format(name="patientNotice", colour=colour, background=background))
        self.notice_text.say("stop" if colour == STOP_BORDER else "warning", html)
        self.notice.setVisible(True)

    def _say(self, text: str, colour: str) -> None:
        self.message.say({PASSED: "passed", ERROR: "stop", WARNING: "warning"}.get(colour), text)
        self.message.setStyleSheet(f"color: {colour}; font-weight: bold;")


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
