"""Fill, final verification and will-call.

- will_call_bins, and prescriptions.will_call_bin_id / ready_at / verified_by / verified_at: the
  verifying pharmacist is recorded on the prescription itself.
- prescription_refills: what was filled from which stock (item, batch, lot, expiry, serial),
  its status (filled -> verified -> dispensed, or returned), partial fills, the label job.
  One live fill per item and refill number (a returned fill no longer counts).
- stock may never go negative: CHECKs on on-hand and batch remaining, under any concurrency.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        CREATE TABLE prescription_schema.will_call_bins (
            id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            code VARCHAR(10) UNIQUE NOT NULL,
            description VARCHAR(100),
            is_active BOOLEAN NOT NULL DEFAULT true,
            created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP
        );
        ALTER TABLE prescription_schema.prescriptions
            ADD COLUMN will_call_bin_id UUID REFERENCES prescription_schema.will_call_bins(id),
            ADD COLUMN ready_at TIMESTAMP WITH TIME ZONE,
            ADD COLUMN verified_by UUID,
            ADD COLUMN verified_at TIMESTAMP WITH TIME ZONE;
        CREATE INDEX idx_prescriptions_will_call ON prescription_schema.prescriptions(will_call_bin_id)
            WHERE will_call_bin_id IS NOT NULL;
        ALTER TABLE prescription_schema.prescription_refills
            ADD COLUMN status VARCHAR(20) NOT NULL DEFAULT 'filled'
                CHECK (status IN ('filled', 'verified', 'dispensed', 'returned')),
            ADD COLUMN inventory_item_id UUID,
            ADD COLUMN batch_id UUID,
            ADD COLUMN lot_number VARCHAR(50),
            ADD COLUMN expiration_date DATE,
            ADD COLUMN serial_number VARCHAR(50),
            ADD COLUMN is_partial BOOLEAN NOT NULL DEFAULT false,
            ADD COLUMN label_job_id UUID,
            ADD COLUMN verified_by UUID,
            ADD COLUMN verified_at TIMESTAMP WITH TIME ZONE,
            ADD COLUMN returned_reason TEXT;
        CREATE UNIQUE INDEX uq_prescription_refills_live ON prescription_schema.prescription_refills
            (prescription_item_id, refill_number) WHERE status <> 'returned';
        ALTER TABLE inventory_schema.inventory_items
            ADD CONSTRAINT ck_inventory_items_on_hand CHECK (quantity_on_hand >= 0);
        ALTER TABLE inventory_schema.inventory_batches
            ADD CONSTRAINT ck_inventory_batches_remaining CHECK (quantity_remaining >= 0);
    """)


def downgrade() -> None:
    op.execute("""
        ALTER TABLE inventory_schema.inventory_batches DROP CONSTRAINT ck_inventory_batches_remaining;
        ALTER TABLE inventory_schema.inventory_items DROP CONSTRAINT ck_inventory_items_on_hand;
        DROP INDEX prescription_schema.uq_prescription_refills_live;
        ALTER TABLE prescription_schema.prescription_refills
            DROP COLUMN status, DROP COLUMN inventory_item_id, DROP COLUMN batch_id, DROP COLUMN lot_number,
            DROP COLUMN expiration_date, DROP COLUMN serial_number, DROP COLUMN is_partial, DROP COLUMN label_job_id,
            DROP COLUMN verified_by, DROP COLUMN verified_at, DROP COLUMN returned_reason;
        DROP INDEX prescription_schema.idx_prescriptions_will_call;
        ALTER TABLE prescription_schema.prescriptions
            DROP COLUMN will_call_bin_id, DROP COLUMN ready_at, DROP COLUMN verified_by, DROP COLUMN verified_at;
        DROP TABLE prescription_schema.will_call_bins;
    """)
