"""The review screen's smaller parts: the reason line (reject, back to intake), the status line's
words (what the pharmacist does next), the prescription box's text. Split from
``ui/widgets/review_panels.py``, which re-exports them."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QWidget

from pharmacy_desktop.domain.workflow import RxStatus
from pharmacy_desktop.services.review import MIN_REASON, ReviewDetail
from pharmacy_desktop.ui.style import FOCUS, HINT, PASSED, STOP_TEXT, WARNING


class ReasonLine(QFrame):
    """The reason line under the alerts: what is asked, and a field; Enter confirms, Esc cancels.

    ``too_short`` when Enter comes before a few words; ``confirmed`` just before the action runs;
    ``escaped`` when Esc closed it."""

    too_short = Signal()
    confirmed = Signal()
    escaped = Signal()

    def __init__(self, min_length: int = MIN_REASON, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.min_length = min_length
        self.action: Callable[[str], None] | None = None
        self.setObjectName("reasonFrame")
        self.setStyleSheet(f"QFrame#reasonFrame {{ border: 2px solid {FOCUS}; border-radius: 4px; }}")
        reason_layout = QHBoxLayout(self)
        self.label = QLabel("Reason:")
        self.label.setObjectName("reasonLabel")
        self.label.setWordWrap(True)  # "Send Rx … back to intake — what to correct:" never widens the screen
        self.field = QLineEdit()
        self.field.setObjectName("reason")
        self.field.setPlaceholderText("Type the reason, Enter to confirm, Esc to cancel")
        self.label.setBuddy(self.field)
        reason_layout.addWidget(self.label)
        reason_layout.addWidget(self.field, 1)
        self.setVisible(False)
        self.field.installEventFilter(self)

    def ask(self, label: str, action: Callable[[str], None]) -> None:
        self.action = action
        self.label.setText(label)
        self.field.clear()
        self.setVisible(True)
        self.field.setFocus()

    def cancel(self) -> None:
        self.action = None
        self.setVisible(False)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if obj is self.field and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if (
                event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and not event.modifiers() & Qt.KeyboardModifier.ControlModifier
            ):
                action, text = self.action, self.field.text()
                if action is not None:
                    if len(" ".join(text.split())) < self.min_length:
                        self.too_short.emit()
                        return True
                    self.cancel()
                    self.confirmed.emit()
                    action(text)
                return True
            if event.key() == Qt.Key.Key_Escape:
                self.cancel()
                self.escaped.emit()
                return True
        return False


def status_text(detail: ReviewDetail, done: str = "") -> tuple[str, str, str]:
    """What the pharmacist does next, its colour and the kind of its icon (``ui/icons``: the icon stands
    beside the words); ``done`` ("Acknowledged.") says first what just happened."""
    done = f"{done} " if done else ""
    if detail.status != RxStatus.RECEIVED:
        return f"{done}Rx {detail.rx_number} is {detail.status}.", PASSED, "info"
    if detail.returned_note:
        return f"{done}↩ Sent back to intake: {detail.returned_note}", WARNING, "warning"
    if detail.open_alerts:
        stops = sum(1 for a in detail.open_alerts if a.needs_override)
        warns = len(detail.open_alerts) - stops
        parts = ([f"{stops} hard stop(s): override with a reason (Alt+O)"] if stops else []) + (
            [f"{warns} warning(s): acknowledge (Alt+A)"] if warns else []
        )
        lead = "Still open" if done else "Not ready to approve"
        return f"{done}{lead} — " + "; ".join(parts) + ".", STOP_TEXT, "stop" if stops else "warning"
    if any(a.is_alert for a in detail.alerts):
        return f"{done}All alerts resolved: Ctrl+Enter approves Rx {detail.rx_number}.", PASSED, "passed"
    return f"{done}No DUR alerts: Ctrl+Enter approves Rx {detail.rx_number}.", PASSED, "passed"


def esc_html(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def rx_html(d: ReviewDetail) -> str:
    """The prescription box: a two-column table (label, value), escaped."""

    def esc(text: object) -> str:
        return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    # compact (the alerts below need the height): the expiry is in the box's tooltip
    rows = [
        (
            "Rx",
            f"{esc(d.rx_number)} · {esc(d.source)} · written {d.written_date:%m/%d/%Y}"
            + (" · <b>STAT</b>" if d.is_stat else ""),
        ),
        (
            "Prescriber",
            f"{esc(d.prescriber_name)} · NPI {esc(d.prescriber_npi)} · DEA {esc(d.prescriber_dea or '—')}",
        ),
    ]
    for item in d.items:
        schedule = f" <b>[{esc(item.schedule)}]</b>" if item.schedule else ""
        if len(d.items) > 1:  # one drug: it is the screen's title, in large type, already
            rows.append(("Drug", f"<b>{esc(item.drug)}</b>{schedule}"))
        rows += [
            (
                "Quantity",
                f"{esc(item.quantity)} {esc(item.quantity_unit)} · {item.days_supply} days · "
                f"{'No refills' if not item.refills else f'{item.refills} refills'} · DAW {esc(item.daw_code)}",
            ),
            ("SIG", f"{esc(item.sig)} → <b>“{esc(item.directions)}”</b>"),
        ]
    if d.notes:
        rows.append(("Notes", esc(d.notes)))
    if d.received_by:
        rows.append(("Entered by", esc(d.received_by)))
    body = "".join(f"<tr><td style='color:{HINT};padding-right:8px'>{k}</td><td>{v}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"
