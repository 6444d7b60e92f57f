"""The GUI's composition root: start-up (database off the GUI thread), sign-in, the shell."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Sequence

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QLabel, QProgressBar, QVBoxLayout, QWidget

from pharmacy_desktop import config as config_mod
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.ops import run_in_background, user_message

log = logging.getLogger(__name__)
RESOURCES = Path(__file__).resolve().parents[2] / "resources"


def default_screens() -> list[type]:
    from pharmacy_desktop.ui.screens import registry

    return registry.screen_classes()


def make_application(argv: Sequence[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(list(argv or sys.argv[:1]))
    app.setApplicationName("pharmacy-desktop")
    app.setApplicationDisplayName("Pharmacy")
    app.setStyle("Fusion")
    font = QFont(app.font())
    if font.pointSizeF() < 11:
        font.setPointSizeF(11)  # readable at arm's length
    app.setFont(font)
    style = RESOURCES / "style.qss"
    if style.exists():
        app.setStyleSheet(style.read_text(encoding="utf-8"))
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


class Session(QObject):
    """Holds the running app: database, context, windows, scanner, idle lock, change listener."""

    def __init__(self, app: QApplication, args) -> None:
        super().__init__(app)
        self.app = app
        self.args = args
        self.config = config_mod.load()
        self.database = None
        self.context: AppContext | None = None
        self.window = None
        self.signin_window = None
        self.listener = None
        self.startup = StartupWindow()
        app.aboutToQuit.connect(self.shutdown)

    def start(self) -> None:
        self.startup.show()
        from pharmacy_desktop.bootstrap import open_database

        url = getattr(self.args, "database_url", None)
        run_in_background(self.startup, lambda: open_database(url, cfg=self.config), self._database_ready,
                          self._database_failed)

    def _database_failed(self, exc: Exception) -> None:
        self.startup.message.setText(
            f"The database could not be opened: {user_message(exc)}\n\n"
            "Check the database settings (pharmacy-desktop --database-url …) or the network, then start again."
        )
        self.startup.findChild(QProgressBar).hide()

    def _database_ready(self, database) -> None:
        from pharmacy_desktop.ui.changes import ChangeListener

        self.database = database
        self.context = AppContext(
            uow_factory=database.uow_factory,
            config=self.config,
            workstation=self.config.workstation_name,
            database_url=database.url,
        )
        self.listener = ChangeListener(database.url, self)
        self.listener.start()
        self.startup.hide()
        self._show_sign_in()

    def _show_sign_in(self) -> None:
        from pharmacy_desktop.ui.signin_window import SignInWindow

        self.signin_window = SignInWindow(self.context)
        self.signin_window.signed_in.connect(self._signed_in)
        self.signin_window.show()

    def _signed_in(self, actor: Actor) -> None:
        from pharmacy_desktop.ui.main_window import MainWindow
        from pharmacy_desktop.ui.idle import IdleWatcher
        from pharmacy_desktop.ui.scanner import ScanDispatcher, ScannerFilter, ScannerSettings

        self.window = MainWindow(self.context, actor, default_screens())
        self.listener.changed.connect(self.window.on_change)
        self.listener.connection_changed.connect(self.window.set_database_connected)
        self.window.set_database_connected(self.listener.connected)
        settings = ScannerSettings(max_gap_ms=self.config.scanner_gap_ms, min_length=self.config.scanner_min_length)
        self.scanner = ScannerFilter(settings, parent=self.app)
        self.scanner.install(self.app)
        self.dispatcher = ScanDispatcher(self.window.scan_target, self.window.scan_feedback, parent=self.window)
        self.dispatcher.connect_to(self.scanner)
        self.idle = IdleWatcher(int(self.config.idle_lock_minutes * 60_000), self.window)
        self.app.installEventFilter(self.idle)
        self.idle.idle.connect(lambda: self.window.lock("idle"))
        self.idle.start()
        self.window.resize(1400, 900)
        self.window.show()
        self.signin_window.close()

    def shutdown(self) -> None:
        if self.listener is not None:
            self.listener.stop()
        if self.database is not None:
            self.database.close()


def run_app(args) -> int:
    app = make_application()
    session = Session(app, args)
    session.start()
    quit_after = getattr(args, "quit_after", None)
    if quit_after:
        QTimer.singleShot(int(quit_after * 1000), app.quit)
    return app.exec()
