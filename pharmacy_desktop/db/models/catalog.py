"""The FDA product a catalog package belongs to (``prescription_schema.drug_products``).

Packages are the design document's ``medications`` rows (one per package NDC); a product holds
what FDA lists once per product: labeler, marketing category, raw DEA schedule, all classes.
Revision 0003 creates the table; ``services.catalog_import`` fills it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from pharmacy_desktop.db.base import Base, Timestamps, UUIDPrimaryKey

SCHEMA = "prescription_schema"


class DrugProduct(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "drug_products"
    __table_args__ = (
        Index("idx_drug_products_product_ndc", "product_ndc"),
        {"schema": SCHEMA},
    )

    fda_product_id: Mapped[str] = mapped_column(Text, unique=True)
    product_ndc: Mapped[str] = mapped_column(String(12))  # hyphenated, as FDA lists it
    product_type: Mapped[str | None] = mapped_column(Text)
    proprietary_name: Mapped[str | None] = mapped_column(Text)
    proprietary_name_suffix: Mapped[str | None] = mapped_column(Text)
    nonproprietary_name: Mapped[str | None] = mapped_column(Text)
    dosage_form: Mapped[str | None] = mapped_column(Text)
    route: Mapped[str | None] = mapped_column(Text)
    marketing_start_date: Mapped[dt.date | None]
    marketing_end_date: Mapped[dt.date | None]
    marketing_category: Mapped[str | None] = mapped_column(Text)
    application_number: Mapped[str | None] = mapped_column(Text)
    labeler_name: Mapped[str | None] = mapped_column(Text)
    substance_name: Mapped[str | None] = mapped_column(Text)
    active_numerator_strength: Mapped[str | None] = mapped_column(Text)
    active_ingredient_unit: Mapped[str | None] = mapped_column(Text)
    pharm_classes: Mapped[str | None] = mapped_column(Text)
    dea_schedule: Mapped[str | None] = mapped_column(String(5))  # FDA's form: "CII"
    ndc_exclude_flag: Mapped[str | None] = mapped_column(String(1))
    listing_certified_through: Mapped[dt.date | None]
    catalog_source: Mapped[str] = mapped_column(String(30))
    is_active: Mapped[bool] = mapped_column(server_default=text("true"))
