"""A morning at the counter, on top of the demo data: sign-ins, a mistyped password, a lockout, a
user switch, a permission denial and patient records opened; for the audit screen's tests and
screenshots."""

from __future__ import annotations

from sqlalchemy import select

from pharmacy_desktop.db.engine import make_engine, make_session_factory
from pharmacy_desktop.db.models.patients import Patient
from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
from pharmacy_desktop.errors import PharmacyError
from pharmacy_desktop.services import audit_log, auth


def add_activity(url: str) -> None:
    from pharmacy_desktop.demo import DEMO_PASSWORDS, DEMO_PINS

    engine = make_engine(url)
    try:
        counter1 = UnitOfWorkFactory(make_session_factory(engine), workstation="counter-1")
        counter2 = UnitOfWorkFactory(make_session_factory(engine), workstation="counter-2")
        tech = auth.sign_in(counter1, "tech", DEMO_PASSWORDS["tech"], "counter-1")
        try:
            auth.sign_in(counter1, "rph", "Green-Mortar-2025", "counter-1")
        except PharmacyError:
            pass
        rph = auth.sign_in(counter1, "rph", DEMO_PASSWORDS["rph"], "counter-1")
        auth.quick_switch(counter1, DEMO_PINS["tech"], "counter-1", from_actor=rph)
        with counter1(tech.user_id) as uow:
            try:
                auth.require(uow, tech, "prescription.final_verify")
            except PharmacyError:
                pass
        with counter1() as uow:
            patients = list(uow.session.scalars(select(Patient.id).order_by(Patient.last_name).limit(4)))
        for actor, patient_id in zip((tech, tech, rph, rph), patients):
            with counter1(actor.user_id) as uow:
                audit_log.record_patient_access(uow, actor, patient_id, "view")
                uow.commit()
        for _ in range(auth.MAX_FAILED_ATTEMPTS):
            try:
                auth.sign_in(counter2, "manager", "gray-ledger-2026", "counter-2")
            except PharmacyError:
                pass
        auth.record_lock(counter1, rph, "idle")
        auth.unlock(counter1, rph, DEMO_PINS["rph"])
    finally:
        engine.dispose()
