"""The medication catalog: NDC look-ups, name search, interaction pairs."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import case, or_, select
from sqlalchemy.orm import selectinload

from pharmacy_desktop.db.models.prescriptions import DrugInteraction, Medication
from pharmacy_desktop.db.repositories.base import Repository

# the design document's severities, worst first
_SEVERITY_RANK = case(
    {"contraindicated": 0, "serious": 1, "significant": 2, "minor": 3}, value=DrugInteraction.severity, else_=4
)


class MedicationRepository(Repository[Medication]):
    model = Medication
    label = "medication"

    def by_id(self, medication_id: uuid.UUID) -> Medication | None:
        return self.get(medication_id)

    def by_ids(self, medication_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Medication]:
        wanted = list(dict.fromkeys(medication_ids))
        if not wanted:
            return {}
        return {m.id: m for m in self.session.scalars(select(Medication).where(Medication.id.in_(wanted)))}

    def by_ndc(self, ndc: str) -> Medication | None:
        """By the stored key: 11 (later 12) digits, no dashes."""
        return self.session.scalars(select(Medication).where(Medication.ndc_code == ndc)).first()

    def by_ndcs(self, ndcs: Iterable[str]) -> list[Medication]:
        """All medications among candidate NDCs (a scan's three 11-digit shapes), in NDC order."""
        wanted = sorted(set(ndcs))
        if not wanted:
            return []
        stmt = select(Medication).where(Medication.ndc_code.in_(wanted)).order_by(Medication.ndc_code)
        return list(self.session.scalars(stmt))

    def search_by_name(self, fragment: str, limit: int = 50, *, active_only: bool = True) -> list[Medication]:
        """Drug, generic or brand name starting with the fragment (case-insensitive); the catalog
        work replaces this with a trigram search."""
        fragment = fragment.strip()
        if not fragment:
            return []
        stmt = (
            select(Medication)
            .where(
                or_(
                    Medication.drug_name.istartswith(fragment, autoescape=True),
                    Medication.generic_name.istartswith(fragment, autoescape=True),
                    Medication.brand_name.istartswith(fragment, autoescape=True),
                )
            )
            .order_by(Medication.drug_name, Medication.strength, Medication.ndc_code)
            .limit(limit)
        )
        if active_only:
            stmt = stmt.where(Medication.is_active.is_not(False))
        return list(self.session.scalars(stmt))

    def interactions_for(self, medication_ids: Iterable[uuid.UUID]) -> list[DrugInteraction]:
        """Active interactions between any two of the given medications (both ends in the set)."""
        ids = list(set(medication_ids))
        if len(ids) < 2:
            return []
        stmt = (
            select(DrugInteraction)
            .where(
                DrugInteraction.medication_1_id.in_(ids),
                DrugInteraction.medication_2_id.in_(ids),
                DrugInteraction.is_active.is_not(False),
            )
            .options(selectinload(DrugInteraction.medication_1), selectinload(DrugInteraction.medication_2))
            .order_by(_SEVERITY_RANK, DrugInteraction.medication_1_id, DrugInteraction.medication_2_id)
        )
        return list(self.session.scalars(stmt))

    def interactions_involving(self, medication_ids: Iterable[uuid.UUID]) -> list[DrugInteraction]:
        """Active interactions with at least one end in the set, both medications loaded."""
        ids = list(set(medication_ids))
        if not ids:
            return []
        stmt = (
            select(DrugInteraction)
            .where(
                or_(DrugInteraction.medication_1_id.in_(ids), DrugInteraction.medication_2_id.in_(ids)),
                DrugInteraction.is_active.is_not(False),
            )
            .options(selectinload(DrugInteraction.medication_1), selectinload(DrugInteraction.medication_2))
            .order_by(_SEVERITY_RANK, DrugInteraction.medication_1_id, DrugInteraction.medication_2_id)
        )
        return list(self.session.scalars(stmt))

    def add_interaction(self, first: uuid.UUID, second: uuid.UUID, **fields: object) -> DrugInteraction:
        """Store a pair in the order the table's check constraint requires."""
        low, high = DrugInteraction.ordered_pair(first, second)
        interaction = DrugInteraction(medication_1_id=low, medication_2_id=high, **fields)
        self.session.add(interaction)
        self.flush()
        return interaction
