"""The status bar's pills at 1024x768, 1280x800 and 1920x1080: shorter words when the bar is narrow, never
elided words; the whole words stay in text(), the tooltip and the accessible name (issue 18)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtTest import QTest

from pharmacy_desktop.config import Config, PrinterConfig
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.screens.fill import FillScreen
from pharmacy_desktop.ui.screens.home import HomeScreen
from pharmacy_desktop.ui.status_bar import ShellStatusBar, StatusPill, shorter
from tests.shell.windows import settle

pytestmark = [pytest.mark.ui, pytest.mark.db]
SIZES = [(1024, 768), (1280, 800), (1920, 1080)]
LONGEST_BUSY = "Loading the verification queue…"


def elided(pill: StatusPill) -> bool:
    """Whether the pill's words are cut (ElidedLabel draws '…' for what does not fit)."""
    words = pill.words
    return QFontMetrics(words.font()).horizontalAdvance(words.text()) > words.contentsRect().width()


def visible_pills(window) -> list[StatusPill]:
    return [p for p in window.statusBar().findChildren(StatusPill) if p.isVisible()]


@pytest.fixture
def window(qtbot, app_look, uow_factory, database_url, actors):
    from pharmacy_desktop.ui.main_window import MainWindow

    printers = {role: PrinterConfig(uri=f"tcp://127.0.0.1:{port}", profile="TM-T88V") for role, port in
                (("label", 9100), ("receipt", 9101))}  # fmt: skip
    config = Config(workstation_name="counter-1", printers=printers)
    context = AppContext(uow_factory=uow_factory, config=config, workstation="counter-1", database_url=database_url)
    window = MainWindow(context, actors["pharmacist"], [HomeScreen, FillScreen], database_check_ms=0)
    qtbot.addWidget(window)
    window.set_database_connected(True)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    QTest.keyClick(window, Qt.Key.Key_F5)  # a screen that takes scans: the scanner's pill shows too
    return window


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_no_pill_is_elided_at_any_size_busy_or_not(window, size):
    window.resize(*size)
    settle()
    assert isinstance(window.statusBar(), ShellStatusBar)
    assert window.scanner_status.isVisible()
    for busy in (False, True):
        if busy:
            window.busy.start(LONGEST_BUSY)
        settle()
        pills = visible_pills(window)
        assert len(pills) == 4
        assert [p.shown_text() for p in pills if elided(p)] == [], (size, busy)
        for pill in pills:  # the whole words where a person (tooltip) and a screen reader find them
            assert pill.toolTip() == pill.text() == pill.accessibleName() == pill.words.toolTip()
            assert pill.shown_text() in (pill.text(), *pill._texts[1:])
        window.statusBar().grab().save(f"/tmp/shell-status-bar-{size[0]}{'-busy' if busy else ''}.png")
    window.busy.stop()


def test_the_whole_words_at_1920_and_shorter_ones_only_when_narrow(window):
    window.resize(1920, 1080)
    settle()
    assert [p.shown_text() for p in visible_pills(window)] == [p.text() for p in visible_pills(window)]
    assert "Database: connected (this computer)" == window.database_status.shown_text()
    window.resize(1024, 768)
    settle()
    assert window.database_status.shown_text() == "Database: connected"
    assert window.database_status.text() == "Database: connected (this computer)"  # tests and tools read this
    assert window.workstation_label.shown_text() == "counter-1"  # the header names who, as what
    assert "Pharmacist" in window.workstation_label.toolTip()
    window.resize(1920, 1080)
    settle()
    assert window.database_status.shown_text() == "Database: connected (this computer)"  # back when room comes back


def test_the_check_sees_whole_words_elided_at_1024(window, monkeypatch):
    """The whole words of every pill do not fit at 1024: shown anyway, the check above finds them elided."""
    window.resize(1024, 768)
    settle()
    with monkeypatch.context() as patch:
        patch.setattr(ShellStatusBar, "fit", lambda self: None)  # no fitting while the whole words show
        for pill in visible_pills(window):
            pill.show_level(0)
        settle()
        assert any(elided(p) for p in visible_pills(window))
    window.statusBar().fit()
    settle()
    assert not any(elided(p) for p in visible_pills(window))


def test_states_that_change_keep_fitting_at_1024(window):
    window.resize(1024, 768)
    settle()
    window.set_printer_state(False, "Label not printing — 3 jobs waiting (F10)")
    window.set_database_connected(False)
    settle()
    assert window.printer_status.text() == "Printers: Label not printing — 3 jobs waiting (F10)"
    assert window.database_status.shown_text() == "Database: reconnecting…"
    assert not any(elided(p) for p in visible_pills(window))
    window.statusBar().grab().save("/tmp/shell-status-bar-1024-trouble.png")


def test_shorter_words_drop_the_explanation():
    assert shorter("connected (this computer)") == "connected"
    assert shorter("Label not printing — 3 jobs waiting (F10)") == "Label not printing"
    assert shorter("ready") == "ready"


def test_room_is_kept_for_the_bars_other_widgets_at_1024(window, qtbot):
    """An administrator's bar has the backup's age too (ui/app adds it): the pills say less, never elided."""
    from PySide6.QtWidgets import QLabel

    qtbot.waitUntil(lambda: not window.busy.isVisible(), timeout=10_000)  # the fill queue loaded (F5)
    backup = QLabel("Last backup: 2 days ago (tonight at 02:00)")
    window.statusBar().addPermanentWidget(backup)
    window.resize(1024, 768)
    settle()
    window.statusBar().fit()
    settle()
    assert backup.isVisible()
    assert not any(elided(p) for p in visible_pills(window))
    assert QFontMetrics(backup.font()).horizontalAdvance(backup.text()) <= backup.contentsRect().width()


def test_a_long_busy_message_beside_the_backup_age_never_widens_the_window_at_1024(window):
    """Something loading while an administrator's bar shows the backup's age: the busy message gives way
    (elided, whole in its tooltip); the bar never asks for more than the window's width (it made the
    window 1069 px wide, past a 1024 display, when the fill queue was still loading)."""
    from PySide6.QtWidgets import QLabel

    window.statusBar().addPermanentWidget(QLabel("Last backup: 2 days ago (tonight at 02:00)"))
    window.busy.start("Loading the verification queue for the second workstation…")
    window.resize(1024, 768)
    settle()
    assert window.width() == 1024
    assert window.minimumSizeHint().width() <= 1024
    assert window.busy.label.toolTip() == "Loading the verification queue for the second workstation…"
    window.busy.stop()
