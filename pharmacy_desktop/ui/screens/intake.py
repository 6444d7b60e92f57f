"""F2 Intake: a new prescription from the keyboard (and the scanner for the drug).

Reading order is tab order: patient, prescriber, prescription (source, written, STAT, promised
time, notes), drug, quantity, unit, days supply, refills, SIG (live expansion), DAW. Picking a
patient fills in their preferred prescriber and moves on to the drug. Enter anywhere saves (except
in the patient and drug search, where Enter picks); errors appear under their field and focus
jumps to the first one. Prescriptions the pharmacist sent back are listed at the top with their
note; Enter on one loads it to correct. The promised time takes "4pm", "16:30", "+2h" (Alt+T).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.domain.dates import PromisedTimeError
from pharmacy_desktop.domain.places import Place
from pharmacy_desktop.errors import ValidationFailed
from pharmacy_desktop.services import intake, patients
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.patient_forms import PatientHit, PatientProfile, PrescriberEntry
from pharmacy_desktop.services.prescription_form import (
    DrugChoice,
    PrescriptionInput,
    ReturnedPrescription,
    SavedPrescription,
)
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.keys import key_for
from pharmacy_desktop.ui.later import Later
from pharmacy_desktop.ui.ops import run_in_background, show_error, user_message
from pharmacy_desktop.ui.screens.base import Screen, heading, shortcut
from pharmacy_desktop.ui.style import ERROR, PASSED, TEXT, WARNING_STYLE
from pharmacy_desktop.ui.widgets.drug_picker import DrugPicker
from pharmacy_desktop.ui.widgets.intake_boxes import FieldErrors, ItemBox, PatientBox, PrescriberBox, PrescriptionBox
from pharmacy_desktop.ui.widgets.reflow_columns import ReflowColumns
from pharmacy_desktop.ui.widgets.shrinkable_combo import ShrinkableCombo
from pharmacy_desktop.ui.widgets.sig_field import SigField
from pharmacy_desktop.ui.widgets.status_label import StatusLabel


class IntakeScreen(Screen):
    key = key_for(Place.INTAKE)
    title = "Intake — new prescription"
    permission = "prescription.enter"
    help_keys = (
        ("Enter", "in the patient or drug search: pick the highlighted one; elsewhere: save to review"),
        ("Down / Up", "move through search results"),
        ("Tab / Shift+Tab", "next / previous field"),
        ("Alt+P", "patient search"),
        ("Alt+D", "drug"),
        ("Alt+G", "SIG"),
        ("Alt+N", "clear the form for a new prescription"),
        ("Alt+T", "promised time: 4pm, 16:30, tomorrow 9am, +2h (read back under the field)"),
        ("Scan", "a stock bottle fills the drug"),
    )

    # made a turn or two after the screen first shows (the patient search first: it has the focus)
    prescriber_box: Later[PrescriberBox] = Later()
    rx_box: Later[PrescriptionBox] = Later()
    item_box: Later[ItemBox] = Later()
    preferred: Later[ShrinkableCombo] = Later()
    prescriber_name: Later[QLineEdit] = Later()
    prescriber_last: Later[QLineEdit] = Later()
    prescriber_npi: Later[QLineEdit] = Later()
    prescriber_dea: Later[QLineEdit] = Later()
    prescriber_phone: Later[QLineEdit] = Later()
    source: Later[ShrinkableCombo] = Later()
    written: Later[QLineEdit] = Later()
    stat: Later[QCheckBox] = Later()
    notes: Later[QLineEdit] = Later()
    promised: Later[QLineEdit] = Later()
    promised_hint: Later[StatusLabel] = Later()
    drug: Later[DrugPicker] = Later()
    quantity: Later[QLineEdit] = Later()
    unit: Later[QComboBox] = Later()
    days: Later[QLineEdit] = Later()
    sig: Later[SigField] = Later()
    refills: Later[QLineEdit] = Later()
    daw: Later[ShrinkableCombo] = Later()

    def __init__(self, context: AppContext, actor: Actor, parent: QWidget | None = None):
        super().__init__(context, actor, parent)
        self.profile: PatientProfile | None = None
        self.correcting: tuple[Any, int, str] | None = None  # (rx id, version, rx number)
        self.returned: list[ReturnedPrescription] = []
        self.saving = False
        self.last_saved: SavedPrescription | None = None
        uow_factory = context.uow_factory

        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 8, 12, 8)
        outer.setSpacing(6)
        top = QHBoxLayout()
        top.addWidget(heading("New prescription", 4), 1)
        self.mode = QLabel("")
        self.mode.setObjectName("intakeMode")
        top.addWidget(self.mode)
        outer.addLayout(top)

        self._outer = outer
        self._returned: tuple[QGroupBox, QListWidget] | None = None  # built when one is sent back (returned_box)

        self.columns = ReflowColumns(spacing=12, stretch=(5, 6))  # one column below ~800 px (1024x768)
        outer.addWidget(self.columns, 1)
        form = self.columns.widget()  # the boxes are made in it: styled once, not again when moved

        errors = FieldErrors()
        self.errors = errors.labels
        self._field_errors = errors
        self.patient_box = PatientBox(
            errors, lambda text: patients.search_patients(uow_factory, self.actor, text), form
        )
        self.columns.left.addWidget(self.patient_box)
        self.columns.left.addStretch(1)
        self.columns.right.addStretch(1)
        self.patient_search, self.banner = self.patient_box.patient_search, self.patient_box.banner
        self.patient_search.chosen.connect(self._patient_chosen)
        self.patient_search.edit.textEdited.connect(self._patient_search_edited)

        # -- actions --------------------------------------------------------------------------
        bar = QHBoxLayout()
        self.message = StatusLabel()  # saved / refused: the icon beside the words
        self.message.setObjectName("intakeMessage")
        self.message.setWordWrap(True)
        self.clear_button = QPushButton("New (Alt+N)")
        self.clear_button.setObjectName("clearButton")
        self.clear_button.clicked.connect(self.clear_form)
        self.save_button = QPushButton("Save to review queue (Enter)")
        self.save_button.setObjectName("saveButton")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        bar.addWidget(self.message, 1)
        bar.addWidget(self.clear_button)
        bar.addWidget(self.save_button)
        outer.addLayout(bar)

        search = self.patient_search.edit

        def focus_search() -> None:
            search.setFocus()
            search.selectAll()

        shortcut(self, "Alt+P", focus_search)
        shortcut(self, "Alt+N", self.clear_form)

        # the prescriber box, then the prescription and drug boxes, each in a turn of its own after this
        # one (bench/gui_stall.py: the whole form in the F2 turn was ~30 ms of the GUI thread); reading
        # one of their fields sooner builds them then (``Later``), and so does a key pressed in the
        # patient search before then (a mnemonic such as Alt+T finds its field)
        self._build_steps: list[Callable[[], None]] = [self._build_prescriber, self._build_right]
        search.installEventFilter(self)
        QTimer.singleShot(0, self, self._build_next)

    # -- the form's later parts ----------------------------------------------------------------

    def form_built(self) -> bool:
        return not self._build_steps

    def finish_build(self) -> None:
        """Makes what is not made yet of the form, now."""
        while self._build_steps:
            self._build_steps.pop(0)()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.ShortcutOverride and self._build_steps:
            self.finish_build()  # before Qt looks for the key's shortcut: the field it names is there
        return super().eventFilter(watched, event)

    def _build_next(self) -> None:
        if self._build_steps:
            self._build_steps.pop(0)()
        if self._build_steps:
            QTimer.singleShot(0, self, self._build_next)

    def _build_prescriber(self) -> None:
        pr = PrescriberBox(self._field_errors, self.columns.widget())
        self.columns.left.insertWidget(1, pr)  # under the patient, above the stretch
        pr.show()  # now (its mnemonics work at once), not at the layout's queued show
        self.prescriber_box = pr
        self.preferred = pr.preferred
        self.prescriber_name, self.prescriber_last, self.prescriber_npi = (
            pr.prescriber_name,
            pr.prescriber_last,
            pr.prescriber_npi,
        )
        self.prescriber_dea, self.prescriber_phone = pr.prescriber_dea, pr.prescriber_phone
        self.preferred.activated.connect(self._preferred_chosen)

    def _build_right(self) -> None:
        form = self.columns.widget()
        rx = PrescriptionBox(self._field_errors, form)
        it = ItemBox(self._field_errors, lambda text: intake.find_drugs(self.context.uow_factory, text), form)
        self.columns.right.insertWidget(0, rx)
        self.columns.right.insertWidget(1, it)
        rx.show()
        it.show()
        self.rx_box, self.item_box = rx, it
        self.source, self.written, self.stat, self.notes = rx.source, rx.written, rx.stat, rx.notes
        self.promised, self.promised_hint = rx.promised, rx.promised_hint
        self.drug, self.quantity, self.unit, self.days = it.drug, it.quantity, it.unit, it.days
        self.sig, self.refills, self.daw = it.sig, it.refills, it.daw
        self.drug.chosen.connect(self._drug_chosen)
        self._link_form()

    def _link_form(self) -> None:
        """The tab order through the whole form (reading order), and the columns stacked if they no
        longer fit side by side."""
        self.patient_search.edit.removeEventFilter(self)
        order = [
            *(w for box in self._boxes() for w in box.tab_order()),
            self.save_button,
            self.clear_button,
        ]
        for first, second in zip(order, order[1:]):
            QWidget.setTabOrder(first, second)
        if self._returned is not None:
            QWidget.setTabOrder(self._returned[1], self.patient_search.edit)
        self.columns.reflow()
        # Alt+D (drug) and Alt+G (SIG) come from the field labels' mnemonics

    @property
    def returned_box(self) -> QGroupBox:
        """The prescriptions the pharmacist sent back (hidden while there are none), built when first needed."""
        return self._returned_parts()[0]

    @property
    def returned_list(self) -> QListWidget:
        return self._returned_parts()[1]

    def _returned_parts(self) -> tuple[QGroupBox, QListWidget]:
        if self._returned is None:
            box = QGroupBox("Sent back by the pharmacist — Enter on one to correct it")
            rows = QListWidget()
            rows.setObjectName("returnedList")
            rows.setMaximumHeight(70)
            rows.itemActivated.connect(lambda item: self._load_returned(rows.row(item)))
            QVBoxLayout(box).addWidget(rows)
            box.setVisible(False)
            self._outer.insertWidget(1, box)  # under the title, above the form
            QWidget.setTabOrder(rows, self.patient_search.edit)  # first in the tab order, before the patient
            self._returned = (box, rows)
        return self._returned

    # -- screen hooks --------------------------------------------------------------------------

    def activate(self) -> None:
        self.refresh_returned()
        if self.profile is None:
            self.patient_search.edit.setFocus()

    def on_change(self, notice: dict[str, Any]) -> None:
        if notice.get("topic") == "prescriptions" and self.isVisible():
            self.refresh_returned()

    def queue_count(self) -> int | None:
        return len(self.returned) or None

    @classmethod
    def nav_count(cls, context: AppContext, actor: Actor) -> int | None:
        """The prescriptions sent back to intake, before the screen is built (on a pool thread): the
        number ``queue_count`` shows once it is (none: no count)."""
        if not actor.can(cls.permission or ""):
            return None
        return len(intake.returned_to_intake(context.uow_factory, actor)) or None

    def handle_scan(self, text: str) -> bool:
        factory = self.context.uow_factory
        run_in_background(
            self,
            lambda: intake.drug_from_scan(factory, text),
            lambda result: self.drug.show_choices(*result),
            busy_message="Looking up the bottle…",
        )
        return True

    def clear_sensitive(self) -> None:
        self.clear_form()
        self.returned = []
        if self._returned is not None:
            self.returned_list.clear()
            self.returned_box.setVisible(False)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if (
            event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        ):
            self.save()
            return
        super().keyPressEvent(event)

    # -- returned prescriptions ----------------------------------------------------------------

    def refresh_returned(self) -> None:
        factory, actor = self.context.uow_factory, self.actor
        run_in_background(
            self, lambda: intake.returned_to_intake(factory, actor), self._show_returned, lambda exc: None
        )

    def _show_returned(self, rows: list[ReturnedPrescription]) -> None:
        self.returned = rows
        if not rows and self._returned is None:
            return  # none sent back: nothing to build
        self.returned_list.clear()
        for r in rows:
            self.returned_list.addItem(f"↩ Rx {r.rx_number} · {r.patient_name} · {r.drug} — “{r.note}”")
        self.returned_box.setVisible(bool(rows))

    def _load_returned(self, row: int) -> None:
        if not 0 <= row < len(self.returned):
            return
        returned = self.returned[row]
        factory, actor = self.context.uow_factory, self.actor
        form = returned.form

        def load() -> tuple[PatientProfile, DrugChoice | None]:
            assert form.patient_id is not None  # a saved prescription has its patient
            profile = patients.open_patient(factory, actor, form.patient_id)
            item = form.items[0] if form.items else None
            drug = intake.drug_choice(factory, item.medication_id) if item and item.medication_id else None
            return profile, drug

        def loaded(result: tuple[PatientProfile, DrugChoice | None]) -> None:
            profile, drug = result
            self.clear_form()
            self.correcting = (returned.prescription_id, returned.version, returned.rx_number)
            self.mode.setText(f"Correcting Rx {returned.rx_number}: “{returned.note}”")
            self.mode.setStyleSheet(WARNING_STYLE)
            self._set_profile(profile, prefill=False)
            self.prescriber_box.set_prescriber(form.prescriber)
            self.rx_box.load(form)
            if form.items:
                self.item_box.load(form.items[0], drug)
            self.prescriber_name.setFocus()

        run_in_background(self, load, loaded, busy_message="Opening the prescription…")

    # -- patient and prescriber ----------------------------------------------------------------

    def _patient_search_edited(self, _text: str) -> None:
        # a new search un-chooses the patient: the banner always shows who the Rx is for
        if self.profile is not None:
            self.profile = None
            self.banner.show_profile(None)

    def _patient_chosen(self, hit: PatientHit) -> None:
        factory, actor = self.context.uow_factory, self.actor
        self.patient_search.edit.setText(hit.display_name)
        run_in_background(
            self,
            lambda: patients.open_patient(factory, actor, hit.patient_id),
            lambda profile: self._set_profile(profile, prefill=True),
            busy_message="Opening patient…",
        )

    def _set_profile(self, profile: PatientProfile, *, prefill: bool) -> None:
        self.profile = profile
        self.banner.show_profile(profile)
        self.patient_search.edit.setText(profile.display_name)
        self._set_error("patient", None)
        self.prescriber_box.set_choices(profile.form.prescribers)
        if prefill and profile.form.prescribers and not self.prescriber_box.has_name():
            self.preferred.setCurrentIndex(1)
            self._preferred_chosen(1)
        if prefill:
            # with the prescriber filled in, the next thing to type is the drug
            (self.drug.edit if self.prescriber_box.has_name() else self.prescriber_name).setFocus()

    def _preferred_chosen(self, index: int) -> None:
        p = self.preferred.itemData(index)
        if isinstance(p, PrescriberEntry):
            self.prescriber_box.set_prescriber(p)

    def _promised_edited(self, text: str) -> None:
        self.rx_box.promised_edited(text)

    def promised_at(self) -> dt.datetime | None:
        """The promised time typed, or None; raises ``PromisedTimeError`` when it is not a time."""
        return self.rx_box.promised_at()

    def _drug_chosen(self, choice: DrugChoice | None) -> None:
        if choice is None:
            return
        self.item_box.offer_units(choice.default_unit)
        self._set_error("items[0].drug", None)
        self.quantity.setFocus()

    # -- saving --------------------------------------------------------------------------------

    def form(self, promised_at: dt.datetime | None = None) -> PrescriptionInput:
        return PrescriptionInput(
            patient_id=self.profile.patient_id if self.profile else None,
            prescriber=self.prescriber_box.prescriber(),
            items=(self.item_box.item(),),
            written_date=self.rx_box.written_date(),
            source=self.source.currentData(),
            is_stat=self.stat.isChecked(),
            notes=self.notes.text() or None,
            promised_at=promised_at,
        )

    def save(self) -> None:
        if self.saving:
            return
        try:
            promised_at = self.promised_at()
        except PromisedTimeError as exc:
            self._promised_edited(self.promised.text())
            self._say(f"Promised time: {exc}", ERROR, "stop")
            self.promised.setFocus()
            self.promised.selectAll()
            return
        form = self.form(promised_at)
        factory, actor = self.context.uow_factory, self.actor
        correcting = self.correcting
        if correcting:
            rx_id, version, _ = correcting
            work = lambda: intake.correct_prescription(factory, actor, rx_id, version, form)  # noqa: E731
        else:
            work = lambda: intake.submit_prescription(factory, actor, form)  # noqa: E731
        self.saving = True
        self.save_button.setEnabled(False)
        self._say("Saving…", TEXT, "info")
        run_in_background(self, work, self._saved, self._failed, busy_message="Saving the prescription…")

    def _saved(self, saved: SavedPrescription) -> None:
        self.saving = False
        self.save_button.setEnabled(True)
        self.last_saved = saved
        name = self.profile.display_name if self.profile else ""
        alerts = ""
        if saved.blocking_alerts or saved.warnings:
            alerts = f" DUR: {saved.blocking_alerts} hard stop(s), {saved.warnings} warning(s) for the pharmacist."
        self.clear_form()
        self._say(
            f"Rx {saved.rx_number} saved for {name}: in the review queue.{alerts} Next prescription: type the patient.",
            PASSED,
            "passed",
        )
        self.refresh_returned()

    def _failed(self, exc: Exception) -> None:
        self.saving = False
        self.save_button.setEnabled(True)
        if isinstance(exc, ValidationFailed):
            self._show_errors(exc.field_errors)
            self._say(exc.message, ERROR, "stop")
            return
        self._say(user_message(exc), ERROR, "stop")
        show_error(self, exc)

    def _show_errors(self, field_errors: dict[str, str]) -> None:
        for key in self.errors:
            self._set_error(key, field_errors.get(key))
        focus = {key: widget for box in self._boxes() for key, widget in box.focus_for().items()}
        for key, widget in focus.items():
            if key in field_errors:
                widget.setFocus()
                break

    def _boxes(self) -> tuple[PatientBox, PrescriberBox, PrescriptionBox, ItemBox]:
        return (self.patient_box, self.prescriber_box, self.rx_box, self.item_box)

    def _set_error(self, key: str, text: str | None) -> None:
        self._field_errors.set(key, text)

    def _say(self, text: str, colour: str, kind: str | None = None) -> None:
        """The message line: the words in ``colour``, the icon of ``kind`` beside them."""
        self.message.say(kind, text)
        self.message.setStyleSheet(f"color: {colour}; font-weight: bold;")

    def clear_form(self) -> None:
        self.profile = None
        self.correcting = None
        self.mode.setText("")
        self.patient_search.clear()
        self.banner.show_profile(None)
        self.prescriber_box.set_choices(())
        self.prescriber_box.clear()
        self.rx_box.clear()
        self.item_box.clear()
        for key in self.errors:
            self._set_error(key, None)
        self.message.setText("")
        self.patient_search.edit.setFocus()
