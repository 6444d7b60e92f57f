"""Keyboard-wedge barcode scanners: tell a scan from typing and route it to the active screen.

A wedge scanner types like a keyboard, only faster (a few ms per key) and ends with Enter.
``ScannerFilter`` watches every key press in the application; a fast burst of at least
``min_length`` characters ended by a terminator is a scan: its keys are consumed and
``scanned(text)`` is emitted once. ``ScanDispatcher`` hands the text to the modal dialog or the
active screen (``ScanTarget``); ``ScanFeedback`` shows and sounds the verdict.

How keys are kept from the focused widget: the first keys of a possible burst are *held back*
for at most ``max_gap_ms`` and replayed (``QCoreApplication.sendEvent``) when no further fast key
follows. The alternative, letting keys through and undoing them once a scan is recognised, is
not used because the focused widget reacts before the undo can happen: search-as-you-type
queries run, a table's keyboard search moves the selection, a validator or completer fires, a
selection gets replaced; none of that can be taken back reliably. Holding back costs a human
one imperceptible delay of at most the gap (30 ms by default) and never loses or reorders a key.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum, auto
from functools import partial

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from pharmacy_desktop.domain.barcodes import GS_SUBSTITUTES, normalize_gs, split_aim_prefix
from pharmacy_desktop.domain.gs1 import GS
from pharmacy_desktop.ui.key_route import KEY_EVENTS, KeyRoute

log = logging.getLogger(__name__)

_MODIFIER_KEYS = frozenset({Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_Meta, Qt.Key.Key_AltGr})
_ENTER_KEYS = frozenset({Qt.Key.Key_Return, Qt.Key.Key_Enter})


@dataclass(frozen=True)
class ScannerSettings:
    """How this workstation's scanner behaves (the scanner test page helps find the values).

    ``aim_prefix``: the scanner is set to send AIM symbology identifiers (``]d2``, ``]C1``,
    ``]E0``); a burst must then start with one to count as a scan. The prefix is always kept in
    the emitted text for the barcode parser and never counts toward ``min_length``.
    ``gs_substitutes``: what scanners send instead of the GS separator (ASCII 29) when they
    cannot type it; replaced by ``"\\x1d"``. A real GS key or Ctrl+] is always understood. The default is the barcode
    parser's own list (``domain.barcodes.GS_SUBSTITUTES``), so the filter and the parser agree.
    """

    max_gap_ms: float = 30.0
    min_length: int = 6
    tab_terminates: bool = False
    aim_prefix: bool = False
    gs_substitutes: tuple[str, ...] = GS_SUBSTITUTES


@dataclass(frozen=True)
class KeyBurst:
    """Keys typed up to a terminator, how fast they came and whether that made a scan."""

    text: str
    intervals_ms: tuple[float, ...]
    is_scan: bool
    reason: str

    @property
    def total_ms(self) -> float:
        return sum(self.intervals_ms)


def evaluate(text: str, intervals_ms: Sequence[float], settings: ScannerSettings) -> tuple[bool, str]:
    """Is this input a scan? The answer and the reason, in words for the scanner test page."""
    prefix, data = split_aim_prefix(text)
    gap = settings.max_gap_ms
    slow = [i for i in intervals_ms if i > gap]
    if slow:
        return False, f"Typed by hand: {max(slow):.0f} ms between two keys, over the {gap:g} ms limit."
    if len(data) < settings.min_length:
        return False, (f"Too short for a scan: {len(data)} characters, at least {settings.min_length} needed.")
    if settings.aim_prefix and not prefix:
        return False, "No AIM symbology identifier (such as ]d2) at the start, and one is required."
    return True, (f"Scan: {len(data)} characters in {sum(intervals_ms):.0f} ms, every key within {gap:g} ms.")


class _Kind(Enum):
    DATA = auto()
    TERMINATOR = auto()
    MODIFIER = auto()
    OTHER = auto()


def _classify(event: QKeyEvent, settings: ScannerSettings) -> tuple[_Kind, str]:
    key, text, mods = event.key(), event.text(), event.modifiers()
    ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
    alt = bool(mods & Qt.KeyboardModifier.AltModifier)
    meta = bool(mods & Qt.KeyboardModifier.MetaModifier)
    if key in _MODIFIER_KEYS:
        return _Kind.MODIFIER, ""
    if event.isAutoRepeat():  # a held key; scanners never auto-repeat
        return _Kind.OTHER, ""
    if key in _ENTER_KEYS or (key == Qt.Key.Key_Tab and settings.tab_terminates):
        return (_Kind.OTHER, "") if (ctrl or alt or meta) else (_Kind.TERMINATOR, "")
    if text == GS or (key == Qt.Key.Key_BracketRight and ctrl and not alt):
        return _Kind.DATA, GS
    # Ctrl or Alt alone make a shortcut; both together are AltGr on some platforms (a character).
    if meta or ctrl != alt:
        return _Kind.OTHER, ""
    if text and text.isprintable():
        return _Kind.DATA, text
    return _Kind.OTHER, ""


@dataclass
class _Held:
    receiver: QWidget
    event: QKeyEvent  # a copy: Qt frees the original once its delivery returns


@dataclass
class _Run:
    chars: list[str] = field(default_factory=list)
    times: list[float] = field(default_factory=list)

    def add(self, char: str, at: float) -> None:
        self.chars.append(char)
        self.times.append(at)

    def clear(self) -> None:
        self.chars.clear()
        self.times.clear()

    def burst(self, end: float, settings: ScannerSettings) -> KeyBurst:
        text = normalize_gs("".join(self.chars), settings.gs_substitutes)
        stamps = [*self.times, end]
        intervals = tuple(max(0.0, b - a) for a, b in zip(stamps, stamps[1:]))
        is_scan, reason = evaluate(text, intervals, settings)
        return KeyBurst(text, intervals, is_scan, reason)


class ScannerFilter(QObject):
    """Key filter that sees every key the application gets and turns scanner bursts into ``scanned(text)``.

    Install once: ``ScannerFilter(settings, parent=app).install()``. ``clock`` (milliseconds)
    is for tests; by default the platform's key time stamps are used, so keys that queued up
    while the GUI thread was busy keep the rhythm they were typed in.
    ``input_finished(KeyBurst)`` reports every line of input (scan or typing) for diagnostics.

    Where it sits: not on the QApplication (an application filter is called, in Python, for every
    event to every object: a screen's first showing spent half its time there) but where the keys
    go — the focus widget, the active popup, the active window when nothing has the focus — and on
    the application's windows, moved as the focus, the window or a popup changes
    (``ui/key_route.KeyRoute``).
    """

    scanned = Signal(str)
    input_finished = Signal(object)

    def __init__(
        self,
        settings: ScannerSettings | None = None,
        *,
        clock: Callable[[], float] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._settings = settings or ScannerSettings()
        self._clock = clock
        self._route = KeyRoute(self)
        self._held: list[_Held] = []
        self._receiver: QWidget | None = None
        self._burst = _Run()
        self._trail = _Run()  # everything typed since the last terminator, fast or not
        self._swallow: Counter[int] = Counter()
        self._replaying: set[int] = set()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self.flush)
        self._apply_timer_interval()

    @property
    def settings(self) -> ScannerSettings:
        return self._settings

    @settings.setter
    def settings(self, value: ScannerSettings) -> None:
        self.flush()
        self._settings = value
        self._apply_timer_interval()

    def install(self, app: QCoreApplication | None = None) -> None:
        """Watch every key ``app`` (the QApplication by default) gets, from now until ``uninstall``."""
        target = app or QCoreApplication.instance()
        if isinstance(target, QApplication):
            self._route.install(target)

    def uninstall(self, app: QCoreApplication | None = None) -> None:
        self.flush()
        self._route.uninstall()

    @property
    def watched(self) -> list[QWidget]:
        """The widgets the filter sits on now (besides the application's windows)."""
        return self._route.widgets

    @Slot()
    def flush(self) -> None:
        """Replay held keys to the widget they were meant for: the burst was not a scan."""
        held, self._held = self._held, []
        self._burst.clear()
        self._receiver = None
        self._timer.stop()
        for item in held:
            target = item.receiver if shiboken6.isValid(item.receiver) else QApplication.focusWidget()
            if target is None:
                continue
            pointer = shiboken6.getCppPointer(item.event)[0]
            self._replaying.add(pointer)
            try:
                QCoreApplication.sendEvent(target, item.event)
            finally:
                self._replaying.discard(pointer)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        kind = event.type()
        if kind not in KEY_EVENTS or not isinstance(watched, QWidget):
            self._route.notice(watched, kind)  # where keys go may have changed (a popup, a window)
            return False
        assert isinstance(event, QKeyEvent)
        pointer = shiboken6.getCppPointer(event)[0]
        if pointer in self._replaying:
            return False
        if event.type() == QEvent.Type.ShortcutOverride:
            return self._on_shortcut_override(event)
        # A key the focus widget ignores is offered to its parents and comes by again. That is
        # harmless: whatever this filter lets through leaves no state that would claim it later.
        if event.type() == QEvent.Type.KeyPress:
            consumed = self._on_press(watched, event)
        else:
            consumed = self._on_release(watched, event)
        if consumed:
            event.accept()  # an ignored event would propagate to the parent despite the filter
        return consumed

    def _apply_timer_interval(self) -> None:
        # A little slack so a key arriving right at the limit still joins the burst.
        self._timer.setInterval(int(self._settings.max_gap_ms) + 2)

    def _now(self, event: QKeyEvent) -> float:
        if self._clock is not None:
            return self._clock()
        stamp = event.timestamp()
        return float(stamp) if stamp else time.monotonic() * 1000.0

    def _within_gap(self, now: float) -> bool:
        if not self._burst.times:
            return False
        return 0.0 <= now - self._burst.times[-1] <= self._settings.max_gap_ms

    def _on_press(self, receiver: QWidget, event: QKeyEvent) -> bool:
        now = self._now(event)
        kind, char = _classify(event, self._settings)
        if self._held and (receiver is not self._receiver or not self._within_gap(now)):
            self.flush()
        if kind is _Kind.DATA:
            if not self._held:
                self._swallow.clear()
                self._receiver = receiver
            self._trail.add(char, now)
            self._burst.add(char, now)
            self._hold(receiver, event)
            self._timer.start()
            return True
        if kind is _Kind.MODIFIER:
            if self._held:
                self._hold(receiver, event)
                return True
            return False
        if kind is _Kind.TERMINATOR:
            if self._held:
                burst = self._burst.burst(now, self._settings)
                if burst.is_scan:
                    self._drop_held()
                    self._swallow[event.key()] += 1
                    self._trail.clear()
                    self._report(burst)
                    return True
                self.flush()
            if self._trail.chars:
                self._report(self._trail.burst(now, self._settings))
        self.flush()
        self._trail.clear()
        return False

    def _on_release(self, receiver: QWidget, event: QKeyEvent) -> bool:
        if self._held and receiver is self._receiver:
            self._hold(receiver, event)
            return True
        if self._swallow[event.key()] > 0:
            self._swallow[event.key()] -= 1
            return True
        return False

    def _on_shortcut_override(self, event: QKeyEvent) -> bool:
        # Mid-burst, claim the key so a single-key shortcut cannot fire in the middle of a scan.
        if not self._held or not self._within_gap(self._now(event)):
            return False
        kind, _ = _classify(event, self._settings)
        claim = kind in (_Kind.DATA, _Kind.MODIFIER) or (
            kind is _Kind.TERMINATOR and self._burst.burst(self._now(event), self._settings).is_scan
        )
        if claim:
            event.accept()
        return claim

    def _hold(self, receiver: QWidget, event: QKeyEvent) -> None:
        copy = QKeyEvent(
            event.type(),
            event.key(),
            event.modifiers(),
            event.nativeScanCode(),
            event.nativeVirtualKey(),
            event.nativeModifiers(),
            event.text(),
            event.isAutoRepeat(),
            event.count(),
        )
        copy.setTimestamp(event.timestamp())
        self._held.append(_Held(receiver, copy))

    def _drop_held(self) -> None:
        pressed = Counter(h.event.key() for h in self._held if h.event.type() == QEvent.Type.KeyPress)
        released = Counter(h.event.key() for h in self._held if h.event.type() == QEvent.Type.KeyRelease)
        self._swallow.update(pressed - released)
        self._held = []
        self._burst.clear()
        self._receiver = None
        self._timer.stop()

    def _report(self, burst: KeyBurst) -> None:
        # Delivered from the event loop, not from inside key delivery: a handler may open a
        # dialog or delete the widget the key was addressed to.
        QTimer.singleShot(0, self, partial(self._emit, burst))

    def _emit(self, burst: KeyBurst) -> None:
        self.input_finished.emit(burst)
        if burst.is_scan:
            self.scanned.emit(burst.text)


# the dispatcher and the feedback line live in ui/scan_dispatch.py; imported here for the callers that
# know them as ui.scanner's
from pharmacy_desktop.ui.scan_dispatch import ScanDispatcher, ScanFeedback, ScanTarget  # noqa: E402, F401
