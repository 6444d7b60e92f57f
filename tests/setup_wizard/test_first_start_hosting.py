"""The app's first start on a bare workstation: the wizard, "set up my pharmacy" hosting the database,
then the empty pharmacy's profile page; a counter on the network can connect with what it shows."""

from __future__ import annotations

import argparse
import os

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from pharmacy_desktop.db import hosting
from pharmacy_desktop.db.embedded import EmbeddedPostgres, free_port
from pharmacy_desktop.domain import connection_diagnosis as cd
from pharmacy_desktop.services.connection_check import ServerChoice, try_connection

LAN = hosting.local_networks()


@pytest.fixture
def bare_workstation(sandbox, monkeypatch):
    home = sandbox / f"bare-{os.getpid()}"
    home.mkdir()
    os.chmod(home, 0o755)
    monkeypatch.setenv("PHARMACY_DATA_DIR", str(home))
    monkeypatch.delenv("PHARMACY_CONFIG_DIR", raising=False)
    monkeypatch.delenv("PHARMACY_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "xdg-config"))
    yield home
    EmbeddedPostgres(home / "embedded").stop(force=True)  # never leave a server behind


@pytest.mark.skipif(not LAN, reason="this machine has no network address besides loopback")
def test_set_up_hosting_then_the_profile_page(bare_workstation, qtbot, qapp, monkeypatch):
    from pharmacy_desktop import config as config_mod
    from pharmacy_desktop.app import open_database
    from pharmacy_desktop.ui.app import Session
    from pharmacy_desktop.ui.first_run import FirstRunWizard

    session = Session(qapp, argparse.Namespace(database_url=None))
    qtbot.addWidget(session.startup)
    try:
        session.start()
        wizard = session.first_run
        assert wizard is not None and wizard.isVisible() and not session.startup.isVisible()
        qtbot.mouseClick(wizard.setup_button, Qt.MouseButton.LeftButton)
        page = wizard.setup_page
        page.hosts.setChecked(True)
        address = LAN[0][0]
        page.address.setEditText(address)
        page.subnet.setText(f"{address}/32")
        page.port.setValue(free_port())
        qtbot.mouseClick(page.next, Qt.MouseButton.LeftButton)
        assert not wizard.isVisible()
        qtbot.waitUntil(lambda: session.signin_window is not None and session.signin_window.decided, timeout=240_000)
        signin = session.signin_window
        assert signin.pages.currentWidget() is signin.first_run  # an empty pharmacy: its profile and first admin
        assert signin.demo_accounts is None  # no demo accounts beside a real pharmacy's set-up

        result = session.hosting_result
        assert result is not None and result.host == address
        box = signin.findChild(QMessageBox, "hostingResult")
        assert box is not None and f"Password: {result.app_password}" in box.text()
        box.grab().save("/tmp/first_run_hosting_result.png")
        signin.grab().save("/tmp/first_run_profile_after_hosting.png")

        box.done(0)

        # the profile and first administrator, then the wizard's last step: settings + printers found
        values = {
            "name": "Main Street Pharmacy", "address_line1": "1 Main St", "city": "Columbus", "state": "OH",
            "zip_code": "43004", "phone": "614-555-0100", "first_name": "Ada", "last_name": "Admin",
            "email": "ada@example.com", "username": "ada", "password": "Correct-Horse-2026",
            "password2": "Correct-Horse-2026",
        }  # fmt: skip
        for name, value in values.items():
            signin.first_run.inputs[name].setText(value)
        qtbot.mouseClick(signin.first_run.submit, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: session.window is not None and session.printer_finder is not None, timeout=60_000)
        assert session.window.screen_title.text() == "Workstation settings" or "ettings" in (
            session.window.screen_title.text()
        )
        assert session.printer_finder.network.text() == f"{address}/32"
        session.printer_finder.use("label", "tcp://192.168.1.50:9100")
        settings = session.window.stack.currentWidget()
        assert settings.rows["label"].uri.text() == "tcp://192.168.1.50:9100"
        session.window.grab().save("/tmp/first_run_devices_window.png")
        session.printer_finder.grab().save("/tmp/first_run_devices.png")

        counter = ServerChoice(
            host=result.host, port=result.port, user=result.app_role, password=result.app_password, sslmode="require"
        )
        assert try_connection(counter).diagnosis.kind == cd.OK
        assert try_connection(ServerChoice(**{**counter.__dict__, "sslmode": "disable"})).diagnosis.kind == (
            cd.TLS_REQUIRED
        )

        # another counter (its own configuration): the wizard's connect page, the fingerprint confirmed
        counter_config = bare_workstation / "counter2-config"
        monkeypatch.setenv("PHARMACY_CONFIG_DIR", str(counter_config))
        other = FirstRunWizard()
        qtbot.addWidget(other)
        other.show()
        qtbot.mouseClick(other.connect_button, Qt.MouseButton.LeftButton)
        page = other.connect_page
        page.host.setText(result.host)
        page.port.setValue(result.port)
        page.password.setText(result.app_password)
        assert page.sslmode.currentData() == "require"  # the default
        qtbot.mouseClick(page.test, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: page.last is not None, timeout=30_000)
        assert page.use.isEnabled(), page.result.text()
        assert not page.trust.isHidden() and result.fingerprint in page.trust.text()
        page.trust.setChecked(True)
        other.grab().save("/tmp/first_run_connect_pin.png")
        with qtbot.waitSignal(other.decided, timeout=30_000):
            qtbot.mouseClick(page.use, Qt.MouseButton.LeftButton)
        saved = config_mod.load()
        assert saved.sslmode == "verify-ca" and "sslrootcert=" in saved.database_url
        assert result.app_password not in (counter_config / "workstation.toml").read_text()
        counter_app = open_database(cfg=saved)  # as the app starts on that counter: keyring password, TLS pinned
        try:
            with counter_app.engine.connect() as conn:
                assert conn.exec_driver_sql("SELECT current_user").scalar() == "pharmacy_app"
                ssl_used = conn.exec_driver_sql("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").scalar()
                assert ssl_used is True
        finally:
            counter_app.close()
    finally:
        session.shutdown()
        qapp.aboutToQuit.disconnect(session.shutdown)
        # shutdown uninstalled the scanner: left following the focus it would read the next tests' typing as scans
        assert session.scanner is None or not session.scanner.watched
        for window in (session.first_run, session.signin_window, session.window):
            if window is not None:
                window.close()
