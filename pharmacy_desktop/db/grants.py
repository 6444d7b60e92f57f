"""What the application role may not do directly, only through the SECURITY DEFINER functions of
revision 0008 (which check the acting user's permission in the database) or not at all.

``db create-roles`` grants the application role rows to read and write, then takes back:

- INSERT/UPDATE/DELETE on the audit trail, the permission tables and ``auth_failures``: events and
  access-log rows go through ``audit_schema.record_event`` / ``log_access`` (stamped with the
  acting user), failures through ``user_schema.record_auth_failure``;
- on ``users``: INSERT, DELETE, and UPDATE of everything but the profile columns: accounts are
  created, given a role, (de)activated, deleted, unlocked and given credentials by functions;
- DELETE on tables with soft delete (``deleted_at``), on prescriptions (cancelled, never deleted) and on
  money and pickup records (refunds and reversals are new rows).

Revision 0008 applies the same rules to grants made before it existed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psycopg

FUNCTION_WRITTEN = (
    "audit_schema.domain_events",
    "audit_schema.access_logs",
    "user_schema.auth_failures",
    "user_schema.roles",
    "user_schema.permissions",
    "user_schema.role_permissions",
)
USER_PROFILE_COLUMNS = ("email", "phone", "first_name", "last_name", "license_number", "updated_at", "version")
NEVER_DELETED = (
    "prescription_schema.prescriptions",
    # money and pickups are corrected by new rows (refunds, reversals), never by deleting (revision 0010)
    "billing_schema.sales",
    "billing_schema.sale_tenders",
    "billing_schema.sale_voids",
    "billing_schema.drawer_closes",
    "billing_schema.discount_uses",
    "billing_schema.invoices",
    "billing_schema.invoice_items",
    "billing_schema.payments",
    "billing_schema.insurance_claims",
    "prescription_schema.pickups",
    "prescription_schema.pickup_items",
)


def restrict_app_role(conn: psycopg.Connection, app: str, schemas: tuple[str, ...]) -> None:
    """Take back from ``app`` (a quoted identifier) what only functions may do; ``conn`` is a psycopg
    connection of the owner or a superuser. Tables a database at an older revision lacks are skipped."""

    def exists(table: str) -> bool:
        row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (table,)).fetchone()
        return row is not None and bool(row[0])

    for table in FUNCTION_WRITTEN:
        if exists(table):
            conn.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {table} FROM {app}")
    conn.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON user_schema.users FROM {app}")
    conn.execute(f"GRANT UPDATE ({', '.join(USER_PROFILE_COLUMNS)}) ON user_schema.users TO {app}")
    soft_delete = [
        row[0]
        for row in conn.execute(
            "SELECT c.table_schema || '.' || c.table_name FROM information_schema.columns c "
            "JOIN information_schema.tables t USING (table_schema, table_name) "
            "WHERE c.column_name = 'deleted_at' AND t.table_type = 'BASE TABLE' AND c.table_schema = ANY(%s)",
            (list(schemas),),
        )
    ]
    for table in sorted(set(soft_delete) | {t for t in NEVER_DELETED if exists(t)}):
        conn.execute(f"REVOKE DELETE ON {table} FROM {app}")
