"""inventory_schema.store_products: front-store items sold by UPC, and their stock."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update

from pharmacy_desktop.db.models.inventory import StoreProduct
from pharmacy_desktop.db.repositories.base import Repository


class StoreProductRepository(Repository[StoreProduct]):
    model = StoreProduct
    label = "store product"

    def by_upc(self, upc: str) -> StoreProduct | None:
        return self.session.scalars(select(StoreProduct).where(StoreProduct.upc == upc)).first()

    def take_stock(self, product_id: uuid.UUID, quantity: int) -> bool:
        """Take ``quantity`` off the shelf atomically; False (nothing changed) when fewer are on hand."""
        stmt = (
            update(StoreProduct)
            .where(StoreProduct.id == product_id, StoreProduct.quantity_on_hand >= quantity)
            .values(quantity_on_hand=StoreProduct.quantity_on_hand + -quantity)
            .returning(StoreProduct.id)
        )
        return self.session.execute(stmt).first() is not None

    def put_back(self, product_id: uuid.UUID, quantity: int) -> None:
        """Unopened items refunded go back on the shelf."""
        self.session.execute(
            update(StoreProduct)
            .where(StoreProduct.id == product_id)
            .values(quantity_on_hand=StoreProduct.quantity_on_hand + quantity)
        )
