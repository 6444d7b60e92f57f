"""The sign-in window, first-run wizard, shell, lock screen and idle lock, driven by the keyboard."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from pharmacy_desktop.services import auth, pharmacy
from pharmacy_desktop.ui.signin_window import SignInWindow
from tests.conftest import TEST_PASSWORD
from tests.security.conftest import event_types
from tests.shell.conftest import PatientScreen

pytestmark = [pytest.mark.ui, pytest.mark.db]


def press(window, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """A key through the window system, as a real keyboard: focus widget and shortcuts both see it."""
    QTest.keyClick(window.windowHandle(), key, modifier)


def type_and_enter(qtbot, widget, text: str) -> None:
    widget.setFocus()
    QTest.keyClicks(widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Return)


@pytest.fixture
def signin_window(qtbot, context):
    window = SignInWindow(context)
    qtbot.addWidget(window)
    with qtbot.waitActive(window):  # waits on leaving the block (a bare call would not wait at all)
        window.show()
        window.activateWindow()
    assert window.isActiveWindow()
    return window


def test_sign_in_with_the_keyboard_only(qtbot, actors, signin_window):
    window = signin_window
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.panel and window.panel.username.hasFocus())
    with qtbot.waitSignal(window.signed_in, timeout=10_000) as signal:
        QTest.keyClicks(window.panel.username, actors["pharmacist"].username)
        qtbot.keyClick(window.panel.username, Qt.Key.Key_Return)  # Enter moves to the password
        assert window.panel.password.hasFocus()
        QTest.keyClicks(window.panel.password, TEST_PASSWORD)
        qtbot.keyClick(window.panel.password, Qt.Key.Key_Return)
    actor = signal.args[0]
    assert actor.username == actors["pharmacist"].username and actor.role == "pharmacist"
    assert window.panel.password.text() == ""


def test_wrong_password_shows_a_message_and_keeps_the_username(qtbot, actors, signin_window):
    panel = signin_window.panel
    qtbot.waitUntil(lambda: signin_window.pages.currentWidget() is panel)
    panel.username.setText(actors["technician"].username)
    type_and_enter(qtbot, panel.password, "not-my-password")
    qtbot.waitUntil(lambda: panel.error.text() != "", timeout=10_000)
    assert "Wrong username or password" in panel.error.text()
    assert panel.username.text() == actors["technician"].username
    assert panel.password.text() == "" and panel.password.hasFocus() and panel.isEnabled()


def test_first_run_wizard_creates_the_admin_and_the_pharmacy_profile(qtbot, signin_window, uow_factory):
    window = signin_window
    wizard = window.first_run
    qtbot.waitUntil(lambda: window.pages.currentWidget() is wizard)
    values = {
        "name": "Riverside Community Pharmacy",
        "address_line1": "120 Main Street",
        "city": "Springfield",
        "state": "IL",
        "zip_code": "62701",
        "phone": "(217) 555-0142",
        "ncpdp": "1456789",
        "first_name": "Alex",
        "last_name": "Morgan",
        "email": "alex@riverside.test",
        "username": "amorgan",
        "password": "Blue-Heron-Lantern",
        "password2": "Blue-Heron-Lantern",
    }
    for name, value in values.items():
        QTest.keyClicks(wizard.inputs[name], value)
    with qtbot.waitSignal(window.signed_in, timeout=10_000) as signal:
        qtbot.keyClick(wizard.inputs["password2"], Qt.Key.Key_Return)
    admin = signal.args[0]
    assert admin.role == "admin" and admin.username == "amorgan"
    profile = pharmacy.get_profile(uow_factory)
    assert profile.name == "Riverside Community Pharmacy" and profile.ncpdp == "1456789"


def test_first_run_wizard_shows_field_problems(qtbot, signin_window, uow_factory):
    wizard = signin_window.first_run
    qtbot.waitUntil(lambda: signin_window.pages.currentWidget() is wizard)
    for name in ("password", "password2"):
        wizard.inputs[name].setText("short")
    wizard.attempt()
    qtbot.waitUntil(lambda: wizard.error.text() != "", timeout=10_000)
    assert "pharmacy details" in wizard.error.text()
    assert wizard.field_errors["name"].isVisibleTo(wizard) and "required" in wizard.field_errors["name"].text()
    assert auth.needs_first_run(uow_factory)


# -- the shell --------------------------------------------------------------------------------


def nav_titles(window) -> list[str]:
    return [window.nav.item(i).text() for i in range(window.nav.count())]


def test_the_shell_shows_who_is_acting_and_f_keys_switch_screens(qtbot, make_shell, actors):
    window = make_shell(actors["pharmacist"])
    assert "Pharmacist" in window.user_badge.text() and actors["pharmacist"].display_name in window.user_badge.text()
    assert type(window.current_screen()).__name__ == "HomeScreen"
    press(window, Qt.Key.Key_F4)
    assert type(window.current_screen()).__name__ == "DrugLookupScreen"
    assert window.screen_title.text() == "Drug lookup"
    press(window, Qt.Key.Key_F5)
    assert isinstance(window.current_screen(), PatientScreen)
    press(window, Qt.Key.Key_H, Qt.KeyboardModifier.AltModifier)
    assert type(window.current_screen()).__name__ == "HomeScreen"
    # a pharmacist is no administrator: Alt+U does nothing
    press(window, Qt.Key.Key_U, Qt.KeyboardModifier.AltModifier)
    assert type(window.current_screen()).__name__ == "HomeScreen"


@pytest.mark.parametrize(
    "role, sees_users, sees_audit",
    [
        ("technician", False, False),
        ("pharmacist", False, False),
        ("manager", False, True),
        ("admin", True, True),
    ],
)
def test_navigation_follows_the_role(make_shell, actors, role, sees_users, sees_audit):
    titles = " ".join(nav_titles(make_shell(actors[role])))
    assert ("Users" in titles) is sees_users
    assert ("Audit trail" in titles) is sees_audit


def test_home_counts_queues_for_the_role(qtbot, make_shell, actors):
    window = make_shell(actors["technician"])
    home = window.current_screen()
    qtbot.waitUntil(lambda: home.cards["validated"].count.text() == "0", timeout=10_000)
    assert "Good" in home.greeting.text() and "Technician" in home.greeting.text() + home.where.text()
    assert home.cards["received"].hint.text() == "for the pharmacist"  # the technician cannot review
    assert "F5" in home.cards["validated"].hint.text()
    admin_home = make_shell(actors["admin"]).current_screen()
    assert admin_home.cards == {}


def test_f12_locks_hides_patient_data_and_resumes_for_the_same_user_keeping_the_work(
    qtbot, make_shell, actors, uow_factory
):
    window = make_shell(actors["technician"])
    press(window, Qt.Key.Key_F5)
    screen = window.current_screen()
    QTest.keyClicks(screen.note, "counted 30 tabs")
    press(window, Qt.Key.Key_F12)
    assert window.locked
    assert not screen.patient.isVisible() and not screen.isVisible()
    assert window.lock_screen.isVisible() and window.lock_screen.secret.hasFocus()
    assert "Grace Okafor" not in window.lock_screen.detail.text()
    press(window, Qt.Key.Key_F4)  # F-keys do nothing while locked
    assert window.locked and window.stack.currentWidget() is screen
    # a wrong password: a message, still locked
    type_and_enter(qtbot, window.lock_screen.secret, "wrong-password")
    qtbot.waitUntil(lambda: window.lock_screen.error.text() != "", timeout=10_000)
    assert window.locked
    with qtbot.waitSignal(window.lock_changed, timeout=10_000):
        type_and_enter(qtbot, window.lock_screen.secret, TEST_PASSWORD)
    assert not window.locked and window.current_screen() is screen
    assert screen.note.text() == "counted 30 tabs" and screen.patient.isVisible()
    qtbot.waitUntil(lambda: "WorkstationLocked" in event_types(uow_factory))
    assert {"UnlockFailed", "Unlocked"} <= set(event_types(uow_factory))


def test_idle_lock_fires_and_activity_postpones_it(qtbot, make_shell, actors):
    window = make_shell(actors["pharmacist"], idle_ms=60_000)
    press(window, Qt.Key.Key_F5)
    screen = window.current_screen()
    window.idle.set_timeout(800)  # shortened now that the screen is open
    window.idle.start()
    for _ in range(6):  # typing keeps it unlocked
        qtbot.wait(100)
        press(window, Qt.Key.Key_A)
    assert not window.locked and screen.note.text() == "aaaaaa"
    qtbot.waitUntil(lambda: window.locked, timeout=3_000)
    assert window.lock_screen.actor.user_id == actors["pharmacist"].user_id
    with qtbot.waitSignal(window.lock_changed, timeout=10_000):
        type_and_enter(qtbot, window.lock_screen.secret, TEST_PASSWORD)
    qtbot.waitUntil(lambda: window.locked, timeout=3_000)  # the idle timer runs again after a resume


def test_quick_switch_by_pin_on_the_lock_screen(qtbot, make_shell, actors, uow_factory):
    tech, rph = actors["technician"], actors["pharmacist"]
    auth.set_pin(uow_factory, rph, "4812")
    window = make_shell(tech)
    press(window, Qt.Key.Key_F5)
    screen = window.current_screen()
    press(window, Qt.Key.Key_F12)
    type_and_enter(qtbot, window.lock_screen.pin, "0000")
    qtbot.waitUntil(lambda: "No one signed in" in window.lock_screen.error.text(), timeout=10_000)
    assert "Wait 1 second" in window.lock_screen.error.text()  # the database throttles guessing
    qtbot.wait(1_100)
    with qtbot.waitSignal(window.lock_changed, timeout=10_000):
        type_and_enter(qtbot, window.lock_screen.pin, "4812")
    assert window.actor.user_id == rph.user_id and "Pharmacist" in window.user_badge.text()
    assert window.current_screen() is screen  # the screen in use stays open


def test_badge_scan_on_the_lock_screen_switches_user(qtbot, make_shell, actors, uow_factory):
    tech, rph = actors["technician"], actors["pharmacist"]
    auth.set_badge(uow_factory, actors["admin"], rph.user_id, "BADGE-424242")
    window = make_shell(tech)
    window.lock("F12")
    assert window.scan_target() is window.lock_screen
    with qtbot.waitSignal(window.lock_changed, timeout=10_000):
        window.scan_target().handle_scan("BADGE-424242")
    assert window.actor.user_id == rph.user_id


def test_sign_out_revokes_and_leaves_only_the_sign_in(qtbot, make_shell, actors, uow_factory):
    window = make_shell(actors["technician"])
    with qtbot.waitSignal(window.signed_out, timeout=10_000):
        window.sign_out()
    assert window.locked and not window.lock_screen.secret.isVisible()
    assert "SignedOut" in event_types(uow_factory)
    with qtbot.waitSignal(window.lock_changed, timeout=10_000):
        window.lock_screen.sign_in.username.setText(actors["manager"].username)
        type_and_enter(qtbot, window.lock_screen.sign_in.password, TEST_PASSWORD)
    assert window.actor.role == "manager" and "Audit trail" in " ".join(nav_titles(window))
