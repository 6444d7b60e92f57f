"""SIG typed as codes with its plain-language expansion right under it, updated on every key.

A SIG that is not fully understood (an unknown word, or a refused abbreviation such as OD) gives
no automatic directions: the reason is shown and a directions line appears for the technician to
type what the label must say (the service requires it then)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

from pharmacy_desktop.services.intake import SigPreview, preview_sig
from pharmacy_desktop.ui.style import HINT_STYLE, PASSED_STYLE, WARNING_STYLE
from pharmacy_desktop.ui.widgets.status_label import StatusLabel


class SigField(QWidget):
    def __init__(self, parent: QWidget | None = None, preview: Callable[[str], SigPreview] = preview_sig):
        super().__init__(parent)
        self._preview = preview
        self.edit = QLineEdit(self)  # made in place: styled once
        self.edit.setObjectName("sig")
        self.edit.setPlaceholderText("SIG codes, e.g. 1 T PO BID")
        self.edit.setAccessibleName("SIG")
        self.expansion = StatusLabel(parent=self)  # what the label will read, the icon of its state beside it
        self.expansion.setObjectName("sigExpansion")
        self.expansion.setWordWrap(True)
        self.expansion.setAccessibleName("Directions for the label")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.directions = QLineEdit(self)
        self.directions.setObjectName("directions")
        self.directions.setPlaceholderText(
            "Type the directions for the label, e.g. Instill 1 drop in the right eye once a day"
        )
        self.directions.setAccessibleName("Directions typed for the label")
        self.directions.setVisible(False)
        layout.addWidget(self.edit)
        layout.addWidget(self.expansion)
        layout.addWidget(self.directions)
        self.setFocusProxy(self.edit)
        self.edit.textChanged.connect(self._update)
        self._update("")

    def text(self) -> str:
        return self.edit.text()

    def setText(self, text: str) -> None:  # noqa: N802
        self.edit.setText(text)

    def typed_directions(self) -> str | None:
        """The directions typed when the SIG is not understood; None when it is."""
        return self.directions.text() if self.directions.isVisibleTo(self) else None

    def set_typed_directions(self, text: str | None) -> None:
        self.directions.setText(text or "")

    def _update(self, text: str) -> None:
        if not text.strip():
            self.expansion.setText("Label will read: —")
            self.expansion.setStyleSheet(HINT_STYLE)
            self.directions.setVisible(False)
            return
        preview = self._preview(text)
        self.directions.setVisible(not preview.problem and not preview.understood)
        if preview.problem:
            self.expansion.say("warning", preview.problem)
            self.expansion.setStyleSheet(WARNING_STYLE)
        elif not preview.understood:
            self.expansion.say("warning", f"No automatic directions. {preview.message}")
            self.expansion.setStyleSheet(WARNING_STYLE)
        else:
            self.expansion.say("passed", f"Label will read: “{preview.directions}”")
            self.expansion.setStyleSheet(PASSED_STYLE)
