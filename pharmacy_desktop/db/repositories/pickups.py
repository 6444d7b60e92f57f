"""prescription_schema.pickups and pickup_items: who collected which prescriptions, with what ID,
counseling and signature."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pharmacy_desktop.db.models.prescriptions import Pickup, PickupItem
from pharmacy_desktop.db.repositories.base import Repository


class PickupRepository(Repository[Pickup]):
    model = Pickup
    label = "pickup"

    def of_sale(self, sale_id: uuid.UUID) -> list[Pickup]:
        stmt = select(Pickup).where(Pickup.sale_id == sale_id).options(selectinload(Pickup.items))
        return list(self.session.scalars(stmt))

    def items_for_prescription(self, prescription_id: uuid.UUID) -> list[PickupItem]:
        stmt = select(PickupItem).where(PickupItem.prescription_id == prescription_id)
        return list(self.session.scalars(stmt))
