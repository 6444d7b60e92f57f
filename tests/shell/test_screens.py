"""Drug lookup, users, audit screens; change notices between workstations; the screenshots command."""

from __future__ import annotations

import psycopg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest

from pharmacy_desktop.db.models.prescriptions import Medication
from pharmacy_desktop.services import auth
from pharmacy_desktop.services.drug_search import refresh_drug_words

pytestmark = [pytest.mark.ui, pytest.mark.db]


@pytest.fixture
def catalog(uow_factory):
    with uow_factory() as uow:
        uow.session.add_all(
            [
                Medication(
                    ndc_code="68180051301",
                    package_ndc="68180-513-01",
                    drug_name="Lisinopril",
                    generic_name="Lisinopril",
                    strength="10 mg",
                    dosage_form="TABLET",
                    route="ORAL",
                    package_description="90 TABLET in 1 BOTTLE (68180-513-01)",
                    manufacturer="Lupin",
                ),
                Medication(
                    ndc_code="64950090110",
                    package_ndc="64950-901-10",
                    drug_name="Oxycodone Hydrochloride",
                    generic_name="Oxycodone Hydrochloride",
                    strength="5 mg",
                    dosage_form="CAPSULE",
                    route="ORAL",
                    dea_schedule="II",
                    is_controlled_substance=True,
                    package_description="100 CAPSULE in 1 BOTTLE, PLASTIC (64950-901-10)",
                ),
            ]
        )
        uow.commit()
    refresh_drug_words(uow_factory)


def test_drug_lookup_searches_as_you_type_and_shows_the_schedule(qtbot, make_shell, actors, catalog):
    window = make_shell(actors["technician"])
    QTest.keyClick(window.windowHandle(), Qt.Key.Key_F4)
    screen = window.current_screen()
    assert screen.search.hasFocus()
    QTest.keyClicks(screen.search, "oxyc 5")
    qtbot.waitUntil(lambda: screen.model.rowCount() == 1, timeout=10_000)
    assert screen.current.drug_name == "Oxycodone Hydrochloride"
    assert "C-II" in screen.schedule.text() and "controlled substance" in screen.schedule.text()
    assert screen.fields["ndc"].text() == "64950-901-10" and screen.fields["ndc11"].text() == "64950-0901-10"
    screen.clear_search()
    QTest.keyClicks(screen.search, "' OR 1=1 --")
    qtbot.wait(400)
    assert screen.model.rowCount() == 0


def test_drug_lookup_scan_opens_the_product(qtbot, make_shell, actors, catalog):
    window = make_shell(actors["technician"])
    QTest.keyClick(window.windowHandle(), Qt.Key.Key_F4)
    screen = window.current_screen()
    assert window.scan_target() is screen
    screen.handle_scan("368180513018")  # UPC-A of 68180-513-01
    qtbot.waitUntil(lambda: screen.current is not None, timeout=10_000)
    assert screen.current.ndc11 == "68180051301" and "Not a controlled" in screen.schedule.text()
    assert window.scan_feedback.state == "good"
    screen.handle_scan("368180513017")  # bad check digit
    qtbot.waitUntil(lambda: window.scan_feedback.state == "bad", timeout=10_000)
    assert "check digit" in window.scan_feedback.message()


def test_users_screen_creates_and_edits_with_optimistic_locking(qtbot, make_shell, actors, uow_factory):
    window = make_shell(actors["admin"])
    QTest.keyClick(window.windowHandle(), Qt.Key.Key_U, Qt.KeyboardModifier.AltModifier)
    screen = window.current_screen()
    qtbot.waitUntil(lambda: screen.model.rowCount() == 4, timeout=10_000)
    screen.new_user()
    for name, value in (
        ("first_name", "Ravi"),
        ("last_name", "Patel"),
        ("username", "rpatel"),
        ("email", "rpatel@pharmacy.test"),
    ):
        QTest.keyClicks(screen.inputs[name], value)
    screen.role.setCurrentIndex(screen.role.findData("pharmacist"))
    QTest.keyClicks(screen.password, "Copper-Kettle-Harbor")
    QTest.keyClick(screen.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "license" in screen.error.text().lower(), timeout=10_000)  # a pharmacist needs one
    QTest.keyClicks(screen.inputs["license_number"], "RPH-9001")
    QTest.keyClicks(screen.password, "Copper-Kettle-Harbor")
    screen.save()
    qtbot.waitUntil(lambda: screen.model.rowCount() == 5 and "Created" in screen.info.text(), timeout=10_000)
    assert auth.sign_in(uow_factory, "rpatel", "Copper-Kettle-Harbor", "test-ws").role == "pharmacist"
    # someone else saves the account meanwhile: this screen's edit is refused with a clear message
    row = next(r for r in screen.model.rows if r.username == "rpatel")
    auth.update_user(uow_factory, actors["admin"], row.id, row.version, phone="(217) 555-0177")
    screen.inputs["email"].setText("ravi@pharmacy.test")
    screen.save()
    qtbot.waitUntil(lambda: "another workstation" in screen.error.text(), timeout=10_000)


def test_audit_screen_lists_events_and_filters_by_type(qtbot, make_shell, actors, uow_factory):
    with pytest.raises(auth.AuthenticationFailed):
        auth.sign_in(uow_factory, actors["technician"].username, "wrong-password", "test-ws")
    window = make_shell(actors["manager"])
    QTest.keyClick(window.windowHandle(), Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    screen = window.current_screen()
    qtbot.waitUntil(lambda: screen.events_model.rowCount() > 5 and screen.event_type.count() > 1, timeout=10_000)
    screen.event_type.setCurrentIndex(screen.event_type.findData("SignInFailed"))
    screen.refresh()
    qtbot.waitUntil(lambda: screen.events_model.rowCount() == 1, timeout=10_000)
    row = screen.events_model.row(0)
    assert row.warning and actors["technician"].username in row.subject
    assert "1 event" in screen.summary.text() and "problem" in screen.summary.text()


def test_a_change_committed_elsewhere_reaches_the_listener_and_survives_a_reconnect(
    qtbot, uow_factory, database_url, pg_server
):
    from pharmacy_desktop.ui.changes import ChangeListener

    listener = ChangeListener(database_url, retry_seconds=0.2)
    try:
        with qtbot.waitSignal(listener.connection_changed, timeout=10_000):
            listener.start()
        with qtbot.waitSignal(listener.changed, timeout=3_000) as signal:
            with uow_factory() as uow:
                uow.notify("prescriptions", "0b6f2c1e-0000-4000-8000-000000000001", status="received")
                uow.commit()
        assert signal.args[0] == {
            "topic": "prescriptions",
            "id": "0b6f2c1e-0000-4000-8000-000000000001",
            "status": "received",
        }
        with uow_factory() as uow:  # rolled back: no notice
            uow.notify("prescriptions", "never")
        # the server drops the listening connection (as on a restart): it reconnects by itself
        name = database_url.rsplit("/", 1)[1]
        with psycopg.connect(pg_server.admin_dsn("postgres"), autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND application_name = 'pharmacy-desktop-listener'",
                (name,),
            )
        qtbot.waitUntil(lambda: not listener.connected, timeout=5_000)
        qtbot.waitUntil(lambda: listener.connected, timeout=10_000)
        with qtbot.waitSignal(listener.changed, timeout=3_000) as signal:
            with uow_factory() as uow:
                uow.notify("inventory", "after-reconnect")
                uow.commit()
        assert signal.args[0]["id"] == "after-reconnect"
    finally:
        listener.stop()


def test_screenshots_command_renders_each_screen(qtbot, uow_factory, actors, tmp_path, catalog):
    from pharmacy_desktop.cli.screenshots import render
    from pharmacy_desktop.config import Config
    from pharmacy_desktop.ui.context import AppContext

    context = AppContext(uow_factory=uow_factory, config=Config(workstation_name="counter-1"), workstation="counter-1")
    written = render(
        context,
        tmp_path,
        (1280, 800),
        only=["signin", "first-run", "shell-home", "lock-screen", "users", "audit", "drug-lookup"],
    )
    assert {p.stem for p in written} == {
        "signin",
        "first-run",
        "shell-home",
        "lock-screen",
        "users",
        "audit",
        "drug-lookup",
    }
    for path in written:
        image = QImage(str(path))
        assert image.height() == 800 and image.width() >= 1280, path
