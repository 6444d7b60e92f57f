"""Guessing limits held in the database, and the app role's writes to accounts and audit through
SECURITY DEFINER functions.

- user_schema.auth_failures: one row per wrong password, PIN or badge, naming the workstation and
  every account the attempt counts against (a wrong password: the account typed; a wrong PIN:
  every account the workstation could have switched to, since a 4-digit PIN does not say whom it
  was aimed at). Rows are counted within a window, so counters decay; nothing resets another
  account's count. users.failures_counted_from: failures before it no longer count (set by a
  password sign-in, an administrator's unlock or password reset).
- The acting user of a transaction is the setting ``pharmacy.user_id`` (the unit of work sets it
  with set_config(..., true), i.e. SET LOCAL, at the start of each transaction).
- Functions (owned by the migration's role, search_path pinned) are the only way for a role that
  does not own the tables to: insert audit events and access-log rows (stamped with the acting
  user), create accounts, change role / active / deleted, set passwords, PINs and badges, touch
  the lockout fields, and record failures. Each checks the acting user's permission in the
  database (users.manage), or that the acting user is the account itself.
- Grants that already exist (``db create-roles`` ran before this revision) are tightened here for
  every role except the owner: no INSERT/UPDATE/DELETE on the audit tables, auth_failures and the
  permission tables; on users only UPDATE of the profile columns; no DELETE on any table with
  ``deleted_at`` (soft delete) nor on prescriptions (cancelled, never deleted). ``db create-roles``
  applies the same rules (pharmacy_desktop/db/grants.py) when re-run.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

SCHEMAS = (
    "user_schema",
    "patient_schema",
    "prescription_schema",
    "inventory_schema",
    "billing_schema",
    "notification_schema",
    "audit_schema",
)
FUNCTION_WRITTEN = (
    "audit_schema.domain_events",
    "audit_schema.access_logs",
    "user_schema.auth_failures",
    "user_schema.roles",
    "user_schema.permissions",
    "user_schema.role_permissions",
)
# what a non-owner role may still UPDATE on users directly (the profile; the ORM bumps version)
USER_PROFILE_COLUMNS = ("email", "phone", "first_name", "last_name", "license_number", "updated_at", "version")

DEFINER = "LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp"


def upgrade() -> None:
    op.execute(f"""
        ALTER TABLE user_schema.users ADD COLUMN failures_counted_from TIMESTAMP WITH TIME ZONE;
        CREATE TABLE user_schema.auth_failures (
            id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            workstation VARCHAR(100) NOT NULL,
            method VARCHAR(20) NOT NULL,
            user_ids UUID[] NOT NULL,
            occurred_at TIMESTAMP WITH TIME ZONE NOT NULL,
            CONSTRAINT ck_auth_failures_method CHECK (method IN ('password', 'pin', 'badge'))
        );
        CREATE INDEX idx_auth_failures_occurred_at ON user_schema.auth_failures(occurred_at);
        CREATE INDEX idx_auth_failures_workstation ON user_schema.auth_failures(workstation, occurred_at);

        CREATE FUNCTION user_schema.acting_user() RETURNS uuid LANGUAGE sql STABLE
            AS $$ SELECT nullif(current_setting('pharmacy.user_id', true), '')::uuid $$;

        -- 'ok', 'unknown', 'deleted', 'inactive' or 'locked': may this account act right now?
        CREATE FUNCTION user_schema.account_state(p_user uuid) RETURNS text LANGUAGE sql STABLE
            SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
            SELECT CASE WHEN u.id IS NULL THEN 'unknown'
                        WHEN u.deleted_at IS NOT NULL THEN 'deleted'
                        WHEN u.is_active IS NOT TRUE THEN 'inactive'
                        WHEN u.locked_until > now() THEN 'locked'
                        ELSE 'ok' END
            FROM (SELECT 1) AS one LEFT JOIN user_schema.users u ON u.id = p_user
        $$;

        CREATE FUNCTION user_schema.acting_user_may(p_permission text) RETURNS boolean LANGUAGE sql STABLE
            SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
            SELECT user_schema.account_state(user_schema.acting_user()) = 'ok' AND EXISTS (
                SELECT 1 FROM user_schema.users u
                JOIN user_schema.roles r ON r.name = u.role
                JOIN user_schema.role_permissions rp ON rp.role_id = r.id
                JOIN user_schema.permissions p ON p.id = rp.permission_id
                WHERE u.id = user_schema.acting_user() AND p.name = p_permission)
        $$;

        CREATE FUNCTION user_schema.refuse(p_what text) RETURNS void LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'not allowed: %', p_what USING ERRCODE = 'insufficient_privilege';
        END $$;

        CREATE FUNCTION audit_schema.record_event(p_id uuid, p_event_type varchar, p_aggregate_type varchar,
                                                  p_aggregate_id uuid, p_event_data jsonb) RETURNS void {DEFINER} AS $$
        BEGIN
            INSERT INTO audit_schema.domain_events (id, event_type, aggregate_type, aggregate_id, event_data, user_id)
            VALUES (p_id, p_event_type, p_aggregate_type, p_aggregate_id, p_event_data, user_schema.acting_user());
        END $$;

        CREATE FUNCTION audit_schema.log_access(p_id uuid, p_action varchar, p_resource_type varchar,
                                                p_resource_id uuid, p_user_agent text) RETURNS void {DEFINER} AS $$
        BEGIN
            INSERT INTO audit_schema.access_logs (id, user_id, action, resource_type, resource_id, user_agent)
            VALUES (p_id, user_schema.acting_user(), p_action, p_resource_type, p_resource_id, p_user_agent);
        END $$;

        -- an administrator creates an account; without one, only the first account (an admin) while none exists
        CREATE FUNCTION user_schema.create_account(p_id uuid, p_username varchar, p_email varchar,
                p_password_hash varchar, p_first_name varchar, p_last_name varchar, p_role varchar,
                p_license_number varchar, p_phone varchar, p_at timestamptz) RETURNS uuid {DEFINER} AS $$
        BEGIN
            IF NOT user_schema.acting_user_may('users.manage')
               AND (p_role IS DISTINCT FROM 'admin' OR EXISTS (SELECT 1 FROM user_schema.users)) THEN
                PERFORM user_schema.refuse('creating accounts needs users.manage');
            END IF;
            INSERT INTO user_schema.users (id, username, email, password_hash, first_name, last_name, role,
                                           license_number, phone, password_changed_at)
            VALUES (p_id, p_username, p_email, p_password_hash, p_first_name, p_last_name, p_role,
                    p_license_number, p_phone, p_at);
            RETURN p_id;
        END $$;

        -- role, active and deleted (NULL: unchanged); bumps version like an edit
        CREATE FUNCTION user_schema.set_account_access(p_user uuid, p_role varchar, p_is_active boolean,
                                                       p_delete boolean) RETURNS void {DEFINER} AS $$
        BEGIN
            IF NOT user_schema.acting_user_may('users.manage') THEN
                PERFORM user_schema.refuse('changing role or access needs users.manage');
            END IF;
            UPDATE user_schema.users
               SET role = coalesce(p_role, role), is_active = coalesce(p_is_active, is_active),
                   deleted_at = CASE WHEN p_delete THEN now() ELSE deleted_at END,
                   updated_at = now(), version = version + 1
             WHERE id = p_user;
        END $$;

        CREATE FUNCTION user_schema.unlock_account(p_user uuid, p_at timestamptz) RETURNS void {DEFINER} AS $$
        BEGIN
            IF NOT user_schema.acting_user_may('users.manage') THEN
                PERFORM user_schema.refuse('unlocking accounts needs users.manage');
            END IF;
            UPDATE user_schema.users SET locked_until = NULL, failed_login_count = 0,
                   failures_counted_from = greatest(p_at, now())
             WHERE id = p_user;
        END $$;

        -- a password, PIN or badge hash: the account itself, or an administrator (a reset lifts a lockout)
        CREATE FUNCTION user_schema.set_credential(p_user uuid, p_kind varchar, p_hash varchar, p_at timestamptz)
            RETURNS void {DEFINER} AS $$
        DECLARE own boolean := coalesce(p_user = user_schema.acting_user(), false)
                               AND user_schema.account_state(p_user) = 'ok';
        BEGIN
            IF NOT own AND NOT user_schema.acting_user_may('users.manage') THEN
                PERFORM user_schema.refuse('changing another account''s credentials needs users.manage');
            END IF;
            IF p_kind = 'password' THEN
                UPDATE user_schema.users SET password_hash = p_hash, password_changed_at = p_at WHERE id = p_user;
                IF NOT own THEN
                    UPDATE user_schema.users SET locked_until = NULL, failed_login_count = 0,
                           failures_counted_from = greatest(p_at, now()) WHERE id = p_user;
                END IF;
            ELSIF p_kind = 'pin' THEN
                UPDATE user_schema.users SET pin_hash = p_hash WHERE id = p_user;
            ELSIF p_kind = 'badge' THEN
                UPDATE user_schema.users SET badge_hash = p_hash WHERE id = p_user;
            ELSE
                RAISE EXCEPTION 'unknown credential kind %', p_kind;
            END IF;
        END $$;

        -- a good password sign-in: counters start again; refused while the account is locked
        -- (least(p_at, now()): a client clock set ahead does not lift a lockout)
        CREATE FUNCTION user_schema.note_sign_in(p_user uuid, p_at timestamptz) RETURNS void {DEFINER} AS $$
        BEGIN
            UPDATE user_schema.users
               SET last_login_at = p_at, failed_login_count = 0, locked_until = NULL, failures_counted_from = p_at
             WHERE id = p_user AND is_active IS TRUE AND deleted_at IS NULL
               AND (locked_until IS NULL OR locked_until <= least(p_at, now()));
            IF NOT FOUND THEN
                PERFORM user_schema.refuse('the account is locked, inactive or deleted');
            END IF;
        END $$;

        -- a wrong password/PIN/badge; for a password, the account's failures within the window
        -- (since failures_counted_from) are counted and the account locked at the limit
        CREATE FUNCTION user_schema.record_auth_failure(p_workstation varchar, p_method varchar, p_user_ids uuid[],
                p_at timestamptz, p_limit integer, p_window interval)
            RETURNS TABLE (failure_count integer, locked_until_at timestamptz) {DEFINER} AS $$
        DECLARE
            target uuid := CASE WHEN p_method = 'password' AND cardinality(p_user_ids) = 1 THEN p_user_ids[1] END;
            since timestamptz;
            n integer;
        BEGIN
            IF target IS NOT NULL THEN  -- one failure at a time per account: concurrent ones all count
                SELECT coalesce(u.failures_counted_from, '-infinity') INTO since
                  FROM user_schema.users u WHERE u.id = target FOR UPDATE;
            END IF;
            INSERT INTO user_schema.auth_failures (workstation, method, user_ids, occurred_at)
            VALUES (p_workstation, p_method, p_user_ids, p_at);
            IF target IS NULL OR since IS NULL THEN
                RETURN QUERY SELECT 0, NULL::timestamptz;
                RETURN;
            END IF;
            SELECT count(*) INTO n FROM user_schema.auth_failures f
             WHERE f.method = 'password' AND f.user_ids = ARRAY[target]
               AND f.occurred_at > greatest(p_at - p_window, since) AND f.occurred_at <= p_at;
            RETURN QUERY
            UPDATE user_schema.users u
               SET failed_login_count = n,
                   locked_until = CASE WHEN n >= greatest(p_limit, 1) THEN p_at + p_window ELSE u.locked_until END
             WHERE u.id = target
            RETURNING u.failed_login_count, u.locked_until;
        END $$;
    """)
    _tighten_existing_grants()


def _tighten_existing_grants() -> None:
    """Roles granted rights before this revision (``db create-roles``) lose what is now function-only."""
    schemas = ", ".join(f"'{s}'" for s in SCHEMAS)
    function_written = ", ".join(f"'{t}'" for t in FUNCTION_WRITTEN)
    columns = ", ".join(USER_PROFILE_COLUMNS)
    op.execute(f"""
        DO $$
        DECLARE r record;
        BEGIN
            FOR r IN
                SELECT c.oid::regclass::text AS tbl, a.privilege_type AS priv,
                       CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END AS who,
                       EXISTS (SELECT 1 FROM pg_attribute t WHERE t.attrelid = c.oid AND t.attname = 'deleted_at'
                               AND NOT t.attisdropped) AS soft_delete
                  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a
                 WHERE n.nspname IN ({schemas}) AND c.relkind IN ('r', 'p') AND a.grantee <> c.relowner
                   AND a.privilege_type IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')
            LOOP
                IF r.tbl IN ({function_written}) OR r.priv = 'TRUNCATE'
                   OR (r.tbl = 'user_schema.users' AND r.priv <> 'UPDATE')
                   OR ((r.soft_delete OR r.tbl = 'prescription_schema.prescriptions') AND r.priv = 'DELETE') THEN
                    EXECUTE format('REVOKE %s ON %s FROM %s', r.priv, r.tbl, r.who);
                ELSIF r.tbl = 'user_schema.users' AND r.priv = 'UPDATE' THEN
                    EXECUTE format('REVOKE UPDATE ON %s FROM %s', r.tbl, r.who);
                    EXECUTE format('GRANT UPDATE ({columns}) ON %s TO %s', r.tbl, r.who);
                END IF;
            END LOOP;
        END $$;
    """)


def downgrade() -> None:
    # grants tightened by the upgrade are not widened again: re-run `db create-roles` at 0007 for that
    op.execute("""
        DROP FUNCTION user_schema.record_auth_failure(varchar, varchar, uuid[], timestamptz, integer, interval);
        DROP FUNCTION user_schema.note_sign_in(uuid, timestamptz);
        DROP FUNCTION user_schema.set_credential(uuid, varchar, varchar, timestamptz);
        DROP FUNCTION user_schema.unlock_account(uuid, timestamptz);
        DROP FUNCTION user_schema.set_account_access(uuid, varchar, boolean, boolean);
        DROP FUNCTION user_schema.create_account(uuid, varchar, varchar, varchar, varchar, varchar, varchar,
                                                 varchar, varchar, timestamptz);
        DROP FUNCTION audit_schema.log_access(uuid, varchar, varchar, uuid, text);
        DROP FUNCTION audit_schema.record_event(uuid, varchar, varchar, uuid, jsonb);
        DROP FUNCTION user_schema.refuse(text);
        DROP FUNCTION user_schema.acting_user_may(text);
        DROP FUNCTION user_schema.account_state(uuid);
        DROP FUNCTION user_schema.acting_user();
        DROP TABLE user_schema.auth_failures;
        ALTER TABLE user_schema.users DROP COLUMN failures_counted_from;
    """)
