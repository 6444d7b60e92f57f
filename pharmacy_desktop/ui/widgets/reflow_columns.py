"""Two columns of boxes side by side when the window is wide enough, one column below each other when not.

A form that needs ~800 px in two columns still fits a 1024x768 counter display beside the navigation:
below the width both columns need, the boxes stack in reading order (left column first) and the form
scrolls vertically, never sideways.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QBoxLayout, QFrame, QScrollArea, QVBoxLayout, QWidget


class ReflowColumns(QScrollArea):
    """``left`` and ``right`` (vertical layouts of boxes) side by side, or stacked when too narrow."""

    def __init__(self, spacing: int = 12, stretch: tuple[int, int] = (5, 6), parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("reflowColumns")
        self.setFocusPolicy(
            Qt.FocusPolicy.NoFocus
        )  # not a Tab stop of its own: its fields are (and scroll it into view)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._stretch = stretch
        inner = QWidget()
        inner.setObjectName("reflowInner")
        self.columns = QBoxLayout(QBoxLayout.Direction.LeftToRight, inner)
        self.columns.setContentsMargins(0, 0, 0, 0)
        self.columns.setSpacing(spacing)
        self.left, self.right = QVBoxLayout(), QVBoxLayout()
        self.columns.addLayout(self.left, stretch[0])
        self.columns.addLayout(self.right, stretch[1])
        self.setWidget(inner)
        self._later = QTimer(self)  # the layout is never changed from inside a resize (Qt re-enters it)
        self._later.setSingleShot(True)
        self._later.setInterval(0)
        self._later.timeout.connect(lambda: self.reflow())

    def side_by_side(self) -> bool:
        return self.columns.direction() == QBoxLayout.Direction.LeftToRight

    def needed_width(self) -> int:
        """What both columns need side by side."""
        return self.left.minimumSize().width() + self.right.minimumSize().width() + self.columns.spacing()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        """One column's width (and room for the vertical scroll bar): narrower, a box would be cut."""
        hint = super().minimumSizeHint()
        one = max(self.left.minimumSize().width(), self.right.minimumSize().width())
        bar = self.verticalScrollBar().sizeHint().width()
        return QSize(one + bar + 2 * self.frameWidth(), hint.height())

    def reflow(self, width: int | None = None) -> None:
        width = self.viewport().width() if width is None else width
        wide = width >= self.needed_width()
        if wide == self.side_by_side():
            return
        if wide:
            self.columns.setDirection(QBoxLayout.Direction.LeftToRight)
            self.columns.setStretch(0, self._stretch[0])
            self.columns.setStretch(1, self._stretch[1])
        else:
            self.columns.setDirection(QBoxLayout.Direction.TopToBottom)
            self.columns.setStretch(0, 0)
            self.columns.setStretch(1, 1)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._later.start()
