CREATE SCHEMA billing_schema;

-- Invoices
CREATE TABLE billing_schema.invoices (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    invoice_number VARCHAR(20) UNIQUE NOT NULL,
    prescription_id UUID NOT NULL, -- References prescription_schema.prescriptions
    patient_id UUID NOT NULL, -- References patient_schema.patients

    invoice_date DATE NOT NULL,
    due_date DATE,

    -- Amounts
    subtotal DECIMAL(10, 2) NOT NULL,
    tax_amount DECIMAL(10, 2) DEFAULT 0,
    discount_amount DECIMAL(10, 2) DEFAULT 0,
    insurance_payment DECIMAL(10, 2) DEFAULT 0,
    patient_copay DECIMAL(10, 2) NOT NULL,
    total_amount DECIMAL(10, 2) NOT NULL,

    -- Status
    status VARCHAR(20) NOT NULL DEFAULT 'pending',
    -- 'pending', 'partially_paid', 'paid', 'overdue', 'cancelled'

    notes TEXT,

    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    created_by UUID,
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP
);

-- Invoice Line Items
CREATE TABLE billing_schema.invoice_items (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    invoice_id UUID REFERENCES billing_schema.invoices(id) ON DELETE CASCADE,
    prescription_item_id UUID, -- References prescription_schema.prescription_items

    item_type VARCHAR(50) NOT NULL, -- 'medication', 'dispensing_fee', 'copay', 'tax'
    description TEXT NOT NULL,

    quantity DECIMAL(10, 2) DEFAULT 1,
    unit_price DECIMAL(10, 4) NOT NULL,
    total_price DECIMAL(10, 2) NOT NULL,

    ndc_code VARCHAR(11), -- For medications

    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP
);

-- Payments
CREATE TABLE billing_schema.payments (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    payment_number VARCHAR(20) UNIQUE NOT NULL,
    invoice_id UUID REFERENCES billing_schema.invoices(id),
    patient_id UUID NOT NULL,

    payment_date DATE NOT NULL,
    payment_method VARCHAR(50) NOT NULL, -- 'cash', 'credit_card', 'debit_card', 'check', 'insurance'

    amount DECIMAL(10, 2) NOT NULL,

    -- Payment details
    transaction_id VARCHAR(100), -- From payment processor
    card_last_four VARCHAR(4),
    check_number VARCHAR(20),

    status VARCHAR(20) NOT NULL DEFAULT 'completed', -- 'pending', 'completed', 'failed', 'refunded'

    notes TEXT,

    processed_by UUID,

    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP
);

-- Insurance Claims
CREATE TABLE billing_schema.insurance_claims (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    claim_number VARCHAR(50) UNIQUE NOT NULL,
    prescription_id UUID NOT NULL,
    patient_insurance_id UUID NOT NULL, -- References patient_schema.patient_insurance

    submission_date DATE NOT NULL,

    -- Claim amounts
    submitted_amount DECIMAL(10, 2) NOT NULL,
    approved_amount DECIMAL(10, 2),
    patient_responsibility DECIMAL(10, 2), -- Copay

    -- Status
    status VARCHAR(50) NOT NULL DEFAULT 'submitted',
    -- 'submitted', 'pending', 'approved', 'partially_approved', 'rejected', 'appealed'

    rejection_code VARCHAR(20),
    rejection_reason TEXT,

    response_date DATE,
    payment_date DATE,

    -- External references
    external_claim_id VARCHAR(100), -- Insurance company's claim ID

    notes TEXT,

    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    created_by UUID,
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP
);

-- Pricing Rules (dynamic pricing)
CREATE TABLE billing_schema.pricing_rules (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    rule_name VARCHAR(255) NOT NULL,
    rule_type VARCHAR(50) NOT NULL, -- 'medication', 'insurance', 'patient_category', 'promotion'

    -- Conditions (JSONB for flexibility)
    conditions JSONB NOT NULL,
    -- Example: {"medication_id": "uuid", "insurance_type": "medicare"}

    -- Pricing action
    pricing_method VARCHAR(50) NOT NULL, -- 'fixed_price', 'percentage_discount', 'awp_minus_percentage'
    pricing_value DECIMAL(10, 4) NOT NULL,

    priority INTEGER DEFAULT 0, -- Higher priority rules apply first

    effective_date DATE NOT NULL,
    expiration_date DATE,

    is_active BOOLEAN DEFAULT true,

    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    created_by UUID
);

-- Discounts/Coupons
CREATE TABLE billing_schema.discounts (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    code VARCHAR(50) UNIQUE NOT NULL,
    description TEXT NOT NULL,

    discount_type VARCHAR(50) NOT NULL, -- 'percentage', 'fixed_amount', 'free_item'
    discount_value DECIMAL(10, 4) NOT NULL,

    -- Usage limits
    max_uses INTEGER,
    times_used INTEGER DEFAULT 0,
    max_uses_per_patient INTEGER DEFAULT 1,

    -- Restrictions
    minimum_purchase_amount DECIMAL(10, 2),
    applicable_medications JSONB, -- List of medication IDs or categories

    effective_date DATE NOT NULL,
    expiration_date DATE NOT NULL,

    is_active BOOLEAN DEFAULT true,

    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP
);

-- Indexes
CREATE INDEX idx_invoices_prescription_id ON billing_schema.invoices(prescription_id);
CREATE INDEX idx_invoices_patient_id ON billing_schema.invoices(patient_id);
CREATE INDEX idx_invoices_status ON billing_schema.invoices(status);
CREATE INDEX idx_payments_invoice_id ON billing_schema.payments(invoice_id);
CREATE INDEX idx_insurance_claims_prescription_id ON billing_schema.insurance_claims(prescription_id);
CREATE INDEX idx_insurance_claims_status ON billing_schema.insurance_claims(status);
CREATE INDEX idx_pricing_rules_effective_expiration ON billing_schema.pricing_rules(effective_date, expiration_date);
