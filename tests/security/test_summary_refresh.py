"""The inventory list's materialized view is refreshed by workstations connected as the application
role (revision 0014's SECURITY DEFINER function): REFRESH itself needs the view's owner."""

from __future__ import annotations

import psycopg
import pytest

from pharmacy_desktop.config import libpq_url
from pharmacy_desktop.services import inventory_view

pytestmark = pytest.mark.db

NEW_ITEM = """
WITH m AS (
    INSERT INTO prescription_schema.medications (ndc_code, package_ndc, drug_name, strength, dosage_form, route,
                                                 catalog_source)
    VALUES ('99999000101', '99999-0001-01', 'Refreshazole', '5 mg', 'TABLET', 'ORAL', 'test') RETURNING id, ndc_code
)
INSERT INTO inventory_schema.inventory_items (medication_id, ndc_code, quantity_on_hand, quantity_unit, reorder_point,
                                              reorder_quantity)
SELECT id, ndc_code, 0, 'tablet', 10, 100 FROM m RETURNING id
"""


def listed(conn: psycopg.Connection, item_id) -> bool:
    row = conn.execute("SELECT count(*) FROM inventory_schema.inventory_summary WHERE id = %s", (item_id,)).fetchone()
    return row is not None and row[0] == 1


def test_the_app_role_refreshes_the_inventory_summary_through_the_function(app_role):
    with psycopg.connect(libpq_url(app_role["url"]), autocommit=True) as conn:
        row = conn.execute(NEW_ITEM).fetchone()
        assert row is not None
        item_id = row[0]
        assert not listed(conn, item_id)  # a new item: not in the list before a refresh
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # why the function exists
            conn.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY inventory_schema.inventory_summary")
        inventory_view.refresh_summary(app_role["factory"])  # the service the screen calls, as the app role
        assert listed(conn, item_id)
        owner = conn.execute(
            "SELECT pg_get_userbyid(p.proowner), p.prosecdef FROM pg_proc p "
            "WHERE p.oid = 'inventory_schema.refresh_inventory_summary()'::regprocedure"
        ).fetchone()
        assert owner == (app_role["owner"], True)  # runs as the owner role, which owns the view


def test_an_upgrade_after_create_roles_gives_the_app_role_the_function(app_role):
    """A pharmacy that ran create-roles before revision 0014: the upgrade (run as the owner) grants
    EXECUTE to the roles that read the view, and to no one else (PUBLIC's default is taken back)."""
    from pharmacy_desktop.db import migrate

    migrate.downgrade(app_role["owner_url"], "0013")
    migrate.upgrade(app_role["owner_url"], "0014")
    inventory_view.refresh_summary(app_role["factory"])
    with psycopg.connect(libpq_url(app_role["owner_url"]), autocommit=True) as conn:
        grantees = {
            r[0]
            for r in conn.execute(
                "SELECT coalesce(pg_get_userbyid(nullif(a.grantee, 0)), 'PUBLIC') FROM pg_proc p, aclexplode(p.proacl) a "
                "WHERE p.oid = 'inventory_schema.refresh_inventory_summary()'::regprocedure"
            )
        }
    assert app_role["name"] in grantees and "PUBLIC" not in grantees
