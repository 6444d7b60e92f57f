"""The inventory screen's reads (uow.inventory_view): the items list from inventory_summary, the
lots of one item from the live tables.

The list is a search as you type, so it reads the materialized view (one row per active item, the
medication's name and schedule and the lots' nearest expiry already joined): over 2,000 items a
search is a scan of a few hundred kilobytes, a few milliseconds (bench/reports.py times
``search``). The view is as fresh as its last REFRESH (the screen refreshes it in the background
after stock changes); the lots of the item on show, and its on hand, are read live.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, Row, Select, and_, case, exists, func, or_, select, text, true
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql.elements import ColumnElement

from pharmacy_desktop.db.models.inventory import InventoryBatch, InventoryItem, Recall, inventory_summary
from pharmacy_desktop.db.models.prescriptions import Medication
from pharmacy_desktop.db.models.users import Permission, Role, RolePermission, User, UserSession
from pharmacy_desktop.db.repositories.base import Repository
from pharmacy_desktop.errors import DatabaseUnavailable

s = inventory_summary.c


def _escaped(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def may_now(user_id: uuid.UUID, session_id: uuid.UUID | None, permission: str, at: dt.datetime) -> ColumnElement[bool]:
    """True when the account may act with ``permission`` at ``at``: what services/access.require asks
    in two round trips (UserRepository.standing and granted_now), as one boolean expression to put in
    the statement that reads: the account active, not deleted, not locked, its role holding the
    permission, and its session (if it has one) neither revoked nor expired. Read in the same
    statement, the answer is as fresh as require's: an account deactivated or moved to another role a
    moment ago is refused on its next key press (no cache to go stale).
    """
    granted = exists(
        select(User.id)
        .join(Role, Role.name == User.role)
        .join(RolePermission, RolePermission.role_id == Role.id)
        .join(Permission, Permission.id == RolePermission.permission_id)
        .where(
            User.id == user_id,
            User.is_active.is_(True),
            User.deleted_at.is_(None),
            or_(User.locked_until.is_(None), User.locked_until <= at),
            Permission.name == permission,
        )
    )
    if session_id is None:
        return granted
    live = exists(
        select(UserSession.id).where(
            UserSession.id == session_id,
            UserSession.user_id == user_id,
            UserSession.revoked_at.is_(None),
            UserSession.expires_at > at,
        )
    )
    return and_(granted, live)


def search_at_once(
    uow_factory: Any, user_id: uuid.UUID, session_id: uuid.UUID | None, permission: str, at: dt.datetime, **search: Any
) -> tuple[bool, list[Row[Any]]] | None:
    """``InventoryViewRepository.search`` and the permission check (``may_now``) as one statement on a
    pooled connection in autocommit: two round trips (the pool's ping, the statement) instead of a
    unit of work's five (ping, BEGIN, acting user, query, ROLLBACK) and require's two more. A read
    writes nothing, so it needs neither a transaction nor the acting user; the account checks the
    unit of work makes on BEGIN are in ``may_now``. (False, []) when the account may not (nothing is
    read then: PostgreSQL evaluates the check once, before the scan); None when ``uow_factory`` has
    no engine to take a connection from (then use a unit of work).
    """
    engine = getattr(getattr(uow_factory, "session_factory", None), "kw", {}).get("bind")
    if not isinstance(engine, Engine):
        return None
    gate = select(may_now(user_id, session_id, permission, at).label("allowed")).subquery("gate")
    found = InventoryViewRepository._search_statement(**search).where(gate.c.allowed).lateral("found")
    stmt = (
        select(gate.c.allowed, found)
        .select_from(gate)
        .outerjoin(found, true())
        .order_by(func.lower(found.c.drug_name), found.c.strength, found.c.ndc_code)
    )
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            rows = list(conn.execute(stmt))
    except OperationalError as exc:
        raise DatabaseUnavailable(
            "The database connection was lost; nothing was shown. Check the network or the database server, "
            "then try again."
        ) from exc
    if not rows or not rows[0].allowed:
        return False, []
    return True, [r for r in rows if r.id is not None]


class InventoryViewRepository(Repository[InventoryItem]):
    model = InventoryItem
    label = "stock item"

    def search(
        self,
        *,
        words: Sequence[str] = (),
        ndc_prefix: str | None = None,
        ndcs: Sequence[str] = (),
        below_reorder: bool = False,
        expiring_by: dt.date | None = None,
        quarantined: bool = False,
        controlled: bool = False,
        limit: int = 200,
    ) -> list[Row[Any]]:
        """Rows of inventory_summary matching every condition given, by drug name then NDC.

        ``words``: each must appear in the drug's name, strength or form (any case); ``ndc_prefix``:
        11-digit keys starting with these digits; ``ndcs``: exactly these keys (a scan's candidates).
        """
        stmt = self._search_statement(
            words=words,
            ndc_prefix=ndc_prefix,
            ndcs=ndcs,
            below_reorder=below_reorder,
            expiring_by=expiring_by,
            quarantined=quarantined,
            controlled=controlled,
            limit=limit,
        )
        return list(self.session.execute(stmt))

    @staticmethod
    def _search_statement(
        *,
        words: Sequence[str] = (),
        ndc_prefix: str | None = None,
        ndcs: Sequence[str] = (),
        below_reorder: bool = False,
        expiring_by: dt.date | None = None,
        quarantined: bool = False,
        controlled: bool = False,
        limit: int = 200,
    ) -> Select[Any]:
        conditions: list[ColumnElement[bool]] = []
        described = func.concat_ws(" ", s.drug_name, s.strength, s.dosage_form)
        for word in words:
            conditions.append(described.ilike(f"%{_escaped(word)}%", escape="\\"))
        if ndc_prefix:
            conditions.append(s.ndc_code.like(f"{_escaped(ndc_prefix)}%", escape="\\"))
        if ndcs:
            conditions.append(s.ndc_code.in_(list(ndcs)))
        if below_reorder:
            conditions.append(s.quantity_on_hand <= s.reorder_point)  # as InventoryRepository.low_stock
        if expiring_by is not None:
            conditions.append(s.nearest_expiry <= expiring_by)
        if quarantined:
            conditions.append(s.quarantined_quantity > 0)
        if controlled:
            conditions.append(and_(s.dea_schedule.is_not(None), s.dea_schedule != ""))
        return (
            select(inventory_summary)
            .where(*conditions)
            .order_by(func.lower(s.drug_name), s.strength, s.ndc_code)
            .limit(limit)
        )

    def summary_row(self, item_id: uuid.UUID) -> Row[Any] | None:
        return self.session.execute(select(inventory_summary).where(s.id == item_id)).first()

    def live_item(self, item_id: uuid.UUID) -> Row[Any] | None:
        """The item with its medication as it is now (the summary may lag a change by a moment)."""
        stmt = (
            select(
                InventoryItem.id,
                InventoryItem.ndc_code,
                Medication.drug_name,
                Medication.strength,
                Medication.dosage_form,
                Medication.dea_schedule,
                InventoryItem.quantity_on_hand,
                InventoryItem.quantity_unit,
                InventoryItem.reorder_point,
                InventoryItem.reorder_quantity,
                InventoryItem.par_level,
                InventoryItem.bin_location,
                InventoryItem.requires_refrigeration,
                InventoryItem.unit_cost,
                InventoryItem.average_wholesale_price,
                InventoryItem.last_counted_at,
                InventoryItem.is_active,
            )
            .join(Medication, Medication.id == InventoryItem.medication_id)
            .where(InventoryItem.id == item_id)
        )
        return self.session.execute(stmt).first()

    def lots(self, item_id: uuid.UUID) -> list[Row[Any]]:
        """Every lot of the item: the stocked lots first in the order they are used (FEFO: earliest
        expiry first), then the quarantined (recalled, expired), then those gone: used up (active with
        nothing left), returned, destroyed; each group by expiry. With the recall's reason."""
        order = case(
            (and_(InventoryBatch.status == "active", InventoryBatch.quantity_remaining > 0), 0),
            (InventoryBatch.status == "recalled", 1),
            (InventoryBatch.status == "expired", 2),
            (InventoryBatch.status == "active", 3),  # used up
            (InventoryBatch.status == "returned", 4),
            (InventoryBatch.status == "destroyed", 5),
            else_=6,
        )
        stmt = (
            select(
                InventoryBatch.id,
                InventoryBatch.batch_number,
                InventoryBatch.expiration_date,
                InventoryBatch.received_date,
                InventoryBatch.quantity_received,
                InventoryBatch.quantity_remaining,
                InventoryBatch.status,
                InventoryBatch.unit_cost,
                InventoryBatch.quarantined_at,
                Recall.reason.label("recall_reason"),
            )
            .outerjoin(Recall, Recall.id == InventoryBatch.recall_id)
            .where(InventoryBatch.inventory_item_id == item_id)
            .order_by(order, InventoryBatch.expiration_date, InventoryBatch.batch_number)
        )
        return list(self.session.execute(stmt))

    def refresh_summary(self) -> None:
        """Rebuild inventory_summary without blocking readers (it has the unique index for it), through
        revision 0014's function: REFRESH needs the view's owner, and workstations connect as the
        application role."""
        self.session.execute(text("SELECT inventory_schema.refresh_inventory_summary()"))

    def missing_from_summary(self) -> bool:
        """True when an active item is not in the summary yet (a new item since the last refresh)."""
        stmt = select(
            select(InventoryItem.id)
            .where(
                InventoryItem.is_active.is_(True),
                ~select(s.id).where(s.id == InventoryItem.id).exists(),
            )
            .exists()
        )
        return bool(self.session.execute(stmt).scalar())
