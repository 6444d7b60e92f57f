"""Settings (Alt+S): the scanner test shows what the workstation's scanner sent and what it resolved to.

The scanner filter is the application's own (``make_scanner``, as the app creates it at sign-in);
keys carry platform time stamps, as they do when they queue up behind a busy GUI thread, so the
test decides "scan or typing" exactly the way the counter does. Scans resolve against the demo
catalog on a real PostgreSQL, off the GUI thread.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from pharmacy_desktop import config as config_mod
from pharmacy_desktop.config import Config
from pharmacy_desktop.domain.barcodes import GS, build_gs1_element_string, ndc_to_gtin14, ndc_to_upc_a
from pharmacy_desktop.ui.app import make_scanner
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.scanner import ScanDispatcher
from pharmacy_desktop.ui.screens.registry import screen_classes
from pharmacy_desktop.ui.screens.settings import SettingsScreen

pytestmark = [pytest.mark.ui, pytest.mark.db]

LIPITOR = "0071-0157-23"  # in the demo catalog: Lipitor 40 mg, 90 tablets
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
TIMEOUT = 10_000
_clock = itertools.count(10_000_000, 1_000_000)  # each typing session starts well after the last one


@pytest.fixture
def database_url(demo_catalog_url):
    """This module's database (and so uow_factory's): a fresh copy of one with the demo catalog imported
    (``import_catalog(url, resources/catalog, partial=True)``, once per run: tests/conftest.py
    demo_catalog_template)."""
    return demo_catalog_url


@pytest.fixture
def catalog(database_url):
    return database_url


@pytest.fixture
def context(uow_factory, database_url, tmp_path) -> AppContext:
    return AppContext(
        uow_factory=uow_factory,
        config=Config(workstation_name="test-ws"),
        workstation="test-ws",
        database_url=database_url,
        config_path=tmp_path / "workstation.toml",
    )


@pytest.fixture
def look(qapp):
    """The counter's look (make_application: 11 pt) for a picture; Qt's defaults again afterwards."""
    from pharmacy_desktop.ui.app import make_application

    font, sheet = qapp.font(), qapp.styleSheet()
    make_application()
    yield
    qapp.setFont(font)
    qapp.setStyleSheet(sheet)


@pytest.fixture
def shell(qtbot, qapp, context, actors, catalog):
    """The shell as the app builds it at sign-in: the scanner filter first, then the screens, then the
    dispatcher that hands scans to the screen in use. Yields (window, settings screen, scanner)."""
    from pharmacy_desktop.ui.main_window import MainWindow

    scanner = make_scanner(context, qapp)
    try:
        window = MainWindow(context, actors["admin"], screen_classes())
        qtbot.addWidget(window)
        dispatcher = ScanDispatcher(window.scan_target, window.scan_feedback, parent=window)
        dispatcher.connect_to(scanner)
        window.resize(1280, 800)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=TIMEOUT)
        settings = window.screen_of(SettingsScreen)  # only the screen under test built
        assert window.show_screen(settings)
        yield window, settings, scanner
    finally:
        scanner.uninstall(qapp)
        scanner.deleteLater()
        context.scanner = None


def keys(text: str, gap_ms: float) -> None:
    """``text`` and Enter into whatever has the focus, one key every ``gap_ms`` by the keys' time stamps."""
    at = float(next(_clock))
    for char in text + "\n":
        widget = QApplication.focusWidget()
        assert widget is not None, "nothing has the keyboard focus"
        if char == "\n":
            code, typed = Qt.Key.Key_Return, "\r"
        elif char == GS:
            code, typed = Qt.Key.Key_unknown, GS
        else:
            code, typed = Qt.Key(ord(char.upper())), char
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QKeyEvent(kind, code, Qt.KeyboardModifier.NoModifier, typed)
            event.setTimestamp(int(at))
            QApplication.sendEvent(widget, event)
        at += gap_ms


def scans_seen(scanner) -> list[str]:
    seen: list[str] = []
    scanner.scanned.connect(seen.append)
    return seen


def test_a_scan_shows_its_raw_input_and_the_product_it_resolved_to(qtbot, shell):
    window, settings, scanner = shell
    settings.show_scanner_test()
    page = settings.scanner_page
    assert page is not None and page.isVisible() and page.typing_box.hasFocus()
    seen = scans_seen(scanner)
    settings.scanner_gap.setFocus()  # a scan never lands in the focused field

    upc = ndc_to_upc_a(LIPITOR)
    keys(upc, gap_ms=4)

    qtbot.waitUntil(lambda: page.resolution.text.text().startswith("Found"), timeout=TIMEOUT)
    assert seen == [upc]
    assert page.raw.toPlainText() == upc and page.keys.text() == f"{len(upc)} characters"
    assert page.verdict.text.text().startswith("Scan:") and "4 ms between keys" in page.timing.text()
    assert "Lipitor 40 mg" in page.resolution.text.text() and LIPITOR in page.resolution.text.text()
    assert "NDC 00071015723" in page.details.text()
    assert settings.scanner_gap.value() == 30  # the digits did not reach the spin box
    assert window.scan_feedback.state != "bad"  # the settings screen took the scan


def test_a_gs1_datamatrix_scan_shows_the_aim_prefix_separators_lot_and_expiry(qtbot, shell):
    _, settings, _ = shell
    settings.show_scanner_test()
    page = settings.scanner_page
    expiry = dt.date.today().replace(day=1) + dt.timedelta(days=800)
    data = "]d2" + build_gs1_element_string(ndc_to_gtin14(LIPITOR), expiry, "LOT42A", "SN0001")

    keys(data, gap_ms=3)

    qtbot.waitUntil(lambda: page.resolution.text.text().startswith("Found"), timeout=TIMEOUT)
    assert page.raw.toPlainText().startswith("]d2") and ("<GS>" in page.raw.toPlainText()) == (GS in data)
    assert "GS1 DataMatrix" in page.aim.text()
    assert "lot LOT42A" in page.details.text() and "serial SN0001" in page.details.text()


def test_typing_at_human_speed_is_not_a_scan_and_is_not_looked_up(qtbot, shell):
    window, settings, scanner = shell
    settings.show_scanner_test()
    page = settings.scanner_page
    seen = scans_seen(scanner)
    typed: list[str] = []
    page.typing_box.textChanged.connect(typed.append)  # Enter clears the box: keep what it held
    page.typing_box.setFocus()

    upc = ndc_to_upc_a(LIPITOR)  # a code the catalog knows, typed by hand
    keys(upc, gap_ms=120)

    qtbot.waitUntil(lambda: page.last_burst is not None, timeout=TIMEOUT)
    qtbot.wait(100)  # a lookup, if one had started, would have had time to answer
    assert page.verdict.text.text().startswith("Typed by hand: 120 ms between two keys")
    assert page.resolution.text.text().startswith("Not looked up")
    assert "Lipitor" not in page.resolution.text.text() and page.details.text() == ""
    assert seen == [] and typed[-2:] == [upc, ""]  # every key reached the box, in order; Enter cleared it
    assert window.scan_feedback.state == "idle"


def test_a_scan_while_the_printers_tab_is_open_opens_the_scanner_test(qtbot, shell):
    _, settings, _ = shell
    assert settings.tabs.currentWidget() is settings.printers_tab
    settings.rows["label"].uri.setFocus()

    keys(ndc_to_upc_a(LIPITOR), gap_ms=4)

    qtbot.waitUntil(lambda: settings.scanner_page.resolution.text.text().startswith("Found"), timeout=TIMEOUT)
    assert settings.tabs.currentWidget() is settings.scanner_tab
    assert settings.rows["label"].uri.text() == ""  # the scan did not type into the printer address


def test_saved_scanner_timing_applies_to_the_running_filter_at_once(qtbot, shell, tmp_path):
    _, settings, scanner = shell
    settings.show_scanner_test()
    page = settings.scanner_page
    seen = scans_seen(scanner)
    upc = ndc_to_upc_a(LIPITOR)
    page.typing_box.setFocus()
    keys(upc, gap_ms=45)  # a slow scanner: typing by the default 30 ms
    qtbot.waitUntil(lambda: page.last_burst is not None and page.last_burst.text == upc, timeout=TIMEOUT)
    assert not page.last_burst.is_scan and seen == []

    settings.context.config.smtp_url = "smtp://mail.example.org:587"  # not on this page: kept as it is
    settings.context.config.sms_url = "https://sms.example.org/send"
    settings.scanner_gap.setValue(60)
    settings.scanner_min.setValue(10)
    settings.save()
    qtbot.waitUntil(lambda: "Settings saved" in settings.notice.text(), timeout=TIMEOUT)
    assert (scanner.settings.max_gap_ms, scanner.settings.min_length) == (60, 10)
    assert "at most 60 ms apart, at least 10 characters" in page.settings_note.text()
    saved = config_mod.load(tmp_path / "workstation.toml")
    assert saved.scanner_gap_ms == 60
    assert (saved.smtp_url, saved.sms_url) == ("smtp://mail.example.org:587", "https://sms.example.org/send")

    page.typing_box.setFocus()
    keys(upc, gap_ms=45)  # the same scanner now counts as one
    qtbot.waitUntil(lambda: seen == [upc], timeout=TIMEOUT)
    qtbot.waitUntil(lambda: page.resolution.text.text().startswith("Found"), timeout=TIMEOUT)


def test_the_settings_screen_picks_up_a_scanner_created_after_it(qtbot, qapp, context, actors):
    settings = SettingsScreen(context, actors["admin"])
    qtbot.addWidget(settings)
    assert settings.scanner_page is None and not settings.handle_scan("00071015723")
    scanner = make_scanner(context, qapp)
    try:
        settings.activate()
        assert settings.scanner_page is not None and settings.scanner_missing.isHidden()
        assert settings.handle_scan("00071015723") is True
        assert settings.tabs.currentWidget() is settings.scanner_tab
    finally:
        scanner.uninstall(qapp)
        scanner.deleteLater()


# ---- picture ------------------------------------------------------------------------------------------


def test_screenshot(qtbot, look, shell, tmp_path):
    """The scanner tab in the shell at 1280x800 after a GS1 DataMatrix scan; PHARMACY_SCREENSHOTS=1 (or
    UPDATE_SCREENSHOTS=1) writes docs/screenshots/settings.png."""
    window, settings, _ = shell
    out = (
        SCREENSHOTS
        if os.environ.get("PHARMACY_SCREENSHOTS") == "1" or os.environ.get("UPDATE_SCREENSHOTS")
        else tmp_path
    )
    window.set_database_connected(True)
    settings.show_scanner_test()
    expiry = dt.date.today().replace(day=1) + dt.timedelta(days=800)
    keys("]d2" + build_gs1_element_string(ndc_to_gtin14(LIPITOR), expiry, "LOT42A", "SN0001"), gap_ms=3)
    page = settings.scanner_page
    qtbot.waitUntil(lambda: page.resolution.text.text().startswith("Found"), timeout=TIMEOUT)
    for _ in range(3):
        QApplication.processEvents()
    assert (window.width(), window.height()) == (1280, 800)
    path = out / "settings.png"
    assert window.grab().save(str(path)) and path.stat().st_size > 10_000
