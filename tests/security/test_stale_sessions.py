"""A session left open after its account was deactivated, locked or signed out does nothing
(issue 11, item 7): every service call with the stale ``Actor`` is refused with a clear message,
changes nothing and leaves a trace in the audit log."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from pharmacy_desktop.db.models.users import User
from pharmacy_desktop.errors import PermissionDenied
from pharmacy_desktop.services import audit_log, auth, fill, intake, patients, pharmacy, will_call
from tests.conftest import TEST_PASSWORD
from tests.security.conftest import events
from tests.security.test_permissions_and_audit import make_patient

pytestmark = pytest.mark.db


def every_kind_of_call(uow_factory, actor, patient_id):
    """Reads, patient records, the actor's own credentials, and a write in the caller's unit of work."""

    def record_access():
        with uow_factory(actor.user_id) as uow:
            audit_log.record_patient_access(uow, actor, patient_id, "view")
            uow.commit()

    return {
        "search patients": lambda: patients.search_patients(uow_factory, actor, "Okafor"),
        "open a patient": lambda: patients.open_patient(uow_factory, actor, patient_id),
        "look for duplicates": lambda: patients.find_duplicates(
            uow_factory, actor, "Grace", "Okafor", dt.date(1961, 3, 14)
        ),
        "set a PIN": lambda: auth.set_pin(uow_factory, actor, "4812"),
        "change the password": lambda: auth.change_password(uow_factory, actor, TEST_PASSWORD, "Fresh-Lantern-2027"),
        "set a badge": lambda: auth.set_badge(uow_factory, actor, actor.user_id, "BADGE-000917"),
        "see the fill queue": lambda: fill.fill_queue(uow_factory, actor),
        "see returned prescriptions": lambda: intake.returned_to_intake(uow_factory, actor),
        "see the will-call bins": lambda: will_call.list_bins(uow_factory, actor),
        "see the workload": lambda: pharmacy.workload(uow_factory, actor),
        "log a patient access": record_access,
    }


def credentials(uow_factory, user_id):
    with uow_factory() as uow:
        return uow.session.execute(
            select(User.password_hash, User.pin_hash, User.badge_hash)
            .where(User.id == user_id)
            .execution_options(include_deleted=True)
        ).one()


def assert_every_call_refused(uow_factory, actor, patient_id, says: str):
    before = credentials(uow_factory, actor.user_id)
    for doing, call in every_kind_of_call(uow_factory, actor, patient_id).items():
        with pytest.raises(PermissionDenied) as refused:
            call()
        message = str(refused.value)
        assert says in message and "Sign out" in message, (doing, message)
    assert credentials(uow_factory, actor.user_id) == before  # nothing was changed
    assert events(uow_factory, "StaleSessionRefused")


def test_a_deactivated_users_open_session_is_refused_everything(uow_factory, actors):
    tech, patient_id = actors["technician"], make_patient(uow_factory)
    assert patients.search_patients(uow_factory, tech, "Okafor")  # works while the account is active
    version = _version(uow_factory, tech.user_id)
    auth.update_user(uow_factory, actors["admin"], tech.user_id, version, is_active=False)  # at another desk
    accesses = len(audit_log.list_access(uow_factory, actors["admin"]))
    assert_every_call_refused(uow_factory, tech, patient_id, "deactivated")
    assert len(audit_log.list_access(uow_factory, actors["admin"])) == accesses  # no patient was opened
    auth.sign_out(uow_factory, tech)  # signing out still works


def test_a_locked_out_users_open_session_is_refused_everything(uow_factory, second_workstation, actors):
    tech, patient_id = actors["technician"], make_patient(uow_factory)
    for _ in range(auth.MAX_FAILED_ATTEMPTS):  # someone guesses the password at another workstation
        with pytest.raises(auth.AuthenticationFailed):
            auth.sign_in(second_workstation, tech.username, "wrong-password", "counter-2")
    assert_every_call_refused(uow_factory, tech, patient_id, "locked")
    auth.unlock_account(uow_factory, actors["admin"], tech.user_id)
    assert patients.search_patients(uow_factory, tech, "Okafor")  # unlocked: the session works again


def test_a_signed_out_session_is_refused_where_it_matters(uow_factory, actors):
    """A revoked session (signed out, or all sessions revoked) no longer opens records or sets secrets."""
    tech, patient_id = actors["technician"], make_patient(uow_factory)
    auth.sign_out(uow_factory, tech)
    for call in (
        lambda: patients.search_patients(uow_factory, tech, "Okafor"),
        lambda: patients.open_patient(uow_factory, tech, patient_id),
        lambda: auth.set_pin(uow_factory, tech, "4812"),
        lambda: auth.change_password(uow_factory, tech, TEST_PASSWORD, "Fresh-Lantern-2027"),
    ):
        with pytest.raises(PermissionDenied, match="session ended"):
            call()
    assert credentials(uow_factory, tech.user_id).pin_hash is None


def _version(uow_factory, user_id) -> int:
    with uow_factory() as uow:
        return uow.session.scalar(select(User.version).where(User.id == user_id))
