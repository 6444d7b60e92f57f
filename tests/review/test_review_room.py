"""Issue 18: the review work area shares its height sensibly at 1024x768, 1280x800 and 1920x1080.

With ONE alert at 1920x1080 the decisions (the message line, Approve) sit right under the alerts and
their text, not at the window's foot with an empty band between; with three alerts at 1024x768 every
alert row, the prescription's lines and every button is whole and nothing overlaps. Renders to
REVIEW_SHOTS (a folder) when set, for looking at."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QWidget

from pharmacy_desktop.config import Config
from pharmacy_desktop.demo.approvals import approve_as_demo
from pharmacy_desktop.services import intake
from pharmacy_desktop.services.patients import AllergyEntry
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.screens.registry import screen_classes
from pharmacy_desktop.ui.screens.review import ReviewScreen
from pharmacy_desktop.ui.screenshots import settle

from .conftest import rx_form

pytestmark = [pytest.mark.ui, pytest.mark.db]
TIMEOUT = 15_000
SIZES = ((1024, 768), (1280, 800), (1920, 1080))


def _rect(widget: QWidget, ancestor: QWidget) -> QRect:
    return QRect(widget.mapTo(ancestor, QPoint(0, 0)), widget.size())


@pytest.fixture
def review_cases(uow_factory, actors, meds, make_patient):
    """(one alert, three alerts): prescription ids waiting for review."""
    tech, rph = actors["technician"], actors["pharmacist"]
    one = make_patient("James", "Davis")
    warfarin = intake.submit_prescription(
        uow_factory, tech, rx_form(one.patient_id, meds["warfarin"], sig="1 T PO QD", days=30)
    )
    approve_as_demo(uow_factory, rph, warfarin.prescription_id)
    single = intake.submit_prescription(
        uow_factory, tech, rx_form(one.patient_id, meds["aspirin"], sig="1 T PO QD", days=30)
    )
    three = make_patient("Linda", "Anderson", allergies=(AllergyEntry("Aspirin", "drug", "Hives", "moderate"),))
    for key in ("warfarin", "aspirin"):
        done = intake.submit_prescription(
            uow_factory, tech, rx_form(three.patient_id, meds[key], sig="1 T PO QD", days=30)
        )
        approve_as_demo(uow_factory, rph, done.prescription_id)
    triple = intake.submit_prescription(
        uow_factory, tech, rx_form(three.patient_id, meds["aspirin"], sig="1 T PO QD", days=30)
    )
    return single.prescription_id, triple.prescription_id


def _shell(qtbot, context, actor, size: tuple[int, int]):
    """The shell made at ``size`` (as the app opens it on a display of that size), review shown."""
    from pharmacy_desktop.ui.main_window import MainWindow

    window = MainWindow(context, actor, screen_classes())
    qtbot.addWidget(window)
    window.set_database_connected(True)
    window.resize(*size)
    window.show()
    screen = window.screen_of(ReviewScreen)
    assert window.show_screen(screen)
    qtbot.waitUntil(lambda: screen.detail is not None, timeout=TIMEOUT)
    return window, screen


def _open(qtbot, screen: ReviewScreen, rx_id) -> None:
    screen.open_prescription(rx_id)
    qtbot.waitUntil(lambda: screen.detail is not None and screen.detail.prescription_id == rx_id, timeout=TIMEOUT)
    settle(minimum=0.1)


def _check_whole(screen: ReviewScreen, where: str) -> None:
    """Nothing cut or overlapping in the work area: its parts in order top to bottom, each inside it."""
    area = screen.work_area
    line = area.fontMetrics().lineSpacing()
    rx_box = area.rx_text.parentWidget()
    parts = [area.drug_title, rx_box, area.alerts_box, area.message, area.approve_button]
    rects = [_rect(w, area) for w in parts if w.isVisible()]
    for above, below in zip(rects, rects[1:]):
        assert above.bottom() < below.top(), f"{where}: {above} overlaps {below}"
    assert rects[-1].bottom() <= area.height(), f"{where}: the Approve row is cut ({rects[-1]}, {area.height()})"
    # the prescription's every line in its box (a wrapped label squeezed shorter than its text is cut)
    label = area.rx_text
    assert label.height() >= label.heightForWidth(label.width()), f"{where}: the prescription's lines are cut"
    # every alert row in view, none scrolled away
    assert area.alerts.verticalScrollBar().maximum() == 0, f"{where}: the alert list scrolls"
    for button in (area.ack_button, area.override_button, area.rerun_button, area.reject_button, area.back_button):
        box = _rect(button, area)
        assert box.bottom() <= area.height() and button.width() >= button.minimumSizeHint().width(), where
    assert line > 0


def test_review_room_at_each_size(qtbot, app_look, uow_factory, actors, review_cases, tmp_path):
    single, triple = review_cases
    shots = Path(os.environ.get("REVIEW_SHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    context = AppContext(uow_factory=uow_factory, config=Config(workstation_name="counter-1"), workstation="counter-1")
    # one shell, made at the smallest size and grown (the shell's own minimum width grows with it:
    # shrinking one would leave it wider than asked)
    window, screen = _shell(qtbot, context, actors["pharmacist"], SIZES[0])
    area = screen.work_area
    for width, height in SIZES:
        window.resize(width, height)
        settle(minimum=0.1)
        for name, rx_id, count in (("one", single, 1), ("three", triple, 3)):
            _open(qtbot, screen, rx_id)
            where = f"{name} alert(s) at {width}x{height}"
            assert len([a for a in area.row_alerts if a is not None]) == count, where
            window.grab().save(str(shots / f"review-{name}-alert-{width}x{height}.png"))
            assert (window.width(), window.height()) == (width, height), where
            _check_whole(screen, where)
            # the decisions right under the alerts: the message line and the gaps between, no empty band
            gap = _rect(area.approve_button, area).top() - _rect(area.alerts_box, area).bottom()
            room = area.message.height() + 4 * area.layout().spacing() + area.fontMetrics().lineSpacing()
            assert gap <= room, f"{where}: {gap} px between the alerts and Approve (at most {room})"
