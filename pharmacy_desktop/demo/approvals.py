"""The pharmacist's part of the demo prescriptions: every alert overridden with a stated reason, then approved."""

from __future__ import annotations

import uuid

from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
from pharmacy_desktop.services import dur_review, review
from pharmacy_desktop.services.auth import Actor

DEMO_REASON = "Demo data: reviewed with the prescriber."


def approve_as_demo(uow_factory: UnitOfWorkFactory, actor: Actor, prescription_id: uuid.UUID) -> None:
    """For demo data only: clear every alert with a demo reason, then approve."""
    with uow_factory(actor.user_id) as uow:
        if dur_review.is_stale(uow, prescription_id):  # none current, or older than the profile
            dur_review.run_dur(uow, prescription_id)
            uow.commit()
    with uow_factory(actor.user_id) as uow:
        rows = [r.id for r in dur_review.current_validations(uow, prescription_id) if r.validation_status != "passed"]
    for validation_id in rows:
        review.override_alert(
            uow_factory, actor, validation_id, DEMO_REASON, professional_code="M0", result_code="1G"
        )  # NCPDP: prescriber consulted, filled with prescriber approval
    review.approve(uow_factory, actor, prescription_id)
