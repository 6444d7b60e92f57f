"""Patient notifications: an outbox the sender claims with SKIP LOCKED, consent and opt-out, quiet
hours, one message per patient per event, a stable message id.

- notifications: ``event_key`` (UNIQUE per patient: several prescriptions ready together are one
  event, one message), ``message_id`` (stable across retries: a provider or a mail client drops a
  duplicate), ``next_attempt_at`` (back-off and quiet hours), ``claimed_at``/``claimed_by`` (a
  sender's lease: a row whose sender died mid-send is sent again, at most once more, with the same
  message id), ``cancelled_at``/``cancelled_by``; status adds 'sending' and 'cancelled'.
- notification_templates: one active template per event and channel; the event and channel
  vocabularies as CHECKs; who changed it.
- patients: consent to be contacted (when, recorded by), SMS and e-mail opt-out (a STOP from the
  provider's callback or recorded by staff).
- pharmacy_profile: quiet hours, refill-due and pickup-reminder days, whether e-mails may name the
  drug, which workstation runs the sender.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        ALTER TABLE notification_schema.notifications
            ADD COLUMN event_key VARCHAR(200),
            ADD COLUMN message_id VARCHAR(255),
            ADD COLUMN next_attempt_at TIMESTAMP WITH TIME ZONE,
            ADD COLUMN claimed_at TIMESTAMP WITH TIME ZONE,
            ADD COLUMN claimed_by VARCHAR(100),
            ADD COLUMN cancelled_at TIMESTAMP WITH TIME ZONE,
            ADD COLUMN cancelled_by UUID,
            ADD CONSTRAINT ck_notifications_status
                CHECK (status IN ('pending', 'sending', 'sent', 'delivered', 'failed', 'bounced', 'cancelled')),
            ADD CONSTRAINT ck_notifications_type CHECK (notification_type IN ('sms', 'email', 'push')),
            ADD CONSTRAINT ck_notifications_retries CHECK (retry_count >= 0 AND retry_count <= max_retries + 1),
            ADD CONSTRAINT uq_notifications_message_id UNIQUE (message_id),
            ADD CONSTRAINT uq_notifications_event UNIQUE (patient_id, event_key);
        CREATE INDEX idx_notifications_due ON notification_schema.notifications(next_attempt_at)
            WHERE status IN ('pending', 'sending');

        ALTER TABLE notification_schema.notification_templates
            ADD COLUMN updated_by UUID,
            ADD CONSTRAINT ck_notification_templates_type CHECK (notification_type IN ('sms', 'email', 'push')),
            ADD CONSTRAINT ck_notification_templates_event CHECK (event_trigger IN
                ('prescription_ready', 'refill_due', 'pickup_reminder', 'prescription_delayed'));
        CREATE UNIQUE INDEX uq_notification_templates_active
            ON notification_schema.notification_templates(event_trigger, notification_type) WHERE is_active;

        ALTER TABLE patient_schema.patients
            ADD COLUMN contact_consent_at TIMESTAMP WITH TIME ZONE,
            ADD COLUMN contact_consent_by UUID,
            ADD COLUMN sms_opt_out_at TIMESTAMP WITH TIME ZONE,
            ADD COLUMN email_opt_out_at TIMESTAMP WITH TIME ZONE;

        ALTER TABLE user_schema.pharmacy_profile
            ADD COLUMN quiet_hours_start TIME NOT NULL DEFAULT '21:00',
            ADD COLUMN quiet_hours_end TIME NOT NULL DEFAULT '08:00',
            ADD COLUMN refill_due_days INTEGER NOT NULL DEFAULT 7 CHECK (refill_due_days BETWEEN 0 AND 30),
            ADD COLUMN pickup_reminder_days INTEGER NOT NULL DEFAULT 5
                CHECK (pickup_reminder_days BETWEEN 1 AND 30),
            ADD COLUMN email_drug_names BOOLEAN NOT NULL DEFAULT false,
            ADD COLUMN notification_workstation VARCHAR(100);
    """)


def downgrade() -> None:
    op.execute("""
        ALTER TABLE user_schema.pharmacy_profile
            DROP COLUMN quiet_hours_start, DROP COLUMN quiet_hours_end, DROP COLUMN refill_due_days,
            DROP COLUMN pickup_reminder_days, DROP COLUMN email_drug_names, DROP COLUMN notification_workstation;
        ALTER TABLE patient_schema.patients
            DROP COLUMN contact_consent_at, DROP COLUMN contact_consent_by, DROP COLUMN sms_opt_out_at,
            DROP COLUMN email_opt_out_at;
        DROP INDEX notification_schema.uq_notification_templates_active;
        ALTER TABLE notification_schema.notification_templates
            DROP CONSTRAINT ck_notification_templates_type, DROP CONSTRAINT ck_notification_templates_event,
            DROP COLUMN updated_by;
        DROP INDEX notification_schema.idx_notifications_due;
        ALTER TABLE notification_schema.notifications
            DROP CONSTRAINT ck_notifications_status, DROP CONSTRAINT ck_notifications_type,
            DROP CONSTRAINT ck_notifications_retries, DROP CONSTRAINT uq_notifications_message_id,
            DROP CONSTRAINT uq_notifications_event,
            DROP COLUMN event_key, DROP COLUMN message_id, DROP COLUMN next_attempt_at, DROP COLUMN claimed_at,
            DROP COLUMN claimed_by, DROP COLUMN cancelled_at, DROP COLUMN cancelled_by;
    """)
