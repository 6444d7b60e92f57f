"""The application role (what every workstation connects as) cannot grant itself a role, clear a
lockout, forge audit events or hard-delete records; the app still does all its work as that role,
through revision 0008's SECURITY DEFINER functions, which check the acting user in the database."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from pharmacy_desktop.config import libpq_url
from pharmacy_desktop.errors import PermissionDenied
from pharmacy_desktop.services import audit_log, auth
from pharmacy_desktop.services.auth import AccountLocked, AuthenticationFailed
from tests.security.conftest import events

pytestmark = pytest.mark.db

ADMIN_PASSWORD = "Amber-Vial-Lantern-9"
TECH_PASSWORD = "Copper-Kettle-Lantern-4"


@pytest.fixture
def people(app_role):
    """An administrator and a technician, created and signed in through the services as the app role."""
    factory = app_role["factory"]
    auth.create_user(
        factory,
        None,
        username="owner",
        password=ADMIN_PASSWORD,
        email="owner@pharmacy.test",
        first_name="Alex",
        last_name="Morgan",
        role="admin",
    )
    admin = auth.sign_in(factory, "owner", ADMIN_PASSWORD, "counter-1")
    auth.create_user(
        factory,
        admin,
        username="tech",
        password=TECH_PASSWORD,
        email="tech@pharmacy.test",
        first_name="Terry",
        last_name="Nguyen",
        role="technician",
    )
    tech = auth.sign_in(factory, "tech", TECH_PASSWORD, "counter-1")
    return {"admin": admin, "tech": tech}


def refused(url: str, sql: str, params: tuple = (), *, acting: uuid.UUID | None = None) -> bool:
    """True when the statement is refused for lack of privilege (each in its own transaction)."""
    with psycopg.connect(libpq_url(url)) as conn:
        if acting is not None:
            conn.execute("SELECT set_config('pharmacy.user_id', %s, true)", (str(acting),))
        try:
            conn.execute(sql, params)
        except psycopg.errors.InsufficientPrivilege:
            return True
        conn.rollback()  # whatever it did, keep the database as it was for the next check
    return False


def test_the_app_role_cannot_change_roles_lockouts_credentials_or_accounts_directly(app_role, people):
    url, tech = app_role["url"], people["tech"].user_id
    for sql in (
        "UPDATE user_schema.users SET role = 'admin' WHERE id = %s",
        "UPDATE user_schema.users SET locked_until = NULL, failed_login_count = 0 WHERE id = %s",
        "UPDATE user_schema.users SET failures_counted_from = now() WHERE id = %s",
        "UPDATE user_schema.users SET password_hash = 'forged', pin_hash = 'forged' WHERE id = %s",
        "UPDATE user_schema.users SET is_active = true, deleted_at = NULL WHERE id = %s",
        "DELETE FROM user_schema.users WHERE id = %s",
        "INSERT INTO user_schema.users (username, email, password_hash, first_name, last_name, role) "
        "SELECT 'mallory', 'm@x.test', 'h', 'M', 'X', 'admin' WHERE %s IS NOT NULL",
    ):
        assert refused(url, sql, (tech,)), sql
    # the profile stays writable (the services edit names and phone numbers directly)
    assert not refused(url, "UPDATE user_schema.users SET phone = '(217) 555-0100' WHERE id = %s", (tech,))


def test_permission_tables_and_failure_counts_are_read_only_for_the_app(app_role, people):
    url = app_role["url"]
    for sql in (
        "INSERT INTO user_schema.role_permissions SELECT r.id, p.id, now() FROM user_schema.roles r, "
        "user_schema.permissions p WHERE r.name = 'technician' AND p.name = 'users.manage'",
        "UPDATE user_schema.roles SET name = name",
        "DELETE FROM user_schema.permissions",
        "DELETE FROM user_schema.auth_failures",
        "UPDATE user_schema.auth_failures SET occurred_at = occurred_at - interval '1 day'",
        "INSERT INTO user_schema.auth_failures (workstation, method, user_ids, occurred_at) "
        "VALUES ('x', 'pin', '{}', now())",
    ):
        assert refused(url, sql), sql


def test_no_hard_deletes_of_patients_or_prescriptions_and_no_forged_audit_rows(app_role, people):
    url, tech = app_role["url"], people["tech"].user_id
    for sql in (
        "DELETE FROM patient_schema.patients",
        "DELETE FROM prescription_schema.prescriptions",
        "DELETE FROM user_schema.users",
        "INSERT INTO audit_schema.domain_events (event_type, aggregate_type, aggregate_id, event_data, user_id) "
        f"VALUES ('PrescriptionValidated', 'prescription', gen_random_uuid(), '{{}}', '{tech}')",
        "INSERT INTO audit_schema.access_logs (action, resource_type, resource_id, user_id) "
        f"VALUES ('view', 'patient', gen_random_uuid(), '{tech}')",
        "UPDATE audit_schema.domain_events SET user_id = NULL",
    ):
        assert refused(url, sql), sql


def test_the_functions_check_the_acting_user(app_role, people):
    url, admin, tech = app_role["url"], people["admin"].user_id, people["tech"].user_id
    for acting in (None, tech):  # nobody, or a technician: refused
        assert refused(url, "SELECT user_schema.set_account_access(%s, 'admin', NULL, false)", (tech,), acting=acting)
        assert refused(url, "SELECT user_schema.unlock_account(%s, now())", (tech,), acting=acting)
        assert refused(
            url, "SELECT user_schema.set_credential(%s, 'password', 'forged', now())", (admin,), acting=acting
        )
        assert refused(
            url,
            "SELECT user_schema.create_account(gen_random_uuid(), 'eve', 'eve@x.test', 'h', "
            "'E', 'V', 'admin', NULL, NULL, now())",
            acting=acting,
        )
    # a deactivated administrator's id is no key either
    auth.create_user(
        app_role["factory"],
        people["admin"],
        username="admin2",
        password=ADMIN_PASSWORD,
        email="admin2@pharmacy.test",
        first_name="Sam",
        last_name="Lee",
        role="admin",
    )
    admin2 = auth.sign_in(app_role["factory"], "admin2", ADMIN_PASSWORD, "counter-2")
    auth.update_user(app_role["factory"], people["admin"], admin2.user_id, 1, is_active=False)
    assert refused(
        url, "SELECT user_schema.set_account_access(%s, 'admin', NULL, false)", (tech,), acting=admin2.user_id
    )
    # a locked account cannot lift its own lockout by "signing in"
    with psycopg.connect(libpq_url(app_role["owner_url"])) as conn:
        conn.execute("UPDATE user_schema.users SET locked_until = now() + interval '10 minutes' WHERE id = %s", (tech,))
    assert refused(url, "SELECT user_schema.note_sign_in(%s, now())", (tech,))


def test_audit_rows_are_stamped_with_the_acting_user_not_a_claimed_one(app_role, people):
    tech, factory = people["tech"], app_role["factory"]
    patient_id = uuid.uuid4()
    with factory(tech.user_id) as uow:
        uow.record("PatientViewed", "patient", patient_id)
        uow.commit()
    with psycopg.connect(libpq_url(app_role["url"])) as conn:
        conn.execute(
            "SELECT audit_schema.record_event(gen_random_uuid(), 'Forged', 'patient', %s, '{}')", (patient_id,)
        )  # no acting user set: nobody's name goes on it
        conn.commit()
        rows = conn.execute(
            "SELECT event_type, user_id FROM audit_schema.domain_events WHERE aggregate_id = %s "
            "ORDER BY sequence_number",
            (patient_id,),
        ).fetchall()
    assert rows == [("PatientViewed", tech.user_id), ("Forged", None)]


def test_the_normal_flows_work_as_the_app_role(app_role, people):
    factory, admin, tech = app_role["factory"], people["admin"], people["tech"]
    # lockout: counted, locked, refused, unlocked by the administrator
    for _ in range(auth.MAX_FAILED_ATTEMPTS):
        with pytest.raises(AuthenticationFailed):
            auth.sign_in(factory, "tech", "wrong-password", "counter-2")
    with pytest.raises(AccountLocked):
        auth.sign_in(factory, "tech", TECH_PASSWORD, "counter-2")
    auth.unlock_account(factory, admin, tech.user_id)
    tech = auth.sign_in(factory, "tech", TECH_PASSWORD, "counter-1")
    # credentials: own PIN and password, a badge and a reset by the administrator
    auth.set_pin(factory, tech, "4812")
    auth.change_password(factory, tech, TECH_PASSWORD, TECH_PASSWORD + "-b")
    auth.set_badge(factory, admin, tech.user_id, "BADGE-000917")
    auth.reset_password(factory, admin, tech.user_id, TECH_PASSWORD)
    assert auth.quick_switch(factory, "4812", "counter-1", from_actor=admin).user_id == tech.user_id
    with pytest.raises(AuthenticationFailed):
        auth.quick_switch(factory, "0000", "counter-1", from_actor=admin)
    # user management: role, edit, deactivate, delete
    row = next(r for r in auth.list_users(factory, admin) if r.username == "tech")
    auth.update_user(factory, admin, tech.user_id, row.version, role="manager", phone="(217) 555-0142")
    row = next(r for r in auth.list_users(factory, admin) if r.username == "tech")
    assert (row.role, row.phone) == ("manager", "(217) 555-0142")
    auth.update_user(factory, admin, tech.user_id, row.version, is_active=False)
    row = next(r for r in auth.list_users(factory, admin) if r.username == "tech")
    assert not row.is_active
    auth.delete_user(factory, admin, tech.user_id, row.version)
    assert "tech" not in {r.username for r in auth.list_users(factory, admin)}
    # audit writes and reads
    with factory(admin.user_id) as uow:
        audit_log.record_patient_access(uow, admin, uuid.uuid4(), "view")
        uow.commit()
    kinds = {e.event_type for e in events(factory)}
    assert {
        "SignedIn",
        "SignInFailed",
        "AccountLocked",
        "AccountUnlocked",
        "PinChanged",
        "PasswordChanged",
        "BadgeAssigned",
        "PasswordReset",
        "UserSwitched",
        "SwitchFailed",
        "UserUpdated",
        "UserDeleted",
    } <= kinds
    assert audit_log.list_events(factory, admin) and audit_log.list_access(factory, admin)
    auth.sign_out(factory, admin)
    with pytest.raises(PermissionDenied):  # signed out: the session is over
        auth.list_users(factory, admin)


def test_the_upgrade_takes_back_what_older_grants_gave(app_role, database_url):
    """A pharmacy that ran create-roles before revision 0008 gets the same limits from the upgrade."""
    from pharmacy_desktop.db import migrate

    owner_url, app = app_role["owner_url"], f'"{app_role["name"]}"'
    migrate.downgrade(owner_url, "0007")
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:  # the old, wide grants
        for schema in ("user_schema", "audit_schema", "patient_schema", "prescription_schema"):
            conn.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {app}")
    assert not refused(app_role["url"], "DELETE FROM prescription_schema.prescriptions")
    migrate.upgrade(owner_url)
    url = app_role["url"]
    assert refused(url, "UPDATE user_schema.users SET role = 'admin'")
    assert refused(url, "DELETE FROM prescription_schema.prescriptions")
    assert refused(url, "DELETE FROM patient_schema.patients")
    assert refused(
        url,
        "INSERT INTO audit_schema.domain_events (event_type, aggregate_type, aggregate_id, "
        "event_data) VALUES ('x', 'y', gen_random_uuid(), '{}')",
    )
    assert refused(
        url,
        "INSERT INTO user_schema.role_permissions SELECT r.id, p.id, now() "
        "FROM user_schema.roles r, user_schema.permissions p LIMIT 1",
    )
    assert not refused(url, "UPDATE user_schema.users SET phone = NULL WHERE false")
