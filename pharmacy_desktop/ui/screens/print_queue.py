"""F10 Print queue: this workstation's labels, receipts and test pages; retry, reprint, redirect, cancel.

Also the Qt side of the print dispatcher: `PrinterStateRelay` brings the sender thread's printer
state to the GUI thread, and `connect_status_bar` shows it in the shell's status bar.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QWidget

from pharmacy_desktop.domain.outcomes import PrintJobStatus
from pharmacy_desktop.domain.places import Place
from pharmacy_desktop.services import print_queue
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.print_queue import ROLE_TITLES, PrintJobRow
from pharmacy_desktop.services.printer_settings import printer_settings_from
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.keys import key_for
from pharmacy_desktop.ui.ops import run_in_background, user_message
from pharmacy_desktop.ui.screens.base import Screen, page_layout, shortcut
from pharmacy_desktop.ui.signin import ErrorLine
from pharmacy_desktop.ui.table_models import RowsModel
from pharmacy_desktop.ui.widgets.column_fit import fit_columns
from pharmacy_desktop.ui.widgets.pick_list import choose_again, chosen_row, detail_label, pick_table
from pharmacy_desktop.ui.widgets.print_actions import ActionPanel, job_age, job_status_text

# -- the dispatcher's state on the GUI thread ---------------------------------------------------


class PrinterStateRelay(QObject):
    """Listener for `PrintSender.add_listener`: re-emits the state on the GUI thread."""

    state_changed = Signal(object)  # PrinterState

    def __call__(self, state: Any) -> None:
        self.state_changed.emit(state)  # queued to the relay's (GUI) thread


def connect_status_bar(dispatcher: Any, window: Any) -> PrinterStateRelay:
    """Show `dispatcher`'s printer state in `window.set_printer_state(ok, detail)` (the shell)."""
    relay = PrinterStateRelay(window)
    relay.state_changed.connect(lambda state: window.set_printer_state(state.ok, state.detail))
    dispatcher.add_listener(relay)
    window.destroyed.connect(lambda *_: dispatcher.remove_listener(relay))
    return relay


# -- the screen ---------------------------------------------------------------------------------


class PrintQueueScreen(Screen):
    key = key_for(Place.PRINT_QUEUE)
    title = "Print queue"
    help_keys = (
        ("Up/Down", "choose a job"),
        ("Ctrl+R", "retry the job now"),
        ("Ctrl+P", "reprint (asks for the reason)"),
        ("Ctrl+D", "redirect a waiting job to another printer"),
        ("Delete", "cancel a waiting job"),
        ("Alt+W", "only waiting jobs / all jobs"),
        ("Ctrl+L", "reload"),
        ("Esc", "close the reprint / redirect / cancel form"),
    )

    def __init__(self, context: AppContext, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(context, actor, parent)
        self._failed = 0
        self._selected: uuid.UUID | None = None
        layout = page_layout(
            self,
            "Print queue",
            "Labels, receipts and test pages of this workstation. A job that did not print waits here: "
            "fix the printer and retry, send it to another printer, or cancel it.",
        )
        self.printers = QLabel()
        self.printers.setObjectName("printerSummary")
        self.printers.setWordWrap(True)
        self.printers.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.printers)

        bar = QHBoxLayout()
        self.waiting_only = QCheckBox("Only &waiting jobs")
        self.waiting_only.setObjectName("waitingOnly")
        self.waiting_only.toggled.connect(lambda _: self.reload())
        self.counts = QLabel()
        self.counts.setObjectName("queueCounts")
        self.reload_button = QPushButton("Reload (Ctrl+L)")  # up here: the action row fits 1024 px
        bar.addWidget(self.waiting_only)
        bar.addStretch(1)
        bar.addWidget(self.counts)
        bar.addWidget(self.reload_button)
        layout.addLayout(bar)

        self.model: RowsModel[PrintJobRow] = RowsModel(
            [
                ("Status", job_status_text),
                ("Job", lambda r: r.kind),
                ("Rx", "rx_number"),
                ("What", "description"),
                ("Printer", self._printer_text),
                ("Tries", "attempts"),
                ("Queued", job_age),
            ]
        )
        self.table = pick_table(self.model, "printJobs", "Print jobs", row_height=34)
        # 'What' takes the room; the printer elides first
        fit_columns(self.table, stretch=3, shrink=(4,), keep=lambda text: text)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_selected())
        layout.addWidget(self.table, 3)

        self.detail = detail_label("jobDetail", min_height=64)
        layout.addWidget(self.detail)

        self.panel = ActionPanel()
        self.panel.confirmed.connect(self._confirm)
        self.panel.dismissed.connect(self._dismiss)
        layout.addWidget(self.panel)

        self.message = ErrorLine()
        self.notice = QLabel()
        self.notice.setObjectName("notice")
        self.notice.setWordWrap(True)
        layout.addWidget(self.message)
        layout.addWidget(self.notice)

        buttons = QHBoxLayout()
        self.retry_button = QPushButton("Retry now (Ctrl+R)")
        self.reprint_button = QPushButton("Reprint… (Ctrl+P)")
        self.redirect_button = QPushButton("Redirect… (Ctrl+D)")
        self.cancel_button = QPushButton("Cancel job… (Del)")
        self.reload_button.setObjectName("reloadButton")
        for button, name in (
            (self.retry_button, "retryButton"),
            (self.reprint_button, "reprintButton"),
            (self.redirect_button, "redirectButton"),
            (self.cancel_button, "cancelButton"),
        ):
            button.setObjectName(name)
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.retry_button.clicked.connect(self.retry)
        self.reprint_button.clicked.connect(lambda: self.open_action("reprint"))
        self.redirect_button.clicked.connect(lambda: self.open_action("redirect"))
        self.cancel_button.clicked.connect(lambda: self.open_action("cancel"))
        self.reload_button.clicked.connect(self.reload)
        shortcut(self, "Ctrl+R", self.retry)
        shortcut(self, "Ctrl+P", lambda: self.open_action("reprint"))
        shortcut(self, "Ctrl+D", lambda: self.open_action("redirect"))
        shortcut(self, "Delete", lambda: self.open_action("cancel"))
        shortcut(self, "Ctrl+L", self.reload)
        self._show_selected()

    # -- data ---------------------------------------------------------------------------------------

    def _printer_text(self, row: PrintJobRow) -> str:
        if row.printer_uri:
            return row.printer_uri
        configured = self.context.config.printer(row.printer_role)
        role = ROLE_TITLES.get(row.printer_role, row.printer_role).split()[0].lower()
        return f"{role}: {configured.uri}" if configured else f"{role}: not set up"

    def activate(self) -> None:
        self.reload()

    def on_change(self, notice: dict[str, Any]) -> None:
        if notice.get("topic") == "print_jobs" and notice.get("workstation") in (None, self.context.workstation):
            self._wake_dispatcher()
            if self.isVisible():
                self.reload()

    def queue_count(self) -> int | None:
        return self._failed or None

    @classmethod
    def nav_count(cls, context: AppContext, actor: Actor) -> int | None:
        """What ``queue_count`` shows (this workstation's failed jobs), before the screen is built: the
        sidebar has it at sign-in (on a pool thread; the shell builds a screen when it is first shown)."""
        jobs = print_queue.list_jobs(context.uow_factory, actor, workstation=context.workstation, waiting_only=True)
        return sum(1 for job in jobs if job.status == PrintJobStatus.FAILED) or None

    def reload(self) -> None:
        factory, actor, ws = self.context.uow_factory, self.actor, self.context.workstation
        waiting = self.waiting_only.isChecked()
        run_in_background(
            self,
            lambda: print_queue.list_jobs(factory, actor, workstation=ws, waiting_only=waiting),
            self._loaded,
            self._failed_to_load,
        )

    def _failed_to_load(self, exc: Exception) -> None:
        self.message.show_message(f"The print queue could not be loaded: {user_message(exc)}")

    def _loaded(self, rows: list[PrintJobRow]) -> None:
        keep = self._selected
        self.model.set_rows(rows)
        self._failed = sum(1 for r in rows if r.status == PrintJobStatus.FAILED)
        waiting = sum(1 for r in rows if r.waiting or r.status == PrintJobStatus.SENDING)
        self.counts.setText(f"{waiting} waiting · {self._failed} failed · {len(rows)} shown")
        self._summarise_printers()
        choose_again(self.table, rows, keep, lambda r: r.id)
        self._show_selected()

    def _summarise_printers(self) -> None:
        parts = []
        for role, title in ROLE_TITLES.items():
            printer = self.context.config.printer(role)
            where = f"{printer.uri} ({printer.profile})" if printer else "<i>not set up (Settings, Alt+S)</i>"
            parts.append(f"<b>{title}:</b> {where}")
        self.printers.setText(" &nbsp;·&nbsp; ".join(parts))

    def selected(self) -> PrintJobRow | None:
        return chosen_row(self.table, self.model)

    def _show_selected(self) -> None:
        row = self.selected()
        self._selected = row.id if row else None
        waiting = bool(row and row.waiting)
        self.retry_button.setEnabled(waiting)
        self.redirect_button.setEnabled(waiting)
        self.cancel_button.setEnabled(waiting)
        self.reprint_button.setEnabled(bool(row and row.status in (PrintJobStatus.PRINTED, PrintJobStatus.CANCELLED)))
        if row is None:
            self.detail.setText("No print jobs on this workstation." if not self.model.rowCount() else "")
            return
        lines = [f"<b>{row.kind}</b> — {row.description}"]
        if row.last_error and row.status != PrintJobStatus.PRINTED:
            lines.append(f"<b>Problem:</b> {row.last_error}")
        if row.confirmed is False:
            lines.append(f"<b>Not confirmed:</b> {row.last_error}")
        if row.status == PrintJobStatus.FAILED and row.next_attempt_at is not None:
            lines.append(f"Next automatic try at {row.next_attempt_at.astimezone():%H:%M:%S}.")
        if row.printed_at is not None:
            done = "Printed at {} on {}" if row.confirmed is not False else "Sent at {} to {}"
            lines.append(done.format(f"{row.printed_at.astimezone():%m/%d/%Y %H:%M}", row.printer_uri) + ".")
        self.detail.setText("<br>".join(lines))

    # -- actions ------------------------------------------------------------------------------------

    def _wake_dispatcher(self) -> None:
        self.context.print_sender.wake()

    def _say(self, text: str) -> None:
        self.message.show_message("")
        self.notice.setText(text)

    def _problem(self, exc: Exception) -> None:
        self.notice.setText("")
        self.message.show_message(user_message(exc))

    def _done(self, text: str) -> Callable[[object], None]:
        def finish(_: object) -> None:
            self.panel.close_panel()
            self._say(text)
            self._wake_dispatcher()
            self.reload()
            self.table.setFocus()

        return finish

    def retry(self) -> None:
        row = self.selected()
        if row is None or not row.waiting:
            self._say("Choose a waiting job to retry (Up/Down).")
            return
        factory, actor = self.context.uow_factory, self.actor
        run_in_background(
            self,
            lambda: print_queue.retry(factory, actor, row.id),
            self._done(f"{row.kind} sent to the printer again."),
            self._problem,
        )

    def open_action(self, mode: str) -> None:
        row = self.selected()
        if row is None:
            self._say("Choose a job first (Up/Down).")
            return
        if mode in ("redirect", "cancel") and not row.waiting:
            self._say(
                f"This job is {row.status}: only waiting jobs can be {mode}ed. "
                + ("Reprint it (Ctrl+P) instead." if row.status == PrintJobStatus.PRINTED else "")
            )
            return
        if mode == "reprint" and row.waiting:
            self._say("This job has not printed yet: retry it (Ctrl+R) or redirect it (Ctrl+D).")
            return
        self.message.show_message("")
        self.panel.open_for(mode, row)

    def _dismiss(self) -> None:
        self.panel.close_panel()
        self.table.setFocus()

    def _confirm(self) -> None:
        row = self.selected()
        if row is None or not self.panel.mode:
            return
        factory, actor, config, ws = self.context.uow_factory, self.actor, self.context.config, self.context.workstation
        reason = self.panel.reason.text().strip()
        uri = self.panel.printer.text().strip() or None
        profile = self.panel.profile.currentText() if uri else None
        mode = self.panel.mode
        work: Callable[[], object]
        if mode == "reprint":
            if not reason:
                self.message.show_message("Type the reason for the reprint (it is logged), then press Enter.")
                self.panel.reason.setFocus()
                return
            work = lambda: print_queue.reprint(
                factory,
                actor,
                row.id,
                reason,
                printer_uri=uri,  # noqa: E731
                printer_profile=profile,
                printers=printer_settings_from(config),
                workstation=ws,
            )
            text = f"Reprint queued{f' for Rx {row.rx_number}' if row.rx_number else ''}; it is marked REPRINT."
        elif mode == "redirect":
            if not uri:
                self.message.show_message("Type the other printer's address, e.g. tcp://10.0.0.6:9100, then Enter.")
                self.panel.printer.setFocus()
                return
            work = lambda: print_queue.redirect(factory, actor, row.id, uri, profile)  # noqa: E731
            text = f"{row.kind} redirected to {uri}."
        else:
            work = lambda: print_queue.cancel(factory, actor, row.id, reason)  # noqa: E731
            text = f"{row.kind} cancelled; it will not print."
        run_in_background(self, work, self._done(text), self._problem, busy_message="Print queue…")

    def clear_sensitive(self) -> None:
        self.model.set_rows([])
        self.detail.setText("")
        self.panel.close_panel()
