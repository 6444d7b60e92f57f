"""The clinical review screen's two sides: the queue with the patient's active medications, and the
work area (the drug, the patient, the prescription, the DUR alerts, the reason line, the decisions)."""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QSize, Qt, QUrl
from PySide6.QtGui import QBrush, QColor, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.domain.outcomes import DurStatus
from pharmacy_desktop.services.review import Alert, ReviewDetail
from pharmacy_desktop.ui.icons import icon, pixmap
from pharmacy_desktop.ui.screens.base import heading
from pharmacy_desktop.ui.style import (
    PASSED_BACKGROUND,
    PASSED_MUTED,
    STOP_BACKGROUND,
    STOP_BORDER,
    STOP_TEXT,
)
from pharmacy_desktop.ui.widgets.drug_lines import fit_rows_to_lines
from pharmacy_desktop.ui.widgets.patient_banner import PatientBanner, big_font
from pharmacy_desktop.ui.widgets.review_lists import (
    ICON_KIND_ROLE,
    AlertDelegate,
    QueueModel,
    alert_detail_html,
    alert_headline,
    alert_style,
    alert_text,
    med_text,
    passed_summary,
    queue_patient_drug,
    queue_waiting,
)
from pharmacy_desktop.ui.widgets.review_parts import ReasonLine as ReasonLine  # re-exported
from pharmacy_desktop.ui.widgets.review_parts import esc_html, rx_html
from pharmacy_desktop.ui.widgets.review_parts import status_text as status_text  # re-exported
from pharmacy_desktop.ui.widgets.status_label import StatusLabel

RERUN_DUR_KEY = "Ctrl+D"  # the shell owns the F-keys
ALERTS_TITLE = "DUR alerts — acknowledge each; hard stops need codes and a note"


class AlertDetail(QTextBrowser):
    """The highlighted alert in full; its ``<img src='icon:stop'>`` is the icon set's (ui/icons), a line high.

    As tall as its text (its minimum height the floor): one short alert at 1920x1080 is no tall empty
    box; the room stays with the rest of the screen. Less room than the text: it scrolls."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.textChanged.connect(self.fit_to_text)

    def fit_to_text(self) -> None:
        document = self.document()
        document.setTextWidth(self.viewport().width())
        chrome = self.height() - self.viewport().height()  # frame and margins around the text
        height = math.ceil(document.size().height()) + max(chrome, 2 * self.frameWidth()) + 3  # and rounding
        self._fit_height = max(self.minimumHeight(), height)
        self.setMaximumHeight(self._fit_height)
        self.updateGeometry()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        """The text's height: the screen's layout gives it that before any blank room."""
        return QSize(super().sizeHint().width(), getattr(self, "_fit_height", self.minimumHeight()))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():  # the lines wrap anew: another height
            self.fit_to_text()

    def loadResource(self, kind: int, name: QUrl | str) -> Any:  # noqa: N802 - Qt API
        url = QUrl(name)
        if url.scheme() == "icon":
            size = self.fontMetrics().height() - 2
            return pixmap(url.path(), size)
        return super().loadResource(kind, name)


class ReviewQueuePanel(QWidget):
    """The left side: the queue (two-line rows) over the open patient's other prescriptions."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        queue_layout = QVBoxLayout(self)
        queue_layout.setContentsMargins(0, 0, 0, 0)
        self.queue_title = heading("Waiting for review", 2)
        queue_layout.addWidget(self.queue_title)
        # two-line rows, as in the fill queue: "STAT · patient · alerts" over the drug; the waiting time
        # over the promised time. The Rx number is in the tooltip and the work area.
        self.model = QueueModel(
            [("Patient / drug", queue_patient_drug), ("Waiting", queue_waiting), ("Rx", "rx_number")]
        )
        self.queue = QTableView()
        self.queue.setObjectName("reviewQueue")
        self.queue.setModel(self.model)
        self.queue.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.queue.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.queue.verticalHeader().setVisible(False)
        header = self.queue.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # what is left (elided, tooltip in full)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.queue.setColumnHidden(2, True)
        self.queue.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.queue.setTextElideMode(Qt.TextElideMode.ElideRight)
        # the drug through its strength: its form drops first, then the line wraps (the row grows)
        fit_rows_to_lines(self.queue, 0)
        self.queue.setAccessibleName("Review queue")
        self.queue.setTabKeyNavigation(False)  # Tab leaves the queue for the alerts
        queue_layout.addWidget(self.queue, 1)
        self.queue_empty = StatusLabel("Nothing waiting for review.", kind="passed")
        self.queue_empty.setVisible(False)
        queue_layout.addWidget(self.queue_empty)
        # the open patient's other prescriptions under the queue, where the height is: at least three
        # in view without scrolling, and the alerts on the right keep their room at 1280x800
        self.meds_box = QGroupBox("Active medications")
        self.meds = QListWidget()
        self.meds.setObjectName("activeMeds")
        self.meds.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.meds.setWordWrap(False)  # three short lines each (drug; directions; fill), elided, tooltip in full
        self.meds.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.meds.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.meds.setAccessibleName("Active medications")
        # three medications in view without scrolling (four at most, then it scrolls)
        self.meds.setSpacing(1)
        self.meds.setMinimumHeight(self.meds_height(3))
        self.meds.setMaximumHeight(self.meds_height(4))
        meds_layout = QVBoxLayout(self.meds_box)
        meds_layout.setContentsMargins(4, 2, 4, 4)
        meds_layout.addWidget(self.meds)
        queue_layout.addWidget(self.meds_box)

    WAITING_CHARS = 40  # narrower than this, the waiting time's column gives way (it is in the tooltip)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt API
        """On a narrow queue (1024x768, the work area first) the waiting time leaves its column to the
        patient and the drug through its strength, as the fill queue does beside an open prescription;
        the row's tooltip still says it."""
        super().resizeEvent(event)
        narrow = event.size().width() < self.fontMetrics().averageCharWidth() * self.WAITING_CHARS
        if self.queue.isColumnHidden(1) != narrow:
            self.queue.setColumnHidden(1, narrow)

    def meds_height(self, count: int) -> int:
        """The list's height for ``count`` medications of three lines each."""
        return (
            self.meds.fontMetrics().lineSpacing() * 3 + 2 * self.meds.spacing() + 2
        ) * count + 2 * self.meds.frameWidth()

    def show_meds(self, detail: ReviewDetail | None) -> None:
        self.meds.clear()
        if detail is None:
            self.meds_box.setTitle("Active medications")
            return
        for med in detail.active_medications:
            item = QListWidgetItem(med_text(med))
            item.setToolTip(med_text(med).replace("\n    ", "\n"))
            self.meds.addItem(item)
        if not detail.active_medications:
            self.meds.addItem("No other active prescriptions")
        self.meds_box.setTitle(f"Active medications ({len(detail.active_medications)})")


class ReviewWorkArea(QWidget):
    """The right side: what is being reviewed, its alerts with their actions, and the decisions."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.row_alerts: list[Alert | None] = []  # the alert of each list row; None: the passed checks
        work_layout = QVBoxLayout(self)
        work_layout.setContentsMargins(6, 0, 0, 0)
        work_layout.setSpacing(6)
        self.drug_title = QLabel("Choose a prescription in the queue")
        self.drug_title.setObjectName("drugTitle")
        self.drug_title.setFont(big_font(self.drug_title, 5))  # large, and one line for most drugs
        self.drug_title.setWordWrap(True)
        work_layout.addWidget(self.drug_title)

        middle = QHBoxLayout()
        self.banner = PatientBanner()
        left_col = QVBoxLayout()
        left_col.addWidget(self.banner)
        left_col.addStretch(1)
        middle.addLayout(left_col, 2)
        rx_box = QGroupBox("Prescription")
        self.rx_text = QLabel("")
        self.rx_text.setObjectName("rxDetails")
        self.rx_text.setWordWrap(True)
        self.rx_text.setTextFormat(Qt.TextFormat.RichText)
        self.rx_text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        QVBoxLayout(rx_box).addWidget(self.rx_text)
        middle.addWidget(rx_box, 3)  # the wider: its label column takes room
        # the patient and the prescription take the height their text needs; the alert list the rest
        work_layout.addLayout(middle, 0)

        # refused approval because the patient's profile changed: says so until another prescription opens
        self.stale_banner = QLabel("")
        self.stale_banner.setObjectName("staleBanner")
        self.stale_banner.setWordWrap(True)
        self.stale_banner.setTextFormat(Qt.TextFormat.RichText)
        self.stale_banner.setStyleSheet(
            f"QLabel#staleBanner {{ color: {STOP_TEXT}; background: {STOP_BACKGROUND};"
            f" border: 2px solid {STOP_BORDER}; border-radius: 4px; padding: 4px; }}"
        )
        self.stale_banner.setVisible(False)
        work_layout.addWidget(self.stale_banner)

        # the title stays short: a group box title never wraps, so a long one widens the screen
        self.alerts_box = alerts_box = QGroupBox(ALERTS_TITLE)
        alerts_layout = QVBoxLayout(alerts_box)
        alerts_layout.setContentsMargins(8, 4, 8, 6)  # the height is the alerts' (1280x800: every line of one in view)
        alerts_layout.setSpacing(4)
        self.alerts = QListWidget()
        self.alerts.setObjectName("alerts")
        self.alerts.setAccessibleName("DUR alerts")
        self.alerts.setSpacing(2)
        self.alerts.setItemDelegate(AlertDelegate(self.alerts))
        self.alerts.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # two lines per alert (what, its state), elided: five alerts in view at once, at least; the
        # highlighted one in full under the list
        self.alerts.setWordWrap(False)
        self.alerts.setTextElideMode(Qt.TextElideMode.ElideRight)
        line = self.alerts.fontMetrics().lineSpacing()
        glyph = self.alerts.fontMetrics().height() - 2  # the kind's icon no taller than a line of words
        self.alerts.setIconSize(QSize(glyph, glyph))
        # as tall as its rows (three alerts at the least, then it scrolls): the room left goes to the
        # highlighted alert's whole text under it (fit_alert_rows)
        self.alerts_floor = int(line * 6.8)
        self.alerts_cap = int(line * 13)  # every row of up to six alerts in view; more, and the list scrolls
        self.alerts.setMinimumHeight(self.alerts_floor)
        alerts_layout.addWidget(self.alerts, 1)
        self.alert_detail = AlertDetail()
        self.alert_detail.setObjectName("alertDetail")
        self.alert_detail.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes from the alerts to their actions
        self.alert_detail.setFrameShape(QFrame.Shape.NoFrame)
        self.alert_detail.document().setDocumentMargin(2)
        self.alert_detail.setAccessibleName("The highlighted alert")
        self.alert_detail.setMinimumHeight(int(line * 3.7))  # three lines at the least; it takes the room left
        alerts_layout.addWidget(self.alert_detail, 2)
        self.alerts.currentRowChanged.connect(
            lambda row: self.alert_detail.setText(alert_detail_html(self.alert_at(row)))
        )
        # the actions on the highlighted alert sit under the alert list
        alert_actions = QHBoxLayout()
        alert_actions.addStretch(1)
        self.ack_button = QPushButton("Acknowledge (Alt+A)")
        self.override_button = QPushButton("Override… (Alt+O)")
        self.rerun_button = QPushButton(f"Re-run DUR ({RERUN_DUR_KEY})")
        self.rerun_button.setObjectName("rerunDur")
        self.rerun_button.setToolTip(
            "Run the DUR checks again, e.g. after the patient's allergies or "
            "medications changed. Earlier acknowledgements stay on record."
        )
        alert_actions.insertWidget(0, self.rerun_button)
        alert_actions.addWidget(self.ack_button)
        alert_actions.addWidget(self.override_button)
        alerts_layout.addLayout(alert_actions)
        # as tall as the alert rows and the highlighted alert's text; the decisions follow right under
        # it (the room left at 1920x1080 with one alert is under the Approve row, not between)
        alerts_layout.setSizeConstraint(QLayout.SizeConstraint.SetMinAndMaxSize)
        work_layout.addWidget(alerts_box, 0)

        self.reason_frame = ReasonLine()
        self.reason_label, self.reason = self.reason_frame.label, self.reason_frame.field
        work_layout.addWidget(self.reason_frame)

        self.message = StatusLabel()  # what to do next: the icon of its kind beside the words
        self.message.setObjectName("reviewMessage")
        self.message.setWordWrap(True)
        work_layout.addWidget(self.message)

        # the decisions on the whole prescription: the way back on the left, approve on the right
        actions = QHBoxLayout()
        self.back_button = QPushButton("Back to intake… (Alt+B)")
        self.reject_button = QPushButton("Reject… (Alt+R)")
        self.approve_button = QPushButton("Approve (Ctrl+Enter)")
        self.approve_button.setObjectName("approveButton")
        actions.addWidget(self.back_button)
        actions.addWidget(self.reject_button)
        actions.addStretch(1)
        actions.addWidget(self.approve_button)
        work_layout.addLayout(actions)
        work_layout.addStretch(1)

    def alert_at(self, row: int) -> Alert | None:
        """The alert shown in list row ``row`` (None for the passed checks' summary row)."""
        return self.row_alerts[row] if 0 <= row < len(self.row_alerts) else None

    def show_stale(self, text: str | None) -> None:
        """``text``: "⟳ Not approved. <why and what next>" (its first sentence in bold), or None to hide."""
        head, _, rest = (text or "").partition(". ")
        html = f"<b>{esc_html(head)}.</b> {esc_html(rest)}" if rest else esc_html(head)
        self.stale_banner.setText(html)
        self.stale_banner.setToolTip(text or "")
        self.stale_banner.setVisible(bool(text))

    def show_detail(self, detail: ReviewDetail | None, *, new: frozenset[object] = frozenset()) -> None:
        """``new``: ids of alerts to mark NEW (they appeared when the checks ran again)."""
        self.row_alerts = []
        if detail is None:
            self.drug_title.setText("Choose a prescription in the queue")
            self.banner.show_profile(None)
            self.rx_text.setText("")
            self.alerts.clear()
            self.alert_detail.setText("")
            self.alerts_box.setTitle(ALERTS_TITLE)
            return
        stat = "STAT · " if detail.is_stat else ""
        self.drug_title.setText(f"{stat}{detail.drug_line}")
        self.banner.show_profile(detail.patient, details=False)  # insurance is not a clinical question
        conditions = [c.condition_name for c in detail.patient.form.conditions if c.is_active]
        self.banner.extra.setText(f"Conditions: {', '.join(conditions)}" if conditions else "")
        self.rx_text.setText(rx_html(detail))
        self.rx_text.setToolTip(f"Expires {detail.expiration_date:%m/%d/%Y}")
        self.alerts.clear()
        shown = [a for a in detail.alerts if a.is_alert]
        passed = [a for a in detail.alerts if not a.is_alert]
        stops = sum(1 for a in detail.open_alerts if a.needs_override)
        warns = len(detail.open_alerts) - stops
        self.alerts_box.setTitle(
            f"DUR alerts — {stops} hard stop(s), {warns} warning(s) open of {len(shown)}"
            if detail.open_alerts
            else f"DUR alerts — {len(shown)}, all resolved"
            if shown
            else "DUR alerts — none"
        )
        for alert in shown:
            item = QListWidgetItem(alert_headline(alert, new=alert.validation_id in new))
            _, _, colour, background = alert_style(alert)
            item.setForeground(QBrush(QColor(colour)))
            item.setBackground(QBrush(QColor(background)))
            if alert.status != DurStatus.PASSED and not alert.resolved:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            item.setIcon(icon(alert_style(alert)[0]))  # beside the words (HARD STOP, WARNING ...)
            item.setData(ICON_KIND_ROLE, alert_style(alert)[0])
            item.setData(Qt.ItemDataRole.UserRole, alert.validation_id)
            item.setToolTip(alert_text(alert))
            self.alerts.addItem(item)
            self.row_alerts.append(alert)
        if passed:  # one row: every alert above keeps its room
            item = QListWidgetItem(icon("passed"), passed_summary(passed))
            item.setData(ICON_KIND_ROLE, "passed")
            item.setForeground(QBrush(QColor(PASSED_MUTED)))
            item.setBackground(QBrush(QColor(PASSED_BACKGROUND)))
            item.setToolTip("\n".join(f"{a.check_label}: {a.message}" for a in passed))
            self.alerts.addItem(item)
            self.row_alerts.append(None)
        self.fit_alert_rows()

    def fit_alert_rows(self) -> None:
        """The alert list no taller than its rows: the space under them is the highlighted alert's."""
        rows = sum(self.alerts.sizeHintForRow(r) + 2 * self.alerts.spacing() for r in range(self.alerts.count()))
        wanted = max(self.alerts.fontMetrics().lineSpacing() * 2, rows + 2 * self.alerts.frameWidth() + 4)
        self.alerts.setMinimumHeight(min(self.alerts_cap, wanted))
        self.alerts.setMaximumHeight(wanted)

    def set_actions_enabled(self, on: bool) -> None:
        for button in (
            self.ack_button,
            self.override_button,
            self.back_button,
            self.reject_button,
            self.approve_button,
            self.rerun_button,
        ):
            button.setEnabled(on)

    def set_tab_order(self, first: QWidget) -> None:
        """``first`` (the queue) → alerts → the alert actions → the decisions."""
        order = [
            first,
            self.alerts,
            self.rerun_button,
            self.ack_button,
            self.override_button,
            self.back_button,
            self.reject_button,
            self.approve_button,
        ]
        for before, after in zip(order, order[1:]):
            QWidget.setTabOrder(before, after)


class ReviewSplitter(QSplitter):
    """The queue on the left, the work area on the right. The queue keeps about two fifths of the width
    (its "STAT · patient · alerts" line whole) where that leaves the work area the width its patient and
    prescription boxes need side by side (``AREA_CHARS``); on a narrower window (1024x768) the queue gives
    way first, down to its minimum (its rows wrap, never losing the drug's strength): a narrower work area
    wraps the prescription's lines so often that its box takes the height three alerts need. Once the
    pharmacist drags the handle, the sizes are theirs (Qt's stretch factors share later resizes)."""

    QUEUE_SHARE = 0.38
    AREA_CHARS = 76  # the work area's width in average characters before the queue takes its share

    def __init__(self, panel: QWidget, area: QWidget) -> None:
        super().__init__(Qt.Orientation.Horizontal)
        self.addWidget(panel)
        self.addWidget(area)
        self.setChildrenCollapsible(False)  # neither side can be dragged away entirely
        self.setStretchFactor(0, 3)
        self.setStretchFactor(1, 5)
        self.setSizes([365, 595])
        self.dragged = False
        self.splitterMoved.connect(self._moved)

    def _moved(self, _pos: int, _index: int) -> None:
        self.dragged = True

    def shares(self, width: int) -> list[int]:
        """The queue's and the work area's widths in a splitter ``width`` pixels wide."""
        panel, area = self.widget(0), self.widget(1)
        room = width - self.handleWidth()
        if panel is None or area is None:
            return self.sizes()
        need = max(area.minimumSizeHint().width(), self.fontMetrics().averageCharWidth() * self.AREA_CHARS)
        queue = min(round(room * self.QUEUE_SHARE), room - need)
        queue = max(queue, panel.minimumSizeHint().width(), panel.minimumWidth())
        return [queue, room - queue]

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.refit()

    def refit(self) -> None:
        """The shares again (e.g. the work area put in its place), unless the pharmacist dragged the handle."""
        if not self.dragged and self.width() > 0:
            self.setSizes(self.shares(self.width()))
