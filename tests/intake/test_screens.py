"""The intake and review screens driven from the keyboard only (pytest-qt, offscreen, real PostgreSQL).

Every key goes to whatever widget has the focus, as on the counter: no clicks, no setFocus from
the test once a screen is open. Database work runs in the background; the test waits with
qtbot.waitUntil.
"""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from pharmacy_desktop.config import Config
from pharmacy_desktop.demo.approvals import approve_as_demo
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.screens.intake import IntakeScreen
from pharmacy_desktop.ui.screens.review import ReviewScreen
from pharmacy_desktop.ui.widgets.review_lists import ICON_KIND_ROLE

pytestmark = [pytest.mark.ui, pytest.mark.db]
TIMEOUT = 10_000


@pytest.fixture
def context(uow_factory):
    return AppContext(uow_factory=uow_factory, config=Config(workstation_name="test-ws"), workstation="test-ws")


def focus() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    return widget


class Keyboard:
    def __init__(self, qtbot):
        self.qtbot = qtbot

    def type(self, text: str) -> None:
        self.qtbot.keyClicks(focus(), text)

    def press(self, key, modifier=Qt.KeyboardModifier.NoModifier, times: int = 1) -> None:
        for _ in range(times):
            self.qtbot.keyClick(focus(), key, modifier)

    def tab(self, times: int = 1) -> None:
        self.press(Qt.Key.Key_Tab, times=times)


def show(qtbot, screen) -> None:
    qtbot.addWidget(screen)
    screen.resize(1280, 800)
    with qtbot.waitExposed(screen):
        screen.show()
    screen.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is screen, timeout=TIMEOUT)
    screen.activate()


def enter_prescription(
    qtbot,
    context,
    actor,
    patient_text: str,
    drug_text: str,
    quantity: str,
    days: str,
    sig: str,
    *,
    allergies: str = "No known drug allergies",
    promised: str = "",
) -> IntakeScreen:
    keys = Keyboard(qtbot)
    screen = IntakeScreen(context, actor)
    show(qtbot, screen)
    assert focus() is screen.patient_search.edit

    keys.type(patient_text)
    qtbot.waitUntil(lambda: screen.patient_search.results.count() == 1, timeout=TIMEOUT)
    keys.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.profile is not None, timeout=TIMEOUT)
    # the patient's preferred prescriber is filled in; allergies are on screen; the drug is next
    assert focus() is screen.drug.edit
    assert screen.banner.allergies.text().startswith(allergies)
    assert screen.prescriber_npi.text() == "1234567893"
    keys.press(Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier, times=2)  # notes, promised time
    assert focus() is screen.promised
    keys.type(promised)
    keys.tab(2)  # notes, drug
    assert focus() is screen.drug.edit

    keys.type(drug_text)
    qtbot.waitUntil(lambda: screen.drug.results.count() >= 1, timeout=TIMEOUT)
    keys.press(Qt.Key.Key_Return)
    assert screen.drug.choice is not None and focus() is screen.quantity
    keys.type(quantity)
    keys.tab(2)  # unit (already from the dosage form), days supply
    keys.type(days)
    keys.tab()  # refills: 0 already, selected on entry
    keys.type("0")
    keys.tab()  # SIG
    keys.type(sig)
    assert screen.sig.expansion.text().startswith("Label will read") and screen.sig.expansion.icon_kind == "passed"
    keys.press(Qt.Key.Key_Return)  # Enter saves
    qtbot.waitUntil(lambda: screen.last_saved is not None, timeout=TIMEOUT)
    assert "saved for" in screen.message.text() and screen.message.icon_kind == "passed"
    return screen


def test_intake_shows_errors_next_to_fields(qtbot, context, actors, meds, make_patient):
    make_patient()
    keys = Keyboard(qtbot)
    screen = IntakeScreen(context, actors["technician"])
    show(qtbot, screen)
    keys.press(Qt.Key.Key_Return)  # nothing filled in: Enter still tries to save
    qtbot.waitUntil(lambda: screen.errors["patient"].isVisible(), timeout=TIMEOUT)
    assert "Choose the patient" in screen.errors["patient"].text()
    assert screen.errors["items[0].sig"].isVisible() and screen.errors["prescriber_npi"].isVisible()
    assert focus() is screen.patient_search.edit  # focus goes to the first field in error
    keys.press(Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)  # field mnemonics jump
    assert focus() is screen.drug.edit
    keys.press(Qt.Key.Key_G, Qt.KeyboardModifier.AltModifier)
    assert focus() is screen.sig.edit
    keys.type("1 T PO BID")
    assert screen.sig.expansion.text() == "Label will read: “Take 1 tablet by mouth 2 times a day”"
    keys.press(Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)
    assert focus() is screen.patient_search.edit


def test_keyboard_only_intake_then_review_to_validated(qtbot, context, actors, meds, make_patient, uow_factory):
    make_patient("John", "Smith", gender="M")  # a man: lisinopril's pregnancy rule does not apply
    intake_screen = enter_prescription(
        qtbot, context, actors["technician"], "smith", "lisinopril 10", "30", "30", "1 T PO QD", promised="+2h"
    )
    saved = intake_screen.last_saved
    assert saved.status == "received" and saved.blocking_alerts == 0
    with uow_factory() as uow:  # "+2h" typed in the promised time field
        promised = uow.prescriptions.get(saved.prescription_id).promised_at
    expected = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    assert promised is not None and abs(promised - expected) < dt.timedelta(minutes=2)

    keys = Keyboard(qtbot)
    screen = ReviewScreen(context, actors["pharmacist"])
    show(qtbot, screen)
    qtbot.waitUntil(lambda: screen.detail is not None, timeout=TIMEOUT)
    assert screen.detail.rx_number == saved.rx_number
    assert "Smith, John" in screen.banner.name.text()
    assert "Lisinopril" in screen.drug_title.text()
    assert focus() is screen.queue
    keys.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # approve
    qtbot.waitUntil(lambda: "validated" in screen.message.text(), timeout=TIMEOUT)
    with uow_factory() as uow:
        assert uow.prescriptions.get(saved.prescription_id).status == "validated"


def test_penicillin_allergy_blocks_approval_until_overridden(
    qtbot, context, actors, meds, penicillin_patient, uow_factory
):
    intake_screen = enter_prescription(
        qtbot,
        context,
        actors["technician"],
        "garcia",
        "amoxicillin 500",
        "30",
        "10",
        "1 C PO TID X10D",
        allergies="ALLERGIES: Penicillin",
    )
    saved = intake_screen.last_saved
    assert saved.blocking_alerts == 1

    keys = Keyboard(qtbot)
    screen = ReviewScreen(context, actors["pharmacist"])
    show(qtbot, screen)
    qtbot.waitUntil(lambda: screen.detail is not None, timeout=TIMEOUT)
    assert "Penicillin" in screen.banner.allergies.text()
    first = screen.alerts.item(0).text()
    assert first.startswith("HARD STOP") and "Drug allergy" in first and "Penicillin" in first
    assert screen.alerts.item(0).data(ICON_KIND_ROLE) == "stop" and not screen.alerts.item(0).icon().isNull()
    screen.alerts.setCurrentRow(0)  # the detail under the list: the stop icon beside "HARD STOP"
    detail = screen.work_area.alert_detail
    assert "icon:stop" in detail.toHtml() and detail.toPlainText().lstrip("\ufffc\xa0 ").startswith("HARD STOP")

    keys.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # approve: refused
    qtbot.waitUntil(lambda: "Cannot approve" in screen.message.text(), timeout=TIMEOUT)
    keys.tab()  # to the alerts; the hard stop is highlighted
    assert focus() is screen.alerts and screen.current_alert().needs_override
    keys.press(Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)  # acknowledging is not enough
    assert "cannot just be acknowledged" in screen.message.text()

    keys.press(Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)  # override: the dialog (NCPDP codes, a note)
    qtbot.waitUntil(lambda: screen.override_dialog is not None, timeout=TIMEOUT)
    dialog = screen.override_dialog
    qtbot.waitUntil(lambda: focus() is dialog.professional_code, timeout=TIMEOUT)
    keys.type("M0")  # prescriber consulted
    keys.tab()
    keys.type("1G")  # filled with prescriber approval
    keys.tab()
    assert focus() is dialog.note
    keys.press(Qt.Key.Key_Return)  # no note: refused, the dialog stays open
    assert "Type the note" in dialog.error.text() and dialog.isVisible()
    keys.type("Prescriber contacted: mild rash only, benefit outweighs risk")
    keys.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.detail is not None and not screen.detail.open_alerts, timeout=TIMEOUT)
    assert (
        screen.alerts.item(0).text().startswith("RESOLVED") and screen.alerts.item(0).data(ICON_KIND_ROLE) == "passed"
    )
    assert "Overridden by" in screen.alerts.item(0).text()
    # the message says what to do next
    assert screen.message.text() == (
        f"Override recorded. All alerts resolved: Ctrl+Enter approves Rx {saved.rx_number}."
    )
    assert screen.message.icon_kind == "passed"

    keys.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "validated" in screen.message.text(), timeout=TIMEOUT)
    with uow_factory() as uow:
        assert uow.prescriptions.get(saved.prescription_id).status == "validated"
        kinds = [e.event_type for e in uow.audit.events_for("prescription", saved.prescription_id)]
    assert kinds[-2:] == ["DurAlertOverridden", "PrescriptionValidated"]


def test_reject_and_back_to_intake_from_the_keyboard(qtbot, context, actors, meds, make_patient, uow_factory):
    from pharmacy_desktop.services import intake

    from .conftest import rx_form

    patient = make_patient()
    first = intake.submit_prescription(
        uow_factory, actors["technician"], rx_form(patient.patient_id, meds["lisinopril"], sig="1 T PO QD", days=30)
    )
    second = intake.submit_prescription(
        uow_factory, actors["technician"], rx_form(patient.patient_id, meds["warfarin"], sig="1 T PO QD", days=30)
    )
    keys = Keyboard(qtbot)
    screen = ReviewScreen(context, actors["pharmacist"])
    show(qtbot, screen)
    qtbot.waitUntil(lambda: screen.detail is not None and screen.detail.rx_number == first.rx_number, timeout=TIMEOUT)
    keys.press(Qt.Key.Key_B, Qt.KeyboardModifier.AltModifier)
    keys.type("Quantity should be 90 for 90 days")
    keys.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.detail is not None and screen.detail.rx_number == second.rx_number, timeout=TIMEOUT)
    keys.press(Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
    keys.type("Patient no longer takes warfarin")
    keys.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.queue_empty.isVisible(), timeout=TIMEOUT)
    with uow_factory() as uow:
        assert uow.prescriptions.get(first.prescription_id).returned_note == "Quantity should be 90 for 90 days"
        assert uow.prescriptions.get(second.prescription_id).status == "rejected"

    intake_screen = IntakeScreen(context, actors["technician"])
    show(qtbot, intake_screen)
    qtbot.waitUntil(lambda: intake_screen.returned_list.count() == 1, timeout=TIMEOUT)
    assert "Quantity should be 90" in intake_screen.returned_list.item(0).text()


def test_patients_screen_edit_and_conflict_from_the_keyboard(qtbot, context, actors, meds, make_patient, uow_factory):
    import dataclasses

    from pharmacy_desktop.services import patients
    from pharmacy_desktop.ui.screens.patients import PatientsScreen

    maria = make_patient("Maria", "Garcia")
    keys = Keyboard(qtbot)
    screen = PatientsScreen(context, actors["technician"])
    show(qtbot, screen)
    assert focus() is screen.search.edit
    keys.type("garcia")
    qtbot.waitUntil(lambda: screen.search.results.count() == 1, timeout=TIMEOUT)
    keys.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.profile is not None, timeout=TIMEOUT)
    with uow_factory() as uow:  # opening the record is logged
        assert uow.audit.access_logs(resource_id=maria.patient_id)
    assert focus() is screen.form.fields["first_name"]

    # another workstation changes the phone meanwhile
    other = patients.open_patient(uow_factory, actors["pharmacist"], maria.patient_id)
    patients.update_patient(
        uow_factory, actors["pharmacist"], other, dataclasses.replace(other.form, phone_primary="(217) 555-0000")
    )

    keys.tab(3)  # middle, last name, date of birth
    keys.tab(2)  # gender, phone
    assert focus() is screen.form.fields["phone_primary"]
    keys.type("(217) 555-1234")  # Tab selected the old number: typing replaces it
    keys.press(Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: screen.notice.isVisible(), timeout=TIMEOUT)
    text = screen.notice_text.text()
    assert "Changed on another workstation" in text and "(217) 555-0000" in text and "(217) 555-1234" in text

    keys.press(Qt.Key.Key_K, Qt.KeyboardModifier.AltModifier)  # keep mine on top of theirs
    keys.press(Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "Saved" in screen.message.text(), timeout=TIMEOUT)
    assert screen.profile.form.phone_primary == "(217) 555-1234"
    assert screen.profile.version == 3


def test_patients_screen_new_patient_duplicate_flag(qtbot, context, actors, make_patient):
    make_patient("John", "Smith")
    keys = Keyboard(qtbot)
    screen = PatientsScreen_(context, actors["technician"])
    show(qtbot, screen)
    keys.press(Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    assert focus() is screen.form.fields["first_name"]
    for text in ("John", "", "Smith", "03/04/1980"):  # first, middle, last, date of birth
        keys.type(text)
        keys.tab()
    keys.tab()  # gender
    keys.type("(217) 555-8888")
    keys.tab(3)  # second phone, e-mail, address
    keys.type("9 Elm St")
    keys.tab(2)  # address 2, city
    keys.type("Springfield")
    keys.tab()
    keys.press(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    keys.type("IL")
    keys.tab()
    keys.type("62701")
    keys.press(Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: screen.notice.isVisible(), timeout=TIMEOUT)
    assert "Possible duplicate" in screen.notice_text.text() and "Smith, John" in screen.notice_text.text()
    keys.press(Qt.Key.Key_Y, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: screen.profile is not None, timeout=TIMEOUT)
    assert screen.profile.patient_number.startswith("P")


def PatientsScreen_(context, actor):  # noqa: N802
    from pharmacy_desktop.ui.screens.patients import PatientsScreen

    return PatientsScreen(context, actor)


def test_screens_in_the_shell_with_f_keys(qtbot, context, actors, meds, make_patient):
    from pharmacy_desktop.services import intake
    from pharmacy_desktop.ui.main_window import MainWindow
    from pharmacy_desktop.ui.screens.patients import PatientsScreen

    from .conftest import rx_form

    patient = make_patient()
    intake.submit_prescription(
        context.uow_factory,
        actors["technician"],
        rx_form(patient.patient_id, meds["lisinopril"], sig="1 T PO QD", days=30),
    )
    window = MainWindow(context, actors["pharmacist"], [IntakeScreen, ReviewScreen, PatientsScreen])
    qtbot.addWidget(window)
    # the navigation shows how many wait for review, before the screen is ever opened
    qtbot.waitUntil(lambda: window.nav.item(1).text().endswith("(1)"), timeout=TIMEOUT)
    assert window.nav.item(1).text().startswith("F3")
    window.resize(1400, 900)
    with qtbot.waitExposed(window):
        window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=TIMEOUT)
    keys = Keyboard(qtbot)
    for key, cls in ((Qt.Key.Key_F3, ReviewScreen), (Qt.Key.Key_F9, PatientsScreen), (Qt.Key.Key_F2, IntakeScreen)):
        keys.press(key)
        assert isinstance(window.current_screen(), cls)
    # a technician does not see the review screen
    tech_window = MainWindow(context, actors["technician"], [IntakeScreen, ReviewScreen, PatientsScreen])
    qtbot.addWidget(tech_window)
    assert [type(s) for s in tech_window.visible_screens()] == [IntakeScreen, PatientsScreen]


def test_typing_over_a_chosen_drug_unchooses_it(qtbot):
    import uuid

    from pharmacy_desktop.services.intake import DrugChoice
    from pharmacy_desktop.ui.widgets.drug_picker import DrugPicker

    amox = DrugChoice(uuid.uuid4(), "Amoxicillin 500 mg capsule", "NDC 0093-3109-05", "", "capsule")
    oxy = DrugChoice(uuid.uuid4(), "Oxycodone hydrochloride 5 mg tablet", "NDC 0406-0552-62", "C-II", "tablet")
    picker = DrugPicker(lambda text: [amox] if text.startswith("amox") else [oxy])
    qtbot.addWidget(picker)
    picker.show()
    qtbot.keyClicks(picker.edit, "amox")
    qtbot.keyClick(picker.edit, Qt.Key.Key_Return)  # Enter while the search runs picks the first hit
    qtbot.waitUntil(lambda: picker.choice == amox, timeout=TIMEOUT)
    qtbot.keyClicks(picker.edit, "x")
    assert picker.choice is None and picker.selected.text().startswith("No drug chosen")
    picker.edit.clear()
    qtbot.keyClicks(picker.edit, "oxy")
    qtbot.waitUntil(lambda: picker.results.count() == 1, timeout=TIMEOUT)
    qtbot.keyClick(picker.edit, Qt.Key.Key_Return)
    assert picker.choice == oxy and "[C-II]" in picker.selected.text()  # the schedule shows with the drug


def test_a_promised_time_that_is_not_a_time_stops_the_save_at_its_field(
    qtbot, context, actors, meds, make_patient, uow_factory
):
    make_patient()
    keys = Keyboard(qtbot)
    screen = IntakeScreen(context, actors["technician"])
    show(qtbot, screen)
    keys.press(Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)  # the label's mnemonic: "Promised &time"
    assert focus() is screen.promised
    keys.type("4pm")
    assert screen.promised_hint.text().startswith("→ ") and "4:00 PM" in screen.promised_hint.text()
    keys.press(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    keys.type("after lunch")
    assert screen.promised_hint.icon_kind == "stop" and "4pm" in screen.promised_hint.text()
    keys.press(Qt.Key.Key_Return)  # Enter saves: refused here, before the database is asked
    assert "Promised time" in screen.message.text() and focus() is screen.promised
    assert screen.message.icon_kind == "stop"  # the words, and the stop icon beside them
    assert screen.last_saved is None and not screen.saving
    with uow_factory() as uow:
        from pharmacy_desktop.db.models.prescriptions import Prescription

        assert uow.session.query(Prescription).count() == 0


def review_with(qtbot, context, actor) -> ReviewScreen:
    screen = ReviewScreen(context, actor)
    show(qtbot, screen)
    qtbot.waitUntil(lambda: screen.detail is not None, timeout=TIMEOUT)
    return screen


def test_acknowledging_the_last_warning_says_what_to_do_next(qtbot, context, actors, meds, make_patient, uow_factory):
    from pharmacy_desktop.services import intake

    from .conftest import rx_form

    patient = make_patient(gender="M")  # a man: the ACE inhibitors' pregnancy rule does not apply
    kw = dict(sig="1 T PO QD", quantity="30", days=30)
    first = intake.submit_prescription(
        uow_factory, actors["technician"], rx_form(patient.patient_id, meds["lisinopril"], **kw)
    )
    approve_as_demo(uow_factory, actors["pharmacist"], first.prescription_id)
    saved = intake.submit_prescription(
        uow_factory, actors["technician"], rx_form(patient.patient_id, meds["enalapril"], **kw)
    )  # duplication
    keys = Keyboard(qtbot)
    screen = review_with(qtbot, context, actors["pharmacist"])
    assert screen.detail.rx_number == saved.rx_number and len(screen.detail.open_alerts) == 1
    keys.tab()
    assert focus() is screen.alerts and screen.current_alert().status == "warning"
    keys.press(Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: not screen.detail.open_alerts, timeout=TIMEOUT)
    assert screen.message.text() == f"Acknowledged. All alerts resolved: Ctrl+Enter approves Rx {saved.rx_number}."
    assert screen.message.icon_kind == "passed"
    keys.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "validated" in screen.message.text(), timeout=TIMEOUT)


def test_ctrl_d_runs_dur_again_after_the_profile_changed(qtbot, context, actors, meds, make_patient, uow_factory):
    import dataclasses

    from pharmacy_desktop.services import intake, patients
    from pharmacy_desktop.services.patients import AllergyEntry

    from .conftest import rx_form

    patient = make_patient()
    saved = intake.submit_prescription(
        uow_factory, actors["technician"], rx_form(patient.patient_id, meds["amoxicillin"])
    )
    keys = Keyboard(qtbot)
    screen = review_with(qtbot, context, actors["pharmacist"])
    assert screen.detail.rx_number == saved.rx_number and not screen.detail.open_alerts
    assert "No DUR alerts: Ctrl+Enter approves" in screen.message.text()
    # the patient calls: penicillin gives them hives (recorded on another workstation)
    profile = patients.open_patient(uow_factory, actors["technician"], patient.patient_id)
    patients.update_patient(
        uow_factory,
        actors["technician"],
        profile,
        dataclasses.replace(profile.form, allergies=(AllergyEntry("Penicillin", "drug", "Hives", "moderate"),)),
    )
    keys.press(Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(screen.detail.open_alerts), timeout=TIMEOUT)
    [stop] = screen.detail.open_alerts
    assert stop.needs_override and "Penicillin" in stop.message
    assert screen.alerts.item(screen.alerts.currentRow()).text().startswith("HARD STOP")
    assert screen.alerts.item(screen.alerts.currentRow()).data(ICON_KIND_ROLE) == "stop"
    assert screen.message.text().startswith("DUR checks run again. Still open — 1 hard stop(s)")
    assert screen.message.icon_kind == "stop"
    assert focus() is screen.alerts
    assert any(k == "Ctrl+D" for k, _ in screen.help_keys)
