"""The counter's hands, for the tests that drive the real shell and for bench/gui_stall.py.

- :class:`Counter`: on the shell (``Counter(window)``) or one screen or page on its own
  (``Counter.on_screen(screen)``), a keyboard-wedge scanner (a real :class:`~pharmacy_desktop.ui.scanner.ScannerFilter`
  on a fake clock, its scans handed to the screen on top as the shell does) and a person's keys
  (typing, a key to the focused widget, F-keys through the window system), a signature on a pad;
  and the steps a day at the counter repeats: an F-key to a queue holding a prescription, Down/Up to a row, the PIN on the lock screen, every
  open alert of a review acknowledged or overridden;
- :func:`wait_for`: the event loop runs until a condition holds (what the GUI thread would do);
- :func:`story` / :class:`Story`: the counter day's patient, drug and wrong bottle in the demo pharmacy
  (tests/e2e/test_counter_day.py and bench/gui_stall.py);
- :func:`code128_text`: what a scanner reads from a printed label's CODE128;
- :func:`context_for`: the AppContext a screen built on its own gets (default configuration, "test-ws").

Keys go to the focus widget (``QApplication.focusWidget()``), F-keys to the window's window handle,
as a keyboard's do; nothing here calls a slot or clicks a widget.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from pharmacy_desktop.config import Config
from pharmacy_desktop.domain.gs1 import GS
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.scan_dispatch import ScanDispatcher, ScanFeedback
from pharmacy_desktop.ui.scanner import ScannerFilter

WAIT_SECONDS = 15.0
NO_MODIFIER = Qt.KeyboardModifier.NoModifier

Wait = Callable[..., None]  # (condition, what, timeout=...) -> None, raising when it never holds


def wait_for(condition: Callable[[], object], what: str, timeout: float = WAIT_SECONDS) -> None:
    """Run the event loop until ``condition()`` holds; ``TimeoutError`` naming ``what`` after ``timeout`` s."""
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError(f"gave up waiting for {what}")
        QTest.qWait(5)


class FakeClock:
    """The scanner's idea of time (ms): scanner bursts 3 ms apart, a person 150 ms apart."""

    def __init__(self) -> None:
        self.now = 50_000.0

    def __call__(self) -> float:
        return self.now


class Counter:
    """The workstation's scanner and keyboard on ``window`` (a MainWindow).

    ``feedback``: where a scan's beep and flash go (default: a silent ScanFeedback of its own; the
    counter day passes the window's). ``strict_focus``: a key with no widget focused fails (the next
    keystroke would be lost) instead of going to the window. ``wait``: how the steps wait
    (:func:`wait_for` by default; the bench names its step in the error). ``scan_target``: who gets
    the scans (default ``window.scan_target``, the shell's screen on top; see :meth:`on_screen`)."""

    def __init__(
        self,
        window: Any,
        feedback: ScanFeedback | None = None,
        *,
        strict_focus: bool = False,
        wait: Wait = wait_for,
        scan_target: Callable[[], object | None] | None = None,
    ) -> None:
        self.window = window
        self.strict_focus = strict_focus
        self.wait = wait
        self.clock = FakeClock()
        self.scanner = ScannerFilter(clock=self.clock)
        self.scanner.install()
        target = scan_target or window.scan_target
        self.dispatcher = ScanDispatcher(target, feedback or ScanFeedback(beep=lambda: None))
        self.dispatcher.connect_to(self.scanner)
        self.scans: list[str] = []
        self.scanner.scanned.connect(self.scans.append)

    @classmethod
    def on_screen(cls, screen: QWidget) -> Counter:
        """The scanner and keyboard on one screen (or inventory page) shown on its own: it takes every scan."""
        return cls(screen, scan_target=lambda: screen)

    def close(self) -> None:
        self.scanner.uninstall()
        self.scanner.deleteLater()

    def focus(self) -> QWidget:
        """Where a key typed now lands: the focus widget, else the active window (as Qt delivers keys).

        With no active window (a dialog just closed: a window manager activates the window below it,
        the offscreen platform does not) the window (the shell, or the screen's) is activated first, as
        it would be: keys sent to a widget of an inactive window reach no scanner (ui/key_route.py)."""
        widget = QApplication.focusWidget()
        if self.strict_focus:
            assert widget is not None, "no widget has the keyboard focus: the next keystroke would be lost"
            return widget
        if widget is None and QApplication.activeWindow() is None:
            top = self.window.window()  # the shell itself, or the window a screen on its own is in
            top.activateWindow()
            QTest.qWaitForWindowActive(top, 2000)
            widget = QApplication.focusWidget()
        return widget or QApplication.activeWindow() or self.window

    # -- keys and scans ---------------------------------------------------------------------------

    def scan(self, text: str) -> None:
        """A wedge scanner: characters 3 ms apart, then Enter, into whatever has the focus: one scan."""
        before = len(self.scans)
        for char in text:
            self.clock.now += 3
            if char == GS:
                QTest.sendKeyEvent(QTest.KeyAction.Click, self.focus(), Qt.Key.Key_unknown, GS, NO_MODIFIER)
            else:
                QTest.keyClicks(self.focus(), char)
        self.clock.now += 3
        QTest.keyClick(self.focus(), Qt.Key.Key_Return)
        QApplication.processEvents()
        assert self.scans[before:] == [text], f"the scanner filter did not take {text!r} as one scan"

    def type(self, text: str) -> None:
        """A person typing into the focused widget: never mistaken for a scan."""
        for char in text:
            self.clock.now += 150
            QTest.keyClicks(self.focus(), char)
            QApplication.processEvents()
        self.clock.now += 150
        QTest.qWait(60)  # the scanner filter hands the last key on once no burst follows (its gap timer)

    def press(self, key: Qt.Key, modifier: Qt.KeyboardModifier = NO_MODIFIER) -> None:
        """A person's key, long after the last scan, to the focused widget (its shortcuts included)."""
        self.clock.now += 500
        QTest.keyClick(self.focus(), key, modifier)
        QApplication.processEvents()
        self.clock.now += 500

    def f_key(self, key: Qt.Key, modifier: Qt.KeyboardModifier = NO_MODIFIER) -> None:
        """A function key through the window system, as a real keyboard (the shell's application shortcuts)."""
        self.clock.now += 500
        QTest.keyClick(self.window.windowHandle(), key, modifier)
        QApplication.processEvents()
        self.clock.now += 500

    def sign(self, canvas: QWidget) -> None:
        """A signature drawn with the pen on the pad's canvas."""
        w, h = canvas.width(), canvas.height()
        zigzag = ((0.1, 0.6), (0.2, 0.3), (0.3, 0.7), (0.4, 0.35), (0.5, 0.65), (0.6, 0.3), (0.7, 0.7), (0.85, 0.4))
        points = [QPoint(int(w * x), int(h * y)) for x, y in zigzag]
        QTest.mousePress(canvas, Qt.MouseButton.LeftButton, NO_MODIFIER, points[0])
        for point in points[1:]:
            QTest.mouseMove(canvas, point)
        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, NO_MODIFIER, points[-1])
        QApplication.processEvents()

    # -- steps of the day -------------------------------------------------------------------------

    def to_queue(self, key: Qt.Key, name: str, rx_id: uuid.UUID) -> Any:
        """An F-key to the queue screen ``name`` (checked by class name), once the prescription
        ``rx_id`` is in its rows: the screen."""
        self.f_key(key)
        screen = self.window.current_screen()
        assert type(screen).__name__ == name, f"{key} showed {type(screen).__name__}, not {name}"
        self.wait(lambda: any(r.prescription_id == rx_id for r in screen.rows), f"the Rx in the queue of {name}")
        return screen

    def to_row(self, current: Callable[[], int], target: int, *, limit: int = 60) -> None:
        """Down or Up until ``current()`` (the highlighted row) is ``target``."""
        for _ in range(limit):
            row = current()
            if row == target:
                return
            self.press(Qt.Key.Key_Down if row < target else Qt.Key.Key_Up)
        assert current() == target, f"the arrows did not reach row {target} (at {current()})"

    def pin(self, pin: str) -> None:
        """On the lock screen: Tab to the PIN field, type the PIN (Enter is the caller's)."""
        lock = self.window.lock_screen
        for _ in range(10):
            if lock.pin.hasFocus():
                break
            self.press(Qt.Key.Key_Tab)
        assert lock.pin.hasFocus(), "Tab never reached the lock screen's PIN field"
        self.type(pin)

    def resolve_alerts(self, review: Any, *, rounds: int = 40) -> None:
        """Every open alert of the prescription open in review, from the keyboard (the alert list has
        the focus): a warning acknowledged (Alt+A), a hard stop overridden in its dialog (Alt+O, the
        NCPDP codes M0 and 1G and a note, Enter)."""
        for _ in range(rounds):
            detail = review.detail
            if not detail.open_alerts:
                return
            alert = detail.open_alerts[0]
            self.to_row(review.alerts.currentRow, detail.alerts.index(alert))
            if alert.needs_override:
                self.press(Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)  # the dialog: NCPDP codes and a note
                self.wait(lambda: review.override_dialog is not None, "the override dialog")
                dialog = review.override_dialog
                self.wait(lambda: dialog.professional_code.hasFocus(), "the override dialog's focus")
                self.type("M0")  # prescriber consulted
                self.press(Qt.Key.Key_Tab)
                self.type("1G")  # filled with prescriber approval
                self.press(Qt.Key.Key_Tab)
                self.type("Discussed with the prescriber, benefit outweighs risk")
                self.press(Qt.Key.Key_Return)
            else:
                self.press(Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
            self.wait(lambda: review.detail is not None and review.detail is not detail, "the alert resolved")


@dataclass(frozen=True)
class Story:
    """The counter day's people and bottles, from the demo pharmacy."""

    patient_id: uuid.UUID
    patient_last: str
    patient_first: str
    drug_id: uuid.UUID
    drug_ndc: str
    drug_generic: str
    drug_strength: str
    wrong_ndc: str
    wrong_generic: str


def story(uow_factory: Any) -> Story:
    """The demo's patient on simvastatin (the new atorvastatin is a therapeutic duplication for the
    pharmacist), the atorvastatin on the shelf, and a wrong bottle (lisinopril) for the hard stop."""
    from sqlalchemy import func, select

    from pharmacy_desktop.db.models.inventory import InventoryItem
    from pharmacy_desktop.db.models.patients import Patient
    from pharmacy_desktop.db.models.prescriptions import Medication, Prescription, PrescriptionItem

    with uow_factory() as uow:
        patient = uow.session.scalars(
            select(Patient)
            .join(Prescription, Prescription.patient_id == Patient.id)
            .join(PrescriptionItem, PrescriptionItem.prescription_id == Prescription.id)
            .join(Medication, Medication.id == PrescriptionItem.medication_id)
            .where(func.lower(Medication.generic_name).like("simvastatin%"))
            .order_by(Patient.patient_number)  # the demo's story patient (the year's fills have more)
            .limit(1)
        ).one()

        def stocked(name: str) -> Any:
            return uow.session.scalars(
                select(Medication)
                .join(InventoryItem, InventoryItem.medication_id == Medication.id)
                .where(func.lower(Medication.generic_name).like(f"{name}%"))
            ).one()

        drug, wrong = stocked("atorvastatin"), stocked("lisinopril")
        return Story(
            patient_id=patient.id,
            patient_last=patient.last_name,
            patient_first=patient.first_name,
            drug_id=drug.id,
            drug_ndc=drug.ndc_code,
            drug_generic=drug.generic_name,
            drug_strength=drug.strength,
            wrong_ndc=wrong.ndc_code,
            wrong_generic=wrong.generic_name,
        )


def code128_text(barcode: Any) -> str:
    """What a scanner reads from a printed CODE128: the data without the ESC/POS code-set prefix."""
    data = str(barcode.data.decode("ascii"))
    return data[2:] if data[:2] in ("{A", "{B", "{C") else data


def context_for(uow_factory: Any) -> AppContext:
    """What a screen built on its own in a test gets: the default configuration, workstation "test-ws"."""
    return AppContext(uow_factory=uow_factory, config=Config(), workstation="test-ws")
