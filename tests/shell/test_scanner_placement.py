"""Where the scanner filter sits: on the widget that receives keys now, never on the application.

An application event filter is called, in Python, for every event to every object (a screen's
first showing spent half its time there). ``ScannerFilter.install()`` therefore sits on the focus
widget (no focus widget: the active window; popup mode: the popup) and follows the keys as the
focus, the window or a popup changes. These tests send keys the way the platform does — through
the window (``QTest.keyClick(window.windowHandle(), ...)``) — so Qt picks the receiver.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QCompleter,
    QDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.ui.key_route import key_receivers
from pharmacy_desktop.ui.scanner import ScannerFilter

pytestmark = pytest.mark.ui

BARCODE = "0036141421321"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


class CountingScanner(ScannerFilter):
    """The real filter, counting the objects it is called for."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__(clock=clock)
        self.calls: list[QObject] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        self.calls.append(watched)
        return super().eventFilter(watched, event)


class KeyBox(QWidget):
    """A top-level window with nothing to focus: it gets the keys itself and notes what reaches it."""

    def __init__(self) -> None:
        super().__init__()
        self.typed: list[str] = []
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Scan a label"))

    def keyPressEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt API
        self.typed.append(event.text())


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def scanner(clock) -> Iterator[CountingScanner]:
    scanner = CountingScanner(clock)
    scanner.install()
    yield scanner
    scanner.uninstall()


def shown(qtbot, widget: QWidget) -> QWidget:
    qtbot.addWidget(widget)
    with qtbot.waitActive(widget):
        widget.show()
        widget.activateWindow()
    return widget


@pytest.fixture
def window(qtbot) -> QWidget:
    win = QWidget()
    layout = QVBoxLayout(win)
    win.field = QLineEdit()  # type: ignore[attr-defined]
    win.other = QLineEdit()  # type: ignore[attr-defined]
    layout.addWidget(win.field)  # type: ignore[attr-defined]
    layout.addWidget(win.other)  # type: ignore[attr-defined]
    shown(qtbot, win)
    win.field.setFocus()  # type: ignore[attr-defined]
    return win


def key_code(char: str) -> Qt.Key:
    return Qt.Key.Key_Return if char == "\n" else Qt.Key(ord(char.upper()))


def scan(window: QWidget, text: str, clock: FakeClock) -> None:
    """A wedge scanner: keys 3 ms apart and Enter, through the window as the platform sends them."""
    handle = window.windowHandle()
    for char in text + "\n":
        clock.now += 3
        QTest.keyClick(handle, key_code(char))


def human(window: QWidget, text: str, clock: FakeClock) -> None:
    handle = window.windowHandle()
    for char in text:
        clock.now += 150
        QTest.keyClick(handle, key_code(char))
    clock.now += 150


def scans_seen(scanner: ScannerFilter) -> list[str]:
    seen: list[str] = []
    scanner.scanned.connect(seen.append)
    return seen


def test_building_widgets_calls_no_filter_of_ours(qtbot, window, scanner):
    """After install the application has no filter of ours: a build elsewhere in the window never calls it."""
    assert scanner.watched == [window.field]
    scanner.calls.clear()
    panel = QWidget(window)
    layout = QVBoxLayout(panel)
    for i in range(40):
        layout.addWidget(QLabel(f"line {i}"))
        layout.addWidget(QPushButton(f"button {i}"))
    layout.addWidget(QTableWidget(10, 4))
    window.layout().addWidget(panel)
    panel.show()
    window.resize(window.width() + 40, window.height() + 300)
    for _ in range(5):
        QApplication.processEvents()
    assert panel.isVisible()
    # an application filter would be called thousands of times here (every ChildAdded, Polish, Move,
    # Resize, Paint of every new widget); the focus widget and the window hear only their own few
    assert all(obj is window.field or obj is window.windowHandle() for obj in scanner.calls), {
        type(obj).__name__ for obj in scanner.calls
    }
    assert len(scanner.calls) < 40


def test_a_scan_through_the_window_is_caught_and_typing_reaches_the_field(qtbot, window, scanner, clock):
    seen = scans_seen(scanner)
    scan(window, BARCODE, clock)
    qtbot.waitUntil(lambda: seen == [BARCODE], timeout=1000)
    assert window.field.text() == ""
    human(window, "ab", clock)
    qtbot.waitUntil(lambda: window.field.text() == "ab", timeout=1000)
    assert seen == [BARCODE]


def test_the_filter_follows_the_focus_and_a_scan_right_after_a_move_is_caught(qtbot, window, scanner, clock):
    seen = scans_seen(scanner)
    human(window, "ab", clock)
    window.other.setFocus()
    assert scanner.watched == [window.other]
    scan(window, BARCODE, clock)
    qtbot.waitUntil(lambda: seen == [BARCODE], timeout=1000)
    qtbot.waitUntil(lambda: window.field.text() == "ab", timeout=1000)  # the held key went where it was typed
    assert window.other.text() == ""


def test_the_terminator_moves_the_focus_and_the_next_scan_is_still_caught(qtbot, window, scanner, clock):
    seen = scans_seen(scanner)
    window.field.returnPressed.connect(window.other.setFocus)
    human(window, "12\n", clock)  # a person's Enter reaches the field, which hands the focus on
    qtbot.waitUntil(lambda: window.other.hasFocus(), timeout=1000)
    assert window.field.text() == "12" and scanner.watched == [window.other]
    scan(window, BARCODE, clock)
    qtbot.waitUntil(lambda: seen == [BARCODE], timeout=1000)
    assert window.other.text() == ""


def test_a_scan_into_a_line_edit_of_a_modal_dialog(qtbot, window, scanner, clock):
    seen = scans_seen(scanner)
    dialog = QDialog(window)
    entry = QLineEdit()
    QVBoxLayout(dialog).addWidget(entry)
    dialog.open()  # window-modal, as the app's dialogs
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=2000)
    entry.setFocus()
    assert scanner.watched == [entry]
    scan(dialog, BARCODE, clock)
    qtbot.waitUntil(lambda: seen == [BARCODE], timeout=1000)
    assert entry.text() == "" and window.field.text() == ""
    human(dialog, "7", clock)
    qtbot.waitUntil(lambda: entry.text() == "7", timeout=1000)
    dialog.reject()
    window.activateWindow()  # the window manager's part (the offscreen platform activates nothing)
    qtbot.waitUntil(lambda: scanner.watched == [window.field], timeout=2000)  # back where the keys go


def test_a_scan_while_a_completer_popup_is_open(qtbot, window, scanner, clock):
    """In popup mode keys go to the popup, not the focus widget: the filter moves onto it."""
    seen = scans_seen(scanner)
    completer = QCompleter(["lisinopril", "lipitor", "losartan"])
    window.field.setCompleter(completer)
    human(window, "l", clock)
    qtbot.waitUntil(lambda: completer.popup().isVisible(), timeout=2000)
    assert QApplication.activePopupWidget() is completer.popup()
    # Qt does not always tell the focus widget that a popup opened: the first key through the window
    # moves the filter onto the popup before the popup gets that key
    scan(window, BARCODE, clock)
    assert any(widget is completer.popup() for widget in scanner.watched)
    qtbot.waitUntil(lambda: seen == [BARCODE], timeout=1000)
    assert window.field.text() == "l"  # no digit reached the field, the Enter picked no completion
    assert completer.popup().isVisible()
    clock.now += 500
    QTest.keyClick(window.windowHandle(), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not completer.popup().isVisible(), timeout=1000)
    assert scanner.watched == [window.field]


def test_no_focus_widget_the_window_gets_the_keys_and_the_filter(qtbot, scanner, clock):
    box = shown(qtbot, KeyBox())
    assert QApplication.focusWidget() is None
    assert scanner.watched == [box] == key_receivers()
    fired: list[int] = []
    shortcut = QShortcut(QKeySequence("X"), box)
    shortcut.activated.connect(lambda: fired.append(1))
    seen = scans_seen(scanner)
    scan(box, "12X4567", clock)
    qtbot.waitUntil(lambda: seen == ["12x4567"], timeout=1000)
    assert fired == [] and box.typed == []  # no single-key shortcut mid-burst, no key reached the window
    human(box, "X", clock)
    assert fired == [1]
    human(box, "q", clock)
    qtbot.waitUntil(lambda: box.typed == ["q"], timeout=1000)


def test_uninstall_leaves_the_filter_nowhere(qtbot, window, clock):
    scanner = ScannerFilter(clock=clock)
    scanner.install()
    seen = scans_seen(scanner)
    scanner.uninstall()
    assert scanner.watched == []
    window.other.setFocus()  # the focus moving no longer installs it
    assert scanner.watched == []
    scan(window, "123456", clock)
    qtbot.wait(60)
    assert seen == [] and window.other.text() == "123456"
