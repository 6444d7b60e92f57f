"""The Qt screenshot renderer: every screen of the shell (and sign-in, first run, lock screen) as PNGs.

`pharmacy-desktop screenshots DIR` (cli/screenshots.py) builds the context from the composition root
and the list of accounts to sign in as, then calls :func:`render_screenshots`.
"""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, QThreadPool
from PySide6.QtWidgets import QApplication, QWidget

from pharmacy_desktop.services import auth
from pharmacy_desktop.ui.context import AppContext

ROLE_PREFERENCE = ("pharmacist", "technician", "manager", "admin")


def settle(timeout: float = 15.0, minimum: float = 0.4) -> None:
    """Process events until every background operation has delivered (screens load off the GUI thread)."""
    app = QCoreApplication.instance()
    if app is None:  # no application: nothing to process
        return
    pool = QThreadPool.globalInstance()
    start = time.monotonic()
    quiet_since = None
    while time.monotonic() - start < timeout:
        app.processEvents()
        relay = app.findChild(QObject, "pharmacy_desktop.ops.relay")
        busy = pool.activeThreadCount() > 0 or bool(getattr(relay, "pending", None))
        now = time.monotonic()
        if busy:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = now
        elif now - quiet_since > 0.25 and now - start > minimum:
            return
        time.sleep(0.02)


def first_role(roles_with: Callable[[str], set[str]], permission: str | None) -> str:
    """The preferred role that holds ``permission`` (the account a screen is shown as)."""
    if permission is None:
        return ROLE_PREFERENCE[0]
    roles = roles_with(permission)
    return next((r for r in ROLE_PREFERENCE if r in roles), ROLE_PREFERENCE[0])


def render_screenshots(
    context: AppContext,
    out_dir: Path,
    size: tuple[int, int] = (1280, 800),
    *,
    accounts: Mapping[str, uuid.UUID],
    roles_with: Callable[[str], set[str]],
    only: list[str] | None = None,
) -> list[Path]:
    """Every registered screen of the shell (and sign-in, first run, lock screen) as DIR/<name>.png.

    ``accounts``: role -> an active account of that role; ``roles_with(permission)``: the roles holding it.
    """
    from pharmacy_desktop.ui.app import default_screens, make_application
    from pharmacy_desktop.ui.main_window import MainWindow
    from pharmacy_desktop.ui.signin_window import SignInWindow

    make_application()
    out_dir.mkdir(parents=True, exist_ok=True)
    uow_factory = context.uow_factory

    def wanted(name: str) -> bool:
        return not only or name in only

    written: list[Path] = []

    def grab(widget: QWidget, name: str) -> None:
        settle()
        path = out_dir / f"{name}.png"
        widget.grab().save(str(path))
        written.append(path)

    if wanted("signin"):
        window = SignInWindow(context)
        window.resize(*size)
        window.show()
        settle()
        window.pages.setCurrentWidget(window.panel)
        window.panel.username.setText("rph")
        window.panel.password.setFocus()
        grab(window, "signin")
        window.close()
    if wanted("first-run"):
        window = SignInWindow(context)
        window.resize(*size)
        window.show()
        settle()
        window.pages.setCurrentWidget(window.first_run)
        for name, value in (
            ("name", "Riverside Community Pharmacy"),
            ("address_line1", "120 Main Street"),
            ("city", "Springfield"),
            ("state", "IL"),
            ("zip_code", "62701"),
            ("phone", "(217) 555-0142"),
            ("ncpdp", "1456789"),
            ("first_name", "Alex"),
            ("last_name", "Morgan"),
            ("email", "alex@riverside-pharmacy.example"),
            ("username", "amorgan"),
        ):
            window.first_run.inputs[name].setText(value)
        grab(window, "first-run")
        window.close()

    classes = default_screens()
    for cls in classes:
        name = cls.screenshot_name()
        if not wanted(name) and not (name == "shell-home" and wanted("lock-screen")):
            continue
        role = cls.screenshot_role or first_role(roles_with, cls.permission)
        if role not in accounts:
            print(f"skipped {name}: no active {role} account (pharmacy-desktop users create ...)", file=sys.stderr)
            continue
        actor = auth.actor_for(uow_factory, accounts[role], context.workstation)
        shell = MainWindow(context, actor, classes)
        shell.set_database_connected(True)
        shell.resize(*size)
        shell.show()
        screen = shell.screen_of(cls)
        shell.show_screen(screen)
        settle()
        screen.prepare_screenshot()
        if wanted(name):
            grab(shell, name)
        if name == "shell-home" and wanted("lock-screen"):
            shell.lock("screenshot", record=False)
            grab(shell, "lock-screen")
        shell.close()
        shell.deleteLater()
        QApplication.processEvents()
    return written
