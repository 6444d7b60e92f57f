"""Render the fill, verification and will-call screens to docs/screenshots at 1280x800.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.fill.screenshots

A throwaway database with a morning's worth of work: a queue with STAT and controlled drugs,
a prescription open at fill with its bottle scanned, one at verification with both scans done,
bins with bags waiting for days.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from sqlalchemy import update  # noqa: E402

from tests.fill import factories as f  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
PASSWORD = "Counter-Shots-2026!"


def _keep_none_alive() -> None:
    """Work around PySide6 6.12 on CPython 3.11: every call of a Qt method returning void drops a
    reference to None (``o.setObjectName('x')`` x1000 lowers ``sys.getrefcount(None)`` by 1000),
    and after a few thousand calls the process dies with "Fatal Python error: none_dealloc".
    On 3.12+ None is immortal. Here None gets a refcount no session can drain."""
    if sys.version_info < (3, 12):
        import ctypes

        ctypes.c_ssize_t.from_address(id(None)).value += 1 << 40


def wait_until(predicate, timeout_ms: int = 15_000) -> None:
    deadline = dt.datetime.now() + dt.timedelta(milliseconds=timeout_ms)
    while not predicate():
        if dt.datetime.now() > deadline:
            raise TimeoutError("screen did not finish loading")
        settle(25)


def settle(ms: int = 300) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def populate(factory):
    from pharmacy_desktop.db.models.prescriptions import Prescription
    from pharmacy_desktop.services import auth, fill, verify

    auth.create_user(
        factory,
        None,
        username="admin",
        password=PASSWORD,
        email="admin@x.test",
        first_name="Ada",
        last_name="Min",
        role="admin",
    )
    admin = auth.sign_in(factory, "admin", PASSWORD, "counter-1")
    for user, first, last, role in (
        ("tnguyen", "Tina", "Nguyen", "technician"),
        ("rpatel", "Raj", "Patel", "pharmacist"),
    ):
        auth.create_user(
            factory,
            admin,
            username=user,
            password=PASSWORD,
            email=f"{user}@x.test",
            first_name=first,
            last_name=last,
            role=role,
            license_number="RPH-40211" if role == "pharmacist" else None,
        )
    tech = auth.sign_in(factory, "tnguyen", PASSWORD, "counter-1")
    rph = auth.sign_in(factory, "rpatel", PASSWORD, "counter-1")
    now = dt.datetime.now(dt.UTC)
    with factory() as uow:
        f.add_pharmacy(uow)
        meds = {d.package_ndc: f.add_medication(uow, d) for d in f.ALL_DRUGS}
        for d in f.ALL_DRUGS:
            f.add_stock(
                uow,
                meds[d.package_ndc],
                [("K7781", f.TODAY + dt.timedelta(days=150), 180), ("K7790", f.TODAY + dt.timedelta(days=420), 500)],
            )
        people = [
            f.add_patient(uow, first, last, date_of_birth=dob)
            for first, last, dob in (
                ("Maria", "Gonzalez", dt.date(1958, 4, 12)),
                ("James", "O'Connor", dt.date(1947, 11, 2)),
                ("Aisha", "Bello", dt.date(1990, 6, 30)),
                ("Henry", "Whitfield", dt.date(1939, 1, 15)),
                ("Lucia", "Ferreira", dt.date(1972, 9, 8)),
                ("Tom", "Baker", dt.date(1965, 3, 21)),
                ("Grace", "Kim", dt.date(1984, 12, 5)),
                ("Samuel", "Adeyemi", dt.date(2001, 7, 19)),
            )
        ]
        L20, L1000, ZES, L10, MET, OXY = (
            meds[d.package_ndc]
            for d in (
                f.LISINOPRIL_20_100,
                f.LISINOPRIL_20_1000,
                f.ZESTRIL_20,
                f.LISINOPRIL_10,
                f.METFORMIN_500,
                f.OXYCODONE_5,
            )
        )
        open_rx = f.add_prescription(
            uow,
            people[0],
            L20,
            quantity=90,
            days=90,
            received_ago=dt.timedelta(minutes=42),
            promised_at=now + dt.timedelta(minutes=20),
            written_name="Lisinopril 20 mg",
        )
        f.add_prescription(
            uow,
            people[1],
            OXY,
            quantity=20,
            refills=0,
            stat=True,
            sig="1 T PO Q6H PRN",
            received_ago=dt.timedelta(minutes=8),
            days=5,
        )
        f.add_prescription(uow, people[2], MET, quantity=60, received_ago=dt.timedelta(hours=2, minutes=5))
        f.add_prescription(
            uow,
            people[3],
            ZES,
            quantity=30,
            daw="1",
            received_ago=dt.timedelta(minutes=75),
            promised_at=now + dt.timedelta(hours=1),
        )
        f.add_prescription(uow, people[4], L10, quantity=30, received_ago=dt.timedelta(minutes=31))
        f.add_prescription(uow, people[5], MET, quantity=180, received_ago=dt.timedelta(minutes=12))
        verify_rx = f.add_prescription(uow, people[6], L20, quantity=30, received_ago=dt.timedelta(hours=1))
        other_verify = f.add_prescription(
            uow,
            people[7],
            OXY,
            quantity=12,
            refills=0,
            days=3,
            stat=True,
            sig="1 T PO Q8H PRN",
            received_ago=dt.timedelta(minutes=50),
        )
        waiting = [
            f.add_prescription(uow, p, m, quantity=q)
            for p, m, q in (
                (people[1], L20, 30),
                (people[2], MET, 60),
                (people[3], ZES, 30),
                (people[4], L10, 30),
                (people[5], MET, 60),
                (people[5], L20, 90),
                (people[2], OXY, 12),
            )
        ]
        uow.commit()
        ids = dict(
            open_rx=open_rx.id,
            verify=verify_rx.id,
            verify_number=verify_rx.prescription_number,
            other=other_verify.id,
            waiting=[w.id for w in waiting],
        )
    for rx_id, drug in ((ids["verify"], f.LISINOPRIL_20_100), (ids["other"], f.OXYCODONE_5)):
        fill.fill(factory, tech, rx_id, drug.upc)
    bottles = {
        0: f.LISINOPRIL_20_100,
        1: f.METFORMIN_500,
        2: f.ZESTRIL_20,
        3: f.LISINOPRIL_10,
        4: f.METFORMIN_500,
        5: f.LISINOPRIL_20_100,
        6: f.OXYCODONE_5,
    }
    for i, rx_id in enumerate(ids["waiting"]):
        fill.fill(factory, tech, rx_id, bottles[i].upc)
        verify.approve(factory, rph, rx_id, label_scan=f.label_scan(factory, rx_id), bottle_scans=[bottles[i].upc])
    with factory() as uow:
        for days, rx_id in zip((12, 9, 3, 1, 0, 0, 9), ids["waiting"]):
            uow.session.execute(
                update(Prescription)
                .where(Prescription.id == rx_id)
                .values(ready_at=now - dt.timedelta(days=days, hours=2 + days))
            )
        uow.commit()
    return tech, rph, ids


def main() -> int:
    from catalog_import import throwaway_database

    from pharmacy_desktop.db.engine import make_engine, make_session_factory
    from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
    from pharmacy_desktop.ui.app import make_application
    from pharmacy_desktop.ui.main_window import MainWindow
    from pharmacy_desktop.ui.screens.fill import FillScreen
    from pharmacy_desktop.ui.screens.pickup import PickupScreen
    from pharmacy_desktop.ui.screens.verify import VerifyScreen
    from tests.counter_driver import context_for

    _keep_none_alive()
    make_application([])
    OUT.mkdir(parents=True, exist_ok=True)
    with throwaway_database() as url:
        engine = make_engine(url)
        factory = UnitOfWorkFactory(make_session_factory(engine), workstation="counter-1")
        tech, rph, ids = populate(factory)
        context = context_for(factory)

        window = MainWindow(context, tech, [FillScreen, VerifyScreen, PickupScreen])
        window.resize(1280, 800)
        window.set_database_connected(True)
        window.show()
        fill_screen = window.screens[0]
        window.show_screen(fill_screen)
        wait_until(lambda: fill_screen.queue.rowCount() >= 6)
        fill_screen.open_rx(ids["open_rx"])
        wait_until(lambda: fill_screen.view is not None)
        fill_screen.handle_scan(f.LISINOPRIL_20_1000.datamatrix("K7781", f.TODAY + dt.timedelta(days=150)))
        wait_until(lambda: fill_screen.check is not None)
        settle()
        assert (window.width(), window.height()) == (1280, 800), window.size()
        window.grab().save(str(OUT / "fill.png"))

        fill_screen.handle_scan(f.LISINOPRIL_10.upc)
        wait_until(lambda: fill_screen.pages.currentWidget() is fill_screen.hard_stop)
        settle()
        window.grab().save(str(OUT / "fill-hard-stop.png"))
        fill_screen.acknowledge_stop()
        window.close()

        window = MainWindow(context, rph, [FillScreen, VerifyScreen, PickupScreen])
        window.resize(1280, 800)
        window.set_database_connected(True)
        window.show()
        verify_screen = window.screens[1]
        window.show_screen(verify_screen)
        wait_until(lambda: verify_screen.queue.rowCount() >= 2)
        verify_screen.handle_scan(ids["verify_number"])
        wait_until(lambda: verify_screen.view is not None)
        verify_screen.handle_scan(f.LISINOPRIL_20_100.upc)
        wait_until(lambda: verify_screen.approve_button.isEnabled())
        settle()
        assert (window.width(), window.height()) == (1280, 800), window.size()
        window.grab().save(str(OUT / "verify.png"))

        will_call = window.screens[2]
        window.show_screen(will_call)
        wait_until(lambda: will_call.finder.table.rowCount() >= 6 and will_call.finder.bin_table.rowCount() >= 8)
        settle()
        window.grab().save(str(OUT / "will-call.png"))
        window.close()
        engine.dispose()
    print(f"screenshots written to {OUT}")
    sys.stdout.flush()
    os._exit(0)  # PySide's teardown at interpreter exit is not worth waiting for here


if __name__ == "__main__":
    raise SystemExit(main())
