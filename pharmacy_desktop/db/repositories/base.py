"""Shared repository behaviour: get, add, versioned update, soft delete."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any, Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from pharmacy_desktop.db.base import SoftDelete, Versioned
from pharmacy_desktop.errors import ConcurrentUpdate, NotFound

T = TypeVar("T")


class Repository(Generic[T]):
    model: type[T]
    label = "record"  # how a person calls it in a message ("patient", "prescription")

    def __init__(self, session: Session):
        self.session = session

    def add(self, obj: T) -> T:
        self.session.add(obj)
        self.flush()
        return obj

    def flush(self) -> None:
        """Flush, turning a lost optimistic-locking race into a message naming the record."""
        try:
            self.session.flush()
        except StaleDataError as exc:
            raise concurrent_update(exc) from exc

    def get(self, id_: uuid.UUID, *, include_deleted: bool = False, for_update: bool = False) -> T | None:
        stmt = select(self.model).where(self.model.id == id_)  # type: ignore[attr-defined]
        if for_update:
            # the row as locked, not a copy already in the identity map
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return self.session.scalars(stmt.execution_options(include_deleted=include_deleted)).first()

    def require(self, id_: uuid.UUID, **kwargs: Any) -> T:
        obj = self.get(id_, **kwargs)
        if obj is None:
            raise NotFound(f"The {self.label} was not found; it may have been deleted on another workstation.")
        return obj

    def update(self, id_: uuid.UUID, expected_version: int | None = None, **changes: Any) -> T:
        """Apply changes; with ``expected_version`` refuse when someone saved in between."""
        obj = self.require(id_)
        if expected_version is not None and isinstance(obj, Versioned) and obj.version != expected_version:
            raise ConcurrentUpdate(
                f"This {self.label} was changed on another workstation (version {obj.version}, "
                f"you edited version {expected_version}). Reload it to see the changes, then save again."
            )
        for key, value in changes.items():
            if not hasattr(obj, key):
                raise AttributeError(f"{self.model.__name__} has no column {key}")
            setattr(obj, key, value)
        self.flush()
        return obj

    def soft_delete(self, id_: uuid.UUID, expected_version: int | None = None) -> T:
        if not issubclass(self.model, SoftDelete):
            raise TypeError(f"{self.model.__name__} has no deleted_at column")
        return self.update(id_, expected_version, deleted_at=dt.datetime.now(dt.UTC))


# how a person calls the rows of a versioned table (SQLAlchemy names the table in StaleDataError)
_TABLE_LABELS = {
    "patients": "patient",
    "prescriptions": "prescription",
    "inventory_items": "stock item",
    "inventory_batches": "stock batch",
    "users": "user",
}


def concurrent_update(exc: StaleDataError) -> ConcurrentUpdate:
    """A lost optimistic-locking race, in words that name the record (SQLAlchemy names the table)."""
    match = re.search(r"table '([^']+)'", str(exc))
    what = _TABLE_LABELS.get(match.group(1).rsplit(".", 1)[-1], "record") if match else "record"
    return ConcurrentUpdate(
        f"This {what} was changed on another workstation while you were working. "
        "Nothing was saved; reload it and try again."
    )
