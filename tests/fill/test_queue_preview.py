"""Issue 18: before a scan, the fill screen's idle page shows the highlighted prescription (who, the
drug through its strength, the quantity in the dispensing unit, what to do next) instead of a lone
prompt in empty space; it follows the highlight and never outlives the queue or the user."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from pharmacy_desktop.ui.fit_check import find_clipping, find_lost_strength
from pharmacy_desktop.ui.screens.fill import FillScreen
from tests.counter_driver import Counter, context_for

pytestmark = pytest.mark.ui
WAIT = 15_000


@pytest.mark.parametrize("size", [(1920, 1080), (760, 650)], ids=["1920", "narrow"])
def test_the_idle_page_previews_the_highlighted_prescription(qtbot, app_look, uow_factory, actors, rx_world, size):
    screen = FillScreen(context_for(uow_factory), actors["technician"])
    qtbot.addWidget(screen)
    screen.resize(*size)
    with qtbot.waitActive(screen):
        screen.show()
        screen.activateWindow()
    counter = Counter.on_screen(screen)
    screen.activate()
    qtbot.waitUntil(lambda: screen.queue.rowCount() == 1, timeout=WAIT)
    preview = screen.preview
    qtbot.waitUntil(preview.isVisible, timeout=WAIT)
    assert preview.title.text().startswith(f"Highlighted: Rx {rx_world.rx_number}")
    assert preview.patient.text().startswith("Gonzalez, Maria")
    assert preview.drug.text() == "Lisinopril 20 mg tablet"
    assert preview.quantity.text() == "Quantity: 30 tablets"
    assert "scan the stock bottle" in preview.next_step.text()
    QApplication.processEvents()
    assert not find_clipping(screen) and not find_lost_strength(screen)
    screen.grab().save(f"/tmp/h4-fill-preview-{size[0]}.png")

    screen.queue.clearSelection()  # nothing highlighted: nothing previewed
    assert not preview.isVisible()
    screen.queue.selectRow(0)
    assert preview.isVisible()

    counter.scan(rx_world.rx_number)  # opened: the work page, not the preview
    qtbot.waitUntil(lambda: screen.view is not None, timeout=WAIT)
    assert screen.pages.currentWidget() is screen.work_page

    screen.clear_sensitive()  # a lock or another user: nothing of the patient stays on the idle page
    assert not preview.isVisibleTo(screen.idle_page) and preview.patient.text() == preview.drug.text() == ""
    counter.close()


def _access_rows(uow_factory) -> int:
    from sqlalchemy import func, select

    from pharmacy_desktop.db.models.audit import AccessLog

    with uow_factory() as uow:
        return uow.session.scalar(select(func.count()).select_from(AccessLog)) or 0


def _rx_state(uow_factory) -> list[tuple]:
    from sqlalchemy import select

    from pharmacy_desktop.db.models.prescriptions import Prescription

    with uow_factory() as uow:
        return [
            tuple(r) for r in uow.session.execute(select(Prescription.id, Prescription.status, Prescription.version))
        ]


def _events(uow_factory) -> int:
    from sqlalchemy import func, select

    from pharmacy_desktop.db.models.audit import DomainEvent

    with uow_factory() as uow:
        return uow.session.scalar(select(func.count()).select_from(DomainEvent)) or 0


def test_the_fill_preview_gives_directions_prescriber_and_the_shelf_lots_and_moving_logs_nothing(
    qtbot, app_look, uow_factory, actors, rx_world
):
    with uow_factory() as uow:  # a second prescription to move the highlight to, and an earlier lot for FEFO
        from tests.fill import factories as f

        med = uow.prescriptions.medication(rx_world.meds[f.LISINOPRIL_20_100.package_ndc])
        patient = uow.prescriptions.patient(rx_world.patient_id)
        f.add_prescription(uow, patient, med, quantity=60, received_ago=f.dt.timedelta(minutes=5))
        item = uow.inventory.get(rx_world.item_id)
        uow.session.add(
            f.InventoryBatch(
                inventory_item_id=item.id,
                batch_number="EARLY7",
                expiration_date=f.TODAY + f.dt.timedelta(days=40),
                quantity_received=f.Decimal(40),
                quantity_remaining=f.Decimal(40),
                received_date=f.TODAY - f.dt.timedelta(days=10),
                status="active",
            )
        )
        uow.commit()
    screen = FillScreen(context_for(uow_factory), actors["technician"])
    qtbot.addWidget(screen)
    screen.resize(1280, 800)
    with qtbot.waitActive(screen):
        screen.show()
        screen.activateWindow()
    screen.activate()
    qtbot.waitUntil(lambda: screen.queue.rowCount() == 2, timeout=WAIT)
    preview = screen.preview
    qtbot.waitUntil(preview.isVisible, timeout=WAIT)
    early = (f.TODAY + f.dt.timedelta(days=40)).strftime("%m/%d/%Y")
    late = (f.TODAY + f.dt.timedelta(days=400)).strftime("%m/%d/%Y")
    assert preview.title.text().startswith(f"Highlighted: Rx {rx_world.rx_number}")  # the older one first
    assert preview.directions.text() == "Directions: Take 1 tablet by mouth once a day"
    assert preview.prescriber.text() == "Prescriber: Dr. Alan Reyes"
    assert preview.lots.text() == f"The shelf gives (first expiry first): lot EARLY7 (exp {early}): 30"
    assert "DOB" in preview.patient.text()

    access, state, events = _access_rows(uow_factory), _rx_state(uow_factory), _events(uow_factory)
    screen.queue.selectRow(1)  # the highlight moves: 60 tablets take the early lot's 40 and 20 of the next
    assert preview.lots.text() == (
        f"The shelf gives (first expiry first): lot EARLY7 (exp {early}): 40, lot L100 (exp {late}): 20"
    )
    screen.queue.selectRow(0)
    QApplication.processEvents()
    # a listing: no access-log row, no prescription touched (status, version), no event per highlight
    assert (_access_rows(uow_factory), _rx_state(uow_factory), _events(uow_factory)) == (access, state, events)
    assert screen.pages.currentWidget() is screen.idle_page  # nothing opened
    QApplication.processEvents()
    assert not find_clipping(screen)
    screen.grab().save("/tmp/h4-fill-preview-lots.png")


def test_the_verify_preview_gives_the_lot_filled_and_the_bin(qtbot, app_look, uow_factory, actors, rx_world):
    from pharmacy_desktop.services import fill
    from pharmacy_desktop.ui.screens.verify import VerifyScreen
    from tests.fill import factories as f

    fill.fill(uow_factory, actors["technician"], rx_world.rx_id, f.LISINOPRIL_20_100.upc)
    access = _access_rows(uow_factory)
    screen = VerifyScreen(context_for(uow_factory), actors["pharmacist"])
    qtbot.addWidget(screen)
    screen.resize(1280, 800)
    with qtbot.waitActive(screen):
        screen.show()
        screen.activateWindow()
    screen.activate()
    qtbot.waitUntil(lambda: screen.queue.rowCount() == 1, timeout=WAIT)
    preview = screen.preview
    qtbot.waitUntil(preview.isVisible, timeout=WAIT)
    late = (f.TODAY + f.dt.timedelta(days=400)).strftime("%m/%d/%Y")
    assert preview.lots.text() == f"Filled from lot L100 (exp {late})\nNot binned: approval picks a will-call bin"
    assert preview.prescriber.text() == "Prescriber: Dr. Alan Reyes"
    assert preview.directions.text() == "Directions: Take 1 tablet by mouth once a day"
    assert _access_rows(uow_factory) == access
    QApplication.processEvents()
    assert not find_clipping(screen)
    screen.grab().save("/tmp/h4-verify-preview.png")
