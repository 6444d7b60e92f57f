"""NDC columns widened to 12 digits, number sequences, batch versions, pg_trgm.

- NDC columns VARCHAR(11) -> VARCHAR(12): the FDA rule of March 2026 moves NDCs to 12 digits.
- Sequences for human-readable numbers (Rx, patient, invoice, payment, PO) so that numbers are
  unique across workstations without a read-then-write race.
- inventory_batches.version: two workstations filling from the same lot must not lose an update.
- pg_trgm for typo-tolerant drug and patient search.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

NDC_COLUMNS = (
    ("prescription_schema", "medications", "ndc_code"),
    ("prescription_schema", "prescription_items", "dispensed_ndc"),
    ("prescription_schema", "prescription_refills", "ndc_code"),
    ("inventory_schema", "inventory_items", "ndc_code"),
    ("inventory_schema", "purchase_order_items", "ndc_code"),
    ("billing_schema", "invoice_items", "ndc_code"),
)
SEQUENCES = (
    ("prescription_schema", "rx_number_seq", 1000001),
    ("patient_schema", "patient_number_seq", 100001),
    ("billing_schema", "invoice_number_seq", 1),
    ("billing_schema", "payment_number_seq", 1),
    ("inventory_schema", "po_number_seq", 1),
)


def _set_ndc_width(width: int) -> None:
    op.execute("DROP MATERIALIZED VIEW IF EXISTS inventory_schema.inventory_summary")
    for schema, table, column in NDC_COLUMNS:
        op.execute(f"ALTER TABLE {schema}.{table} ALTER COLUMN {column} TYPE VARCHAR({width})")
    op.execute(SUMMARY_SQL)


SUMMARY_SQL = """
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
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    _set_ndc_width(12)
    for schema, name, start in SEQUENCES:
        op.execute(f"CREATE SEQUENCE {schema}.{name} START WITH {start}")
    op.execute("ALTER TABLE inventory_schema.inventory_batches ADD COLUMN version INTEGER NOT NULL DEFAULT 1")


def downgrade() -> None:
    op.execute("ALTER TABLE inventory_schema.inventory_batches DROP COLUMN version")
    for schema, name, _ in SEQUENCES:
        op.execute(f"DROP SEQUENCE {schema}.{name}")
    _set_ndc_width(11)
    op.execute("DROP EXTENSION IF EXISTS pg_trgm")
