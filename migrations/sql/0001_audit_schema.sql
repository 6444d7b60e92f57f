CREATE SCHEMA audit_schema;

-- Domain Events (event sourcing lite)
CREATE TABLE audit_schema.domain_events (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    event_type VARCHAR(100) NOT NULL, -- 'PrescriptionFilled', 'StockAdjusted', etc.
    aggregate_type VARCHAR(50) NOT NULL, -- 'prescription', 'inventory', etc.
    aggregate_id UUID NOT NULL,

    event_data JSONB NOT NULL, -- Full event payload

    occurred_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    user_id UUID,

    -- For ordering
    sequence_number BIGSERIAL
);

-- Access Logs (HIPAA compliance)
CREATE TABLE audit_schema.access_logs (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID,

    action VARCHAR(50) NOT NULL, -- 'view', 'create', 'update', 'delete'
    resource_type VARCHAR(50) NOT NULL, -- 'patient', 'prescription', etc.
    resource_id UUID NOT NULL,

    ip_address INET,
    user_agent TEXT,

    accessed_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP
);

-- Indexes
CREATE INDEX idx_domain_events_aggregate ON audit_schema.domain_events(aggregate_type, aggregate_id);
CREATE INDEX idx_domain_events_occurred_at ON audit_schema.domain_events(occurred_at);
CREATE INDEX idx_access_logs_user_id ON audit_schema.access_logs(user_id);
CREATE INDEX idx_access_logs_resource ON audit_schema.access_logs(resource_type, resource_id);
CREATE INDEX idx_access_logs_accessed_at ON audit_schema.access_logs(accessed_at);
