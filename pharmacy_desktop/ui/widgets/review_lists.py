"""The review screen's two lists: the STAT-first queue (its cells) and the DUR alerts (style, text, painting)."""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
)

from pharmacy_desktop.domain.outcomes import DurStatus
from pharmacy_desktop.services.review import Alert, ReviewDetail
from pharmacy_desktop.services.work_queues import QueueRow
from pharmacy_desktop.ui.style import (
    FOCUS,
    PASSED,
    PASSED_BACKGROUND,
    PASSED_MUTED,
    STOP_BACKGROUND,
    STOP_TEXT,
    WARNING_BACKGROUND,
    WARNING_TEXT,
    WHITE,
)
from pharmacy_desktop.ui.table_models import Marked, RowsModel

ICON_KIND_ROLE = Qt.ItemDataRole.UserRole + 1  # an alert row's icon kind ("stop", "warning", "passed")
# (icon kind of ui/icons, words, text colour, background): the icon stands beside the words
STYLES = {
    "stop": ("stop", "HARD STOP", STOP_TEXT, STOP_BACKGROUND),
    "warning": ("warning", "WARNING", WARNING_TEXT, WARNING_BACKGROUND),
    "resolved": ("passed", "RESOLVED", PASSED, PASSED_BACKGROUND),
    "passed": ("passed", "PASSED", PASSED_MUTED, WHITE),
}


def alert_style(alert: Alert) -> tuple[str, str, str, str]:
    """(icon kind, words, text colour, background) of an alert's row."""
    if alert.status == DurStatus.PASSED:
        return STYLES["passed"]
    if alert.resolved:
        return STYLES["resolved"]
    return STYLES["stop"] if alert.needs_override else STYLES["warning"]


def queue_alerts(row: QueueRow) -> str:
    """A queue row's open alerts in words ("1 stop, 2 warn"; "none"): the icon of their kind beside them."""
    parts = ([f"{row.blocking} stop"] if row.blocking else []) + ([f"{row.warnings} warn"] if row.warnings else [])
    return ", ".join(parts) or "none"


def queue_patient_drug(row: QueueRow) -> Marked | str:
    """The queue's main cell, two lines: STAT, patient and open alerts; then the drug (with its schedule).
    With open alerts, the icon of the worst (stop, warning) stands beside the words."""
    first = [row.patient_name]
    if row.is_stat:
        first.insert(0, "STAT")
    if row.blocking or row.warnings:
        first.append(queue_alerts(row))
    text = f"{' · '.join(first)}\n{schedule_first(row.drug)}"
    if row.blocking:
        return Marked("stop", text)
    return Marked("warning", text) if row.warnings else text


def schedule_first(drug: str) -> str:
    """ "Alprazolam 0.5 mg tablet [C-IV]" -> "[C-IV] Alprazolam 0.5 mg tablet": eliding never hides the schedule."""
    match = re.fullmatch(r"(.*) (\[C-[IVX]+\])", drug)
    return f"{match[2]} {match[1]}" if match else drug


def queue_waiting(row: QueueRow) -> str:
    """Age in the queue; under it the promised time, when one was given."""
    due = f"\ndue {row.promised_at.astimezone():%I:%M %p}".replace(" 0", " ") if row.promised_at else ""
    return f"{row.waiting()}{due}"


def med_text(med: Any) -> str:
    """An active medication in three short lines: the drug, its directions, the Rx and its last fill."""
    filled = f"last filled {med.last_fill_date:%m/%d/%Y}" if med.last_fill_date else "not filled yet"
    return f"{med.drug}\n    {med.sig}\n    Rx {med.rx_number} · {filled}"


class QueueModel(RowsModel[QueueRow]):
    """The review queue: STAT rows in bold; the tooltip names the Rx number."""

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid() and role == Qt.ItemDataRole.FontRole and self.row(index.row()).is_stat:
            font = QFont()
            font.setBold(True)
            return font
        if index.isValid() and role == Qt.ItemDataRole.ToolTipRole:
            row = self.row(index.row())
            return (
                f"Rx {row.rx_number}\n{queue_patient_drug(row)}\nWaiting {queue_waiting(row)}\n"
                f"Alerts: {queue_alerts(row)}"
            )
        return super().data(index, role)


def alert_text(alert: Alert, *, new: bool = False) -> str:
    """An alert in a few lines: what and how bad, what to do, where the rule comes from, its state.
    ``new``: it appeared when the checks ran again after the patient's profile changed."""
    _, words, _, _ = alert_style(alert)
    if new:
        words = f"NEW {words}"
    severity = f" · {alert.severity}" if alert.severity not in ("none", "") else ""
    message = alert.message
    head, sep, rest = message.partition(": ")
    if sep and len(head.split()) <= 2 and head.lower().split()[-1] in alert.check_label.lower():
        message = rest  # "Allergy: patient is ..." under the label "Drug allergy"
    lines = [f"{words}{severity} — {alert.check_label}: {message}"]
    if alert.management and alert.status != DurStatus.PASSED and alert.management not in message:
        lines.append(f"     What to do: {alert.management}")
    if alert.source and alert.status != DurStatus.PASSED:
        lines.append(f"     Source: {alert.source}")
    if alert.status != DurStatus.PASSED:
        lines.append(f"     {alert.state_text}")
    return "\n".join(lines)


def alert_headline(alert: Alert, *, new: bool = False) -> str:
    """An alert's row in the list, two short lines: what and how bad (the message's first sentence),
    then its state. The whole alert is in the detail under the list and in the tooltip."""
    first = alert_text(alert, new=new).split("\n", 1)[0]
    head, sep, _ = first.partition(". ")
    first = head + "." if sep else first
    if alert.status == DurStatus.PASSED:
        return first
    return f"{first}\n     {alert.state_text}"


def alert_detail_html(alert: Alert | None) -> str:
    """The highlighted alert in full: message, what to do, where the rule comes from, its state."""
    if alert is None:
        return ""

    def esc(text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    kind, words, colour, _ = alert_style(alert)
    mark = f"<img src='icon:{kind}' style='vertical-align: middle'>&nbsp;"  # AlertDetail draws ui/icons' icon
    parts = [f"{mark}<b style='color:{colour}'>{words} — {esc(alert.check_label)}</b>: {esc(alert.message)}"]
    if alert.management and alert.management not in alert.message:
        parts.append(f"<b>What to do:</b> {esc(alert.management)}")
    if alert.source:
        parts.append(f"<b>Source:</b> {esc(alert.source)}")
    if alert.status != DurStatus.PASSED:
        parts.append(f"<i>{esc(alert.state_text)}</i>")
    return "<br>".join(parts)


def new_alerts(before: ReviewDetail | None, after: ReviewDetail) -> frozenset[Any]:
    """Alerts of ``after`` the pharmacist had not seen in ``before``: a row that was not shown and
    says something no shown alert said (a re-run repeats the old findings in new rows)."""
    seen = before.alert_ids if before is not None else frozenset()
    said = {(a.check, a.message) for a in (before.alerts if before is not None else ()) if a.is_alert}
    return frozenset(
        a.validation_id
        for a in after.alerts
        if a.is_alert and a.validation_id not in seen and (a.check, a.message) not in said
    )


def passed_summary(passed: list[Alert]) -> str:
    """The checks that passed, in one row: every alert keeps its room in the list."""
    labels = list(dict.fromkeys(a.check_label for a in passed))
    return f"PASSED — {len(labels)} check(s): {', '.join(labels)}"


class AlertDelegate(QStyledItemDelegate):
    """Keeps each alert's severity colour when it is highlighted; the highlight is a thick frame."""

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        opt = QStyleOptionViewItem(option)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        opt.state &= ~(QStyle.StateFlag.State_Selected | QStyle.StateFlag.State_HasFocus)
        background = index.data(Qt.ItemDataRole.BackgroundRole)
        if background is not None:
            painter.fillRect(opt.rect, background)
        super().paint(painter, opt, index)
        if selected:
            painter.save()
            painter.setPen(QPen(QColor(FOCUS), 3))
            painter.drawRect(opt.rect.adjusted(1, 1, -2, -2))
            painter.restore()
