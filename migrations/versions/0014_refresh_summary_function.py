"""The inventory list's view: refreshed by the application role, listed in its order by an index.

- ``inventory_schema.refresh_inventory_summary()``: ``REFRESH MATERIALIZED VIEW CONCURRENTLY
  inventory_summary`` needs the view's owner (or MAINTAIN, PostgreSQL 17+), and workstations
  connect as the application role of ``db create-roles``, which owns nothing: without this the
  inventory list stayed at its last refresh on a shared server. A SECURITY DEFINER function (owned
  by the owner: ``db create-roles`` hands every function over to it) refreshes it and nothing else;
  EXECUTE is taken from PUBLIC and given to the roles that may read the view (the application role
  of an existing ``db create-roles``; a later run grants it again).
- ``idx_inventory_summary_listing`` on (lower(drug_name), strength, ndc_code): the inventory
  screen's search as you type lists matches in that order, at most 101 rows; with the index a short
  prefix reads the first matches in order instead of sorting every item (2,000 items: 8 ms -> 0.5 ms
  of server time, bench/reports.py).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        CREATE INDEX idx_inventory_summary_listing
            ON inventory_schema.inventory_summary (lower(drug_name), strength, ndc_code);

        CREATE FUNCTION inventory_schema.refresh_inventory_summary() RETURNS void
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        BEGIN
            REFRESH MATERIALIZED VIEW CONCURRENTLY inventory_schema.inventory_summary;
        END $$;
        REVOKE EXECUTE ON FUNCTION inventory_schema.refresh_inventory_summary() FROM PUBLIC;

        DO $$
        DECLARE r record;
        BEGIN
            FOR r IN
                SELECT DISTINCT quote_ident(pg_get_userbyid(a.grantee)) AS who
                  FROM pg_class c, aclexplode(c.relacl) a
                 WHERE c.oid = 'inventory_schema.inventory_summary'::regclass
                   AND a.privilege_type = 'SELECT' AND a.grantee <> 0 AND a.grantee <> c.relowner
            LOOP
                EXECUTE format('GRANT EXECUTE ON FUNCTION inventory_schema.refresh_inventory_summary() TO %s', r.who);
            END LOOP;
        END $$;
    """)


def downgrade() -> None:
    op.execute("""
        DROP FUNCTION inventory_schema.refresh_inventory_summary();
        DROP INDEX inventory_schema.idx_inventory_summary_listing;
    """)
