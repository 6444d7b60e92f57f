"""The pharmacy profile (name, address, phone, NPI, NCPDP, DEA) printed on labels, first run, and the
point-of-sale settings kept on the same row (sales tax rate, dispensing fee, days a bag may wait in
will-call before it is returned to stock, drug names on receipts)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation

from pharmacy_desktop.db.models.users import PharmacyProfile
from pharmacy_desktop.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from pharmacy_desktop.domain.identifiers import dea_problem, npi_problem
from pharmacy_desktop.domain.money import ZERO, format_money
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


# -- point-of-sale settings (issue 13) ------------------------------------------------------------

# Ceilings a person's typo runs into, well above any real figure: the highest combined US sales tax
# is under 12 %, a dispensing fee is a few dollars. The database allows a rate up to 100 %, but
# "825" typed for 8.25 % must not reach the register. Days: the column's CHECK (1..60).
MAX_TAX_PERCENT = Decimal(20)
MAX_DISPENSING_FEE = Decimal(100)
RETURN_DAYS = (1, 60)
_HUNDRED = Decimal(100)


@dataclass(frozen=True)
class PosSettings:
    tax_rate: Decimal  # a fraction: 0.0825 is 8.25 %, charged on taxable front-store items only
    dispensing_fee: Decimal  # dollars added to every fill's usual-and-customary price
    will_call_return_days: int  # a bag waiting longer is listed for return to stock
    receipt_drug_names: bool  # False: receipts show the Rx number only (privacy at the counter)

    @property
    def tax_percent(self) -> Decimal:
        """The rate as the person types it (8.25 for 0.0825), without trailing zeros."""
        percent = self.tax_rate * _HUNDRED
        return percent.quantize(Decimal(1)) if percent == percent.to_integral() else percent.normalize()


DEFAULT_POS_SETTINGS = PosSettings(ZERO, ZERO, 10, False)  # the column defaults of revision 0010


def _number(text: str) -> Decimal | None:
    cleaned = text.strip().removeprefix("$").removesuffix("%").replace(",", "").strip()
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def parse_pos_settings(
    tax_percent: str, dispensing_fee: str, will_call_return_days: int | str, receipt_drug_names: bool
) -> PosSettings:
    """The settings as typed on the settings screen (tax as a percentage, fee in dollars), checked.

    Raises ValidationFailed naming every field that is wrong; nothing is rounded silently: a rate
    with more than three decimals of a percent or a fee with fractions of a cent is refused.
    """
    errors: dict[str, str] = {}
    rate = ZERO
    percent = _number(tax_percent)
    if percent is None:
        errors["tax_rate"] = "Type the sales tax rate as a percentage, e.g. 8.25 (0 where there is none)"
    elif percent < 0 or percent > MAX_TAX_PERCENT:
        errors["tax_rate"] = f"A sales tax rate is between 0 and {MAX_TAX_PERCENT} % (8.25 for 8.25 %)"
    elif percent.as_tuple().exponent < -3:  # type: ignore[operator]  # finite: an int exponent
        errors["tax_rate"] = "The sales tax rate has at most three decimals (8.125)"
    else:
        rate = percent / _HUNDRED
    fee = _number(dispensing_fee)
    if fee is None:
        errors["dispensing_fee"] = "Type the dispensing fee in dollars, e.g. 2.50 (0 for none)"
    elif fee < 0 or fee > MAX_DISPENSING_FEE:
        errors["dispensing_fee"] = f"A dispensing fee is between $0.00 and {format_money(MAX_DISPENSING_FEE)}"
    elif fee.as_tuple().exponent < -2:  # type: ignore[operator]  # finite: an int exponent
        errors["dispensing_fee"] = "The dispensing fee is in dollars and cents (2.50)"
    days: int | None
    try:
        days = int(str(will_call_return_days).strip())
    except ValueError:
        days = None
    low, high = RETURN_DAYS
    if days is None or not low <= days <= high:
        errors["will_call_return_days"] = (
            f"Days in will-call before return to stock: a whole number from {low} to {high}"
        )
    if errors:
        raise ValidationFailed("Check the point-of-sale settings: " + "; ".join(errors.values()) + ".", errors)
    assert fee is not None and days is not None
    return PosSettings(rate, fee.quantize(Decimal("0.01")), days, bool(receipt_drug_names))


def pos_settings_in(uow: UnitOfWork) -> PosSettings:
    """The settings in ``uow`` (the column defaults before a profile exists): for the sale services."""
    row = uow.users.pharmacy_profile()
    if row is None:
        return DEFAULT_POS_SETTINGS
    return PosSettings(
        Decimal(row.tax_rate if row.tax_rate is not None else ZERO),
        Decimal(row.dispensing_fee if row.dispensing_fee is not None else ZERO),
        int(row.will_call_return_days if row.will_call_return_days is not None else 10),
        bool(row.receipt_drug_names),
    )


def pos_settings(uow_factory: UnitOfWorkFactory) -> PosSettings:
    with uow_factory() as uow:
        return pos_settings_in(uow)


def save_pos_settings(uow_factory: UnitOfWorkFactory, actor: Actor, settings: PosSettings) -> PosSettings:
    """Save the point-of-sale settings (permission ``settings.manage``); checked again here, so a
    caller that built PosSettings itself cannot store what the screen would refuse."""
    if not isinstance(settings.tax_rate, Decimal) or not isinstance(settings.dispensing_fee, Decimal):
        raise TypeError("point-of-sale amounts are Decimal")  # a float here is a programming error
    checked = parse_pos_settings(
        str((settings.tax_rate * _HUNDRED).normalize()),
        str(settings.dispensing_fee.normalize()),
        settings.will_call_return_days,
        settings.receipt_drug_names,
    )
    with uow_factory(actor.user_id) as uow:
        auth.require(uow, actor, "settings.manage", doing="change the point-of-sale settings")
        if uow.users.pharmacy_profile() is None:
            raise ValidationFailed("Set up the pharmacy profile first; the point-of-sale settings are kept with it.")
        row = uow.users.pharmacy_profile_for_saving()
        row.tax_rate = checked.tax_rate
        row.dispensing_fee = checked.dispensing_fee
        row.will_call_return_days = checked.will_call_return_days
        row.receipt_drug_names = checked.receipt_drug_names
        row.updated_by = actor.user_id
        uow.record(
            "PosSettingsSaved",
            "pharmacy",
            _PROFILE_ID,
            {
                "tax_rate": str(checked.tax_rate),
                "dispensing_fee": str(checked.dispensing_fee),
                "will_call_return_days": checked.will_call_return_days,
                "receipt_drug_names": checked.receipt_drug_names,
            },
        )
        uow.notify("settings", _PROFILE_ID)
        uow.commit()
    return checked


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
