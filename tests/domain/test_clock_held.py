"""domain.clock.set_at: the demo's history holds the clock at a moment, for its own thread only."""

from __future__ import annotations

import datetime as dt
import threading

from pharmacy_desktop.domain import clock


def test_held_clock_is_the_moment_in_both_zones_then_real_again():
    moment = dt.datetime(2025, 12, 1, 15, 30, tzinfo=dt.UTC)
    token = clock.set_at(moment)
    try:
        assert clock.utcnow() == moment and clock.utcnow().tzinfo == dt.UTC
        assert clock.local_now() == moment and clock.local_now().utcoffset() is not None
        seen = []
        other = threading.Thread(target=lambda: seen.append(clock.utcnow()))
        other.start()
        other.join()
        assert seen[0].year >= 2026  # another thread keeps the real clock
    finally:
        clock.reset(token)
    assert abs(clock.utcnow() - dt.datetime.now(dt.UTC)) < dt.timedelta(seconds=5)
