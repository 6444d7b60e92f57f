"""The pharmacy profile (name, address, phone, NPI, NCPDP, DEA) printed on labels, and first run."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields

from pharmacy_desktop.db.models.users import PharmacyProfile
from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
from pharmacy_desktop.domain.identifiers import dea_problem, npi_problem
from pharmacy_desktop.errors import PermissionDenied, ValidationFailed
from pharmacy_desktop.services import auth
from pharmacy_desktop.services.auth import Actor

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
    return errors


def get_profile(uow_factory: UnitOfWorkFactory) -> Profile | None:
    with uow_factory() as uow:
        row = uow.session.get(PharmacyProfile, 1)
        if row is None:
            return None
        return Profile(**{f.name: getattr(row, f.name) for f in fields(Profile)})


def save_profile(uow_factory: UnitOfWorkFactory, actor: Actor | None, profile: Profile) -> None:
    errors = _problems(profile)
    if errors:
        raise ValidationFailed("Check the pharmacy details: " + ", ".join(f"{k} {v}" for k, v in errors.items()), errors)
    with uow_factory(actor.user_id if actor else None) as uow:
        if actor is not None:
            auth.require(uow, actor, "settings.manage")
        row = uow.session.get(PharmacyProfile, 1)
        if row is None:
            row = PharmacyProfile(id=1)
            uow.session.add(row)
        elif actor is None:
            raise PermissionDenied("The pharmacy profile exists; an administrator changes it in Settings.")
        for f in fields(Profile):
            value = getattr(profile, f.name)
            setattr(row, f.name, (value or None) if f.name in _OPTIONAL else value.strip())
        row.updated_by = actor.user_id if actor else None
        uow.record("PharmacyProfileSaved", "pharmacy", _PROFILE_ID, {"name": profile.name})
        uow.commit()


def first_run(uow_factory: UnitOfWorkFactory, profile: Profile, *, username: str, password: str, email: str,
              first_name: str, last_name: str, workstation: str) -> Actor:
    """Create the first administrator and the pharmacy profile, then sign the administrator in."""
    errors = _problems(profile)
    if errors:
        raise ValidationFailed("Check the pharmacy details.", errors)
    if not auth.needs_first_run(uow_factory):
        raise PermissionDenied("This pharmacy is already set up: sign in instead.")
    auth.create_user(uow_factory, None, username=username, password=password, email=email,
                     first_name=first_name, last_name=last_name, role="admin")
    save_profile(uow_factory, None, profile)
    return auth.sign_in(uow_factory, username, password, workstation)
