"""The seven schemas of the database design document, as written.

Cross-schema REFERENCES of the document (created_by, performed_by, ... -> user_schema.users) are
kept as plain UUID columns: the document's own rule is no foreign keys across schemas. The
partitioning example is left out (the tables it names are not partitioned tables). The
materialized view moves the batch status test into the join so items without batches still
appear, and gets the unique index that REFRESH ... CONCURRENTLY requires.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from pathlib import Path

from alembic import op

revision = "0001"
down_revision = None
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
SQL_DIR = Path(__file__).resolve().parents[1] / "sql"

INVENTORY_SUMMARY = """
CREATE MATERIALIZED VIEW inventory_schema.inventory_summary AS
SELECT
    i.id,
    i.ndc_code,
    m.drug_name,
    i.quantity_on_hand,
    i.reorder_point,
    COUNT(b.id) AS batch_count,
    MIN(b.expiration_date) AS nearest_expiry
FROM inventory_schema.inventory_items i
JOIN prescription_schema.medications m ON i.medication_id = m.id
LEFT JOIN inventory_schema.inventory_batches b
       ON b.inventory_item_id = i.id AND b.status = 'active'
WHERE i.is_active = true
GROUP BY i.id, i.ndc_code, m.drug_name, i.quantity_on_hand, i.reorder_point;
CREATE UNIQUE INDEX idx_inventory_summary_id ON inventory_schema.inventory_summary(id);
"""


def upgrade() -> None:
    for schema in SCHEMAS:
        op.execute((SQL_DIR / f"0001_{schema}.sql").read_text())
    op.execute(INVENTORY_SUMMARY)


def downgrade() -> None:
    op.execute("DROP MATERIALIZED VIEW IF EXISTS inventory_schema.inventory_summary")
    for schema in reversed(SCHEMAS):
        op.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
