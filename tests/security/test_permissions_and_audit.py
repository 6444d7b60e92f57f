"""Permissions in the service layer, SQL injection, the audit trail and the log file."""

from __future__ import annotations

import datetime as dt
import logging
import uuid

import pytest
from sqlalchemy import func, select, text

from pharmacy_desktop.db.models.audit import AccessLog
from pharmacy_desktop.db.models.patients import Patient
from pharmacy_desktop.db.models.prescriptions import Medication
from pharmacy_desktop.db.models.users import User
from pharmacy_desktop.errors import PermissionDenied
from pharmacy_desktop.services import audit_log, auth
from pharmacy_desktop.services.auth import AuthenticationFailed
from pharmacy_desktop.services.drug_search import refresh_drug_words, search_drugs
from tests.conftest import TEST_PASSWORD
from tests.security.conftest import event_types, events

pytestmark = pytest.mark.db

INJECTIONS = [
    "' OR '1'='1",
    "admin'--",
    "admin' OR 1=1; --",
    "'; DROP TABLE user_schema.users; --",
    "'; DROP TABLE prescription_schema.medications; --",
    "%",
    "_%_",
    "\\",
    "lisinopril' UNION SELECT password_hash FROM user_schema.users --",
    "\x00",
]


def pharmacist_only_permissions(uow_factory) -> list[str]:
    with uow_factory() as uow:
        rows = uow.session.execute(
            text(
                "SELECT p.name FROM user_schema.permissions p "
                "JOIN user_schema.role_permissions rp ON rp.permission_id = p.id "
                "JOIN user_schema.roles r ON r.id = rp.role_id GROUP BY p.name "
                "HAVING bool_or(r.name = 'pharmacist') AND NOT bool_or(r.name = 'technician')"
            )
        )
        return sorted(r[0] for r in rows)


def test_the_seeded_pharmacist_only_permissions(uow_factory):
    assert {"prescription.review", "prescription.override_dur", "prescription.final_verify"} <= set(
        pharmacist_only_permissions(uow_factory)
    )


def test_technician_is_denied_every_pharmacist_only_permission_with_a_clear_error_and_an_event(uow_factory, actors):
    tech, rph = actors["technician"], actors["pharmacist"]
    perms = pharmacist_only_permissions(uow_factory)
    for permission in perms:
        with uow_factory() as uow:
            auth.require(uow, rph, permission)
        with uow_factory(tech.user_id) as uow, pytest.raises(PermissionDenied) as info:
            auth.require(uow, tech, permission)
        message = str(info.value)
        assert tech.display_name in message and "technician" in message and permission in message
        assert "ask a pharmacist" in message
    denials = events(uow_factory, "PermissionDenied")
    assert [d.event_data["permission"] for d in denials] == perms
    assert all(d.user_id == tech.user_id and d.aggregate_id == tech.user_id for d in denials)


def test_a_denial_rolls_back_the_refused_work_but_keeps_the_event(uow_factory, actors):
    tech = actors["technician"]
    with uow_factory(tech.user_id) as uow, pytest.raises(PermissionDenied):
        uow.session.add(Medication(ndc_code="99999000001", drug_name="Sneaky"))
        uow.notify("medications")
        auth.require(uow, tech, "prescription.final_verify")
    with uow_factory() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Medication)) == 0
    assert event_types(uow_factory)[-1] == "PermissionDenied"


@pytest.mark.parametrize("role", ["technician", "pharmacist", "manager"])
def test_only_admins_manage_users(uow_factory, actors, role):
    with pytest.raises(PermissionDenied, match="users.manage"):
        auth.list_users(uow_factory, actors[role])
    with pytest.raises(PermissionDenied):
        auth.create_user(
            uow_factory,
            actors[role],
            username="newbie",
            password="Amber-Vial-Lantern",
            email="newbie@pharmacy.test",
            first_name="New",
            last_name="Bie",
            role="admin",
        )
    assert len(auth.list_users(uow_factory, actors["admin"])) == 4


@pytest.mark.parametrize("role", ["technician", "pharmacist"])
def test_only_managers_and_admins_read_the_audit_trail(uow_factory, actors, role):
    with pytest.raises(PermissionDenied, match="audit.view"):
        audit_log.list_events(uow_factory, actors[role])
    with pytest.raises(PermissionDenied):
        audit_log.list_access(uow_factory, actors[role])
    assert audit_log.list_events(uow_factory, actors["manager"])


# -- SQL injection ------------------------------------------------------------------------------


@pytest.mark.parametrize("attempt", INJECTIONS)
def test_sql_injection_in_login_only_fails_to_match(uow_factory, actors, attempt):
    with pytest.raises(AuthenticationFailed):
        auth.sign_in(uow_factory, attempt, attempt, "counter-1")
    with pytest.raises(AuthenticationFailed):
        auth.sign_in(uow_factory, actors["admin"].username, attempt, "counter-1")
    with uow_factory() as uow:
        assert uow.session.scalar(select(func.count()).select_from(User)) == 4
    # the real account still signs in
    assert auth.sign_in(uow_factory, actors["admin"].username, TEST_PASSWORD, "counter-1")


def test_like_wildcards_in_the_username_match_nothing(uow_factory, actors):
    for pattern in ("%", "admin%", "admin_", "_dmin1"):
        with pytest.raises(AuthenticationFailed):
            auth.sign_in(uow_factory, pattern, TEST_PASSWORD, "counter-1")


def test_sql_injection_in_drug_search_only_fails_to_match(uow_factory):
    with uow_factory() as uow:
        uow.session.add(
            Medication(
                ndc_code="68180051301",
                package_ndc="68180-513-01",
                drug_name="Lisinopril",
                generic_name="Lisinopril",
                strength="10 mg",
                dosage_form="TABLET",
            )
        )
        uow.commit()
    refresh_drug_words(uow_factory)
    assert [h.drug_name for h in search_drugs(uow_factory, "lisin 10")] == ["Lisinopril"]
    for attempt in INJECTIONS:
        hits = search_drugs(uow_factory, attempt)
        assert all(h.drug_name == "Lisinopril" for h in hits), attempt  # no other rows leak out
        assert not search_drugs(uow_factory, attempt + " zzzqqq")
    with uow_factory() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Medication)) == 1
        assert uow.session.scalar(select(func.count()).select_from(User)) == 0


# -- audit trail ----------------------------------------------------------------------------------


def make_patient(uow_factory, last="Okafor", first="Grace") -> uuid.UUID:
    with uow_factory() as uow:
        patient = Patient(
            patient_number=f"P{uuid.uuid4().hex[:8]}",
            first_name=first,
            last_name=last,
            date_of_birth=dt.date(1961, 3, 14),
            phone_primary="(217) 555-0101",
            address_line1="14 Elm Street",
            city="Springfield",
            state="IL",
            zip_code="62701",
        )
        uow.session.add(patient)
        uow.commit()
        return patient.id


def test_record_patient_access_writes_one_access_log_row_per_open(uow_factory, actors):
    tech = actors["technician"]
    patient_id = make_patient(uow_factory)
    for action in ("view", "view", "print"):
        with uow_factory(tech.user_id) as uow:
            audit_log.record_patient_access(uow, tech, patient_id, action)
            uow.commit()
    with uow_factory(tech.user_id) as uow:  # not committed: the open did not happen
        audit_log.record_patient_access(uow, tech, patient_id, "view")
    with uow_factory() as uow:
        logs = list(uow.session.scalars(select(AccessLog).order_by(AccessLog.accessed_at)))
        uow.session.expunge_all()
    assert [(l.user_id, l.resource_type, l.resource_id) for l in logs] == [(tech.user_id, "patient", patient_id)] * 3
    assert sorted(l.action for l in logs) == ["print", "view", "view"]
    assert all(l.user_agent == "pharmacy-desktop@test-ws" for l in logs)
    rows = audit_log.list_access(uow_factory, actors["manager"], audit_log.AuditFilter(resource_id=patient_id))
    assert len(rows) == 3 and rows[0].resource_name == "Okafor, Grace" and rows[0].workstation == "test-ws"
    assert rows[0].username == tech.username
    with pytest.raises(ValueError):
        with uow_factory() as uow:
            audit_log.record_patient_access(uow, tech, patient_id, "peek")


def test_every_security_step_is_a_domain_event(uow_factory, actors):
    tech = actors["technician"]
    auth.set_pin(uow_factory, tech, "4812")
    with pytest.raises(AuthenticationFailed):
        auth.sign_in(uow_factory, tech.username, "wrong-password", "test-ws")
    for _ in range(auth.MAX_FAILED_ATTEMPTS):
        with pytest.raises(AuthenticationFailed):
            auth.sign_in(uow_factory, actors["manager"].username, "wrong-password", "test-ws")
    auth.quick_switch(uow_factory, "4812", "test-ws", from_actor=actors["pharmacist"])
    with pytest.raises(AuthenticationFailed):
        auth.quick_switch(uow_factory, "9999", "test-ws")
    auth.record_lock(uow_factory, tech, "F12")
    auth.unlock(uow_factory, tech, "4812")
    with uow_factory() as uow, pytest.raises(PermissionDenied):
        auth.require(uow, tech, "prescription.review")
    auth.sign_out(uow_factory, tech)
    kinds = set(event_types(uow_factory))
    assert {
        "SignedIn",
        "SignInFailed",
        "AccountLocked",
        "UserSwitched",
        "SwitchFailed",
        "WorkstationLocked",
        "Unlocked",
        "PermissionDenied",
        "SignedOut",
        "UserCreated",
        "PinChanged",
    } <= kinds
    ws = [
        e.event_data.get("workstation") for e in events(uow_factory, "SignInFailed", "UserSwitched", "PermissionDenied")
    ]
    assert set(ws) == {"test-ws"}


def test_audit_filters_by_user_type_date_and_resource(uow_factory, actors):
    manager, tech = actors["manager"], actors["technician"]
    with pytest.raises(AuthenticationFailed):
        auth.sign_in(uow_factory, tech.username, "wrong-password", "test-ws")
    everything = audit_log.list_events(uow_factory, manager)
    assert everything[0].sequence_number > everything[-1].sequence_number  # newest first
    mine = audit_log.list_events(uow_factory, manager, audit_log.AuditFilter(user_id=tech.user_id))
    assert {r.event_type for r in mine} == {"UserCreated", "SignedIn", "SignInFailed"}
    failed = audit_log.list_events(uow_factory, manager, audit_log.AuditFilter(event_type="SignInFailed"))
    assert len(failed) == 1 and failed[0].warning and failed[0].label == "Sign-in failed"
    assert "attempt: 1" in failed[0].details and failed[0].workstation == "test-ws"
    tomorrow = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    assert audit_log.list_events(uow_factory, manager, audit_log.AuditFilter(since=tomorrow)) == []
    assert len(audit_log.list_events(uow_factory, manager, audit_log.AuditFilter(until=tomorrow))) == len(everything)
    by_resource = audit_log.list_events(
        uow_factory, manager, audit_log.AuditFilter(resource_type="user", resource_id=tech.user_id)
    )
    assert {r.aggregate_id for r in by_resource} == {tech.user_id}
    assert "SignInFailed" in audit_log.event_types(uow_factory, manager)
    assert "user" in audit_log.resource_types(uow_factory, manager)
    assert {c.username for c in audit_log.user_choices(uow_factory, manager)} == {a.username for a in actors.values()}


# -- the log file ---------------------------------------------------------------------------------


def test_the_rotating_log_never_contains_a_password(uow_factory, actors, sandbox):
    """Everything is logged at DEBUG, SQL statements and their parameters included."""
    from pharmacy_desktop.config import log_dir
    from pharmacy_desktop.logging_setup import setup_logging

    secret = "Ultra-Secret-Lantern-4711"
    root = logging.getLogger()
    before = list(root.handlers), root.level
    sql_logger = logging.getLogger("sqlalchemy.engine")
    sql_level = sql_logger.level
    try:
        for handler in [h for h in root.handlers if getattr(h, "_pharmacy", False)]:
            root.removeHandler(handler)
        setup_logging(logging.DEBUG)
        sql_logger.setLevel(logging.INFO)  # statements and parameters
        user_id = auth.create_user(
            uow_factory,
            actors["admin"],
            username="logcheck",
            password=secret,
            email="logcheck@pharmacy.test",
            first_name="Log",
            last_name="Check",
            role="technician",
        )
        actor = auth.sign_in(uow_factory, "logcheck", secret, "test-ws")
        with pytest.raises(AuthenticationFailed):
            auth.sign_in(uow_factory, "logcheck", secret + "x", "test-ws")
        with pytest.raises(AuthenticationFailed):
            auth.sign_in(uow_factory, secret, secret, "test-ws")  # password typed into the username field
        auth.unlock(uow_factory, actor, secret)
        auth.reset_password(uow_factory, actors["admin"], user_id, secret + "-2")
        logging.getLogger("pharmacy_desktop.test").info("connecting to postgresql://app:%s@db/pharmacy", secret)
    finally:
        sql_logger.setLevel(sql_level)
        for handler in [h for h in root.handlers if getattr(h, "_pharmacy", False)]:
            handler.flush()
            handler.close()
            root.removeHandler(handler)
        root.setLevel(before[1])
    content = "".join(p.read_text(encoding="utf-8") for p in log_dir().glob("pharmacy-desktop.log*"))
    assert "user_schema.create_account(" in content  # the SQL really was logged
    assert "connecting to postgresql://app:***@db/pharmacy" in content
    assert secret not in content


def test_audit_names_prescriptions_by_their_rx_number(uow_factory, actors):
    rx_id = uuid.uuid4()
    with uow_factory(actors["pharmacist"].user_id) as uow:
        uow.record("PrescriptionValidated", "prescription", rx_id, {"rx_number": "1000042"})
        uow.commit()
    [row] = audit_log.list_events(uow_factory, actors["manager"], audit_log.AuditFilter(resource_id=rx_id))
    assert row.subject == "Rx 1000042"
    assert row.username == actors["pharmacist"].username
