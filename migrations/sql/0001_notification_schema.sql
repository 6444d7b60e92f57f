CREATE SCHEMA notification_schema;

-- Notification Templates
CREATE TABLE notification_schema.notification_templates (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    template_name VARCHAR(100) UNIQUE NOT NULL,
    notification_type VARCHAR(50) NOT NULL, -- 'sms', 'email', 'push'
    event_trigger VARCHAR(100) NOT NULL, -- 'prescription_ready', 'refill_due', etc.

    subject VARCHAR(255), -- For emails
    body_template TEXT NOT NULL, -- With placeholders like {{patient_name}}

    is_active BOOLEAN DEFAULT true,

    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP
);

-- Notifications
CREATE TABLE notification_schema.notifications (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    patient_id UUID NOT NULL,
    template_id UUID REFERENCES notification_schema.notification_templates(id),

    notification_type VARCHAR(50) NOT NULL, -- 'sms', 'email', 'push'

    recipient VARCHAR(255) NOT NULL, -- Phone number or email
    subject VARCHAR(255),
    message TEXT NOT NULL,

    -- Delivery
    status VARCHAR(20) NOT NULL DEFAULT 'pending',
    -- 'pending', 'sent', 'delivered', 'failed', 'bounced'

    sent_at TIMESTAMP WITH TIME ZONE,
    delivered_at TIMESTAMP WITH TIME ZONE,

    -- External reference
    external_id VARCHAR(255), -- ID from SMS/email provider

    error_message TEXT,
    retry_count INTEGER DEFAULT 0,
    max_retries INTEGER DEFAULT 3,

    -- Context
    reference_type VARCHAR(50), -- 'prescription', 'appointment', 'reminder'
    reference_id UUID,

    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP
);

-- Indexes
CREATE INDEX idx_notifications_patient_id ON notification_schema.notifications(patient_id);
CREATE INDEX idx_notifications_status ON notification_schema.notifications(status);
CREATE INDEX idx_notifications_created_at ON notification_schema.notifications(created_at);
