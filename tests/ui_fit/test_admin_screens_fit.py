"""The admin screens (users, audit trail, settings with each of its tabs), the sign-in window, the
first pharmacy form and the first-run wizard's pages fit 1024x768, 1280x800 and 1920x1080 with the
demo pharmacy: nothing clipped, no sideways scroll bar (ui/fit_check.find_clipping), and the
screen does not push the window wider than the display.

The shell is resized to the size again once the screen is shown: what another screen shown first
does to the window (home, the shell's chrome) is tests/ui_fit/test_every_screen_fits.py's business.
The admin screens of one size share a shell per role (tests/shell/windows.SharedShells): ``size`` is a
module-scoped parameter there, so they run size by size (under xdist a size's on one worker).
"""

from __future__ import annotations

import pytest

from pharmacy_desktop.config import Config
from pharmacy_desktop.services import auth
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.fit_check import find_clipping
from pharmacy_desktop.ui.screens.audit import AuditScreen
from pharmacy_desktop.ui.screens.settings import SettingsScreen
from pharmacy_desktop.ui.screens.users import UsersScreen
from pharmacy_desktop.ui.screenshots import settle
from tests.shell.windows import SharedShells
from tests.ui_fit.states import demo_factory, size_params

pytestmark = [pytest.mark.ui, pytest.mark.db]

SIZES = ((1024, 768), (1280, 800), (1920, 1080))
WORKSTATION = "fit-admin-ws"
ROLE = {UsersScreen: "admin", AuditScreen: "manager", SettingsScreen: "admin"}


@pytest.fixture(scope="module")
def demo(demo_module_url):
    with demo_factory(demo_module_url, WORKSTATION) as demo:
        yield demo


@pytest.fixture(scope="module")
def demo_context(qapp, demo):
    from pharmacy_desktop.demo import DEMO_PASSWORDS
    from pharmacy_desktop.ui.scanner import ScannerFilter

    factory, url = demo
    scanner = ScannerFilter()
    context = AppContext(
        uow_factory=factory,
        config=Config(workstation_name=WORKSTATION),
        workstation=WORKSTATION,
        database_url=url,
        demo_accounts=tuple(DEMO_PASSWORDS.items()),
    )
    context.scanner = scanner
    yield context
    scanner.deleteLater()


@pytest.fixture(scope="module")
def shells(module_look, demo_context):
    with SharedShells(demo_context) as shells:
        yield shells


@pytest.fixture(scope="module", params=size_params(SIZES, "admin-fit"))
def shell_size(request) -> tuple[int, int]:
    return request.param


def clipped(window) -> str:
    return "\n".join(str(c) for c in find_clipping(window))


def at(window, size) -> None:
    window.resize(*size)
    settle(minimum=0.1)
    assert (window.width(), window.height()) == size, f"pushed to {window.width()}x{window.height()}"


@pytest.mark.parametrize("cls", [UsersScreen, AuditScreen, SettingsScreen], ids=lambda c: c.__name__)
def test_admin_screen_fits(qtbot, shells, cls, shell_size):
    from pharmacy_desktop.cli.screenshots import active_accounts

    size = shell_size
    factory = shells.context.uow_factory
    actor = auth.actor_for(factory, active_accounts(factory)[ROLE[cls]], WORKSTATION)
    window = shells.get(qtbot, actor, size)
    screen = window.screen_of(cls)
    assert window.show_screen(screen)
    settle()
    at(window, size)
    pages = range(screen.tabs.count()) if isinstance(screen, (AuditScreen, SettingsScreen)) else [None]
    problems = []
    for page in pages:
        if page is not None:
            screen.tabs.setCurrentIndex(page)
            settle(minimum=0.1)
        at(window, size)
        if found := clipped(window):
            problems.append(f"{cls.__name__} tab {page}:\n{found}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_sign_in_and_first_pharmacy_fit(qtbot, app_look, demo_context, size):
    from pharmacy_desktop.ui.signin_window import SignInWindow

    window = SignInWindow(demo_context)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    settle()
    problems = []
    for page in (window.panel, window.first_run):
        window.pages.setCurrentWidget(page)
        at(window, size)
        if found := clipped(window):
            problems.append(f"{type(page).__name__}:\n{found}")
    # the demo accounts sit beside the sign-in, not far below it
    window.pages.setCurrentWidget(window.panel)
    settle(minimum=0.1)
    note = window.demo_accounts
    assert note is not None and note.isVisible()
    panel_bottom = window.panel.mapTo(window, window.panel.rect().bottomLeft()).y()
    note_top = note.mapTo(window, note.rect().topLeft()).y()
    assert note_top - panel_bottom < size[1] // 4, (
        f"the demo accounts sit {note_top - panel_bottom} px below the sign-in"
    )
    window.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_first_run_wizard_pages_fit(qtbot, app_look, qapp, size):
    from pharmacy_desktop.ui.first_run import FirstRunWizard

    wizard = FirstRunWizard()
    qtbot.addWidget(wizard)
    wizard.resize(*size)
    wizard.show()
    problems = []
    for index in range(wizard.pages.count()):
        wizard.pages.setCurrentIndex(index)
        at(wizard, size)
        if found := clipped(wizard):
            problems.append(f"page {index}:\n{found}")
    wizard.close()
    assert not problems, "\n".join(problems)
