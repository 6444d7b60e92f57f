CREATE SCHEMA patient_schema;

-- Patients table
CREATE TABLE patient_schema.patients (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    patient_number VARCHAR(20) UNIQUE NOT NULL, -- Human-readable ID
    first_name VARCHAR(100) NOT NULL,
    middle_name VARCHAR(100),
    last_name VARCHAR(100) NOT NULL,
    date_of_birth DATE NOT NULL,
    gender VARCHAR(20), -- 'male', 'female', 'other', 'prefer_not_to_say'
    ssn_last_four VARCHAR(4), -- Last 4 of SSN for verification

    -- Contact information
    phone_primary VARCHAR(20) NOT NULL,
    phone_secondary VARCHAR(20),
    email VARCHAR(255),

    -- Address
    address_line1 VARCHAR(255) NOT NULL,
    address_line2 VARCHAR(255),
    city VARCHAR(100) NOT NULL,
    state VARCHAR(50) NOT NULL,
    zip_code VARCHAR(10) NOT NULL,
    country VARCHAR(2) DEFAULT 'US',

    -- Preferences
    language_preference VARCHAR(10) DEFAULT 'en',
    communication_preference VARCHAR(20) DEFAULT 'sms', -- 'sms', 'email', 'phone', 'none'
    allow_generic_substitution BOOLEAN DEFAULT true,

    -- Status
    is_active BOOLEAN DEFAULT true,

    -- Audit
    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    created_by UUID,
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    updated_by UUID,
    deleted_at TIMESTAMP WITH TIME ZONE,
    version INTEGER DEFAULT 1 -- Optimistic locking
);

-- Patient Allergies
CREATE TABLE patient_schema.patient_allergies (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    patient_id UUID REFERENCES patient_schema.patients(id) ON DELETE CASCADE,
    allergen_type VARCHAR(50) NOT NULL, -- 'medication', 'food', 'environmental'
    allergen_name VARCHAR(255) NOT NULL,
    reaction VARCHAR(255), -- 'rash', 'anaphylaxis', etc.
    severity VARCHAR(20), -- 'mild', 'moderate', 'severe'
    notes TEXT,
    onset_date DATE,
    is_active BOOLEAN DEFAULT true,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    created_by UUID,
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP
);

-- Patient Medical Conditions
CREATE TABLE patient_schema.patient_conditions (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    patient_id UUID REFERENCES patient_schema.patients(id) ON DELETE CASCADE,
    condition_name VARCHAR(255) NOT NULL,
    icd_10_code VARCHAR(10), -- Standard medical coding
    diagnosed_date DATE,
    is_active BOOLEAN DEFAULT true,
    notes TEXT,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    created_by UUID
);

-- Patient Insurance
CREATE TABLE patient_schema.patient_insurance (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    patient_id UUID REFERENCES patient_schema.patients(id) ON DELETE CASCADE,
    insurance_provider VARCHAR(255) NOT NULL,
    insurance_type VARCHAR(50), -- 'primary', 'secondary'
    policy_number VARCHAR(100) NOT NULL,
    group_number VARCHAR(100),
    bin_number VARCHAR(20), -- Pharmacy benefit manager ID
    pcn_number VARCHAR(20), -- Processor control number
    cardholder_name VARCHAR(255),
    relationship_to_cardholder VARCHAR(50), -- 'self', 'spouse', 'child'
    effective_date DATE NOT NULL,
    expiration_date DATE,
    is_active BOOLEAN DEFAULT true,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP
);

-- Patient Prescribers (Preferred doctors)
CREATE TABLE patient_schema.patient_prescribers (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    patient_id UUID REFERENCES patient_schema.patients(id) ON DELETE CASCADE,
    prescriber_name VARCHAR(255) NOT NULL,
    prescriber_npi VARCHAR(10) NOT NULL, -- National Provider Identifier
    prescriber_dea VARCHAR(20), -- DEA number for controlled substances
    specialty VARCHAR(100),
    phone VARCHAR(20),
    is_primary BOOLEAN DEFAULT false,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP
);

-- Indexes
CREATE INDEX idx_patients_patient_number ON patient_schema.patients(patient_number);
CREATE INDEX idx_patients_phone ON patient_schema.patients(phone_primary);
CREATE INDEX idx_patients_dob ON patient_schema.patients(date_of_birth);
CREATE INDEX idx_patients_name ON patient_schema.patients(last_name, first_name);
CREATE INDEX idx_patient_allergies_patient_id ON patient_schema.patient_allergies(patient_id);
CREATE INDEX idx_patient_insurance_patient_id ON patient_schema.patient_insurance(patient_id);
CREATE INDEX idx_patient_prescribers_patient_id ON patient_schema.patient_prescribers(patient_id);
