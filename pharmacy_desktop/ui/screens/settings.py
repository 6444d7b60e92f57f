"""Alt+S Workstation settings: printers per role (address, model, test page), idle lock, scanner timing
and the scanner test (raw input, timing, verdict and what a scan resolved to).

Saved to this workstation's configuration file (`config.save`), not the database: each counter
has its own printers. The configuration object is changed in place, so the print dispatcher and
the other screens use the new printers at once; the running scanner filter and idle lock get the
new timings when the settings are saved.

Tabs keep the screen within a 1280x800 display: "Printers and screen lock", "Barcode scanner" and
"Point of sale" (Alt+P / Alt+C / Alt+O, or Ctrl+Tab). A scan while the settings are open shows the
scanner tab. The point-of-sale tab (ui/widgets/pos_settings.py) is the exception to "this
workstation": tax rate, dispensing fee, will-call days and receipt drug names are the pharmacy's,
saved in the database; Ctrl+S on that tab saves them.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QStyle,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop import config as config_mod
from pharmacy_desktop.config import Config, PrinterConfig
from pharmacy_desktop.domain.places import Place
from pharmacy_desktop.errors import ValidationFailed
from pharmacy_desktop.services import print_queue
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.print_queue import ROLE_TITLES, check_printer
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.display_prefs import DisplayPrefs
from pharmacy_desktop.ui.keys import key_for
from pharmacy_desktop.ui.ops import run_in_background, user_message
from pharmacy_desktop.ui.screens.base import Screen, page_layout, shortcut
from pharmacy_desktop.ui.signin import ErrorLine
from pharmacy_desktop.ui.widgets.display_settings import DisplaySettingsGroup
from pharmacy_desktop.ui.widgets.notification_templates import NotificationTemplatesPage
from pharmacy_desktop.ui.widgets.pos_settings import PosSettingsPage
from pharmacy_desktop.ui.widgets.printer_row import ROLE_USE, TEST_KEYS
from pharmacy_desktop.ui.widgets.printer_row import PrinterRow as PrinterRow
from pharmacy_desktop.ui.widgets.printer_row import TestOutcome as TestOutcome
from pharmacy_desktop.ui.widgets.scanner_test import ScannerTestPage


class SettingsScreen(Screen):
    key = key_for(Place.SETTINGS)
    title = "Settings"
    permission = "settings.manage"
    help_keys = (
        ("Ctrl+1 / Ctrl+2 / Ctrl+3", "print a test page on the label / receipt / report printer"),
        ("Ctrl+S", "save the settings of this workstation (on the point-of-sale tab: the pharmacy's)"),
        ("Ctrl+Z", "undo unsaved changes"),
        ("Alt+P / Alt+C / Alt+O", "printers and screen lock / barcode scanner and scanner test / point of sale"),
        ("Alt+M", "patient message templates (Ctrl+S saves the template, Alt+V as a new one, Alt+K puts it in use)"),
        ("Ctrl+Tab", "the next tab"),
        ("Scan", "shows the scanner test: raw input, timing and what the barcode resolved to"),
    )

    def __init__(self, context: AppContext, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(context, actor, parent)
        layout = page_layout(
            self,
            "Workstation settings",
            f"Printers, screen lock and scanner of this workstation ({context.workstation}). "
            "Other workstations keep their own settings.",
        )

        self.tabs = QTabWidget()
        self.tabs.setObjectName("settingsTabs")
        self.tabs.setDocumentMode(True)
        layout.addWidget(self.tabs, 1)

        # -- printers and screen lock -----------------------------------------------------------
        self.printers_tab = QWidget()
        self.printers_tab.setObjectName("printersTab")
        printers_layout = QVBoxLayout(self.printers_tab)
        printers_layout.setContentsMargins(0, 10, 0, 0)
        printers_layout.setSpacing(10)
        printers = QGroupBox("Printers")
        grid = QGridLayout(printers)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(6)
        for column, text in enumerate(("Printer", "Address", "Model", "")):
            head = QLabel(f"<b>{text}</b>")
            grid.addWidget(head, 0, column)
        self.rows: dict[str, PrinterRow] = {}
        for i, role in enumerate(("label", "receipt", "report")):
            row = PrinterRow(role, printers)
            self.rows[role] = row
            name = QLabel(f"<b>{ROLE_TITLES[role]}</b><br><small>{ROLE_USE[role]}</small>")
            name.setBuddy(row.uri)
            base = 1 + i * 2
            grid.addWidget(name, base, 0)
            grid.addWidget(row.uri, base, 1)
            grid.addWidget(row.profile, base, 2)
            grid.addWidget(row.test, base, 3)
            grid.addWidget(row.result, base + 1, 1, 1, 3)
            row.test.clicked.connect(lambda _=False, r=role: self.test_page(r))
            shortcut(self, TEST_KEYS[role], partial(self.test_page, role))
        grid.setColumnStretch(1, 1)
        hint = QLabel(
            "Network printers usually listen on port 9100. The model sets the paper width and the "
            'character set; "default" fits most 80 mm printers, POS-5890 is a 58 mm one.'
        )
        hint.setWordWrap(True)
        hint.setObjectName("subtitle")
        grid.addWidget(hint, 7, 0, 1, 4)
        printers_layout.addWidget(printers)

        workstation = QGroupBox("Screen lock")
        form = QFormLayout(workstation)
        self.idle_minutes = QDoubleSpinBox()
        self.idle_minutes.setObjectName("idleMinutes")
        self.idle_minutes.setRange(1, 60)
        self.idle_minutes.setDecimals(0)
        self.idle_minutes.setSuffix(" minutes")
        form.addRow("&Lock after no use for", self.idle_minutes)
        note = QLabel("The screen locks itself; F12 locks it at once.")
        note.setObjectName("subtitle")
        form.addRow(note)
        lock_row = QHBoxLayout()
        lock_row.addWidget(workstation, 1)
        display_file = context.config_path.parent / "display.toml" if context.config_path else None
        self.display_group = DisplaySettingsGroup(display_file)  # theme and text size (ui/widgets/display_settings.py)
        lock_row.addWidget(self.display_group, 1)
        printers_layout.addLayout(lock_row)
        printers_layout.addStretch(1)
        self.tabs.addTab(self.printers_tab, "&Printers and screen lock")

        # -- barcode scanner: timing beside the live test ------------------------------------------
        self.scanner_tab = QWidget()
        self.scanner_tab.setObjectName("scannerTab")
        scanner_layout = QHBoxLayout(self.scanner_tab)
        scanner_layout.setContentsMargins(0, 10, 0, 0)
        scanner_layout.setSpacing(12)
        scanner = QGroupBox("Scanner timing")
        form = QFormLayout(scanner)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)  # labels above: a narrow column
        self.scanner_gap = QSpinBox()
        self.scanner_gap.setObjectName("scannerGap")
        self.scanner_gap.setRange(5, 200)
        self.scanner_gap.setSuffix(" ms")
        self.scanner_min = QSpinBox()
        self.scanner_min.setObjectName("scannerMin")
        self.scanner_min.setRange(3, 50)
        self.scanner_min.setSuffix(" characters")
        for box in (self.idle_minutes, self.scanner_gap, self.scanner_min):
            box.setMaximumWidth(180)
        form.addRow("Longest &gap between scanned keys", self.scanner_gap)
        form.addRow("Shortest &barcode", self.scanner_min)
        note = QLabel(
            "Faster than this is a scan, slower is typing. Saving (Ctrl+S) applies it at once: "
            "scan again in the test beside to check."
        )
        note.setObjectName("subtitle")
        note.setWordWrap(True)
        form.addRow(note)
        self.scanner_left = left = QVBoxLayout()
        left.addWidget(scanner)
        left.addStretch(1)
        scanner.setMaximumWidth(340)
        scanner_layout.addLayout(left)
        self.scanner_page: ScannerTestPage | None = None
        self.scanner_missing = QLabel(
            "The scanner test works in the running application: it shows what the workstation's scanner "
            "sends. Open the settings there and scan a barcode."
        )
        self.scanner_missing.setObjectName("scannerMissing")
        self.scanner_missing.setWordWrap(True)
        self.scanner_missing.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.scanner_slot = QVBoxLayout()
        self.scanner_slot.setContentsMargins(0, 0, 0, 0)
        self.scanner_slot.addWidget(self.scanner_missing)
        scanner_layout.addLayout(self.scanner_slot, 1)
        self.tabs.addTab(self.scanner_tab, "Barcode s&canner")
        self.pos_page = PosSettingsPage(context.uow_factory, actor)
        self.tabs.addTab(self.pos_page, "P&oint of sale")
        self.templates_page = NotificationTemplatesPage(context.uow_factory, actor)  # the pharmacy's, like POS
        self.tabs.addTab(self.templates_page, "Patient &messages")
        self.tabs.currentChanged.connect(self._tab_changed)

        self.error = ErrorLine()
        self.notice = QLabel()
        self.notice.setObjectName("notice")
        self.notice.setWordWrap(True)
        layout.addWidget(self.error)
        layout.addWidget(self.notice)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.revert_button = QPushButton("Undo changes (Ctrl+Z)")
        self.revert_button.setObjectName("revertButton")
        self.save_button = QPushButton("Save (Ctrl+S)")
        self.save_button.setObjectName("saveButton")
        self.save_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_DialogSaveButton))
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        layout.addLayout(buttons)
        self.save_button.clicked.connect(self.save)
        self.revert_button.clicked.connect(self.load_from_config)
        shortcut(self, "Ctrl+S", self.save)
        shortcut(self, "Ctrl+Z", self.load_from_config)
        self.load_from_config()
        self._attach_scanner()

    def activate(self) -> None:
        self._attach_scanner()  # the app may have created its scanner after this screen
        self._focus_tab()

    def _focus_tab(self) -> None:
        if self.tabs.currentWidget() is self.pos_page:
            self.pos_page.load()  # the pharmacy's settings, as another workstation may have saved them
            self.pos_page.tax_rate.setFocus()
        elif self.tabs.currentWidget() is self.templates_page:
            self.templates_page.load()
            self.templates_page.table.setFocus()
        elif self.tabs.currentWidget() is self.scanner_tab:
            (self.scanner_page.typing_box if self.scanner_page is not None else self.scanner_gap).setFocus()
        else:
            self.rows["label"].uri.setFocus()

    def _tab_changed(self, _index: int) -> None:
        if self.isVisible():
            self._focus_tab()

    # -- scanner test ---------------------------------------------------------------------------------

    def _attach_scanner(self) -> None:
        """Build the scanner test once the application's scanner filter is in the context."""
        scanner = self.context.scanner
        if scanner is None or self.scanner_page is not None:
            return
        factory = self.context.uow_factory

        def resolve(text: str) -> dict[str, Any]:  # on a worker thread (the page uses run_in_background)
            from pharmacy_desktop.services.scan_resolution import resolve_scan, to_json

            return to_json(resolve_scan(factory, text))

        self.scanner_page = ScannerTestPage(scanner, resolve, compact=True)
        # what the running filter counts as a scan belongs beside the timing fields
        self.scanner_left.insertWidget(1, self.scanner_page.settings_note)
        self.scanner_slot.replaceWidget(self.scanner_missing, self.scanner_page)
        self.scanner_missing.hide()
        QWidget.setTabOrder(self.scanner_min, self.scanner_page.typing_box)

    def show_scanner_test(self) -> None:
        self.tabs.setCurrentWidget(self.scanner_tab)

    def handle_scan(self, text: str) -> bool:
        """A scan here opens the scanner test, which shows it with what it resolved to."""
        if self.scanner_page is None:
            return False
        self.show_scanner_test()
        return self.scanner_page.handle_scan(text)

    # -- form <-> configuration -------------------------------------------------------------------

    def load_from_config(self) -> None:
        cfg = self.context.config
        for role, row in self.rows.items():
            printer = cfg.printers.get(role) or PrinterConfig()
            row.uri.setText(printer.uri)
            row.profile.setCurrentText(printer.profile or "default")
        self.idle_minutes.setValue(cfg.idle_lock_minutes)
        self.scanner_gap.setValue(cfg.scanner_gap_ms)
        self.scanner_min.setValue(cfg.scanner_min_length)
        self.display_group.load()
        self.error.show_message("")
        if self.pos_page.loaded is not None:  # Ctrl+Z: the point-of-sale tab as last loaded or saved
            self.pos_page.show_settings(self.pos_page.loaded)

    def form_printers(self) -> dict[str, PrinterConfig]:
        """The printers typed in the form, checked; ValidationFailed names the one that is wrong."""
        printers: dict[str, PrinterConfig] = {}
        for role, row in self.rows.items():
            try:
                uri, profile = check_printer(row.uri.text(), row.profile.currentText())
            except ValidationFailed as error:
                raise ValidationFailed(f"{ROLE_TITLES[role]}: {error.message}", {role: error.message}) from None
            if uri:
                printers[role] = PrinterConfig(uri=uri, profile=profile)
        return printers

    def save(self) -> None:
        if self.tabs.currentWidget() is self.pos_page:
            self.pos_page.save()
            return
        if self.tabs.currentWidget() is self.templates_page:
            self.templates_page.save()
            return
        try:
            printers = self.form_printers()
        except ValidationFailed as error:
            self._problem(error)
            return
        display_written = self.display_group.save()  # queued: written off the GUI thread (ui/display_prefs.py)
        cfg = self.context.config
        updated = replace(  # everything this page does not show (server, notifications) kept as it is
            cfg,
            printers=printers,
            idle_lock_minutes=float(self.idle_minutes.value()),
            scanner_gap_ms=self.scanner_gap.value(),
            scanner_min_length=self.scanner_min.value(),
        )
        path = self.context.config_path

        def save() -> tuple[DisplayPrefs, Any]:  # on a worker: the display file first, as before
            return display_written.result(timeout=60), config_mod.save(updated, path)

        run_in_background(
            self, save, lambda saved: self._saved(updated, *saved), self._problem, busy_message="Saving settings…"
        )

    def _saved(self, updated: Config, display: DisplayPrefs, path: Any) -> None:
        self.display_group.show_look(display, self.actor.username)
        cfg = self.context.config
        # in place: the dispatcher and the screens hold this object
        cfg.printers.clear()
        cfg.printers.update(updated.printers)
        cfg.idle_lock_minutes = updated.idle_lock_minutes
        cfg.scanner_gap_ms = updated.scanner_gap_ms
        cfg.scanner_min_length = updated.scanner_min_length
        for row in self.rows.values():
            row.uri.setText(cfg.printers[row.role].uri if row.role in cfg.printers else "")
        self.error.show_message("")
        self.notice.setText(f"Settings saved ({path}). Waiting print jobs use the new printers at their next try.")
        self.context.print_sender.wake()
        self._apply_timings(cfg)

    def _apply_timings(self, cfg: Config) -> None:
        """The running scanner filter and idle lock take the saved timings now, not at the next start."""
        scanner = self.context.scanner
        if scanner is not None:
            current = scanner.settings
            wanted = (float(cfg.scanner_gap_ms), int(cfg.scanner_min_length))
            if (current.max_gap_ms, current.min_length) != wanted:
                scanner.settings = replace(current, max_gap_ms=wanted[0], min_length=wanted[1])
        if self.scanner_page is not None:
            self.scanner_page.refresh_settings()
        set_idle_timeout = getattr(self.window(), "set_idle_timeout", None)
        if callable(set_idle_timeout) and cfg.idle_lock_minutes > 0:
            set_idle_timeout(int(cfg.idle_lock_minutes * 60_000))

    def _problem(self, exc: Exception) -> None:
        self.notice.setText("")
        self.error.show_message(user_message(exc))

    # -- test page ----------------------------------------------------------------------------------

    def test_page(self, role: str) -> None:
        row = self.rows[role]
        try:
            uri, profile = check_printer(row.uri.text(), row.profile.currentText())
        except ValidationFailed as error:
            self._result(role, False, error.message)
            row.uri.setFocus()
            return
        if not uri:
            self._result(
                role, False, f"Type the {ROLE_TITLES[role].lower()}'s address first, e.g. tcp://10.0.0.5:9100."
            )
            row.uri.setFocus()
            return
        factory, actor, ws = self.context.uow_factory, self.actor, self.context.workstation
        sender = self.context.print_sender

        def work() -> TestOutcome:
            job_id = print_queue.print_test_page(
                factory, actor, role=role, printer_uri=uri, printer_profile=profile, workstation=ws
            )
            result = sender.send_job(job_id)
            if result.ok:
                return TestOutcome(
                    True,
                    f"Test page sent to {uri}. Check that it printed, that the sample line "
                    "shows its accents and that the barcode is sharp.",
                )
            return TestOutcome(False, result.message)

        row.test.setEnabled(False)
        self._result(role, None, f"Sending a test page to {uri}…")
        run_in_background(
            self,
            work,
            lambda outcome: self._tested(role, outcome),
            lambda exc: self._tested(role, TestOutcome(False, user_message(exc))),
        )

    def _tested(self, role: str, outcome: TestOutcome) -> None:
        self.rows[role].test.setEnabled(True)
        self._result(role, outcome.ok, outcome.message)

    def _result(self, role: str, ok: bool | None, text: str) -> None:
        self.rows[role].result.say({True: "passed", False: "stop", None: "info"}[ok], text)  # icon and words
