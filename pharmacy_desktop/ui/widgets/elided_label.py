"""A one-line label that never sets a minimum width: a long text is elided (…), whole in the tooltip.

A QLabel without word wrap asks for its whole text as its minimum width, and a top-level window
grows to fit (and never narrows again): one long drug name made the shell wider than the display.

Cheap on every layout and paint (bench/gui_stall.py sampled the Python overrides of the first version
in the shell's first showing): the elided text is worked out when the text, the width or the font
changes and handed to QLabel, whose own C++ paint draws it; the size hints, measured once per text
and font, come from a cache. ``text()`` stays the whole text (the tooltip, the tests and, through the
accessible name while elided, a screen reader read it).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

# what changes the width of the text or the label's hints
_REMEASURE = (QEvent.Type.FontChange, QEvent.Type.StyleChange, QEvent.Type.ContentsRectChange)


class ElidedLabel(QLabel):
    MIN_WIDTH = 80

    def __init__(self, text: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self._whole = ""
        self._shown = ""
        self._named = ""  # the accessible name this label set (the whole text while elided)
        self._hint = QSize()
        self._min_hint = QSize()
        self.setWordWrap(False)
        self.setTextFormat(Qt.TextFormat.PlainText)  # drawn as written, as it always was
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setText(text)

    # -- the whole text ---------------------------------------------------------------------------

    def text(self) -> str:
        """The whole text (what is on show may be elided: ``shown_text``)."""
        return self._whole

    def shown_text(self) -> str:
        """The text as drawn: the whole text, or its start and '…' when the label is too narrow."""
        return self._shown

    def setText(self, text: str) -> None:  # noqa: N802 - Qt API
        self._whole = text
        self.setToolTip(text)
        self._measure()
        self._elide()

    def clear(self) -> None:
        self.setText("")

    # -- hints: measured once per text and font, not on every layout ------------------------------

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(self._hint)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(self._min_hint)

    def _measure(self) -> None:
        """QLabel's own hints for the whole text (it holds the whole text for the moment it measures)."""
        if super().text() != self._whole:
            super().setText(self._whole)
            self._shown = self._whole
        self._hint = super().sizeHint()
        least = super().minimumSizeHint()
        self._min_hint = QSize(min(self.MIN_WIDTH, least.width()), least.height())
        self.updateGeometry()

    # -- what is drawn: the text elided to the width, worked out when the width changes --------------

    def _elide(self) -> None:
        room = self.contentsRect().width() - 2 * self.margin()
        whole = self._whole
        shown = whole
        if whole and self.fontMetrics().horizontalAdvance(whole) > room:
            shown = self.fontMetrics().elidedText(whole, Qt.TextElideMode.ElideRight, max(0, room))
        if shown != super().text():
            super().setText(shown)  # QLabel's C++ paint draws it from here on
        self._shown = shown
        # a screen reader reads QLabel's text: while it is cut, the label's name is the whole text
        name = whole if shown != whole else ""
        if name != self._named and self.accessibleName() in ("", self._named):
            self.setAccessibleName(name)
            self._named = name

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._elide()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        super().changeEvent(event)
        if event.type() in _REMEASURE:
            self._measure()
            self._elide()
