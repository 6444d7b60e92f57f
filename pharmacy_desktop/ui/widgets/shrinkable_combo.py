"""A combo box whose closed face shows a short text and shrinks with the form; its list shows the full text."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import (
    QComboBox,
    QStyle,
    QStyleOptionComboBox,
    QStylePainter,
    QWidget,
)

SHORT_TEXT_ROLE = Qt.ItemDataRole.UserRole + 1  # what a closed combo box shows; its list shows the full text


class ShrinkableCombo(QComboBox):
    """A combo box that may be narrower than its longest item; its open list still shows items in full.

    By default a combo box asks for the width of its longest item (the DAW texts, a prescriber with
    NPI and specialty), which pushes the screen wider than a 1280 px display beside the navigation.
    """

    def __init__(self, characters: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(characters)
        self.currentIndexChanged.connect(lambda _: self.setToolTip(self.currentText()))  # the whole text

    def add_item(self, text: str, data: Any = None, *, short: str | None = None) -> None:
        """An item whose list entry reads ``text`` and whose closed box reads ``short`` (when given)."""
        self.addItem(text, data)
        if short:
            self.setItemData(self.count() - 1, short, SHORT_TEXT_ROLE)
        self.setItemData(self.count() - 1, text, Qt.ItemDataRole.ToolTipRole)

    def display_text(self) -> str:
        """What the closed box shows before eliding: the short text if the item has one."""
        return self.currentData(SHORT_TEXT_ROLE) or self.currentText()

    def text_room(self) -> int:
        """The width the closed box has for its text."""
        opt = QStyleOptionComboBox()
        self.initStyleOption(opt)
        return (
            self.style()
            .subControlRect(QStyle.ComplexControl.CC_ComboBox, opt, QStyle.SubControl.SC_ComboBoxEditField, self)
            .width()
            - 2
        )

    def shown_text(self) -> str:
        """The text actually painted: the short text, elided with "…" only if even that does not fit."""
        return self.fontMetrics().elidedText(self.display_text(), Qt.TextElideMode.ElideRight, self.text_room())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        painter = QStylePainter(self)
        opt = QStyleOptionComboBox()
        self.initStyleOption(opt)
        opt.currentText = self.shown_text()
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, opt)
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, opt)

    def showPopup(self) -> None:  # noqa: N802 - Qt API
        view = self.view()
        view.setTextElideMode(Qt.TextElideMode.ElideNone)
        view.setMinimumWidth(
            min(
                view.sizeHintForColumn(0) + 2 * view.frameWidth() + 24,
                self.screen().availableGeometry().width() if self.screen() else 10_000,
            )
        )
        super().showPopup()
