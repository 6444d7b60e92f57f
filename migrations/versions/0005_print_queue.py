"""Durable print queue.

notification_schema.print_jobs: every label, receipt and report job is recorded (document data and
rendered bytes, printer, status, attempts, last error) in the same transaction as the pharmacy work
it belongs to, before anything is sent; a printer failure leaves the job waiting for a retry,
a redirect or a reprint.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        CREATE TABLE notification_schema.print_jobs (
            id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            job_type VARCHAR(20) NOT NULL CHECK (job_type IN ('label', 'receipt', 'test_page', 'report')),
            printer_role VARCHAR(20) NOT NULL CHECK (printer_role IN ('label', 'receipt', 'report')),
            printer_uri VARCHAR(255),
            printer_profile VARCHAR(50) NOT NULL DEFAULT 'default',
            reference_type VARCHAR(50),
            reference_id UUID,
            rx_number VARCHAR(20),
            description VARCHAR(255) NOT NULL,
            document JSONB NOT NULL,
            payload BYTEA,
            status VARCHAR(20) NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'sending', 'printed', 'failed', 'cancelled')),
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            next_attempt_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
            is_reprint BOOLEAN NOT NULL DEFAULT false,
            reprint_of UUID REFERENCES notification_schema.print_jobs(id),
            requested_by UUID,
            workstation VARCHAR(100),
            printed_at TIMESTAMP WITH TIME ZONE,
            created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
            updated_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
            version INTEGER NOT NULL DEFAULT 1
        );
        CREATE INDEX idx_print_jobs_pending ON notification_schema.print_jobs(next_attempt_at)
            WHERE status IN ('queued', 'failed');
        CREATE INDEX idx_print_jobs_reference ON notification_schema.print_jobs(reference_type, reference_id);
        CREATE INDEX idx_print_jobs_rx_number ON notification_schema.print_jobs(rx_number);
        CREATE INDEX idx_print_jobs_created_at ON notification_schema.print_jobs(created_at);
    """)


def downgrade() -> None:
    op.execute("DROP TABLE notification_schema.print_jobs")
