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

import importlib
import json
import logging
import uuid
from typing import Any

from sqlalchemy import bindparam, event, select, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from pharmacy_desktop.db.base import ACTOR_KEY
from pharmacy_desktop.db.models.audit import AccessLog, DomainEvent
from pharmacy_desktop.db.repositories.base import concurrent_update
from pharmacy_desktop.errors import DatabaseUnavailable, PermissionDenied

log = logging.getLogger(__name__)

CHANGE_CHANNEL = "pharmacy_changes"

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


class _Repository:
    """A repository attribute of the unit of work, built on first use within the session."""

    def __init__(self, target: str):
        self.target = target  # "module:Class" below pharmacy_desktop.db.repositories

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, uow: "UnitOfWork | None", owner: type) -> Any:
        if uow is None:
            return self
        if uow.session is None:
            raise RuntimeError("unit of work used outside its 'with' block")
        repo = uow._repositories.get(self.name)
        if repo is None:
            module_name, class_name = self.target.split(":")
            module = importlib.import_module(f"pharmacy_desktop.db.repositories.{module_name}")
            repo = uow._repositories[self.name] = getattr(module, class_name)(uow.session)
        return repo


class UnitOfWork:
    users = _Repository("users:UserRepository")
    patients = _Repository("patients:PatientRepository")
    prescriptions = _Repository("prescriptions:PrescriptionRepository")
    catalog = _Repository("catalog:MedicationRepository")
    inventory = _Repository("inventory:InventoryRepository")
    billing = _Repository("billing:BillingRepository")
    notifications = _Repository("notifications:NotificationRepository")
    print_jobs = _Repository("print_jobs:PrintJobRepository")
    audit = _Repository("audit:AuditRepository")

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
        self._repositories: dict[str, Any] = {}
        self._notices: list[dict[str, Any]] = []
        self.committed = False

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

    def _set_acting_user(self, connection, *, check: bool) -> None:
        value = str(self._actor_id) if self._actor_id else ""
        if not (check and self._actor_id):
            connection.execute(select(func.set_config("pharmacy.user_id", value, True)))
            return
        _, state = connection.execute(select(
            func.set_config("pharmacy.user_id", value, True), func.user_schema.account_state(self._actor_id),
        )).one()
        if state in _REFUSALS:
            raise AccountNotUsable(state)

    def _on_begin(self, session: Session, transaction, connection) -> None:
        if self._actor_id is not None:  # no setting: the database's acting user is NULL
            self._set_acting_user(connection, check=self.check_account)

    def __enter__(self) -> "UnitOfWork":
        self.session = self._session_factory()
        self.session.info[ACTOR_KEY] = self.actor_id
        event.listen(self.session, "after_begin", self._on_begin)
        self._repositories = {}
        self._notices = []
        self.committed = False
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        try:
            if not self.committed:
                self.session.rollback()
            if isinstance(exc, AccountNotUsable):
                self._record_refusal(exc)
        finally:
            self.session.close()
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
        try:
            self.record("StaleSessionRefused", "user", self._actor_id, {"reason": f"account {exc.state}"})
            self.commit()
        except DBAPIError:  # the refusal stands even if it cannot be written
            log.warning("could not record a refused stale session", exc_info=True)
            self.session.rollback()

    # -- events and notices -----------------------------------------------------------------

    def record(
        self, event_type: str, aggregate_type: str, aggregate_id: uuid.UUID, data: dict[str, Any] | None = None
    ) -> DomainEvent:
        """Write an event now, in this transaction, stamped by the database with the acting user."""
        payload = dict(data or {})
        if self.workstation:
            payload.setdefault("workstation", self.workstation)
        event = DomainEvent(id=uuid.uuid4(), event_type=event_type, aggregate_type=aggregate_type,
                            aggregate_id=aggregate_id, event_data=_jsonable(payload), user_id=self.actor_id)
        with self.session.no_autoflush:  # pending rows are flushed when the work is ready, not here
            self.session.execute(select(func.audit_schema.record_event(
                event.id, event_type, aggregate_type, aggregate_id,
                bindparam("event_data", event.event_data, type_=JSONB))))
        return event  # a detached copy of what was written

    def log_access(self, action: str, resource_type: str, resource_id: uuid.UUID,
                   user_agent: str | None = None) -> AccessLog:
        entry = AccessLog(
            id=uuid.uuid4(),
            user_id=self.actor_id,
            action=action,
            resource_type=resource_type,
            resource_id=resource_id,
            user_agent=user_agent or (f"pharmacy-desktop@{self.workstation}" if self.workstation else "pharmacy-desktop"),
        )
        with self.session.no_autoflush:
            self.session.execute(select(func.audit_schema.log_access(
                entry.id, action, resource_type, resource_id, entry.user_agent)))
        return entry

    def notify(self, topic: str, id_: uuid.UUID | str | None = None, **extra: Any) -> None:
        """A small change notice ('prescriptions', id, status=...) for other workstations."""
        notice = {"topic": topic, **({"id": str(id_)} if id_ is not None else {}), **_jsonable(extra)}
        if notice not in self._notices:
            self._notices.append(notice)

    # -- transaction ------------------------------------------------------------------------

    def flush(self) -> None:
        try:
            self.session.flush()
        except StaleDataError as exc:
            raise concurrent_update(exc) from exc

    def commit(self) -> None:
        try:
            self.session.flush()
            for notice in self._notices:
                self.session.execute(select(func.pg_notify(CHANGE_CHANNEL, json.dumps(notice)[:7900])))
            self.session.commit()
        except StaleDataError as exc:
            self.session.rollback()
            raise concurrent_update(exc) from exc
        self.committed = True

    def rollback(self) -> None:
        self.session.rollback()


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
