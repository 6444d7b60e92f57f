"""`pharmacy-desktop db create-roles`: the app role does the app's work and nothing more."""

from __future__ import annotations

import itertools
import os

import psycopg
import pytest

from pharmacy_desktop.cli.roles import SCHEMAS, create_roles, scram_verifier
from pharmacy_desktop.config import libpq_url, secret_key_for, with_keyring_password
from pharmacy_desktop.keyring_store import get_secret

pytestmark = pytest.mark.db
_n = itertools.count()


@pytest.fixture
def roles(database_url):
    suffix = f"{os.getpid()}_{next(_n)}"
    owner, app = f"owner_{suffix}", f"app_{suffix}"
    urls = create_roles(database_url, owner, app)
    return {
        "owner": with_keyring_password(urls[owner]),
        "app": with_keyring_password(urls[app]),
        "owner_name": owner,
        "app_name": app,
        "plain_app_url": urls[app],
    }


def connect(url: str) -> psycopg.Connection:
    return psycopg.connect(libpq_url(url), autocommit=True)


def refused(conn, sql: str) -> bool:
    try:
        conn.execute(sql)
    except psycopg.errors.InsufficientPrivilege:
        return True
    return False


def test_passwords_are_only_in_the_keyring(roles):
    assert ":" not in roles["plain_app_url"].split("@")[0].split("//")[1]  # no password in the URL
    password = get_secret(secret_key_for(roles["plain_app_url"]))
    assert password and len(password) >= 24
    assert password in roles["app"]  # the keyring completes the URL


def test_the_app_role_does_the_apps_work(roles):
    """Sign-in, account creation, audit events, access logs and change notices, as the app role."""
    from pharmacy_desktop.db.engine import make_engine, make_session_factory
    from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
    from pharmacy_desktop.services import audit_log, auth

    engine = make_engine(roles["app"])
    try:
        factory = UnitOfWorkFactory(make_session_factory(engine), workstation="counter-1")
        admin_id = auth.create_user(
            factory,
            None,
            username="owner",
            password="Amber-Vial-Lantern",
            email="owner@pharmacy.test",
            first_name="Alex",
            last_name="Morgan",
            role="admin",
        )
        admin = auth.sign_in(factory, "owner", "Amber-Vial-Lantern", "counter-1")
        with pytest.raises(auth.AuthenticationFailed):
            auth.sign_in(factory, "owner", "wrong-password", "counter-1")
        auth.update_user(factory, admin, admin_id, 1, phone="(217) 555-0100")
        with factory(admin.user_id) as uow:
            audit_log.record_patient_access(uow, admin, admin_id, "view")
            uow.notify("users", admin_id)
            uow.commit()
        assert audit_log.list_events(factory, admin)
        auth.sign_out(factory, admin)
    finally:
        engine.dispose()


def test_the_app_role_cannot_drop_alter_or_touch_migrations(roles):
    with connect(roles["app"]) as conn:
        assert conn.execute("SELECT count(*) FROM user_schema.permissions").fetchone()[0] > 10
        assert refused(conn, "DROP TABLE prescription_schema.prescriptions")
        assert refused(conn, "DROP TABLE audit_schema.domain_events")
        assert refused(conn, "ALTER TABLE user_schema.users ADD COLUMN backdoor text")
        assert refused(conn, "ALTER TABLE user_schema.users DISABLE TRIGGER ALL")
        assert refused(conn, "TRUNCATE audit_schema.access_logs")
        assert refused(conn, "CREATE TABLE user_schema.extra (id int)")
        assert refused(conn, "CREATE TABLE public.extra (id int)")
        assert refused(conn, "DROP SCHEMA billing_schema CASCADE")
        assert refused(conn, "SELECT * FROM public.alembic_version")
        assert refused(conn, "UPDATE public.alembic_version SET version_num = '0001'")
        assert refused(conn, "DELETE FROM public.alembic_version")
        # the audit trail is append-only for the app
        assert refused(conn, "UPDATE audit_schema.domain_events SET event_type = 'x'")
        assert refused(conn, "DELETE FROM audit_schema.domain_events")
        # roles and permissions come from migrations only
        assert refused(
            conn,
            "INSERT INTO user_schema.role_permissions SELECT r.id, p.id, now() "
            "FROM user_schema.roles r, user_schema.permissions p LIMIT 1",
        )
        assert refused(conn, "DELETE FROM user_schema.permissions")
        assert refused(conn, "ALTER ROLE CURRENT_USER SUPERUSER")


def test_the_owner_role_owns_everything_and_can_migrate(roles, database_url):
    from pharmacy_desktop.db import migrate

    with connect(roles["owner"]) as conn:
        foreign = conn.execute(
            "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = ANY(%s) AND c.relkind IN ('r', 'v', 'm', 'S') "
            "AND pg_get_userbyid(c.relowner) <> %s",
            (list(SCHEMAS), roles["owner_name"]),
        ).fetchall()
        assert foreign == []
    head = migrate.current(roles["owner"])
    migrate.downgrade(roles["owner"], "-1")
    migrate.upgrade(roles["owner"])
    assert migrate.current(roles["owner"]) == head
    # a table recreated by the migration as the owner is reachable by the app (default privileges)
    with connect(roles["app"]) as conn:
        conn.execute("SELECT count(*) FROM prescription_schema.will_call_bins")


def test_create_roles_is_idempotent(roles, database_url):
    password = get_secret(secret_key_for(roles["plain_app_url"]))
    create_roles(database_url, roles["owner_name"], roles["app_name"])
    assert get_secret(secret_key_for(roles["plain_app_url"])) == password
    with connect(roles["app"]) as conn:
        conn.execute("SELECT 1")


def test_the_server_gets_a_scram_verifier_never_the_password(roles, database_url):
    password = get_secret(secret_key_for(roles["plain_app_url"]))
    with connect(database_url) as conn:
        stored = conn.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (roles["app_name"],)).fetchone()[
            0
        ]
    assert stored.startswith("SCRAM-SHA-256$4096:") and password not in stored
    assert scram_verifier(password) != scram_verifier(password)  # salted
