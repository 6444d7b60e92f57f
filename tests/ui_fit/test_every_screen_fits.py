"""Every screen of the shell fits 1024x768, 1280x800 and 1920x1080 with the demo pharmacy on screen.

The shell is signed in as the role that sees each screen (the account `pharmacy-desktop screenshots`
uses), every screen of the registry is shown and settled, and :func:`find_clipping` must find no text
a person cannot read whole and no sideways scroll bar. The demo is loaded once per module into a
copy of the worker's demo template (30 patients: every queue has rows). One shell per role and size
is built and each test shows its screen in it (tests/shell/windows.SharedShells): building a whole
shell cost ~10 s a test; a failure still names the screen and the size.
"""

from __future__ import annotations

import pytest

from pharmacy_desktop.config import Config
from pharmacy_desktop.services import auth
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.fit_check import find_clipping
from pharmacy_desktop.ui.screens.registry import screen_classes
from pharmacy_desktop.ui.screenshots import first_role, settle
from tests.shell.windows import SharedShells

pytestmark = [pytest.mark.ui, pytest.mark.db]

SIZES = ((1024, 768), (1280, 800), (1920, 1080))
WORKSTATION = "fit-ws"


@pytest.fixture(scope="module")
def demo(demo_module_url):
    """(uow_factory, url) over the module's copy of the demo pharmacy (read only here)."""
    from pharmacy_desktop.db.engine import make_engine, make_session_factory
    from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory

    engine = make_engine(demo_module_url)
    yield UnitOfWorkFactory(make_session_factory(engine), workstation=WORKSTATION), demo_module_url
    engine.dispose()


@pytest.fixture(scope="module")
def accounts(demo):
    from pharmacy_desktop.cli.screenshots import active_accounts, roles_with

    factory = demo[0]
    return active_accounts(factory), lambda permission: roles_with(factory, permission)


@pytest.fixture(scope="module")
def demo_context(qapp, demo):
    from pharmacy_desktop.ui.scanner import ScannerFilter

    factory, url = demo
    scanner = ScannerFilter()
    context = AppContext(
        uow_factory=factory, config=Config(workstation_name=WORKSTATION), workstation=WORKSTATION, database_url=url
    )
    context.scanner = scanner
    yield context
    scanner.deleteLater()


@pytest.fixture(scope="module")
def shells(module_look, demo_context):
    with SharedShells(demo_context) as shells:
        yield shells


def open_shell(qtbot, shells, accounts, cls, size):
    """The shell at ``size``, signed in as the role that sees ``cls``, showing it, settled."""
    ids, roles_with = accounts
    role = cls.screenshot_role or first_role(roles_with, cls.permission)
    actor = auth.actor_for(shells.context.uow_factory, ids[role], shells.context.workstation)
    window = shells.get(qtbot, actor, size)
    screen = window.screen_of(cls)
    assert window.show_screen(screen)
    settle()
    return window, screen


def assert_fits(window, size, what: str) -> None:
    settle(minimum=0.1)
    assert (window.width(), window.height()) == size, f"{what} pushed the window to {window.width()}x{window.height()}"
    clips = find_clipping(window)
    assert not clips, f"{what} at {size[0]}x{size[1]}:\n" + "\n".join(str(c) for c in clips)


def _size_id(size):
    return f"{size[0]}x{size[1]}"


# by size, then screen: the shells of one size at a time (SharedShells), one test id per screen and size;
# under xdist the tests of a size stay on one worker (else both build every shell of it)
CASES = [
    pytest.param(
        cls,
        size,
        id=f"{cls.screenshot_name()}-{_size_id(size)}",
        marks=pytest.mark.xdist_group(f"fit-{_size_id(size)}"),
    )
    for size in SIZES
    for cls in screen_classes()
]


@pytest.mark.parametrize(("cls", "size"), CASES)
def test_every_screen_fits(qtbot, shells, accounts, cls, size):
    window, screen = open_shell(qtbot, shells, accounts, cls, size)
    screen.prepare_screenshot()
    assert_fits(window, size, cls.__name__)
