"""The catalog import's SQL (db/catalog_load.py runs it): TEMP staging tables filled by COPY, checks
that set rows aside, set-based upserts of ``drug_products`` and ``medications``, deactivation of
what left the file, the audit event. Statement text only: its size is data."""

from __future__ import annotations

STAGE_SQL = """
CREATE TEMP TABLE stage_product (
    line integer NOT NULL,
    fda_product_id text NOT NULL,
    product_ndc text NOT NULL,
    product_type text, proprietary_name text, proprietary_name_suffix text,
    nonproprietary_name text, dosage_form text, route text,
    marketing_start_date date, marketing_end_date date,
    marketing_category text, application_number text, labeler_name text, substance_name text,
    active_numerator_strength text, active_ingredient_unit text, pharm_classes text,
    dea_raw text, ndc_exclude_flag text, listing_certified_through date,
    drug_name text NOT NULL, brand_name text, generic_name text, strength text,
    med_dosage_form text, med_route text, manufacturer text, dea_schedule text,
    is_generic boolean NOT NULL, pharmacologic_class text, therapeutic_class text,
    active_ingredients jsonb
) ON COMMIT DROP;
CREATE TEMP TABLE stage_package (
    line integer NOT NULL,
    fda_product_id text NOT NULL,
    package_ndc text NOT NULL,
    ndc_key text NOT NULL,
    description text,
    marketing_start_date date,
    marketing_end_date date,
    skip boolean NOT NULL DEFAULT false
) ON COMMIT DROP;
"""

PRODUCT_COPY = (
    "COPY stage_product (line, fda_product_id, product_ndc, product_type, proprietary_name, "
    "proprietary_name_suffix, nonproprietary_name, dosage_form, route, marketing_start_date, "
    "marketing_end_date, marketing_category, application_number, labeler_name, substance_name, "
    "active_numerator_strength, active_ingredient_unit, pharm_classes, dea_raw, ndc_exclude_flag, "
    "listing_certified_through, drug_name, brand_name, generic_name, strength, med_dosage_form, "
    "med_route, manufacturer, dea_schedule, is_generic, pharmacologic_class, therapeutic_class, "
    "active_ingredients) FROM STDIN"
)
PACKAGE_COPY = (
    "COPY stage_package (line, fda_product_id, package_ndc, ndc_key, description, "
    "marketing_start_date, marketing_end_date) FROM STDIN"
)

DUPLICATE_PRODUCTS = """
DELETE FROM stage_product s USING (
    SELECT line, min(line) OVER (PARTITION BY fda_product_id) AS first_line
    FROM stage_product
    WHERE fda_product_id IN (
        SELECT fda_product_id FROM stage_product GROUP BY 1 HAVING count(*) > 1)
) d
WHERE s.line = d.line AND d.line <> d.first_line
RETURNING s.line, s.fda_product_id, d.first_line
"""

ORPHAN_PACKAGES = """
UPDATE stage_package p SET skip = true
WHERE NOT EXISTS (SELECT 1 FROM stage_product s WHERE s.fda_product_id = p.fda_product_id)
RETURNING p.line, p.package_ndc, p.fda_product_id
"""

# the package's own end date, else its product's
END = "coalesce(p.marketing_end_date, s.marketing_end_date)"
ACTIVE = f"({END} IS NULL OR {END} > %(today)s)"

DUPLICATE_PACKAGES = f"""
WITH ranked AS (
    SELECT p.line, first_value(p.line) OVER w AS kept_line,
           first_value(p.fda_product_id) OVER w AS kept_product, row_number() OVER w AS rn
    FROM stage_package p JOIN stage_product s USING (fda_product_id)
    WHERE NOT p.skip AND p.ndc_key IN (
        SELECT ndc_key FROM stage_package WHERE NOT skip GROUP BY 1 HAVING count(*) > 1)
    WINDOW w AS (PARTITION BY p.ndc_key
                 ORDER BY {ACTIVE} DESC, s.listing_certified_through DESC NULLS LAST, p.line)
)
UPDATE stage_package p SET skip = true FROM ranked r
WHERE p.line = r.line AND r.rn > 1
RETURNING p.line, p.package_ndc, p.fda_product_id, r.kept_line, r.kept_product
"""


def distinct_condition(a: str, b: str, columns: tuple[str, ...]) -> str:
    return f"({', '.join(f'{a}.{c}' for c in columns)}) IS DISTINCT FROM ({', '.join(f'{b}.{c}' for c in columns)})"


PRODUCT_COLUMNS = (
    "product_ndc",
    "product_type",
    "proprietary_name",
    "proprietary_name_suffix",
    "nonproprietary_name",
    "dosage_form",
    "route",
    "marketing_start_date",
    "marketing_end_date",
    "marketing_category",
    "application_number",
    "labeler_name",
    "substance_name",
    "active_numerator_strength",
    "active_ingredient_unit",
    "pharm_classes",
    "dea_schedule",
    "ndc_exclude_flag",
    "listing_certified_through",
    "catalog_source",
    "is_active",
)
# Unchanged rows are filtered out before the upsert: ON CONFLICT would lock (and so rewrite)
# every one of them even when its WHERE says there is nothing to update.
UPSERT_PRODUCTS = f"""
WITH src AS (
    SELECT fda_product_id, product_ndc, product_type, proprietary_name, proprietary_name_suffix,
           nonproprietary_name, dosage_form, route, marketing_start_date, marketing_end_date,
           marketing_category, application_number, labeler_name, substance_name,
           active_numerator_strength, active_ingredient_unit, pharm_classes,
           dea_raw AS dea_schedule, ndc_exclude_flag, listing_certified_through,
           %(source)s::varchar AS catalog_source,
           (marketing_end_date IS NULL OR marketing_end_date > %(today)s) AS is_active
    FROM stage_product
), changed AS (
    SELECT src.* FROM src
    LEFT JOIN prescription_schema.drug_products d ON d.fda_product_id = src.fda_product_id
    WHERE d.id IS NULL OR {distinct_condition("d", "src", PRODUCT_COLUMNS)}
), up AS (
    INSERT INTO prescription_schema.drug_products AS d (fda_product_id, {", ".join(PRODUCT_COLUMNS)})
    SELECT fda_product_id, {", ".join(PRODUCT_COLUMNS)} FROM changed
    ON CONFLICT (fda_product_id) DO UPDATE SET
        {", ".join(f"{c} = EXCLUDED.{c}" for c in PRODUCT_COLUMNS)}, updated_at = now()
    WHERE {distinct_condition("d", "EXCLUDED", PRODUCT_COLUMNS)}
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up
"""

MISSING_PRODUCTS = """
UPDATE prescription_schema.drug_products d SET is_active = false, updated_at = now()
WHERE d.catalog_source = %(source)s AND d.is_active
  AND NOT EXISTS (SELECT 1 FROM stage_product s WHERE s.fda_product_id = d.fda_product_id)
"""

# new packages, and known active packages whose marketing end date has now passed
PACKAGE_COUNTS = f"""
SELECT count(*) FILTER (WHERE m.id IS NULL),
       count(*) FILTER (WHERE m.id IS NOT NULL AND m.is_active IS NOT FALSE AND NOT {ACTIVE}),
       (SELECT count(*) FROM prescription_schema.medications)
FROM stage_package p
JOIN stage_product s USING (fda_product_id)
LEFT JOIN prescription_schema.medications m ON m.ndc_code = p.ndc_key
WHERE NOT p.skip
"""

MEDICATION_COLUMNS = (
    "drug_name",
    "generic_name",
    "brand_name",
    "strength",
    "dosage_form",
    "route",
    "manufacturer",
    "is_controlled_substance",
    "dea_schedule",
    "is_generic",
    "therapeutic_class",
    "pharmacologic_class",
    "is_active",
    "product_id",
    "package_ndc",
    "package_description",
    "marketing_start_date",
    "marketing_end_date",
    "active_ingredients",
    "catalog_source",
)
UPSERT_MEDICATIONS = f"""
WITH src AS (
    SELECT p.ndc_key AS ndc_code, s.drug_name, s.generic_name, s.brand_name, s.strength,
           s.med_dosage_form AS dosage_form, s.med_route AS route, s.manufacturer,
           s.dea_schedule IS NOT NULL AS is_controlled_substance, s.dea_schedule, s.is_generic,
           s.therapeutic_class, s.pharmacologic_class, {ACTIVE} AS is_active, d.id AS product_id,
           p.package_ndc::varchar AS package_ndc, p.description AS package_description,
           coalesce(p.marketing_start_date, s.marketing_start_date) AS marketing_start_date,
           {END} AS marketing_end_date, s.active_ingredients,
           %(source)s::varchar AS catalog_source,
           CASE WHEN NOT {ACTIVE} THEN {END} END AS discontinuation_date
    FROM stage_package p
    JOIN stage_product s USING (fda_product_id)
    JOIN prescription_schema.drug_products d ON d.fda_product_id = s.fda_product_id
    WHERE NOT p.skip
), changed AS (
    SELECT src.* FROM src
    LEFT JOIN prescription_schema.medications m ON m.ndc_code = src.ndc_code
    WHERE m.id IS NULL OR {distinct_condition("m", "src", MEDICATION_COLUMNS)}
), up AS (
    INSERT INTO prescription_schema.medications AS m
        (ndc_code, {", ".join(MEDICATION_COLUMNS)}, discontinuation_date)
    SELECT ndc_code, {", ".join(MEDICATION_COLUMNS)}, discontinuation_date FROM changed
    ON CONFLICT (ndc_code) DO UPDATE SET
        {", ".join(f"{c} = EXCLUDED.{c}" for c in MEDICATION_COLUMNS)},
        discontinuation_date = CASE WHEN EXCLUDED.is_active THEN NULL
            ELSE coalesce(EXCLUDED.discontinuation_date, m.discontinuation_date, %(today)s) END,
        updated_at = now()
    WHERE {distinct_condition("m", "EXCLUDED", MEDICATION_COLUMNS)}
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up
"""

BULK_INDEXES = """
SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = 'prescription_schema.medications'::regclass AND NOT i.indisunique
"""
BULK_CONSTRAINTS = """
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
WHERE conrelid = 'prescription_schema.medications'::regclass AND contype = 'f'
"""

MISSING_PACKAGES = """
UPDATE prescription_schema.medications m
SET is_active = false, discontinuation_date = coalesce(m.discontinuation_date, %(today)s),
    updated_at = now()
WHERE m.catalog_source = %(source)s AND m.is_active IS NOT FALSE
  AND NOT EXISTS (SELECT 1 FROM stage_package p WHERE p.ndc_key = m.ndc_code)
"""

# through the audit function (revision 0008): the application role may not insert events directly
EVENT = """
SELECT audit_schema.record_event(gen_random_uuid(), 'CatalogImported', 'catalog', %(aggregate)s, %(data)s::jsonb)
"""


# the active packages this import could deactivate: its source's, and any the file lists
ACTIVE_COUNT = """
SELECT count(*) FROM prescription_schema.medications m
WHERE m.is_active IS NOT FALSE AND (m.catalog_source = %(source)s
      OR EXISTS (SELECT 1 FROM stage_package p WHERE p.ndc_key = m.ndc_code))
"""
