"""Accessibility of every screen in the shell, the sign-in and lock screens, the first-run wizard and
the dialogs (issue 18 item 4), with the application's own look (make_application):

- every interactive control has an accessible name a screen reader announces;
- every enabled control is reached by pressing Tab (a table swallowing Tab, a text box typing it, a
  control without Tab focus are not), and shows that it has the focus (painted differently);
- no status is colour alone: a coloured label always carries a word.

The checks live in ``pharmacy_desktop/ui/a11y_check.py``; a failure names the widget's path. The
screens are looked at in one shell per role over one database for the module
(tests/shell/windows.SharedShells); the lock screen and the dialogs get windows of their own.
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QWidget

from pharmacy_desktop.ui import a11y_check
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.scanner import ScannerFilter
from pharmacy_desktop.ui.screens.registry import screen_classes
from tests.intake.conftest import make_patient, meds, rx_form  # noqa: F401 - fixtures
from tests.shell.windows import SharedShells, module_world, open_shell, settle  # noqa: F401 - a fixture

pytestmark = [pytest.mark.ui, pytest.mark.db]

ROLES = ("pharmacist", "technician", "manager", "admin")
SHARED = pytest.mark.xdist_group("a11y-shells")  # under xdist the shared shells' tests on one worker


@pytest.fixture
def scanner(qapp):
    scanner = ScannerFilter()
    yield scanner
    scanner.deleteLater()


@pytest.fixture
def full_context(context, scanner) -> AppContext:
    context.scanner = scanner
    return context


def wait_loaded(qtbot) -> None:
    from pharmacy_desktop.ui.screenshots import settle as settle_background

    settle_background(timeout=10.0, minimum=0.1)
    settle()


def check_all(qtbot, root: QWidget, start: QWidget | None = None) -> list[str]:
    """Every accessibility failure under ``root`` (a screen, window or dialog), as readable lines."""
    problems = [f"no accessible name: {p}" for p in a11y_check.unnamed_controls(root)]
    start = start or next((w for w in a11y_check.controls(root) if w.isEnabled()), None)
    if start is not None:
        chain, traps = a11y_check.tab_chain(start)
        if a11y_check.unreachable_controls(root, chain):  # once round: what the first Tabs enabled (a row chosen)
            chain, traps = a11y_check.tab_chain(start)
        problems += [f"Tab stays on: {a11y_check.path_of(w, root)} ({type(w).__name__})" for w in traps]
        problems += [f"not reached by Tab: {p}" for p in a11y_check.unreachable_controls(root, chain)]
        reached = [w for w in chain if root is w or root.isAncestorOf(w)]
        elsewhere = next((w for w in chain if w not in reached), None) or _other(root, reached)
        if elsewhere is not None:
            for widget in a11y_check.focus_invisible(reached, elsewhere):
                problems.append(f"focus not visible: {a11y_check.path_of(widget, root)} ({type(widget).__name__})")
    problems += [f"status by colour alone: {p}" for p in a11y_check.colour_only_status(root)]
    return problems


def _other(root: QWidget, reached: list[QWidget]) -> QWidget | None:
    """A focusable widget of the same window outside ``reached`` (to take the focus away)."""
    window = root.window()
    for widget in window.findChildren(QWidget):
        if widget not in reached and widget.isVisible() and widget.isEnabled() and widget.focusPolicy():
            return widget
    return reached[0] if len(reached) > 1 else None


def role_for(actors, cls) -> str:
    return next(r for r in ROLES if cls.permission is None or actors[r].can(cls.permission))


@pytest.fixture(scope="module")
def shared(module_look, module_world):  # noqa: F811 - the imported fixture
    """(shells, actors): one shell per role over the module's database, one account per role."""
    context, actors = module_world
    with SharedShells(context) as shells:
        yield shells, actors


def shown(qtbot, shared, cls, role: str | None = None):
    """The shared shell of ``role`` (else the first role that sees ``cls``) showing ``cls``, loaded."""
    shells, actors = shared
    window = shells.get(qtbot, actors[role or role_for(actors, cls)])
    screen = window.screen_of(cls)
    assert window.show_screen(screen)
    wait_loaded(qtbot)
    return window, screen


@SHARED
@pytest.mark.parametrize("cls", screen_classes(), ids=lambda cls: cls.__name__)
def test_every_screen_is_named_reachable_and_focus_visible(qtbot, shared, cls):
    window, screen = shown(qtbot, shared, cls)
    problems = check_all(qtbot, screen)
    assert not problems, f"{cls.__name__}:\n" + "\n".join(problems)


@SHARED
def test_the_shell_navigation_is_named_and_reachable(qtbot, shared):
    from pharmacy_desktop.ui.screens.home import HomeScreen

    window, _ = shown(qtbot, shared, HomeScreen, "pharmacist")
    problems = [f"no accessible name: {p}" for p in a11y_check.unnamed_controls(window)]
    chain, traps = a11y_check.tab_chain(window.nav)
    assert not traps
    assert window.nav in chain
    problems += [f"status by colour alone: {p}" for p in a11y_check.colour_only_status(window)]
    assert not problems, "\n".join(problems)


def test_the_lock_screen(qtbot, app_look, full_context, actors):
    from pharmacy_desktop.ui.screens.home import HomeScreen

    window, _ = open_shell(qtbot, full_context, actors["pharmacist"], HomeScreen)
    window.lock("test", record=False)
    wait_loaded(qtbot)
    problems = check_all(qtbot, window.lock_screen)
    window.close()
    assert not problems, "\n".join(problems)


def _signin_window(qtbot, context):
    from pharmacy_desktop.ui.signin_window import SignInWindow

    window = SignInWindow(context)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    wait_loaded(qtbot)
    return window


def test_the_sign_in_window(qtbot, app_look, full_context, actors):
    window = _signin_window(qtbot, full_context)
    window.pages.setCurrentWidget(window.panel)
    settle()
    problems = check_all(qtbot, window.panel)
    window.close()
    assert not problems, "\n".join(problems)


def test_the_first_pharmacy_form(qtbot, app_look, full_context, actors):
    window = _signin_window(qtbot, full_context)
    window.pages.setCurrentWidget(window.first_run)
    settle()
    problems = check_all(qtbot, window.first_run)
    window.close()
    assert not problems, "\n".join(problems)


def test_the_first_run_wizard_pages(qtbot, app_look, qapp):
    from pharmacy_desktop.ui.first_run import FirstRunWizard

    wizard = FirstRunWizard()
    qtbot.addWidget(wizard)
    wizard.resize(1280, 800)
    with qtbot.waitActive(wizard):
        wizard.show()
        wizard.activateWindow()
    problems = []
    for index in range(wizard.pages.count()):
        wizard.pages.setCurrentIndex(index)
        settle()
        page = wizard.pages.currentWidget()
        problems += [f"page {index}: {p}" for p in check_all(qtbot, page)]
    wizard.close()
    assert not problems, "\n".join(problems)


def _show_dialog(qtbot, dialog) -> None:
    qtbot.addWidget(dialog)
    with qtbot.waitExposed(dialog):
        dialog.show()
    dialog.activateWindow()
    QApplication.processEvents()


def test_the_printer_finder_dialog(qtbot, app_look, qapp):
    from pharmacy_desktop.ui.widgets.first_run_printers import PrinterFinder

    finder = PrinterFinder("127.0.0.1/32", lambda role, uri: None)
    _show_dialog(qtbot, finder)
    problems = check_all(qtbot, finder)
    finder.reject()
    assert not problems, "\n".join(problems)


def test_the_override_dialog(qtbot, app_look, full_context, actors, meds, make_patient):  # noqa: F811 - fixtures
    import datetime as dt

    from PySide6.QtCore import Qt

    from pharmacy_desktop.services import intake
    from pharmacy_desktop.services.patients import AllergyEntry
    from pharmacy_desktop.ui.screens.review import ReviewScreen

    patient = make_patient(
        "Maria", "Garcia", dt.date(1961, 5, 17), allergies=(AllergyEntry("Penicillin", "drug", "Hives", "moderate"),)
    )
    intake.submit_prescription(
        full_context.uow_factory, actors["technician"], rx_form(patient.patient_id, meds["amoxicillin"])
    )
    window, screen = open_shell(qtbot, full_context, actors["pharmacist"], ReviewScreen)
    qtbot.waitUntil(lambda: screen.detail is not None and bool(screen.detail.open_alerts), timeout=15_000)
    alert = next(a for a in screen.detail.open_alerts if a.needs_override)
    screen.alerts.setCurrentRow(screen.detail.alerts.index(alert))
    screen.alerts.setFocus()
    qtbot.keyClick(screen.alerts, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: screen.override_dialog is not None and screen.override_dialog.isVisible(), timeout=15_000)
    dialog = screen.override_dialog
    settle()
    problems = check_all(qtbot, dialog)
    dialog.reject()
    window.close()
    assert not problems, "\n".join(problems)
