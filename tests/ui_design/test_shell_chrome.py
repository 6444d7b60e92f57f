"""The shell's chrome from the design system: sidebar, status bar, footer, home counts, zoom and contrast keys.

At 1280x800 with the application's look; pictures in /tmp/ui_design-*.png for looking at.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from pharmacy_desktop.ui import display_prefs
from pharmacy_desktop.ui.fit_check import find_clipping
from pharmacy_desktop.ui.screens.fill import FillScreen
from pharmacy_desktop.ui.screens.home import OTHER_QUEUES, HomeScreen
from pharmacy_desktop.ui.theme import current_theme, current_zoom
from tests.shell.windows import DISPLAY, settle

pytestmark = [pytest.mark.ui, pytest.mark.db]
TIMEOUT = 10_000


def shell(qtbot, context, actor, screens):
    from pharmacy_desktop.ui.main_window import MainWindow

    window = MainWindow(context, actor, screens)
    qtbot.addWidget(window)
    window.set_database_connected(True)
    window.resize(*DISPLAY)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    return window


def chrome_clips(window) -> list[str]:
    """Clipped text in the header, the sidebar and the status bar (the screens are H6-H8's)."""
    parts = [window.nav, window.statusBar(), window.screen_title.parentWidget()]
    return [str(clip) for part in parts for clip in find_clipping(part)]


def test_sidebar_status_bar_and_footer_say_who_where_and_what_state(qtbot, look, context, actors):
    actor = actors["pharmacist"]
    window = shell(qtbot, context, actor, [HomeScreen, FillScreen])
    home = window.current_screen()
    assert isinstance(home, HomeScreen)
    # the sidebar: the app's font (no monospace), an icon per entry, the key in its own column
    assert not window.nav.font().fixedPitch() and window.nav.font().family() == look.font().family()
    assert [window.nav.item(r).data(Qt.ItemDataRole.UserRole + 1) for r in range(window.nav.count())] == [
        "Alt+H",
        "F5",
    ]
    assert all(not window.nav.item(r).icon().isNull() for r in range(window.nav.count()))
    # the footer: who, as what, at which workstation; the database with its host and state, in words
    identity = window.workstation_label.text()
    assert actor.display_name in identity and actor.role_title in identity and "test-ws" in identity
    qtbot.waitUntil(lambda: "Database: connected (" in window.database_status.text(), timeout=TIMEOUT)
    assert not window.database_status.icon.pixmap().isNull()
    # "Ready to scan" only where a scan means something, never the idle line over the work
    assert not window.scanner_status.isVisibleTo(window) and not window.scan_feedback.isVisibleTo(window)
    QTest.keyClick(window, Qt.Key.Key_F5)
    assert isinstance(window.current_screen(), FillScreen)
    assert window.scanner_status.isVisibleTo(window) and "ready to scan" in window.scanner_status.text()
    window.scan_feedback.bad("not a prescription label")
    assert window.scan_feedback.isVisibleTo(window)
    window.scan_feedback.clear()
    assert not window.scan_feedback.isVisibleTo(window)
    QTest.keyClick(window, Qt.Key.Key_H, Qt.KeyboardModifier.AltModifier)
    settle()
    assert chrome_clips(window) == []
    window.grab().save("/tmp/ui_design-shell-home.png")


def test_home_counts_every_queue_the_role_works(qtbot, look, context, actors):
    for role in ("technician", "pharmacist", "manager"):
        actor = actors[role]
        window = shell(qtbot, context, actor, [HomeScreen])
        home = window.current_screen()
        wanted = {name for name, _t, _k, permission, _m in OTHER_QUEUES if actor.can(permission)}
        assert set(home.others) == wanted, role
        assert home.cards, role  # the workflow steps
        qtbot.waitUntil(lambda h=home: all(c.count.text() != "…" for c in [*h.cards.values(), *h.others.values()]))
        assert all(c.count.text().isdigit() for c in home.others.values())
        assert "Updated" not in home.updated.text() and "Counts as of" in home.updated.text()
        window.close()


def test_zoom_keys_grow_the_whole_app_remember_it_for_the_user_and_the_chrome_still_fits(qtbot, look, context, actors):
    actor = actors["pharmacist"]
    window = shell(qtbot, context, actor, [HomeScreen])
    base = look.font().pointSizeF()
    title = window.screen_title.font().pointSizeF()
    for _ in range(5):
        QTest.keyClick(window, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    settle()
    assert current_zoom(look) == 150
    assert look.font().pointSizeF() == pytest.approx(base * 1.5, abs=0.1)
    assert window.screen_title.font().pointSizeF() == pytest.approx(title * 1.5, abs=0.3)
    assert display_prefs.load_display().zoom_for(actor.username) == 150  # remembered for this user
    window.resize(*DISPLAY)
    settle()
    window.grab().save("/tmp/ui_design-shell-home-150.png")
    assert chrome_clips(window) == []
    QTest.keyClick(window, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert current_zoom(look) == 135
    QTest.keyClick(window, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert current_zoom(look) == 100 and look.font().pointSizeF() == pytest.approx(base, abs=0.1)
    assert display_prefs.load_display().zoom_for(actor.username) == 100


def test_high_contrast_by_key_is_remembered_and_comes_back_at_the_next_sign_in(qtbot, look, context, actors):
    actor = actors["technician"]
    window = shell(qtbot, context, actor, [HomeScreen])
    QTest.keyClick(window, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
    settle()
    assert current_theme(look).name == "high_contrast"
    assert display_prefs.load_display().theme_for(actor.username) == "high_contrast"
    window.grab().save("/tmp/ui_design-shell-home-high-contrast.png")
    assert chrome_clips(window) == []
    window.display.toggle_contrast()
    assert current_theme(look).name == "light"
    # the next sign-in of someone who chose high contrast gets it back; others get the workstation's
    display_prefs.remember_for_user(actor.username, theme="high_contrast")
    window.display.for_user(actor.username)
    assert current_theme(look).name == "high_contrast"
    window.display.for_user(actors["pharmacist"].username)
    assert current_theme(look).name == "light"


def test_the_settings_display_group_saves_the_workstation_look_and_shows_it(qtbot, look, context, actors, tmp_path):
    from pharmacy_desktop.ui.screens.settings import SettingsScreen

    context.config_path = tmp_path / "workstation.toml"
    screen = SettingsScreen(context, actors["admin"])
    qtbot.addWidget(screen)
    group = screen.display_group
    assert group.title() == "Display" and group.chosen() == ("light", 100)
    group.theme.setCurrentIndex(group.theme.findData("high_contrast"))
    group.zoom.setCurrentIndex(group.zoom.findData(125))
    screen.save()
    qtbot.waitUntil(lambda: "Settings saved" in screen.notice.text(), timeout=TIMEOUT)
    saved = display_prefs.load_display(tmp_path / "display.toml")
    assert (saved.workstation_theme, saved.workstation_zoom) == ("high_contrast", 125)
    assert (current_theme(look).name, current_zoom(look)) == ("high_contrast", 125)  # on screen at once
    group.theme.setCurrentIndex(0)
    screen.load_from_config()  # Ctrl+Z: what is saved
    assert group.chosen() == ("high_contrast", 125)
