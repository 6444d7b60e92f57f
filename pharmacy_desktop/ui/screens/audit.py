"""The audit trail for managers: domain events and patient-record access, with filters."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from PySide6.QtCore import QDate, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.domain.places import Place
from pharmacy_desktop.services import audit_log
from pharmacy_desktop.services.audit_log import AccessRow, AuditFilter, EventRow, UserChoice
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.keys import key_for
from pharmacy_desktop.ui.ops import run_in_background, user_message
from pharmacy_desktop.ui.screens.base import Screen, heading, shortcut
from pharmacy_desktop.ui.signin import ErrorLine
from pharmacy_desktop.ui.style import STOP_TINT
from pharmacy_desktop.ui.table_models import Marked, RowsModel
from pharmacy_desktop.ui.widgets.column_fit import fit_columns
from pharmacy_desktop.ui.widgets.status_label import StatusLabel

RESOURCE_TITLES = {
    "user": "Accounts",
    "patient": "Patients",
    "prescription": "Prescriptions",
    "pharmacy": "Pharmacy",
    "inventory_item": "Stock items",
    "print_job": "Print jobs",
}


def _who(row: EventRow | AccessRow) -> str:
    return f"{row.user_name} ({row.username})" if row.username else "—"


def _about(row: EventRow) -> str:
    if row.subject:
        return row.subject
    kind = RESOURCE_TITLES.get(row.aggregate_type, row.aggregate_type.replace("_", " ").capitalize())
    return kind if row.aggregate_id.int <= 1 else f"{kind.rstrip('s')} {str(row.aggregate_id)[:8]}"


class _EventsModel(RowsModel[EventRow]):
    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.BackgroundRole and index.isValid() and self.row(index.row()).warning:
            return QBrush(QColor(*STOP_TINT))
        return super().data(index, role)


def _py_date(date: QDate) -> dt.date:
    return dt.date(date.year(), date.month(), date.day())


def _table(model: RowsModel[EventRow] | RowsModel[AccessRow], stretch: int, optional: tuple[int, ...]) -> QTableView:
    """No sideways scrolling: the ``stretch`` column takes the rest (a quarter of the width at least)
    and elides (the tooltip has it whole); the ``optional`` columns step aside when narrow, the first first."""
    table = QTableView()
    table.setModel(model)
    fit_columns(table, stretch=stretch, keep=None, optional=optional, stretch_share=0.25)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setTabKeyNavigation(False)  # Tab leaves the table (arrows move between rows)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(30)
    table.setWordWrap(False)
    return table


class AuditScreen(Screen):
    key = key_for(Place.AUDIT_LOG)
    title = "Audit trail"
    permission = "audit.view"
    screenshot_role = "manager"
    help_keys = (
        ("Enter / Ctrl+R", "apply the filters"),
        ("Ctrl+1 / Ctrl+2", "events / patient-record access"),
        ("Ctrl+T", "today only"),
        ("Ctrl+W", "problems only (failed sign-ins, lockouts, denials)"),
    )

    def __init__(self, context: AppContext, actor: Actor, parent: QWidget | None = None):
        super().__init__(context, actor, parent)
        self.user = QComboBox()
        self.user.setObjectName("userFilter")
        self.event_type = QComboBox()
        self.event_type.setObjectName("eventTypeFilter")
        self.resource = QComboBox()
        self.resource.setObjectName("resourceFilter")
        self.resource_id = QLineEdit()
        self.resource_id.setObjectName("resourceIdFilter")
        self.resource_id.setPlaceholderText("optional")
        today = QDate.currentDate()
        self.since = QDateEdit(today.addDays(-7))
        self.since.setObjectName("sinceFilter")
        self.until = QDateEdit(today)
        self.until.setObjectName("untilFilter")
        for edit in (self.since, self.until):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("MM/dd/yyyy")
        self.problems_only = QCheckBox("Problems only")
        self.problems_only.setObjectName("problemsOnly")
        self.apply_button = QPushButton("Show (Enter)")
        self.apply_button.setObjectName("applyFilters")
        for combo in (
            self.user,
            self.event_type,
            self.resource,
        ):  # as wide as the window allows, not the longest choice
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(12)
        self._reset_choices()

        filters = QGridLayout()
        filters.setHorizontalSpacing(10)
        for col, (label, widget) in enumerate(
            (
                ("&User", self.user),
                ("&Event", self.event_type),
                ("Re&cord type", self.resource),
                ("Record &id", self.resource_id),
            )
        ):
            caption = QLabel(label)
            caption.setBuddy(widget)
            filters.addWidget(caption, 0, col)
            filters.addWidget(widget, 1, col)
        # the dates, problems only and Show on a second row: the filters fit 1024x768 beside the navigation
        since_label, until_label = QLabel("&From"), QLabel("&To (inclusive)")
        since_label.setBuddy(self.since)
        until_label.setBuddy(self.until)
        filters.addWidget(since_label, 2, 0)
        filters.addWidget(self.since, 3, 0)
        filters.addWidget(until_label, 2, 1)
        filters.addWidget(self.until, 3, 1)
        filters.addWidget(self.problems_only, 3, 2)
        filters.addWidget(self.apply_button, 3, 3)
        filters.setColumnStretch(0, 3)
        filters.setColumnStretch(1, 2)
        filters.setColumnStretch(3, 2)

        self.events_model = _EventsModel(
            [
                ("When", "occurred_at"),
                ("Event", lambda r: Marked("warning", r.label) if r.warning else r.label),
                ("By", _who),
                ("Workstation", "workstation"),
                ("About", _about),
                ("Details", "details"),
            ]
        )
        self.access_model: RowsModel[AccessRow] = RowsModel(
            [
                ("When", "accessed_at"),
                ("Who", _who),
                ("Action", lambda r: r.action.capitalize()),
                ("Record", lambda r: f"{r.resource_name or r.resource_type} ({str(r.resource_id)[:8]})"),
                ("Workstation", "workstation"),
            ]
        )
        self.events_table = _table(self.events_model, stretch=5, optional=(3, 4, 2, 1, 0))
        self.events_table.setObjectName("eventsTable")
        self.events_table.setAccessibleName("Events")
        self.access_table = _table(self.access_model, stretch=3, optional=(4, 2, 1, 0))
        self.access_table.setObjectName("accessTable")
        self.access_table.setAccessibleName("Patient record access")
        self.tabs = QTabWidget()
        self.tabs.addTab(self.events_table, "&Events")
        self.tabs.addTab(self.access_table, "Patient record &access")
        self.tabs.currentChanged.connect(lambda _: self._sync_filters())
        self.summary = StatusLabel()  # the warning icon beside "N problems"
        self.summary.setObjectName("subtitle")
        self.error = ErrorLine()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addWidget(heading("Audit trail"))
        sub = QLabel(
            "Sign-ins, lockouts, user switches, permission denials and every opening of a patient record. "
            "Entries cannot be changed or deleted."
        )
        sub.setObjectName("subtitle")
        sub.setWordWrap(True)
        layout.addWidget(sub)
        layout.addLayout(filters)
        layout.addWidget(self.error)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.summary)

        self.apply_button.clicked.connect(self.refresh)
        self.resource_id.returnPressed.connect(self.refresh)
        for seq, slot in (
            ("Ctrl+R", self.refresh),
            ("Return", self.refresh),
            ("Enter", self.refresh),
            ("Ctrl+1", lambda: self.tabs.setCurrentIndex(0)),
            ("Ctrl+2", lambda: self.tabs.setCurrentIndex(1)),
            ("Ctrl+T", self.today_only),
            ("Ctrl+W", self.problems_only.toggle),
        ):
            shortcut(self, seq, slot)
        self.problems_only.toggled.connect(lambda _: self.refresh())
        self._choices_loaded = False

    def _reset_choices(self) -> None:
        self.user.clear()
        self.user.addItem("Everyone", None)
        self.event_type.clear()
        self.event_type.addItem("All events", None)
        self.resource.clear()
        self.resource.addItem("All records", None)

    def _sync_filters(self) -> None:
        self.event_type.setEnabled(self.tabs.currentIndex() == 0)
        self.problems_only.setEnabled(self.tabs.currentIndex() == 0)

    # -- data ----------------------------------------------------------------------------------

    def activate(self) -> None:
        if not self._choices_loaded:
            ctx, actor = self.context, self.actor
            run_in_background(
                self,
                lambda: (
                    audit_log.user_choices(ctx.uow_factory, actor),
                    audit_log.event_types(ctx.uow_factory, actor),
                    audit_log.resource_types(ctx.uow_factory, actor),
                ),
                self._show_choices,
                self._failed,
            )
        self.refresh()

    def _show_choices(self, choices: tuple[list[UserChoice], list[str], list[str]]) -> None:
        users, types, resources = choices
        self._choices_loaded = True
        keep = (self.user.currentData(), self.event_type.currentData(), self.resource.currentData())
        self._reset_choices()
        for u in users:
            self.user.addItem(f"{u.full_name} ({u.username}, {u.role})", u.id)
        for t in sorted(types, key=audit_log.event_label):
            self.event_type.addItem(audit_log.event_label(t), t)
        for r in resources:
            self.resource.addItem(RESOURCE_TITLES.get(r, r), r)
        for combo, value in zip((self.user, self.event_type, self.resource), keep):
            combo.setCurrentIndex(max(0, combo.findData(value)))

    def current_filter(self) -> AuditFilter:
        since = dt.datetime.combine(_py_date(self.since.date()), dt.time()).astimezone()
        until = dt.datetime.combine(_py_date(self.until.date()) + dt.timedelta(days=1), dt.time()).astimezone()
        resource_id = None
        text = self.resource_id.text().strip()
        if text:
            try:
                resource_id = uuid.UUID(text)
            except ValueError:
                resource_id = uuid.UUID(int=0)  # matches nothing, and says so
        return AuditFilter(
            user_id=self.user.currentData(),
            event_type=self.event_type.currentData(),
            resource_type=self.resource.currentData(),
            resource_id=resource_id,
            since=since,
            until=until,
        )

    def refresh(self) -> None:
        flt = self.current_filter()
        if flt.since is not None and flt.until is not None and flt.since >= flt.until:
            self.error.show_message("The From date is after the To date: change one of them.")
            return
        self.error.show_message("")
        ctx, actor = self.context, self.actor
        problems = self.problems_only.isChecked()
        if self.tabs.currentIndex() == 0:

            def load() -> list[EventRow]:
                rows = audit_log.list_events(ctx.uow_factory, actor, flt)
                return [r for r in rows if r.warning] if problems else rows

            run_in_background(self, load, self._show_events, self._failed, busy_message="Loading the audit trail…")
        else:
            run_in_background(
                self,
                lambda: audit_log.list_access(ctx.uow_factory, actor, flt),
                self._show_access,
                self._failed,
                busy_message="Loading the access log…",
            )

    def _show_events(self, rows: list[EventRow]) -> None:
        self.events_model.set_rows(rows)
        warnings = sum(r.warning for r in rows)
        self.summary.say(
            "warning" if warnings else None,
            f"{len(rows)} event{'s' if len(rows) != 1 else ''}"
            + (f" · {warnings} problem{'s' if warnings != 1 else ''}" if warnings else "")
            + (
                " (the newest 500; narrow the filters to see older ones)"
                if len(rows) >= audit_log.DEFAULT_LIMIT
                else ""
            ),
        )

    def _show_access(self, rows: list[AccessRow]) -> None:
        self.access_model.set_rows(rows)
        self.summary.setText(f"{len(rows)} opening{'s' if len(rows) != 1 else ''} of patient records")

    def _failed(self, exc: Exception) -> None:
        self.error.show_message(user_message(exc))

    def today_only(self) -> None:
        self.since.setDate(QDate.currentDate())
        self.until.setDate(QDate.currentDate())
        self.refresh()

    def on_change(self, notice: dict[str, Any]) -> None:
        pass  # the trail is read on demand (Enter): a manager reading it should not see rows jump

    def clear_sensitive(self) -> None:
        self.access_model.set_rows([])
