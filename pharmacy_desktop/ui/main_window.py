"""The shell: navigation, who is acting, lock, status bar. Screens are their own modules.

A screen is built the first time it is shown (``ui/screen_set.py``): the navigation, the keys and the
F1 help read the classes; counts of a screen not built yet come from ``Screen.nav_count`` on a pool
thread. ``window.screens`` builds them all (for tests and tools); the app never touches it."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.services import auth, health
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.database_watch import OVERDUE_AFTER_MS, PROBE_EVERY_MS, DatabaseWatch
from pharmacy_desktop.ui.display import HELP as DISPLAY_HELP
from pharmacy_desktop.ui.display import DisplayControl
from pharmacy_desktop.ui.icons import icon
from pharmacy_desktop.ui.idle import IdleWatcher
from pharmacy_desktop.ui.ops import run_in_background
from pharmacy_desktop.ui.scan_dispatch import ScanFeedback
from pharmacy_desktop.ui.screen_set import NavCounts, ScreenKeys, ScreenSet, may_open
from pharmacy_desktop.ui.screens.base import Screen
from pharmacy_desktop.ui.sidebar import SCREEN_ROLE, Sidebar
from pharmacy_desktop.ui.signin import LockScreen
from pharmacy_desktop.ui.status_bar import (
    CHANGE_TOPICS,
    BusyStatus,
    DatabaseStatus,
    IdentityStatus,
    ScannerStatus,
    ShellStatusBar,
    StatusPill,
    database_host,
    printers_pill,
)
from pharmacy_desktop.ui.theme import title_font

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    signed_out = Signal()
    lock_changed = Signal(bool)  # True when the lock screen covers the work

    def __init__(
        self,
        context: AppContext,
        actor: Actor,
        screen_classes: Sequence[type[Screen]],
        parent: QWidget | None = None,
        *,
        idle_ms: int | None = None,
        database_check_ms: int = PROBE_EVERY_MS,
        database_overdue_ms: int = OVERDUE_AFTER_MS,
    ):
        super().__init__(parent)
        self.context = context
        self.actor = actor
        self.setWindowTitle("Pharmacy")
        self.setObjectName("mainWindow")
        self._screens = ScreenSet(screen_classes, self._build_screen)
        self._nav_counts = NavCounts(self._screens, context, actor, self)
        self._nav_counts.counted.connect(self.refresh_nav_counts)
        self._locked = False
        self._hidden_dialogs: list[QDialog] = []

        # header: screen title, who is acting, lock
        self.screen_title = QLabel()
        self.screen_title.setObjectName("screenTitle")
        self.user_badge = QLabel()
        self.user_badge.setObjectName("userBadge")
        self.lock_button = QPushButton(icon("lock"), "Lock (F12)")
        self.lock_button.setObjectName("lockButton")
        self.lock_button.clicked.connect(lambda: self.lock("button"))
        self.sign_out_button = QPushButton(icon("sign_out"), "Sign out")
        self.sign_out_button.clicked.connect(self.sign_out)
        header = QFrame()
        header.setObjectName("header")
        header_layout = QHBoxLayout(header)
        header_layout.addWidget(self.screen_title, 1)
        header_layout.addWidget(self.user_badge)
        header_layout.addWidget(self.lock_button)
        header_layout.addWidget(self.sign_out_button)

        self.nav = Sidebar()  # the app's font, an icon, the name and count, the key at the right edge
        self.nav.currentRowChanged.connect(self._nav_changed)
        self.stack = QStackedWidget()
        self.scan_feedback = ScanFeedback()

        work = QWidget()
        work_layout = QVBoxLayout(work)
        work_layout.setContentsMargins(0, 0, 0, 0)
        work_layout.addWidget(self.scan_feedback)
        work_layout.addWidget(self.stack, 1)
        body = QWidget()
        body_layout = QHBoxLayout(body)
        body_layout.setContentsMargins(0, 0, 0, 0)
        body_layout.addWidget(self.nav)
        body_layout.addWidget(work, 1)
        workspace = QWidget()
        workspace_layout = QVBoxLayout(workspace)
        workspace_layout.setContentsMargins(6, 6, 6, 6)
        workspace_layout.addWidget(header)
        workspace_layout.addWidget(body, 1)

        self._lock_screen: LockScreen | None = None  # built at the first lock (lock_screen)
        self.layers = QStackedWidget()
        self.layers.addWidget(workspace)
        self.setCentralWidget(self.layers)

        self.busy = BusyStatus()
        self.database_status = DatabaseStatus(host=database_host(context.database_url))
        self.database_status.reconnected.connect(self._catch_up)
        self.database_watch: DatabaseWatch | None = None
        if database_check_ms > 0:
            uow_factory = context.uow_factory
            self.database_watch = DatabaseWatch(
                lambda: health.database_answers(uow_factory),
                self,
                every_ms=database_check_ms,
                overdue_ms=database_overdue_ms,
            )
            self.database_watch.answered.connect(self.database_status.set_answers_ok)
            self.database_watch.start()
        configured = sorted(role for role in context.config.printers if context.config.printer(role))
        self.printer_status = printers_pill(configured)
        self.scanner_status = ScannerStatus()  # only on a screen where a scan means something
        self.workstation_label = IdentityStatus()  # who, as what, where
        bar = ShellStatusBar()  # the pills' words shorten to fit a narrow window, never elided
        self.setStatusBar(bar)
        bar.busy = self.busy
        bar.addWidget(self.scanner_status)
        bar.addWidget(self.database_status)
        bar.addWidget(self.printer_status)
        bar.addPermanentWidget(self.busy)
        bar.addPermanentWidget(self.workstation_label)
        self.display = DisplayControl(self)  # Ctrl+= / Ctrl+- / Ctrl+0, Ctrl+Alt+H: this user's look
        self.display.changed.connect(self.look_changed)
        self.screen_title.setFont(title_font(self.screen_title))

        self._install_shortcuts()
        self._apply_actor()

        # idle lock: any key, click or wheel in any of the application's windows restarts the countdown
        self.idle: IdleWatcher | None = None
        if idle_ms:
            self.idle = IdleWatcher(idle_ms, self)
            self.idle.idle.connect(lambda: self.lock("idle"))
            self.idle.watch()  # on the windows, not the application (ui/idle.py)
            self.idle.start()

    # -- BusyIndicatorProvider ----------------------------------------------------------------

    def busy_indicator(self) -> BusyStatus:
        return self.busy

    # -- screens, built when first needed -------------------------------------------------------

    @property
    def screens(self) -> list[Screen]:
        """Every screen, built now if not yet: for tests and tools (the app builds each on first show)."""
        return self._screens.all()

    @property
    def screen_classes(self) -> list[type[Screen]]:
        return list(self._screens.classes)

    def screen_of(self, cls: type[Screen]) -> Screen:
        """The screen of class ``cls`` (built now if it was not yet)."""
        return self._screens.get(self._screens.index_of(cls))

    def built_screens(self) -> list[Screen]:
        """The screens built so far (a change notice, a new user or the sign-out reaches these)."""
        return self._screens.instances()

    def _build_screen(self, cls: type[Screen]) -> Screen:
        screen = cls(self.context, self.actor, self.stack)  # made in place: styled once, not again when moved
        screen.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)  # until shown
        self.stack.addWidget(screen)
        screen.set_actor(self.actor)  # as the shell did to every screen after building them all
        return screen

    # -- navigation ---------------------------------------------------------------------------

    def _may_open(self, cls: type[Screen]) -> bool:
        return may_open(cls, self.actor)

    def _visible_indexes(self) -> list[int]:
        return [i for i, cls in enumerate(self._screens.classes) if self._may_open(cls)]

    def visible_screens(self) -> list[Screen]:
        """The screens this user may open, built (for tests, tools and ``Screen.shell_screens``)."""
        return [self._screens.get(i) for i in self._visible_indexes()]

    def _apply_actor(self) -> None:
        self.display.for_user(self.actor.username)
        self.workstation_label.set_identity(self.actor.display_name, self.actor.role_title, self.context.workstation)
        self.user_badge.setText(f"<b>{self.actor.display_name}</b> · {self.actor.role_title}")
        self.user_badge.setToolTip(f"Signed in as {self.actor.username} on {self.actor.workstation}")
        current = self.current_screen()
        for screen in self._screens.instances():
            screen.set_actor(self.actor)
        self._nav_counts.for_actor(self.actor)
        visible = self._visible_indexes()
        classes, counts = self._screens.classes, self._nav_counts
        self.nav.set_entries([(self._nav_title(classes[i]), counts.count_of(i), classes[i].key, i) for i in visible])
        current_index = self._screens.index_of(current) if current is not None else None
        target = current_index if current_index in visible else (visible[0] if visible else None)
        if target is not None:
            self._show_index(target)

    @staticmethod
    def _nav_title(screen: Screen | type[Screen]) -> str:
        return screen.title.split(" — ")[0]  # "Intake — new prescription": the header shows the rest

    def refresh_nav_counts(self) -> None:
        for row in range(self.nav.count()):
            index = self.nav.item(row).data(SCREEN_ROLE)
            self.nav.set_count(row, self._nav_title(self._screens.classes[index]), self._nav_counts.count_of(index))

    def look_changed(self) -> None:
        """Another theme or zoom: icons in the new colours and sizes, the sidebar as wide as its entries."""
        self.nav.refresh_icons()  # the screen title's own font follows by itself (theme.apply_look)
        self.lock_button.setIcon(icon("lock"))
        self.sign_out_button.setIcon(icon("sign_out"))
        bar = self.statusBar()
        for pill in bar.findChildren(StatusPill):
            pill.refresh_icon()
        if isinstance(bar, ShellStatusBar):
            bar.fit()  # the words' widths at the new size

    def _nav_changed(self, row: int) -> None:
        if row < 0:
            return
        self._show_index(self.nav.item(row).data(SCREEN_ROLE))

    def show_screen(self, screen: Screen | type[Screen]) -> bool:
        """Show a screen (or the screen of a class, built now if it was not yet)."""
        try:
            index = self._screens.index_of(screen)
        except ValueError:
            return False
        return self._show_index(index)

    def _show_index(self, index: int) -> bool:
        if self._locked or not self._may_open(self._screens.classes[index]):
            return False
        screen = self._screens.get(index)
        for other in self._screens.instances():
            # only the screen on show sets the window's minimum size: a hidden wide screen (the audit
            # trail) must not push the window past a 1280-pixel counter display
            policy = QSizePolicy.Policy.Preferred if other is screen else QSizePolicy.Policy.Ignored
            other.setSizePolicy(policy, policy)
        self.stack.setCurrentWidget(screen)
        self.screen_title.setText(f"{screen.title}")
        for row in range(self.nav.count()):
            if self.nav.item(row).data(SCREEN_ROLE) == index:
                self.nav.blockSignals(True)
                self.nav.setCurrentRow(row)
                self.nav.blockSignals(False)
        self._update_screen_shortcuts()
        self.scanner_status.set_scan_screen(type(screen).handle_scan is not Screen.handle_scan)
        screen.activate()
        return True

    def current_screen(self) -> Screen | None:
        if self._locked:
            return None
        widget = self.stack.currentWidget()
        return widget if isinstance(widget, Screen) else None

    def scan_target(self) -> object | None:
        """For the scan dispatcher: the lock screen takes badge scans while locked."""
        return self.lock_screen if self._locked else self.current_screen()

    def _install_shortcuts(self) -> None:
        self._screen_keys = ScreenKeys(self, self._screens.classes, self._show_index)
        lock = QShortcut(QKeySequence("F12"), self)
        lock.setContext(Qt.ShortcutContext.ApplicationShortcut)
        lock.activated.connect(lambda: self.lock("F12"))
        help_ = QShortcut(QKeySequence("F1"), self)
        help_.setContext(Qt.ShortcutContext.ApplicationShortcut)
        help_.activated.connect(self.show_help)
        self._shortcuts = [*self._screen_keys.shortcuts, lock, help_]

    def _update_screen_shortcuts(self) -> None:
        self._screen_keys.update(self.stack.currentWidget(), self.actor)

    def show_help(self) -> None:
        lines = ["<b>Screens</b>"]
        for index in self._visible_indexes():
            cls = self._screens.classes[index]
            lines.append(f"{cls.key} — {cls.title}")
        lines += ["F12 — lock / switch user", "F1 — this help"]
        lines += [f"{k} — {v}" for k, v in DISPLAY_HELP]
        current = self.current_screen()
        if current is not None and current.help_keys:
            lines.append(f"<br><b>{current.title}</b>")
            lines += [f"{k} — {v}" for k, v in current.help_keys]
        box = QMessageBox(QMessageBox.Icon.Information, "Keys", "<br>".join(lines), QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    # -- lock, switch, sign-out ---------------------------------------------------------------

    @property
    def locked(self) -> bool:
        return self._locked

    @property
    def lock_screen(self) -> LockScreen:
        """What covers the work while locked, built the first time it is needed (not with the shell)."""
        if self._lock_screen is None:
            self._lock_screen = LockScreen(self.context)
            self._lock_screen.resumed.connect(self._resumed)
            self._lock_screen.switched.connect(self._switched)
            self.layers.addWidget(self._lock_screen)
        return self._lock_screen

    def set_idle_timeout(self, ms: int) -> None:
        """A new idle-lock time from the settings, effective at once."""
        if self.idle is not None:
            self.idle.set_timeout(ms)

    def lock(self, reason: str = "idle", *, record: bool = True) -> None:
        if self._locked:
            return
        self._cover()
        self.lock_screen.lock_for(self.actor)
        if record:
            actor = self.actor
            run_in_background(
                self,
                lambda: auth.record_lock(self.context.uow_factory, actor, reason),
                lambda _: None,
                lambda exc: log.warning("lock not recorded: %s", exc),
            )

    def _cover(self) -> None:
        """Hide the work (and any dialog of it, which may show patient data) behind the lock screen."""
        self._locked = True
        self._focus_before_lock = QApplication.focusWidget()
        self._hidden_dialogs = [d for d in self.findChildren(QDialog) if d.isVisible()]
        for dialog in self._hidden_dialogs:
            dialog.hide()
        self.layers.setCurrentWidget(self.lock_screen)
        if self.idle is not None:
            self.idle.stop()
        self.lock_changed.emit(True)

    def _uncover(self) -> None:
        self._locked = False
        self.layers.setCurrentIndex(0)
        for dialog in self._hidden_dialogs:
            dialog.show()
        self._hidden_dialogs = []
        if self.idle is not None:
            self.idle.start()
        self.lock_changed.emit(False)

    def _resumed(self, actor: Actor) -> None:
        self._uncover()
        focus = getattr(self, "_focus_before_lock", None)
        screen = self.current_screen()
        if focus is not None and screen is not None and screen.isAncestorOf(focus):
            focus.setFocus()
        elif screen is not None:
            screen.setFocus()

    def _switched(self, actor: Actor) -> None:
        self.actor = actor
        self._uncover()
        self._apply_actor()

    def sign_out(self) -> None:
        actor = self.actor
        for screen in self._screens.instances():
            screen.clear_sensitive()
        self._cover()
        self.lock_screen.lock_for(None)
        run_in_background(
            self,
            lambda: auth.sign_out(self.context.uow_factory, actor),
            lambda _: self.signed_out.emit(),
            lambda exc: log.warning("sign-out not recorded: %s", exc),
        )

    # -- change notices and status --------------------------------------------------------------

    def on_change(self, notice: dict[str, Any]) -> None:
        """A change notice reaches the screens built so far; the counts of the others are counted again."""
        for screen in self._screens.instances():
            try:
                screen.on_change(notice)
            except Exception:
                log.exception("screen %s failed on a change notice", type(screen).__name__)
        self.refresh_nav_counts()
        self._nav_counts.count_soon()

    def set_database_connected(self, ok: bool) -> None:
        """From the change listener: its connection is up (True) or broke and is being retried."""
        self.database_status.set_listener_ok(ok)

    def _catch_up(self) -> None:
        """Back after an outage: change notices sent meanwhile never reached this workstation (a
        listener only hears what is sent while it listens), so every screen hears of every topic
        and reloads what it shows, as if each had changed."""
        for topic in CHANGE_TOPICS:
            self.on_change({"topic": topic, "reconnected": True})

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if self.database_watch is not None:
            self.database_watch.stop()
        super().closeEvent(event)

    def set_printer_state(self, ok: bool | None, detail: str) -> None:
        self.printer_status.set_state("Printers", ok, detail)
