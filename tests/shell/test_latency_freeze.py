"""ui/latency.freeze_long_lived: the objects made so far leave the cyclic collector's walk once per stage
(the start-up's before the sign-in's preload, the shell's at its first opening), never again after."""

from __future__ import annotations

import pytest

from pharmacy_desktop.ui import latency


class Collector:
    """Stands in for the gc module: counts the freezes (the test process's own objects stay as they are)."""

    def __init__(self) -> None:
        self.freezes = 0

    def freeze(self) -> None:
        self.freezes += 1


@pytest.fixture
def collector(monkeypatch) -> Collector:
    fake = Collector()
    monkeypatch.setattr(latency, "gc", fake)
    monkeypatch.setattr(latency, "_frozen", set())
    return fake


def test_each_stage_freezes_once(collector):
    latency.freeze_long_lived("sign-in")
    assert collector.freezes == 1
    latency.freeze_long_lived("sign-in")  # again: nothing more
    assert collector.freezes == 1
    latency.freeze_long_lived()  # the shell's stage: what was made since the sign-in's
    assert collector.freezes == 2
    latency.freeze_long_lived()  # a second sign-in's shell is collected as usual
    assert collector.freezes == 2


def test_the_preload_freezes_the_start_ups_objects_before_it_imports(collector, monkeypatch):
    from pharmacy_desktop.ui import icons

    # not the icon fonts on a thread of the test process: a shell shown by a later test was never activated
    monkeypatch.setattr(icons, "warm", lambda: None)
    thread = latency.preload_modules(names=())
    thread.join(timeout=30)
    assert collector.freezes == 1 and "sign-in" in latency._frozen
    latency.freeze_long_lived()  # the shell's modules, imported by the preload, at the shell's opening
    assert collector.freezes == 2
