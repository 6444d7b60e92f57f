"""Inventory operations: the ledger's vocabulary and total order, recalls and quarantine, adjustments
with approval, cycle counts, purchase orders for Schedule II, received packages, settings.

- inventory_transactions: the design document's vocabulary ('receipt', 'dispensed', 'adjustment',
  'return', 'expired', 'damaged', 'transfer'; earlier rows 'receive', 'dispense' and
  'return_to_stock' renamed), ``seq`` (an identity column: the total order of the ledger, which rows
  written in one transaction with the same ``transaction_date`` cannot make ambiguous), and the
  arithmetic ``quantity_after = quantity_before + quantity_change`` as a CHECK.
- inventory_batches: status vocabulary ('active'; quarantined: 'expired', 'recalled'; gone:
  'returned', 'destroyed'), when quarantined and by which recall, the GTIN and the order line it was
  received on.
- recalls: the lots a recall quarantined (by NDC and lot).
- stock_adjustments: a status ('pending' until someone else approves; stock changes only then),
  whether the item is controlled, the value, the decision, the count it came from, the ledger row
  it made, the DEA form (106 theft/loss, 41 destruction) its data belongs to.
- inventory_counts / inventory_count_lines: cycle counts by scanning, blind.
- purchase_orders: Schedule II orders (DEA Form 222 or CSOS order number), sent at/by;
  purchase_order_items: never more received than ordered; received_packages: each scanned package
  (GTIN + serial received once), the lot and expiry it carried.
- suppliers: DEA registration and account number; inventory_items: par level.
- pharmacy_profile: the adjustment size (units or value) above which approval is needed.
- inventory_summary: redefined with what the inventory screen lists.
- permissions: 'inventory.adjust.approve' renamed 'inventory.approve_adjustment' (the issue's name);
  'inventory.order_schedule_ii', 'inventory.recall'.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

RENAMES = (("receive", "receipt"), ("dispense", "dispensed"), ("return_to_stock", "return"))
PERMISSIONS = {
    "inventory.order_schedule_ii": "order Schedule II drugs (DEA Form 222 / CSOS)",
    "inventory.recall": "quarantine recalled lots, return or destroy quarantined stock",
}
GRANTS = {
    "pharmacist": ["inventory.order_schedule_ii", "inventory.recall", "inventory.approve_adjustment"],
    "manager": ["inventory.recall"],
}

OLD_SUMMARY = """
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

NEW_SUMMARY = """
CREATE MATERIALIZED VIEW inventory_schema.inventory_summary AS
SELECT
    i.id,
    i.ndc_code,
    m.drug_name,
    m.strength,
    m.dosage_form,
    m.dea_schedule,
    i.quantity_on_hand,
    i.quantity_unit,
    i.reorder_point,
    i.reorder_quantity,
    i.par_level,
    i.bin_location,
    i.requires_refrigeration,
    i.unit_cost,
    i.average_wholesale_price,
    i.last_counted_at,
    COUNT(b.id) FILTER (WHERE b.status = 'active') AS batch_count,
    MIN(b.expiration_date) FILTER (WHERE b.status = 'active' AND b.quantity_remaining > 0) AS nearest_expiry,
    COALESCE(SUM(b.quantity_remaining) FILTER (WHERE b.status IN ('expired', 'recalled')), 0)
        AS quarantined_quantity
FROM inventory_schema.inventory_items i
JOIN prescription_schema.medications m ON i.medication_id = m.id
LEFT JOIN inventory_schema.inventory_batches b ON b.inventory_item_id = i.id
WHERE i.is_active = true
GROUP BY i.id, m.id;
CREATE UNIQUE INDEX idx_inventory_summary_id ON inventory_schema.inventory_summary(id);
"""


def upgrade() -> None:
    for old, new in RENAMES:
        op.execute(
            sa.text(
                "UPDATE inventory_schema.inventory_transactions SET transaction_type = :new WHERE transaction_type = :old"
            ).bindparams(old=old, new=new)
        )
    op.execute("DROP MATERIALIZED VIEW inventory_schema.inventory_summary")
    op.execute("""
        ALTER TABLE inventory_schema.inventory_transactions
            ADD COLUMN seq BIGINT GENERATED ALWAYS AS IDENTITY,
            ADD CONSTRAINT ck_inventory_transactions_type CHECK (transaction_type IN
                ('receipt', 'dispensed', 'adjustment', 'return', 'expired', 'damaged', 'transfer')),
            ADD CONSTRAINT ck_inventory_transactions_arithmetic
                CHECK (quantity_after = quantity_before + quantity_change);
        CREATE UNIQUE INDEX uq_inventory_transactions_item_seq
            ON inventory_schema.inventory_transactions(inventory_item_id, seq);
        CREATE INDEX idx_inventory_transactions_reference
            ON inventory_schema.inventory_transactions(reference_type, reference_id);

        CREATE TABLE inventory_schema.recalls (
            id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            ndc_code VARCHAR(12) NOT NULL,
            lot_number VARCHAR(50) NOT NULL,
            reason TEXT NOT NULL,
            recall_class VARCHAR(3) CHECK (recall_class IN ('I', 'II', 'III')),
            initiated_by UUID,
            initiated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
            CONSTRAINT uq_recalls_lot UNIQUE (ndc_code, lot_number)
        );

        UPDATE inventory_schema.inventory_batches SET status = 'active' WHERE status IS NULL;
        ALTER TABLE inventory_schema.inventory_batches
            ADD COLUMN quarantined_at TIMESTAMP WITH TIME ZONE,
            ADD COLUMN recall_id UUID REFERENCES inventory_schema.recalls(id),
            ADD COLUMN gtin VARCHAR(14),
            ADD COLUMN purchase_order_item_id UUID
                REFERENCES inventory_schema.purchase_order_items(id),
            ADD CONSTRAINT ck_inventory_batches_status
                CHECK (status IN ('active', 'expired', 'recalled', 'returned', 'destroyed'));
        CREATE INDEX idx_inventory_batches_lot ON inventory_schema.inventory_batches(batch_number);

        ALTER TABLE inventory_schema.inventory_items ADD COLUMN par_level DECIMAL(10, 2);

        CREATE TABLE inventory_schema.inventory_counts (
            id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            count_number VARCHAR(20) UNIQUE NOT NULL,
            scope TEXT NOT NULL,
            is_blind BOOLEAN NOT NULL DEFAULT true,
            status VARCHAR(20) NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'submitted', 'closed', 'cancelled')),
            created_by UUID,
            created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
            submitted_at TIMESTAMP WITH TIME ZONE,
            closed_at TIMESTAMP WITH TIME ZONE
        );
        CREATE SEQUENCE inventory_schema.count_number_seq START 1;
        CREATE TABLE inventory_schema.inventory_count_lines (
            id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            count_id UUID NOT NULL REFERENCES inventory_schema.inventory_counts(id) ON DELETE CASCADE,
            inventory_item_id UUID NOT NULL REFERENCES inventory_schema.inventory_items(id),
            expected_quantity DECIMAL(10, 2) NOT NULL,
            counted_quantity DECIMAL(10, 2) CHECK (counted_quantity >= 0),
            counted_by UUID,
            counted_at TIMESTAMP WITH TIME ZONE,
            CONSTRAINT uq_inventory_count_lines_item UNIQUE (count_id, inventory_item_id)
        );

        ALTER TABLE inventory_schema.stock_adjustments
            ADD COLUMN status VARCHAR(20) NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'approved', 'rejected')),
            ADD COLUMN is_controlled BOOLEAN NOT NULL DEFAULT false,
            ADD COLUMN value_difference DECIMAL(10, 2),
            ADD COLUMN decided_by UUID,
            ADD COLUMN decided_at TIMESTAMP WITH TIME ZONE,
            ADD COLUMN decision_note TEXT,
            ADD COLUMN count_id UUID REFERENCES inventory_schema.inventory_counts(id),
            ADD COLUMN transaction_id UUID REFERENCES inventory_schema.inventory_transactions(id),
            ADD COLUMN dea_form VARCHAR(3) CHECK (dea_form IN ('106', '41')),
            ADD CONSTRAINT ck_stock_adjustments_type CHECK (adjustment_type IN
                ('physical_count', 'damage', 'theft', 'loss', 'expiry', 'return_to_supplier',
                 'destruction', 'system_error')),
            ADD CONSTRAINT ck_stock_adjustments_difference
                CHECK (quantity_difference = quantity_actual - quantity_expected),
            ADD CONSTRAINT ck_stock_adjustments_four_eyes
                CHECK (approved_by IS NULL OR performed_by IS NULL OR approved_by <> performed_by);
        CREATE INDEX idx_stock_adjustments_status ON inventory_schema.stock_adjustments(status);

        ALTER TABLE inventory_schema.suppliers
            ADD COLUMN dea_number VARCHAR(9),
            ADD COLUMN account_number VARCHAR(50);

        ALTER TABLE inventory_schema.purchase_orders
            ADD COLUMN is_schedule_ii BOOLEAN NOT NULL DEFAULT false,
            ADD COLUMN dea_order_number VARCHAR(20),
            ADD COLUMN sent_at TIMESTAMP WITH TIME ZONE,
            ADD COLUMN sent_by UUID,
            ADD CONSTRAINT ck_purchase_orders_status CHECK (status IN
                ('pending', 'sent', 'partially_received', 'received', 'cancelled')),
            ADD CONSTRAINT ck_purchase_orders_c2_form CHECK (
                NOT is_schedule_ii OR status IN ('pending', 'cancelled') OR dea_order_number IS NOT NULL);
        ALTER TABLE inventory_schema.purchase_order_items
            ADD CONSTRAINT ck_purchase_order_items_received
                CHECK (quantity_received >= 0 AND quantity_received <= quantity_ordered),
            ADD CONSTRAINT ck_purchase_order_items_ordered CHECK (quantity_ordered > 0);

        CREATE TABLE inventory_schema.received_packages (
            id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            purchase_order_item_id UUID NOT NULL REFERENCES inventory_schema.purchase_order_items(id),
            batch_id UUID NOT NULL REFERENCES inventory_schema.inventory_batches(id),
            gtin VARCHAR(14) NOT NULL,
            serial_number VARCHAR(50),
            lot_number VARCHAR(50) NOT NULL,
            expiration_date DATE NOT NULL,
            quantity DECIMAL(10, 2) NOT NULL CHECK (quantity > 0),
            received_by UUID,
            received_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP
        );
        CREATE UNIQUE INDEX uq_received_packages_serial ON inventory_schema.received_packages(gtin, serial_number)
            WHERE serial_number IS NOT NULL;

        ALTER TABLE user_schema.pharmacy_profile
            ADD COLUMN adjustment_approval_units DECIMAL(10, 2) NOT NULL DEFAULT 50
                CHECK (adjustment_approval_units >= 0),
            ADD COLUMN adjustment_approval_value DECIMAL(10, 2) NOT NULL DEFAULT 100
                CHECK (adjustment_approval_value >= 0);
    """)
    op.execute(NEW_SUMMARY)
    op.execute(
        "UPDATE user_schema.permissions SET name = 'inventory.approve_adjustment', action = 'approve_adjustment' "
        "WHERE name = 'inventory.adjust.approve'"
    )
    permissions = sa.table(
        "permissions",
        sa.column("name"),
        sa.column("description"),
        sa.column("resource"),
        sa.column("action"),
        schema="user_schema",
    )
    op.bulk_insert(
        permissions,
        [
            {"name": name, "description": desc, "resource": name.partition(".")[0], "action": name.partition(".")[2]}
            for name, desc in PERMISSIONS.items()
        ],
    )
    for role, perms in GRANTS.items():
        op.execute(
            sa.text(
                "INSERT INTO user_schema.role_permissions (role_id, permission_id) "
                "SELECT r.id, p.id FROM user_schema.roles r, user_schema.permissions p "
                "WHERE r.name = :role AND p.name = ANY(:perms) "
                "AND NOT EXISTS (SELECT 1 FROM user_schema.role_permissions rp "
                "WHERE rp.role_id = r.id AND rp.permission_id = p.id)"
            ).bindparams(role=role, perms=perms)
        )


def downgrade() -> None:
    op.execute(
        sa.text(
            "DELETE FROM user_schema.role_permissions WHERE permission_id IN "
            "(SELECT id FROM user_schema.permissions WHERE name = ANY(:perms))"
        ).bindparams(perms=list(PERMISSIONS))
    )
    op.execute(
        sa.text("DELETE FROM user_schema.permissions WHERE name = ANY(:perms)").bindparams(perms=list(PERMISSIONS))
    )
    # the pharmacist's approval right came with this revision; the manager had it since 0004
    op.execute(
        "DELETE FROM user_schema.role_permissions WHERE "
        "role_id = (SELECT id FROM user_schema.roles WHERE name = 'pharmacist') AND "
        "permission_id = (SELECT id FROM user_schema.permissions WHERE name = 'inventory.approve_adjustment')"
    )
    op.execute(
        "UPDATE user_schema.permissions SET name = 'inventory.adjust.approve', action = 'adjust.approve' "
        "WHERE name = 'inventory.approve_adjustment'"
    )
    op.execute("DROP MATERIALIZED VIEW inventory_schema.inventory_summary")
    op.execute("""
        ALTER TABLE user_schema.pharmacy_profile
            DROP COLUMN adjustment_approval_units, DROP COLUMN adjustment_approval_value;
        DROP TABLE inventory_schema.received_packages;
        ALTER TABLE inventory_schema.purchase_order_items
            DROP CONSTRAINT ck_purchase_order_items_received, DROP CONSTRAINT ck_purchase_order_items_ordered;
        ALTER TABLE inventory_schema.purchase_orders
            DROP CONSTRAINT ck_purchase_orders_status, DROP CONSTRAINT ck_purchase_orders_c2_form,
            DROP COLUMN is_schedule_ii, DROP COLUMN dea_order_number, DROP COLUMN sent_at, DROP COLUMN sent_by;
        ALTER TABLE inventory_schema.suppliers DROP COLUMN dea_number, DROP COLUMN account_number;
        DROP INDEX inventory_schema.idx_stock_adjustments_status;
        ALTER TABLE inventory_schema.stock_adjustments
            DROP CONSTRAINT ck_stock_adjustments_type, DROP CONSTRAINT ck_stock_adjustments_difference,
            DROP CONSTRAINT ck_stock_adjustments_four_eyes,
            DROP COLUMN status, DROP COLUMN is_controlled, DROP COLUMN value_difference, DROP COLUMN decided_by,
            DROP COLUMN decided_at, DROP COLUMN decision_note, DROP COLUMN count_id, DROP COLUMN transaction_id,
            DROP COLUMN dea_form;
        DROP TABLE inventory_schema.inventory_count_lines;
        DROP SEQUENCE inventory_schema.count_number_seq;
        DROP TABLE inventory_schema.inventory_counts;
        ALTER TABLE inventory_schema.inventory_items DROP COLUMN par_level;
        DROP INDEX inventory_schema.idx_inventory_batches_lot;
        ALTER TABLE inventory_schema.inventory_batches
            DROP CONSTRAINT ck_inventory_batches_status,
            DROP COLUMN quarantined_at, DROP COLUMN recall_id, DROP COLUMN gtin, DROP COLUMN purchase_order_item_id;
        DROP TABLE inventory_schema.recalls;
        DROP INDEX inventory_schema.idx_inventory_transactions_reference;
        DROP INDEX inventory_schema.uq_inventory_transactions_item_seq;
        ALTER TABLE inventory_schema.inventory_transactions
            DROP CONSTRAINT ck_inventory_transactions_type, DROP CONSTRAINT ck_inventory_transactions_arithmetic,
            DROP COLUMN seq;
    """)
    for old, new in RENAMES:
        op.execute(
            sa.text(
                "UPDATE inventory_schema.inventory_transactions SET transaction_type = :old WHERE transaction_type = :new"
            ).bindparams(old=old, new=new)
        )
    op.execute(OLD_SUMMARY)
