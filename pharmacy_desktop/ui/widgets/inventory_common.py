"""Small pieces the inventory pages share: a message line, coloured cells, quantities and dates as
a buyer reads them, and the item finder (type a name or NDC, or scan) the Adjustments page uses."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QLabel, QTableWidget

from pharmacy_desktop.domain.stock import format_quantity
from pharmacy_desktop.ui.style import CONTROLLED, ERROR, HINT, INFO, PASSED, STOP_TEXT, WARNING

COLOURS = {
    "problem": ERROR,
    "warning": WARNING,
    "done": PASSED,
    "info": INFO,
    "hint": HINT,
    "stop": STOP_TEXT,
    "controlled": CONTROLLED,
}


class MessageLine(QLabel):
    """What just happened or what is wrong, in words (and in the colour of its meaning)."""

    def __init__(self, name: str):
        super().__init__()
        self.setObjectName(name)
        self.setWordWrap(True)
        self.kind = ""

    def say(self, kind: str, text: str) -> None:
        self.kind = kind
        self.setText(text)
        bold = "font-weight: bold;" if kind in ("problem", "warning", "done") else ""
        self.setStyleSheet(f"color: {COLOURS.get(kind, HINT)}; {bold}")


def paint(table: QTableWidget, row: int, column: int, kind: str, *, bold: bool = True) -> None:
    """Colour one cell by meaning (its text already says it: colour is never the only sign)."""
    item = table.item(row, column)
    if item is None:
        return
    item.setForeground(QColor(COLOURS[kind]))
    if bold:
        font = QFont(item.font())
        font.setBold(True)
        item.setFont(font)


def qty(value: Decimal | None, unit: str = "") -> str:
    if value is None:
        return "—"
    shown = format_quantity(value)
    return f"{shown} {unit}".strip()


def day(value: dt.date | None) -> str:
    return value.isoformat() if value else "—"


def days_left(value: dt.date | None, today: dt.date) -> str:
    """'2027-01-20 (in 49 d)', 'EXPIRED 2026-11-30': how soon, as the buyer needs it."""
    if value is None:
        return "—"
    left = (value - today).days
    if left < 0:
        return f"EXPIRED {value.isoformat()}"
    return f"{value.isoformat()} (in {left} d)"
