"""The database server restarted under a running workstation (the fault suite's own cluster).

A workstation keeps its engine (connection pool) and its change listener for the whole day; a
restart of the server (an update, a reboot of the server machine) must not need a restart of the
app: the next action works, live updates come back, and a fill caught by the shutdown is either
wholly there or wholly absent.
"""

from __future__ import annotations

import threading
import time

import pytest

from pharmacy_desktop.db.engine import make_engine, make_session_factory
from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
from pharmacy_desktop.errors import DatabaseUnavailable
from pharmacy_desktop.services import fill
from tests.conftest import make_actor
from tests.faults import ledger
from tests.faults.conftest import start_again, wait_for
from tests.fill import factories as f


@pytest.fixture
def workstation(faults_url):
    engine = make_engine(faults_url)
    factory = UnitOfWorkFactory(make_session_factory(engine), workstation="counter-1")
    yield factory
    engine.dispose()


def _second_rx(factory, world):
    with factory() as uow:
        med = uow.session.get(f.Medication, world.meds[f.LISINOPRIL_20_100.package_ndc])
        rx = f.add_prescription(uow, f.add_patient(uow, "Ann", "Lee"), med)
        uow.commit()
        return rx.id


def test_after_a_server_restart_the_pool_and_the_listener_recover_without_an_app_restart(
    qtbot, faults_server, faults_url, workstation, figures
):
    from pharmacy_desktop.ui.changes import ChangeListener

    tech = make_actor(workstation, "technician")
    world = f.world(workstation)
    rx_ids = [world.rx_id, _second_rx(workstation, world)]
    fill.open_for_fill(workstation, tech, world.rx_id)  # the pool holds live connections now
    before = ledger.read(workstation, world.item_id, rx_ids)

    notices: list[dict] = []
    states: list[bool] = []
    listener = ChangeListener(faults_url, retry_seconds=0.2)
    listener.changed.connect(notices.append)  # queued to this thread: qtbot.waitUntil delivers them
    listener.connection_changed.connect(states.append)
    listener.start()
    try:
        wait_for(lambda: listener.connected, 10)

        faults_server.stop()
        wait_for(lambda: not listener.connected, 10)  # the shell says "reconnecting"
        start_again(faults_server)
        up = time.monotonic()

        # the first action after the restart works: pre-ping replaces the dead pooled connections
        result = fill.fill(workstation, tech, world.rx_id, f.LISINOPRIL_20_100.upc)
        first_action = time.monotonic() - up
        assert ledger.read(workstation, world.item_id, rx_ids) == ledger.after_fills(
            before, [result.quantity], ("in_progress", "validated")
        )

        listener_back = wait_for(lambda: listener.connected, 15) + first_action
        # live updates work again: the next fill's notice reaches the listener
        fill.fill(workstation, tech, rx_ids[1], f.LISINOPRIL_20_100.upc)
        qtbot.waitUntil(lambda: any(n.get("id") == str(rx_ids[1]) for n in notices), timeout=10_000)
        assert states[:2] == [True, False] and states[-1] is True
    finally:
        listener.stop()
    figures(
        "server restarted (pg_ctl stop -m fast, start)",
        f"first fill after the server was up: {first_action * 1000:.0f} ms, no error; listener reconnected "
        f"{listener_back:.1f} s after the server was up; work lost 0",
    )


def test_a_fill_caught_by_the_shutdown_is_absent_and_the_retry_after_the_restart_fills_once(
    monkeypatch, faults_server, workstation, figures
):
    tech = make_actor(workstation, "technician")
    world = f.world(workstation)
    rx_ids = [world.rx_id]
    before = ledger.read(workstation, world.item_id, rx_ids)
    original = fill._deduct
    stopped = threading.Event()

    def then_stop_the_server(uow, *args, **kwargs):
        original(uow, *args, **kwargs)  # the stock rows are locked and deducted, not committed
        if not stopped.is_set():
            stopped.set()
            faults_server.stop()  # fast shutdown: every backend's transaction is rolled back

    monkeypatch.setattr(fill, "_deduct", then_stop_the_server)
    with pytest.raises(DatabaseUnavailable) as raised:
        fill.fill(workstation, tech, world.rx_id, f.LISINOPRIL_20_100.upc)
    assert "nothing was saved" in raised.value.message
    monkeypatch.undo()

    # while the server is down the action fails at once with the same message (no hang)
    started = time.monotonic()
    with pytest.raises(DatabaseUnavailable):
        fill.fill(workstation, tech, world.rx_id, f.LISINOPRIL_20_100.upc)
    refused_in = time.monotonic() - started
    assert refused_in < 6  # connect_timeout is 5 s; a refused port answers at once

    start_again(faults_server)
    up = time.monotonic()
    assert ledger.read(workstation, world.item_id, rx_ids) == before
    result = fill.fill(workstation, tech, world.rx_id, f.LISINOPRIL_20_100.upc)
    retry = time.monotonic() - up
    assert ledger.read(workstation, world.item_id, rx_ids) == ledger.after_fills(
        before, [result.quantity], ("in_progress",)
    )
    figures(
        "server shut down while a fill held its stock locks",
        f"fill refused with 'nothing was saved'; while down, actions refused in {refused_in * 1000:.0f} ms; "
        f"retry after start filled once ({retry * 1000:.0f} ms incl. reading the ledger); work lost 0",
    )
