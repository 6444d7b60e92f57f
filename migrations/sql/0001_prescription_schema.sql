CREATE SCHEMA prescription_schema;

-- Drug formulary (medication catalog)
CREATE TABLE prescription_schema.medications (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    ndc_code VARCHAR(11) UNIQUE NOT NULL, -- National Drug Code
    drug_name VARCHAR(255) NOT NULL,
    generic_name VARCHAR(255),
    brand_name VARCHAR(255),
    strength VARCHAR(50), -- '500mg', '10ml', etc.
    dosage_form VARCHAR(50), -- 'tablet', 'capsule', 'liquid', etc.
    route VARCHAR(50), -- 'oral', 'topical', 'injection', etc.
    manufacturer VARCHAR(255),

    -- Classification
    is_controlled_substance BOOLEAN DEFAULT false,
    dea_schedule VARCHAR(5), -- 'II', 'III', 'IV', 'V' for controlled substances
    is_generic BOOLEAN DEFAULT false,

    -- Clinical information
    therapeutic_class VARCHAR(100),
    pharmacologic_class VARCHAR(100),

    -- Status
    is_active BOOLEAN DEFAULT true,
    discontinuation_date DATE,

    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP
);

-- Prescriptions
CREATE TABLE prescription_schema.prescriptions (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    prescription_number VARCHAR(20) UNIQUE NOT NULL, -- RX123456
    patient_id UUID NOT NULL, -- References patient_schema.patients

    -- Prescriber information
    prescriber_name VARCHAR(255) NOT NULL,
    prescriber_npi VARCHAR(10) NOT NULL,
    prescriber_dea VARCHAR(20),
    prescriber_phone VARCHAR(20),
    prescriber_address TEXT,

    -- Prescription details
    prescription_date DATE NOT NULL,
    written_date DATE NOT NULL,
    expiration_date DATE NOT NULL,

    -- Source
    source VARCHAR(20) NOT NULL, -- 'paper', 'electronic', 'phone', 'fax'
    external_rx_number VARCHAR(50), -- If from e-prescribing system

    -- Status and workflow
    status VARCHAR(50) NOT NULL DEFAULT 'received',
    -- 'received' → 'validated' → 'in_progress' → 'ready' → 'dispensed' → 'completed'
    -- Or: 'rejected', 'cancelled'

    -- Processing information
    received_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    received_by UUID,
    validated_at TIMESTAMP WITH TIME ZONE,
    validated_by UUID,
    filled_at TIMESTAMP WITH TIME ZONE,
    filled_by UUID, -- Pharmacist who filled
    dispensed_at TIMESTAMP WITH TIME ZONE,
    dispensed_by UUID,

    -- Flags and notes
    is_stat BOOLEAN DEFAULT false, -- Urgent/emergency
    requires_counseling BOOLEAN DEFAULT true,
    counseling_completed BOOLEAN DEFAULT false,
    counseling_declined BOOLEAN DEFAULT false,

    notes TEXT,
    rejection_reason TEXT,

    -- Audit
    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    version INTEGER DEFAULT 1
);

-- Prescription Items (medications on the prescription)
CREATE TABLE prescription_schema.prescription_items (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    prescription_id UUID REFERENCES prescription_schema.prescriptions(id) ON DELETE CASCADE,
    medication_id UUID REFERENCES prescription_schema.medications(id),

    -- Written prescription details
    written_medication_name VARCHAR(255) NOT NULL, -- What doctor wrote
    quantity DECIMAL(10, 2) NOT NULL,
    quantity_unit VARCHAR(20) NOT NULL, -- 'tablets', 'ml', etc.
    days_supply INTEGER NOT NULL,

    -- Directions (SIG)
    sig TEXT NOT NULL, -- "Take 1 tablet by mouth twice daily"

    -- Refills
    refills_authorized INTEGER NOT NULL DEFAULT 0,
    refills_remaining INTEGER NOT NULL DEFAULT 0,

    -- Substitution
    substitution_allowed BOOLEAN DEFAULT true,
    daw_code VARCHAR(2), -- Dispense As Written code

    -- What was actually dispensed
    dispensed_medication_id UUID REFERENCES prescription_schema.medications(id),
    dispensed_quantity DECIMAL(10, 2),
    dispensed_ndc VARCHAR(11),

    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP
);

-- Prescription Refills (tracking each fill/refill)
CREATE TABLE prescription_schema.prescription_refills (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    prescription_id UUID REFERENCES prescription_schema.prescriptions(id) ON DELETE CASCADE,
    prescription_item_id UUID REFERENCES prescription_schema.prescription_items(id),

    refill_number INTEGER NOT NULL, -- 0 = original fill, 1, 2, 3... = refills

    -- What was dispensed
    medication_id UUID REFERENCES prescription_schema.medications(id),
    ndc_code VARCHAR(11) NOT NULL,
    quantity_dispensed DECIMAL(10, 2) NOT NULL,
    days_supply INTEGER NOT NULL,

    -- Processing
    filled_date DATE NOT NULL,
    filled_by UUID,

    -- Billing (we'll link to billing schema)
    billed_amount DECIMAL(10, 2),

    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP
);

-- Drug Interactions (for clinical decision support)
CREATE TABLE prescription_schema.drug_interactions (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    medication_1_id UUID REFERENCES prescription_schema.medications(id),
    medication_2_id UUID REFERENCES prescription_schema.medications(id),
    interaction_type VARCHAR(50), -- 'major', 'moderate', 'minor'
    description TEXT NOT NULL,
    severity VARCHAR(20) NOT NULL, -- 'contraindicated', 'serious', 'significant', 'minor'
    management_recommendation TEXT,
    is_active BOOLEAN DEFAULT true,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,

    CHECK (medication_1_id < medication_2_id) -- Prevent duplicates
);

-- Prescription validations/checks log
CREATE TABLE prescription_schema.prescription_validations (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    prescription_id UUID REFERENCES prescription_schema.prescriptions(id) ON DELETE CASCADE,
    validation_type VARCHAR(50) NOT NULL,
    -- 'prescriber_license', 'drug_interaction', 'allergy_check', 'dea_verification', etc.
    validation_status VARCHAR(20) NOT NULL, -- 'passed', 'failed', 'warning'
    details JSONB, -- Flexible storage for validation details
    performed_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    performed_by UUID
);

-- Indexes
CREATE INDEX idx_prescriptions_patient_id ON prescription_schema.prescriptions(patient_id);
CREATE INDEX idx_prescriptions_status ON prescription_schema.prescriptions(status);
CREATE INDEX idx_prescriptions_prescription_number ON prescription_schema.prescriptions(prescription_number);
CREATE INDEX idx_prescriptions_prescriber_npi ON prescription_schema.prescriptions(prescriber_npi);
CREATE INDEX idx_prescription_items_prescription_id ON prescription_schema.prescription_items(prescription_id);
CREATE INDEX idx_prescription_items_medication_id ON prescription_schema.prescription_items(medication_id);
CREATE INDEX idx_prescription_refills_prescription_id ON prescription_schema.prescription_refills(prescription_id);
CREATE INDEX idx_medications_ndc_code ON prescription_schema.medications(ndc_code);
CREATE INDEX idx_medications_drug_name ON prescription_schema.medications(drug_name);
CREATE INDEX idx_drug_interactions_medication_ids ON prescription_schema.drug_interactions(medication_1_id, medication_2_id);
