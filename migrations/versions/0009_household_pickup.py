"""Household members who may pick up a patient's prescriptions.

- patient_relationships: row (patient, related person, relationship, may_pick_up) says the related
  person (a patient of the pharmacy, or a named person who is not) may collect the patient's
  prescriptions at the counter. The pickup screen shows the ready prescriptions of everyone who
  authorized the person standing at the counter.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        CREATE TABLE patient_schema.patient_relationships (
            id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            patient_id UUID NOT NULL REFERENCES patient_schema.patients(id) ON DELETE CASCADE,
            related_patient_id UUID REFERENCES patient_schema.patients(id) ON DELETE CASCADE,
            related_name VARCHAR(200),
            relationship VARCHAR(20) NOT NULL
                CHECK (relationship IN ('spouse', 'parent', 'child', 'guardian', 'caregiver', 'sibling', 'other')),
            may_pick_up BOOLEAN NOT NULL DEFAULT true,
            is_active BOOLEAN NOT NULL DEFAULT true,
            created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
            created_by UUID,
            CONSTRAINT ck_patient_relationships_someone
                CHECK (related_patient_id IS NOT NULL OR related_name IS NOT NULL),
            CONSTRAINT ck_patient_relationships_not_self CHECK (related_patient_id <> patient_id),
            CONSTRAINT uq_patient_relationships_pair UNIQUE (patient_id, related_patient_id)
        );
        CREATE INDEX idx_patient_relationships_related
            ON patient_schema.patient_relationships(related_patient_id);
    """)


def downgrade() -> None:
    op.execute("DROP TABLE patient_schema.patient_relationships;")
