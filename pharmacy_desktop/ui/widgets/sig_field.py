"""SIG typed as codes with its plain-language expansion right under it, updated on every key."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

from pharmacy_desktop.services.intake import SigPreview, preview_sig
from pharmacy_desktop.ui.style import HINT_STYLE, PASSED_STYLE, WARNING_STYLE


class SigField(QWidget):
    def __init__(self, parent: QWidget | None = None, preview: Callable[[str], SigPreview] = preview_sig):
        super().__init__(parent)
        self._preview = preview
        self.edit = QLineEdit()
        self.edit.setObjectName("sig")
        self.edit.setPlaceholderText("SIG codes, e.g. 1 T PO BID")
        self.edit.setAccessibleName("SIG")
        self.expansion = QLabel()
        self.expansion.setObjectName("sigExpansion")
        self.expansion.setWordWrap(True)
        self.expansion.setAccessibleName("Directions for the label")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit)
        layout.addWidget(self.expansion)
        self.setFocusProxy(self.edit)
        self.edit.textChanged.connect(self._update)
        self._update("")

    def text(self) -> str:
        return self.edit.text()

    def setText(self, text: str) -> None:  # noqa: N802
        self.edit.setText(text)

    def _update(self, text: str) -> None:
        if not text.strip():
            self.expansion.setText("Label will read: —")
            self.expansion.setStyleSheet(HINT_STYLE)
            return
        preview = self._preview(text)
        if preview.problem:
            self.expansion.setText(f"⚠ {preview.problem}")
            self.expansion.setStyleSheet(WARNING_STYLE)
        elif preview.unknown:
            self.expansion.setText(
                f"⚠ Label will read: “{preview.directions}” — not a known code: {' '.join(preview.unknown)}"
            )
            self.expansion.setStyleSheet(WARNING_STYLE)
        else:
            self.expansion.setText(f"✓ Label will read: “{preview.directions}”")
            self.expansion.setStyleSheet(PASSED_STYLE)
