"""Where a scan goes: the modal dialog or the active screen (``ScanDispatcher``), and the good / bad
feedback line with its beep (``ScanFeedback``). Telling a scan from typing is ``ui/scanner.py``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, Slot
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QApplication, QFrame, QHBoxLayout, QLabel, QStyle, QWidget

from pharmacy_desktop.domain.places import Place
from pharmacy_desktop.ui.keys import key_for
from pharmacy_desktop.ui.style import OK_STATUS, STOP_BORDER

if TYPE_CHECKING:  # ui.scanner imports this module for its callers
    from pharmacy_desktop.ui.scanner import ScannerFilter

log = logging.getLogger(__name__)


@runtime_checkable
class ScanTarget(Protocol):
    """A screen or dialog that takes scans. Return False when the scan means nothing here."""

    def handle_scan(self, text: str) -> bool: ...


class ScanFeedback(QFrame):
    """Good / bad scan feedback: a framed line with an icon and words, plus a beep.

    The scanner already beeps on every read, so by default only a problem beeps here: a sound
    from the workstation then always means "look at the screen".
    """

    IDLE_TEXT = "Ready to scan."

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        beep: Callable[[], None] = QApplication.beep,
        beep_on_good: bool = False,
        good_hold_ms: int = 3000,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("scanFeedback")
        self._beep = beep
        self._beep_on_good = beep_on_good
        self._state = "idle"
        self._icon = QLabel()
        self._icon.setFixedSize(28, 28)
        self._text = QLabel()
        self._text.setWordWrap(True)
        self._text.setTextFormat(Qt.TextFormat.PlainText)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(self._icon)
        layout.addWidget(self._text, 1)
        self._reset = QTimer(self)
        self._reset.setSingleShot(True)
        self._reset.setInterval(good_hold_ms)
        self._reset.timeout.connect(self.clear)
        self.clear()

    @property
    def state(self) -> str:
        return self._state

    def message(self) -> str:
        return self._text.text()

    def good(self, message: str) -> None:
        self._show("good", f"Scan OK: {message}", QStyle.StandardPixmap.SP_DialogApplyButton)
        if self._beep_on_good:
            self._beep()
        self._reset.start()

    def bad(self, message: str) -> None:
        # Stays until the next scan: the message says what to do and must be readable.
        self._reset.stop()
        self._show("bad", f"Scan problem: {message}", QStyle.StandardPixmap.SP_MessageBoxCritical)
        self._beep()

    @Slot()
    def clear(self) -> None:
        self._reset.stop()
        self._show("idle", self.IDLE_TEXT, None)

    def _show(self, state: str, text: str, icon: QStyle.StandardPixmap | None) -> None:
        self._state = state
        self._text.setText(text)
        self.setAccessibleDescription(text)
        self._icon.setPixmap(self.style().standardIcon(icon).pixmap(24, 24) if icon else QPixmap())
        # idle, the line is hidden: "Ready to scan." is the status bar's, on the screens that take scans
        self.setVisible(state != "idle")
        colour = {"good": OK_STATUS, "bad": STOP_BORDER}.get(state)
        if colour:
            tint = "rgba(27,127,59,40)" if state == "good" else "rgba(198,40,40,40)"
            self.setStyleSheet(
                f"#scanFeedback {{ border: 3px solid {colour}; border-radius: 4px;"
                f" background: {tint}; }} #scanFeedback QLabel {{ font-weight: bold; }}"
            )
        else:
            self.setStyleSheet("#scanFeedback { border: 1px solid palette(mid); border-radius: 4px; }")


class ScanDispatcher(QObject):
    """Routes a scan to the open modal dialog, else to the active screen.

    ``current_screen`` is provided by the main window. In a modal dialog the nearest
    ``ScanTarget`` from the focused widget up to the dialog gets the scan; the screen behind
    never does. Good feedback is the target's job (it knows what the scan resolved to); the
    dispatcher reports only scans nobody took.
    """

    NO_TARGET_IN_DIALOG = "A dialog is open. Finish or close it, then scan again."
    NO_TARGET_ON_SCREEN = (
        "This screen does not take scans. Go to the screen for the item "
        f"(for example {key_for(Place.FILL)} Fill) and scan again."
    )
    NOT_USED = "This barcode is not used on this screen. Check the item and scan again."
    FAILED = "The scan could not be processed. Scan again; if it keeps happening, tell your manager."

    def __init__(
        self,
        current_screen: Callable[[], object | None],
        feedback: ScanFeedback | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._current_screen = current_screen
        self.feedback = feedback

    def connect_to(self, scanner: ScannerFilter) -> None:
        scanner.scanned.connect(self.dispatch)

    def target(self) -> tuple[ScanTarget | None, str]:
        """The target for a scan now, or None and what to tell the user."""
        modal = QApplication.activeModalWidget()
        if modal is not None:
            widget: QWidget | None = QApplication.focusWidget()
            if widget is None or not (widget is modal or modal.isAncestorOf(widget)):
                widget = modal
            while widget is not None:
                if isinstance(widget, ScanTarget):
                    return widget, ""
                if widget is modal:
                    break
                widget = widget.parentWidget()
            return None, self.NO_TARGET_IN_DIALOG
        screen = self._current_screen()
        if isinstance(screen, ScanTarget):
            return screen, ""
        return None, self.NO_TARGET_ON_SCREEN

    @Slot(str)
    def dispatch(self, text: str) -> bool:
        target, problem = self.target()
        if target is None:
            self._bad(problem)
            return False
        try:
            handled = bool(target.handle_scan(text))
        except Exception:
            log.exception("Scan handler failed")
            self._bad(self.FAILED)
            return False
        if not handled:
            self._bad(self.NOT_USED)
        return handled

    def _bad(self, message: str) -> None:
        if self.feedback is not None and shiboken6.isValid(self.feedback):
            self.feedback.bad(message)
