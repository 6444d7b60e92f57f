"""patient_schema: patients and their clinical and insurance profile."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pharmacy_desktop.db.base import (
    Base,
    CreatedAt,
    CreatedBy,
    SoftDelete,
    Timestamps,
    UpdatedBy,
    UUIDPrimaryKey,
    Versioned,
)

SCHEMA = "patient_schema"
_PATIENT_FK = f"{SCHEMA}.patients.id"


def _children(back: str = "patient") -> dict[str, Any]:
    # the tables say ON DELETE CASCADE: let the database do it (passive_deletes)
    return dict(back_populates=back, lazy="raise", cascade="all, delete-orphan", passive_deletes=True)


class Patient(UUIDPrimaryKey, Timestamps, CreatedBy, UpdatedBy, SoftDelete, Versioned, Base):
    __tablename__ = "patients"
    __table_args__ = (
        Index("idx_patients_patient_number", "patient_number"),
        Index("idx_patients_phone", "phone_primary"),
        Index("idx_patients_dob", "date_of_birth"),
        Index("idx_patients_name", "last_name", "first_name"),
        # revision 0006: search-as-you-type by name fragment (trigram), name prefix, phone digits
        Index(
            "idx_patients_name_trgm",
            text("(lower(((last_name)::text || ' ' || (first_name)::text)))"),
            postgresql_using="gin",
            postgresql_ops={"lower": "gin_trgm_ops"},
        ),
        Index(
            "idx_patients_last_name_lower",
            text("lower((last_name)::text) text_pattern_ops"),
            text("lower((first_name)::text)"),
        ),
        Index("idx_patients_phone_digits", text("regexp_replace((phone_primary)::text, '[^0-9]', '', 'g')")),
        # revision 0013
        CheckConstraint("weight_kg > 0 AND weight_kg < 700", name="patients_weight_kg_check"),
        CheckConstraint(
            "pregnancy_status IN ('unknown', 'pregnant', 'not_pregnant')", name="patients_pregnancy_status_check"
        ),
        {"schema": SCHEMA},
    )

    patient_number: Mapped[str] = mapped_column(String(20), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    middle_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[dt.date]
    gender: Mapped[str | None] = mapped_column(String(20))
    ssn_last_four: Mapped[str | None] = mapped_column(String(4))

    phone_primary: Mapped[str] = mapped_column(String(20))
    phone_secondary: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(255))

    address_line1: Mapped[str] = mapped_column(String(255))
    address_line2: Mapped[str | None] = mapped_column(String(255))
    city: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(50))
    zip_code: Mapped[str] = mapped_column(String(10))
    country: Mapped[str | None] = mapped_column(String(2), server_default=text("'US'"))

    language_preference: Mapped[str | None] = mapped_column(String(10), server_default=text("'en'"))
    communication_preference: Mapped[str | None] = mapped_column(String(20), server_default=text("'sms'"))
    allow_generic_substitution: Mapped[bool | None] = mapped_column(server_default=text("true"))

    is_active: Mapped[bool | None] = mapped_column(server_default=text("true"))
    # revision 0010: the HIPAA Notice of Privacy Practices is acknowledged once, at a first pickup
    privacy_notice_acknowledged_at: Mapped[dt.datetime | None]
    # revision 0012: consent to be contacted, and opt-out per channel (an SMS "STOP")
    contact_consent_at: Mapped[dt.datetime | None]
    contact_consent_by: Mapped[uuid.UUID | None]
    sms_opt_out_at: Mapped[dt.datetime | None]
    email_opt_out_at: Mapped[dt.datetime | None]
    # revision 0013: the clinical profile DUR reads; the version is bumped by triggers whenever
    # allergies, conditions, weight, pregnancy, breastfeeding, birth date, sex or active medications change
    weight_kg: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    weight_recorded_at: Mapped[dt.date | None]
    pregnancy_status: Mapped[str] = mapped_column(String(20), server_default=text("'unknown'"))
    breastfeeding: Mapped[bool] = mapped_column(server_default=text("false"))
    clinical_profile_version: Mapped[int] = mapped_column(server_default=text("1"))
    clinical_profile_changed_at: Mapped[dt.datetime] = mapped_column(server_default=text("CURRENT_TIMESTAMP"))

    allergies: Mapped[list[PatientAllergy]] = relationship(**_children())
    conditions: Mapped[list[PatientCondition]] = relationship(**_children())
    insurance: Mapped[list[PatientInsurance]] = relationship(**_children())
    prescribers: Mapped[list[PatientPrescriber]] = relationship(**_children())

    @property
    def display_name(self) -> str:
        """The name as the counter says it: "Last, First"."""
        return f"{self.last_name}, {self.first_name}"


class PatientAllergy(UUIDPrimaryKey, Timestamps, CreatedBy, Base):
    __tablename__ = "patient_allergies"
    __table_args__ = (Index("idx_patient_allergies_patient_id", "patient_id"), {"schema": SCHEMA})

    patient_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(_PATIENT_FK, ondelete="CASCADE"))
    allergen_type: Mapped[str] = mapped_column(String(50))
    allergen_name: Mapped[str] = mapped_column(String(255))
    reaction: Mapped[str | None] = mapped_column(String(255))
    severity: Mapped[str | None] = mapped_column(String(20))
    notes: Mapped[str | None] = mapped_column(Text)
    onset_date: Mapped[dt.date | None]
    is_active: Mapped[bool | None] = mapped_column(server_default=text("true"))

    patient: Mapped[Patient | None] = relationship(back_populates="allergies", lazy="raise")


class PatientCondition(UUIDPrimaryKey, CreatedAt, CreatedBy, Base):
    __tablename__ = "patient_conditions"
    __table_args__ = {"schema": SCHEMA}

    patient_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(_PATIENT_FK, ondelete="CASCADE"))
    condition_name: Mapped[str] = mapped_column(String(255))
    icd_10_code: Mapped[str | None] = mapped_column(String(10))
    diagnosed_date: Mapped[dt.date | None]
    is_active: Mapped[bool | None] = mapped_column(server_default=text("true"))
    notes: Mapped[str | None] = mapped_column(Text)

    patient: Mapped[Patient | None] = relationship(back_populates="conditions", lazy="raise")


class PatientRelationship(UUIDPrimaryKey, CreatedAt, CreatedBy, Base):
    """Revision 0009: the related person (a patient, or a named person who is not one) may pick up
    ``patient_id``'s prescriptions when ``may_pick_up``."""

    __tablename__ = "patient_relationships"
    __table_args__ = (
        CheckConstraint(
            "related_patient_id IS NOT NULL OR related_name IS NOT NULL", name="ck_patient_relationships_someone"
        ),
        CheckConstraint("related_patient_id <> patient_id", name="ck_patient_relationships_not_self"),
        CheckConstraint(
            "relationship IN ('spouse', 'parent', 'child', 'guardian', 'caregiver', 'sibling', 'other')",
            name="patient_relationships_relationship_check",
        ),
        Index("idx_patient_relationships_related", "related_patient_id"),
        UniqueConstraint("patient_id", "related_patient_id", name="uq_patient_relationships_pair"),
        {"schema": SCHEMA},
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(_PATIENT_FK, ondelete="CASCADE"))
    related_patient_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(_PATIENT_FK, ondelete="CASCADE"))
    related_name: Mapped[str | None] = mapped_column(String(200))
    relationship_type: Mapped[str] = mapped_column("relationship", String(20))
    may_pick_up: Mapped[bool] = mapped_column(server_default=text("true"))
    is_active: Mapped[bool] = mapped_column(server_default=text("true"))


class PatientInsurance(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "patient_insurance"
    __table_args__ = (Index("idx_patient_insurance_patient_id", "patient_id"), {"schema": SCHEMA})

    patient_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(_PATIENT_FK, ondelete="CASCADE"))
    insurance_provider: Mapped[str] = mapped_column(String(255))
    insurance_type: Mapped[str | None] = mapped_column(String(50))
    policy_number: Mapped[str] = mapped_column(String(100))
    group_number: Mapped[str | None] = mapped_column(String(100))
    bin_number: Mapped[str | None] = mapped_column(String(20))
    pcn_number: Mapped[str | None] = mapped_column(String(20))
    cardholder_name: Mapped[str | None] = mapped_column(String(255))
    relationship_to_cardholder: Mapped[str | None] = mapped_column(String(50))
    effective_date: Mapped[dt.date]
    expiration_date: Mapped[dt.date | None]
    is_active: Mapped[bool | None] = mapped_column(server_default=text("true"))

    patient: Mapped[Patient | None] = relationship(back_populates="insurance", lazy="raise")


class PatientPrescriber(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "patient_prescribers"
    __table_args__ = (Index("idx_patient_prescribers_patient_id", "patient_id"), {"schema": SCHEMA})

    patient_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(_PATIENT_FK, ondelete="CASCADE"))
    prescriber_name: Mapped[str] = mapped_column(String(255))
    prescriber_npi: Mapped[str] = mapped_column(String(10))
    prescriber_dea: Mapped[str | None] = mapped_column(String(20))
    specialty: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(20))
    is_primary: Mapped[bool | None] = mapped_column(server_default=text("false"))

    patient: Mapped[Patient | None] = relationship(back_populates="prescribers", lazy="raise")
