"""The first page of a new workstation: demo, a pharmacy of its own, or the pharmacy's server."""

from __future__ import annotations

import os
from urllib.parse import unquote, urlsplit

import pytest
from PySide6.QtCore import Qt

from pharmacy_desktop import config as config_mod
from pharmacy_desktop.services.connection_check import HostingPlan
from pharmacy_desktop.ui.first_run import CONNECT, DEMO, SETUP, FirstRunWizard, StartChoice
from pharmacy_desktop.ui.first_start import first_run_needed

SHOTS = "/tmp/first_run_{}.png"


@pytest.fixture
def wizard(qtbot):
    widget = FirstRunWizard()
    qtbot.addWidget(widget)
    widget.show()
    return widget


def decided(qtbot, wizard, click) -> StartChoice:
    with qtbot.waitSignal(wizard.decided, timeout=30_000) as signal:
        click()
    return signal.args[0]


def test_demo_is_one_click(qtbot, wizard):
    wizard.grab().save(SHOTS.format("welcome"))
    assert decided(qtbot, wizard, lambda: qtbot.mouseClick(wizard.demo_button, Qt.MouseButton.LeftButton)) == (
        StartChoice(DEMO)
    )


def test_set_up_with_and_without_hosting(qtbot, wizard):
    qtbot.mouseClick(wizard.setup_button, Qt.MouseButton.LeftButton)
    assert wizard.pages.currentWidget() is wizard.setup_page
    page = wizard.setup_page
    assert not page.hosting_form.isEnabled()
    page.hosts.setChecked(True)
    assert page.hosting_form.isEnabled()
    page.address.setEditText("192.168.1.20")
    page.subnet.setText("0.0.0.0/0")  # the whole internet: refused in words, nothing decided
    with qtbot.assertNotEmitted(wizard.decided):
        qtbot.mouseClick(page.next, Qt.MouseButton.LeftButton)
    assert "too wide" in page.error.text()
    page.subnet.setText("192.168.1.0/24")
    wizard.grab().save(SHOTS.format("setup"))
    choice = decided(qtbot, wizard, lambda: qtbot.mouseClick(page.next, Qt.MouseButton.LeftButton))
    assert choice == StartChoice(SETUP, hosting=HostingPlan("192.168.1.20", "192.168.1.0/24"))
    assert choice.hosts_database
    page.hosts.setChecked(False)
    choice = decided(qtbot, wizard, lambda: qtbot.mouseClick(page.next, Qt.MouseButton.LeftButton))
    assert choice == StartChoice(SETUP) and not choice.hosts_database
    qtbot.mouseClick(page.back, Qt.MouseButton.LeftButton)
    assert wizard.pages.currentWidget() is wizard.welcome


def test_hosting_summary_says_what_to_type_at_the_counters(tmp_path):
    from pharmacy_desktop.db.hosting import make_certificate
    from pharmacy_desktop.services.connection_check import HostingResult
    from pharmacy_desktop.ui.first_run import hosting_summary

    cert, _key = make_certificate(tmp_path, ["counter1"], ["192.168.1.20"])
    result = HostingResult("192.168.1.20", 5432, "pharmacy", "pharmacy_app", "pw-123", cert, None)
    text = hosting_summary(result)
    assert result.fingerprint in text and len(result.fingerprint) == 95
    for words in ("Server: 192.168.1.20", "Port: 5432", "User: pharmacy_app", "Password: pw-123", "TLS: require"):
        assert words in text


def fill(page, url: str, password: str | None = None) -> None:
    parts = urlsplit(url)
    page.host.setText(parts.hostname)
    page.port.setValue(parts.port)
    page.database.setText(parts.path.lstrip("/"))
    page.user.setText(unquote(parts.username))
    page.password.setText(password if password is not None else unquote(parts.password))
    page.sslmode.setCurrentIndex(page.sslmode.findData("prefer"))


def test_connect_diagnoses_then_saves(qtbot, wizard, database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("PHARMACY_CONFIG_DIR", str(tmp_path))
    qtbot.mouseClick(wizard.connect_button, Qt.MouseButton.LeftButton)
    page = wizard.connect_page
    qtbot.mouseClick(page.test, Qt.MouseButton.LeftButton)  # nothing typed: the fields are named, no test
    assert "host" in page.error.text()

    fill(page, database_url, password="wrong-password-123")
    qtbot.mouseClick(page.test, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.last is not None, timeout=30_000)
    assert "refused the password" in page.result.text() and "wrong-password-123" not in page.result.text()
    assert not page.use.isEnabled()
    wizard.grab().save(SHOTS.format("connect_refused"))

    fill(page, database_url)
    qtbot.mouseClick(page.test, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.last is not None, timeout=30_000)
    assert page.use.isEnabled(), page.result.text()
    wizard.grab().save(SHOTS.format("connect_ok"))
    page.port.setValue(page.port.value() + 1)  # changed after the test: test again first
    assert not page.use.isEnabled()
    page.port.setValue(page.port.value() - 1)
    qtbot.mouseClick(page.test, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.use.isEnabled(), timeout=30_000)

    choice = decided(qtbot, wizard, lambda: qtbot.mouseClick(page.use, Qt.MouseButton.LeftButton))
    assert choice == StartChoice(CONNECT)
    saved = config_mod.load(tmp_path / "workstation.toml")
    assert saved.database_url and saved.sslmode == "prefer"
    assert unquote(urlsplit(database_url).password) not in (tmp_path / "workstation.toml").read_text()


def test_first_run_needed_only_on_a_bare_workstation(sandbox, monkeypatch):
    tmp_path = sandbox / f"first-run-{os.getpid()}"  # traversable by the postgres user (root's tmp is not)
    monkeypatch.setenv("PHARMACY_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PHARMACY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("PHARMACY_DATABASE_URL", raising=False)
    bare = config_mod.Config()
    assert first_run_needed(None, bare)
    assert not first_run_needed("postgresql://u@h/d", bare)
    assert not first_run_needed(None, config_mod.Config(database_url="postgresql://u@h/d"))
    monkeypatch.setenv("PHARMACY_DATABASE_URL", "postgresql://u@h/d")
    assert not first_run_needed(None, bare)
    monkeypatch.delenv("PHARMACY_DATABASE_URL")
    (tmp_path / "data" / "embedded" / "pgdata").mkdir(parents=True)
    (tmp_path / "data" / "embedded" / "pgdata" / "PG_VERSION").write_text("15\n")
    assert not first_run_needed(None, bare)  # an embedded database exists: it is used as before
