"""Every screen fits a 1280x800 display inside the shell: navigation (~250 px) beside the work area.

Measured with the application's own look (make_application: Fusion, an 11 pt base font), which is
what a counter workstation shows; Qt's smaller default font would hide a screen that is too wide.
The tests that only build screens share one database and its accounts (``module_world``).
Also checks, in the shell at 1280x800 with believable data, that the review queue and active
medications and the intake combo boxes are readable (the pictures: tests/intake/test_screenshots.py).
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics

from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.scanner import ScannerFilter
from pharmacy_desktop.ui.screens.intake import IntakeScreen
from pharmacy_desktop.ui.screens.registry import screen_classes
from pharmacy_desktop.ui.screens.review import ReviewScreen
from tests.intake.conftest import make_patient, meds  # noqa: F401 - fixtures
from tests.intake.counter_pharmacy import counter_pharmacy
from tests.shell.windows import DISPLAY, module_world, settle  # noqa: F401 - a fixture
from tests.shell.windows import open_shell as open_shell_at_display

pytestmark = [pytest.mark.ui, pytest.mark.db]

MAX_SCREEN_WIDTH = 1000
TIMEOUT = 10_000


@pytest.fixture
def scanner(qapp):
    """The scanner filter the app puts in the context (the settings screen shows its scanner test)."""
    scanner = ScannerFilter()
    yield scanner
    scanner.deleteLater()


@pytest.fixture
def full_context(context, scanner) -> AppContext:
    context.scanner = scanner
    return context


@pytest.mark.parametrize("cls", screen_classes(), ids=lambda cls: cls.__name__)
def test_every_screen_is_at_most_1000_px_wide(qtbot, app_look, module_world, cls):  # noqa: F811
    context, actors = module_world
    screen = cls(context, actors["admin"])
    qtbot.addWidget(screen)
    settle()
    assert screen.minimumSizeHint().width() <= MAX_SCREEN_WIDTH, (
        f"{cls.__name__} needs {screen.minimumSizeHint().width()} px: with the navigation beside it, "
        f"the shell no longer fits a {DISPLAY[0]} px wide display"
    )


def test_intake_stays_narrow_with_every_error_and_sent_back_prescriptions_shown(qtbot, app_look, module_world):  # noqa: F811
    context, actors = module_world
    screen = IntakeScreen(context, actors["technician"])
    qtbot.addWidget(screen)
    screen.returned_box.setVisible(True)
    screen.returned_list.addItem(
        "↩ Rx 1000007 · Garcia, Maria · Amoxicillin 500 mg capsule — “Check the "
        "quantity with the prescriber: the fax is cut off at the bottom of the page”"
    )
    screen._show_errors(
        {
            key: "This field needs a value that the pharmacy system accepts; see the rule in the manual"
            for key in screen.errors
        }
    )
    settle()
    assert screen.minimumSizeHint().width() <= MAX_SCREEN_WIDTH


def test_review_stays_narrow_while_asking_for_a_reason(qtbot, app_look, module_world):  # noqa: F811
    context, actors = module_world
    screen = ReviewScreen(context, actors["pharmacist"])
    qtbot.addWidget(screen)
    screen._ask("Send Rx 1000005 back to intake — what to correct (the technician sees this note):", lambda _: None)
    screen._say(
        "Not ready to approve — 2 hard stop(s): override with a reason (Alt+O); 3 warning(s): acknowledge (Alt+A).",
        "#8b1a10",
    )
    settle()
    assert screen.minimumSizeHint().width() <= MAX_SCREEN_WIDTH


@pytest.mark.parametrize("role", ["admin", "pharmacist", "technician"])
def test_the_shell_with_every_screen_fits_1280x800(qtbot, app_look, module_world, role):  # noqa: F811
    from pharmacy_desktop.ui.main_window import MainWindow

    context, actors = module_world
    window = MainWindow(context, actors[role], screen_classes())
    qtbot.addWidget(window)
    window.resize(*DISPLAY)
    with qtbot.waitExposed(window):
        window.show()
    settle()
    assert (window.width(), window.height()) == DISPLAY
    assert window.minimumSizeHint().width() <= DISPLAY[0]
    for screen in window.visible_screens():  # no screen, once shown, pushes the window wider
        assert window.show_screen(screen)
        settle()
        assert window.width() == DISPLAY[0], f"{type(screen).__name__} widened the window to {window.width()} px"
        assert screen.width() <= MAX_SCREEN_WIDTH + 20


# -- readable at 1280x800 ---------------------------------------------------------------------------


@pytest.fixture
def pharmacy(uow_factory, actors, meds, make_patient):  # noqa: F811 - the imported fixtures
    """A penicillin-allergic patient on warfarin, lisinopril and aspirin, and three prescriptions waiting."""
    return counter_pharmacy(uow_factory, actors, meds, make_patient)


def open_shell(qtbot, context, actor, cls):
    window, screen = open_shell_at_display(qtbot, context, actor, cls)
    settle()
    assert (window.width(), window.height()) == DISPLAY
    return window, screen


def test_review_queue_and_active_medications_are_readable_at_1280x800(qtbot, app_look, full_context, actors, pharmacy):
    window, screen = open_shell(qtbot, full_context, actors["pharmacist"], ReviewScreen)
    qtbot.waitUntil(lambda: screen.detail is not None and screen.model.rowCount() == 3, timeout=TIMEOUT)
    settle()
    # the queue: patient and drug each on a line of their own, wide enough for a usual drug name
    column = screen.queue.columnWidth(0)
    bold = screen.queue.font()
    bold.setBold(True)
    for row in range(screen.model.rowCount()):
        text = screen.model.index(row, 0).data()
        patient, drug = text.split("\n")
        metrics = QFontMetrics(bold if screen.rows[row].is_stat else screen.queue.font())
        assert metrics.horizontalAdvance(patient) + 12 <= column, f"cut off: {patient!r} in {column} px"
        if "Alprazolam" not in drug:  # the longest name is elided after its schedule and strength
            assert metrics.horizontalAdvance(drug) + 12 <= column, f"cut off: {drug!r} in {column} px"
    assert "[C-IV] Alprazolam (Xanax) 0.5" in screen.model.index(2, 0).data()  # the schedule first
    assert screen.queue.rowHeight(0) >= 2 * screen.queue.fontMetrics().lineSpacing()
    # the active medications: all three in view without scrolling
    assert screen.meds.count() == 3
    viewport = screen.meds.viewport().rect()
    for i in range(3):
        rect = screen.meds.visualItemRect(screen.meds.item(i))
        assert rect.top() >= 0 and rect.bottom() <= viewport.bottom(), f"medication {i + 1} needs scrolling"
    assert not screen.meds.verticalScrollBar().isVisible()
    window.close()


def test_intake_combo_texts_are_not_cut_off_at_1280x800(qtbot, app_look, full_context, actors, pharmacy):
    window, screen = open_shell(qtbot, full_context, actors["technician"], IntakeScreen)
    qtbot.keyClicks(screen.patient_search.edit, "garcia")
    qtbot.waitUntil(lambda: screen.patient_search.results.count() == 1, timeout=TIMEOUT)
    qtbot.keyClick(screen.patient_search.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.profile is not None, timeout=TIMEOUT)
    settle()
    assert screen.preferred.currentIndex() == 1
    for combo in (screen.preferred, screen.daw):
        for index in range(combo.count()):
            combo.setCurrentIndex(index)
            shown = combo.display_text()
            assert combo.fontMetrics().horizontalAdvance(shown) <= combo.text_room(), f"cut off: {shown!r}"
            assert combo.shown_text() == shown
            assert combo.toolTip() == combo.currentText()  # the full text in the tooltip (and the open list)
    screen.preferred.setCurrentIndex(1)
    assert screen.preferred.display_text() == "Dr. Sarah Chen · Internal Medicine"
    assert "NPI 1234567893" in screen.preferred.currentText()
    screen.daw.setCurrentIndex(0)
    assert screen.daw.display_text() == "0 — Substitution allowed"
    assert "No product selection indicated" in screen.daw.currentText()
    window.close()
