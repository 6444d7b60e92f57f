"""The notification screens driven by the keyboard against the real PostgreSQL: the F11 list of
failed and waiting messages (resend, cancel), the patient screen's Messages tab (preferences, consent,
history), the settings tab of templates; and the demo pharmacy's messages, rendered at 1280x800."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from sqlalchemy import func, select

from pharmacy_desktop.config import Config
from pharmacy_desktop.db.models.notifications import Notification, NotificationTemplate
from pharmacy_desktop.db.models.patients import Patient
from pharmacy_desktop.db.models.prescriptions import Prescription
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.screens.messages import MessagesScreen
from pharmacy_desktop.ui.screens.patients import PatientsScreen
from pharmacy_desktop.ui.screens.settings import SettingsScreen
from tests.notifications.conftest import fill_and_verify, notifications, set_patient
from tests.shell.windows import DISPLAY, open_shell, settle

pytestmark = [pytest.mark.ui, pytest.mark.db]

TIMEOUT = 10_000
SHOTS = os.environ.get("NOTIFY_SHOTS")  # a folder: the renders are saved there to be looked at


@pytest.fixture
def context(uow_factory, database_url) -> AppContext:
    return AppContext(
        uow_factory=uow_factory,
        config=Config(workstation_name="test-ws"),
        workstation="test-ws",
        database_url=database_url,
    )


def _shot(window, name: str) -> None:
    settle()
    image = window.grab()
    assert (image.width(), image.height()) == DISPLAY
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        image.save(str(Path(SHOTS) / f"{name}.png"))


def _key(qtbot, widget, key, modifier=Qt.KeyboardModifier.NoModifier):
    """A key press as the window gets it: to the focused widget, through the window's shortcuts."""
    QTest.keyClick(widget.window().windowHandle(), key, modifier)
    QApplication.processEvents()


def _row(uow_factory, notification_id) -> Notification:
    with uow_factory() as uow:
        row = uow.session.get(Notification, notification_id)
        uow.session.expunge(row)
        return row


def _set_row(uow_factory, notification_id, **values):
    with uow_factory() as uow:
        row = uow.session.get(Notification, notification_id)
        for key, value in values.items():
            setattr(row, key, value)
        uow.commit()


@pytest.fixture
def ready(uow_factory, actors, world):
    fill_and_verify(uow_factory, actors, world.rx_id)
    [row] = notifications(uow_factory, world.patient_id)
    return row


# -- F11: failed and waiting messages -----------------------------------------------------------------


def test_f11_lists_a_bounced_message_first_and_resends_it_by_keyboard(qtbot, app_look, context, actors, ready):
    tech = actors["technician"]
    uow_factory = context.uow_factory
    _set_row(uow_factory, ready.id, status="bounced", retry_count=1, error_message="550 no such user")
    window, screen = open_shell(qtbot, context, tech, MessagesScreen)
    qtbot.waitUntil(lambda: screen.model.rowCount() == 1, timeout=TIMEOUT)
    assert screen.model.data(screen.model.index(0, 0)) == "BOUNCED"
    assert screen.model.data(screen.model.index(0, 2)) == "Gonzalez, Maria"
    assert "550 no such user" in screen.detail.text() and "Hello Maria" in screen.detail.text()
    assert screen.queue_count() == 1
    _shot(window, "messages-bounced")

    set_patient(uow_factory, ready.patient_id, email="maria.fixed@example.org")
    _key(qtbot, screen.table, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "goes out again now" in screen.notice.text(), timeout=TIMEOUT)
    row = _row(uow_factory, ready.id)
    assert (row.status, row.recipient, row.message_id) == ("pending", "maria.fixed@example.org", ready.message_id)
    qtbot.waitUntil(lambda: screen.model.rowCount() == 1 and screen.model.row(0).status == "pending", timeout=TIMEOUT)
    assert screen.queue_count() is None

    # Alt+F shows only the failed ones: none now
    _key(qtbot, screen, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(screen.failed_only.isChecked, timeout=TIMEOUT)  # a mnemonic clicks after a moment
    assert screen.model.rowCount() == 0


def test_f11_cancel_needs_a_second_delete_and_esc_keeps_the_message(qtbot, app_look, context, actors, ready):
    window, screen = open_shell(qtbot, context, actors["technician"], MessagesScreen)
    qtbot.waitUntil(lambda: screen.model.rowCount() == 1, timeout=TIMEOUT)
    _key(qtbot, screen.table, Qt.Key.Key_Delete)
    assert "Press Delete again" in screen.notice.text()
    _key(qtbot, screen.table, Qt.Key.Key_Escape)
    assert screen.notice.text() == "Kept."
    _key(qtbot, screen.table, Qt.Key.Key_Delete)
    _key(qtbot, screen.table, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: "was cancelled" in screen.notice.text(), timeout=TIMEOUT)
    assert _row(context.uow_factory, ready.id).status == "cancelled"
    qtbot.waitUntil(lambda: screen.model.rowCount() == 0, timeout=TIMEOUT)
    assert "Every message went out" in screen.detail.text()


def test_f11_for_a_manager_lists_but_does_not_resend(qtbot, app_look, context, actors, ready):
    window, screen = open_shell(qtbot, context, actors["manager"], MessagesScreen)
    home = window.visible_screens()[0]
    assert window.show_screen(home) and window.current_screen() is home
    _key(qtbot, home, Qt.Key.Key_F11)  # the shell's key opens the list from anywhere
    assert window.current_screen() is screen
    qtbot.waitUntil(lambda: screen.model.rowCount() == 1, timeout=TIMEOUT)
    assert not screen.resend_button.isEnabled()
    _key(qtbot, screen.table, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert "technician or pharmacist" in screen.notice.text()
    assert _row(context.uow_factory, ready.id).status == "pending"


# -- the patient screen's Messages tab ------------------------------------------------------------------


def test_patient_messages_tab_records_consent_and_opt_out_and_keeps_the_form_current(
    qtbot, app_look, context, actors, ready
):
    tech = actors["technician"]
    set_patient(context.uow_factory, ready.patient_id, contact_consent_at=None)
    window, screen = open_shell(qtbot, context, tech, PatientsScreen)
    screen.open_patient(ready.patient_id)
    qtbot.waitUntil(lambda: screen.profile is not None, timeout=TIMEOUT)
    panel = screen.messages
    qtbot.waitUntil(lambda: panel.view is not None, timeout=TIMEOUT)
    _key(qtbot, screen, Qt.Key.Key_6, Qt.KeyboardModifier.AltModifier)
    assert screen.form.tabs.currentWidget() is panel
    assert panel.sends_to.text() == "No messages are sent: no consent to be contacted is recorded."
    assert panel.model.rowCount() == 1 and panel.model.data(panel.model.index(0, 3)) == "waiting"
    _shot(window, "patient-messages")

    # Alt+G ticks consent, Alt+O the opt-out of texts (a mnemonic clicks after a moment), Alt+P saves
    _key(qtbot, screen, Qt.Key.Key_G, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(panel.consent.isChecked, timeout=TIMEOUT)
    _key(qtbot, screen, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(panel.sms_opt_out.isChecked, timeout=TIMEOUT)
    version = screen.profile.version
    _key(qtbot, screen, Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(
        lambda: panel.sends_to.text().startswith("Saved.") and panel.sends_to.icon_kind == "passed", timeout=TIMEOUT
    )
    assert "Messages go by e-mail to maria.gonzalez@example.org" in panel.sends_to.text()
    assert f"by {tech.display_name}" in panel.consent_note.text() and "no texts since" in panel.consent_note.text()
    with context.uow_factory() as uow:
        patient = uow.session.get(Patient, ready.patient_id)
        assert patient.contact_consent_by == tech.user_id and patient.sms_opt_out_at is not None
    # the open profile took the new version: saving the form now is no conflict
    assert screen.profile.version == version + 1
    screen.form.fields["city"].setText("Chatham")
    _key(qtbot, screen, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(
        lambda: screen.message.text().startswith("Saved") and screen.message.icon_kind == "passed", timeout=TIMEOUT
    )
    # our own change notice is not reported as another workstation's
    screen.on_change({"topic": "patients", "id": str(ready.patient_id), "version": screen.profile.version})
    assert "another workstation" not in screen.message.text()


def test_patient_messages_tab_is_read_only_for_a_manager(qtbot, app_look, context, actors, ready):
    window, screen = open_shell(qtbot, context, actors["manager"], PatientsScreen)
    screen.open_patient(ready.patient_id)
    qtbot.waitUntil(lambda: screen.messages.view is not None, timeout=TIMEOUT)
    assert not screen.messages.save_button.isEnabled() and not screen.messages.consent.isEnabled()
    assert screen.messages.model.rowCount() == 1


# -- settings: the templates tab ------------------------------------------------------------------------


def test_template_tab_refuses_an_unknown_placeholder_and_saves_a_good_text(qtbot, app_look, context, actors, ready):
    admin = actors["admin"]
    window, screen = open_shell(qtbot, context, admin, SettingsScreen)
    _key(qtbot, screen, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)
    page = screen.templates_page
    assert screen.tabs.currentWidget() is page
    qtbot.waitUntil(lambda: page.model.rowCount() == 8 and page.current is not None, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: "What the patient reads" in page.preview.text(), timeout=TIMEOUT)
    assert "Main Street Pharmacy" in page.preview.text() and "{{" not in page.preview.text()
    _shot(window, "settings-templates")

    # choose the SMS "ready" template with the arrows
    target = next(i for i, t in enumerate(page.model.rows) if (t.event, t.channel) == ("prescription_ready", "sms"))
    page.table.setFocus()
    while page.table.currentIndex().row() < target:
        _key(qtbot, page.table, Qt.Key.Key_Down)
    assert page.current.channel == "sms" and not page.subject.isEnabled()

    _key(qtbot, screen, Qt.Key.Key_X, Qt.KeyboardModifier.AltModifier)
    assert page.body.hasFocus()
    page.body.selectAll()
    qtbot.keyClicks(page.body, "Hi {{first_name}}, ready at {{pharmacy_name}}.")
    _key(qtbot, screen, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "{{first_name}}" in page.error.text(), timeout=TIMEOUT)
    with context.uow_factory() as uow:
        stored = uow.session.get(NotificationTemplate, page.current.id).body_template
    assert "{{first_name}}" not in stored

    page.body.selectAll()
    qtbot.keyClicks(page.body, "Hi {{patient_first_name}}, ready at {{pharmacy_name}}.")
    _key(qtbot, screen, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "saved: in use" in page.notice.text(), timeout=TIMEOUT)
    with context.uow_factory() as uow:
        assert uow.session.get(NotificationTemplate, page.current.id).body_template.startswith("Hi {{patient_first")

    # Alt+V saves the text as a new template (its own name first), Alt+K puts it in use
    _key(qtbot, screen, Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)
    page.name.selectAll()
    qtbot.keyClicks(page.name, "Ready, short SMS")
    _key(qtbot, screen, Qt.Key.Key_V, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: "created: saved, not in use yet" in page.notice.text(), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: page.model.rowCount() == 9 and page.current.name == "Ready, short SMS", timeout=TIMEOUT)
    _key(qtbot, screen, Qt.Key.Key_K, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: "is now the ready for pickup SMS" in page.notice.text(), timeout=TIMEOUT)
    with context.uow_factory() as uow:
        active = uow.session.scalars(
            select(NotificationTemplate.template_name).where(
                NotificationTemplate.event_trigger == "prescription_ready",
                NotificationTemplate.notification_type == "sms",
                NotificationTemplate.is_active,
            )
        ).all()
    assert active == ["Ready, short SMS"]


# -- the demo ------------------------------------------------------------------------------------------


def test_demo_has_messages_in_each_status_and_todays_ready_emails_pending(
    qtbot, app_look, demo_uow_factory, demo_database_url
):
    from pharmacy_desktop.demo.notifications import STOP_PATIENT

    # a copy of the demo pharmacy loaded today (tests/conftest.py demo_template)
    context = AppContext(
        uow_factory=demo_uow_factory,
        config=Config(workstation_name="test-ws"),
        workstation="test-ws",
        database_url=demo_database_url,
    )
    with context.uow_factory() as uow:
        s = uow.session
        statuses = dict(s.execute(select(Notification.status, func.count()).group_by(Notification.status)).all())
        assert {"pending", "sent", "delivered", "failed", "bounced", "cancelled"} <= set(statuses)
        templates = s.execute(select(NotificationTemplate.event_trigger, NotificationTemplate.notification_type))
        assert len(set(templates)) == 8
        channels = set(
            s.scalars(select(Patient.communication_preference).where(Patient.contact_consent_at.is_not(None)))
        )
        assert {"sms", "email"} <= channels
        stop = s.scalars(select(Patient).order_by(Patient.patient_number).offset(STOP_PATIENT)).first()
        assert stop.sms_opt_out_at is not None and stop.communication_preference == "sms"
        assert s.scalar(select(func.count()).where(Notification.patient_id == stop.id)) == 0
        # today's "ready" e-mails of patients whose prescriptions still wait: pending, due now
        start = dt.datetime.combine(dt.date.today(), dt.time()).astimezone()
        waiting = set(s.scalars(select(Prescription.patient_id).where(Prescription.status == "ready")))
        todays = s.scalars(
            select(Notification).where(Notification.created_at >= start, Notification.notification_type == "email")
        ).all()
        pending = [n for n in todays if n.status == "pending" and n.patient_id in waiting]
        assert pending and all("{{" not in n.message for n in pending)
    from pharmacy_desktop.demo import DEMO_PASSWORDS
    from pharmacy_desktop.services import auth

    tech = auth.sign_in(context.uow_factory, "tech", DEMO_PASSWORDS["tech"], "test-ws")
    window, screen = open_shell(qtbot, context, tech, MessagesScreen)
    qtbot.waitUntil(lambda: screen.model.rowCount() >= 3, timeout=TIMEOUT)
    assert screen.model.row(0).status in ("failed", "bounced")
    _shot(window, "messages-demo")
