"""Pickup and point of sale: sales, tenders, voids, drawer closes, pickups with signature and ID,
claims with their NCPDP fields, front-store products, POS settings and permissions.

- sales: one row per completed sale (with the tax rate it was sold at, for its refunds); ``idempotency_key`` is UNIQUE, so a double press, a retry after
  a dropped connection or two workstations finishing the same sale can never make a second one.
- invoices: one per filled prescription (``prescription_refill_id``; a live one at most) plus one
  front-store invoice per sale (``prescription_id`` NULL — the design document's NOT NULL did not
  foresee front-store items); CHECKs keep the money arithmetic true in the database itself.
- payments: a tender allocated to an invoice; a refund is its own row (status 'refunded',
  ``refund_of`` the original), so completed - refunded = what the patient paid.
- insurance_claims: the NCPDP D.0 request fields, payer sequence, reject codes, reversal.
- pickups / pickup_items: who collected, date-of-birth check, the picker's ID for Schedule II-V,
  counseling accepted (by which pharmacist) or declined, the signature PNG.
- discounts.times_used can never pass max_uses (CHECK), discount_uses counts per patient.
- pharmacy_profile: tax rate, dispensing fee, days in will-call before return to stock, drug names
  on receipts.
- permissions prescription.dispense, pos.void, pos.close_drawer (pos.sell, pos.refund exist since 0004).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

PERMISSIONS = {
    "prescription.dispense": "hand prescriptions to patients (pickup)",
    "pos.void": "void sale lines and sales before they complete",
    "pos.close_drawer": "count and close the cash drawer",
}
STATES_0006 = "'received', 'validated', 'in_progress', 'ready', 'dispensed', 'completed', 'rejected', 'cancelled'"
GRANTS = {
    "technician": ["prescription.dispense"],
    "pharmacist": ["prescription.dispense", "pos.void", "pos.close_drawer"],
    "manager": ["pos.void", "pos.close_drawer"],
}


def upgrade() -> None:
    op.execute("""
        CREATE SEQUENCE billing_schema.sale_number_seq START 1;
        CREATE SEQUENCE billing_schema.claim_number_seq START 1;

        CREATE TABLE billing_schema.sales (
            id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            sale_number VARCHAR(20) UNIQUE NOT NULL,
            idempotency_key UUID UNIQUE NOT NULL,
            patient_id UUID NOT NULL,
            status VARCHAR(20) NOT NULL DEFAULT 'completed'
                CHECK (status IN ('completed', 'partially_refunded', 'refunded')),
            workstation VARCHAR(100) NOT NULL,
            cashier_id UUID,
            business_date DATE NOT NULL,
            completed_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
            subtotal DECIMAL(10, 2) NOT NULL CHECK (subtotal >= 0),
            tax_amount DECIMAL(10, 2) NOT NULL DEFAULT 0 CHECK (tax_amount >= 0),
            tax_rate DECIMAL(6, 5) NOT NULL DEFAULT 0 CHECK (tax_rate >= 0 AND tax_rate < 1),
            discount_amount DECIMAL(10, 2) NOT NULL DEFAULT 0 CHECK (discount_amount >= 0),
            insurance_payment DECIMAL(10, 2) NOT NULL DEFAULT 0 CHECK (insurance_payment >= 0),
            total_amount DECIMAL(10, 2) NOT NULL CHECK (total_amount >= 0),
            patient_pay DECIMAL(10, 2) NOT NULL CHECK (patient_pay >= 0),
            cash_tendered DECIMAL(10, 2),
            change_due DECIMAL(10, 2) NOT NULL DEFAULT 0 CHECK (change_due >= 0),
            discount_id UUID REFERENCES billing_schema.discounts(id),
            receipt_job_id UUID,
            created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP
        );
        CREATE INDEX idx_sales_business_date ON billing_schema.sales(business_date, workstation);
        CREATE INDEX idx_sales_patient_id ON billing_schema.sales(patient_id);

        CREATE TABLE billing_schema.sale_tenders (
            id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            sale_id UUID NOT NULL REFERENCES billing_schema.sales(id),
            seq SMALLINT NOT NULL,
            method VARCHAR(20) NOT NULL CHECK (method IN ('cash', 'credit_card', 'debit_card', 'check')),
            amount DECIMAL(10, 2) NOT NULL CHECK (amount >= 0),
            cash_tendered DECIMAL(10, 2),
            change_due DECIMAL(10, 2) NOT NULL DEFAULT 0 CHECK (change_due >= 0),
            card_last_four VARCHAR(4) CHECK (card_last_four ~ '^[0-9]{4}$'),
            transaction_id VARCHAR(100),
            auth_code VARCHAR(20),
            check_number VARCHAR(20),
            status VARCHAR(20) NOT NULL DEFAULT 'approved'
                CHECK (status IN ('approved', 'partially_refunded', 'refunded')),
            created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
            CONSTRAINT uq_sale_tenders_seq UNIQUE (sale_id, seq)
        );

        CREATE TABLE billing_schema.sale_voids (
            id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            sale_key UUID NOT NULL,
            kind VARCHAR(10) NOT NULL CHECK (kind IN ('line', 'sale')),
            description TEXT NOT NULL,
            amount DECIMAL(10, 2) NOT NULL DEFAULT 0 CHECK (amount >= 0),
            reason TEXT NOT NULL,
            workstation VARCHAR(100) NOT NULL,
            business_date DATE NOT NULL,
            voided_by UUID,
            voided_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP
        );
        CREATE INDEX idx_sale_voids_business_date ON billing_schema.sale_voids(business_date, workstation);

        CREATE TABLE billing_schema.drawer_closes (
            id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            business_date DATE NOT NULL,
            workstation VARCHAR(100) NOT NULL,
            opening_float DECIMAL(10, 2) NOT NULL DEFAULT 0 CHECK (opening_float >= 0),
            expected JSONB NOT NULL,
            counted JSONB NOT NULL,
            variance JSONB NOT NULL,
            notes TEXT,
            closed_by UUID,
            closed_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
            CONSTRAINT uq_drawer_closes_day UNIQUE (business_date, workstation)
        );

        CREATE TABLE billing_schema.discount_uses (
            id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            discount_id UUID NOT NULL REFERENCES billing_schema.discounts(id),
            sale_id UUID NOT NULL REFERENCES billing_schema.sales(id),
            patient_id UUID NOT NULL,
            amount DECIMAL(10, 2) NOT NULL CHECK (amount >= 0),
            used_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP
        );
        CREATE INDEX idx_discount_uses_patient ON billing_schema.discount_uses(discount_id, patient_id);

        ALTER TABLE billing_schema.discounts
            ADD CONSTRAINT ck_discounts_times_used
                CHECK (times_used >= 0 AND (max_uses IS NULL OR times_used <= max_uses)),
            ADD CONSTRAINT ck_discounts_type CHECK (discount_type IN ('percentage', 'fixed_amount', 'free_item')),
            ADD CONSTRAINT ck_discounts_value CHECK (discount_value >= 0);
        ALTER TABLE billing_schema.pricing_rules
            ADD CONSTRAINT ck_pricing_rules_method
                CHECK (pricing_method IN ('fixed_price', 'percentage_discount', 'awp_minus_percentage'));

        ALTER TABLE billing_schema.invoices
            ALTER COLUMN prescription_id DROP NOT NULL,
            ADD COLUMN sale_id UUID REFERENCES billing_schema.sales(id),
            ADD COLUMN prescription_refill_id UUID,
            ADD CONSTRAINT ck_invoices_owner CHECK (prescription_id IS NOT NULL OR sale_id IS NOT NULL),
            ADD CONSTRAINT ck_invoices_status
                CHECK (status IN ('pending', 'partially_paid', 'paid', 'overdue', 'cancelled')),
            ADD CONSTRAINT ck_invoices_amounts CHECK (
                subtotal >= 0 AND tax_amount >= 0 AND discount_amount >= 0 AND insurance_payment >= 0
                AND total_amount >= 0 AND patient_copay >= 0
                AND total_amount = subtotal + tax_amount - discount_amount
                AND patient_copay = total_amount - insurance_payment);
        CREATE INDEX idx_invoices_sale_id ON billing_schema.invoices(sale_id);
        CREATE UNIQUE INDEX uq_invoices_live_fill ON billing_schema.invoices(prescription_refill_id)
            WHERE status <> 'cancelled';

        ALTER TABLE billing_schema.invoice_items
            ADD COLUMN store_product_id UUID,
            ADD CONSTRAINT ck_invoice_items_type
                CHECK (item_type IN ('medication', 'dispensing_fee', 'front_store', 'tax', 'refund', 'copay'));

        ALTER TABLE billing_schema.payments
            ADD COLUMN sale_tender_id UUID REFERENCES billing_schema.sale_tenders(id),
            ADD COLUMN refund_of UUID REFERENCES billing_schema.payments(id),
            ADD COLUMN reason TEXT,
            ADD CONSTRAINT ck_payments_amount CHECK (amount >= 0),
            ADD CONSTRAINT ck_payments_status CHECK (status IN ('pending', 'completed', 'failed', 'refunded')),
            ADD CONSTRAINT ck_payments_method
                CHECK (payment_method IN ('cash', 'credit_card', 'debit_card', 'check', 'insurance')),
            ADD CONSTRAINT ck_payments_refund CHECK ((status = 'refunded') = (refund_of IS NOT NULL));
        CREATE INDEX idx_payments_sale_tender_id ON billing_schema.payments(sale_tender_id);

        ALTER TABLE billing_schema.insurance_claims
            ADD COLUMN prescription_refill_id UUID,
            ADD COLUMN payer_sequence SMALLINT NOT NULL DEFAULT 1 CHECK (payer_sequence IN (1, 2)),
            ADD COLUMN bin_number VARCHAR(6),
            ADD COLUMN pcn VARCHAR(20),
            ADD COLUMN group_number VARCHAR(100),
            ADD COLUMN member_id VARCHAR(100),
            ADD COLUMN person_code VARCHAR(3),
            ADD COLUMN ndc VARCHAR(11),
            ADD COLUMN quantity DECIMAL(10, 3),
            ADD COLUMN days_supply INTEGER,
            ADD COLUMN daw VARCHAR(1),
            ADD COLUMN ingredient_cost DECIMAL(10, 2),
            ADD COLUMN dispensing_fee DECIMAL(10, 2),
            ADD COLUMN usual_and_customary DECIMAL(10, 2),
            ADD COLUMN other_payer_amount DECIMAL(10, 2),
            ADD COLUMN reject_codes TEXT[],
            ADD COLUMN reversed_at TIMESTAMP WITH TIME ZONE,
            ADD COLUMN reversal_reason TEXT,
            ADD CONSTRAINT ck_insurance_claims_status CHECK (status IN
                ('submitted', 'pending', 'approved', 'partially_approved', 'rejected', 'appealed', 'reversed', 'failed'));
        CREATE INDEX idx_insurance_claims_refill ON billing_schema.insurance_claims(prescription_refill_id);

        CREATE TABLE prescription_schema.pickups (
            id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            sale_id UUID NOT NULL,
            patient_id UUID NOT NULL,
            picker_name VARCHAR(200) NOT NULL,
            picker_relationship VARCHAR(20) NOT NULL
                CHECK (picker_relationship IN
                    ('self', 'spouse', 'parent', 'child', 'guardian', 'caregiver', 'sibling', 'other')),
            picker_patient_id UUID,
            dob_confirmed BOOLEAN NOT NULL CHECK (dob_confirmed),
            has_controlled BOOLEAN NOT NULL DEFAULT false,
            id_type VARCHAR(20)
                CHECK (id_type IN ('drivers_license', 'state_id', 'passport', 'military_id', 'other')),
            id_number VARCHAR(50),
            id_state VARCHAR(2),
            id_expiry DATE,
            signature_png BYTEA NOT NULL CHECK (octet_length(signature_png) > 0),
            acknowledged_receipt BOOLEAN NOT NULL DEFAULT false,
            acknowledged_counseling BOOLEAN NOT NULL DEFAULT false,
            acknowledged_privacy_notice BOOLEAN NOT NULL DEFAULT false,
            picked_up_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
            recorded_by UUID,
            workstation VARCHAR(100),
            CONSTRAINT ck_pickups_controlled_id CHECK (
                NOT has_controlled OR (id_type IS NOT NULL AND id_number IS NOT NULL AND id_state IS NOT NULL))
        );
        CREATE INDEX idx_pickups_sale_id ON prescription_schema.pickups(sale_id);
        CREATE INDEX idx_pickups_patient_id ON prescription_schema.pickups(patient_id);

        CREATE TABLE prescription_schema.pickup_items (
            id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            pickup_id UUID NOT NULL REFERENCES prescription_schema.pickups(id) ON DELETE CASCADE,
            prescription_id UUID NOT NULL REFERENCES prescription_schema.prescriptions(id),
            prescription_refill_id UUID REFERENCES prescription_schema.prescription_refills(id),
            counseling VARCHAR(20) NOT NULL CHECK (counseling IN ('accepted', 'declined', 'not_required')),
            counseled_by UUID,
            counseled_at TIMESTAMP WITH TIME ZONE,
            notes TEXT,
            CONSTRAINT ck_pickup_items_counselor CHECK ((counseling = 'accepted') = (counseled_by IS NOT NULL))
        );
        CREATE INDEX idx_pickup_items_prescription ON prescription_schema.pickup_items(prescription_id);

        ALTER TABLE patient_schema.patients ADD COLUMN privacy_notice_acknowledged_at TIMESTAMP WITH TIME ZONE;

        CREATE TABLE inventory_schema.store_products (
            id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            upc VARCHAR(14) UNIQUE NOT NULL,
            name VARCHAR(255) NOT NULL,
            price DECIMAL(10, 2) NOT NULL CHECK (price >= 0),
            taxable BOOLEAN NOT NULL DEFAULT true,
            quantity_on_hand INTEGER NOT NULL DEFAULT 0 CHECK (quantity_on_hand >= 0),
            is_active BOOLEAN NOT NULL DEFAULT true,
            created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
            updated_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP
        );

        ALTER TABLE user_schema.pharmacy_profile
            ADD COLUMN tax_rate DECIMAL(6, 5) NOT NULL DEFAULT 0 CHECK (tax_rate >= 0 AND tax_rate < 1),
            ADD COLUMN dispensing_fee DECIMAL(10, 2) NOT NULL DEFAULT 0 CHECK (dispensing_fee >= 0),
            ADD COLUMN will_call_return_days INTEGER NOT NULL DEFAULT 10
                CHECK (will_call_return_days BETWEEN 1 AND 60),
            ADD COLUMN receipt_drug_names BOOLEAN NOT NULL DEFAULT false;
        ALTER TABLE prescription_schema.prescriptions DROP CONSTRAINT ck_prescriptions_status,
            ADD CONSTRAINT ck_prescriptions_status CHECK (status IN ('received', 'validated', 'in_progress',
                'ready', 'on_hold', 'dispensed', 'completed', 'rejected', 'cancelled'));  -- on_hold: returned to stock
    """)
    permissions = sa.table(
        "permissions",
        sa.column("name"),
        sa.column("description"),
        sa.column("resource"),
        sa.column("action"),
        schema="user_schema",
    )
    op.bulk_insert(
        permissions,
        [
            {"name": name, "description": desc, "resource": name.partition(".")[0], "action": name.partition(".")[2]}
            for name, desc in PERMISSIONS.items()
        ],
    )
    for role, perms in GRANTS.items():
        op.execute(
            sa.text(
                "INSERT INTO user_schema.role_permissions (role_id, permission_id) "
                "SELECT r.id, p.id FROM user_schema.roles r, user_schema.permissions p "
                "WHERE r.name = :role AND p.name = ANY(:perms)"
            ).bindparams(role=role, perms=perms)
        )


def downgrade() -> None:
    op.execute(  # on_hold rows must be moved first (reactivated or cancelled)
        "ALTER TABLE prescription_schema.prescriptions DROP CONSTRAINT ck_prescriptions_status, "
        f"ADD CONSTRAINT ck_prescriptions_status CHECK (status IN ({STATES_0006}))"
    )
    op.execute(
        sa.text(
            "DELETE FROM user_schema.role_permissions WHERE permission_id IN "
            "(SELECT id FROM user_schema.permissions WHERE name = ANY(:perms))"
        ).bindparams(perms=list(PERMISSIONS))
    )
    op.execute(
        sa.text("DELETE FROM user_schema.permissions WHERE name = ANY(:perms)").bindparams(perms=list(PERMISSIONS))
    )
    op.execute("""
        ALTER TABLE user_schema.pharmacy_profile
            DROP COLUMN tax_rate, DROP COLUMN dispensing_fee, DROP COLUMN will_call_return_days,
            DROP COLUMN receipt_drug_names;
        DROP TABLE inventory_schema.store_products;
        ALTER TABLE patient_schema.patients DROP COLUMN privacy_notice_acknowledged_at;
        DROP TABLE prescription_schema.pickup_items;
        DROP TABLE prescription_schema.pickups;
        DROP INDEX billing_schema.idx_insurance_claims_refill;
        ALTER TABLE billing_schema.insurance_claims
            DROP CONSTRAINT ck_insurance_claims_status,
            DROP COLUMN prescription_refill_id, DROP COLUMN payer_sequence, DROP COLUMN bin_number, DROP COLUMN pcn,
            DROP COLUMN group_number, DROP COLUMN member_id, DROP COLUMN person_code, DROP COLUMN ndc,
            DROP COLUMN quantity, DROP COLUMN days_supply, DROP COLUMN daw, DROP COLUMN ingredient_cost,
            DROP COLUMN dispensing_fee, DROP COLUMN usual_and_customary, DROP COLUMN other_payer_amount,
            DROP COLUMN reject_codes, DROP COLUMN reversed_at, DROP COLUMN reversal_reason;
        DROP INDEX billing_schema.idx_payments_sale_tender_id;
        ALTER TABLE billing_schema.payments
            DROP CONSTRAINT ck_payments_amount, DROP CONSTRAINT ck_payments_status,
            DROP CONSTRAINT ck_payments_method, DROP CONSTRAINT ck_payments_refund,
            DROP COLUMN sale_tender_id, DROP COLUMN refund_of, DROP COLUMN reason;
        ALTER TABLE billing_schema.invoice_items DROP CONSTRAINT ck_invoice_items_type, DROP COLUMN store_product_id;
        DROP INDEX billing_schema.uq_invoices_live_fill;
        DROP INDEX billing_schema.idx_invoices_sale_id;
        DELETE FROM billing_schema.invoices WHERE prescription_id IS NULL;
        ALTER TABLE billing_schema.invoices
            DROP CONSTRAINT ck_invoices_owner, DROP CONSTRAINT ck_invoices_status, DROP CONSTRAINT ck_invoices_amounts,
            DROP COLUMN sale_id, DROP COLUMN prescription_refill_id,
            ALTER COLUMN prescription_id SET NOT NULL;
        ALTER TABLE billing_schema.pricing_rules DROP CONSTRAINT ck_pricing_rules_method;
        ALTER TABLE billing_schema.discounts
            DROP CONSTRAINT ck_discounts_times_used, DROP CONSTRAINT ck_discounts_type, DROP CONSTRAINT ck_discounts_value;
        DROP TABLE billing_schema.discount_uses;
        DROP TABLE billing_schema.drawer_closes;
        DROP TABLE billing_schema.sale_voids;
        DROP TABLE billing_schema.sale_tenders;
        DROP TABLE billing_schema.sales;
        DROP SEQUENCE billing_schema.claim_number_seq;
        DROP SEQUENCE billing_schema.sale_number_seq;
    """)
