"""The database connection killed in the middle of a fill (pg_terminate_backend from an admin
connection, as a crashed backend, a firewall reset or a DBA's kill looks to the app).

The fill runs through the real service; the test steps in at two points of its transaction: after
the fill row and the label job are written but before the stock is locked, and after the stock
rows are locked and deducted (the commit not yet sent). Either way the pharmacy must be exactly as
before, the person gets a message (no traceback, no SQL), and pressing the key again fills once.
"""

from __future__ import annotations

import time

import psycopg
import pytest
from sqlalchemy import func, select

from pharmacy_desktop.errors import DatabaseUnavailable
from pharmacy_desktop.services import fill
from tests.faults import ledger
from tests.fill import factories as f

KILL_POINTS = {
    # (function of services/fill.py to step in after, what holds at that moment)
    "label queued, stock not yet locked": "_queue_label",
    "stock rows locked and deducted": "_deduct",
}


def _kill_own_backend(uow, admin_dsn: str, item_id, *, expect_stock_locked: bool) -> None:
    pid = uow.session.scalar(select(func.pg_backend_pid()))
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        # the fill's row locks are real: another session cannot take the stock row now
        try:
            admin.execute("SELECT 1 FROM inventory_schema.inventory_items WHERE id = %s FOR UPDATE NOWAIT", (item_id,))
            locked = False
        except psycopg.errors.LockNotAvailable:
            locked = True
        assert locked is expect_stock_locked
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


@pytest.mark.parametrize("point", list(KILL_POINTS), ids=["before-stock-lock", "holding-stock-locks"])
def test_connection_killed_mid_fill_leaves_nothing_and_the_retry_fills_once(
    monkeypatch, uow_factory, database_url, pg_server, actors, figures, point
):
    tech = actors["technician"]
    world = f.world(uow_factory)
    rx_ids = [world.rx_id]
    before = ledger.read(uow_factory, world.item_id, rx_ids)
    admin_dsn = pg_server.admin_dsn(database_url.rsplit("/", 1)[1])
    name = KILL_POINTS[point]
    original = getattr(fill, name)
    kills = []

    def then_kill(uow, *args, **kwargs):
        result = original(uow, *args, **kwargs)
        if not kills:
            kills.append(time.monotonic())
            _kill_own_backend(uow, admin_dsn, world.item_id, expect_stock_locked=name == "_deduct")
        return result

    monkeypatch.setattr(fill, name, then_kill)
    with pytest.raises(DatabaseUnavailable) as raised:
        fill.fill(uow_factory, tech, world.rx_id, f.LISINOPRIL_20_100.upc)
    failed_after = time.monotonic() - kills[0]
    message = raised.value.message
    assert "nothing was saved" in message and "try again" in message.lower()
    assert not any(word in message for word in ("SELECT", "INSERT", "psycopg", "Traceback", "Maria"))

    assert ledger.read(uow_factory, world.item_id, rx_ids) == before  # all-or-nothing

    # the technician presses the key again: the same pool, a fresh connection, one fill
    started = time.monotonic()
    result = fill.fill(uow_factory, tech, world.rx_id, f.LISINOPRIL_20_100.upc)
    retry_seconds = time.monotonic() - started
    assert result.quantity == 30 and result.label_job_id is not None
    expected = ledger.after_fills(before, [result.quantity], ("in_progress",))
    assert ledger.read(uow_factory, world.item_id, rx_ids) == expected
    assert expected.on_hand == 470

    # and again (a double press, a second workstation): refused, nothing done twice
    with pytest.raises(fill.FillRefused):
        fill.fill(uow_factory, tech, world.rx_id, f.LISINOPRIL_20_100.upc)
    assert ledger.read(uow_factory, world.item_id, rx_ids) == expected
    figures(
        f"killed mid-fill ({point})",
        f"error shown {failed_after * 1000:.0f} ms after the kill; retry filled in {retry_seconds * 1000:.0f} ms; "
        "work lost 0, done twice 0",
    )
