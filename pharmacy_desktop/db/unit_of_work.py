"""Unit of work: one session for exactly one user action.

    with uow_factory(actor_id=user.id) as uow:
        patient = uow.patients.require(patient_id)
        ...
        uow.record("PatientUpdated", "patient", patient.id, {...})
        uow.notify("patients", patient.id)
        uow.commit()

Leaving the block without ``commit()`` (or with an exception) rolls everything back, the domain
events included.

The acting user is the database setting ``pharmacy.user_id`` for each transaction (SET LOCAL, set
when the transaction begins and whenever ``actor_id`` changes): audit events and access-log rows
are written through functions that stamp it (revision 0008), and the account is checked at the
same time: a deactivated, deleted or locked account's unit of work is refused with
``AccountNotUsable`` before it reads or writes anything (the one place every service passes).

Change notices (``notify``) are sent with ``pg_notify`` inside the same transaction, so other
workstations hear of a change only once it is committed.
"""

from __future__ import annotations

import json
import logging
import uuid
from types import TracebackType
from typing import Any, Literal, TypeVar

from sqlalchemy import bindparam, event, func, literal, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from pharmacy_desktop.db.base import ACTOR_KEY
from pharmacy_desktop.db.models.audit import AccessLog, DomainEvent
from pharmacy_desktop.db.repositories.adjustments import AdjustmentRepository
from pharmacy_desktop.db.repositories.audit import AuditRepository
from pharmacy_desktop.db.repositories.base import concurrent_update
from pharmacy_desktop.db.repositories.billing import BillingRepository
from pharmacy_desktop.db.repositories.billing_claims import ClaimRepository
from pharmacy_desktop.db.repositories.billing_reports import BillingReportsRepository
from pharmacy_desktop.db.repositories.catalog import MedicationRepository
from pharmacy_desktop.db.repositories.clinical import ClinicalRepository
from pharmacy_desktop.db.repositories.dur import DurRepository
from pharmacy_desktop.db.repositories.inventory import InventoryRepository
from pharmacy_desktop.db.repositories.inventory_reports import InventoryReportsRepository
from pharmacy_desktop.db.repositories.inventory_view import InventoryViewRepository
from pharmacy_desktop.db.repositories.notification_admin import NotificationAdminRepository
from pharmacy_desktop.db.repositories.notifications import NotificationRepository
from pharmacy_desktop.db.repositories.patients import PatientRepository
from pharmacy_desktop.db.repositories.pickups import PickupRepository
from pharmacy_desktop.db.repositories.prescriptions import PrescriptionRepository
from pharmacy_desktop.db.repositories.print_jobs import PrintJobRepository
from pharmacy_desktop.db.repositories.purchasing import PurchasingRepository
from pharmacy_desktop.db.repositories.quarantine import QuarantineRepository
from pharmacy_desktop.db.repositories.sales import SalesRepository
from pharmacy_desktop.db.repositories.store_products import StoreProductRepository
from pharmacy_desktop.db.repositories.users import UserRepository
from pharmacy_desktop.db.repositories.workload import WorkloadRepository
from pharmacy_desktop.errors import DatabaseUnavailable, PermissionDenied

log = logging.getLogger(__name__)

CHANGE_CHANNEL = "pharmacy_changes"

R = TypeVar("R")

_REFUSALS = {
    "inactive": "This account was deactivated after it signed in, so nothing was done. "
    "Sign out; ask an administrator if this is wrong.",
    "deleted": "This account was removed after it signed in, so nothing was done. "
    "Sign out; ask an administrator if this is wrong.",
    "locked": "This account was locked after too many wrong passwords, so nothing was done. "
    "Sign out, and sign in again once it is unlocked (an administrator can unlock it).",
}


class AccountNotUsable(PermissionDenied):
    """The acting account was deactivated, deleted or locked after it signed in."""

    def __init__(self, state: str):
        super().__init__(_REFUSALS[state])
        self.state = state


class UnitOfWork:
    """One session, and one repository per schema built on first use within it."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        actor_id: uuid.UUID | None = None,
        workstation: str | None = None,
    ):
        self._session_factory = session_factory
        self.session: Session | None = None
        self._actor_id = actor_id
        self.workstation = workstation
        # auth turns it off for what a stale account may still do: sign out, see its own refusal
        self.check_account = True
        self._repositories: dict[type, Any] = {}
        self._notices: list[dict[str, Any]] = []
        self.committed = False

    # -- repositories (one per schema, built on first use within the session) ---------------

    @property
    def active_session(self) -> Session:
        """The session of the 'with' block."""
        if self.session is None:
            raise RuntimeError("unit of work used outside its 'with' block")
        return self.session

    def _repository(self, cls: type[R]) -> R:
        session = self.active_session
        repo = self._repositories.get(cls)
        if repo is None:
            repo = self._repositories[cls] = cls(session)  # type: ignore[call-arg]
        return repo

    @property
    def users(self) -> UserRepository:
        return self._repository(UserRepository)

    @property
    def patients(self) -> PatientRepository:
        return self._repository(PatientRepository)

    @property
    def prescriptions(self) -> PrescriptionRepository:
        return self._repository(PrescriptionRepository)

    @property
    def catalog(self) -> MedicationRepository:
        return self._repository(MedicationRepository)

    @property
    def inventory(self) -> InventoryRepository:
        return self._repository(InventoryRepository)

    @property
    def inventory_view(self) -> InventoryViewRepository:
        return self._repository(InventoryViewRepository)

    @property
    def adjustments(self) -> AdjustmentRepository:
        return self._repository(AdjustmentRepository)

    @property
    def inventory_reports(self) -> InventoryReportsRepository:
        return self._repository(InventoryReportsRepository)

    @property
    def purchasing(self) -> PurchasingRepository:
        return self._repository(PurchasingRepository)

    @property
    def billing(self) -> BillingRepository:
        return self._repository(BillingRepository)

    @property
    def claims(self) -> ClaimRepository:
        return self._repository(ClaimRepository)

    @property
    def billing_reports(self) -> BillingReportsRepository:
        return self._repository(BillingReportsRepository)

    @property
    def notifications(self) -> NotificationRepository:
        return self._repository(NotificationRepository)

    @property
    def notification_admin(self) -> NotificationAdminRepository:
        return self._repository(NotificationAdminRepository)

    @property
    def print_jobs(self) -> PrintJobRepository:
        return self._repository(PrintJobRepository)

    @property
    def audit(self) -> AuditRepository:
        return self._repository(AuditRepository)

    @property
    def dur(self) -> DurRepository:
        return self._repository(DurRepository)

    @property
    def clinical(self) -> ClinicalRepository:
        return self._repository(ClinicalRepository)

    @property
    def workload(self) -> WorkloadRepository:
        return self._repository(WorkloadRepository)

    @property
    def sales(self) -> SalesRepository:
        return self._repository(SalesRepository)

    @property
    def pickups(self) -> PickupRepository:
        return self._repository(PickupRepository)

    @property
    def store_products(self) -> StoreProductRepository:
        return self._repository(StoreProductRepository)

    @property
    def quarantine(self) -> QuarantineRepository:
        return self._repository(QuarantineRepository)

    @property
    def actor_id(self) -> uuid.UUID | None:
        return self._actor_id

    @actor_id.setter
    def actor_id(self, value: uuid.UUID | None) -> None:
        self._actor_id = value
        if self.session is not None:
            self.session.info[ACTOR_KEY] = value
            if self.session.in_transaction():
                self._set_acting_user(self.session.connection(), check=False)

    def _set_acting_user(self, connection: Connection, *, check: bool) -> None:
        value = str(self._actor_id) if self._actor_id else ""
        if not (check and self._actor_id):
            connection.execute(select(func.set_config("pharmacy.user_id", value, True)))
            return
        _, state = connection.execute(
            select(
                func.set_config("pharmacy.user_id", value, True),
                func.user_schema.account_state(self._actor_id),
            )
        ).one()
        if state in _REFUSALS:
            raise AccountNotUsable(state)

    def _on_begin(self, session: Session, transaction: SessionTransaction, connection: Connection) -> None:
        if self._actor_id is not None:  # no setting: the database's acting user is NULL
            self._set_acting_user(connection, check=self.check_account)

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        self.session.info[ACTOR_KEY] = self.actor_id
        event.listen(self.session, "after_begin", self._on_begin)
        self._repositories = {}
        self._notices = []
        self.committed = False
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> Literal[False]:
        session = self.active_session
        try:
            if not self.committed:
                session.rollback()
            if isinstance(exc, AccountNotUsable):
                self._record_refusal(exc)
        finally:
            session.close()
            self.session = None
        if exc is not None and _is_connection_error(exc):
            raise DatabaseUnavailable(
                "The database connection was lost; nothing was saved. Check the network or the "
                "database server, then try again."
            ) from exc
        return False

    def _record_refusal(self, exc: AccountNotUsable) -> None:
        """The refused account's attempt goes to the audit trail (in its own transaction)."""
        self.check_account = False
        self._notices = []
        actor = self._actor_id
        assert actor is not None  # only an acting account is checked, so only one is refused
        try:
            self.record("StaleSessionRefused", "user", actor, {"reason": f"account {exc.state}"})
            self.commit()
        except DBAPIError:  # the refusal stands even if it cannot be written
            log.warning("could not record a refused stale session", exc_info=True)
            self.active_session.rollback()

    # -- events and notices -----------------------------------------------------------------

    def record(
        self, event_type: str, aggregate_type: str, aggregate_id: uuid.UUID, data: dict[str, Any] | None = None
    ) -> DomainEvent:
        """Write an event now, in this transaction, stamped by the database with the acting user."""
        payload = dict(data or {})
        if self.workstation:
            payload.setdefault("workstation", self.workstation)
        event = DomainEvent(
            id=uuid.uuid4(),
            event_type=event_type,
            aggregate_type=aggregate_type,
            aggregate_id=aggregate_id,
            event_data=_jsonable(payload),
            user_id=self.actor_id,
        )
        with self.active_session.no_autoflush:  # pending rows are flushed when the work is ready, not here
            self.active_session.execute(
                select(
                    func.audit_schema.record_event(
                        event.id,
                        event_type,
                        aggregate_type,
                        aggregate_id,
                        bindparam("event_data", event.event_data, type_=JSONB),
                    )
                )
            )
        return event  # a detached copy of what was written

    def log_access(
        self, action: str, resource_type: str, resource_id: uuid.UUID, user_agent: str | None = None
    ) -> AccessLog:
        entry = AccessLog(
            id=uuid.uuid4(),
            user_id=self.actor_id,
            action=action,
            resource_type=resource_type,
            resource_id=resource_id,
            user_agent=user_agent
            or (f"pharmacy-desktop@{self.workstation}" if self.workstation else "pharmacy-desktop"),
        )
        with self.active_session.no_autoflush:
            self.active_session.execute(
                select(func.audit_schema.log_access(entry.id, action, resource_type, resource_id, entry.user_agent))
            )
        return entry

    def notify(self, topic: str, id_: uuid.UUID | str | None = None, **extra: Any) -> None:
        """A small change notice ('prescriptions', id, status=...) for other workstations."""
        notice = {"topic": topic, **({"id": str(id_)} if id_ is not None else {}), **_jsonable(extra)}
        if notice not in self._notices:
            self._notices.append(notice)

    def discard_notices(self) -> None:
        """Forget the change notices of work that was rolled back: nothing of it may be announced."""
        self._notices.clear()

    # -- transaction ------------------------------------------------------------------------

    def flush(self) -> None:
        try:
            self.active_session.flush()
        except StaleDataError as exc:
            raise concurrent_update(exc) from exc

    def commit(self) -> None:
        try:
            self.active_session.flush()
            for notice in self._notices:
                self.active_session.execute(select(func.pg_notify(CHANGE_CHANNEL, json.dumps(notice)[:7900])))
            self.active_session.commit()
        except StaleDataError as exc:
            self.active_session.rollback()
            raise concurrent_update(exc) from exc
        self.committed = True

    def rollback(self) -> None:
        self.active_session.rollback()

    def ping(self) -> bool:
        """One trivial round trip on this unit of work's connection."""
        return self.active_session.scalar(select(literal(1))) == 1


class UnitOfWorkFactory:
    """Builds units of work for one database; handed to services by the composition root."""

    def __init__(self, session_factory: sessionmaker[Session], *, workstation: str | None = None):
        self.session_factory = session_factory
        self.workstation = workstation

    def __call__(self, actor_id: uuid.UUID | None = None) -> UnitOfWork:
        return UnitOfWork(self.session_factory, actor_id=actor_id, workstation=self.workstation)


def _is_connection_error(exc: BaseException) -> bool:
    if isinstance(exc, OperationalError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return False


def _jsonable(value: Any) -> Any:
    from datetime import date, datetime
    from decimal import Decimal

    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value
