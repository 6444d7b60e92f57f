"""ui/latency.freeze_long_lived: the objects made so far leave the cyclic collector's walk once per stage
(the start-up's before the sign-in's preload, the shell's at its first opening), never again after."""

from __future__ import annotations

import pytest

from pharmacy_desktop.ui import latency


class Collector:
    """Stands in for the gc module: counts the freezes (the test process's own objects stay as they are)."""

    def __init__(self) -> None:
        self.freezes = 0
        self.enabled = True

    def freeze(self) -> None:
        self.freezes += 1

    def isenabled(self) -> bool:
        return self.enabled

    def disable(self) -> None:
        self.enabled = False

    def enable(self) -> None:
        self.enabled = True


@pytest.fixture
def collector(monkeypatch) -> Collector:
    fake = Collector()
    monkeypatch.setattr(latency, "gc", fake)
    monkeypatch.setattr(latency, "_frozen", set())
    monkeypatch.setattr(latency, "_pauses", 0)
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
    collected_while_importing: list[bool] = []
    monkeypatch.setattr(latency, "import_modules", lambda names: collected_while_importing.append(collector.enabled))
    thread = latency.preload_modules(names=())
    thread.join(timeout=30)
    # frozen before (the start-up's objects) and after (the modules it imported); no collection between
    assert collector.freezes == 2 and {"sign-in", "preload"} <= latency._frozen
    assert collected_while_importing == [False] and collector.enabled
    latency.freeze_long_lived()  # the first shell, at its opening
    assert collector.freezes == 3


def test_a_collector_turned_off_before_the_preload_stays_off(collector, monkeypatch):
    from pharmacy_desktop.ui import icons

    monkeypatch.setattr(icons, "warm", lambda: None)
    collector.enabled = False
    latency.preload_modules(names=()).join(timeout=30)
    assert not collector.enabled


def test_pauses_that_overlap_give_the_collector_back_when_the_last_ends(collector):
    with latency.gc_paused("database layer"):
        assert not collector.enabled
        with latency.gc_paused("sign-in modules"):  # another thread's, say
            assert not collector.enabled
        assert not collector.enabled and collector.freezes == 1  # the inner one froze what it made
    assert collector.enabled and collector.freezes == 2


def test_a_failed_import_still_gives_the_collector_back(collector):
    with pytest.raises(ImportError), latency.gc_paused("database layer"):
        raise ImportError("a broken install")
    assert collector.enabled and "database layer" in latency._frozen
