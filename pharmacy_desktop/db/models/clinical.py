"""prescription_schema clinical knowledge (revision 0013): classes, interactions, dose limits,
drug-disease, pregnancy/lactation, age, sex and allergy cross-sensitivity rules.

A rule's subject is an ingredient (``subject_kind = 'ingredient'``, the
``domain.dur_facts.normalize_ingredient`` form) or a class (``'class'``, a ``clinical_classes.code``).
Every rule names its source (FDA label section, Beers 2023, an FDA safety communication, a feed).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from pharmacy_desktop.db.base import Base, UUIDPrimaryKey

SCHEMA = "prescription_schema"
_CLASS_FK = f"{SCHEMA}.clinical_classes.code"
SEVERITY_SQL = "('contraindicated', 'serious', 'significant', 'minor')"
KIND_SQL = "('ingredient', 'class')"


def _severity_check(table: str) -> CheckConstraint:
    return CheckConstraint(f"severity IN {SEVERITY_SQL}", name=f"{table}_severity_check")


def _kind_check(table: str, prefix: str = "subject") -> CheckConstraint:
    return CheckConstraint(f"{prefix}_kind IN {KIND_SQL}", name=f"{table}_{prefix}_kind_check")


class ClinicalSource(Base):
    __tablename__ = "clinical_sources"
    __table_args__ = (
        CheckConstraint("row_count >= 0", name="clinical_sources_row_count_check"),
        {"schema": SCHEMA},
    )

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    description: Mapped[str] = mapped_column(Text)
    checksum: Mapped[str] = mapped_column(String(64))
    row_count: Mapped[int]
    loaded_at: Mapped[dt.datetime] = mapped_column(server_default=text("CURRENT_TIMESTAMP"))


class ClinicalClass(Base):
    __tablename__ = "clinical_classes"
    __table_args__ = (
        CheckConstraint("kind IN ('therapeutic', 'allergy', 'epc')", name="clinical_classes_kind_check"),
        {"schema": SCHEMA},
    )

    code: Mapped[str] = mapped_column(String(120), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    parent_code: Mapped[str | None] = mapped_column(String(120), ForeignKey(_CLASS_FK, ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(Text)


class ClinicalIngredientClass(Base):
    __tablename__ = "clinical_ingredient_classes"
    __table_args__ = (
        Index("idx_clinical_ingredient_classes_class", "class_code"),
        {"schema": SCHEMA},
    )

    ingredient: Mapped[str] = mapped_column(String(200), primary_key=True)
    class_code: Mapped[str] = mapped_column(String(120), ForeignKey(_CLASS_FK, ondelete="CASCADE"), primary_key=True)
    source: Mapped[str] = mapped_column(Text)


class ClinicalAllergenTerm(Base):
    __tablename__ = "clinical_allergen_terms"
    __table_args__ = (_kind_check("clinical_allergen_terms"), {"schema": SCHEMA})

    term: Mapped[str] = mapped_column(String(200), primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    subject: Mapped[str] = mapped_column(String(200), primary_key=True)
    source: Mapped[str] = mapped_column(Text)


class ClinicalInteraction(UUIDPrimaryKey, Base):
    __tablename__ = "clinical_interactions"
    __table_args__ = (
        _kind_check("clinical_interactions", "subject_a"),
        _kind_check("clinical_interactions", "subject_b"),
        _severity_check("clinical_interactions"),
        CheckConstraint(
            "subject_a_kind <> subject_b_kind OR subject_a <> subject_b", name="ck_clinical_interactions_distinct"
        ),
        UniqueConstraint(
            "subject_a_kind", "subject_a", "subject_b_kind", "subject_b", name="uq_clinical_interactions_pair"
        ),
        Index("idx_clinical_interactions_a", "subject_a", "subject_b"),
        Index("idx_clinical_interactions_b", "subject_b", "subject_a"),
        {"schema": SCHEMA},
    )

    subject_a_kind: Mapped[str] = mapped_column(String(10))
    subject_a: Mapped[str] = mapped_column(String(200))
    subject_b_kind: Mapped[str] = mapped_column(String(10))
    subject_b: Mapped[str] = mapped_column(String(200))
    severity: Mapped[str] = mapped_column(String(20))
    mechanism: Mapped[str] = mapped_column(Text)
    management: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(server_default=text("true"))


class ClinicalDoseLimit(UUIDPrimaryKey, Base):
    __tablename__ = "clinical_dose_limits"
    __table_args__ = (
        CheckConstraint("release IN ('any', 'immediate', 'extended')", name="clinical_dose_limits_release_check"),
        CheckConstraint("age_min_years >= 0", name="clinical_dose_limits_age_min_years_check"),
        CheckConstraint("age_max_years IS NULL OR age_max_years > age_min_years", name="clinical_dose_limits_check"),
        CheckConstraint("max_single_mg > 0", name="clinical_dose_limits_max_single_mg_check"),
        CheckConstraint("max_daily_mg > 0", name="clinical_dose_limits_max_daily_mg_check"),
        CheckConstraint("max_single_mg_per_kg > 0", name="clinical_dose_limits_max_single_mg_per_kg_check"),
        CheckConstraint("max_daily_mg_per_kg > 0", name="clinical_dose_limits_max_daily_mg_per_kg_check"),
        CheckConstraint("min_interval_hours > 0", name="clinical_dose_limits_min_interval_hours_check"),
        CheckConstraint("max_weekly_mg > 0", name="clinical_dose_limits_max_weekly_mg_check"),
        UniqueConstraint("ingredient", "route", "release", "age_min_years", name="uq_clinical_dose_limits"),
        {"schema": SCHEMA},
    )

    ingredient: Mapped[str] = mapped_column(String(200))
    route: Mapped[str] = mapped_column(String(30), server_default=text("'any'"))
    release: Mapped[str] = mapped_column(String(10), server_default=text("'any'"))
    age_min_years: Mapped[Decimal] = mapped_column(Numeric(5, 2), server_default=text("0"))
    age_max_years: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    max_single_mg: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    max_daily_mg: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    max_single_mg_per_kg: Mapped[Decimal | None] = mapped_column(Numeric(10, 4))
    max_daily_mg_per_kg: Mapped[Decimal | None] = mapped_column(Numeric(10, 4))
    min_interval_hours: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    weekly_only: Mapped[bool] = mapped_column(server_default=text("false"))
    max_weekly_mg: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)


class ClinicalConditionTerm(Base):
    __tablename__ = "clinical_condition_terms"
    __table_args__ = ({"schema": SCHEMA},)

    term: Mapped[str] = mapped_column(String(200), primary_key=True)
    icd10_prefix: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(Text)


class _SubjectRule(UUIDPrimaryKey):
    subject_kind: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(200))
    severity: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)


class ClinicalDiseaseRule(_SubjectRule, Base):
    __tablename__ = "clinical_disease_rules"
    __table_args__ = (
        _kind_check("clinical_disease_rules"),
        _severity_check("clinical_disease_rules"),
        UniqueConstraint("subject_kind", "subject", "icd10_prefix", name="uq_clinical_disease_rules"),
        Index("idx_clinical_disease_rules_subject", "subject"),
        {"schema": SCHEMA},
    )

    icd10_prefix: Mapped[str] = mapped_column(String(10))
    condition_name: Mapped[str] = mapped_column(String(200))


class ClinicalPregnancyRule(_SubjectRule, Base):
    __tablename__ = "clinical_pregnancy_rules"
    __table_args__ = (
        _kind_check("clinical_pregnancy_rules"),
        _severity_check("clinical_pregnancy_rules"),
        CheckConstraint("state IN ('pregnancy', 'lactation')", name="clinical_pregnancy_rules_state_check"),
        UniqueConstraint("subject_kind", "subject", "state", name="uq_clinical_pregnancy_rules"),
        {"schema": SCHEMA},
    )

    state: Mapped[str] = mapped_column(String(10))


class ClinicalAgeRule(_SubjectRule, Base):
    __tablename__ = "clinical_age_rules"
    __table_args__ = (
        _kind_check("clinical_age_rules"),
        _severity_check("clinical_age_rules"),
        CheckConstraint("criteria IN ('beers', 'pediatric', 'other')", name="clinical_age_rules_criteria_check"),
        CheckConstraint("age_min_years IS NOT NULL OR age_max_years IS NOT NULL", name="ck_clinical_age_rules_band"),
        UniqueConstraint("subject_kind", "subject", "criteria", name="uq_clinical_age_rules"),
        {"schema": SCHEMA},
    )

    age_min_years: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    age_max_years: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    criteria: Mapped[str] = mapped_column(String(20))


class ClinicalSexRule(_SubjectRule, Base):
    __tablename__ = "clinical_sex_rules"
    __table_args__ = (
        _kind_check("clinical_sex_rules"),
        _severity_check("clinical_sex_rules"),
        CheckConstraint("sex IN ('F', 'M')", name="clinical_sex_rules_sex_check"),
        UniqueConstraint("subject_kind", "subject", "sex", name="uq_clinical_sex_rules"),
        {"schema": SCHEMA},
    )

    sex: Mapped[str] = mapped_column(String(1))


class ClinicalAllergyCross(_SubjectRule, Base):
    __tablename__ = "clinical_allergy_cross"
    __table_args__ = (
        _kind_check("clinical_allergy_cross"),
        _severity_check("clinical_allergy_cross"),
        UniqueConstraint("allergy_class", "subject_kind", "subject", name="uq_clinical_allergy_cross"),
        {"schema": SCHEMA},
    )

    allergy_class: Mapped[str] = mapped_column(String(120), ForeignKey(_CLASS_FK, ondelete="CASCADE"))
