"""The shell says "reconnecting…" while the database is away and recovers by itself.

The pharmacist's shell (review screen, change listener, its own connection pool) reaches the
database only through the fault proxy. Two outages: the link cut with the server unreachable (the
listener's connection breaks), then a stall (nothing breaks, nothing answers: only the shell's
database watch can tell). After each, the status says "connected" again with nobody touching the
app, and the review queue shows a prescription entered elsewhere during the outage.
"""

from __future__ import annotations

import time

import pytest

from pharmacy_desktop.config import Config
from pharmacy_desktop.db.engine import make_engine, make_session_factory
from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
from pharmacy_desktop.services import intake
from pharmacy_desktop.ui.context import AppContext
from tests.intake.conftest import make_patient, meds, rx_form

__all__ = ["make_patient", "meds"]  # fixtures, used by name below

TIMEOUT = 10_000
CHECK_MS, OVERDUE_MS = 300, 1_500  # the shell's database watch, quickened for the test
OUTAGE_SECONDS = 1.5


@pytest.fixture
def shell(qtbot, app_look, proxy_to, database_url, actors):
    from pharmacy_desktop.ui.changes import ChangeListener
    from pharmacy_desktop.ui.main_window import MainWindow
    from pharmacy_desktop.ui.screens.review import ReviewScreen

    proxy, url = proxy_to(database_url)
    engine = make_engine(url)
    context = AppContext(
        uow_factory=UnitOfWorkFactory(make_session_factory(engine), workstation="rph-station"),
        config=Config(workstation_name="rph-station"),
        workstation="rph-station",
        database_url=url,
    )
    window = MainWindow(
        context, actors["pharmacist"], [ReviewScreen], database_check_ms=CHECK_MS, database_overdue_ms=OVERDUE_MS
    )
    qtbot.addWidget(window)
    listener = ChangeListener(url, retry_seconds=0.2)  # wired as the app's Session wires it
    listener.changed.connect(window.on_change)
    listener.connection_changed.connect(window.set_database_connected)
    listener.start()
    window.resize(1280, 800)
    window.show()
    screen = window.findChild(ReviewScreen)
    window.show_screen(screen)
    try:
        yield window, screen, proxy
    finally:
        proxy.resume()
        proxy.up()
        listener.stop()
        window.close()
        engine.dispose()


def _status(window) -> str:
    return window.database_status.text()


def _enter_prescription_elsewhere(database_url, actor, meds, make_patient, last_name: str) -> str:
    """The counter's workstation, on its own network: a new prescription for the review queue."""
    engine = make_engine(database_url)
    try:
        counter = UnitOfWorkFactory(make_session_factory(engine), workstation="counter-1")
        patient = make_patient("John", last_name)
        return intake.submit_prescription(
            counter, actor, rx_form(patient.patient_id, meds["lisinopril"], sig="1 T PO QD")
        ).rx_number
    finally:
        engine.dispose()


def _measure(qtbot, predicate) -> float:
    started = time.monotonic()
    qtbot.waitUntil(predicate, timeout=TIMEOUT)
    return time.monotonic() - started


def test_the_shell_says_reconnecting_while_the_database_is_away_and_recovers_by_itself(
    qtbot, shell, database_url, actors, meds, make_patient, figures
):
    window, screen, proxy = shell
    qtbot.waitUntil(lambda: "Database: connected" in _status(window), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: window.database_watch.ok is True, timeout=TIMEOUT)
    assert screen.rows == []

    # 1. the server unreachable: the listener's connection breaks
    proxy.down()
    noticed_cut = _measure(qtbot, lambda: "reconnecting…" in _status(window))
    assert "saved work is safe" in _status(window)
    missed = _enter_prescription_elsewhere(database_url, actors["technician"], meds, make_patient, "Cut")
    qtbot.wait(int(OUTAGE_SECONDS * 1000))
    assert "reconnecting…" in _status(window)  # no flapping while it stays away
    assert screen.rows == []
    proxy.up()
    back_after_cut = _measure(qtbot, lambda: "Database: connected" in _status(window))
    # its notice was sent while nobody listened: the shell's catch-up reloads the queue anyway
    qtbot.waitUntil(lambda: [r.rx_number for r in screen.rows] == [missed], timeout=TIMEOUT)

    # 2. a stall: connections stay open, nothing answers; only the shell's watch can tell
    proxy.pause()
    noticed_stall = _measure(qtbot, lambda: "not answering" in _status(window))
    assert "reconnecting…" in _status(window)
    during_stall = _enter_prescription_elsewhere(database_url, actors["technician"], meds, make_patient, "Stall")
    qtbot.wait(int(OUTAGE_SECONDS * 1000))
    assert "reconnecting…" in _status(window)
    proxy.resume()
    back_after_stall = _measure(qtbot, lambda: "Database: connected" in _status(window))
    qtbot.waitUntil(lambda: sorted(r.rx_number for r in screen.rows) == sorted([missed, during_stall]), timeout=TIMEOUT)

    figures(
        "shell status, link cut (server unreachable)",
        f"'reconnecting…' shown after {noticed_cut:.2f} s; 'connected' {back_after_cut:.2f} s after the link "
        "came back, review queue caught up without a click",
    )
    figures(
        "shell status, network stalled",
        f"'reconnecting… (not answering)' shown after {noticed_stall:.2f} s (watch: probe every {CHECK_MS} ms, "
        f"overdue after {OVERDUE_MS} ms); 'connected' {back_after_stall:.2f} s after the network came back",
    )
