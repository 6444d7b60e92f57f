"""display.toml is written off the GUI thread (issue 18's small items): the shell's zoom and contrast
keys and Settings > Display queue their change; one writer thread applies the changes in order.
Two quick changes leave the last; a person's and the workstation's change at the same moment both
stay; what is queued is what ``load_display`` shows before it is written."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtWidgets import QWidget

from pharmacy_desktop.ui import display_prefs
from pharmacy_desktop.ui.display import DisplayControl
from pharmacy_desktop.ui.theme import current_zoom

pytestmark = [pytest.mark.ui]
TIMEOUT = 10_000


@pytest.fixture
def writes(monkeypatch):
    """Every save_display call: the thread it ran on and what it wrote."""
    seen: list[tuple[str, display_prefs.DisplayPrefs]] = []
    real = display_prefs.save_display

    def recording(prefs, path=None):
        seen.append((threading.current_thread().name, prefs))
        return real(prefs, path)

    monkeypatch.setattr(display_prefs, "save_display", recording)
    yield seen
    assert display_prefs.flush(10)


def test_the_zoom_keys_write_off_the_gui_thread_and_the_last_step_wins(qtbot, look, writes):
    window = QWidget()
    qtbot.addWidget(window)
    control = DisplayControl(window)
    control.for_user("zoomer")
    for _ in range(3):
        control.zoom(+1)  # 100 -> 110 -> 125 -> 135, pressed faster than a disk writes
    assert current_zoom(look) == 135
    assert display_prefs.load_display().zoom_for("zoomer") == 135  # queued or written: the last step
    assert display_prefs.flush(10)
    assert writes and all(name != threading.main_thread().name for name, _ in writes)
    assert display_prefs.load_display().zoom_for("zoomer") == 135  # and on disk
    assert display_prefs.load_display(display_prefs.display_path()) == writes[-1][1]


def test_quick_changes_are_applied_in_order_and_none_is_lost(tmp_path, monkeypatch, writes):
    path = tmp_path / "display.toml"
    monkeypatch.setattr(display_prefs, "display_path", lambda: path)
    gate, started = threading.Event(), threading.Event()
    recording = display_prefs.save_display

    def slow(prefs, where=None):  # the first write hangs on a slow disk until the test lets it go
        started.set()
        assert gate.wait(10)
        return recording(prefs, where)

    monkeypatch.setattr(display_prefs, "save_display", slow)
    first = display_prefs.remember_for_user("ann", zoom=110)
    assert started.wait(10)  # the writer holds ann's 110 now; more changes come meanwhile
    display_prefs.remember_for_user("ann", zoom=150)
    display_prefs.remember_for_user("ann", theme="high_contrast")
    display_prefs.remember_for_workstation("light", 125, path)
    display_prefs.remember_for_user("bob", zoom=90)
    display_prefs.remember_for_user("ann", zoom=135)
    shown = display_prefs.load_display()
    assert (shown.zoom_for("ann"), shown.theme_for("ann"), shown.workstation_zoom) == (135, "high_contrast", 125)
    assert not first.done()
    gate.set()
    assert display_prefs.flush(10)
    assert first.result(timeout=1).zoom_for("ann") == 110
    on_disk = display_prefs._read(path)
    assert on_disk == shown
    assert on_disk.zoom_for("bob") == display_prefs.clamp_zoom(90)


def test_a_file_that_cannot_be_written_is_reported_to_who_waits_and_logged(tmp_path, caplog):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the folder should be")
    written = display_prefs.remember_for_workstation("light", 110, blocked / "display.toml")
    with pytest.raises(OSError):
        written.result(timeout=10)
    assert display_prefs.flush(10)
    mine = display_prefs.update(lambda p: p.with_user("cy", zoom=110), blocked / "display.toml")
    with pytest.raises(OSError):
        mine.result(timeout=10)
    assert display_prefs.load_display(blocked / "display.toml") == display_prefs.DisplayPrefs()  # nothing left queued


def test_settings_display_saves_off_the_gui_thread(qtbot, look, context, actors, tmp_path, writes):
    from pharmacy_desktop.ui.screens.settings import SettingsScreen

    context.config_path = tmp_path / "workstation.toml"
    screen = SettingsScreen(context, actors["admin"])
    qtbot.addWidget(screen)
    group = screen.display_group
    group.zoom.setCurrentIndex(group.zoom.findData(125))
    screen.save()
    qtbot.waitUntil(lambda: "Settings saved" in screen.notice.text(), timeout=TIMEOUT)
    assert current_zoom(look) == 125  # on screen once written
    assert [name for name, _ in writes] and all(name != threading.main_thread().name for name, _ in writes)
    assert display_prefs.load_display(tmp_path / "display.toml").workstation_zoom == 125


def test_settings_reports_a_display_file_it_cannot_write(qtbot, look, context, actors, tmp_path):
    from pharmacy_desktop.ui.screens.settings import SettingsScreen

    (tmp_path / "blocked").write_text("a file where the folder should be")
    context.config_path = tmp_path / "blocked" / "workstation.toml"
    screen = SettingsScreen(context, actors["admin"])
    qtbot.addWidget(screen)
    screen.save()
    qtbot.waitUntil(lambda: screen.error.isVisibleTo(screen), timeout=TIMEOUT)
    assert "Settings saved" not in screen.notice.text()
