"""Issue 18 item 6: the fill and verification queues' first showing without a stall.

The screen is built from the top down (each widget made where it stays: the app's style sheet goes
through each once, not again at every move into a new parent), and the label scan's answer paints the
prescription's head and the step's prompt a turn before the compare and the vial label (the heavier
part of the work page). No database: the screens are built and fed the plain data their services return.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from pharmacy_desktop.services.prescription_views import DrugView
from pharmacy_desktop.services.verify import BottleCheck
from pharmacy_desktop.services.verify_view import FilledLine, VerifyView
from pharmacy_desktop.ui.screens.fill import FillScreen
from pharmacy_desktop.ui.screens.verify import VerifyScreen
from tests.offline_screen import StyleChanges, any_actor, offline_context

pytestmark = pytest.mark.ui

ACTOR = any_actor("rph", "R Ph", "pharmacist")


@pytest.mark.parametrize("screen_class", [FillScreen, VerifyScreen], ids=["fill", "verify"])
def test_the_screen_is_built_from_the_top_down(qtbot, app_look, screen_class):
    app = QApplication.instance()
    changes = StyleChanges()
    app.installEventFilter(changes)
    try:
        screen = screen_class(offline_context(), ACTOR)
    finally:
        app.removeEventFilter(changes)
    qtbot.addWidget(screen)
    widgets = len(screen.findChildren(QWidget)) + 1
    # about once a widget, a style sheet of its own twice (built bottom-up: ~200 for ~45 widgets, the
    # subtrees styled again at each move into a new parent)
    assert changes.count <= widgets * 3 // 2, f"{changes.count} style changes for {widgets} widgets"
    assert not screen.work_built and screen.queue_pane.parentWidget() is screen.pages.parentWidget().parentWidget()


def _view() -> tuple[VerifyView, FilledLine]:
    drug = DrugView(uuid.uuid4(), "Lisinopril 20 mg tablet", "12345-678-90", "12345067890", None)
    line = FilledLine(
        uuid.uuid4(), uuid.uuid4(), drug, drug, Decimal(30), Decimal(30), "tablets", "1 PO QD",
        "Take one tablet by mouth daily", 30, 0, "L100", dt.date(2027, 1, 1), False, "exact", "Same product",
        "Tess Tech", None, ("GONZALEZ, MARIA", "Lisinopril 20 mg", "Take one tablet by mouth daily"), "printed",
    )  # fmt: skip
    view = VerifyView(
        uuid.uuid4(), 1, "RX1001", "in_progress", False, uuid.uuid4(), "Gonzalez, Maria", dt.date(1960, 1, 2),
        "Dr Who", None, (line,),
    )  # fmt: skip
    return view, line


def test_the_label_scans_answer_paints_the_compare_a_turn_later(qtbot, app_look, monkeypatch):
    screen = VerifyScreen(offline_context(), ACTOR)
    qtbot.addWidget(screen)
    monkeypatch.setattr(screen.claim, "load", lambda *a, **k: None)  # no claim to look up without a database
    screen.resize(1280, 800)
    with qtbot.waitActive(screen):
        screen.show()
        screen.activateWindow()
    view, line = _view()

    screen._show_view(view, "RX1001")  # the label scan's answer
    assert screen.pages.currentWidget() is screen.work_page and "STEP 2" in screen.prompt.label.text()
    assert screen.prompt.hasFocus()  # the bottle scan goes to the prompt from the first turn
    assert not screen.middle.isVisibleTo(screen)  # the compare and the label: the next turn
    assert screen.cells["Drug"][1].text() == "Lisinopril 20 mg tablet"  # filled already, shown next turn
    qtbot.waitUntil(screen.middle.isVisible, timeout=2000)
    assert screen.label_text.isVisible() and "GONZALEZ, MARIA" in screen.label_text.text()

    screen._bottle_checked("00312345678906", BottleCheck(True, "Right bottle.", line.item_id))  # the bottle's answer
    assert screen.approve_button.isEnabled() and screen.middle.isVisible()

    screen.escape_pressed()  # closed before the next turn: the compare stays hidden with nothing open
    screen._show_view(view, "RX1001")
    screen.escape_pressed()
    QApplication.processEvents()
    assert screen.view is None and not screen.middle.isVisibleTo(screen)


@pytest.mark.parametrize(
    ("screen_class", "chain"),
    [
        (FillScreen, ["scanPrompt", "lotPicker", "fillQuantity", "Partial fill (Alt+P)", "fillButton", "Close (Esc)"]),
        (
            VerifyScreen,
            ["scanPrompt", "VerticalScroll", "returnReason", "Return to fill (Alt+R)", "approveButton", "Close (Esc)"],
        ),
    ],
    ids=["fill", "verify"],
)
def test_the_work_page_made_in_place_keeps_its_tab_order(qtbot, app_look, screen_class, chain):
    screen = screen_class(offline_context(), ACTOR)
    qtbot.addWidget(screen)
    page = screen.work()
    names, widget = [], screen.nextInFocusChain()
    while widget is not screen:
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus and page.isAncestorOf(widget):
            text = getattr(widget, "text", None)
            names.append(widget.objectName() or (text() if callable(text) else type(widget).__name__))
        widget = widget.nextInFocusChain()
    assert names == chain  # the prompt first (the bottle scan), the actions last, as before
