"""The sidebar counts the prescriptions sent back to intake at sign-in, before the Intake screen is built
(``IntakeScreen.nav_count`` on a pool thread), the number the built screen's ``queue_count`` shows."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtWidgets import QLabel, QVBoxLayout

from pharmacy_desktop.config import Config
from pharmacy_desktop.services import intake, review
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.screens.base import Screen
from pharmacy_desktop.ui.screens.intake import IntakeScreen
from pharmacy_desktop.ui.sidebar import TITLE_ROLE

from .conftest import rx_form

pytestmark = [pytest.mark.ui, pytest.mark.db]

TIMEOUT = 10_000
COUNT_THREADS: set[int] = set()


class Start(Screen):
    key = "F3"
    title = "Start"

    def __init__(self, context, actor, parent=None):
        super().__init__(context, actor, parent)
        QVBoxLayout(self).addWidget(QLabel(self.title))


class CountedIntake(IntakeScreen):
    """The real screen; its nav_count records the thread it ran on."""

    @classmethod
    def nav_count(cls, context, actor):
        COUNT_THREADS.add(threading.get_ident())
        return super().nav_count(context, actor)


def nav_text(window, title: str) -> str:
    for row in range(window.nav.count()):
        item = window.nav.item(row)
        if item.data(TITLE_ROLE) == title:
            return item.text()
    raise AssertionError(f"{title} not in the navigation")


@pytest.fixture
def context(uow_factory, database_url) -> AppContext:
    return AppContext(
        uow_factory=uow_factory,
        config=Config(workstation_name="test-ws"),
        workstation="test-ws",
        database_url=database_url,
    )


def send_back(uow_factory, actors, patient, med) -> None:
    saved = intake.submit_prescription(uow_factory, actors["technician"], rx_form(patient.patient_id, med, days=30))
    review.send_back_to_intake(
        uow_factory, actors["pharmacist"], saved.prescription_id, "Quantity should be 90 for 90 days"
    )


def test_the_sidebar_counts_sent_back_prescriptions_before_intake_is_built(qtbot, context, actors, meds, make_patient):
    from pharmacy_desktop.ui.main_window import MainWindow

    tech = actors["technician"]
    assert IntakeScreen.nav_count(context, tech) is None  # nothing sent back: no count, as queue_count
    patient = make_patient()
    send_back(context.uow_factory, actors, patient, meds["lisinopril"])
    send_back(context.uow_factory, actors, patient, meds["amoxicillin"])
    intake.submit_prescription(context.uow_factory, tech, rx_form(patient.patient_id, meds["warfarin"], days=30))
    assert IntakeScreen.nav_count(context, tech) == 2  # the one waiting for review is not intake's

    COUNT_THREADS.clear()
    window = MainWindow(context, tech, [Start, CountedIntake], database_check_ms=0)
    qtbot.addWidget(window)
    window.resize(1024, 700)
    with qtbot.waitActive(window):
        window.show()
    title = IntakeScreen.title.split(" — ")[0]
    qtbot.waitUntil(lambda: nav_text(window, title).endswith("(2)"), timeout=TIMEOUT)
    assert [type(s) for s in window.built_screens()] == [Start]  # counted, not built
    assert COUNT_THREADS and threading.get_ident() not in COUNT_THREADS  # off the GUI thread

    screen = window.screen_of(CountedIntake)  # opened: the screen's own count is the same number
    assert window.show_screen(screen)
    qtbot.waitUntil(lambda: screen.queue_count() == 2, timeout=TIMEOUT)
    window.refresh_nav_counts()
    assert nav_text(window, title).endswith("(2)")


def test_no_count_for_who_may_not_enter_prescriptions(context, actors):
    reader = actors["pharmacist"]
    if reader.can("prescription.enter"):
        reader = type(reader)(**{**reader.__dict__, "permissions": reader.permissions - {"prescription.enter"}})
    assert IntakeScreen.nav_count(context, reader) is None
