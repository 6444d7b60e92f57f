"""The GUI's composition root: start-up (database off the GUI thread), sign-in, the shell."""

from __future__ import annotations

import argparse
import logging
import signal
import socket
import sys
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from PySide6.QtCore import QObject, QSocketNotifier, QThreadPool, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QProgressBar, QVBoxLayout, QWidget

from pharmacy_desktop import config as config_mod
from pharmacy_desktop import paths
from pharmacy_desktop.ui.latency import (
    DATABASE_MODULES,
    GIL_SWITCH_S,
    SIGN_IN_MODULES,
    freeze_long_lived,
    gc_paused,
    import_modules,
    preload_modules,
)
from pharmacy_desktop.ui.ops import run_in_background, user_message

if TYPE_CHECKING:  # the database layer is imported by the start-up thread, not before the first window
    from pharmacy_desktop.app import Application
    from pharmacy_desktop.services.auth import Actor
    from pharmacy_desktop.services.backup_job import NightlyBackup
    from pharmacy_desktop.services.connection_check import HostingPlan, HostingResult
    from pharmacy_desktop.services.expiry_job import ExpiryJob
    from pharmacy_desktop.services.notification_sender import NotificationSender
    from pharmacy_desktop.services.print_sender import PrintSender
    from pharmacy_desktop.ui.changes import ChangeListener
    from pharmacy_desktop.ui.context import AppContext
    from pharmacy_desktop.ui.first_run import FirstRunWizard, StartChoice
    from pharmacy_desktop.ui.main_window import MainWindow
    from pharmacy_desktop.ui.revision_recheck import RevisionRecheck
    from pharmacy_desktop.ui.scan_dispatch import ScanDispatcher
    from pharmacy_desktop.ui.scanner import ScannerFilter
    from pharmacy_desktop.ui.screens.base import Screen
    from pharmacy_desktop.ui.signin_window import SignInWindow
    from pharmacy_desktop.ui.widgets.first_run_printers import PrinterFinder

log = logging.getLogger(__name__)
RESOURCES = paths.resources_dir()
PRELOAD_POLL_MS = 20  # a sign-in before the shell's modules are imported: looked at again this often


def default_screens() -> list[type[Screen]]:
    from pharmacy_desktop.ui.screens import registry

    return registry.screen_classes()


def make_scanner(context: AppContext, app: QApplication | None = None) -> ScannerFilter:
    """The scanner filter from the workstation's timing, watching every key ``app`` gets (it sits where
    Qt delivers keys: the focus widget, a popup, the windows — ui/key_route) and set as ``context.scanner`` (the settings screen's scanner test and timing use it)."""
    from pharmacy_desktop.ui.scanner import ScannerFilter, ScannerSettings

    app = app or QApplication.instance()  # type: ignore[assignment]  # a QApplication: the GUI made it
    settings = ScannerSettings(max_gap_ms=context.config.scanner_gap_ms, min_length=context.config.scanner_min_length)
    scanner = ScannerFilter(settings, parent=app)
    scanner.install(app)
    context.scanner = scanner
    return scanner


def make_application(argv: Sequence[str] | None = None) -> QApplication:
    # a Python thread holding the GIL (a query on a pool thread, an import) keeps the GUI thread's next
    # Python call (a slot, a paint delegate, the scanner's filter on the focus widget) waiting up to this interval (5 ms by
    # default, per call): 1 ms keeps a turn of the event loop short while the background works
    sys.setswitchinterval(GIL_SWITCH_S)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(list(argv or sys.argv[:1]))
    app.setApplicationName("pharmacy-desktop")
    app.setApplicationDisplayName("Pharmacy")
    app.setStyle("Fusion")
    # the platform's font size (at least 11 pt: read at arm's length), the light theme, 100 %; the
    # signed-in user's theme and zoom replace them at sign-in (ui/display_prefs.py)
    from pharmacy_desktop.ui.display_prefs import load_display
    from pharmacy_desktop.ui.theme import apply_look

    prefs = load_display()
    apply_look(app, prefs.workstation_theme, prefs.workstation_zoom)
    return app


class StartupWindow(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("Pharmacy — starting")
        self.message = QLabel("Starting the database…")
        self.message.setWordWrap(True)
        bar = QProgressBar()
        bar.setRange(0, 0)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<h2>Pharmacy</h2>"))
        layout.addWidget(self.message)
        layout.addWidget(bar)
        self.resize(520, 160)


class Started(NamedTuple):
    """What the start-up thread opened and built for the GUI: the database and the background workers
    (plain Python objects, not yet started; no Qt object is made off the GUI thread). Their modules
    (the print sender, the expiry pass, the notification adapters, the keyring) and the sign-in
    window's are imported there too, so the turn that shows the sign-in imports nothing."""

    database: Application
    printing: PrintSender
    expiry: ExpiryJob
    backups: NightlyBackup | None
    notifying: NotificationSender


def start_up(database: Application) -> Started:
    """The start-up thread's part after the database opened: the workers built, the sign-in's modules imported."""
    started = Started(
        database,
        database.make_print_sender(),
        database.make_expiry_job(),
        database.make_nightly_backup(),
        database.make_notification_sender(),  # sends only on the pharmacy's chosen workstation
    )
    with gc_paused("sign-in modules"):
        import_modules(SIGN_IN_MODULES)
    return started


class Session(QObject):
    """Holds the running app: database, context, windows, scanner, idle lock, change listener."""

    def __init__(self, app: QApplication, args: argparse.Namespace) -> None:
        super().__init__(app)
        self.app = app
        self.args = args
        self.config = config_mod.load()
        self.database: Application | None = None
        self.context: AppContext | None = None
        self.window: MainWindow | None = None
        self.signin_window: SignInWindow | None = None
        self.listener: ChangeListener | None = None
        self.scanner: ScannerFilter | None = None
        self.dispatcher: ScanDispatcher | None = None  # scans -> the active screen
        self.printing: PrintSender | None = None  # print jobs -> printers, on its own thread
        self.expiry: ExpiryJob | None = None  # the daily expiry pass, on its own thread
        self.notifying: NotificationSender | None = None  # patient messages, on its own thread
        self.backups: NightlyBackup | None = None  # the hosting workstation's nightly backup
        self.startup = StartupWindow()
        self.first_run: FirstRunWizard | None = None  # a new workstation's first page (ui/first_run.py)
        self.hosting_result: HostingResult | None = None  # set up as the pharmacy's server: shown once
        self.first_choice: StartChoice | None = None  # what the first-run wizard chose (this start only)
        self.printer_finder: PrinterFinder | None = None  # the wizard's printers step, after the first sign-in
        self._preload: threading.Thread | None = None  # the shell's modules, imported during the sign-in
        self._opened: Application | None = None  # the database as soon as the start-up thread has it (see shutdown)
        self.revision_recheck: RevisionRecheck | None = None  # the server was unreachable at open (issue 17)
        app.aboutToQuit.connect(self.shutdown)

    def start(self) -> None:
        from pharmacy_desktop.ui.first_start import first_run_needed

        # the modules imported so far (Qt, the app's start): a full GC set off by the start-up thread's
        # imports and migrations check (holding the GIL, the start-up window's turns wait) walks only what it makes
        freeze_long_lived("start")

        if first_run_needed(getattr(self.args, "database_url", None), self.config):
            # a new workstation: the demo, a pharmacy of its own, or the pharmacy's server? (ui/first_run.py)
            from pharmacy_desktop.ui.first_run import FirstRunWizard

            self.first_run = FirstRunWizard()
            self.first_run.decided.connect(self._first_run_decided)
            self.first_run.show()
            return
        self._open_database()

    def _first_run_decided(self, choice: StartChoice) -> None:
        from pharmacy_desktop.ui.first_run import DEMO

        if self.first_run is not None:
            self.first_run.hide()
        self.config = config_mod.load()  # "connect" saved the server to it
        self.first_choice = choice  # after the first sign-in: printers and scanner (_devices_step)
        self._open_database(seed_demo=choice.mode == DEMO, hosting=choice.hosting)

    def _open_database(self, *, seed_demo: bool = True, hosting: HostingPlan | None = None) -> None:
        self.startup.show()
        url = getattr(self.args, "database_url", None)
        if hosting is not None:
            self.startup.message.setText("Making this computer the pharmacy's database server…")

        def open_() -> Started:
            with gc_paused("database layer"):  # imported here, off the GUI thread, not collected meanwhile
                import_modules(DATABASE_MODULES)
            from pharmacy_desktop.app import open_database

            if hosting is not None:  # migrated first (the app role's grants need the tables), then served
                from pharmacy_desktop.services.connection_check import host_this_workstation

                first = open_database(url, cfg=self.config, seed_demo=False)
                embedded = first.embedded
                first.close()
                assert embedded is not None  # no server configured: first_run_needed said so
                self.hosting_result = host_this_workstation(embedded, hosting)
            self._opened = open_database(url, cfg=self.config, seed_demo=seed_demo)
            return start_up(self._opened)

        run_in_background(self.startup, open_, self._database_ready, self._database_failed)

    def _database_failed(self, exc: Exception) -> None:
        from pharmacy_desktop.db.migrate import DatabaseNeedsUpgrade, DatabaseTooNew
        from pharmacy_desktop.services.connection_check import HostingError

        if isinstance(exc, (DatabaseTooNew, DatabaseNeedsUpgrade)):  # the message says what to install or run
            text = f"This app cannot use the database.\n\n{user_message(exc)}"
        elif isinstance(exc, HostingError):  # the wizard's hosting step: the database itself was set up
            text = (
                f"This computer could not be made the pharmacy's server: {user_message(exc)}\n\n"
                "Start the app again to use the pharmacy on this computer alone; to serve the other counters, "
                "run 'pharmacy-desktop db host --subnet <the counters' network>' once the problem is solved."
            )
        else:
            text = (
                f"The database could not be opened: {user_message(exc)}\n\n"
                "Check the database settings (pharmacy-desktop --database-url …) or the network, then start again."
            )
        self.startup.message.setText(text)
        bar = self.startup.findChild(QProgressBar)
        if bar is not None:
            bar.hide()

    def _database_refused(self, exc: Exception) -> None:
        """The database answered again at a revision this app must not use: refused as at start (the
        windows closed, the background work and the database stopped, the message shown)."""
        self.startup.show()  # first: closing the last other window would quit the app
        self._database_failed(exc)
        for window in (self.window, self.signin_window):
            if window is not None:
                window.close()
        self.shutdown()
        self.database = self._opened = None  # closed: the shutdown at quit has nothing left to do

    def _database_ready(self, started: Started) -> None:
        """The start-up thread's result, in two turns of the event loop (the start-up window stays up,
        answering, until the sign-in replaces it): the context, the change listener and the workers
        started in this one, the sign-in window built and shown in the next (_show_sign_in)."""
        from pharmacy_desktop.ui.changes import ChangeListener
        from pharmacy_desktop.ui.context import AppContext

        database = self.database = started.database
        printing = self.printing = started.printing  # started once the change listener can wake it
        self.context = AppContext.from_application(
            database, config_path=config_mod.config_path(), print_sender=printing
        )
        listener = self.listener = ChangeListener(database.listen_url, self)
        listener.start()
        if database.revision_unchecked:  # the server did not answer at open: the guard runs when it does
            from pharmacy_desktop.ui.revision_recheck import RevisionRecheck

            self.revision_recheck = RevisionRecheck(database.url, listener.connection_changed, listener.connected, self)
            self.revision_recheck.refused.connect(self._database_refused)
        self._start_printing(printing, listener)
        self.expiry = started.expiry
        self.expiry.start()
        self.backups = started.backups
        if self.backups is not None:
            self.backups.start()
        self.notifying = started.notifying
        self.notifying.start()
        QTimer.singleShot(0, self._show_sign_in)

    def _start_printing(self, printing: PrintSender, listener: ChangeListener) -> None:
        """The print sender: waiting jobs go out in the background, retried with back-off."""
        printing.start()
        # a job queued at this workstation (or redirected to it) is sent at once, not at the next poll
        listener.changed.connect(self._print_notice)

    def _print_notice(self, notice: dict[str, object]) -> None:
        # a job queued anywhere, or any change to this workstation's jobs (a retry, a redirect: the print
        # queue screen woke the sender for these too, but it is built only once opened)
        ours = self.context is not None and notice.get("workstation") in (None, self.context.workstation)
        if notice.get("topic") == "print_jobs" and (notice.get("status") == "queued" or ours) and self.printing:
            self.printing.wake()

    def _show_sign_in(self) -> None:
        """The sign-in window in a turn of its own (its module imported by the start-up thread: start_up)."""
        if self.database is None or self.context is None:  # refused again before this turn (_database_refused)
            return
        freeze_long_lived("sign-in")  # the start-up's objects: a full GC set off by the sign-in's imports skips them
        from pharmacy_desktop.ui.signin_window import SignInWindow

        signin_window = self.signin_window = SignInWindow(self.context)
        signin_window.signed_in.connect(self._signed_in)
        signin_window.show()
        self.startup.hide()
        if self._preload is None:
            self._preload = preload_modules()  # while a person types their name and password
        if self.hosting_result is not None:
            from pharmacy_desktop.ui.first_run import show_hosting_result

            show_hosting_result(self.hosting_result, signin_window)
        log.info("database ready (%s); sign-in shown", self.database.source)

    def _signed_in(self, actor: Actor) -> None:
        if self._preload is not None and self._preload.is_alive():
            # a quick sign-in: the shell opens once the preload is done (two threads importing the same
            # modules at once could see one half-imported), the event loop turning meanwhile — a join here
            # held the GUI thread for the rest of the preload (up to ~1.5 s)
            if self.signin_window is not None:
                self.signin_window.setEnabled(False)
            QTimer.singleShot(PRELOAD_POLL_MS, lambda: self._signed_in(actor))
            return
        from pharmacy_desktop.ui.main_window import MainWindow
        from pharmacy_desktop.ui.scan_dispatch import ScanDispatcher

        # signed in: the database is ready, so are the context, listener and print sender
        assert self.context is not None and self.listener is not None and self.printing is not None
        assert self.signin_window is not None
        if self.window is not None:  # signed in again from the sign-in window: one shell only
            self.window.close()
            self.window.deleteLater()
        idle_ms = int(self.config.idle_lock_minutes * 60_000) if self.config.idle_lock_minutes > 0 else None
        if self.scanner is None:  # before the screens: the settings screen's scanner test uses it
            self.scanner = make_scanner(self.context, self.app)
        window = self.window = MainWindow(self.context, actor, default_screens(), idle_ms=idle_ms)
        self.listener.changed.connect(window.on_change)
        self.listener.connection_changed.connect(window.set_database_connected)
        window.set_database_connected(self.listener.connected)
        from pharmacy_desktop.ui.screens.print_queue import connect_status_bar

        connect_status_bar(self.printing, window)
        if self.backups is not None and actor.role == "admin":
            from pharmacy_desktop.ui.widgets.backup_age import backup_age_label

            window.statusBar().addPermanentWidget(backup_age_label(self.backups.folder, window))
        self.dispatcher = ScanDispatcher(window.scan_target, window.scan_feedback, parent=window)
        self.dispatcher.connect_to(self.scanner)
        screen = self.app.primaryScreen()
        available = screen.availableGeometry().size() if screen is not None else None
        # the screens fit 1280x800 beside the navigation: never open larger than the display
        window.resize(
            min(1400, available.width()) if available else 1400, min(900, available.height()) if available else 900
        )
        window.show()
        freeze_long_lived()
        self.signin_window.close()
        if self.first_choice is not None and self.first_choice.mode != "demo":
            self._devices_step(window, self.first_choice)
        self.first_choice = None

    def _devices_step(self, window: MainWindow, choice: StartChoice) -> None:
        """The wizard's last step: the settings screen (test page, scanner test) and printers found on the network."""
        from pharmacy_desktop.services.connection_check import local_networks
        from pharmacy_desktop.ui.screens.settings import SettingsScreen
        from pharmacy_desktop.ui.widgets.first_run_printers import PrinterFinder

        if SettingsScreen not in window.screen_classes or not window.show_screen(SettingsScreen):
            return  # this account may not change the workstation's settings
        settings = window.screen_of(SettingsScreen)
        assert isinstance(settings, SettingsScreen)
        networks = local_networks()
        network = choice.hosting.subnet if choice.hosting else (networks[0][1] if networks else "")
        self.printer_finder = PrinterFinder(network, lambda role, uri: settings.rows[role].uri.setText(uri), window)
        self.printer_finder.open()

    def shutdown(self) -> None:
        if self.scanner is not None:  # it follows the focus (ui/key_route) until told to stop
            self.scanner.uninstall()
        if self.database is None:
            # quit while the database was still starting: let the start finish, then close what it
            # opened (the embedded server it started is stopped, not left running)
            QThreadPool.globalInstance().waitForDone(180_000)
            if self._opened is not None:
                self._opened.close()
            return
        if self.printing is not None:
            self.printing.stop()
        if self.expiry is not None:
            self.expiry.stop()
        if self.backups is not None:
            self.backups.stop()
        if self.notifying is not None:
            self.notifying.stop(timeout=5)
        if self.listener is not None:
            self.listener.stop()
        if self.database is not None:
            self.database.close()


class QuitOnSignals(QObject):
    """SIGTERM, SIGHUP and SIGINT (logout, systemd, kill, Ctrl+C) quit the app the way closing its window does.

    Python runs a signal handler only when the interpreter gets control, which Qt's event loop
    in C++ does not give it. So the C-level handler writes to a socket pair
    (signal.set_wakeup_fd), a QSocketNotifier wakes the event loop on it, and the Python handler,
    run at that moment, posts quit(): aboutToQuit then runs the shutdown (print sender, change
    listener, database, the embedded server).
    """

    SIGNALS = tuple(
        s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None), signal.SIGINT) if s
    )  # SIGINT: Ctrl+C in the terminal that started it (run.sh on a virtual screen says to press it)

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.app = app
        self._reader, self._writer = socket.socketpair()
        for sock in (self._reader, self._writer):
            sock.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno(), warn_on_full_buffer=False)
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)
        self._previous = {sig: signal.signal(sig, self._handle) for sig in self.SIGNALS}

    def _drain(self) -> None:
        try:
            while self._reader.recv(64):
                pass
        except OSError:  # empty: BlockingIOError
            pass

    def _handle(self, signum: int, _frame: object) -> None:
        log.info("%s received: closing as if the window was closed", signal.Signals(signum).name)
        QTimer.singleShot(0, self.app.quit)

    def uninstall(self) -> None:
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)
        signal.set_wakeup_fd(self._previous_fd)
        self._notifier.setEnabled(False)
        self._reader.close()
        self._writer.close()


def run_app(args: argparse.Namespace) -> int:
    app = make_application()
    quit_on_signals = QuitOnSignals(app)
    session = Session(app, args)
    session.start()
    quit_after = getattr(args, "quit_after", None)
    if quit_after:
        QTimer.singleShot(int(quit_after * 1000), app.quit)
    try:
        return app.exec()
    finally:
        quit_on_signals.uninstall()
