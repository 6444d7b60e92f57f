"""A label whose words carry the icon of their status at their left (``ui/icons``), instead of a text
glyph (✔ ✖ ⚠) typed in front of them.

It is a QLabel in every other way (``text()``, ``setText``, word wrap, style sheets), so a message
line becomes one without its callers changing: ``say(kind, text)`` sets both, ``setText(text)``
keeps the words only (no icon). The icon is never the status alone: the words say it, and a screen
reader reads the words (the icon's kind is in the accessible description).
"""

from __future__ import annotations

import re

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QTextDocument
from PySide6.QtWidgets import QLabel, QWidget

from pharmacy_desktop.ui import icons

GAP = 6  # px between the icon and the words


class StatusLabel(QLabel):
    def __init__(self, text: str = "", parent: QWidget | None = None, *, kind: str | None = None) -> None:
        super().__init__(parent)
        self.icon_kind: str | None = None  # the icon drawn ("passed", "stop" ...; None: none)
        StatusLabel.say(self, kind, text)  # not a subclass's say: it is not set up yet

    def _size(self) -> int:
        return max(14, self.fontMetrics().height())

    def say(self, kind: str | None, text: str) -> None:
        """The words, with the icon of ``kind`` ("passed", "stop", "warning", "info" ...; None: none)."""
        self.icon_kind = kind if text else None
        size = self._size()
        margins = self.contentsMargins()
        margins.setLeft(size + GAP if self.icon_kind else 0)
        self.setContentsMargins(margins)
        self.setAccessibleDescription(self.icon_kind or "")
        super().setText(text)
        self.update()

    def setText(self, text: str) -> None:  # noqa: N802 - Qt API
        StatusLabel.say(self, None, text)  # the words only (a subclass's say may do more: colours)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        super().paintEvent(event)
        if self.icon_kind is None:
            return
        size = self._size()
        pixmap = icons.pixmap(self.icon_kind, size)  # rendered once per kind and size, not each paint
        if pixmap.isNull():
            return  # no icon set installed: the words say it all
        area = self.contentsRect()
        block, line_top, line_height = self._first_line(area)
        block = min(area.height(), block)
        if self.alignment() & Qt.AlignmentFlag.AlignVCenter:
            first = area.top() + (area.height() - block) // 2
        elif self.alignment() & Qt.AlignmentFlag.AlignBottom:
            first = area.bottom() - block
        else:
            first = area.top()
        top = first + line_top + (line_height - size) // 2  # beside the first line of the words
        painter = QPainter(self)
        painter.drawPixmap(QRect(area.left() - size - GAP, top, size, size), pixmap)
        painter.end()

    def _first_line(self, area: QRect) -> tuple[int, int, int]:
        """(the words' height, their first line's top and height) as the label lays them out."""
        metrics = self.fontMetrics()
        text = self.text()
        rich = self.textFormat() == Qt.TextFormat.RichText or (
            self.textFormat() == Qt.TextFormat.AutoText and re.search(r"<[a-zA-Z!/][^>]*>", text) is not None
        )
        if not rich:
            flags = int(Qt.TextFlag.TextWordWrap) if self.wordWrap() else 0
            return metrics.boundingRect(area, flags, text).height(), 0, metrics.height()
        document = QTextDocument()
        document.setDocumentMargin(0)
        document.setDefaultFont(self.font())
        document.setHtml(text)
        if self.wordWrap():
            document.setTextWidth(area.width())
        block = document.begin()
        lines = block.layout()
        top = document.documentLayout().blockBoundingRect(block).top()
        if lines is not None and lines.lineCount():
            return int(document.size().height()), int(top + lines.lineAt(0).y()), int(lines.lineAt(0).height())
        return int(document.size().height()), int(top), metrics.height()
