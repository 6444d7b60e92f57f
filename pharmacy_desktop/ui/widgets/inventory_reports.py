"""The Reports page of the inventory screen (F8): choose a report, its period or days, PDF or CSV,
see it on the screen, save it to a file and open the folder.

The five reports are the services' (services/inventory_reports.py) laid out by printing/; building
one and writing the file both run off the GUI thread. A file is written through a temporary file
beside it, so an interrupted save never leaves half a report under the real name.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from PySide6.QtCore import QDate, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.atomic_file import write_atomically
from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
from pharmacy_desktop.printing import controlled_log as log_layout
from pharmacy_desktop.printing import inventory_reports as layouts
from pharmacy_desktop.services import inventory_reports as reports
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.ops import run_in_background, user_message
from pharmacy_desktop.ui.screens.base import shortcut
from pharmacy_desktop.ui.style import ERROR_STYLE, HINT_STYLE, PASSED_STYLE
from pharmacy_desktop.ui.widgets.fill_common import RowsTable
from pharmacy_desktop.ui.widgets.status_label import StatusLabel

_ICONS = {ERROR_STYLE: "stop", PASSED_STYLE: "passed"}  # a message's style: its icon

PERIOD, DAYS, NOTHING = "period", "days", "nothing"
PREVIEW_ROWS = 500  # the screen shows the first rows; the file always has them all


@dataclass(frozen=True)
class ReportKind:
    name: str  # as on the command line: pharmacy-desktop report NAME
    title: str
    asks: str  # PERIOD, DAYS or NOTHING
    build: Callable[[UnitOfWorkFactory, Actor, dt.date | None, dt.date | None, int], tuple[bytes, str]]


def _controlled(
    uow: UnitOfWorkFactory, actor: Actor, start: dt.date | None, end: dt.date | None, days: int
) -> tuple[bytes, str]:
    data = reports.controlled_log(uow, actor, start=start, end=end)
    return log_layout.controlled_log_pdf(data), log_layout.controlled_log_csv(data)


def _expiring(
    uow: UnitOfWorkFactory, actor: Actor, start: dt.date | None, end: dt.date | None, days: int
) -> tuple[bytes, str]:
    data = reports.expiring(uow, actor, days=days)
    return layouts.expiring_pdf(data), layouts.expiring_csv(data)


def _valuation(
    uow: UnitOfWorkFactory, actor: Actor, start: dt.date | None, end: dt.date | None, days: int
) -> tuple[bytes, str]:
    data = reports.valuation(uow, actor)
    return layouts.valuation_pdf(data), layouts.valuation_csv(data)


def _dispensing(
    uow: UnitOfWorkFactory, actor: Actor, start: dt.date | None, end: dt.date | None, days: int
) -> tuple[bytes, str]:
    data = reports.dispensing_log(uow, actor, start=start, end=end)
    return layouts.dispensing_pdf(data), layouts.dispensing_csv(data)


def _reorder(
    uow: UnitOfWorkFactory, actor: Actor, start: dt.date | None, end: dt.date | None, days: int
) -> tuple[bytes, str]:
    data = reports.reorder(uow, actor)
    return layouts.reorder_pdf(data), layouts.reorder_csv(data)


REPORTS = (
    ReportKind("controlled-log", "Controlled-substance log (C-II–V)", PERIOD, _controlled),
    ReportKind("expiring", "Expiring stock", DAYS, _expiring),
    ReportKind("inventory-valuation", "Inventory valuation (cost, AWP)", NOTHING, _valuation),
    ReportKind("dispensing-log", "Dispensing log", PERIOD, _dispensing),
    ReportKind("reorder", "Reorder list", NOTHING, _reorder),
)


@dataclass(frozen=True)
class BuiltReport:
    kind: ReportKind
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    total_rows: int
    saved_to: Path | None


_WORDS = {"ndc": "NDC", "awp": "AWP", "rx": "Rx", "dea": "DEA"}


def column_title(name: str) -> str:
    """'quantity_in' -> 'Quantity in', 'ndc' -> 'NDC': a CSV column's name as the screen shows it."""
    words = [_WORDS.get(w, w) for w in name.split("_")]
    return " ".join([words[0][:1].upper() + words[0][1:], *words[1:]]) if words else name


def _day(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


def default_folder(name: str) -> Path:
    """Where the app saves files a person asked for: a folder of its own in their documents."""
    return Path(platformdirs.user_documents_dir()) / name


write_file = write_atomically  # never half a file


def open_folder(path: Path) -> bool:
    """Show the folder in the desktop's file manager (it is not a database call: no worker needed)."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def _csv_rows(text: str) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    rows = [tuple(r) for r in csv.reader(io.StringIO(text))]
    return (rows[0] if rows else ()), rows[1:]


def build_report(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    kind: ReportKind,
    *,
    start: dt.date | None,
    end: dt.date | None,
    days: int,
    save_as: Path | None,
    fmt: str,
) -> BuiltReport:
    """Runs on a worker: the report's data, its rows for the screen, and the file when asked."""
    pdf, text = kind.build(uow_factory, actor, start, end, days)
    header, rows = _csv_rows(text)
    saved = write_file(save_as, pdf if fmt == "pdf" else text.encode("utf-8")) if save_as else None
    return BuiltReport(kind, header, tuple(rows[:PREVIEW_ROWS]), len(rows), saved)


class ReportsPage(QWidget):
    """Keyboard first: ↑/↓ picks the report, Enter shows it, Ctrl+S saves it, Ctrl+O opens the folder."""

    title = "Reports"
    help_keys = (
        ("↑/↓", "choose the report"),
        ("Enter", "show it on the screen"),
        ("Ctrl+S", "save it as PDF or CSV"),
        ("Ctrl+O", "open the folder it was saved in"),
    )

    def __init__(self, context: AppContext, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("inventoryReports")
        self.context = context
        self.actor = actor
        self.folder = default_folder("Pharmacy reports")
        self.last: BuiltReport | None = None
        self.busy = False
        self._build()
        shortcut(self, "Ctrl+S", self.save)
        shortcut(self, "Ctrl+O", self.open_folder)
        self._kind_changed(0)

    def _build(self) -> None:
        self.choice = QListWidget()
        self.choice.setObjectName("reportChoice")
        self.choice.setAccessibleName("Report")
        for kind in REPORTS:
            self.choice.addItem(kind.title)
        self.choice.setCurrentRow(0)
        widest = max(self.choice.fontMetrics().horizontalAdvance(kind.title) for kind in REPORTS)
        self.choice.setFixedWidth(widest + 40)  # the titles whole, no wider
        self.choice.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.choice.currentRowChanged.connect(self._kind_changed)
        self.choice.itemActivated.connect(lambda _: self.show_report())

        today = QDate.currentDate()
        self.start = QDateEdit(today.addDays(-30))
        self.end = QDateEdit(today)
        for edit, name in ((self.start, "reportFrom"), (self.end, "reportTo")):
            edit.setObjectName(name)
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.days = QSpinBox()
        self.days.setObjectName("reportDays")
        self.days.setRange(1, reports.MAX_DAYS)
        self.days.setValue(reports.DEFAULT_EXPIRING_DAYS)
        self.days.setSuffix(" days")
        self.format = QComboBox()
        self.format.setObjectName("reportFormat")
        self.format.addItem("PDF (to print or file)", "pdf")
        self.format.addItem("CSV (for a spreadsheet)", "csv")
        self.format.currentIndexChanged.connect(lambda _: self._suggest_name())
        self.file_name = QLineEdit()
        self.file_name.setObjectName("reportFile")
        self.where = QLabel()
        self.where.setStyleSheet(HINT_STYLE)
        self.where.setWordWrap(True)

        form = QFormLayout()
        form.addRow("From:", self.start)
        form.addRow("To:", self.end)
        form.addRow("Within:", self.days)
        form.addRow("Format:", self.format)
        form.addRow("File name:", self.file_name)
        form.addRow("", self.where)

        show = QPushButton("Show (Enter)")
        show.setObjectName("reportShow")
        show.clicked.connect(self.show_report)
        self.save_button = QPushButton("Save file (Ctrl+S)")
        self.save_button.setObjectName("reportSave")
        self.save_button.clicked.connect(self.save)
        self.open_button = QPushButton("Open folder (Ctrl+O)")
        self.open_button.setObjectName("reportOpenFolder")
        self.open_button.clicked.connect(self.open_folder)
        buttons = QGridLayout()  # two a row: the page fits a 1024 px display beside the navigation
        buttons.addWidget(show, 0, 0)
        buttons.addWidget(self.save_button, 0, 1)
        buttons.addWidget(self.open_button, 1, 1)
        buttons.setColumnStretch(2, 1)

        left = QVBoxLayout()
        left.addWidget(QLabel("Report:"))
        left.addWidget(self.choice, 1)
        options = QVBoxLayout()
        options.addLayout(form)
        options.addLayout(buttons)
        options.addStretch(1)
        top = QHBoxLayout()
        top.addLayout(left, 2)
        top.addLayout(options, 3)

        self.status = StatusLabel("Choose a report and press Enter to see it, Ctrl+S to save it.")
        self.status.setObjectName("reportStatus")
        self.status.setWordWrap(True)
        self.table = RowsTable(("",), stretch=0)
        self.table.setObjectName("reportRows")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)

    # -- state ------------------------------------------------------------------------------------

    def set_actor(self, actor: Actor) -> None:
        self.actor = actor

    def activate(self) -> None:
        self.choice.setFocus()

    def handle_scan(self, text: str) -> bool:
        return False

    def clear_sensitive(self) -> None:
        """Sign-out: a report on the screen (the dispensing log names patients) is cleared."""
        self.last = None
        self.table.setRowCount(0)
        self._say("Choose a report and press Enter to see it, Ctrl+S to save it.", "")

    def kind(self) -> ReportKind:
        return REPORTS[max(0, self.choice.currentRow())]

    def _kind_changed(self, _: int) -> None:
        asks = self.kind().asks
        self.start.setEnabled(asks == PERIOD)
        self.end.setEnabled(asks == PERIOD)
        self.days.setEnabled(asks == DAYS)
        self._suggest_name()

    def _suggest_name(self) -> None:
        fmt = self.format.currentData()
        self.file_name.setText(f"{self.kind().name}-{dt.date.today().isoformat()}.{fmt}")
        self.where.setText(f"Saved in {self.folder}")

    def save_path(self) -> Path:
        name = self.file_name.text().strip() or f"{self.kind().name}.{self.format.currentData()}"
        path = Path(name).expanduser()
        return path if path.is_absolute() else self.folder / path

    # -- actions ----------------------------------------------------------------------------------

    def show_report(self) -> None:
        self._run(save=False)

    def save(self) -> None:
        self._run(save=True)

    def _run(self, *, save: bool) -> None:
        if self.busy:
            return
        kind = self.kind()
        start = end = None
        if kind.asks == PERIOD:
            start, end = _day(self.start.date()), _day(self.end.date())
            if start > end:
                self._say("The period starts after it ends: put the From date first.", ERROR_STYLE)
                return
        days = self.days.value()
        fmt = str(self.format.currentData())
        path = self.save_path() if save else None
        actor, factory = self.actor, self.context.uow_factory
        self.busy = True
        self._say(f"Building the {kind.title.lower()}…", HINT_STYLE)
        run_in_background(
            self,
            lambda: build_report(factory, actor, kind, start=start, end=end, days=days, save_as=path, fmt=fmt),
            self._built,
            self._failed,
            busy_message="Building the report…",
        )

    def _built(self, built: BuiltReport) -> None:
        self.busy = False
        self.last = built
        self.table.setColumnCount(max(1, len(built.header)))
        # the CSV's column names, in words on the screen (the file keeps them as they are)
        self.table.setHorizontalHeaderLabels([column_title(h) for h in built.header])
        header = self.table.horizontalHeader()
        wide = built.header.index("drug") if "drug" in built.header else len(built.header) - 1
        for column in range(len(built.header)):
            mode = QHeaderView.ResizeMode.Stretch if column == wide else QHeaderView.ResizeMode.ResizeToContents
            header.setSectionResizeMode(column, mode)
        self.table.set_rows(built.rows)
        shown = "" if built.total_rows <= len(built.rows) else f" (the first {len(built.rows)} shown)"
        rows = f"{built.total_rows} row{'s' if built.total_rows != 1 else ''}{shown}"
        if built.saved_to is not None:
            self._say(f"Saved {built.saved_to.name} in {built.saved_to.parent} — {rows}. Ctrl+O opens the folder.",
                      PASSED_STYLE)  # fmt: skip
        else:
            self._say(f"{built.kind.title}: {rows}. Ctrl+S saves it as {self.format.currentText()}.", "")

    def _failed(self, exc: Exception) -> None:
        self.busy = False
        self._say(f"{user_message(exc)}", ERROR_STYLE)

    def open_folder(self) -> None:
        folder = self.last.saved_to.parent if self.last and self.last.saved_to else self.folder
        if not folder.is_dir():
            self._say(f"Nothing saved yet: {folder} does not exist. Save a report first (Ctrl+S).", ERROR_STYLE)
            return
        if not open_folder(folder):
            self._say(f"The file manager did not open. The folder is {folder}.", ERROR_STYLE)

    def _say(self, text: str, style: str) -> None:
        self.status.say(_ICONS.get(style), text)  # the icon of its meaning beside the words
        self.status.setStyleSheet(style)
