"""Fill, verification and will-call inside the real shell at 1280x800: the window keeps its width
whatever the data (long drug and patient names), the done message names the dispensing unit, and
an opened prescription shows where the bottle scan goes."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import update

from pharmacy_desktop.db.models.patients import Patient
from pharmacy_desktop.db.models.prescriptions import Medication
from pharmacy_desktop.services import fill, verify
from pharmacy_desktop.ui.main_window import MainWindow
from pharmacy_desktop.ui.screens.fill import FillScreen
from pharmacy_desktop.ui.screens.pickup import PickupScreen
from pharmacy_desktop.ui.screens.verify import VerifyScreen
from tests.counter_driver import Counter, context_for
from tests.fill import factories as f

pytestmark = [pytest.mark.ui, pytest.mark.db]
WAIT = 15_000
DISPLAY = (1280, 800)
LONG_DRUG = "Lisinopril and Hydrochlorothiazide Extended-Release Film-Coated Combination Pack"
LONG_FIRST = "Maria-Guadalupe Esperanza Concepción"
LONG_LAST = "Gonzalez-Fernandez de la Santísima Trinidad"


@pytest.fixture
def long_world(uow_factory):
    world = f.world(uow_factory)
    with uow_factory() as uow:
        uow.session.execute(
            update(Medication)
            .where(Medication.id == world.meds[f.LISINOPRIL_20_100.package_ndc])
            .values(drug_name=LONG_DRUG)
        )
        uow.session.execute(
            update(Patient).where(Patient.id == world.patient_id).values(first_name=LONG_FIRST, last_name=LONG_LAST)
        )
        uow.commit()
    return world


def shell(qtbot, uow_factory, actor) -> MainWindow:
    window = MainWindow(context_for(uow_factory), actor, [FillScreen, VerifyScreen, PickupScreen])
    qtbot.addWidget(window)
    window.resize(*DISPLAY)
    window.set_database_connected(True)
    window.show()
    qtbot.waitExposed(window)
    return window


def settle(qtbot) -> None:
    for _ in range(3):
        QApplication.processEvents()
    qtbot.wait(50)


def test_a_fill_with_long_names_keeps_the_shell_1280_wide_and_names_the_unit(
    qtbot, app_look, uow_factory, actors, long_world
):
    window = shell(qtbot, uow_factory, actors["technician"])
    screen = window.screens[0]
    window.show_screen(screen)
    qtbot.waitUntil(lambda: screen.queue.rowCount() == 1, timeout=WAIT)
    counter = Counter.on_screen(screen)
    try:
        counter.scan(long_world.rx_number)
        qtbot.waitUntil(lambda: screen.view is not None, timeout=WAIT)
        settle(qtbot)
        assert window.width() == DISPLAY[0], "opening a prescription with a long drug name widened the shell"
        # the keyboard focus is visibly on the scan prompt, not on an invisible screen widget
        assert QApplication.focusWidget() is screen.prompt
        assert screen.prompt.focus_hint.isVisible() and "Waiting for the scan" in screen.prompt.focus_hint.text()

        counter.scan(f.LISINOPRIL_20_100.upc)
        qtbot.waitUntil(lambda: screen.check is not None and screen.check.ok, timeout=WAIT)
        assert not screen.prompt.focus_hint.isVisible()  # Enter now fills: the focus is on the button
        assert "fill 30 tablets" in screen.prompt.label.text()
        settle(qtbot)
        assert window.width() == DISPLAY[0]
        counter.press(Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: screen.last_result is not None, timeout=WAIT)
        qtbot.waitUntil(lambda: screen.queue.rowCount() == 0, timeout=WAIT)
        settle(qtbot)
    finally:
        counter.close()
    assert "30 tablets" in screen.status.text() and "units" not in screen.status.text()
    assert window.width() == DISPLAY[0], f"the shell grew to {window.width()} px after a fill"
    assert window.minimumSizeHint().width() <= DISPLAY[0]


def test_will_call_with_long_names_keeps_the_shell_1280_wide(qtbot, app_look, uow_factory, actors, long_world):
    fill.fill(uow_factory, actors["technician"], long_world.rx_id, f.LISINOPRIL_20_100.upc)
    verify.approve(
        uow_factory,
        actors["pharmacist"],
        long_world.rx_id,
        label_scan=f.label_scan(uow_factory, long_world.rx_id),
        bottle_scans=[f.LISINOPRIL_20_100.upc],
    )
    window = shell(qtbot, uow_factory, actors["pharmacist"])
    screen = window.screens[2]
    window.show_screen(screen)
    qtbot.waitUntil(
        lambda: screen.finder.table.rowCount() == 1 and screen.finder.bin_table.rowCount() >= 1, timeout=WAIT
    )
    settle(qtbot)
    assert window.width() == DISPLAY[0], f"will-call grew the shell to {window.width()} px"
    assert window.minimumSizeHint().width() <= DISPLAY[0]


@pytest.mark.parametrize(
    "unit, form, quantity, expected",
    [
        ("tablet", "TABLET", 30, "tablets"),
        ("EA", "TABLET, FILM COATED", 30, "tablets"),
        ("EA", "CAPSULE", 1, "capsule"),
        ("EA", "CAPSULE, EXTENDED RELEASE", 60, "capsules"),
        ("EA", "SUSPENSION", 150, "mL"),
        ("mL", "SOLUTION", 5, "mL"),
        ("EA", None, 10, "units"),
    ],
)
def test_dispensing_unit(unit, form, quantity, expected):
    from decimal import Decimal

    from pharmacy_desktop.domain.dispensing import dispensing_unit

    assert dispensing_unit(Decimal(quantity), unit, form) == expected


def test_a_long_chosen_drug_does_not_widen_the_shell_for_the_rest_of_the_day(qtbot, app_look, uow_factory, actors):
    """A window never narrows again: the drug chosen at intake (a label that does not wrap) once made
    the shell 1295 px wide, and fill, verification and will-call were shown that wide afterwards."""
    import uuid

    from pharmacy_desktop.services.intake import DrugChoice
    from pharmacy_desktop.ui.screens.intake import IntakeScreen

    window = MainWindow(
        context_for(uow_factory), actors["technician"], [IntakeScreen, FillScreen, VerifyScreen, PickupScreen]
    )
    qtbot.addWidget(window)
    window.resize(*DISPLAY)
    window.show()
    qtbot.waitExposed(window)
    intake = window.screens[0]
    window.show_screen(intake)
    settle(qtbot)
    choice = DrugChoice(
        uuid.uuid4(), f"{LONG_DRUG} 20 mg/12.5 mg tablet, film coated", "NDC 00000-0000-00", "C-II", "tablet"
    )
    intake.drug.show_choices([choice])
    settle(qtbot)
    assert intake.drug.choice == choice and "[C-II]" in intake.drug.selected.text()
    assert window.width() == DISPLAY[0], f"choosing a long drug name grew the shell to {window.width()} px"
    window.show_screen(window.screens[3])
    settle(qtbot)
    assert window.width() == DISPLAY[0]
