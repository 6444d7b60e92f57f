"""The window part of `pharmacy-desktop --self-test` (pharmacy_desktop/self_test.py): the sign-in
window and the main window offscreen, every screen of ui/screens/registry.py shown and rendered as
an account of a role allowed to open it. A screen fails when its rendering is empty, or when an
error is logged or raised (a background load, a slot) while it is shown."""

from __future__ import annotations

import logging
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QWidget

from pharmacy_desktop import paths
from pharmacy_desktop.services import auth
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.screenshots import ROLE_PREFERENCE, first_role, settle

if TYPE_CHECKING:
    from pharmacy_desktop.app import Application
    from pharmacy_desktop.self_test import Report
    from pharmacy_desktop.ui.screens.base import Screen

SIZE = (1280, 800)


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        reason = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            reason += f": {type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
        self.messages.append(reason)


@contextmanager
def _watching() -> Iterator[_Errors]:
    """Errors logged, or raised in Qt slots (sys.excepthook), while the block runs."""
    errors = _Errors()
    root = logging.getLogger()
    root.addHandler(errors)
    previous = sys.excepthook

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        errors.messages.append(f"{kind.__name__}: {exc}")

    sys.excepthook = hook
    try:
        yield errors
    finally:
        sys.excepthook = previous
        root.removeHandler(errors)


def _rendered(widget: QWidget, png: Path) -> None:
    settle()
    image = widget.grab().toImage()
    image.save(str(png))  # kept with the folder (PHARMACY_SELF_TEST_KEEP, or a failure) for a look
    if image.isNull() or image.width() < 200 or image.height() < 200:
        raise RuntimeError(f"rendered {image.width()}x{image.height()}")
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    if len(colours) < 3:
        raise RuntimeError("rendered a blank window")


def _check(report: Report, check: str, step: object) -> None:
    with _watching() as errors:
        try:
            step()  # type: ignore[operator]
        except Exception as exc:
            errors.messages.append(f"{type(exc).__name__}: {exc}")
        QApplication.processEvents()
    if errors.messages:
        report.fail(check, "; ".join(dict.fromkeys(errors.messages)))
    else:
        report.ok(check)


def _accounts(context: AppContext) -> tuple[dict[str, uuid.UUID], dict[str, set[str]]]:
    """role -> the first active account of it; role -> its permissions."""
    accounts: dict[str, uuid.UUID] = {}
    permissions: dict[str, set[str]] = {}
    with context.uow_factory() as uow:
        for user in uow.users.list_active():
            accounts.setdefault(user.role, user.id)
        for role in ROLE_PREFERENCE:
            permissions[role] = set(uow.users.permissions_of_role(role))
    return accounts, permissions


def _qt_to_log(kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
    """Qt's own messages into the log file, not between the check lines (the offscreen platform's
    'does not support propagateSizeHints()' on every window)."""
    level = logging.ERROR if kind in (QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg) else logging.DEBUG
    logging.getLogger("qt").log(level, "%s", message)


def check_screens(application: Application, report: Report, shots: Path) -> None:
    from pharmacy_desktop.ui.app import default_screens, make_application
    from pharmacy_desktop.ui.main_window import MainWindow
    from pharmacy_desktop.ui.signin_window import SignInWindow

    qInstallMessageHandler(_qt_to_log)
    shots.mkdir(parents=True, exist_ok=True)
    app = make_application(["pharmacy-desktop"])
    icon = QIcon(str(paths.icon_path()))
    if icon.isNull():
        report.fail("application icon", f"cannot read {paths.icon_path().name}")
    else:
        app.setWindowIcon(icon)
        report.ok("application icon")
    context = AppContext.from_application(application)

    def signin() -> None:
        window = SignInWindow(context)
        window.resize(*SIZE)
        window.show()
        try:
            _rendered(window, shots / "signin.png")
        finally:
            window.close()
            window.deleteLater()

    _check(report, "sign-in window", signin)

    classes = default_screens()
    accounts, permissions = _accounts(context)
    by_role: dict[str, list[type[Screen]]] = {}
    for cls in classes:
        role = cls.screenshot_role or first_role(
            lambda p: {r for r, ps in permissions.items() if p in ps}, cls.permission
        )
        by_role.setdefault(role, []).append(cls)
    for role, wanted in by_role.items():
        if role not in accounts:
            for cls in wanted:
                report.fail(f"screen {cls.screenshot_name()}", f"no active {role} account")
            continue
        actor = auth.actor_for(context.uow_factory, accounts[role], context.workstation)
        shell = MainWindow(context, actor, classes)
        shell.set_database_connected(True)
        shell.resize(*SIZE)
        shell.show()
        for cls in wanted:
            screen = shell.screen_of(cls)

            def show(screen: Screen = screen, png: Path = shots / f"{cls.screenshot_name()}.png") -> None:
                if shell.show_screen(screen) is False:
                    raise RuntimeError("the main window refused to show it")
                _rendered(shell, png)

            _check(report, f"screen {cls.screenshot_name()} (as {role})", show)
        shell.close()
        shell.deleteLater()
        QApplication.processEvents()
    settle()
