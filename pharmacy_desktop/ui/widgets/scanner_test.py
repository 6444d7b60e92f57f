"""The scanner test page (settings): raw input, key timing, the verdict and what it resolved to.

It answers the questions asked while setting up a counter: does the scanner send what we think
(AIM prefix, GS separators, Enter)? Is it fast enough to count as a scan? Does the catalog know
the product? Only input that counts as a scan is looked up: typing shows its timing and verdict,
and why it was not looked up, as the rest of the application would treat it.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QShowEvent, QTextOption
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QStyle,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.domain.barcodes import split_aim_prefix
from pharmacy_desktop.domain.gs1 import GS
from pharmacy_desktop.ui.ops import run_in_background, user_message
from pharmacy_desktop.ui.scanner import KeyBurst, ScannerFilter, ScannerSettings

Resolver = Callable[[str], Mapping[str, Any]]

_CONTROL_NAMES = {GS: "GS", "\x1e": "RS", "\x04": "EOT", "\t": "TAB", "\r": "CR", "\n": "LF"}
_AIM_NAMES = {
    "]C0": "Code 128",
    "]C1": "GS1-128",
    "]d1": "Data Matrix",
    "]d2": "GS1 DataMatrix",
    "]E0": "EAN-13 / UPC-A",
    "]E4": "EAN-8",
    "]e0": "GS1 DataBar",
    "]Q1": "QR Code",
    "]Q3": "GS1 QR Code",
    "]A0": "Code 39",
    "]I0": "Interleaved 2 of 5",
    "]L2": "PDF417",
}
_STATUS_LOOK = {
    "found": ("Found", QStyle.StandardPixmap.SP_DialogApplyButton),
    "ambiguous": ("Several products match", QStyle.StandardPixmap.SP_MessageBoxWarning),
    "unknown": ("Unknown", QStyle.StandardPixmap.SP_MessageBoxWarning),
    "invalid": ("Not a valid code", QStyle.StandardPixmap.SP_MessageBoxCritical),
}
_DETAIL_KEYS = (("ndc11", "NDC"), ("lot", "lot"), ("expiry", "expires"), ("serial", "serial"))


def visible_text(text: str) -> str:
    """Control characters spelled out: ``"01\\x1d21"`` -> ``"01<GS>21"``."""
    return "".join(f"<{_CONTROL_NAMES.get(c, f'0x{ord(c):02X}')}>" if not c.isprintable() else c for c in text)


def describe_aim(prefix: str) -> str:
    if not prefix:
        return "none"
    return f"{prefix}  ({_AIM_NAMES.get(prefix, f'symbology {prefix[1]}, option {prefix[2]}')})"


def describe_timing(burst: KeyBurst) -> str:
    if not burst.intervals_ms:
        return "-"
    between, to_end = burst.intervals_ms[:-1], burst.intervals_ms[-1]
    parts = []
    if between:
        low, high = min(between), max(between)
        spread = f"{low:.0f} ms" if round(low) == round(high) else f"{low:.0f}-{high:.0f} ms"
        parts.append(f"{spread} between keys (average {sum(between) / len(between):.0f} ms)")
    parts.append(f"{to_end:.0f} ms to the terminator")
    parts.append(f"{burst.total_ms:.0f} ms in total")
    return "; ".join(parts)


def describe_settings(settings: ScannerSettings) -> str:
    ends = "Enter or Tab" if settings.tab_terminates else "Enter"
    aim = "required" if settings.aim_prefix else "optional"
    subs = ", ".join(settings.gs_substitutes) or "none"
    return (
        f"Counts as a scan when keys are at most {settings.max_gap_ms:g} ms apart, at least "
        f"{settings.min_length} characters, ending with {ends}. AIM prefix {aim}. "
        f"Read as GS: {subs}."
    )


class _StatusLine(QWidget):
    """An icon and words: the verdict never depends on colour alone."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = QLabel("-")
        self.text.setWordWrap(True)
        self.text.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        font = self.text.font()
        font.setBold(True)
        self.text.setFont(font)
        self.icon = QLabel()
        self.icon.setFixedSize(22, 20)
        self.icon.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        # Everything in a row is pinned to the top so the first lines stay level.
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.text, 1, Qt.AlignmentFlag.AlignTop)

    def set(self, text: str, icon: QStyle.StandardPixmap | None) -> None:
        self.text.setText(text)
        self.icon.clear()
        if icon is not None:
            self.icon.setPixmap(self.style().standardIcon(icon).pixmap(20, 20))


class ScannerTestPage(QWidget):
    """Settings page: scan or type, and see exactly what arrived and what it means."""

    def __init__(
        self, scanner: ScannerFilter, resolver: Resolver, parent: QWidget | None = None, *, compact: bool = False
    ) -> None:
        """``compact``: embedded beside other settings (no page title, tighter spacing, a shorter raw box)."""
        super().__init__(parent)
        self.setObjectName("scannerTestPage")
        self._scanner = scanner
        self._resolver = resolver
        self._request = 0
        self.last_burst: KeyBurst | None = None  # the input shown
        self._latest: KeyBurst | None = None  # the last input the scanner reported, shown or not

        title = QLabel("Scanner test")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        title.setFont(font)
        intro = QLabel(
            "Scan a barcode while this page is open. To compare with typing, type a code in "
            "the box below and press Enter."
        )
        intro.setWordWrap(True)
        self.typing_box = QLineEdit()
        self.typing_box.setPlaceholderText("Type here to compare with typing")
        self.typing_box.returnPressed.connect(self.typing_box.clear)

        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(max(mono.pointSizeF(), self.font().pointSizeF()) * 1.15)
        self.raw = QTextEdit()
        self.raw.setReadOnly(True)
        self.raw.setFont(mono)
        self.raw.setLineWrapMode(QTextEdit.LineWrapMode.WidgetWidth)
        self.raw.setWordWrapMode(QTextOption.WrapMode.WrapAnywhere)
        self.raw.setFixedHeight(int(self.raw.fontMetrics().lineSpacing() * (2.6 if compact else 3.4)))
        self.raw.setPlaceholderText("Nothing scanned yet")
        self.raw.setAccessibleName("Raw input")
        self.aim = QLabel("-")
        self.keys = QLabel("-")
        self.timing = QLabel("-")
        self.timing.setWordWrap(True)
        for label in (self.aim, self.keys, self.timing):
            label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.verdict = _StatusLine()
        self.resolution = _StatusLine()
        self.details = QLabel("")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        # A grid, not a QFormLayout: the form squeezed the fixed-height raw box when the
        # word-wrapped rows below it asked for height-for-width.
        grid = QGridLayout()
        grid.setVerticalSpacing(6 if compact else 12)
        grid.setHorizontalSpacing(14)
        grid.setColumnStretch(1, 1)
        rows = (
            ("Raw input:", self.raw),
            ("AIM prefix:", self.aim),
            ("Keys:", self.keys),
            ("Timing:", self.timing),
            ("Counted as:", self.verdict),
            ("Resolved to:", self.resolution),
            ("", self.details),
        )
        for row, (caption, field) in enumerate(rows):
            grid.addWidget(_row_label(caption), row, 0)
            grid.addWidget(field, row, 1)
        last = QGroupBox("Scanner test — last input" if compact else "Last input")
        last.setLayout(grid)

        self.settings_note = QLabel()
        self.settings_note.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(*((0, 0, 0, 0) if compact else (18, 16, 18, 16)))
        layout.setSpacing(8 if compact else 12)
        title.setVisible(not compact)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addWidget(self.typing_box)
        layout.addWidget(last)
        layout.addWidget(self.settings_note)
        layout.addStretch(1)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.refresh_settings()
        scanner.input_finished.connect(self._on_input)

    def handle_scan(self, text: str) -> bool:
        """ScanTarget: the page shows every input itself (see ``show_input``), so just claim it.

        A scan that arrived while the page was hidden (the settings opened it for the scan) is
        shown now.
        """
        latest = self._latest
        if latest is not None and latest is not self.last_burst and latest.text == text and self.isVisible():
            self.show_input(latest)
        return True

    def show_input(self, burst: KeyBurst) -> None:
        self.last_burst = burst
        prefix, data = split_aim_prefix(burst.text)
        self.raw.setHtml(_raw_html(prefix, data))
        self.aim.setText(describe_aim(prefix))
        count = f"{len(burst.text)} characters"
        self.keys.setText(f"{count} ({len(data)} after the AIM prefix)" if prefix else count)
        self.timing.setText(describe_timing(burst))
        self.verdict.set(
            burst.reason,
            QStyle.StandardPixmap.SP_DialogApplyButton
            if burst.is_scan
            else QStyle.StandardPixmap.SP_MessageBoxInformation,
        )
        self.details.setText("")
        if burst.is_scan:
            self._resolve(burst.text)
        else:
            self._request += 1  # a lookup still running for an earlier scan must not overwrite this
            self.resolution.set(
                "Not looked up: this counts as typing, so the application would not treat it as a scan.",
                QStyle.StandardPixmap.SP_MessageBoxInformation,
            )

    def show_resolution(self, result: Mapping[str, Any]) -> None:
        status = str(result.get("status", ""))
        heading, icon = _STATUS_LOOK.get(status, (status or "No answer", QStyle.StandardPixmap.SP_MessageBoxWarning))
        message = str(result.get("message", ""))
        self.resolution.set(f"{heading}: {message}" if message else heading, icon)
        details = [f"{label} {result[key]}" for key, label in _DETAIL_KEYS if result.get(key)]
        if result.get("candidates"):
            details.append("candidates " + ", ".join(map(str, result["candidates"])))
        self.details.setText("  ·  ".join(details))

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        self.refresh_settings()
        super().showEvent(event)

    def _on_input(self, burst: KeyBurst) -> None:
        self._latest = burst
        if self.isVisible():
            self.show_input(burst)

    def refresh_settings(self) -> None:
        """Describe the scanner's current settings (after they were changed and saved)."""
        self.settings_note.setText(describe_settings(self._scanner.settings))

    def _resolve(self, text: str) -> None:
        self._request += 1
        request = self._request
        self.resolution.set("Looking up...", QStyle.StandardPixmap.SP_BrowserReload)

        def done(result: Mapping[str, Any]) -> None:
            if request == self._request:  # an older lookup finishing late must not overwrite
                self.show_resolution(result)

        def failed(exc: Exception) -> None:
            if request == self._request:
                self.resolution.set(
                    f"Could not look up: {user_message(exc)}", QStyle.StandardPixmap.SP_MessageBoxCritical
                )

        resolver = self._resolver
        run_in_background(self, lambda: resolver(text), done, failed)


def _row_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
    return label


def _raw_html(prefix: str, data: str) -> str:
    parts = [f"<b><u>{html.escape(prefix)}</u></b>&#8202;" if prefix else ""]
    for char in data:
        if char.isprintable():
            parts.append(html.escape(char))
        else:
            parts.append(f"<b>{html.escape(visible_text(char))}</b>")
    return "".join(parts)


__all__ = [
    "Resolver",
    "ScannerTestPage",
    "describe_aim",
    "describe_settings",
    "describe_timing",
    "visible_text",
]
