"""Intake and clinical review additions.

- prescriptions.status limited to the workflow's states; promised_at for queue triage;
  returned_note for "back to intake" / "return to fill" notes.
- prescription_items.directions: the plain-language SIG expansion approved with the item.
- prescription_validations: severity, message, acknowledgement and override (who, when, why), and
  is_current so a re-run of DUR supersedes earlier rows without deleting them.
- patient search indexes: trigram on names, digits-only phone, for search-as-you-type.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

STATES = "'received', 'validated', 'in_progress', 'ready', 'dispensed', 'completed', 'rejected', 'cancelled'"


def upgrade() -> None:
    op.execute(f"""
        ALTER TABLE prescription_schema.prescriptions
            ADD CONSTRAINT ck_prescriptions_status CHECK (status IN ({STATES})),
            ADD COLUMN promised_at TIMESTAMP WITH TIME ZONE,
            ADD COLUMN returned_note TEXT;
        CREATE INDEX idx_prescriptions_queue ON prescription_schema.prescriptions(status, is_stat DESC, received_at);
        ALTER TABLE prescription_schema.prescription_items ADD COLUMN directions TEXT;
        ALTER TABLE prescription_schema.prescription_validations
            ADD COLUMN prescription_item_id UUID REFERENCES prescription_schema.prescription_items(id) ON DELETE CASCADE,
            ADD COLUMN severity VARCHAR(20),
            ADD COLUMN message TEXT,
            ADD COLUMN is_current BOOLEAN NOT NULL DEFAULT true,
            ADD COLUMN acknowledged_by UUID,
            ADD COLUMN acknowledged_at TIMESTAMP WITH TIME ZONE,
            ADD COLUMN override_reason TEXT,
            ADD CONSTRAINT ck_prescription_validations_status CHECK (validation_status IN ('passed', 'warning', 'failed'));
        CREATE INDEX idx_prescription_validations_rx ON prescription_schema.prescription_validations(prescription_id, is_current);
        CREATE INDEX idx_patients_name_trgm ON patient_schema.patients
            USING gin ((lower(last_name || ' ' || first_name)) gin_trgm_ops);
        CREATE INDEX idx_patients_last_name_lower ON patient_schema.patients (lower(last_name) text_pattern_ops, lower(first_name));
        CREATE INDEX idx_patients_phone_digits ON patient_schema.patients ((regexp_replace(phone_primary, '[^0-9]', '', 'g')));
    """)


def downgrade() -> None:
    op.execute("""
        DROP INDEX patient_schema.idx_patients_phone_digits;
        DROP INDEX patient_schema.idx_patients_last_name_lower;
        DROP INDEX patient_schema.idx_patients_name_trgm;
        DROP INDEX prescription_schema.idx_prescription_validations_rx;
        ALTER TABLE prescription_schema.prescription_validations
            DROP CONSTRAINT ck_prescription_validations_status,
            DROP COLUMN prescription_item_id, DROP COLUMN severity, DROP COLUMN message, DROP COLUMN is_current,
            DROP COLUMN acknowledged_by, DROP COLUMN acknowledged_at, DROP COLUMN override_reason;
        ALTER TABLE prescription_schema.prescription_items DROP COLUMN directions;
        DROP INDEX prescription_schema.idx_prescriptions_queue;
        ALTER TABLE prescription_schema.prescriptions
            DROP CONSTRAINT ck_prescriptions_status, DROP COLUMN promised_at, DROP COLUMN returned_note;
    """)
