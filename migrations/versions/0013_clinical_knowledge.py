"""Clinical knowledge at ingredient and class level, a patient's clinical profile, DUR that cannot go
stale, NCPDP DUR codes on overrides, prescriber DEA schedules, independent verification.

- clinical_* (prescription_schema): classes (therapeutic, allergy, FDA established pharmacologic
  class "epc"), ingredient -> class, interactions between ingredients or classes, dose limits per
  ingredient / route / release / age band, drug-disease by ICD-10-CM prefix (with plain-language
  condition terms), pregnancy and lactation, age (Beers 2023, pediatric), sex, allergy
  cross-sensitivity, allergen terms ("pcn", "sulfa"); every rule row names its source.
  ``clinical_sources`` records what was loaded (the curated seed or a licensed feed) and its checksum.
  Subjects are ``ingredient`` (the ``domain.dur_facts.normalize_ingredient`` form) or ``class`` (a
  ``clinical_classes.code``).
- patients: weight, pregnancy status, breastfeeding, and ``clinical_profile_version`` /
  ``clinical_profile_changed_at``, bumped by triggers whenever allergies, conditions, weight,
  pregnancy, breastfeeding, birth date or sex change (and by the prescriptions triggers when the
  patient's active medications change). A DUR run records the version it saw; approval compares.
- prescription_validations: ``profile_version`` and the NCPDP DUR codes of an override (reason for
  service, professional service, result of service).
- prescription_items: ``directions_typed`` (the technician typed the directions because the SIG was
  not understood; rows saved before are false, so a SIG the reader now refuses ("OD") never prints
  the directions an older reader made of it).
- prescriptions: ``prescriber_dea_schedules`` ("2 2N 3 3N 4 5"), ``prescriber_first_name`` /
  ``prescriber_last_name`` (multi-word surnames: "de la Cruz").
- pharmacy_profile: ``independent_verification`` (the verifying pharmacist differs from the one who
  filled; default on).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

SEVERITY = "('contraindicated', 'serious', 'significant', 'minor')"
SUBJECT_KIND = "('ingredient', 'class')"


def _subject(prefix: str = "subject") -> str:
    return (
        f"{prefix}_kind VARCHAR(10) NOT NULL CHECK ({prefix}_kind IN {SUBJECT_KIND}),\n"
        f"            {prefix} VARCHAR(200) NOT NULL"
    )


def upgrade() -> None:
    s = "prescription_schema"
    op.execute(f"""
        CREATE TABLE {s}.clinical_sources (
            name VARCHAR(100) PRIMARY KEY,
            description TEXT NOT NULL,
            checksum VARCHAR(64) NOT NULL,
            row_count INTEGER NOT NULL CHECK (row_count >= 0),
            loaded_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP
        );
        CREATE TABLE {s}.clinical_classes (
            code VARCHAR(120) PRIMARY KEY,
            name VARCHAR(200) NOT NULL,
            kind VARCHAR(20) NOT NULL CHECK (kind IN ('therapeutic', 'allergy', 'epc')),
            parent_code VARCHAR(120) REFERENCES {s}.clinical_classes(code) ON DELETE SET NULL,
            source TEXT NOT NULL
        );
        CREATE TABLE {s}.clinical_ingredient_classes (
            ingredient VARCHAR(200) NOT NULL,
            class_code VARCHAR(120) NOT NULL REFERENCES {s}.clinical_classes(code) ON DELETE CASCADE,
            source TEXT NOT NULL,
            PRIMARY KEY (ingredient, class_code)
        );
        CREATE INDEX idx_clinical_ingredient_classes_class ON {s}.clinical_ingredient_classes(class_code);
        CREATE TABLE {s}.clinical_allergen_terms (
            term VARCHAR(200) NOT NULL,
            {_subject()},
            source TEXT NOT NULL,
            PRIMARY KEY (term, subject_kind, subject)
        );
        CREATE TABLE {s}.clinical_interactions (
            id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            {_subject("subject_a")},
            {_subject("subject_b")},
            severity VARCHAR(20) NOT NULL CHECK (severity IN {SEVERITY}),
            mechanism TEXT NOT NULL,
            management TEXT NOT NULL,
            source TEXT NOT NULL,
            is_active BOOLEAN NOT NULL DEFAULT true,
            CONSTRAINT uq_clinical_interactions_pair UNIQUE (subject_a_kind, subject_a, subject_b_kind, subject_b),
            CONSTRAINT ck_clinical_interactions_distinct CHECK (subject_a_kind <> subject_b_kind OR subject_a <> subject_b)
        );
        CREATE INDEX idx_clinical_interactions_a ON {s}.clinical_interactions(subject_a, subject_b);
        CREATE INDEX idx_clinical_interactions_b ON {s}.clinical_interactions(subject_b, subject_a);
        CREATE TABLE {s}.clinical_dose_limits (
            id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            ingredient VARCHAR(200) NOT NULL,
            route VARCHAR(30) NOT NULL DEFAULT 'any',
            release VARCHAR(10) NOT NULL DEFAULT 'any' CHECK (release IN ('any', 'immediate', 'extended')),
            age_min_years NUMERIC(5, 2) NOT NULL DEFAULT 0 CHECK (age_min_years >= 0),
            age_max_years NUMERIC(5, 2) CHECK (age_max_years IS NULL OR age_max_years > age_min_years),
            max_single_mg NUMERIC(12, 4) CHECK (max_single_mg > 0),
            max_daily_mg NUMERIC(12, 4) CHECK (max_daily_mg > 0),
            max_single_mg_per_kg NUMERIC(10, 4) CHECK (max_single_mg_per_kg > 0),
            max_daily_mg_per_kg NUMERIC(10, 4) CHECK (max_daily_mg_per_kg > 0),
            min_interval_hours NUMERIC(5, 2) CHECK (min_interval_hours > 0),
            weekly_only BOOLEAN NOT NULL DEFAULT false,
            max_weekly_mg NUMERIC(12, 4) CHECK (max_weekly_mg > 0),
            note TEXT,
            source TEXT NOT NULL,
            CONSTRAINT uq_clinical_dose_limits UNIQUE (ingredient, route, release, age_min_years)
        );
        CREATE TABLE {s}.clinical_condition_terms (
            term VARCHAR(200) PRIMARY KEY,
            icd10_prefix VARCHAR(10) NOT NULL,
            source TEXT NOT NULL
        );
        CREATE TABLE {s}.clinical_disease_rules (
            id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            {_subject()},
            icd10_prefix VARCHAR(10) NOT NULL,
            condition_name VARCHAR(200) NOT NULL,
            severity VARCHAR(20) NOT NULL CHECK (severity IN {SEVERITY}),
            message TEXT NOT NULL,
            source TEXT NOT NULL,
            CONSTRAINT uq_clinical_disease_rules UNIQUE (subject_kind, subject, icd10_prefix)
        );
        CREATE INDEX idx_clinical_disease_rules_subject ON {s}.clinical_disease_rules(subject);
        CREATE TABLE {s}.clinical_pregnancy_rules (
            id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            {_subject()},
            state VARCHAR(10) NOT NULL CHECK (state IN ('pregnancy', 'lactation')),
            severity VARCHAR(20) NOT NULL CHECK (severity IN {SEVERITY}),
            message TEXT NOT NULL,
            source TEXT NOT NULL,
            CONSTRAINT uq_clinical_pregnancy_rules UNIQUE (subject_kind, subject, state)
        );
        CREATE TABLE {s}.clinical_age_rules (
            id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            {_subject()},
            age_min_years NUMERIC(5, 2),
            age_max_years NUMERIC(5, 2),
            criteria VARCHAR(20) NOT NULL CHECK (criteria IN ('beers', 'pediatric', 'other')),
            severity VARCHAR(20) NOT NULL CHECK (severity IN {SEVERITY}),
            message TEXT NOT NULL,
            source TEXT NOT NULL,
            CONSTRAINT ck_clinical_age_rules_band CHECK (age_min_years IS NOT NULL OR age_max_years IS NOT NULL),
            CONSTRAINT uq_clinical_age_rules UNIQUE (subject_kind, subject, criteria)
        );
        CREATE TABLE {s}.clinical_sex_rules (
            id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            {_subject()},
            sex VARCHAR(1) NOT NULL CHECK (sex IN ('F', 'M')),
            severity VARCHAR(20) NOT NULL CHECK (severity IN {SEVERITY}),
            message TEXT NOT NULL,
            source TEXT NOT NULL,
            CONSTRAINT uq_clinical_sex_rules UNIQUE (subject_kind, subject, sex)
        );
        CREATE TABLE {s}.clinical_allergy_cross (
            id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            allergy_class VARCHAR(120) NOT NULL REFERENCES {s}.clinical_classes(code) ON DELETE CASCADE,
            {_subject()},
            severity VARCHAR(20) NOT NULL CHECK (severity IN {SEVERITY}),
            message TEXT NOT NULL,
            source TEXT NOT NULL,
            CONSTRAINT uq_clinical_allergy_cross UNIQUE (allergy_class, subject_kind, subject)
        );

        ALTER TABLE patient_schema.patients
            ADD COLUMN weight_kg NUMERIC(5, 2) CHECK (weight_kg > 0 AND weight_kg < 700),
            ADD COLUMN weight_recorded_at DATE,
            ADD COLUMN pregnancy_status VARCHAR(20) NOT NULL DEFAULT 'unknown'
                CHECK (pregnancy_status IN ('unknown', 'pregnant', 'not_pregnant')),
            ADD COLUMN breastfeeding BOOLEAN NOT NULL DEFAULT false,
            ADD COLUMN clinical_profile_version INTEGER NOT NULL DEFAULT 1,
            ADD COLUMN clinical_profile_changed_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP;

        CREATE FUNCTION patient_schema.bump_clinical_profile(p_patient UUID) RETURNS void
            LANGUAGE sql AS $$
                UPDATE patient_schema.patients
                   SET clinical_profile_version = clinical_profile_version + 1,
                       clinical_profile_changed_at = clock_timestamp()
                 WHERE id = p_patient
            $$;
        CREATE FUNCTION patient_schema.clinical_child_changed() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP IN ('UPDATE', 'DELETE') THEN
                    PERFORM patient_schema.bump_clinical_profile(OLD.patient_id);
                END IF;
                IF TG_OP IN ('INSERT', 'UPDATE') AND (TG_OP = 'INSERT' OR NEW.patient_id IS DISTINCT FROM OLD.patient_id) THEN
                    PERFORM patient_schema.bump_clinical_profile(NEW.patient_id);
                END IF;
                RETURN NULL;
            END $$;
        CREATE TRIGGER trg_patient_allergies_clinical AFTER INSERT OR UPDATE OR DELETE
            ON patient_schema.patient_allergies FOR EACH ROW EXECUTE FUNCTION patient_schema.clinical_child_changed();
        CREATE TRIGGER trg_patient_conditions_clinical AFTER INSERT OR UPDATE OR DELETE
            ON patient_schema.patient_conditions FOR EACH ROW EXECUTE FUNCTION patient_schema.clinical_child_changed();
        CREATE FUNCTION patient_schema.patient_clinical_fields_changed() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.weight_kg IS DISTINCT FROM OLD.weight_kg
                   OR NEW.pregnancy_status IS DISTINCT FROM OLD.pregnancy_status
                   OR NEW.breastfeeding IS DISTINCT FROM OLD.breastfeeding
                   OR NEW.date_of_birth IS DISTINCT FROM OLD.date_of_birth
                   OR NEW.gender IS DISTINCT FROM OLD.gender THEN
                    NEW.clinical_profile_version := OLD.clinical_profile_version + 1;
                    NEW.clinical_profile_changed_at := clock_timestamp();
                END IF;
                RETURN NEW;
            END $$;
        CREATE TRIGGER trg_patients_clinical BEFORE UPDATE ON patient_schema.patients
            FOR EACH ROW EXECUTE FUNCTION patient_schema.patient_clinical_fields_changed();

        -- the patient's active medications: a new item, or a prescription leaving the active set
        CREATE FUNCTION prescription_schema.item_changes_clinical_profile() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM patient_schema.bump_clinical_profile(p.patient_id)
                   FROM prescription_schema.prescriptions p WHERE p.id = NEW.prescription_id;
                RETURN NULL;
            END $$;
        CREATE TRIGGER trg_prescription_items_clinical AFTER INSERT
            ON prescription_schema.prescription_items FOR EACH ROW
            EXECUTE FUNCTION prescription_schema.item_changes_clinical_profile();
        CREATE FUNCTION prescription_schema.status_changes_clinical_profile() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM patient_schema.bump_clinical_profile(NEW.patient_id);
                RETURN NULL;
            END $$;
        CREATE TRIGGER trg_prescriptions_clinical AFTER UPDATE OF status ON prescription_schema.prescriptions
            FOR EACH ROW
            WHEN ((NEW.status IN ('cancelled', 'rejected')) IS DISTINCT FROM (OLD.status IN ('cancelled', 'rejected')))
            EXECUTE FUNCTION prescription_schema.status_changes_clinical_profile();

        ALTER TABLE {s}.prescription_validations
            ADD COLUMN profile_version INTEGER,
            ADD COLUMN ncpdp_reason_code VARCHAR(2),
            ADD COLUMN ncpdp_professional_code VARCHAR(2),
            ADD COLUMN ncpdp_result_code VARCHAR(2);
        ALTER TABLE {s}.prescription_items ADD COLUMN directions_typed BOOLEAN NOT NULL DEFAULT false;
        ALTER TABLE {s}.prescriptions
            ADD COLUMN prescriber_first_name VARCHAR(100),
            ADD COLUMN prescriber_last_name VARCHAR(100),
            ADD COLUMN prescriber_dea_schedules VARCHAR(20);
        ALTER TABLE user_schema.pharmacy_profile
            ADD COLUMN independent_verification BOOLEAN NOT NULL DEFAULT true;
    """)


def downgrade() -> None:
    s = "prescription_schema"
    op.execute(f"""
        ALTER TABLE user_schema.pharmacy_profile DROP COLUMN independent_verification;
        ALTER TABLE {s}.prescription_items DROP COLUMN directions_typed;
        ALTER TABLE {s}.prescriptions
            DROP COLUMN prescriber_first_name, DROP COLUMN prescriber_last_name, DROP COLUMN prescriber_dea_schedules;
        ALTER TABLE {s}.prescription_validations
            DROP COLUMN profile_version, DROP COLUMN ncpdp_reason_code, DROP COLUMN ncpdp_professional_code,
            DROP COLUMN ncpdp_result_code;
        DROP TRIGGER trg_prescriptions_clinical ON {s}.prescriptions;
        DROP FUNCTION {s}.status_changes_clinical_profile();
        DROP TRIGGER trg_prescription_items_clinical ON {s}.prescription_items;
        DROP FUNCTION {s}.item_changes_clinical_profile();
        DROP TRIGGER trg_patients_clinical ON patient_schema.patients;
        DROP FUNCTION patient_schema.patient_clinical_fields_changed();
        DROP TRIGGER trg_patient_conditions_clinical ON patient_schema.patient_conditions;
        DROP TRIGGER trg_patient_allergies_clinical ON patient_schema.patient_allergies;
        DROP FUNCTION patient_schema.clinical_child_changed();
        DROP FUNCTION patient_schema.bump_clinical_profile(UUID);
        ALTER TABLE patient_schema.patients
            DROP COLUMN weight_kg, DROP COLUMN weight_recorded_at, DROP COLUMN pregnancy_status,
            DROP COLUMN breastfeeding, DROP COLUMN clinical_profile_version, DROP COLUMN clinical_profile_changed_at;
        DROP TABLE {s}.clinical_allergy_cross;
        DROP TABLE {s}.clinical_sex_rules;
        DROP TABLE {s}.clinical_age_rules;
        DROP TABLE {s}.clinical_pregnancy_rules;
        DROP TABLE {s}.clinical_disease_rules;
        DROP TABLE {s}.clinical_condition_terms;
        DROP TABLE {s}.clinical_dose_limits;
        DROP TABLE {s}.clinical_interactions;
        DROP TABLE {s}.clinical_allergen_terms;
        DROP TABLE {s}.clinical_ingredient_classes;
        DROP TABLE {s}.clinical_classes;
        DROP TABLE {s}.clinical_sources;
    """)
