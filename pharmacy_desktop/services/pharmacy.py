"""The pharmacy profile (name, address, phone, NPI, NCPDP, DEA) printed on labels, and first run."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, fields

from pharmacy_desktop.db.models.users import PharmacyProfile
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain.identifiers import dea_problem, npi_problem
from pharmacy_desktop.errors import PermissionDenied, ValidationFailed
from pharmacy_desktop.services import auth
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.text_checks import text_errors

_PROFILE_ID = uuid.UUID(int=1)  # aggregate id of the single profile row in domain events
_OPTIONAL = ("address_line2", "npi", "ncpdp", "dea")


@dataclass(frozen=True)
class Profile:
    name: str
    address_line1: str
    address_line2: str | None
    city: str
    state: str
    zip_code: str
    phone: str
    npi: str | None
    ncpdp: str | None
    dea: str | None

    @property
    def address_lines(self) -> tuple[str, ...]:
        lines = [self.address_line1]
        if self.address_line2:
            lines.append(self.address_line2)
        lines.append(f"{self.city}, {self.state} {self.zip_code}")
        return tuple(lines)


def _problems(profile: Profile) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name in ("name", "address_line1", "city", "state", "zip_code", "phone"):
        if not (getattr(profile, name) or "").strip():
            errors[name] = "required"
    if profile.npi and (problem := npi_problem(profile.npi)):
        errors["npi"] = problem
    if profile.dea and (problem := dea_problem(profile.dea)):
        errors["dea"] = problem
    if profile.ncpdp and not (profile.ncpdp.isdigit() and len(profile.ncpdp) == 7):
        errors["ncpdp"] = "an NCPDP number has 7 digits"
    # lengths from the columns, no control characters: what goes on every label must be clean text
    errors.update(
        text_errors(
            ((f.name, getattr(PharmacyProfile, f.name), getattr(profile, f.name)) for f in fields(Profile)),
            labels=_LABELS,
        )
    )
    return errors


_LABELS = {
    "name": "Pharmacy name",
    "address_line1": "Address",
    "address_line2": "Address line 2",
    "city": "City",
    "state": "State",
    "zip_code": "ZIP code",
    "phone": "Phone",
    "npi": "NPI",
    "ncpdp": "NCPDP number",
    "dea": "DEA number",
}


def _summary(errors: dict[str, str]) -> str:
    parts = [f"{k.replace('_', ' ')} is required" if v == "required" else v.rstrip(".") for k, v in errors.items()]
    return "Check the pharmacy details: " + "; ".join(parts) + "."


def get_profile(uow_factory: UnitOfWorkFactory) -> Profile | None:
    with uow_factory() as uow:
        row = uow.users.pharmacy_profile()
        if row is None:
            return None
        return Profile(**{f.name: getattr(row, f.name) for f in fields(Profile)})


def save_profile(uow_factory: UnitOfWorkFactory, actor: Actor | None, profile: Profile) -> None:
    """Save the profile (``actor`` None only during first-run set-up, see ``first_run``)."""
    if actor is None:
        raise PermissionDenied("The pharmacy profile exists; an administrator changes it in Settings.")
    with uow_factory(actor.user_id) as uow:
        auth.require(uow, actor, "settings.manage")
        _save(uow, actor, profile)
        uow.commit()


def _save(uow: UnitOfWork, actor: Actor | None, profile: Profile) -> None:
    errors = _problems(profile)
    if errors:
        raise ValidationFailed(
            _summary(errors),
            errors,
        )
    row = uow.users.pharmacy_profile_for_saving()
    for f in fields(Profile):
        value = (getattr(profile, f.name) or "").strip()
        setattr(row, f.name, (value or None) if f.name in _OPTIONAL else value)
    row.updated_by = actor.user_id if actor else None
    uow.record("PharmacyProfileSaved", "pharmacy", _PROFILE_ID, {"name": profile.name})


def first_run(
    uow_factory: UnitOfWorkFactory,
    profile: Profile,
    *,
    username: str,
    password: str,
    email: str,
    first_name: str,
    last_name: str,
    workstation: str,
) -> Actor:
    """Create the first administrator and the pharmacy profile in one transaction (all or nothing),
    then sign the administrator in. Refused once any account exists."""
    errors = _problems(profile)
    if errors:
        raise ValidationFailed(
            _summary(errors),
            errors,
        )
    with uow_factory() as uow:
        user_id = auth.create_user_in(
            uow,
            None,
            username=username,
            password=password,
            email=email,
            first_name=first_name,
            last_name=last_name,
            role="admin",
        )
        uow.actor_id = user_id
        _save(uow, None, profile)
        uow.users.pharmacy_profile_for_saving().updated_by = user_id
        uow.commit()
    return auth.sign_in(uow_factory, username, password, workstation)


# -- the day's workload (home screen) ------------------------------------------------------------


@dataclass(frozen=True)
class QueueCount:
    status: str
    count: int
    stat: int  # STAT prescriptions among them
    overdue: int  # promised time passed
    oldest_at: dt.datetime | None


@dataclass(frozen=True)
class Workload:
    queues: dict[str, QueueCount]
    locked_accounts: int
    failed_sign_ins_today: int


def workload(uow_factory: UnitOfWorkFactory, actor: Actor, *, now: dt.datetime | None = None) -> Workload:
    """Prescriptions waiting at each workflow step (counts only: no patient data), and for managers
    and administrators the account alarms of the day."""
    at = now or dt.datetime.now(dt.UTC)
    with uow_factory(actor.user_id) as uow:
        rows = uow.workload.waiting(at)
        queues = {
            status: QueueCount(status, count, stat, overdue, oldest) for status, count, stat, overdue, oldest in rows
        }
        locked = failed = 0
        if actor.can("users.manage") or actor.can("audit.view"):
            locked = uow.workload.locked_accounts(at)
            midnight = at.astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
            failed = uow.workload.events_since("SignInFailed", midnight)
        return Workload(queues, locked, failed)
