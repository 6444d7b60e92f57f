"""prescription_schema.pickups and pickup_items: who collected which prescriptions, with what ID,
counseling and signature."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from pharmacy_desktop.db.models.audit import DomainEvent
from pharmacy_desktop.db.models.prescriptions import Pickup
from pharmacy_desktop.db.repositories.base import Repository


class PickupRepository(Repository[Pickup]):
    model = Pickup
    label = "pickup"

    def of_sale(self, sale_id: uuid.UUID) -> list[Pickup]:
        stmt = select(Pickup).where(Pickup.sale_id == sale_id).options(selectinload(Pickup.items))
        return list(self.session.scalars(stmt))

    def signoff_since(
        self, pharmacist_id: uuid.UUID, on_behalf_of: str, workstation: str, within: dt.timedelta, event_type: str
    ) -> bool:
        """A pharmacist's sign-off event (services/cosign.py) for this user and workstation, recent enough."""
        stmt = (
            select(DomainEvent.id)
            .where(
                DomainEvent.event_type == event_type,
                DomainEvent.aggregate_type == "user",
                DomainEvent.aggregate_id == pharmacist_id,
                DomainEvent.event_data["on_behalf_of"].astext == on_behalf_of,
                DomainEvent.event_data["workstation"].astext == workstation,
                DomainEvent.occurred_at >= func.now() - within,
            )
            .limit(1)
        )
        return self.session.execute(stmt).first() is not None
