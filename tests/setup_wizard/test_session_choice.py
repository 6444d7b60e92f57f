"""What the Session does with each first-run choice (the database start itself is faked here)."""

from __future__ import annotations

import argparse

import pytest

from pharmacy_desktop.ui.first_run import CONNECT, DEMO, SETUP, StartChoice


@pytest.fixture
def session(qapp, qtbot, monkeypatch, tmp_path):
    import pharmacy_desktop.app as app_mod
    from pharmacy_desktop.ui.app import Session

    monkeypatch.setenv("PHARMACY_CONFIG_DIR", str(tmp_path))
    calls: list[dict[str, object]] = []

    def fake_open_database(url=None, **kwargs):
        calls.append({"url": url, **kwargs})
        raise OSError("not started in this test")

    monkeypatch.setattr(app_mod, "open_database", fake_open_database)
    made = Session(qapp, argparse.Namespace(database_url=None))
    qtbot.addWidget(made.startup)
    made.calls = calls
    yield made
    qapp.aboutToQuit.disconnect(made.shutdown)


@pytest.mark.parametrize(("mode", "seed"), [(DEMO, True), (SETUP, False), (CONNECT, False)])
def test_the_demo_is_loaded_only_when_chosen(session, qtbot, mode, seed):
    session._first_run_decided(StartChoice(mode))
    qtbot.waitUntil(lambda: bool(session.calls), timeout=10_000)
    assert session.calls[0]["seed_demo"] is seed
    qtbot.waitUntil(lambda: "could not be opened" in session.startup.message.text(), timeout=10_000)
    assert session.first_choice == StartChoice(mode)


def test_connect_reads_the_configuration_the_wizard_saved(session, qtbot, tmp_path):
    (tmp_path / "workstation.toml").write_text('[database]\nurl = "postgresql://pharmacy_app@db.lan/pharmacy"\n')
    session._first_run_decided(StartChoice(CONNECT))
    qtbot.waitUntil(lambda: bool(session.calls), timeout=10_000)
    assert session.calls[0]["cfg"].database_url == "postgresql://pharmacy_app@db.lan/pharmacy"


def test_a_failed_hosting_step_says_how_to_try_again(session, qtbot):
    from pharmacy_desktop.services.connection_check import HostingError

    session._database_failed(HostingError("Port 5432 is already used by another program on this computer."))
    text = session.startup.message.text()
    assert "could not be made the pharmacy's server" in text and "Port 5432" in text and "db host" in text
