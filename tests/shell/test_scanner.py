"""Scanner input: bursts at scanner speed become one scan, human typing is never stolen."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QPlainTextEdit, QVBoxLayout, QWidget

from pharmacy_desktop.ui.scanner import (
    GS,
    KeyBurst,
    ScanDispatcher,
    ScanFeedback,
    ScannerFilter,
    ScannerSettings,
    evaluate,
    split_aim_prefix,
)
from pharmacy_desktop.ui.widgets.scanner_test import ScannerTestPage, visible_text

pytestmark = pytest.mark.ui

BARCODE = "00361414213212"  # a GTIN-14 as a UPC-A scanner would not send it, fine for timing


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


class CountingLineEdit(QLineEdit):
    """A line edit that counts the key events that actually reach it (past every event filter)."""

    def __init__(self) -> None:
        super().__init__()
        self.presses = 0
        self.releases = 0

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress:
            self.presses += 1
        elif event.type() == QEvent.Type.KeyRelease:
            self.releases += 1
        return super().event(event)


@pytest.fixture
def window(qtbot) -> QWidget:
    win = QWidget()
    layout = QVBoxLayout(win)
    win.field = CountingLineEdit()  # type: ignore[attr-defined]
    win.other = CountingLineEdit()  # type: ignore[attr-defined]
    layout.addWidget(win.field)  # type: ignore[attr-defined]
    layout.addWidget(win.other)  # type: ignore[attr-defined]
    qtbot.addWidget(win)
    with qtbot.waitActive(win):  # a bare waitActive() would not wait at all
        win.show()
        win.activateWindow()
    win.field.setFocus()  # type: ignore[attr-defined]
    return win


@pytest.fixture
def field(window) -> QLineEdit:
    return window.field


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_filter(settings: ScannerSettings | None = None, clock: FakeClock | None = None) -> ScannerFilter:
    scanner = ScannerFilter(settings, clock=clock)
    scanner.install()
    return scanner


@pytest.fixture
def scanner(clock) -> Iterator[ScannerFilter]:
    scanner = make_filter(clock=clock)
    yield scanner
    scanner.uninstall()


def key(widget: QWidget, char: str) -> None:
    """One key as a wedge scanner or keyboard sends it."""
    if char == "\n":
        QTest.keyClick(widget, Qt.Key.Key_Return)
    elif char == GS:
        QTest.sendKeyEvent(QTest.KeyAction.Click, widget, Qt.Key.Key_unknown, GS, Qt.KeyboardModifier.NoModifier)
    else:
        QTest.keyClicks(widget, char)


def type_timed(widget: QWidget, text: str, clock: FakeClock, gap_ms: float) -> None:
    for char in text:
        clock.now += gap_ms
        key(widget, char)


def human_type(widget: QWidget, text: str, clock: FakeClock) -> None:
    gaps = [80, 200, 120, 95, 150, 180]
    for i, char in enumerate(text):
        clock.now += gaps[i % len(gaps)]
        key(widget, char)


def scans_seen(scanner: ScannerFilter) -> list[str]:
    seen: list[str] = []
    scanner.scanned.connect(seen.append)
    return seen


# -- the decision ---------------------------------------------------------------------------


def test_evaluate_explains_each_verdict() -> None:
    settings = ScannerSettings()
    assert evaluate("12345678", [3.0] * 8, settings)[0] is True
    ok, why = evaluate("12345678", [3, 3, 120, 3, 3, 3, 3, 3], settings)
    assert not ok and "120 ms" in why
    ok, why = evaluate("12345", [3.0] * 5, settings)
    assert not ok and "5 characters" in why
    ok, why = evaluate("]d2123", [3.0] * 6, settings)  # the prefix is not data
    assert not ok and "3 characters" in why
    ok, why = evaluate("12345678", [3.0] * 8, ScannerSettings(aim_prefix=True))
    assert not ok and "AIM" in why
    assert evaluate("]C112345678", [3.0] * 11, ScannerSettings(aim_prefix=True))[0]


def test_split_aim_prefix() -> None:
    assert split_aim_prefix("]d2010036") == ("]d2", "010036")
    assert split_aim_prefix("0100361") == ("", "0100361")
    assert split_aim_prefix("]]12") == ("", "]]12")


# -- scans and typing into a focused QLineEdit (injected clock: deterministic) --------------


def test_fast_burst_with_enter_is_one_scan_and_stays_out_of_the_field(qtbot, field, scanner, clock):
    seen = scans_seen(scanner)
    with qtbot.waitSignal(scanner.scanned, timeout=1000) as blocker:
        type_timed(field, BARCODE + "\n", clock, gap_ms=3)
    assert blocker.args == [BARCODE]
    qtbot.wait(60)  # past the hold time: nothing is replayed afterwards either
    assert seen == [BARCODE]
    assert field.text() == ""
    assert field.presses == 0 and field.releases == 0  # not even Enter or a release leaked


def test_human_typing_reaches_the_field_intact(qtbot, field, scanner, clock):
    seen = scans_seen(scanner)
    returns: list[str] = []
    field.returnPressed.connect(lambda: returns.append(field.text()))
    human_type(field, "Lisinopril 20\n", clock)
    qtbot.wait(60)
    assert field.text() == "Lisinopril 20"
    assert returns == ["Lisinopril 20"]  # Enter arrived after every character, in order
    assert seen == []


def test_only_the_scan_becomes_a_scan_between_human_typing(qtbot, field, scanner, clock):
    seen = scans_seen(scanner)
    human_type(field, "ab", clock)
    clock.now += 400
    type_timed(field, BARCODE + "\n", clock, gap_ms=4)
    clock.now += 300
    human_type(field, "cd", clock)
    qtbot.waitUntil(lambda: field.text() == "abcd", timeout=1000)
    qtbot.wait(30)
    assert seen == [BARCODE]


def test_scan_shorter_than_minimum_is_typing(qtbot, field, scanner, clock):
    seen = scans_seen(scanner)
    returns: list[str] = []
    field.returnPressed.connect(lambda: returns.append(field.text()))
    type_timed(field, "12345\n", clock, gap_ms=3)
    qtbot.wait(60)
    assert seen == []
    assert field.text() == "12345"
    assert returns == ["12345"]


def test_fast_keys_without_terminator_are_replayed_as_typing(qtbot, field, scanner, clock):
    seen = scans_seen(scanner)
    type_timed(field, "1234567890", clock, gap_ms=3)
    assert field.text() == ""  # held back for at most the gap...
    qtbot.waitUntil(lambda: field.text() == "1234567890", timeout=500)  # ...then replayed
    assert seen == []


def test_gs_substitutes_ctrl_bracket_and_aim_prefix_survive(qtbot, field, scanner, clock):
    """A GS1 DataMatrix read: AIM prefix, a real GS key, Ctrl+] and a text substitute."""
    with qtbot.waitSignal(scanner.scanned, timeout=1000) as blocker:
        type_timed(field, "]d20100361414213212" + GS + "10LOT7", clock, gap_ms=2)
        clock.now += 2
        QTest.keyClick(field, Qt.Key.Key_BracketRight, Qt.KeyboardModifier.ControlModifier)
        type_timed(field, "21SER9<GS>17261231\n", clock, gap_ms=2)
    assert blocker.args == ["]d20100361414213212" + GS + "10LOT7" + GS + "21SER9" + GS + "17261231"]
    assert field.text() == ""


def test_autorepeat_of_a_held_key_is_never_a_scan(qtbot, field, scanner, clock):
    seen = scans_seen(scanner)
    for i in range(8):
        clock.now += 3
        event = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_0, Qt.KeyboardModifier.NoModifier, "0", i > 0)
        QApplication.sendEvent(field, event)
    clock.now += 3
    QTest.keyClick(field, Qt.Key.Key_Return)
    qtbot.wait(60)
    assert seen == []
    assert field.text() == "00000000"


def test_required_aim_prefix_turns_an_unprefixed_burst_into_typing(qtbot, field, clock):
    scanner = make_filter(ScannerSettings(aim_prefix=True), clock)
    try:
        seen = scans_seen(scanner)
        type_timed(field, BARCODE + "\n", clock, gap_ms=3)
        qtbot.wait(60)
        assert seen == [] and field.text() == BARCODE
        field.clear()
        with qtbot.waitSignal(scanner.scanned, timeout=1000) as blocker:
            type_timed(field, "]E0" + "036000291452\n", clock, gap_ms=3)
        assert blocker.args == ["]E0036000291452"] and field.text() == ""
    finally:
        scanner.uninstall()


def test_tab_terminator_is_optional(qtbot, window, clock):
    scanner = make_filter(ScannerSettings(tab_terminates=True), clock)
    try:
        with qtbot.waitSignal(scanner.scanned, timeout=1000) as blocker:
            for char in BARCODE:
                clock.now += 3
                key(window.field, char)
            clock.now += 3
            QTest.keyClick(window.field, Qt.Key.Key_Tab)
        assert blocker.args == [BARCODE]
        assert window.field.hasFocus()  # the Tab was consumed with the scan
    finally:
        scanner.uninstall()


def test_scan_and_typing_into_a_plain_text_edit(qtbot, scanner, clock):
    notes = QPlainTextEdit()
    qtbot.addWidget(notes)
    notes.show()
    qtbot.waitUntil(lambda: notes.windowHandle() is not None and notes.windowHandle().isExposed())
    notes.setFocus()
    seen = scans_seen(scanner)
    human_type(notes, "Take 1\n", clock)
    clock.now += 500
    type_timed(notes, BARCODE + "\n", clock, gap_ms=3)
    qtbot.waitUntil(lambda: seen == [BARCODE], timeout=1000)
    assert notes.toPlainText() == "Take 1\n"


def test_single_key_shortcut_fires_for_a_person_but_not_inside_a_scan(qtbot, window, field, scanner, clock):
    fired: list[int] = []
    shortcut = QShortcut(QKeySequence("X"), window)
    shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
    shortcut.activated.connect(lambda: fired.append(1))
    field.setReadOnly(True)  # a read-only field does not claim letters, so shortcuts can fire
    with qtbot.waitSignal(scanner.scanned, timeout=1000) as blocker:
        type_timed(field, "12X4567\n", clock, gap_ms=3)
    assert blocker.args == ["12X4567"]
    assert fired == []
    clock.now += 500
    key(field, "X")
    assert fired == [1]


def test_focus_change_mid_burst_replays_to_the_first_widget(qtbot, window, scanner, clock):
    type_timed(window.field, "ab", clock, gap_ms=3)
    window.other.setFocus()
    type_timed(window.other, "cd", clock, gap_ms=3)
    qtbot.waitUntil(lambda: window.other.text() == "cd", timeout=500)
    assert window.field.text() == "ab"


# -- real elapsed time, through the window as the platform delivers keys ------------------


@pytest.mark.xdist_group("real_time")
def test_real_time_scan_and_human_typing(qtbot, window):
    """No injected clock: the key events' own time stamps and the real hold timer decide."""
    scanner = make_filter(ScannerSettings(max_gap_ms=50))
    try:
        field = window.field
        handle = window.windowHandle()
        seen = scans_seen(scanner)
        for char in BARCODE:
            QTest.keyClick(handle, Qt.Key(ord(char)))
            qtbot.wait(2)
        QTest.keyClick(handle, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: seen == [BARCODE], timeout=1000)
        assert field.text() == ""

        for char, pause in zip("RX42", (120, 90, 200, 150)):
            qtbot.wait(pause)
            QTest.keyClicks(field, char.lower() if char.isalpha() else char)
        qtbot.wait(120)  # the last key is replayed by the hold timer, no further key needed
        assert field.text() == "rx42"
        assert seen == [BARCODE]
    finally:
        scanner.uninstall()


# -- routing and feedback -------------------------------------------------------------------


class Screen(QWidget):
    def __init__(self, accept: bool = True) -> None:
        super().__init__()
        self.scans: list[str] = []
        self.accept = accept

    def handle_scan(self, text: str) -> bool:
        self.scans.append(text)
        return self.accept


class ScanDialog(QDialog):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.scans: list[str] = []

    def handle_scan(self, text: str) -> bool:
        self.scans.append(text)
        return True


@pytest.fixture
def feedback(qtbot) -> ScanFeedback:
    beeps: list[int] = []
    widget = ScanFeedback(beep=lambda: beeps.append(1))
    widget.beeps = beeps  # type: ignore[attr-defined]
    qtbot.addWidget(widget)
    return widget


def test_dispatcher_routes_to_the_current_screen(qtbot, feedback):
    screen = Screen()
    qtbot.addWidget(screen)
    dispatcher = ScanDispatcher(lambda: screen, feedback)
    assert dispatcher.dispatch("0123456789") is True
    assert screen.scans == ["0123456789"]
    assert feedback.state == "idle"


def test_dispatcher_reports_a_scan_nobody_takes(qtbot, feedback):
    dispatcher = ScanDispatcher(lambda: QWidget(), feedback)
    assert dispatcher.dispatch("0123456789") is False
    assert feedback.state == "bad" and "does not take scans" in feedback.message()
    refusing = Screen(accept=False)
    qtbot.addWidget(refusing)
    assert ScanDispatcher(lambda: refusing, feedback).dispatch("x") is False
    assert "not used on this screen" in feedback.message()
    assert feedback.beeps == [1, 1]  # type: ignore[attr-defined]


def test_scan_during_a_modal_dialog_goes_to_the_dialog(qtbot, field, feedback, clock):
    screen = Screen()
    qtbot.addWidget(screen)
    scanner = make_filter(clock=clock)
    try:
        dispatcher = ScanDispatcher(lambda: screen, feedback)
        dispatcher.connect_to(scanner)
        dialog = ScanDialog(field.window())
        dialog_field = QLineEdit(dialog)
        QVBoxLayout(dialog).addWidget(dialog_field)
        dialog.open()  # window-modal, like every dialog in the app
        qtbot.waitUntil(lambda: dialog.windowHandle() is not None and dialog.windowHandle().isExposed())
        dialog_field.setFocus()
        assert QApplication.activeModalWidget() is dialog
        type_timed(dialog_field, BARCODE + "\n", clock, gap_ms=3)
        qtbot.waitUntil(lambda: dialog.scans == [BARCODE], timeout=1000)
        assert screen.scans == []
        assert dialog_field.text() == ""
        dialog.reject()
    finally:
        scanner.uninstall()


def test_modal_dialog_without_handler_keeps_the_scan_from_the_screen(qtbot, field, feedback):
    screen = Screen()
    qtbot.addWidget(screen)
    dialog = QDialog(field.window())
    dialog.open()
    qtbot.waitUntil(lambda: dialog.windowHandle() is not None and dialog.windowHandle().isExposed())
    assert ScanDispatcher(lambda: screen, feedback).dispatch(BARCODE) is False
    assert screen.scans == []
    assert feedback.state == "bad" and "dialog is open" in feedback.message()
    dialog.reject()


def test_feedback_shows_words_and_icon_and_beeps_on_problems(qtbot, feedback):
    feedback.good("Lisinopril 20 mg, 100 tablets")
    assert feedback.state == "good"
    assert feedback.message().startswith("Scan OK:")
    assert feedback.beeps == []  # type: ignore[attr-defined]
    assert not feedback._icon.pixmap().isNull()
    feedback.bad("Wrong drug: put the bottle back.")
    assert feedback.state == "bad" and feedback.message().startswith("Scan problem:")
    assert feedback.beeps == [1]  # type: ignore[attr-defined]
    assert not feedback._icon.pixmap().isNull()


def test_good_feedback_returns_to_idle_but_a_problem_stays(qtbot):
    widget = ScanFeedback(beep=lambda: None, good_hold_ms=50)
    qtbot.addWidget(widget)
    widget.good("ok")
    qtbot.waitUntil(lambda: widget.state == "idle", timeout=1000)
    widget.bad("Unknown NDC")
    qtbot.wait(120)
    assert widget.state == "bad"


# -- the scanner test page ------------------------------------------------------------------


def test_visible_text_spells_out_control_characters() -> None:
    assert visible_text("]d201" + GS + "21\r") == "]d201<GS>21<CR>"


def test_scanner_test_page_shows_raw_input_timing_verdict_and_resolution(qtbot, clock):
    scanner = make_filter(clock=clock)
    try:
        lookups: list[str] = []

        def resolver(text: str) -> dict:
            lookups.append(text)
            return {"status": "found", "message": "Lipitor 10 mg tablet, 90 count", "ndc11": "00071015523"}

        page = ScannerTestPage(scanner, resolver)
        qtbot.addWidget(page)
        page.show()
        qtbot.waitUntil(lambda: page.windowHandle() is not None and page.windowHandle().isExposed())
        page.typing_box.setFocus()
        assert page.handle_scan("anything") is True

        type_timed(page.typing_box, "]d2010036" + GS + "21AB\n", clock, gap_ms=4)
        qtbot.waitUntil(lambda: "Found" in page.resolution.text.text(), timeout=2000)
        assert lookups == ["]d2010036" + GS + "21AB"]
        assert "<GS>" in page.raw.toPlainText() and page.raw.toPlainText().startswith("]d2")
        assert "GS1 DataMatrix" in page.aim.text()
        assert "4 ms between keys" in page.timing.text()
        assert page.verdict.text.text().startswith("Scan:")
        assert "00071015523" in page.details.text()

        human_type(page.typing_box, "123456\n", clock)
        qtbot.waitUntil(lambda: page.verdict.text.text().startswith("Typed by hand"), timeout=2000)
        assert page.last_burst is not None and page.last_burst.text == "123456"
    finally:
        scanner.uninstall()


def test_scanner_test_page_shows_a_failed_lookup(qtbot):
    scanner = ScannerFilter()

    def resolver(text: str) -> dict:
        raise ConnectionError("server closed the connection")

    page = ScannerTestPage(scanner, resolver)
    qtbot.addWidget(page)
    page.show_input(KeyBurst("12345678", (3.0,) * 8, True, "Scan: 8 characters"))
    qtbot.waitUntil(lambda: "Could not look up" in page.resolution.text.text(), timeout=2000)
    assert "server closed the connection" in page.resolution.text.text()


def test_enter_reaches_a_dialogs_default_button_only_when_typed(qtbot, field, clock):
    scanner = make_filter(clock=clock)
    try:
        from PySide6.QtWidgets import QDialogButtonBox

        dialog = QDialog(field.window())
        entry = QLineEdit()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(dialog.accept)
        layout = QVBoxLayout(dialog)
        layout.addWidget(entry)
        layout.addWidget(buttons)
        dialog.open()
        qtbot.waitUntil(lambda: dialog.windowHandle() is not None and dialog.windowHandle().isExposed())
        entry.setFocus()
        seen = scans_seen(scanner)
        type_timed(entry, BARCODE + "\n", clock, gap_ms=3)
        qtbot.waitUntil(lambda: seen == [BARCODE], timeout=1000)
        assert dialog.isVisible() and dialog.result() == 0  # a scan's Enter does not confirm
        human_type(entry, "7\n", clock)
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=1000)
        assert dialog.result() == QDialog.DialogCode.Accepted and entry.text() == "7"
    finally:
        scanner.uninstall()


def stamped_key(widget: QWidget, char: str, at_ms: int) -> None:
    """A key with the platform's time stamp, as it sits in the queue while the GUI is busy."""
    code = Qt.Key.Key_Return if char == "\n" else Qt.Key(ord(char.upper()))
    text = "\r" if char == "\n" else char
    for type_ in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        event = QKeyEvent(type_, code, Qt.KeyboardModifier.NoModifier, text)
        event.setTimestamp(at_ms)
        QApplication.sendEvent(widget, event)


def test_typing_queued_behind_a_busy_gui_thread_is_still_typing(qtbot, field):
    """Delivered back to back, but time-stamped 100 ms apart: the time stamps decide."""
    scanner = make_filter()
    try:
        seen = scans_seen(scanner)
        for i, char in enumerate("123456\n"):
            stamped_key(field, char, 50_000 + 100 * i)
        qtbot.wait(60)
        assert seen == [] and field.text() == "123456"
        field.clear()
        for i, char in enumerate("7654321\n"):
            stamped_key(field, char, 90_000 + 3 * i)
        qtbot.waitUntil(lambda: seen == ["7654321"], timeout=1000)
        assert field.text() == ""
    finally:
        scanner.uninstall()


def test_a_key_event_that_arrives_ignored_is_consumed_once(qtbot, field, scanner, clock):
    """Qt offers an ignored key to the parents too; a held key must not be taken twice."""
    seen = scans_seen(scanner)
    for char in BARCODE:
        clock.now += 3
        event = QKeyEvent(QEvent.Type.KeyPress, Qt.Key(ord(char)), Qt.KeyboardModifier.NoModifier, char)
        event.ignore()
        QApplication.sendEvent(field, event)
    clock.now += 3
    QTest.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: seen == [BARCODE], timeout=1000)
