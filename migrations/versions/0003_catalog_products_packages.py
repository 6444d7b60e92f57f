"""Drug catalog: FDA products, and package details on the medications of the design document.

- drug_products: one row per FDA product (PRODUCTID), so a package knows its labeler listing,
  marketing category, raw DEA schedule ("CII") and full pharmacologic classes without widening
  the design document's medication columns.
- idx_drug_products_product_ndc: FDA lists some PRODUCTNDCs under several PRODUCTIDs; find them all.
- medications.product_id: the FDA product a package belongs to (same schema, so a real key).
- medications.package_ndc: the labeler's hyphenated NDC; the 11-digit key alone cannot tell
  64725-1020-1 (lisinopril) from 64725-0102-1 (metformin) when a barcode is scanned.
- medications.package_description: what is in the box ("30 TABLET in 1 BOTTLE"), shown at fill.
- medications.marketing_start_date / marketing_end_date: an end date that has passed makes the
  package inactive on the next import.
- medications.active_ingredients: [{name, strength, unit}] for multi-ingredient products, which
  the 50-character strength column cannot hold whole.
- medications.catalog_source: the import family ("fda-finished", "fda-unfinished", "manual"); a
  re-import only deactivates packages of its own family.
- medications.search_text (generated): lower-cased brand, generic, strength and form in one
  column, so one trigram index serves "atorv 10" and typo searches.
- idx_medications_search_text_trgm: GIN trigram index for ILIKE '%...%' and word similarity.
- idx_medications_package_ndc: equality and prefix (product NDC) lookups on the hyphenated form.
- idx_medications_product_id: packages of a product, and the foreign key's deletes.
- drug_words (materialized view, refreshed by the catalog import): the distinct words of the
  catalog, so a typo ("metfromin", "zolpdem") is corrected against a few thousand words in a
  millisecond instead of a trigram similarity scan over every package.
- idx_drug_words_word (unique): REFRESH ... CONCURRENTLY needs it, and it answers exact words.
- idx_drug_words_trgm: GIN trigram index for the similarity search over the words.

The design document's columns are not changed.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SEARCH_TEXT = (
    "lower(coalesce(brand_name, '') || ' ' || coalesce(generic_name, '') || ' ' || "
    "coalesce(strength, '') || ' ' || coalesce(dosage_form, ''))"
)

UPGRADE = f"""
CREATE TABLE prescription_schema.drug_products (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    fda_product_id TEXT NOT NULL UNIQUE,
    product_ndc VARCHAR(12) NOT NULL,
    product_type TEXT,
    proprietary_name TEXT,
    proprietary_name_suffix TEXT,
    nonproprietary_name TEXT,
    dosage_form TEXT,
    route TEXT,
    marketing_start_date DATE,
    marketing_end_date DATE,
    marketing_category TEXT,
    application_number TEXT,
    labeler_name TEXT,
    substance_name TEXT,
    active_numerator_strength TEXT,
    active_ingredient_unit TEXT,
    pharm_classes TEXT,
    dea_schedule VARCHAR(5),
    ndc_exclude_flag VARCHAR(1),
    listing_certified_through DATE,
    catalog_source VARCHAR(30) NOT NULL,
    is_active BOOLEAN NOT NULL DEFAULT true,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX idx_drug_products_product_ndc ON prescription_schema.drug_products(product_ndc);

ALTER TABLE prescription_schema.medications
    ADD COLUMN product_id UUID REFERENCES prescription_schema.drug_products(id),
    ADD COLUMN package_ndc VARCHAR(14),
    ADD COLUMN package_description TEXT,
    ADD COLUMN marketing_start_date DATE,
    ADD COLUMN marketing_end_date DATE,
    ADD COLUMN active_ingredients JSONB,
    ADD COLUMN catalog_source VARCHAR(30),
    ADD COLUMN search_text TEXT GENERATED ALWAYS AS ({SEARCH_TEXT}) STORED;

CREATE INDEX idx_medications_search_text_trgm
    ON prescription_schema.medications USING gin (search_text gin_trgm_ops);
CREATE INDEX idx_medications_package_ndc
    ON prescription_schema.medications (package_ndc varchar_pattern_ops);
CREATE INDEX idx_medications_product_id ON prescription_schema.medications (product_id);

CREATE MATERIALIZED VIEW prescription_schema.drug_words AS
SELECT DISTINCT w.word
FROM (SELECT DISTINCT search_text FROM prescription_schema.medications) m,
     regexp_split_to_table(m.search_text, '[^[:alpha:]]+') AS w(word)
WHERE length(w.word) >= 3;
CREATE UNIQUE INDEX idx_drug_words_word ON prescription_schema.drug_words (word);
CREATE INDEX idx_drug_words_trgm ON prescription_schema.drug_words USING gin (word gin_trgm_ops);
"""

DOWNGRADE = """
DROP MATERIALIZED VIEW prescription_schema.drug_words;
DROP INDEX prescription_schema.idx_medications_product_id;
DROP INDEX prescription_schema.idx_medications_package_ndc;
DROP INDEX prescription_schema.idx_medications_search_text_trgm;
ALTER TABLE prescription_schema.medications
    DROP COLUMN search_text,
    DROP COLUMN catalog_source,
    DROP COLUMN active_ingredients,
    DROP COLUMN marketing_end_date,
    DROP COLUMN marketing_start_date,
    DROP COLUMN package_description,
    DROP COLUMN package_ndc,
    DROP COLUMN product_id;
DROP TABLE prescription_schema.drug_products;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
