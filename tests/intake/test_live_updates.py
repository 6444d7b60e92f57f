"""Two workstations: a prescription entered at the counter appears in the pharmacist's review
queue by itself, through the real change notices (LISTEN/NOTIFY) and the real shell."""

from __future__ import annotations

from pharmacy_desktop.config import Config
from pharmacy_desktop.db.engine import make_engine, make_session_factory
from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
from pharmacy_desktop.services import intake
from pharmacy_desktop.ui.context import AppContext
from tests.intake.conftest import rx_form

TIMEOUT = 10_000


def test_a_prescription_entered_elsewhere_reaches_the_review_queue_without_a_click(
    qtbot, uow_factory, database_url, actors, meds, make_patient
):
    from pharmacy_desktop.ui.changes import ChangeListener
    from pharmacy_desktop.ui.main_window import MainWindow
    from pharmacy_desktop.ui.screens.review import ReviewScreen

    # the pharmacist's workstation: the shell with the review screen, listening for changes
    context = AppContext(
        uow_factory=uow_factory,
        config=Config(workstation_name="rph-station"),
        workstation="rph-station",
        database_url=database_url,
    )
    window = MainWindow(context, actors["pharmacist"], [ReviewScreen])
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    listener = ChangeListener(database_url, retry_seconds=0.2)
    listener.changed.connect(window.on_change)
    try:
        with qtbot.waitSignal(listener.connection_changed, timeout=TIMEOUT):
            listener.start()
        screen = window.findChild(ReviewScreen)
        window.show_screen(screen)
        qtbot.waitUntil(screen.isVisible, timeout=TIMEOUT)
        qtbot.wait(300)  # its first (empty) load
        assert screen.rows == []

        # the technician's workstation: its own engine and connection pool
        engine = make_engine(database_url)
        try:
            counter = UnitOfWorkFactory(make_session_factory(engine), workstation="counter-1")
            patient = make_patient("John", "Smith")
            saved = intake.submit_prescription(
                counter, actors["technician"], rx_form(patient.patient_id, meds["lisinopril"], sig="1 T PO QD")
            )
        finally:
            engine.dispose()

        # nobody touches the pharmacist's screen: the notice refreshes it
        qtbot.waitUntil(lambda: [r.rx_number for r in screen.rows] == [saved.rx_number], timeout=TIMEOUT)
    finally:
        listener.stop()
